//! Typed cache-aside over a [`CacheStore`]: one §1.8 key prefix and one TTL per kind of
//! answer, values kept as JSON so that every replica reads what any one of them put.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::core::ports::CacheStore;

/// The answers of one kind (`prefix` + id), each kept for `ttl` (zero: nothing is kept).
#[derive(Clone)]
pub struct Cached<C> {
    store: C,
    prefix: &'static str,
    ttl: Duration,
}

impl<C: CacheStore> Cached<C> {
    pub fn new(store: C, prefix: &'static str, ttl: Duration) -> Self {
        Cached { store, prefix, ttl }
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    /// The answer kept for `id`; a value that no longer decodes (another version wrote it)
    /// is a miss.
    pub async fn get<T: DeserializeOwned>(&self, id: &str) -> Option<T> {
        if self.ttl.is_zero() {
            return None;
        }
        let bytes = self.store.get(&self.key(id)).await?;
        serde_json::from_slice(&bytes).ok()
    }

    pub async fn put<T: Serialize>(&self, id: &str, value: &T) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(bytes) = serde_json::to_vec(value) {
            self.store.put(&self.key(id), bytes, self.ttl).await;
        }
    }

    pub async fn forget(&self, id: &str) {
        self.store.forget(&self.key(id)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{KeptCache, block_on};

    #[test]
    fn values_round_trip_under_the_prefixed_key_and_forget_removes_them() {
        let store = KeptCache::default();
        let cached = store.cached("personality:", Duration::from_secs(5));
        block_on(cached.put("7", &vec![1u32, 2]));
        assert!(store.0.lock().unwrap().contains_key("personality:7"));
        assert_eq!(block_on(cached.get::<Vec<u32>>("7")), Some(vec![1, 2]));
        block_on(cached.forget("7"));
        assert_eq!(block_on(cached.get::<Vec<u32>>("7")), None);
    }

    #[test]
    fn a_zero_ttl_keeps_nothing_and_an_undecodable_value_is_a_miss() {
        let store = KeptCache::default();
        let off = store.cached("p:", Duration::ZERO);
        block_on(off.put("1", &1u32));
        assert!(store.0.lock().unwrap().is_empty());

        let on = store.cached("p:", Duration::from_secs(5));
        block_on(store.put("p:2", b"not json".to_vec(), Duration::from_secs(5)));
        assert_eq!(block_on(on.get::<u32>("2")), None);
    }
}
