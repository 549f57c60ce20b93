//! The rate limit through Redis: the port's contract, replicas sharing one limit, and an outage
//! (a proxy cut between Dixie and Redis) that degrades health and nothing else.

use std::time::{Duration, Instant};

use dixie::adapters::redis::SharedRateLimit;
use serde_json::Value;

use crate::support::proxy::Proxy;
use crate::support::ratelimit_contract::LIMIT;
use crate::support::{finn, spawn_app};
use crate::{connection, fresh_prefix, lazy, redis_addr, redis_url};

async fn redis_limiter() -> SharedRateLimit {
    let redis = lazy(&fresh_prefix());
    redis.ping().await.expect("the test Redis answers PING");
    SharedRateLimit::shared(redis, LIMIT)
}

mod contract {
    crate::ratelimit_contract!(super::redis_limiter);
}

/// The sum of every counter under `prefix`.
async fn counted(prefix: &str) -> i64 {
    let mut conn = connection().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut total = 0;
    for key in keys {
        let n: i64 = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        total += n;
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_admit_exactly_the_limit_between_them() {
    let prefix = fresh_prefix();
    let url = redis_url();
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("DIXIE_REDIS_PREFIX", prefix.as_str()),
        ("DIXIE_RATE_LIMIT_RPM", "10"),
    ];
    let apps = [
        spawn_app(&vars).await,
        spawn_app(&vars).await,
        spawn_app(&vars).await,
    ];
    let mut statuses = Vec::new();
    for i in 0..15 {
        let app = &apps[i % 3];
        let resp = app
            .http
            .post(app.url("/api/auth/nonce"))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((admitted, refused), (10, 5), "{statuses:?}");
    assert_eq!(
        counted(&prefix).await,
        10,
        "every admission counted in Redis"
    );
    for app in apps {
        app.stop().await;
    }
}

/// `dixie_redis_up` as `/metrics` says it.
async fn redis_up(app: &crate::support::TestApp) -> String {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("dixie_redis_up "))
        .unwrap_or_else(|| panic!("no dixie_redis_up:\n{text}"))
        .to_owned()
}

async fn health(app: &crate::support::TestApp) -> Value {
    app.get("/api/health").await.json().await.unwrap()
}

/// The health body once it reports Redis as `status` (within 20 s).
async fn until(app: &crate::support::TestApp, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = health(app).await;
        if now["infrastructure"]["redis"]["status"] == status {
            return now;
        }
        assert!(Instant::now() < deadline, "Redis never {status}: {now}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_degrades_health_not_requests_and_heals_without_restart() {
    let prefix = fresh_prefix();
    let mut proxy = Proxy::start(redis_addr()).await;
    let via_proxy = format!("redis://{}", proxy.addr);
    let finn = finn::spawn().await;
    let app = spawn_app(&[
        ("REDIS_URL", &via_proxy),
        ("DIXIE_REDIS_PREFIX", &prefix),
        ("FINN_URL", &finn.url()),
    ])
    .await;
    let nonce = || app.http.post(app.url("/api/auth/nonce")).send();

    assert_eq!(nonce().await.unwrap().status(), 200);
    let before = health(&app).await;
    assert_eq!(before["status"], "healthy", "{before}");
    assert_eq!(
        before["infrastructure"]["redis"]["status"], "healthy",
        "{before}"
    );
    assert_eq!(counted(&prefix).await, 1);

    proxy.cut();
    for _ in 0..5 {
        let start = Instant::now();
        let resp = nonce().await.unwrap();
        assert_eq!(
            resp.status(),
            200,
            "Redis down: the process's own limit admits"
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
    assert_eq!(
        counted(&prefix).await,
        1,
        "nothing reached Redis during the cut"
    );
    // The health body is reused for a second.
    let during = until(&app, "unreachable").await;
    assert_eq!(during["status"], "degraded", "{during}");
    assert_eq!(
        during["infrastructure"]["redis"]["error"],
        "Redis unreachable"
    );
    assert_eq!(redis_up(&app).await, "0", "metrics say so too");

    proxy.restore().await;
    let after = until(&app, "healthy").await;
    assert_eq!(after["status"], "healthy", "{after}");
    assert_eq!(nonce().await.unwrap().status(), 200);
    assert_eq!(redis_up(&app).await, "1");
    assert_eq!(
        counted(&prefix).await,
        2,
        "after the outage requests are counted in Redis again"
    );
    app.stop().await;
}
