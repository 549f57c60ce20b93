//! The Finn runtime: its HTTP API (sessions, identity, memory, cron, health) and its stream.

mod agent;
mod client;
mod lookups;
mod metrics;
mod stream;

pub use client::{FinnClient, FinnInitError};
pub use metrics::FinnMetrics;
pub use stream::{FinnStream, default_ws_url, stream_config};
