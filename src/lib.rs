//! Dixie: a hexagonal backend-for-frontend.
//!
//! - [`core`]: pure domain types, ports and rules (no I/O, no framework).
//! - [`adapters`]: implementations of the ports (memory, PostgreSQL, JWT, Finn, payment).
//! - [`http`]: the poem-openapi surface, generic over the ports.
//! - [`wiring`]: picks adapters from [`config`] and serves the app monomorphized over them.

#[path = "../adapters/mod.rs"]
pub mod adapters;
pub mod config;
pub mod core;
pub mod http;
pub mod keys;
pub mod logging;
pub mod telemetry;
pub mod wiring;

/// Version reported by `/` and `/api/health` (the wire contract's service version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
