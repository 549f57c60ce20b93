//! Per-identity request limits: a sliding-window counter with O(1) state per identity.
//!
//! Each identity keeps the count of the current fixed minute and of the previous one; the
//! estimate for the sliding minute is `previous × (share of the previous minute still in the
//! window) + current`. Memory is bounded by `max_keys`: stale identities are dropped first,
//! and if the table is still full the oldest half is dropped.

use std::collections::HashMap;
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug)]
struct Window {
    /// Index of the fixed minute `current` counts.
    minute: u64,
    current: u32,
    previous: u32,
}

/// The answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow {
        remaining: u32,
    },
    /// Over the limit; retry after this many seconds (at least 1).
    Deny {
        retry_after: u64,
    },
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    max_keys: usize,
    windows: HashMap<u64, Window>,
}

impl RateLimiter {
    pub fn new(limit_per_minute: u32, max_keys: usize) -> Self {
        RateLimiter {
            limit: limit_per_minute.max(1),
            max_keys: max_keys.max(1),
            windows: HashMap::new(),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn tracked(&self) -> usize {
        self.windows.len()
    }

    /// Counts one request of the identity `key` (a 64-bit hash of it: no allocation per
    /// request) at `now` (monotonic) unless it is over the limit.
    pub fn check(&mut self, key: u64, now: Duration) -> Decision {
        let minute = now.as_secs() / WINDOW.as_secs();
        if !self.windows.contains_key(&key) && self.windows.len() >= self.max_keys {
            self.evict(minute);
        }
        let w = self.windows.entry(key).or_insert(Window {
            minute,
            current: 0,
            previous: 0,
        });
        if w.minute != minute {
            w.previous = if w.minute + 1 == minute { w.current } else { 0 };
            w.current = 0;
            w.minute = minute;
        }
        let into_minute = now.as_secs_f64() % WINDOW.as_secs_f64();
        let previous_share = 1.0 - into_minute / WINDOW.as_secs_f64();
        let estimate = f64::from(w.previous) * previous_share + f64::from(w.current);
        if estimate + 1.0 > f64::from(self.limit) {
            let retry_after = (WINDOW.as_secs_f64() - into_minute).ceil().max(1.0) as u64;
            return Decision::Deny { retry_after };
        }
        w.current += 1;
        Decision::Allow {
            remaining: (f64::from(self.limit) - estimate - 1.0).max(0.0) as u32,
        }
    }

    fn evict(&mut self, minute: u64) {
        self.windows.retain(|_, w| w.minute + 1 >= minute);
        if self.windows.len() >= self.max_keys {
            let mut minutes: Vec<u64> = self.windows.values().map(|w| w.minute).collect();
            minutes.sort_unstable();
            let cutoff = minutes[minutes.len() / 2];
            self.windows.retain(|_, w| w.minute > cutoff);
            if self.windows.len() >= self.max_keys {
                self.windows.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    #[test]
    fn allows_the_limit_then_denies_with_retry_after() {
        let mut l = RateLimiter::new(3, 100);
        for _ in 0..3 {
            assert!(matches!(l.check(1, at(10.0)), Decision::Allow { .. }));
        }
        assert_eq!(l.check(1, at(10.5)), Decision::Deny { retry_after: 50 });
        assert!(matches!(
            l.check(2, at(10.5)),
            Decision::Allow { remaining: 2 }
        ));
    }

    #[test]
    fn the_previous_minute_fades_out_linearly() {
        let mut l = RateLimiter::new(10, 100);
        for _ in 0..10 {
            l.check(1, at(59.0));
        }
        // 30 s into the next minute half of the previous minute still counts: 5 of 10 used.
        for _ in 0..5 {
            assert!(matches!(l.check(1, at(90.0)), Decision::Allow { .. }));
        }
        assert!(matches!(l.check(1, at(90.0)), Decision::Deny { .. }));
        // Two minutes later nothing counts.
        assert!(matches!(
            l.check(1, at(200.0)),
            Decision::Allow { remaining: 9 }
        ));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut l = RateLimiter::new(10, 100);
        for i in 0..10_000u32 {
            l.check(u64::from(i), at(f64::from(i) * 0.1));
        }
        assert!(l.tracked() <= 100);
    }
}
