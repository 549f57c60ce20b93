//! Real PostgreSQL for tests: one fresh database per test on the server `make test` found
//! (`DATABASE_URL`), migrated by the app's own migrations and dropped afterwards.
//! Without `DATABASE_URL` these tests fail loudly; they never skip.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use dixie::adapters::postgres::{PgPool, PoolSettings, PostgresReputationStore, migrate};

static NEXT: AtomicU32 = AtomicU32::new(0);
static CLEANED: std::sync::Once = std::sync::Once::new();

pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the suite with `make test`, which provides PostgreSQL")
    })
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = match base.rfind('/') {
        Some(i) if base[..i].contains("//") && i > base.find("//").unwrap_or(0) + 1 => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

async fn admin() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&server_url(), tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL from DATABASE_URL answers");
    tokio::spawn(conn);
    client
}

/// Drops databases left by earlier runs whose process is gone (a failed test keeps its own).
async fn clean_stale(client: &tokio_postgres::Client) {
    let rows = client
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'dixie_t_%'",
            &[],
        )
        .await
        .unwrap_or_default();
    for row in rows {
        let name: String = row.get(0);
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| {
            p != std::process::id() && !std::path::Path::new(&format!("/proc/{p}")).exists()
        }) {
            let _ = client
                .execute(
                    &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    &[],
                )
                .await;
        }
    }
}

/// A migrated database of its own.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let client = admin().await;
        let mut first = false;
        CLEANED.call_once(|| first = true);
        if first {
            clean_stale(&client).await;
        }
        let name = format!(
            "dixie_t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        client
            .execute(&format!("CREATE DATABASE \"{name}\""), &[])
            .await
            .expect("create test database");
        let url = with_database(&server_url(), &name);
        let db = TestDb { name, url };
        let pool = db.pool();
        migrate::run_pending(&pool).await.expect("migrations apply");
        db
    }

    pub fn pool(&self) -> PgPool {
        self.pool_at(&self.url)
    }

    pub fn pool_at(&self, url: &str) -> PgPool {
        PgPool::new(&PoolSettings {
            url: url.to_owned(),
            max_size: 8,
            connect_timeout: Duration::from_secs(2),
            query_timeout: Duration::from_secs(5),
        })
        .expect("pool settings are valid")
    }

    pub async fn finish(self) {
        let client = admin().await;
        client
            .execute(
                &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
                &[],
            )
            .await
            .expect("drop test database");
    }

    /// The single integer `sql` answers in this database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .expect("the test database answers");
        tokio::spawn(conn);
        client
            .query_one(sql, &[])
            .await
            .expect("scalar query")
            .get(0)
    }

    /// Terminates every server backend connected to this database.
    pub async fn terminate_backends(&self) -> u64 {
        let client = admin().await;
        client
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&self.name],
            )
            .await
            .expect("terminate backends")
            .len() as u64
    }
}

pub async fn store() -> (PostgresReputationStore, TestDb) {
    let db = TestDb::create().await;
    (PostgresReputationStore::new(db.pool()), db)
}

pub async fn nonce_store() -> (dixie::adapters::postgres::PostgresNonceStore, TestDb) {
    let db = TestDb::create().await;
    (
        dixie::adapters::postgres::PostgresNonceStore::new(db.pool()),
        db,
    )
}

pub async fn stream_stores() -> (
    dixie::adapters::postgres::PostgresTicketStore,
    dixie::adapters::postgres::PostgresPromptHandoff,
    TestDb,
) {
    let db = TestDb::create().await;
    (
        dixie::adapters::postgres::PostgresTicketStore::new(db.pool()),
        dixie::adapters::postgres::PostgresPromptHandoff::new(db.pool()),
        db,
    )
}

pub async fn autonomous_store() -> (dixie::adapters::postgres::PostgresAutonomousStore, TestDb) {
    let db = TestDb::create().await;
    (
        dixie::adapters::postgres::PostgresAutonomousStore::new(db.pool()),
        db,
    )
}

pub async fn votes_store() -> (dixie::adapters::postgres::PostgresPriorityVotes, TestDb) {
    let db = TestDb::create().await;
    (
        dixie::adapters::postgres::PostgresPriorityVotes::new(db.pool()),
        db,
    )
}

pub async fn schedule_store() -> (dixie::adapters::postgres::PostgresScheduleStore, TestDb) {
    let db = TestDb::create().await;
    (
        dixie::adapters::postgres::PostgresScheduleStore::new(db.pool()),
        db,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=require", "x"),
            "postgres://u@h/x?sslmode=require"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
