//! The per-agent quota of one process: the core's limiter behind a mutex, on the system clock.

use std::sync::{Arc, Mutex};

use crate::core::agent::QuotaDecision;
use crate::core::agent::quota::AgentLimiter;
use crate::core::clock::now_millis;
use crate::core::ports::AgentQuota;

/// Agents tracked at most (the core drops idle ones first).
pub const AGENT_KEYS: usize = 10_000;

#[derive(Clone)]
pub struct MemoryAgentQuota {
    limiter: Arc<Mutex<AgentLimiter>>,
    per_minute: u32,
    per_day: u32,
}

impl MemoryAgentQuota {
    pub fn new(per_minute: u32, per_day: u32) -> Self {
        let limiter = AgentLimiter::new(per_minute, per_day, AGENT_KEYS);
        MemoryAgentQuota {
            per_minute: limiter.per_minute(),
            per_day: limiter.per_day(),
            limiter: Arc::new(Mutex::new(limiter)),
        }
    }

    /// The decision now, without awaiting anything.
    pub fn decide(&self, agent: &str) -> QuotaDecision {
        match self.limiter.lock() {
            Ok(mut limiter) => limiter.admit(agent, now_millis()),
            // A panic while counting poisoned the lock: admit rather than refuse every agent.
            Err(_) => QuotaDecision::Allow,
        }
    }
}

impl AgentQuota for MemoryAgentQuota {
    fn per_minute(&self) -> u32 {
        self.per_minute
    }
    fn per_day(&self) -> u32 {
        self.per_day
    }
    async fn admit(&self, agent: &str) -> QuotaDecision {
        self.decide(agent)
    }
}
