//! The per-agent quota shared by every replica: one atomic script per query over
//! `agentquota:{tba}:minute` (a sorted set of the last minute's admissions) and
//! `agentquota:{tba}:day:{UTC day}` (a counter), on Redis's clock; the process's own quota
//! whenever Redis cannot answer.

use std::sync::Arc;

use redis::Script;

use super::Redis;
use crate::adapters::memory::MemoryAgentQuota;
use crate::core::agent::QuotaDecision;
use crate::core::error::PortError;
use crate::core::ports::AgentQuota;

/// Answers `{0, 0}` (admitted, counted), `{1, retry_after}` (minute) or `{2, retry_after}`
/// (day). A refused query is not counted.
const QUOTA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local day = math.floor(now / 86400000)
local day_key = KEYS[1] .. ':day:' .. day
local minute_key = KEYS[1] .. ':minute'
local seq_key = KEYS[1] .. ':seq'
local today = tonumber(redis.call('GET', day_key) or '0')
if today >= tonumber(ARGV[2]) then
  return {2, math.max(1, math.ceil(((day + 1) * 86400000 - now) / 1000))}
end
redis.call('ZREMRANGEBYSCORE', minute_key, '-inf', now - 60000)
if redis.call('ZCARD', minute_key) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', minute_key, 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + 60000 - now
  return {1, math.min(60, math.max(1, math.ceil(wait / 1000)))}
end
local seq = redis.call('INCR', seq_key)
redis.call('ZADD', minute_key, now, now .. ':' .. seq)
redis.call('PEXPIRE', minute_key, 60000)
redis.call('PEXPIRE', seq_key, 60000)
redis.call('INCR', day_key)
redis.call('PEXPIREAT', day_key, (day + 1) * 86400000 + 60000)
return {0, 0}
";

/// The quota every agent query meets: Redis's when `REDIS_URL` is set and it answers, else
/// the process's own.
#[derive(Clone)]
pub struct SharedAgentQuota {
    local: MemoryAgentQuota,
    shared: Option<(Redis, Arc<Script>)>,
}

impl SharedAgentQuota {
    pub fn local(per_minute: u32, per_day: u32) -> Self {
        SharedAgentQuota {
            local: MemoryAgentQuota::new(per_minute, per_day),
            shared: None,
        }
    }

    pub fn shared(redis: Redis, per_minute: u32, per_day: u32) -> Self {
        SharedAgentQuota {
            shared: Some((redis, Arc::new(Script::new(QUOTA)))),
            ..SharedAgentQuota::local(per_minute, per_day)
        }
    }

    async fn on_redis(
        &self,
        redis: &Redis,
        script: &Script,
        agent: &str,
    ) -> Result<QuotaDecision, PortError> {
        let mut call = script.key(redis.key(&format!("agentquota:{agent}")));
        call.arg(self.local.per_minute()).arg(self.local.per_day());
        Ok(match redis.invoke::<(u8, u64)>(&call).await? {
            (0, _) => QuotaDecision::Allow,
            (1, retry_after) => QuotaDecision::Minute { retry_after },
            (_, retry_after) => QuotaDecision::Day { retry_after },
        })
    }
}

impl AgentQuota for SharedAgentQuota {
    fn per_minute(&self) -> u32 {
        self.local.per_minute()
    }
    fn per_day(&self) -> u32 {
        self.local.per_day()
    }
    async fn admit(&self, agent: &str) -> QuotaDecision {
        let Some((redis, script)) = &self.shared else {
            return self.local.decide(agent);
        };
        match self.on_redis(redis, script, agent).await {
            Ok(decision) => decision,
            Err(_) => self.local.decide(agent),
        }
    }
}
