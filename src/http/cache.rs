//! What the HTTP state keeps between requests: the health body and Finn probe, resolved
//! conviction tiers, and the oracle's identity. The health body is kept as encoded bytes, so this module names no handler
//! type (the handler wraps it in its typed payload).

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::core::conviction::Conviction;
use crate::core::identity::OracleIdentity;
use crate::core::ownership::UpstreamHealth;
use crate::core::ttl::TtlMap;

/// How long a computed health body is served before it is recomputed.
pub(crate) const HEALTH_BODY_TTL: Duration = Duration::from_secs(1);
/// How long a Finn probe result is reused: longer when Finn answered, shorter when it did not,
/// so that recovery shows quickly.
pub(crate) const FINN_OK_TTL: Duration = Duration::from_secs(10);
pub(crate) const FINN_FAIL_TTL: Duration = Duration::from_secs(2);

/// Health results cached so that `GET /api/health` costs no I/O on most requests.
#[derive(Default)]
pub(crate) struct HealthCache {
    /// The encoded health body and when it was computed.
    pub(crate) body: RwLock<Option<(Instant, Bytes)>>,
    pub(crate) refresh: tokio::sync::Mutex<()>,
    pub(crate) finn: Mutex<Option<(Instant, UpstreamHealth)>>,
}

/// How long Finn's answer about the oracle is reused (§1.5.7); the fallback never is.
pub(crate) const ORACLE_TTL: Duration = Duration::from_secs(300);

/// The oracle's identity as Finn last answered it.
#[derive(Default)]
pub(crate) struct OracleCache(Mutex<Option<(Instant, OracleIdentity)>>);

impl OracleCache {
    pub(crate) fn get(&self, now: Instant) -> Option<OracleIdentity> {
        let kept = self.0.lock().ok()?;
        kept.as_ref()
            .filter(|(at, _)| now.duration_since(*at) < ORACLE_TTL)
            .map(|(_, identity)| identity.clone())
    }

    pub(crate) fn put(&self, identity: OracleIdentity, now: Instant) {
        if let Ok(mut kept) = self.0.lock() {
            *kept = Some((now, identity));
        }
    }
}

/// Wallets whose tier is remembered at most.
const CONVICTION_CAPACITY: usize = 10_000;

/// Resolved conviction tiers by lowercase wallet, each kept for the configured TTL (zero:
/// nothing is kept).
pub(crate) struct ConvictionCache {
    ttl: Duration,
    entries: TtlMap<Conviction>,
}

impl ConvictionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        ConvictionCache {
            ttl,
            entries: TtlMap::new(CONVICTION_CAPACITY),
        }
    }

    pub(crate) fn get(&self, key: &str, now: Instant) -> Option<Conviction> {
        self.entries.get(key, now)
    }

    pub(crate) fn put(&self, key: String, conviction: Conviction, now: Instant) {
        if !self.ttl.is_zero() {
            self.entries.put(key, conviction, now + self.ttl, now);
        }
    }
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
    fn conviction_entries_expire_and_a_zero_ttl_keeps_nothing() {
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
    fn a_full_conviction_cache_stays_bounded() {
        let cache = ConvictionCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..CONVICTION_CAPACITY + 5 {
            cache.put(format!("w{i}"), builder(), t0);
        }
        let len = cache.entries.len();
        assert!(len <= CONVICTION_CAPACITY, "{len}");
        assert!(
            cache
                .get(&format!("w{}", CONVICTION_CAPACITY + 4), t0)
                .is_some()
        );
    }
}
