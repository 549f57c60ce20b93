//! The coordination family as wiring builds it: Redis's rate limits and cache when
//! `REDIS_URL` is set (each falling back to this process's own while Redis is down), else
//! this process's own; signals to NATS when `NATS_URL` is set.

use crate::adapters::memory::MemoryCache;
use crate::adapters::nats::Signals;
use crate::adapters::redis::{Redis, RedisCache, SharedAgentQuota, SharedCache, SharedRateLimit};
use crate::core::error::PortError;
use crate::core::families::Coordination;

/// The limits the fleet enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Requests per minute per identity.
    pub per_minute: u32,
    /// Agent queries per sliding minute and per UTC day, per TBA.
    pub agent_per_minute: u32,
    pub agent_per_day: u32,
}

#[derive(Clone)]
pub struct Fleet {
    pub limiter: SharedRateLimit,
    pub agent_quota: SharedAgentQuota,
    pub cache: SharedCache,
    pub signals: Signals,
}

impl Fleet {
    /// One process on its own: its own rate limits and cache.
    pub fn local(limits: Limits) -> Self {
        Fleet {
            limiter: SharedRateLimit::local(limits.per_minute),
            agent_quota: SharedAgentQuota::local(limits.agent_per_minute, limits.agent_per_day),
            cache: SharedCache::Local(MemoryCache::default()),
            signals: Signals::Off,
        }
    }

    /// The cache on `redis`; the rate limits on it too when `shared_limit`.
    pub fn on_redis(redis: Redis, limits: Limits, shared_limit: bool) -> Self {
        let (minute, day) = (limits.agent_per_minute, limits.agent_per_day);
        Fleet {
            limiter: if shared_limit {
                SharedRateLimit::shared(redis.clone(), limits.per_minute)
            } else {
                SharedRateLimit::local(limits.per_minute)
            },
            agent_quota: if shared_limit {
                SharedAgentQuota::shared(redis.clone(), minute, day)
            } else {
                SharedAgentQuota::local(minute, day)
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
    type AgentQuota = SharedAgentQuota;

    fn limiter(&self) -> &SharedRateLimit {
        &self.limiter
    }
    fn agent_quota(&self) -> &SharedAgentQuota {
        &self.agent_quota
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
