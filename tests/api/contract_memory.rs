//! The `ReputationStore`, `NonceStore` and `ScheduleStore` contracts against the in-memory
//! adapters.

use dixie::adapters::memory::{MemoryNonceStore, MemoryReputationStore, MemoryScheduleStore};

pub struct NoCleanup;

impl NoCleanup {
    pub async fn finish(self) {}
}

async fn memory() -> (MemoryReputationStore, NoCleanup) {
    (MemoryReputationStore::new(), NoCleanup)
}

async fn memory_nonces() -> (MemoryNonceStore, NoCleanup) {
    (MemoryNonceStore::new(), NoCleanup)
}

async fn memory_schedules() -> (MemoryScheduleStore, NoCleanup) {
    (MemoryScheduleStore::new(), NoCleanup)
}

mod reputation {
    crate::reputation_contract!(super::memory);
}

mod schedules {
    crate::schedule_contract!(super::memory_schedules);
}

mod nonces {
    crate::nonce_contract!(super::memory_nonces);
}

#[tokio::test]
async fn a_full_memory_nonce_store_refuses_new_nonces_with_unavailable() {
    use dixie::core::error::PortError;
    use dixie::core::ports::NonceStore;
    let far = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let store = MemoryNonceStore::with_capacity(2);
    store.issue("aaaaaaaa", far).await.unwrap();
    store.issue("bbbbbbbb", far).await.unwrap();
    assert!(matches!(
        store.issue("cccccccc", far).await,
        Err(PortError::Unavailable(_))
    ));
}

#[tokio::test]
async fn expired_memory_nonces_free_their_room() {
    use dixie::core::ports::NonceStore;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let store = MemoryNonceStore::with_capacity(1);
    store.issue("aaaaaaaa", now - 5).await.unwrap();
    store.issue("bbbbbbbb", now + 60).await.unwrap();
}
