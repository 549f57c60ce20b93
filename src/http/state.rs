//! Shared state of the HTTP layer: the four adapters plus caches the handlers need.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::config::Secret;
use crate::core::ownership::UpstreamHealth;
use crate::http::api::health::HealthResponse;
use crate::http::payload::PreEncoded;

/// Plain configuration the handlers read.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub admin_key: Option<Secret>,
}

/// The adapters chosen at startup, and per-process caches. One per server; shared by `Arc`.
pub struct AppState<R, S, O, P> {
    pub store: R,
    pub signer: S,
    pub finn: O,
    pub payment: P,
    pub settings: Settings,
    pub started: Instant,
    pub(crate) health: HealthCache,
}

pub type Shared<R, S, O, P> = Arc<AppState<R, S, O, P>>;

impl<R, S, O, P> AppState<R, S, O, P> {
    pub fn new(store: R, signer: S, finn: O, payment: P, settings: Settings) -> Shared<R, S, O, P> {
        Arc::new(AppState {
            store,
            signer,
            finn,
            payment,
            settings,
            started: Instant::now(),
            health: HealthCache::default(),
        })
    }
}

/// How long a computed health body is served before it is recomputed.
pub(crate) const HEALTH_BODY_TTL: Duration = Duration::from_secs(1);
/// How long a Finn probe result is reused: longer when Finn answered, shorter when it did not,
/// so that recovery shows quickly.
pub(crate) const FINN_OK_TTL: Duration = Duration::from_secs(10);
pub(crate) const FINN_FAIL_TTL: Duration = Duration::from_secs(2);

/// Health results cached so that `GET /api/health` costs no I/O on most requests.
#[derive(Default)]
pub(crate) struct HealthCache {
    pub(crate) body: RwLock<Option<(Instant, PreEncoded<HealthResponse>)>>,
    pub(crate) refresh: tokio::sync::Mutex<()>,
    pub(crate) finn: Mutex<Option<(Instant, UpstreamHealth)>>,
}
