//! Database faults: a TCP proxy between Dixie and PostgreSQL is cut and restored; backends are
//! terminated. Requests answer 503 JSON within the pool timeout, health reports the outage,
//! and the service recovers without a restart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::pg::{TestDb, with_database};
use crate::support::proxy::Proxy;
use crate::support::{finn, spawn_app};

fn pg_target() -> (SocketAddr, String) {
    let url = crate::support::pg::server_url();
    let hostport = url
        .split('@')
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("127.0.0.1:5432");
    let addr = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    };
    (addr.parse().expect("DATABASE_URL host is an IP:port"), url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_recovers_without_restart() {
    let db = TestDb::create().await;
    let (target, server) = pg_target();
    let mut proxy = Proxy::start(target).await;
    let via_proxy = with_database(
        &server.replacen(&target.to_string(), &proxy.addr.to_string(), 1),
        &db.name,
    );
    let finn = finn::spawn().await;
    let app = spawn_app(&[
        ("DATABASE_URL", &via_proxy),
        ("DIXIE_DB_CONNECT_TIMEOUT_MS", "500"),
        ("FINN_URL", &finn.url()),
    ])
    .await;

    assert_eq!(
        app.get("/api/reputation/nft-x").await.status(),
        404,
        "database reachable"
    );

    proxy.cut();
    let start = Instant::now();
    let resp = app.get("/api/reputation/nft-x").await;
    let elapsed = start.elapsed();
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "service_unavailable");
    assert!(
        !body["message"].as_str().unwrap().contains("127.0.0.1"),
        "no internal detail: {body}"
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "answered within the timeout: {elapsed:?}"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await; // health cache period
    let health: serde_json::Value = app.get("/api/health").await.json().await.unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(
        health["infrastructure"]["postgresql"]["status"],
        "unreachable"
    );
    assert_eq!(health["reputation_service"]["aggregate_count"], -1);

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = app.get("/api/reputation/nft-x").await.status();
        if status == 404 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover (last status {status})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let health: serde_json::Value = app.get("/api/health").await.json().await.unwrap();
    assert_eq!(health["status"], "healthy", "{health}");
    app.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_backends_do_not_break_the_service() {
    let db = TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", &db.url),
        ("DIXIE_DB_CONNECT_TIMEOUT_MS", "1000"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/reputation/population").await.status(), 200);
    }
    assert!(
        db.terminate_backends().await >= 1,
        "the app held a connection"
    );
    let first = app.get("/api/reputation/population").await.status();
    assert!(
        first == 200 || first == 503,
        "200 on a fresh connection or a clean 503, got {first}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.get("/api/reputation/population").await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "did not recover after pg_terminate_backend"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_in_flight_when_a_partition_starts_answer_503_in_time_and_recover() {
    let db = TestDb::create().await;
    let (target, server) = pg_target();
    let proxy = Proxy::start(target).await;
    let via_proxy = with_database(
        &server.replacen(&target.to_string(), &proxy.addr.to_string(), 1),
        &db.name,
    );
    let app = spawn_app(&[
        ("DATABASE_URL", &via_proxy),
        ("DIXIE_DB_CONNECT_TIMEOUT_MS", "500"),
        ("DIXIE_DB_QUERY_TIMEOUT_MS", "1000"),
        ("DIXIE_DB_POOL_MAX", "4"),
    ])
    .await;
    let population = || app.get("/api/reputation/population");
    let both: Vec<_> = (0..4).map(|_| population()).collect();
    for resp in futures_util::future::join_all(both).await {
        assert_eq!(resp.status(), 200, "database reachable");
    }
    // The test holds a lock the app's reads wait for: they are in flight, server-side, when
    // the network goes silent.
    let (locker, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    locker
        .batch_execute("BEGIN; LOCK TABLE reputation_aggregates IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let start = Instant::now();
    let in_flight: Vec<_> = (0..4).map(|_| population()).collect();
    let mut waiting = Box::pin(futures_util::future::join_all(in_flight));
    // Let the reads reach the server and block, then cut the network under them.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut waiting)
            .await
            .is_err(),
        "the reads wait on the lock"
    );
    proxy.partition();
    let answers = tokio::time::timeout(Duration::from_secs(10), &mut waiting)
        .await
        .expect("in-flight queries are bounded, not held for the partition");
    let longest = start.elapsed();
    eprintln!("partition: the longest of 4 requests in flight answered in {longest:?}");
    for resp in answers {
        assert_eq!(resp.status(), 503);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "service_unavailable");
    }
    // Checkout (0.5 s) + query (1 s) is the deadline of one store call.
    assert!(
        longest < Duration::from_secs(4),
        "answered within the deadline: {longest:?}"
    );
    drop(waiting);
    locker.batch_execute("ROLLBACK").await.unwrap();
    proxy.heal();
    let deadline = Instant::now() + Duration::from_secs(10);
    while population().await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "did not recover after the partition"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
    db.finish().await;
}
