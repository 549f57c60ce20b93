//! [`CacheStore`] on Redis: one `SET … PX` per answer under the §1.8 keys, so that every
//! replica reuses what any one of them asked Finn.

use std::time::Duration;

use super::Redis;
use crate::adapters::memory::MemoryCache;
use crate::core::ports::CacheStore;

/// The Redis cache. A call Redis cannot answer is a miss (or a dropped write).
#[derive(Clone)]
pub struct RedisCache {
    redis: Redis,
}

impl RedisCache {
    pub fn new(redis: Redis) -> Self {
        RedisCache { redis }
    }

    pub fn redis(&self) -> &Redis {
        &self.redis
    }
}

impl CacheStore for RedisCache {
    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let cmd = redis::Cmd::get(self.redis.key(key));
        self.redis
            .call::<Option<Vec<u8>>>(&cmd)
            .await
            .ok()
            .flatten()
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let cmd = redis::Cmd::pset_ex(self.redis.key(key), value, millis);
        let _ = self.redis.call::<()>(&cmd).await;
    }

    async fn forget(&self, key: &str) {
        let cmd = redis::Cmd::del(self.redis.key(key));
        let _ = self.redis.call::<()>(&cmd).await;
    }
}

/// The cache answers are reused through: Redis's when `REDIS_URL` is set (skipped while it
/// is down), else this process's own.
#[derive(Clone)]
pub enum SharedCache {
    Local(MemoryCache),
    Redis(RedisCache),
}

impl CacheStore for SharedCache {
    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self {
            SharedCache::Local(c) => c.get(key).await,
            SharedCache::Redis(c) => c.get(key).await,
        }
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        match self {
            SharedCache::Local(c) => c.put(key, value, ttl).await,
            SharedCache::Redis(c) => c.put(key, value, ttl).await,
        }
    }

    async fn forget(&self, key: &str) {
        match self {
            SharedCache::Local(c) => c.forget(key).await,
            SharedCache::Redis(c) => c.forget(key).await,
        }
    }
}
