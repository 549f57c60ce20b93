//! Driven adapters: one folder per port family. Each implements ports from `crate::core::ports`.

pub mod allowlist;
pub mod finn;
pub mod fleet;
pub mod jwt;
pub mod knowledge;
pub mod memory;
pub mod nats;
pub mod payment;
pub mod postgres;
pub mod redis;
