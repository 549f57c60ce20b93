//! `sslmode` in `DATABASE_URL` is honoured (the local server runs with `ssl = on` and Debian's
//! self-signed snakeoil certificate).

use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;
use dixie::adapters::postgres::PostgresReputationStore;
use dixie::core::error::PortError;
use dixie::core::ports::ReputationStore;

use crate::support::pg::TestDb;

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

async fn encrypted(db: &TestDb, sslmode: &str) -> Result<bool, PortError> {
    let pool = db.pool_at(&format!("{}?sslmode={sslmode}", db.url));
    let mut conn = pool.get().await?;
    let row: Ssl = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut conn)
        .await
        .map_err(|e| PortError::Unexpected(e.to_string()))?;
    Ok(row.ssl)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_encrypts_and_disable_does_not() {
    let db = TestDb::create().await;
    assert!(
        encrypted(&db, "require")
            .await
            .expect("sslmode=require connects"),
        "TLS in use"
    );
    assert!(
        !encrypted(&db, "disable")
            .await
            .expect("sslmode=disable connects"),
        "plain TCP"
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_refuses_an_untrusted_certificate() {
    let db = TestDb::create().await;
    let store =
        PostgresReputationStore::new(db.pool_at(&format!("{}?sslmode=verify-full", db.url)));
    let err = store
        .probe()
        .await
        .expect_err("self-signed certificate must not verify");
    assert!(matches!(err, PortError::Unavailable(_)), "{err:?}");
    db.finish().await;
}
