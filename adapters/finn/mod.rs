//! The Finn runtime over HTTP: ownership lookups and the health probe.

mod client;

pub use client::{FinnClient, FinnInitError};
