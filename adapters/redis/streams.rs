//! The stores of streaming chat on Redis, so that a ticket issued or a prompt parked by one
//! replica is redeemed or taken on another: each operation is one atomic script.
//!
//! Keys: `ticket:{digest}` → `{expires_at}|{wallet}` with a per-wallet sorted set
//! `tickets:{wallet}` of digests by expiry; `handoff:{id}` → the parked prompt as JSON with a
//! per-session sorted set `handoffs:{session}` of ids in parking order. Every key expires by
//! itself.

use std::sync::LazyLock;

use redis::Script;

use super::Redis;
use crate::core::chat::ParkedPrompt;
use crate::core::error::PortError;
use crate::core::ports::{PromptHandoff, TicketStore};

/// KEYS: ticket, wallet's set. ARGV: digest, wallet, now, expires_at, max. Answers 1 or 0.
static ISSUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 0 end
local ttl = math.max(1, tonumber(ARGV[4]) - tonumber(ARGV[3]))
redis.call('SET', KEYS[1], ARGV[4] .. '|' .. ARGV[2], 'EX', ttl)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('EXPIRE', KEYS[2], ttl)
return 1
",
    )
});

/// KEYS: ticket. ARGV: digest, now, the wallet-set prefix. Answers the wallet or nil; the
/// ticket is gone either way.
static REDEEM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
local bar = string.find(v, '|', 1, true)
local expires_at = tonumber(string.sub(v, 1, bar - 1))
local wallet = string.sub(v, bar + 1)
redis.call('ZREM', ARGV[3] .. wallet, ARGV[1])
if expires_at > tonumber(ARGV[2]) then return wallet end
return false
",
    )
});

/// How long a parked prompt outlives its expiry, for its deliverer of last resort.
const HANDOFF_GRACE_SECS: i64 = 600;
/// The longest a parked prompt is kept, whatever its expiry says.
const HANDOFF_MAX_SECS: i64 = 86_400;

/// KEYS: handoff, session's set, sequence. ARGV: id, json, ttl seconds.
static PARK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local seq = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
",
    )
});

/// KEYS: session's set. ARGV: handoff prefix, wallet, now. The earliest prompt of the wallet
/// unexpired at now, taken; ids whose prompt is gone are dropped from the set.
static TAKE_FOR_STREAM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. id
  local v = redis.call('GET', key)
  if not v then
    redis.call('ZREM', KEYS[1], id)
  else
    local p = cjson.decode(v)
    if p.wallet == ARGV[2] and p.expires_at >= tonumber(ARGV[3]) then
      redis.call('DEL', key)
      redis.call('ZREM', KEYS[1], id)
      return v
    end
  end
end
return false
",
    )
});

/// KEYS: handoff. ARGV: id, the session-set prefix.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
local p = cjson.decode(v)
redis.call('ZREM', ARGV[2] .. p.session_id, ARGV[1])
return v
",
    )
});

/// [`TicketStore`] on Redis alone: an unanswered call is an error.
#[derive(Clone)]
pub struct RedisTicketStore {
    redis: Redis,
}

impl RedisTicketStore {
    pub fn new(redis: Redis) -> Self {
        RedisTicketStore { redis }
    }
}

impl TicketStore for RedisTicketStore {
    async fn issue(
        &self,
        digest: &str,
        wallet: &str,
        now: i64,
        expires_at: i64,
        max_outstanding: u32,
    ) -> Result<bool, PortError> {
        let mut call = ISSUE.prepare_invoke();
        call.key(self.redis.key(&format!("ticket:{digest}")))
            .key(self.redis.key(&format!("tickets:{wallet}")))
            .arg(digest)
            .arg(wallet)
            .arg(now)
            .arg(expires_at)
            .arg(max_outstanding);
        Ok(self.redis.invoke::<u8>(&call).await? == 1)
    }

    async fn redeem(&self, digest: &str, now: i64) -> Result<Option<String>, PortError> {
        let mut call = REDEEM.prepare_invoke();
        call.key(self.redis.key(&format!("ticket:{digest}")))
            .arg(digest)
            .arg(now)
            .arg(self.redis.key("tickets:"));
        self.redis.invoke::<Option<String>>(&call).await
    }
}

/// [`PromptHandoff`] on Redis alone: an unanswered call is an error.
#[derive(Clone)]
pub struct RedisHandoffStore {
    redis: Redis,
}

impl RedisHandoffStore {
    pub fn new(redis: Redis) -> Self {
        RedisHandoffStore { redis }
    }

    fn decode(stored: Option<String>) -> Result<Option<ParkedPrompt>, PortError> {
        stored
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| PortError::Unexpected(format!("a parked prompt: {e}")))
            })
            .transpose()
    }
}

impl PromptHandoff for RedisHandoffStore {
    async fn park(&self, prompt: &ParkedPrompt) -> Result<(), PortError> {
        let json = serde_json::to_string(prompt)
            .map_err(|e| PortError::Unexpected(format!("a parked prompt: {e}")))?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let ttl = (prompt.expires_at - now + HANDOFF_GRACE_SECS).clamp(1, HANDOFF_MAX_SECS);
        let mut call = PARK.prepare_invoke();
        call.key(self.redis.key(&format!("handoff:{}", prompt.id)))
            .key(self.redis.key(&format!("handoffs:{}", prompt.session_id)))
            .key(self.redis.key("handoff-seq"))
            .arg(&prompt.id)
            .arg(json)
            .arg(ttl);
        self.redis.invoke::<u8>(&call).await.map(drop)
    }

    async fn take_for_stream(
        &self,
        session_id: &str,
        wallet: &str,
        now: i64,
    ) -> Result<Option<ParkedPrompt>, PortError> {
        let mut call = TAKE_FOR_STREAM.prepare_invoke();
        call.key(self.redis.key(&format!("handoffs:{session_id}")))
            .arg(self.redis.key("handoff:"))
            .arg(wallet)
            .arg(now);
        Self::decode(self.redis.invoke::<Option<String>>(&call).await?)
    }

    async fn take(&self, id: &str) -> Result<Option<ParkedPrompt>, PortError> {
        let mut call = TAKE.prepare_invoke();
        call.key(self.redis.key(&format!("handoff:{id}")))
            .arg(id)
            .arg(self.redis.key("handoffs:"));
        Self::decode(self.redis.invoke::<Option<String>>(&call).await?)
    }
}
