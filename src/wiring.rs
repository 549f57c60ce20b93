//! Picks the adapters from [`Config`] and serves the app monomorphized over them.
//!
//! Each choice — store (memory | postgres) × signer (HS256 | ES256) × payment (off | scaffold) —
//! is one match arm calling the next step with a concrete type, ending in one generic
//! [`http::serve`] call. No trait object sits between a handler and an adapter.

use std::future::Future;
use std::net::SocketAddr;

use poem::listener::Acceptor;
use tokio::sync::oneshot;

use crate::adapters::finn::{FinnClient, FinnInitError};
use crate::adapters::jwt::Hs256Signer;
use crate::adapters::memory::MemoryReputationStore;
use crate::adapters::payment::{NoopGate, ScaffoldGate};
use crate::adapters::postgres::{PgPool, PoolSettings, PostgresReputationStore, migrate};
use crate::config::{Config, ConfigError, DatabaseConfig, JwtKey};
use crate::core::ports::{
    OwnershipResolver, PaymentGate, ReputationStore, TokenSigner, UpstreamProbe,
};
use crate::http::{
    self,
    state::{AppState, Settings},
};

/// Why the server did not start. `exit_code` is 2 for bad configuration, 1 otherwise.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("FINN_URL: {0}")]
    Finn(#[from] FinnInitError),
    #[error("DIXIE_JWT_PRIVATE_KEY: {0}")]
    Key(String),
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
}

impl StartupError {
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Config(_)
            | StartupError::Finn(_)
            | StartupError::Key(_)
            | StartupError::DatabaseUrl(_) => 2,
            _ => 1,
        }
    }
}

/// Binds `config.host:config.port` and serves until SIGTERM/SIGINT.
pub async fn run(config: Config) -> Result<(), StartupError> {
    let addr = SocketAddr::new(config.host, config.port);
    let acceptor = http::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    run_on(config, acceptor, shutdown_signal(), None).await
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
    let acceptor = http::bind(wanted)
        .await
        .map_err(|source| StartupError::Bind {
            addr: wanted,
            source,
        })?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .unwrap_or(wanted);
    let (ready_tx, ready_rx) = oneshot::channel();
    let (stop, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(run_on(
        config,
        acceptor,
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
struct Launch<A, F> {
    config: Config,
    acceptor: A,
    shutdown: F,
    ready: Option<oneshot::Sender<()>>,
}

/// Builds the adapters the config asks for and serves until `shutdown` resolves.
pub async fn run_on(
    config: Config,
    acceptor: impl Acceptor + 'static,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: Option<oneshot::Sender<()>>,
) -> Result<(), StartupError> {
    let finn = FinnClient::new(&config.finn_url, config.finn_timeout)?;
    let database = config.database.clone();
    let launch = Launch {
        config,
        acceptor,
        shutdown,
        ready,
    };
    match database {
        None => with_store(launch, finn, MemoryReputationStore::new()).await,
        Some(db) => {
            let pool = pg_pool(&db)?;
            if db.migrate_on_start {
                apply_migrations(&pool).await?;
            }
            with_store(launch, finn, PostgresReputationStore::new(pool)).await
        }
    }
}

fn pg_pool(db: &DatabaseConfig) -> Result<PgPool, StartupError> {
    PgPool::new(&PoolSettings {
        url: db.url.expose().to_owned(),
        max_size: db.pool_max,
        connect_timeout: db.connect_timeout,
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

async fn with_store<A, F, O, R>(launch: Launch<A, F>, finn: O, store: R) -> Result<(), StartupError>
where
    A: Acceptor + 'static,
    F: Future<Output = ()> + Send + 'static,
    O: OwnershipResolver + UpstreamProbe,
    R: ReputationStore,
{
    let key_error = |e: ring::error::Unspecified| StartupError::Key(e.to_string());
    match &launch.config.jwt_key {
        None => {
            tracing::warn!(
                event = "ephemeral_jwt_key",
                "DIXIE_JWT_PRIVATE_KEY is unset: using a generated HS256 key; tokens die with the process"
            );
            let signer = Hs256Signer::ephemeral().map_err(key_error)?;
            with_signer(launch, finn, store, signer).await
        }
        Some(JwtKey::Hs256(secret)) => {
            let signer = Hs256Signer::new(secret.expose().as_bytes());
            with_signer(launch, finn, store, signer).await
        }
        Some(JwtKey::Pem(_)) => Err(StartupError::Key(
            "ES256 (PEM) keys are not supported by this build yet".into(),
        )),
    }
}

async fn with_signer<A, F, O, R, S>(
    launch: Launch<A, F>,
    finn: O,
    store: R,
    signer: S,
) -> Result<(), StartupError>
where
    A: Acceptor + 'static,
    F: Future<Output = ()> + Send + 'static,
    O: OwnershipResolver + UpstreamProbe,
    R: ReputationStore,
    S: TokenSigner,
{
    if launch.config.x402_enabled {
        serve(launch, store, signer, finn, ScaffoldGate).await
    } else {
        serve(launch, store, signer, finn, NoopGate).await
    }
}

async fn serve<A, F, R, S, O, P>(
    launch: Launch<A, F>,
    store: R,
    signer: S,
    finn: O,
    payment: P,
) -> Result<(), StartupError>
where
    A: Acceptor + 'static,
    F: Future<Output = ()> + Send + 'static,
    R: ReputationStore,
    S: TokenSigner,
    O: OwnershipResolver + UpstreamProbe,
    P: PaymentGate,
{
    let Launch {
        config,
        acceptor,
        shutdown,
        ready,
    } = launch;
    let addrs: Vec<String> = acceptor
        .local_addr()
        .iter()
        .map(|a| a.to_string())
        .collect();
    tracing::info!(
        event = "listening",
        addr = addrs.join(","),
        store = store.describe().kind.as_str(),
        jwt_alg = signer.algorithm().as_str(),
        x402 = config.x402_enabled,
        "dixie-bff listening"
    );
    let settings = Settings {
        admin_key: config.admin_key.clone(),
    };
    let state = AppState::new(store, signer, finn, payment, settings);
    if let Some(ready) = ready {
        let _ = ready.send(());
    }
    http::serve(acceptor, state, shutdown, config.shutdown_grace)
        .await
        .map_err(StartupError::Serve)?;
    tracing::info!(event = "stopped", "dixie-bff stopped");
    Ok(())
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
    let state = AppState::new(
        MemoryReputationStore::new(),
        Hs256Signer::new(&[0u8; 32]),
        FinnClient::new("http://127.0.0.1:4000", std::time::Duration::from_secs(1))
            .expect("static URL is valid"),
        NoopGate,
        Settings::default(),
    );
    let service = http::api::service(state);
    if yaml {
        service.spec_yaml()
    } else {
        service.spec()
    }
}
