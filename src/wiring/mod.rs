//! Picks one adapter per port family from [`Config`] and serves the app monomorphized over
//! them: storage (memory | PostgreSQL) × signer (HS256 | ES256), at most four copies of the
//! app. Every other choice is one concrete type (Finn, the allowlist file) or an enum adapter
//! with a `match` (payments; the fleet's rate limit and cache: Redis or the process's own). No trait object sits between a handler and an adapter.

mod choose;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::adapters::allowlist::{FileAllowlist, access_from};
use crate::adapters::finn::{FinnClient, FinnInitError};
use crate::adapters::fleet::Fleet;
use crate::adapters::jwt::{Es256Signer, Hs256Signer};
use crate::adapters::knowledge::FileCorpus;
use crate::adapters::memory::MemoryPersistence;
use crate::adapters::payment::Payments;
use crate::adapters::postgres::{PgPool, PoolSettings, PostgresPersistence, migrate};
use crate::adapters::redis::{Redis, WithRedis};
use crate::config::{Config, ConfigError, DatabaseConfig, Secret};
use crate::core::auth::allowlist::Access;
use crate::core::families::Persistence;
use crate::core::ports::{AllowlistStore, ReputationStore, TokenSigner};
use crate::http::{
    self,
    state::{Adapters, AppState, Parts, Shared, Wired},
};
use choose::Signer;

/// The app as wiring builds it: storage `D` and signer `S` chosen at startup, the rest fixed.
pub type App<D, S> = Wired<D, S, FinnClient, Payments, FileAllowlist, FileCorpus, Fleet>;

/// Why the server did not start. `exit_code` is 2 for bad configuration, 1 otherwise.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Finn(#[from] FinnInitError),
    #[error("{var}: {reason}")]
    Key { var: &'static str, reason: String },
    #[error("DATABASE_URL: {0}")]
    DatabaseUrl(String),
    #[error("{0}")]
    Redis(String),
    #[error("{0}")]
    Nats(String),
    #[error("{0}")]
    Otlp(String),
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
    /// The Redis the replicas share, when `REDIS_URL` is set.
    redis: Option<Redis>,
    listener: TcpListener,
    shutdown: F,
    ready: Option<oneshot::Sender<()>>,
}

/// Builds the adapters the config asks for and serves until `shutdown` resolves. The first
/// family chosen is storage.
pub async fn run_on(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: Option<oneshot::Sender<()>>,
) -> Result<(), StartupError> {
    let database = config.database.clone();
    // Spans are exported until this function returns (the guard flushes what is pending).
    let _tracing = match &config.otlp {
        Some(otlp) => Some(crate::telemetry::start_tracing(otlp).map_err(StartupError::Otlp)?),
        None => None,
    };
    let redis = choose::redis(&config)?;
    let launch = Launch {
        redis: redis.clone(),
        config,
        listener,
        shutdown,
        ready,
    };
    match database {
        None => with_db(launch, WithRedis::new(MemoryPersistence::new(), redis)).await,
        Some(db) => {
            let pool = pg_pool(&db)?;
            if db.migrate_on_start {
                apply_migrations(&pool).await?;
            }
            with_db(
                launch,
                WithRedis::new(PostgresPersistence::new(pool), redis),
            )
            .await
        }
    }
}

/// The second family: the signer. Each arm ends in one `serve` over concrete types.
async fn with_db<F, D>(launch: Launch<F>, db: D) -> Result<(), StartupError>
where
    F: Future<Output = ()> + Send + 'static,
    D: Persistence,
{
    match choose::signer(&launch.config)? {
        Signer::Hs256(signer) => serve::<F, D, Hs256Signer>(launch, db, signer).await,
        Signer::Es256(signer) => serve::<F, D, Es256Signer>(launch, db, signer).await,
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

async fn serve<F, D, S>(launch: Launch<F>, db: D, signer: S) -> Result<(), StartupError>
where
    F: Future<Output = ()> + Send + 'static,
    D: Persistence,
    S: TokenSigner,
{
    let Launch {
        config,
        redis,
        listener,
        shutdown,
        ready,
    } = launch;
    let settings = choose::settings(&config)?;
    let fleet = choose::fleet(&config, redis).await?;
    let parts: Parts<App<D, S>> = Parts {
        finn: FinnClient::new(&config.finn_url, config.finn_timeout)?
            .with_auth_token(config.finn_auth_token.as_ref().map(Secret::expose))?
            .with_stream_url(config.finn_ws_url.as_deref())?
            .with_holdings_cache(fleet.cache.clone()),
        payment: Payments::new(config.x402_enabled),
        allowlist: FileAllowlist::new(&config.allowlist_path),
        corpus: FileCorpus::new(config.knowledge_dir.clone()),
        fleet,
        db,
        signer,
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(
        event = "listening",
        addr,
        store = parts.db.reputation().describe().kind.as_str(),
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
    let metrics = choose::metrics(&config, &parts.finn);
    let state = AppState::new(parts, settings, access, metrics);
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
    let parts: Parts<App<MemoryPersistence, Hs256Signer>> = Parts {
        db: MemoryPersistence::new(),
        signer: Hs256Signer::new(&[0u8; 32]),
        finn: FinnClient::new(&defaults.finn_url, defaults.finn_timeout)
            .expect("the default Finn URL is valid"),
        payment: Payments::new(false),
        allowlist: FileAllowlist::new(&defaults.allowlist_path),
        corpus: FileCorpus::new(None),
        fleet: Fleet::local(choose::limits(&defaults)),
    };
    let settings = choose::settings(&defaults).expect("the defaults' settings build");
    let metrics = choose::metrics(&defaults, &parts.finn);
    let state = AppState::new(parts, settings, Access::Open, metrics);
    let service = http::api::service(state);
    let finished = http::api::document::finish(&service.spec());
    if yaml {
        http::api::document::to_yaml(&finished)
    } else {
        finished
    }
}
