//! Redis (`REDIS_URL`, `rediss://` for TLS): the store every replica shares. One reconnecting
//! connection per process (redis-rs's `ConnectionManager`), opened lazily so that a Redis
//! that is down at startup delays nothing; every call has a deadline.

mod agent_quota;
mod cache;
mod limiter;
mod persistence;
mod streams;

pub use agent_quota::SharedAgentQuota;
pub use cache::{RedisCache, SharedCache};
pub use limiter::{RedisRateLimit, SharedRateLimit};
pub use persistence::{Fallback, WithRedis};
pub use streams::{RedisHandoffStore, RedisTicketStore};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::core::error::PortError;
use crate::telemetry::CallSpan;

/// How long one Redis call may take before the caller decides without it.
pub const CALL_BUDGET: Duration = Duration::from_millis(150);

/// A lazily connected, self-reconnecting Redis connection and the prefix of Dixie's keys.
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
    prefix: String,
    /// Whether the last call failed, so that an outage is logged once, not per call.
    down: Arc<AtomicBool>,
    /// While down: milliseconds since `epoch` before which calls fail at once instead of
    /// waiting out the budget (one call per [`RETRY_EVERY`] finds out whether Redis is back).
    retry_at: Arc<AtomicU64>,
    epoch: Instant,
}

/// How often calls try Redis again while it is down.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);

impl Redis {
    /// Parses `url` and prepares the connection; nothing is sent until the first call.
    pub fn connect_lazy(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        // Reconnects forever with backoff up to 5 s (§1.8); each attempt and each reply is
        // bounded so that a dead server fails calls fast instead of holding them.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(CALL_BUDGET))
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(5))
            .set_number_of_retries(usize::MAX);
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("REDIS_URL: {e}"))?;
        Ok(Redis {
            conn,
            prefix: prefix.to_owned(),
            down: Arc::new(AtomicBool::new(false)),
            retry_at: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
        })
    }

    /// `prefix` + `key`: every key Dixie writes.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub(crate) fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Whether the last call Redis was asked (by any adapter) got its answer.
    pub fn is_up(&self) -> bool {
        !self.down.load(Ordering::Relaxed)
    }

    /// `PING` within the call budget.
    pub async fn ping(&self) -> Result<(), PortError> {
        let mut conn = self.conn();
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut conn);
        match tokio::time::timeout(CALL_BUDGET, ping).await {
            Ok(Ok(reply)) if reply == "PONG" => Ok(()),
            Ok(Ok(reply)) => Err(PortError::Unexpected(format!("PING answered {reply}"))),
            Ok(Err(e)) => Err(PortError::Unavailable(e.to_string())),
            Err(_) => Err(PortError::Unavailable("PING timed out".to_owned())),
        }
    }

    /// Runs `cmd` within the call budget. A failure after a success (and the reverse) is
    /// logged once: callers skip what Redis would have done and say nothing themselves.
    pub async fn call<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, PortError> {
        self.not_resting()?;
        let span = CallSpan::start("redis command", "redis");
        let mut conn = self.conn();
        self.settle(
            span,
            tokio::time::timeout(CALL_BUDGET, cmd.query_async::<T>(&mut conn)).await,
        )
    }

    /// Runs a script within the call budget, as [`Redis::call`] runs a command.
    pub async fn invoke<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, PortError> {
        self.not_resting()?;
        let span = CallSpan::start("redis script", "redis");
        let mut conn = self.conn();
        self.settle(
            span,
            tokio::time::timeout(CALL_BUDGET, script.invoke_async::<T>(&mut conn)).await,
        )
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Fails at once while Redis is down and the next try is not due: a request then pays no
    /// budget for each of its Redis calls during an outage.
    fn not_resting(&self) -> Result<(), PortError> {
        if self.down.load(Ordering::Relaxed)
            && self.now_ms() < self.retry_at.load(Ordering::Relaxed)
        {
            return Err(PortError::Unavailable("Redis is down".to_owned()));
        }
        Ok(())
    }

    fn settle<T>(
        &self,
        mut span: CallSpan,
        answer: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, PortError> {
        let answer = match answer {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(PortError::Unavailable(e.to_string())),
            Err(_) => Err(PortError::Unavailable(
                "Redis did not answer in time".to_owned(),
            )),
        };
        let down = answer.is_err();
        if down {
            span.failed();
            let next = self.now_ms().saturating_add(RETRY_EVERY.as_millis() as u64);
            self.retry_at.store(next, Ordering::Relaxed);
        }
        if self.down.swap(down, Ordering::Relaxed) != down {
            match &answer {
                Err(e) => tracing::warn!(
                    event = "redis_unavailable",
                    detail = %e,
                    "Redis did not answer: the rate limit, chat tickets and handoffs are this process's own and the cache is skipped until it does"
                ),
                Ok(_) => tracing::info!(
                    event = "redis_available",
                    "Redis answers again: what the replicas share is shared again"
                ),
            }
        }
        answer
    }
}
