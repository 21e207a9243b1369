//! Plain types shared by every layer. No I/O here.

pub mod description;
pub mod execution;
pub mod policy;
pub mod status;
pub mod text;
pub mod time;

pub use description::{
    CoreRange, DEFAULT_CORES, Description, GIB, MemoryRange, Port, Protocol, Resources,
    ServiceGroup, Volume, format_bytes, format_cores,
};
pub use execution::{ExecutionId, ExecutionIdentity};
pub use policy::PlacementPolicy;
pub use status::ExecutionStatus;
