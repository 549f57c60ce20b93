//! The persistence contracts (reputation, nonces, schedules, tickets, handoffs, autonomous
//! permissions, priority votes) and the agent quota's against the in-memory adapters.

use dixie::adapters::memory::{
    MemoryAgentQuota, MemoryAutonomousStore, MemoryNonceStore, MemoryPriorityVotes,
    MemoryPromptHandoff, MemoryReputationStore, MemoryScheduleStore, MemoryTicketStore,
};

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

async fn memory_streams() -> (MemoryTicketStore, MemoryPromptHandoff, NoCleanup) {
    (
        MemoryTicketStore::default(),
        MemoryPromptHandoff::default(),
        NoCleanup,
    )
}

async fn memory_autonomous() -> (MemoryAutonomousStore, NoCleanup) {
    (MemoryAutonomousStore::default(), NoCleanup)
}

async fn memory_votes() -> (MemoryPriorityVotes, NoCleanup) {
    (MemoryPriorityVotes::default(), NoCleanup)
}

async fn memory_quota(per_minute: u32, per_day: u32) -> MemoryAgentQuota {
    MemoryAgentQuota::new(per_minute, per_day)
}

mod votes {
    crate::votes_contract!(super::memory_votes);
}

mod quota {
    crate::quota_contract!(super::memory_quota);
}

mod autonomous {
    crate::autonomous_contract!(super::memory_autonomous);
}

mod reputation {
    crate::reputation_contract!(super::memory);
}

mod streams {
    crate::stream_contract!(super::memory_streams);
}

mod schedules {
    crate::schedule_contract!(super::memory_schedules);
}

mod nonces {
    crate::nonce_contract!(super::memory_nonces);
}

async fn memory_limiter() -> dixie::adapters::memory::MemoryRateLimit {
    dixie::adapters::memory::MemoryRateLimit::new(crate::support::ratelimit_contract::LIMIT)
}

mod rate_limits {
    crate::ratelimit_contract!(super::memory_limiter);
}

async fn memory_cache() -> dixie::adapters::memory::MemoryCache {
    dixie::adapters::memory::MemoryCache::default()
}

mod cache {
    crate::cache_contract!(super::memory_cache);
}

#[tokio::test]
async fn a_full_memory_cache_stays_bounded() {
    use dixie::adapters::memory::{CACHE_CAPACITY, MemoryCache};
    use dixie::core::ports::CacheStore;
    let cache = MemoryCache::default();
    let ttl = std::time::Duration::from_secs(60);
    for i in 0..CACHE_CAPACITY + 5 {
        cache.put(&format!("k{i}"), vec![1], ttl).await;
    }
    let last = format!("k{}", CACHE_CAPACITY + 4);
    assert!(cache.get(&last).await.is_some(), "the newest entry is kept");
    let kept = kept_of(&cache, CACHE_CAPACITY + 5).await;
    assert!(kept <= CACHE_CAPACITY, "{kept} entries kept");
}

/// How many of `k0..kN` the cache still answers.
async fn kept_of(cache: &dixie::adapters::memory::MemoryCache, n: usize) -> usize {
    use dixie::core::ports::CacheStore;
    let mut kept = 0;
    for i in 0..n {
        kept += usize::from(cache.get(&format!("k{i}")).await.is_some());
    }
    kept
}

#[tokio::test]
async fn a_full_memory_nonce_store_refuses_new_claims_with_unavailable() {
    use dixie::core::error::PortError;
    use dixie::core::ports::NonceStore;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let store = MemoryNonceStore::with_capacity(2);
    assert!(store.claim("aaaaaaaa", now, now + 3600).await.unwrap());
    assert!(store.claim("bbbbbbbb", now, now + 3600).await.unwrap());
    assert!(matches!(
        store.claim("cccccccc", now, now + 3600).await,
        Err(PortError::Unavailable(_))
    ));
    // A value already held still answers (false), full or not.
    assert!(!store.claim("aaaaaaaa", now, now + 3600).await.unwrap());
}

#[tokio::test]
async fn expired_memory_nonces_free_their_room() {
    use dixie::core::ports::NonceStore;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let store = MemoryNonceStore::with_capacity(1);
    assert!(store.claim("aaaaaaaa", now - 10, now - 5).await.unwrap());
    assert!(store.claim("bbbbbbbb", now, now + 60).await.unwrap());
}
