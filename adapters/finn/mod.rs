//! The Finn runtime over HTTP: ownership lookups and the health probe.

mod client;
mod lookups;

pub use client::{FinnClient, FinnInitError};
pub use lookups::{HELD_TTL, NONE_TTL};
