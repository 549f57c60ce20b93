//! The rate limit of one process: the core's sliding-window counter behind a mutex.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::core::ports::RateLimitStore;
use crate::core::ratelimit::{Decision, RateLimiter};

/// Identities tracked at most (the core evicts idle and light ones first).
pub const RATE_LIMIT_KEYS: usize = 100_000;

#[derive(Clone)]
pub struct MemoryRateLimit {
    counter: Arc<Mutex<RateLimiter>>,
    epoch: Instant,
    limit: u32,
}

impl MemoryRateLimit {
    pub fn new(limit_per_minute: u32) -> Self {
        let counter = RateLimiter::new(limit_per_minute, RATE_LIMIT_KEYS);
        MemoryRateLimit {
            limit: counter.limit(),
            counter: Arc::new(Mutex::new(counter)),
            epoch: Instant::now(),
        }
    }

    /// The decision now, without awaiting anything.
    pub fn decide(&self, key: u64) -> Decision {
        match self.counter.lock() {
            Ok(mut counter) => counter.check(key, self.epoch.elapsed()),
            // A panic while counting poisoned the lock: admit rather than refuse everyone.
            Err(_) => Decision::Allow { remaining: 0 },
        }
    }
}

impl RateLimitStore for MemoryRateLimit {
    fn limit(&self) -> u32 {
        self.limit
    }

    async fn check(&self, key: u64) -> Decision {
        self.decide(key)
    }
}
