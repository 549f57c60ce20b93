//! What the HTTP state keeps between requests: the health body and Finn probe, resolved
//! conviction tiers, and the JWKS document. Bodies are kept as encoded bytes, so this module
//! names no handler type (the handlers wrap them in their typed payloads).

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::core::auth::Jwk;
use crate::core::conviction::Conviction;
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

/// The JWKS body `{keys: [...]}` and its strong ETag, computed once at startup (keys do not
/// change while the process runs).
pub struct JwksDocument {
    pub(crate) body: Bytes,
    pub(crate) etag: String,
}

impl JwksDocument {
    pub fn new(keys: &[Jwk]) -> Self {
        let body = serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap_or_else(|err| {
            tracing::error!(event = "encode_failed", detail = %err);
            b"{\"keys\":[]}".to_vec()
        });
        let digest = ring::digest::digest(&ring::digest::SHA256, &body);
        let hex = crate::core::auth::hex(&digest.as_ref()[..16]);
        JwksDocument {
            body: Bytes::from(body),
            etag: format!("\"{hex}\""),
        }
    }

    /// Whether an `If-None-Match` value names this document.
    pub(crate) fn matches(&self, if_none_match: &str) -> bool {
        if_none_match
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag)
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
