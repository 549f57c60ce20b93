//! The pure core: domain types, ports and the rules that use them.
//!
//! Nothing here names the web framework, the database driver, the HTTP client or another
//! layer of this crate; `tests/api/purity.rs` fails the build's tests if it does.

pub mod auth;
pub mod clock;
pub mod conviction;
pub mod error;
pub mod families;
pub mod health;
pub mod memory;
pub mod ownership;
pub mod payment;
pub mod ports;
pub mod ratelimit;
pub mod reputation;
pub mod schedule;
pub mod ttl;
pub mod upstream;
