//! The reputation domain: aggregates, per model/task cohorts and the append-only event history.

pub mod rules;
pub mod types;
pub mod validate;

pub use types::*;
