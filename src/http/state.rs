//! Shared state of the HTTP layer: the adapters plus what is kept between requests.

use std::marker::PhantomData;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::config::Secret;
use crate::core::agent::AgentService;
use crate::core::auth::allowlist::Access;
use crate::core::auth::login::LoginPolicy;
use crate::core::autonomous::AutonomousService;
use crate::core::cache::Cached;
use crate::core::chat::ChatService;
use crate::core::chat::PROJECTION_PREFIX;
use crate::core::conviction::{CONVICTION_PREFIX, Convictions};
use crate::core::enrichment::EnrichmentService;
use crate::core::families::{Coordination, Persistence, Runtime};
use crate::core::personality::PERSONALITY_PREFIX;
use crate::core::personality::Personalities;
use crate::core::ports::{AllowlistStore, KnowledgeCorpus, PaymentGate, TokenSigner};
use crate::http::cache::{HealthCache, OracleCache};
use crate::http::metrics::Metrics;
use crate::http::middleware::CorsOrigins;
use crate::http::stream::Streams;

/// The adapter types one server runs with, one per port family. Wiring picks them at startup;
/// every handler is generic over `A: Adapters` and so monomorphized over concrete adapters.
pub trait Adapters: Send + Sync + 'static {
    /// Storage: reputation, nonces, schedules (memory | PostgreSQL).
    type Db: Persistence;
    type Signer: TokenSigner;
    /// The agent runtime: Finn.
    type Finn: Runtime;
    type Payment: PaymentGate;
    type Allowlist: AllowlistStore;
    /// The knowledge corpus's metadata.
    type Corpus: KnowledgeCorpus;
    /// What the replicas share: the rate limit and cached answers (Redis, or the process's
    /// own), and where signals go (NATS, or nowhere).
    type Fleet: Coordination;
}

/// An [`Adapters`] type from its parts: storage `D`, signer `S`, runtime `F`, payment `P`,
/// allowlist `L`, corpus `C`, coordination `R`. Wiring fixes every part but storage and signer.
pub struct Wired<D, S, F, P, L, C, R>(PhantomData<(D, S, F, P, L, C, R)>);

impl<D, S, F, P, L, C, R> Adapters for Wired<D, S, F, P, L, C, R>
where
    D: Persistence,
    S: TokenSigner,
    F: Runtime,
    P: PaymentGate,
    L: AllowlistStore,
    C: KnowledgeCorpus,
    R: Coordination,
{
    type Db = D;
    type Signer = S;
    type Finn = F;
    type Payment = P;
    type Allowlist = L;
    type Corpus = C;
    type Fleet = R;
}

/// Plain configuration the handlers read.
#[derive(Clone, Debug)]
pub struct Settings {
    pub admin_key: Option<Secret>,
    pub login: LoginPolicy,
    pub cors: Arc<CorsOrigins>,
    /// Proxies in front that append to `X-Forwarded-For` (0: the header is ignored).
    pub trusted_proxy_hops: u8,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
    /// HMAC key of schedule callbacks; without one every callback is refused.
    pub callback_secret: Option<Secret>,
    /// How long a resolved conviction tier is reused (zero: never).
    pub conviction_ttl: Duration,
    /// How long a dNFT's personality is reused (zero: never).
    pub personality_ttl: Duration,
    /// How long a dNFT's memory projection is reused for chat context (zero: never).
    pub projection_ttl: Duration,
    /// Daily cap (µUSD) of a dNFT whose autonomous permissions nobody set.
    pub autonomous_budget: u64,
    /// How long a streaming chat's prompt waits for the caller's stream.
    pub chat_handoff: Duration,
    /// Chat streams this process holds open at most.
    pub ws_max_streams: u32,
    /// Timers of every chat stream.
    pub stream_timers: crate::http::stream::Timers,
    /// The bearer token `/metrics` asks for, if any.
    pub metrics_token: Option<Secret>,
}

/// The adapters of one server, by value.
pub struct Parts<A: Adapters> {
    pub db: A::Db,
    pub signer: A::Signer,
    pub finn: A::Finn,
    pub payment: A::Payment,
    pub allowlist: A::Allowlist,
    pub corpus: A::Corpus,
    pub fleet: A::Fleet,
}

/// The cache of a server's adapters.
pub type Cache<A> = <<A as Adapters>::Fleet as Coordination>::Cache;

/// Where a server's signals go.
pub type Signals<A> = <<A as Adapters>::Fleet as Coordination>::Signals;

