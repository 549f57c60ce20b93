//! The migrations of `migrations/`, embedded in the binary.

use diesel_async::AsyncMigrationHarness;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::pool::PgPool;
use crate::core::error::PortError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applies every pending migration; returns the versions applied (empty when up to date).
pub async fn run_pending(pool: &PgPool) -> Result<Vec<String>, PortError> {
    let conn = pool.get_owned().await?;
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect())
            .map_err(|e| PortError::Unexpected(format!("migration failed: {e}")))
    })
    .await
    .map_err(|e| PortError::Unexpected(format!("migration task: {e}")))?
}
