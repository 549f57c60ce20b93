//! Per-wallet reuse of Finn's identity lookups (§16): an answer for 5 minutes, "holds no dNFT"
//! for 1 minute, a failure never (it is not put). Bounded by [`TtlMap`].

use std::time::{Duration, Instant};

use crate::core::ttl::TtlMap;

/// How long a wallet's dNFT answer is reused.
const HELD_TTL: Duration = Duration::from_secs(300);
/// How long "holds none" is reused (shorter: a new holder shows up quickly).
const NONE_TTL: Duration = Duration::from_secs(60);
const CAPACITY: usize = 10_000;

/// Answers by lowercase wallet.
pub(crate) struct LookupCache<V> {
    entries: TtlMap<Option<V>>,
}

impl<V: Clone> Default for LookupCache<V> {
    fn default() -> Self {
        LookupCache {
            entries: TtlMap::new(CAPACITY),
        }
    }
}

impl<V: Clone> LookupCache<V> {
    /// The reused answer for `wallet`, if one is fresh.
    pub(crate) fn get(&self, wallet: &str, now: Instant) -> Option<Option<V>> {
        self.entries.get(&wallet.to_ascii_lowercase(), now)
    }

    pub(crate) fn put(&self, wallet: &str, answer: Option<V>, now: Instant) {
        let ttl = if answer.is_some() { HELD_TTL } else { NONE_TTL };
        self.entries
            .put(wallet.to_ascii_lowercase(), answer, now + ttl, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_live_five_minutes_and_none_one() {
        let cache = LookupCache::<String>::default();
        let t0 = Instant::now();
        cache.put("0xAbC", Some("nft-1".into()), t0);
        cache.put("0xdef", None, t0);
        assert_eq!(cache.get("0xabc", t0), Some(Some("nft-1".into())));
        assert_eq!(cache.get("0xDEF", t0), Some(None));
        let later = t0 + Duration::from_secs(61);
        assert_eq!(cache.get("0xabc", later), Some(Some("nft-1".into())));
        assert_eq!(cache.get("0xdef", later), None);
        assert_eq!(cache.get("0xabc", t0 + Duration::from_secs(301)), None);
    }

    #[test]
    fn it_stays_bounded() {
        let cache = LookupCache::<u8>::default();
        let t0 = Instant::now();
        for i in 0..CAPACITY + 5 {
            cache.put(&format!("w{i}"), Some(1), t0);
        }
        assert!(cache.entries.len() <= CAPACITY);
    }
}
