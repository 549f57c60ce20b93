//! [`CacheStore`] in process memory (one replica's own cache).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::core::ports::CacheStore;
use crate::core::ttl::TtlMap;

/// Entries kept at most, every kind of answer together.
pub const CACHE_CAPACITY: usize = 50_000;

#[derive(Clone)]
pub struct MemoryCache {
    entries: Arc<TtlMap<Arc<[u8]>>>,
}

impl Default for MemoryCache {
    fn default() -> Self {
        MemoryCache {
            entries: Arc::new(TtlMap::new(CACHE_CAPACITY)),
        }
    }
}

impl CacheStore for MemoryCache {
    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.entries.get(key, Instant::now()).map(|v| v.to_vec())
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        let now = Instant::now();
        self.entries
            .put(key.to_owned(), value.into(), now + ttl, now);
    }

    async fn forget(&self, key: &str) {
        self.entries.remove(key);
    }
}
