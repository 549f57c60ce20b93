//! The `ReputationStore` contract against the in-memory adapter.

use dixie::adapters::memory::MemoryReputationStore;

pub struct NoCleanup;

impl NoCleanup {
    pub async fn finish(self) {}
}

async fn memory() -> (MemoryReputationStore, NoCleanup) {
    (MemoryReputationStore::new(), NoCleanup)
}

crate::reputation_contract!(memory);
