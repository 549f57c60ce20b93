//! In-memory adapters: the default when no `DATABASE_URL` is set. State lives for the process.

mod nonces;
mod reputation;
mod schedules;

pub use nonces::MemoryNonceStore;
pub use reputation::MemoryReputationStore;
pub use schedules::MemoryScheduleStore;
