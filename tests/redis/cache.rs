//! Cache-aside through Redis (§1.8): the port's contract, replicas reusing one another's
//! answers, and an outage that costs the cache and nothing else.

use std::time::Duration;

use dixie::adapters::redis::RedisCache;
use reqwest::Method;

use crate::support::finn::{self, FinnStandin};
use crate::support::proxy::Proxy;
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app};
use crate::{connection, fresh_prefix, lazy, redis_addr, redis_url};

async fn redis_cache() -> RedisCache {
    let redis = lazy(&fresh_prefix());
    redis.ping().await.expect("the test Redis answers PING");
    RedisCache::new(redis)
}

mod contract {
    crate::cache_contract!(super::redis_cache);
}

async fn replicas(finn: &FinnStandin, redis_url: &str, prefix: &str) -> Vec<TestApp> {
    crate::replicas(finn, redis_url, prefix, 3, &[]).await
}

async fn exists(key: &str) -> bool {
    let mut conn = connection().await;
    redis::cmd("EXISTS")
        .arg(key)
        .query_async::<bool>(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_one_replica_asked_finn_for_is_reused_by_the_others() {
    let prefix = fresh_prefix();
    let finn = finn::spawn().await;
    finn.set_personality("mibera:42", "Bera");
    let wallet = Wallet::new(81);
    finn.set_stake(&wallet.address, 150.0);
    let apps = replicas(&finn, &redis_url(), &prefix).await;
    let jwt = apps[0].token_for(&wallet).await;

    let mut bodies = Vec::new();
    for app in &apps {
        let (status, body) = app
            .call(Method::GET, "/api/personality/mibera:42", &jwt, None)
            .await;
        assert_eq!(status, 200, "{body}");
        bodies.push(body);
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert_eq!(finn.calls("beauvoir"), 1, "one replica asked, two reused");
    assert_eq!(finn.calls("staking"), 1, "the tier too");
    assert!(exists(&format!("{prefix}personality:mibera:42")).await);
    assert!(exists(&format!("{prefix}conviction:{}", wallet.address)).await);
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_cut_every_request_asks_finn_and_none_fails() {
    let prefix = fresh_prefix();
    let mut proxy = Proxy::start(redis_addr()).await;
    let finn = finn::spawn().await;
    finn.set_personality("mibera:7", "Bera");
    let wallet = Wallet::new(82);
    let apps = replicas(&finn, &format!("redis://{}", proxy.addr), &prefix).await;
    let app = &apps[0];
    let jwt = app.token_for(&wallet).await;
    let get = || app.call(Method::GET, "/api/personality/mibera:7", &jwt, None);

    assert_eq!(get().await.0, 200);
    assert_eq!(get().await.0, 200);
    assert_eq!(finn.calls("beauvoir"), 1, "reused through Redis");

    proxy.cut();
    for _ in 0..3 {
        let (status, body) = get().await;
        assert_eq!(status, 200, "Redis down costs the cache only: {body}");
    }
    assert_eq!(finn.calls("beauvoir"), 4, "no cache while Redis is cut");

    proxy.restore().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert_eq!(get().await.0, 200);
        let before = finn.calls("beauvoir");
        assert_eq!(get().await.0, 200);
        if finn.calls("beauvoir") == before {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cache never came back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_redis_call_of_a_request_is_a_span_under_it() {
    let receiver = crate::support::otlp::Receiver::start().await;
    let finn = finn::spawn().await;
    finn.set_personality("mibera:9", "Bera");
    let (url, prefix, finn_url) = (redis_url(), fresh_prefix(), finn.url());
    let app = spawn_app(&[
        ("REDIS_URL", url.as_str()),
        ("DIXIE_REDIS_PREFIX", prefix.as_str()),
        ("FINN_URL", finn_url.as_str()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ])
    .await;
    let jwt = app.token_for(&Wallet::new(85)).await;
    let resp = app
        .http
        .get(app.url("/api/personality/mibera:9"))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let trace = resp.headers()["x-trace-id"].to_str().unwrap().to_owned();
    let span = resp.headers()["x-span-id"].to_str().unwrap().to_owned();
    // The rate limit's script, then cache reads and writes for the tier and the personality.
    let spans = receiver.trace(&trace, 4).await;
    let redis: Vec<_> = spans
        .iter()
        .filter(|s| s.name.starts_with("redis ") && s.parent == span)
        .collect();
    assert!(redis.len() >= 3, "{spans:?}");
    assert!(redis.iter().any(|s| s.name == "redis script"), "{spans:?}");
    app.stop().await;
}
