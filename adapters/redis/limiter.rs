//! The rate limit shared by every replica: one atomic script per request over the §1.8 keys,
//! and the process's own counter whenever Redis cannot answer.

use std::sync::Arc;

use redis::Script;

use super::Redis;
use crate::adapters::memory::MemoryRateLimit;
use crate::core::error::PortError;
use crate::core::ports::RateLimitStore;
use crate::core::ratelimit::Decision;

/// The core's sliding window (see `core::ratelimit`) on Redis's clock: the counts of the
/// current and the previous fixed minute, `ratelimit:{identity}:{minute}`, each expiring two
/// minutes after its minute began. A refused request is not counted. Answers
/// `{1, remaining}` or `{0, retry_after}`.
const SLIDING_WINDOW: &str = r"
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minute = math.floor(now_ms / 60000)
local into = (now_ms % 60000) / 60000
local current_key = KEYS[1] .. ':' .. minute
local previous = tonumber(redis.call('GET', KEYS[1] .. ':' .. (minute - 1)) or '0')
local current = tonumber(redis.call('GET', current_key) or '0')
local limit = tonumber(ARGV[1])
local estimate = previous * (1 - into) + current
if estimate + 1 > limit then
  return {0, math.max(1, math.ceil(60 - (now_ms % 60000) / 1000))}
end
redis.call('INCR', current_key)
redis.call('PEXPIRE', current_key, 120000)
return {1, math.max(0, math.floor(limit - estimate - 1))}
";

/// The Redis half of the shared limit.
#[derive(Clone)]
pub struct RedisRateLimit {
    redis: Redis,
    script: Arc<Script>,
    limit: u32,
}

impl RedisRateLimit {
    pub fn new(redis: Redis, limit_per_minute: u32) -> Self {
        RedisRateLimit {
            redis,
            script: Arc::new(Script::new(SLIDING_WINDOW)),
            limit: limit_per_minute.max(1),
        }
    }

    /// The decision Redis gives for one request of `key`, within the call budget.
    pub async fn decide(&self, key: u64) -> Result<Decision, PortError> {
        let identity = self.redis.key(&format!("ratelimit:{key:016x}"));
        let mut call = self.script.key(identity);
        call.arg(self.limit);
        match self.redis.invoke::<(u8, u64)>(&call).await? {
            (1, remaining) => Ok(Decision::Allow {
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            }),
            (_, retry_after) => Ok(Decision::Deny { retry_after }),
        }
    }
}

/// The limit every request meets: Redis's when `REDIS_URL` is set and it answers, else the
/// process's own. A change between the two is logged once, when it happens, by [`Redis`].
#[derive(Clone)]
pub struct SharedRateLimit {
    local: MemoryRateLimit,
    shared: Option<RedisRateLimit>,
}

impl SharedRateLimit {
    /// The process's own limit only (`DIXIE_RATE_LIMIT_BACKEND=memory`, or no Redis).
    pub fn local(limit_per_minute: u32) -> Self {
        SharedRateLimit {
            local: MemoryRateLimit::new(limit_per_minute),
            shared: None,
        }
    }

    /// Redis's limit, with the process's own as the fallback.
    pub fn shared(redis: Redis, limit_per_minute: u32) -> Self {
        SharedRateLimit {
            shared: Some(RedisRateLimit::new(redis, limit_per_minute)),
            ..SharedRateLimit::local(limit_per_minute)
        }
    }
}

impl RateLimitStore for SharedRateLimit {
    fn limit(&self) -> u32 {
        self.local.limit()
    }

    async fn check(&self, key: u64) -> Decision {
        let Some(shared) = &self.shared else {
            return self.local.decide(key);
        };
        match shared.decide(key).await {
            Ok(decision) => decision,
            Err(_) => self.local.decide(key),
        }
    }
}
