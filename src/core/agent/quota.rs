//! The per-agent quota of one process: an exact sliding minute (the admitted requests'
//! times, at most `per_minute` of them) and a count per UTC day.
//!
//! Memory is bounded by `max_agents`: when the table is full, agents with nothing in the
//! window and nothing counted today go first, then those with nothing in the window and the
//! fewest today, down to three quarters of `max_agents`; an agent in its window is never
//! dropped. If none can go, a new agent is admitted without being tracked.

use std::collections::{HashMap, VecDeque};

use super::QuotaDecision;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Default)]
struct Agent {
    /// Admission times (Unix ms) within the last minute, oldest first.
    recent: VecDeque<i64>,
    day: i64,
    today: u32,
}

#[derive(Debug)]
pub struct AgentLimiter {
    per_minute: u32,
    per_day: u32,
    max_agents: usize,
    agents: HashMap<String, Agent>,
}

/// Seconds from `now_ms` to the next UTC midnight (at least 1).
pub fn seconds_to_midnight(now_ms: i64) -> u64 {
    let next = (now_ms.div_euclid(DAY_MS) + 1) * DAY_MS;
    ((next - now_ms + 999) / 1000).max(1) as u64
}

impl AgentLimiter {
    pub fn new(per_minute: u32, per_day: u32, max_agents: usize) -> Self {
        AgentLimiter {
            per_minute: per_minute.max(1),
            per_day: per_day.max(1),
            max_agents: max_agents.max(1),
            agents: HashMap::new(),
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    pub fn per_day(&self) -> u32 {
        self.per_day
    }

    pub fn tracked(&self) -> usize {
        self.agents.len()
    }

    /// The decision for one request of `agent` at `now_ms` (Unix ms); an admitted one counts.
    pub fn admit(&mut self, agent: &str, now_ms: i64) -> QuotaDecision {
        if !self.agents.contains_key(agent) && self.agents.len() >= self.max_agents {
            self.evict(now_ms);
            if self.agents.len() >= self.max_agents {
                return QuotaDecision::Allow;
            }
        }
        let day = now_ms.div_euclid(DAY_MS);
        let entry = self.agents.entry(agent.to_owned()).or_default();
        while entry
            .recent
            .front()
            .is_some_and(|&t| t <= now_ms - MINUTE_MS)
        {
            entry.recent.pop_front();
        }
        if entry.day != day {
            entry.day = day;
            entry.today = 0;
        }
        if entry.today >= self.per_day {
            return QuotaDecision::Day {
                retry_after: seconds_to_midnight(now_ms),
            };
        }
        if entry.recent.len() >= self.per_minute as usize {
            let oldest = entry.recent.front().copied().unwrap_or(now_ms);
            let wait_ms = oldest + MINUTE_MS - now_ms;
            return QuotaDecision::Minute {
                retry_after: ((wait_ms + 999) / 1000).clamp(1, 60) as u64,
            };
        }
        entry.recent.push_back(now_ms);
        entry.today += 1;
        QuotaDecision::Allow
    }

    fn evict(&mut self, now_ms: i64) {
        let day = now_ms.div_euclid(DAY_MS);
        let idle = |a: &Agent| a.recent.back().is_none_or(|&t| t <= now_ms - MINUTE_MS);
        self.agents
            .retain(|_, a| !(idle(a) && (a.day != day || a.today == 0)));
        let target = self.max_agents * 3 / 4;
        if self.agents.len() <= target {
            return;
        }
        let mut candidates: Vec<(u32, String)> = self
            .agents
            .iter()
            .filter(|(_, a)| idle(a))
            .map(|(k, a)| (a.today, k.clone()))
            .collect();
        candidates.sort_unstable();
        let excess = self.agents.len() - target;
        for (_, key) in candidates.into_iter().take(excess) {
            self.agents.remove(&key);
        }
    }
}
