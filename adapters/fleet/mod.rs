//! The coordination family as wiring builds it: Redis's rate limit and cache when
//! `REDIS_URL` is set (each falling back to this process's own while Redis is down), else
//! this process's own; signals to NATS when `NATS_URL` is set.

use crate::adapters::memory::MemoryCache;
use crate::adapters::nats::Signals;
use crate::adapters::redis::{Redis, RedisCache, SharedCache, SharedRateLimit};
use crate::core::error::PortError;
use crate::core::families::Coordination;

#[derive(Clone)]
pub struct Fleet {
    pub limiter: SharedRateLimit,
    pub cache: SharedCache,
    pub signals: Signals,
}

impl Fleet {
    /// One process on its own: its own rate limit and cache.
    pub fn local(limit_per_minute: u32) -> Self {
        Fleet {
            limiter: SharedRateLimit::local(limit_per_minute),
            cache: SharedCache::Local(MemoryCache::default()),
            signals: Signals::Off,
        }
    }

    /// The cache on `redis`; the rate limit on it too when `shared_limit`.
    pub fn on_redis(redis: Redis, limit_per_minute: u32, shared_limit: bool) -> Self {
        Fleet {
            limiter: if shared_limit {
                SharedRateLimit::shared(redis.clone(), limit_per_minute)
            } else {
                SharedRateLimit::local(limit_per_minute)
            },
            cache: SharedCache::Redis(RedisCache::new(redis)),
            signals: Signals::Off,
        }
    }

    /// Signals to `signals` instead of nowhere.
    pub fn with_signals(self, signals: Signals) -> Self {
        Fleet { signals, ..self }
    }
}

impl Coordination for Fleet {
    type Limiter = SharedRateLimit;
    type Cache = SharedCache;
    type Signals = Signals;

    fn limiter(&self) -> &SharedRateLimit {
        &self.limiter
    }
    fn cache(&self) -> &SharedCache {
        &self.cache
    }
    fn signals(&self) -> &Signals {
        &self.signals
    }

    fn store_up(&self) -> Option<bool> {
        match &self.cache {
            SharedCache::Redis(cache) => Some(cache.redis().is_up()),
            SharedCache::Local(_) => None,
        }
    }

    async fn probe(&self) -> Option<Result<(), PortError>> {
        match &self.cache {
            SharedCache::Redis(cache) => Some(cache.redis().ping().await),
            SharedCache::Local(_) => None,
        }
    }
}
