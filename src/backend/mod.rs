//! Container engines behind one interface: Docker hosts now, Kubernetes
//! later. No UI types here.

pub mod labels;