/// The personality use case of a server's adapters.
pub type PersonalityService<A> = Personalities<<A as Adapters>::Finn, Cache<A>>;

/// The autonomous use case of a server's adapters.
pub type Autonomous<A> =
    AutonomousService<<A as Adapters>::Finn, <<A as Adapters>::Db as Persistence>::Autonomous>;

/// The review-context use case of a server's adapters.
pub type Enrichment<A> = EnrichmentService<<<A as Adapters>::Db as Persistence>::Reputation>;

/// The conviction tiers of a server's adapters.
pub type ConvictionTiers<A> = Convictions<<A as Adapters>::Finn, Cache<A>>;

/// The agent API's use cases over a server's adapters.
pub type Agents<A> = AgentService<
    <A as Adapters>::Finn,
    Cache<A>,
    <<A as Adapters>::Fleet as Coordination>::AgentQuota,
    <<A as Adapters>::Db as Persistence>::Votes,
    <A as Adapters>::Corpus,
>;

/// The chat use case of a server's adapters.
pub type Chat<A> = ChatService<
    <A as Adapters>::Finn,
    <<A as Adapters>::Db as Persistence>::Handoffs,
    Cache<A>,
    Signals<A>,
>;

/// The adapters chosen at startup, and per-process caches. One per server; shared by `Arc`.
pub struct AppState<A: Adapters> {
    pub db: A::Db,
    pub signer: A::Signer,
    pub finn: A::Finn,
    pub payment: A::Payment,
    pub allowlist: A::Allowlist,
    pub corpus: A::Corpus,
    pub settings: Settings,
    /// The allowlist in force; replaced whole when the admin API or the file changes it.
    access: RwLock<Arc<Access>>,
    /// Serializes allowlist edits so that concurrent admin writes never lose one another.
    pub(crate) allowlist_edits: tokio::sync::Mutex<()>,
    pub started: Instant,
    pub(crate) health: HealthCache,
    pub fleet: A::Fleet,
    /// Resolved conviction tiers (`conviction:{wallet}`, §1.6).
    pub(crate) convictions: ConvictionTiers<A>,
    pub(crate) oracle: OracleCache,
    pub chat: Chat<A>,
    pub personalities: PersonalityService<A>,
    pub autonomous: Autonomous<A>,
    pub enrichment: Enrichment<A>,
    pub agents: Agents<A>,
    /// The chat streams open in this process.
    pub streams: Arc<Streams>,
    pub metrics: Arc<Metrics>,
}

pub type Shared<A> = Arc<AppState<A>>;

impl<A: Adapters> AppState<A> {
    pub fn new(parts: Parts<A>, settings: Settings, access: Access, metrics: Metrics) -> Shared<A> {
        let cache = parts.fleet.cache().clone();
        let convictions = Convictions::new(
            parts.finn.clone(),
            Cached::new(cache.clone(), CONVICTION_PREFIX, settings.conviction_ttl),
        );
        let chat = ChatService::new(
            parts.finn.clone(),
            parts.db.handoffs().clone(),
            Cached::new(cache.clone(), PROJECTION_PREFIX, settings.projection_ttl),
            parts.fleet.signals().clone(),
            settings.chat_handoff.as_secs() as i64,
        );
        let streams = Arc::new(Streams::new(settings.ws_max_streams));
        let personalities = Personalities::new(
            parts.finn.clone(),
            Cached::new(cache.clone(), PERSONALITY_PREFIX, settings.personality_ttl),
        );
        let enrichment = EnrichmentService::new(parts.db.reputation().clone());
        let autonomous = AutonomousService::new(
            parts.finn.clone(),
            parts.db.autonomous().clone(),
            settings.autonomous_budget,
        );
        let agents = AgentService::new(
            parts.finn.clone(),
            cache.clone(),
            convictions.clone(),
            parts.fleet.agent_quota().clone(),
            parts.db.votes().clone(),
            parts.corpus.clone(),
        );
        Arc::new(AppState {
            db: parts.db,
            signer: parts.signer,
            finn: parts.finn,
            payment: parts.payment,
            allowlist: parts.allowlist,
            corpus: parts.corpus,
            settings,
            access: RwLock::new(Arc::new(access)),
            allowlist_edits: tokio::sync::Mutex::new(()),
            started: Instant::now(),
            health: HealthCache::default(),
            fleet: parts.fleet,
            convictions,
            oracle: OracleCache::default(),
            chat,
            personalities,
            autonomous,
            enrichment,
            agents,
            streams,
            metrics: Arc::new(metrics),
        })
    }

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
