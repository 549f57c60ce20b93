//! Conviction tiers per request (§1.6): resolved through the staking lookup and reused for
//! `DIXIE_CONVICTION_TIER_TTL`, so that a wallet costs one Finn call per TTL, not per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::core::auth::allowlist::Access;
use crate::core::conviction::Conviction;
use crate::core::ports::StakingLookup;
use crate::http::state::{Adapters, AppState};

/// Wallets whose tier is remembered at most; past that, expired entries go, then all.
const CAPACITY: usize = 10_000;

/// Resolved tiers by lowercase wallet, each with the instant it expires.
pub(crate) struct ConvictionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Conviction)>>,
}

impl ConvictionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        ConvictionCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &str, now: Instant) -> Option<Conviction> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(expires, _)| *expires > now)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, key: String, conviction: Conviction, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.retain(|_, (expires, _)| *expires > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (now + self.ttl, conviction));
    }
}

/// The conviction of `wallet`: cached, else from the staking lookup, else the fallback.
pub async fn conviction_of<A: Adapters>(
    state: &AppState<A>,
    request_id: &str,
    wallet: &str,
) -> Conviction {
    let key = wallet.to_ascii_lowercase();
    let now = Instant::now();
    if let Some(hit) = state.convictions.get(&key, now) {
        return hit;
    }
    let staked = state.finn.bgt_staked(request_id, wallet).await;
    let listed = matches!(&*state.access(), Access::Restricted(list) if list.allows_wallet(wallet));
    let conviction = Conviction::resolve(staked, listed);
    if conviction.cacheable() {
        state.convictions.put(key, conviction.clone(), now);
    }
    conviction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::conviction::{Tier, TierSource};

    fn builder() -> Conviction {
        Conviction {
            tier: Tier::Builder,
            bgt_staked: 100.0,
            source: TierSource::Freeside,
        }
    }

    #[test]
    fn entries_expire_and_a_zero_ttl_keeps_nothing() {
        let cache = ConvictionCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        cache.put("a".into(), builder(), t0);
        assert_eq!(cache.get("a", t0), Some(builder()));
        assert_eq!(cache.get("a", t0 + Duration::from_secs(61)), None);

        let off = ConvictionCache::new(Duration::ZERO);
        off.put("a".into(), builder(), t0);
        assert_eq!(off.get("a", t0), None);
    }

    #[test]
    fn a_full_cache_stays_bounded() {
        let cache = ConvictionCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..CAPACITY + 5 {
            cache.put(format!("w{i}"), builder(), t0);
        }
        let len = cache.entries.lock().unwrap().len();
        assert!(len <= CAPACITY, "{len}");
        assert!(cache.get(&format!("w{}", CAPACITY + 4), t0).is_some());
    }
}
