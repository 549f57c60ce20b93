//! Shared state of the HTTP layer: the adapters plus caches the handlers need.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::config::Secret;
use crate::core::auth::allowlist::Access;
use crate::core::auth::login::LoginPolicy;
use crate::core::ownership::UpstreamHealth;
use crate::core::ports::{
    AgentRuntime, AllowlistStore, CronRegistry, NonceStore, OwnershipResolver, PaymentGate,
    ReputationStore, ScheduleStore, SoulMemory, StakingLookup, TokenSigner, UpstreamProbe,
};
use crate::core::ratelimit::RateLimiter;
use crate::http::api::auth::JwksDocument;
use crate::http::api::health::HealthResponse;
use crate::http::conviction::ConvictionCache;
use crate::http::middleware::CorsOrigins;
use crate::http::payload::PreEncoded;

/// Every port the agent runtime (Finn) serves, as one bound.
pub trait Runtime:
    OwnershipResolver + UpstreamProbe + AgentRuntime + SoulMemory + CronRegistry + StakingLookup
{
}

impl<T> Runtime for T where
    T: OwnershipResolver + UpstreamProbe + AgentRuntime + SoulMemory + CronRegistry + StakingLookup
{
}

/// The adapter types one server runs with. Wiring picks one combination at startup; every
/// handler is generic over `A: Adapters` and so monomorphized over concrete adapters.
pub trait Adapters: Send + Sync + 'static {
    type Store: ReputationStore;
    type Signer: TokenSigner;
    type Finn: Runtime;
    type Payment: PaymentGate;
    type Nonces: NonceStore;
    type Allowlist: AllowlistStore;
    type Schedules: ScheduleStore;
}

/// The combination `(R, S, O, P, N, L, K)` as an [`Adapters`] type.
pub struct Wired<R, S, O, P, N, L, K>(PhantomData<(R, S, O, P, N, L, K)>);

impl<R, S, O, P, N, L, K> Adapters for Wired<R, S, O, P, N, L, K>
where
    R: ReputationStore,
    S: TokenSigner,
    O: Runtime,
    P: PaymentGate,
    N: NonceStore,
    L: AllowlistStore,
    K: ScheduleStore,
{
    type Store = R;
    type Signer = S;
    type Finn = O;
    type Payment = P;
    type Nonces = N;
    type Allowlist = L;
    type Schedules = K;
}

/// Plain configuration the handlers read.
#[derive(Clone, Debug)]
pub struct Settings {
    pub admin_key: Option<Secret>,
    pub login: LoginPolicy,
    pub cors: Arc<CorsOrigins>,
    /// Requests per minute per identity.
    pub rate_limit_rpm: u32,
    /// Proxies in front that append to `X-Forwarded-For` (0: the header is ignored).
    pub trusted_proxy_hops: u8,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
    /// HMAC key of schedule callbacks; without one every callback is refused.
    pub callback_secret: Option<Secret>,
    /// How long a resolved conviction tier is reused (zero: never).
    pub conviction_ttl: Duration,
}

/// Identities the rate limiter tracks at most.
pub const RATE_LIMIT_KEYS: usize = 100_000;

/// The adapters chosen at startup, and per-process caches. One per server; shared by `Arc`.
pub struct AppState<A: Adapters> {
    pub store: A::Store,
    pub signer: A::Signer,
    pub finn: A::Finn,
    pub payment: A::Payment,
    pub nonces: A::Nonces,
    pub allowlist: A::Allowlist,
    pub schedules: A::Schedules,
    pub settings: Settings,
    /// The allowlist in force; replaced whole when the admin API or the file changes it.
    access: RwLock<Arc<Access>>,
    /// Serializes allowlist edits so that concurrent admin writes never lose one another.
    pub(crate) allowlist_edits: tokio::sync::Mutex<()>,
    pub started: Instant,
    pub(crate) health: HealthCache,
    /// The JWKS body and its ETag, computed once (keys do not change while the process runs).
    pub(crate) jwks: JwksDocument,
    pub(crate) rate_limiter: Mutex<RateLimiter>,
    pub(crate) convictions: ConvictionCache,
}

pub type Shared<A> = Arc<AppState<A>>;

/// The adapters of one server, by value.
pub struct Parts<R, S, O, P, N, L, K> {
    pub store: R,
    pub signer: S,
    pub finn: O,
    pub payment: P,
    pub nonces: N,
    pub allowlist: L,
    pub schedules: K,
}

impl<A: Adapters> AppState<A> {
    /// The allowlist in force now.
    pub fn access(&self) -> Arc<Access> {
        match self.access.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_access(&self, access: Access) {
        let access = Arc::new(access);
        match self.access.write() {
            Ok(mut guard) => *guard = access,
            Err(poisoned) => *poisoned.into_inner() = access,
        }
    }
}

impl<R, S, O, P, N, L, K> AppState<Wired<R, S, O, P, N, L, K>>
where
    R: ReputationStore,
    S: TokenSigner,
    O: Runtime,
    P: PaymentGate,
    N: NonceStore,
    L: AllowlistStore,
    K: ScheduleStore,
{
    pub fn new(
        parts: Parts<R, S, O, P, N, L, K>,
        settings: Settings,
        access: Access,
    ) -> Shared<Wired<R, S, O, P, N, L, K>> {
        let jwks = JwksDocument::new(parts.signer.jwks());
        let rate_limiter = Mutex::new(RateLimiter::new(settings.rate_limit_rpm, RATE_LIMIT_KEYS));
        let convictions = ConvictionCache::new(settings.conviction_ttl);
        Arc::new(AppState {
            store: parts.store,
            signer: parts.signer,
            finn: parts.finn,
            payment: parts.payment,
            nonces: parts.nonces,
            allowlist: parts.allowlist,
            schedules: parts.schedules,
            settings,
            access: RwLock::new(Arc::new(access)),
            allowlist_edits: tokio::sync::Mutex::new(()),
            started: Instant::now(),
            health: HealthCache::default(),
            jwks,
            rate_limiter,
            convictions,
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
