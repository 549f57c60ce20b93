//! In-memory adapters: the default when no `DATABASE_URL` is set. State lives for the process.

mod reputation;

pub use reputation::MemoryReputationStore;
