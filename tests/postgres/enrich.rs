//! The review-context budget (§1.5.14) against a slow PostgreSQL: while the reputation tables
//! are locked, the answer is `partial: true` within the budget, not late; once they are free,
//! it is whole again — and a distribution refresh the budget cut short still lands.

use std::time::{Duration, Instant};

use crate::support::pg::TestDb;
use crate::support::siwe::Wallet;
use crate::support::{finn, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_store_answers_partial_within_the_budget() {
    let db = TestDb::create().await;
    let finn = finn::spawn().await;
    let builder = Wallet::new(97);
    finn.set_stake(&builder.address, 500.0);
    let app = spawn_app(&[("DATABASE_URL", &db.url), ("FINN_URL", &finn.url())]).await;
    let jwt = app.token_for(&builder).await;
    let ask = || async {
        let started = Instant::now();
        let resp = app
            .http
            .post(app.url("/api/enrich/review-context"))
            .bearer_auth(&jwt)
            .json(&serde_json::json!({"nft_id": "mibera:1", "review_type": "audit"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let latency: u64 = resp.headers()["x-enrichment-latency-ms"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body: serde_json::Value = resp.json().await.unwrap();
        (started.elapsed(), latency, body)
    };

    let (locker, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    locker
        .batch_execute(
            "BEGIN; LOCK TABLE reputation_aggregates, reputation_events IN ACCESS EXCLUSIVE MODE",
        )
        .await
        .unwrap();
    let (took, latency, body) = ask().await;
    assert_eq!(body["partial"], true, "{body}");
    assert_eq!(body["reputation_context"]["trajectory"], "cold");
    assert!(
        (50..200).contains(&latency),
        "assembled within the budget: {latency} ms"
    );
    assert!(took < Duration::from_secs(1), "answered in time: {took:?}");

    locker.batch_execute("ROLLBACK").await.unwrap();
    // The refresh the budget cut short finishes on its own and is reused.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, _, body) = ask().await;
    assert_eq!(body["partial"], false, "{body}");
    app.stop().await;
    db.finish().await;
}
