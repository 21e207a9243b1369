//! Plain types shared by every layer. No I/O here.

pub mod access;
pub mod audit;
pub mod description;
pub mod execution;
pub mod instance;
pub mod logs;
pub mod node;
pub mod placement;
pub mod policy;
pub mod record;
pub mod registry;
pub mod status;
pub mod subnet;
pub mod text;
pub mod time;
pub mod view;

pub use description::{
    CoreRange, DEFAULT_CORES, Description, GIB, MemoryRange, Port, Protocol, Resources,
    ServiceGroup, Volume, format_bytes, format_cores,
};
pub use execution::{ExecutionId, ExecutionIdentity};
pub use instance::Instance;
pub use logs::{LogItem, LogLine, LogRequest};
pub use node::{
    BackendState, ExecutionNetwork, ForeignContainer, ForeignKind, NodeDetail, NodeSnapshot,
    StopReason, Workload,
};
pub use placement::{Limits, NodeView, OverrideLimits, QueueOrder};
pub use policy::PlacementPolicy;
pub use record::ExecutionRecord;
pub use status::ExecutionStatus;
pub use view::{ExecutionView, InstanceView};
