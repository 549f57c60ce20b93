//! The bb8 pool of diesel-async connections: TLS per `sslmode`, short timeouts, metrics.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use futures_util::FutureExt;

use super::tls::{self, SslMode};
use crate::core::error::PortError;
use crate::core::reputation::PoolMetrics;
use crate::telemetry::CallSpan;

/// How the pool reaches the database.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub url: String,
    pub max_size: u32,
    pub connect_timeout: Duration,
    /// Longest a statement may run: the server's `statement_timeout`, and with the checkout the
    /// client's deadline for one port call.
    pub query_timeout: Duration,
}

/// TCP keepalive probes start after this much silence on a database connection.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);

/// A bb8 pool plus an exact count of callers waiting for a connection.
#[derive(Clone)]
pub struct PgPool {
    pool: Pool<AsyncPgConnection>,
    waiting: Arc<AtomicU32>,
    /// Checkout plus query: no port call waits longer, whatever the network does.
    deadline: Duration,
}

struct Waiting<'a>(&'a AtomicU32);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PgPool {
    /// Builds the pool without connecting: the service starts even while the database is down
    /// and reports it through health.
    pub fn new(settings: &PoolSettings) -> Result<Self, String> {
        let parsed = tls::parse_url(&settings.url)?;
        let mut pg: tokio_postgres::Config = parsed
            .url
            .parse()
            .map_err(|_| "DATABASE_URL is not a valid PostgreSQL URL".to_owned())?;
        pg.connect_timeout(settings.connect_timeout);
        pg.application_name("dixie");
        // The server ends a statement (or an abandoned transaction) that runs too long ...
        let ms = settings.query_timeout.as_millis();
        pg.options(format!(
            "-c statement_timeout={ms} -c idle_in_transaction_session_timeout={ms}"
        ));
        // ... and the kernel drops a connection whose peer stops answering.
        pg.keepalives(true);
        pg.keepalives_idle(KEEPALIVE_IDLE);
        pg.keepalives_interval(Duration::from_secs(2));
        pg.keepalives_retries(3);
        pg.tcp_user_timeout(settings.query_timeout + settings.connect_timeout);
        pg.ssl_mode(match parsed.mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        });
        let tls = match parsed.mode {
            SslMode::Disable => None,
            mode => Some(tokio_postgres_rustls::MakeRustlsConnect::new(
                tls::client_config(mode, parsed.root_cert.as_deref())?,
            )),
        };
        let pg = Arc::new(pg);
        let mut config = ManagerConfig::<AsyncPgConnection>::default();
        config.custom_setup = Box::new(move |_url| {
            let pg = pg.clone();
            let tls = tls.clone();
            async move {
                let bad = |e: tokio_postgres::Error| ConnectionError::BadConnection(e.to_string());
                match tls {
                    None => {
                        let (client, conn) =
                            pg.connect(tokio_postgres::NoTls).await.map_err(bad)?;
                        AsyncPgConnection::try_from_client_and_connection(client, conn).await
                    }
                    Some(tls) => {
                        let (client, conn) = pg.connect(tls).await.map_err(bad)?;
                        AsyncPgConnection::try_from_client_and_connection(client, conn).await
                    }
                }
            }
            .boxed()
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            &settings.url,
            config,
        );
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(0))
            .connection_timeout(settings.connect_timeout)
            .idle_timeout(Some(Duration::from_secs(300)))
            .build_unchecked(manager);
        Ok(PgPool {
            pool,
            waiting: Arc::new(AtomicU32::new(0)),
            deadline: settings.connect_timeout + settings.query_timeout,
        })
    }

    /// Runs one port call (checkout and queries) within the pool's deadline; past it the call
    /// is abandoned as `Unavailable`. An abandoned connection goes back to the pool only if
    /// it is not mid-transaction (diesel-async marks those broken); a query still in flight on
    /// it delays that connection's next user, who is bounded by the same deadline.
    pub async fn timed<T>(
        &self,
        call: impl Future<Output = Result<T, PortError>>,
    ) -> Result<T, PortError> {
        let mut span = CallSpan::start("postgresql call", "postgresql");
        let result = match tokio::time::timeout(self.deadline, call).await {
            Ok(result) => result,
            Err(_) => Err(PortError::Unavailable(format!(
                "database call exceeded {} ms",
                self.deadline.as_millis()
            ))),
        };
        if result.is_err() {
            span.failed();
        }
        result
    }

    /// A connection, or `Unavailable` within the connect timeout.
    pub async fn get(&self) -> Result<PooledConnection<'_, AsyncPgConnection>, PortError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.waiting);
        self.pool
            .get()
            .await
            .map_err(|e| PortError::Unavailable(format!("database connection: {e}")))
    }

    /// An owned connection (for the migration harness).
    pub async fn get_owned(
        &self,
    ) -> Result<PooledConnection<'static, AsyncPgConnection>, PortError> {
        self.pool
            .get_owned()
            .await
            .map_err(|e| PortError::Unavailable(format!("database connection: {e}")))
    }

    pub fn metrics(&self) -> PoolMetrics {
        let state = self.pool.state();
        PoolMetrics {
            total: state.connections,
            idle: state.idle_connections,
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }
}
