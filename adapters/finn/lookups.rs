//! Per-wallet reuse of Finn's identity lookups (§16): an answer for 5 minutes, "holds no dNFT"
//! for 1 minute, a failure never. Bounded: past the capacity expired entries go, then all.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a wallet's dNFT answer is reused.
pub const HELD_TTL: Duration = Duration::from_secs(300);
/// How long "holds none" is reused (shorter: a new holder shows up quickly).
pub const NONE_TTL: Duration = Duration::from_secs(60);
const CAPACITY: usize = 10_000;

/// Answers by lowercase wallet.
pub(crate) struct LookupCache<V> {
    entries: Mutex<HashMap<String, (Instant, Option<V>)>>,
}

impl<V> Default for LookupCache<V> {
    fn default() -> Self {
        LookupCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> LookupCache<V> {
    /// The reused answer for `wallet`, if one is fresh.
    pub(crate) fn get(&self, wallet: &str, now: Instant) -> Option<Option<V>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&wallet.to_ascii_lowercase())
            .filter(|(expires, _)| *expires > now)
            .map(|(_, answer)| answer.clone())
    }

    pub(crate) fn put(&self, wallet: &str, answer: Option<V>, now: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let key = wallet.to_ascii_lowercase();
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.retain(|_, (expires, _)| *expires > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        let ttl = if answer.is_some() { HELD_TTL } else { NONE_TTL };
        entries.insert(key, (now + ttl, answer));
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
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
    }
}
