//! What the HTTP state keeps between requests in this process: the health body and Finn
//! probe, and the oracle's identity. The health body is kept as encoded bytes, so this module
//! names no handler type (the handler wraps it in its typed payload).

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::core::identity::OracleIdentity;
use crate::core::ownership::UpstreamHealth;

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
