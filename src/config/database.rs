//! The database: `DATABASE_URL` and the pool's limits.

use std::time::Duration;

use super::{ConfigError, Env, Secret, bad};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub url: Secret,
    pub pool_max: u32,
    pub connect_timeout: Duration,
    /// Longest a query may take, enforced by the server and by the client.
    pub query_timeout: Duration,
    pub migrate_on_start: bool,
}

pub(super) fn database<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<Option<DatabaseConfig>, ConfigError> {
    let pool_max = env.int("DIXIE_DB_POOL_MAX", 10u32, 1, 100)?;
    let connect_timeout =
        Duration::from_millis(env.int("DIXIE_DB_CONNECT_TIMEOUT_MS", 2000u64, 100, 60_000)?);
    let migrate_on_start = env.flag("DIXIE_MIGRATE_ON_START")?;
    let query_timeout =
        Duration::from_millis(env.int("DIXIE_DB_QUERY_TIMEOUT_MS", 5000u64, 100, 60_000)?);
    let database = match env.get("DATABASE_URL") {
        None => None,
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Some(DatabaseConfig {
                url: Secret(url),
                pool_max,
                connect_timeout,
                query_timeout,
                migrate_on_start,
            })
        }
        Some(_) => {
            return Err(bad(
                "DATABASE_URL",
                "must start with postgres:// or postgresql://",
            ));
        }
    };

    Ok(database)
}
