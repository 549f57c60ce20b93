//! In-memory adapters: the default when no `DATABASE_URL` is set. State lives for the process.

mod nonces;
mod reputation;
mod schedules;

pub use nonces::MemoryNonceStore;
pub use reputation::MemoryReputationStore;
pub use schedules::MemoryScheduleStore;

use crate::core::families::Persistence;

/// The memory backend of the persistence family.
#[derive(Clone, Default)]
pub struct MemoryPersistence {
    pub reputation: MemoryReputationStore,
    pub nonces: MemoryNonceStore,
    pub schedules: MemoryScheduleStore,
}

impl MemoryPersistence {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Persistence for MemoryPersistence {
    type Reputation = MemoryReputationStore;
    type Nonces = MemoryNonceStore;
    type Schedules = MemoryScheduleStore;

    fn reputation(&self) -> &Self::Reputation {
        &self.reputation
    }
    fn nonces(&self) -> &Self::Nonces {
        &self.nonces
    }
    fn schedules(&self) -> &Self::Schedules {
        &self.schedules
    }
}
