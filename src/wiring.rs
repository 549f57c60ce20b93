//! Picks the adapters from [`Config`] and serves the app monomorphized over them.
//!
//! Each choice — stores (memory | postgres) × signer (HS256 | ES256) × payment (off | scaffold) —
//! is one match arm calling the next step with a concrete type, ending in one generic
//! [`http::serve`] call. No trait object sits between a handler and an adapter.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::adapters::allowlist::{FileAllowlist, access_from};
use crate::adapters::finn::{FinnClient, FinnInitError};
use crate::adapters::jwt::{
    Es256Signer, Hs256Signer, VerifyKeys, key_id, load_private_pem, load_public_pem,
};
use crate::adapters::memory::{MemoryNonceStore, MemoryReputationStore, MemoryScheduleStore};
use crate::adapters::payment::{NoopGate, ScaffoldGate};
use crate::adapters::postgres::{
    PgPool, PoolSettings, PostgresNonceStore, PostgresReputationStore, PostgresScheduleStore,
    migrate,
};
use crate::config::{Config, ConfigError, DatabaseConfig, JwtKey};
use crate::core::auth::allowlist::Access;
use crate::core::auth::login::{LoginPolicy, NonceKey};
use crate::core::auth::siwe::SiwePolicy;
use crate::core::ports::{
    AllowlistStore, NonceStore, PaymentGate, ReputationStore, ScheduleStore, TokenSigner,
};
use crate::http::{
    self,
    state::{Adapters, AppState, Parts, Runtime, Settings, Shared},
};

/// Why the server did not start. `exit_code` is 2 for bad configuration, 1 otherwise.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("FINN_URL: {0}")]
    Finn(#[from] FinnInitError),
    #[error("{var}: {reason}")]
    Key { var: &'static str, reason: String },
    #[error("DATABASE_URL: {0}")]
    DatabaseUrl(String),
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(std::io::Error),
    #[error("server task failed: {0}")]
    Task(String),
    #[error("unhealthy: {0}")]
    Unhealthy(String),
}

impl StartupError {
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Config(_)
            | StartupError::Finn(_)
            | StartupError::Key { .. }
            | StartupError::DatabaseUrl(_) => 2,
            _ => 1,
        }
    }
}

/// Binds `config.host:config.port` and serves until SIGTERM/SIGINT.
pub async fn run(config: Config) -> Result<(), StartupError> {
    let addr = SocketAddr::new(config.host, config.port);
    let listener = http::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    run_on(config, listener, shutdown_signal(), None).await
}

/// `dixie healthcheck`: one `GET /api/health` on this process's own port (loopback when it
/// listens on all interfaces); Ok on a 2xx within 3 s. The container's HEALTHCHECK runs it, so
/// the runtime image needs no shell or curl.
pub async fn probe_health(config: &Config) -> Result<(), StartupError> {
    let host = if config.host.is_unspecified() {
        match config.host {
            std::net::IpAddr::V4(_) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            std::net::IpAddr::V6(_) => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        config.host
    };
    let url = format!("http://{}/api/health", SocketAddr::new(host, config.port));
    let unhealthy = |e: reqwest::Error| StartupError::Unhealthy(format!("{url}: {e}"));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
        .map_err(unhealthy)?;
    let status = client.get(&url).send().await.map_err(unhealthy)?.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(StartupError::Unhealthy(format!("{url} answered {status}")))
    }
}

/// A server started in the background (tests, `make e2e` helpers).
pub struct Running {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), StartupError>>,
}

impl Running {
    /// Stops accepting, drains, and returns how serving ended.
    pub async fn stop(self) -> Result<(), StartupError> {
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(|e| StartupError::Task(e.to_string()))?
    }
}

