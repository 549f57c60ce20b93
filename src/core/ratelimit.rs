//! Per-identity request limits: a sliding-window counter with O(1) state per identity.
//!
//! Each identity keeps the count of the current fixed minute and of the previous one; the
//! estimate for the sliding minute is `previous × (share of the previous minute still in the
//! window) + current`. Memory is bounded by `max_keys`: when the table is full, identities with
//! nothing left in the sliding minute are dropped first, then the least loaded of those under
//! their limit, down to three quarters of `max_keys`. An identity at or over its limit is
//! never dropped, so no number of new identities can release it; if every tracked identity is
//! at its limit, a new one is admitted without being tracked (counted in `untracked`).

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
    untracked: u64,
}

impl RateLimiter {
    pub fn new(limit_per_minute: u32, max_keys: usize) -> Self {
        RateLimiter {
            limit: limit_per_minute.max(1),
            max_keys: max_keys.max(1),
            windows: HashMap::new(),
            untracked: 0,
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn tracked(&self) -> usize {
        self.windows.len()
    }

    /// Requests admitted without tracking because every tracked identity was at its limit.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// Counts one request of the identity `key` (a 64-bit hash of it: no allocation per
    /// request) at `now` (monotonic) unless it is over the limit.
    pub fn check(&mut self, key: u64, now: Duration) -> Decision {
        let minute = now.as_secs() / WINDOW.as_secs();
        let into_minute = now.as_secs_f64() % WINDOW.as_secs_f64();
        let previous_share = 1.0 - into_minute / WINDOW.as_secs_f64();
        if !self.windows.contains_key(&key) && self.windows.len() >= self.max_keys {
            self.evict(minute, previous_share);
            if self.windows.len() >= self.max_keys {
                self.untracked += 1;
                return Decision::Allow {
                    remaining: self.limit.saturating_sub(1),
                };
            }
        }
        let w = self.windows.entry(key).or_insert(Window {
            minute,
            current: 0,
            previous: 0,
        });
        w.roll(minute);
        let estimate = w.estimate(previous_share);
        if estimate + 1.0 > f64::from(self.limit) {
            let retry_after = (WINDOW.as_secs_f64() - into_minute).ceil().max(1.0) as u64;
            return Decision::Deny { retry_after };
        }
        w.current += 1;
        Decision::Allow {
            remaining: (f64::from(self.limit) - estimate - 1.0).max(0.0) as u32,
        }
    }

    fn evict(&mut self, minute: u64, previous_share: f64) {
        self.windows.retain(|_, w| w.minute + 1 >= minute);
        if self.windows.len() < self.max_keys {
            return;
        }
        let limit = f64::from(self.limit);
        let mut under: Vec<(f64, u64)> = self
            .windows
            .iter_mut()
            .filter_map(|(key, w)| {
                w.roll(minute);
                let load = w.estimate(previous_share);
                (load + 1.0 <= limit).then_some((load, *key))
            })
            .collect();
        let target = self.max_keys - self.max_keys / 4;
        let excess = self.windows.len().saturating_sub(target).min(under.len());
        if excess == 0 {
            return;
        }
        under.select_nth_unstable_by(excess - 1, |a, b| a.0.total_cmp(&b.0));
        for (_, key) in &under[..excess] {
            self.windows.remove(key);
        }
    }
}

impl Window {
    /// Moves the window to `minute`: the current count becomes the previous one if adjacent.
    fn roll(&mut self, minute: u64) {
        if self.minute != minute {
            self.previous = if self.minute + 1 == minute {
                self.current
            } else {
                0
            };
            self.current = 0;
            self.minute = minute;
        }
    }

    fn estimate(&self, previous_share: f64) -> f64 {
        f64::from(self.previous) * previous_share + f64::from(self.current)
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
    fn a_limited_identity_survives_any_number_of_new_ones() {
        let mut l = RateLimiter::new(5, 100);
        for _ in 0..5 {
            l.check(u64::MAX, at(1.0));
        }
        assert!(matches!(l.check(u64::MAX, at(1.0)), Decision::Deny { .. }));
        for i in 0..10_500u64 {
            l.check(i, at(2.0));
            assert!(l.tracked() <= 100);
        }
        assert!(matches!(l.check(u64::MAX, at(3.0)), Decision::Deny { .. }));
    }

    #[test]
    fn when_every_identity_is_limited_a_new_one_passes_untracked() {
        let mut l = RateLimiter::new(1, 4);
        for key in 0..4 {
            assert!(matches!(l.check(key, at(1.0)), Decision::Allow { .. }));
        }
        assert!(matches!(l.check(9, at(1.0)), Decision::Allow { .. }));
        assert_eq!(l.untracked(), 1);
        for key in 0..4 {
            assert!(matches!(l.check(key, at(1.0)), Decision::Deny { .. }));
        }
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
