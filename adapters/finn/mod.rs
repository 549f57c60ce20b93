//! The Finn runtime over HTTP: ownership lookups and the health probe.

mod client;
mod lookups;

pub use client::{FinnClient, FinnInitError};