/// Binds (port 0 picks a free port), builds the adapters and serves in a background task.
/// Returns once the server accepts connections, or with the startup error.
pub async fn start(config: Config) -> Result<Running, StartupError> {
    let wanted = SocketAddr::new(config.host, config.port);
    let listener = http::bind(wanted)
        .await
        .map_err(|source| StartupError::Bind {
            addr: wanted,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(wanted);
    let (ready_tx, ready_rx) = oneshot::channel();
    let (stop, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(run_on(
        config,
        listener,
        async {
            let _ = stop_rx.await;
        },
        Some(ready_tx),
    ));
    match ready_rx.await {
        Ok(()) => Ok(Running { addr, stop, task }),
        Err(_) => Err(match task.await {
            Ok(Err(e)) => e,
            Ok(Ok(())) => StartupError::Task("server ended before it was ready".into()),
            Err(e) => StartupError::Task(e.to_string()),
        }),
    }
}

/// Everything the chosen adapters need besides themselves.
struct Launch<F> {
    config: Config,
    listener: TcpListener,
    shutdown: F,
    ready: Option<oneshot::Sender<()>>,
}

/// Builds the adapters the config asks for and serves until `shutdown` resolves.
pub async fn run_on(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: Option<oneshot::Sender<()>>,
) -> Result<(), StartupError> {
    let finn = FinnClient::new(&config.finn_url, config.finn_timeout)?;
    let database = config.database.clone();
    let launch = Launch {
        config,
        listener,
        shutdown,
        ready,
    };
    match database {
        None => {
            let stores = (
                MemoryReputationStore::new(),
                MemoryNonceStore::new(),
                MemoryScheduleStore::new(),
            );
            with_stores(launch, finn, stores).await
        }
        Some(db) => {
            let pool = pg_pool(&db)?;
            if db.migrate_on_start {
                apply_migrations(&pool).await?;
            }
            let stores = (
                PostgresReputationStore::new(pool.clone()),
                PostgresNonceStore::new(pool.clone()),
                PostgresScheduleStore::new(pool),
            );
            with_stores(launch, finn, stores).await
        }
    }
}

fn pg_pool(db: &DatabaseConfig) -> Result<PgPool, StartupError> {
    PgPool::new(&PoolSettings {
        url: db.url.expose().to_owned(),
        max_size: db.pool_max,
        connect_timeout: db.connect_timeout,
        query_timeout: db.query_timeout,
    })
    .map_err(StartupError::DatabaseUrl)
}

async fn apply_migrations(pool: &PgPool) -> Result<Vec<String>, StartupError> {
    let applied = migrate::run_pending(pool)
        .await
        .map_err(|e| StartupError::Migrate(e.to_string()))?;
    tracing::info!(
        event = "migrations_applied",
        count = applied.len(),
        versions = applied.join(",")
    );
    Ok(applied)
}

/// `dixie migrate`: applies the embedded migrations to `DATABASE_URL`.
pub async fn migrate_only(config: &Config) -> Result<Vec<String>, StartupError> {
    let db = config.database.as_ref().ok_or_else(|| {
        StartupError::Config(ConfigError {
            var: "DATABASE_URL",
            reason: "is required for migrate".into(),
        })
    })?;
    apply_migrations(&pg_pool(db)?).await
}

/// Keys accepted besides the signing key: the previous ES256 key and the legacy HS256 secret.
fn verify_keys(config: &Config) -> Result<VerifyKeys, StartupError> {
    let mut keys = VerifyKeys::default();
    if let Some(pem) = &config.jwt_previous_key {
        let key = load_public_pem(pem.expose()).map_err(|e| StartupError::Key {
            var: "DIXIE_JWT_PREVIOUS_KEY",
            reason: e.to_string(),
        })?;
        keys.previous_es256.push(key);
    }
    if let Some(secret) = &config.hs256_fallback_secret {
        keys.legacy_hs256.push(secret.expose().as_bytes().to_vec());
    }
    Ok(keys)
}

async fn with_stores<F, O, R, N, K>(
    launch: Launch<F>,
    finn: O,
    stores: (R, N, K),
) -> Result<(), StartupError>
where
    F: Future<Output = ()> + Send + 'static,
    O: Runtime,
    R: ReputationStore,
    N: NonceStore,
    K: ScheduleStore,
{
    let extra = verify_keys(&launch.config)?;
    match &launch.config.jwt_key {
        None => {
            tracing::warn!(
                event = "ephemeral_jwt_key",
                "DIXIE_JWT_PRIVATE_KEY is unset: using a generated HS256 key; tokens die with the process"
            );
            let signer = Hs256Signer::ephemeral().map_err(|e| StartupError::Key {
                var: "DIXIE_JWT_PRIVATE_KEY",
                reason: format!("cannot generate a key: {e}"),
            })?;
            with_signer(launch, finn, stores, signer).await
        }
        Some(JwtKey::Hs256(secret)) => {
            let signer = Hs256Signer::with_keys(secret.expose().as_bytes(), extra);
            with_signer(launch, finn, stores, signer).await
        }
        Some(JwtKey::Pem(pem)) => {
            let key = load_private_pem(pem.expose()).map_err(|e| StartupError::Key {
                var: "DIXIE_JWT_PRIVATE_KEY",
                reason: e.to_string(),
            })?;
            tracing::info!(event = "jwt_key", alg = "ES256", kid = %key_id(&key.public_key()));
            with_signer(launch, finn, stores, Es256Signer::new(key, extra)).await
        }
    }
}

async fn with_signer<F, O, R, N, K, S>(
    launch: Launch<F>,
    finn: O,
    stores: (R, N, K),
    signer: S,
) -> Result<(), StartupError>
where
    F: Future<Output = ()> + Send + 'static,
    O: Runtime,
    R: ReputationStore,
    N: NonceStore,
    K: ScheduleStore,
    S: TokenSigner,
{
    let (store, nonces, schedules) = stores;
    let allowlist = FileAllowlist::new(&launch.config.allowlist_path);
    if launch.config.x402_enabled {
        let parts = Parts {
            store,
            signer,
            finn,
            payment: ScaffoldGate,
            nonces,
            allowlist,
            schedules,
        };
        serve(launch, parts).await
    } else {
        let parts = Parts {
            store,
            signer,
            finn,
            payment: NoopGate,
            nonces,
            allowlist,
            schedules,
        };
        serve(launch, parts).await
    }
}

/// The key of stateless SIWE nonces: derived from the JWT signing key, which every replica
/// shares; random with the generated development key (which dies with the process anyway).
fn nonce_key(config: &Config) -> NonceKey {
    match &config.jwt_key {
        Some(JwtKey::Pem(secret) | JwtKey::Hs256(secret)) => {
            NonceKey::derive(secret.expose().as_bytes())
        }
        None => {
            let mut key = [0u8; 32];
            if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key).is_err() {
                tracing::warn!(event = "nonce_key_random_failed");
            }
            NonceKey::new(key)
        }
    }
}

/// What the handlers read from the configuration.
fn settings(config: &Config) -> Settings {
    let siwe = &config.siwe;
    let secs = |d: std::time::Duration| time::Duration::seconds(d.as_secs() as i64);
    Settings {
        admin_key: config.admin_key.clone(),
        login: LoginPolicy {
            siwe: SiwePolicy {
                domains: siwe.domains.clone(),
                chain_ids: siwe.chain_ids.clone(),
                max_age: secs(siwe.max_age),
                skew: time::Duration::seconds(crate::adapters::jwt::LEEWAY_SECS as i64),
            },
            nonce_ttl: secs(siwe.nonce_ttl),
            require_server_nonce: siwe.require_server_nonce,
            nonce_key: nonce_key(config),
        },
        cors: std::sync::Arc::new(http::middleware::CorsOrigins::from_config(
            &config.cors_origins,
        )),
        rate_limit_rpm: config.rate_limit_rpm,
        trusted_proxy_hops: config.trusted_proxy_hops,
        body_read_timeout: config.header_read_timeout,
        callback_secret: config.schedule_callback_secret.clone(),
        conviction_ttl: config.conviction_tier_ttl,
    }
}

async fn serve<F, R, S, O, P, N, L, K>(
    launch: Launch<F>,
    parts: Parts<R, S, O, P, N, L, K>,
) -> Result<(), StartupError>
where
    L: AllowlistStore,
    F: Future<Output = ()> + Send + 'static,
    R: ReputationStore,
    S: TokenSigner,
    O: Runtime,
    P: PaymentGate,
    N: NonceStore,
    K: ScheduleStore,
{
    let Launch {
        config,
        listener,
        shutdown,
        ready,
    } = launch;
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(
        event = "listening",
        addr,
        store = parts.store.describe().kind.as_str(),
        jwt_alg = parts.signer.algorithm().as_str(),
        x402 = config.x402_enabled,
        "dixie-bff listening"
    );
    if config.schedule_callback_secret.is_none() {
        tracing::warn!(
            event = "schedule_callbacks_disabled",
            "DIXIE_SCHEDULE_CALLBACK_SECRET is unset: every schedule callback is refused"
        );
    }
    let access = access_from(parts.allowlist.load().await, &config.allowlist_path);
    let state = AppState::new(parts, settings(&config), access);
    let watcher = tokio::spawn(watch_allowlist(state.clone()));
    if let Some(ready) = ready {
        let _ = ready.send(());
    }
    let limits = http::server::ConnLimits {
        header_read: config.header_read_timeout,
        idle: config.idle_timeout,
    };
    let served = http::serve(listener, state, shutdown, config.shutdown_grace, limits).await;
    watcher.abort();
    served.map_err(StartupError::Serve)?;
    tracing::info!(event = "stopped", "dixie-bff stopped");
    Ok(())
}

/// How often the allowlist is re-read, so that an edit by an operator or another replica
/// takes effect without a restart.
pub const ALLOWLIST_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Re-reads the allowlist every [`ALLOWLIST_POLL`] and swaps it in when it changed. A failed
/// read or a vanished file keeps the allowlist in force (logged): neither may open the service.
async fn watch_allowlist<A: Adapters>(state: Shared<A>) {
    let mut tick = tokio::time::interval(ALLOWLIST_POLL);
    tick.tick().await;
    loop {
        tick.tick().await;
        let loaded = {
            let _edits = state.allowlist_edits.lock().await;
            state.allowlist.load().await
        };
        let next = match loaded {
            Ok(Some(list)) => Access::Restricted(list),
            Ok(None) if *state.access() == Access::Open => continue,
            Ok(None) => {
                tracing::warn!(
                    event = "allowlist_file_missing",
                    "allowlist file vanished: keeping the allowlist in force (restart to open)"
                );
                continue;
            }
            Err(e) => {
                tracing::warn!(event = "allowlist_reload_failed", detail = %e);
                continue;
            }
        };
        if *state.access() != next {
            tracing::info!(event = "allowlist_reloaded");
            state.set_access(next);
        }
    }
}

/// Registers SIGTERM and SIGINT handlers now (before the server reports it is listening) and
/// returns a future that resolves on the first of them.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (term, int) = streams;
            tokio::select! {
                () = recv_or_pend(term) => {},
                () = recv_or_pend(int) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!(event = "shutdown_signal", "draining in-flight requests");
    }
}

#[cfg(unix)]
async fn recv_or_pend(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// The OpenAPI document the code generates (what `openapi/` must hold).
pub fn openapi_spec(yaml: bool) -> String {
    let defaults = Config::from_lookup(|_| None).expect("the defaults are a valid config");
    let parts = Parts {
        store: MemoryReputationStore::new(),
        signer: Hs256Signer::new(&[0u8; 32]),
        finn: FinnClient::new(&defaults.finn_url, defaults.finn_timeout)
            .expect("the default Finn URL is valid"),
        payment: NoopGate,
        nonces: MemoryNonceStore::new(),
        allowlist: FileAllowlist::new(&defaults.allowlist_path),
        schedules: MemoryScheduleStore::new(),
    };
    let state = AppState::new(parts, settings(&defaults), Access::Open);
    let service = http::api::service(state);
    if yaml {
        service.spec_yaml()
    } else {
        service.spec()
    }
}
