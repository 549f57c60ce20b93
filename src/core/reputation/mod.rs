//! The reputation domain: aggregates, per model/task cohorts and the append-only event history.

pub mod types;

pub use types::*;
