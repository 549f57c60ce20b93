//! Tests that need a real Redis (`make test` provides one: `REDIS_URL`, else the server on
//! 127.0.0.1:6379, else a throwaway one; without `REDIS_URL` these fail, they never skip).
//! Each test keeps to keys under a prefix of its own.

#[path = "../support/mod.rs"]
mod support;

mod agents;
mod cache;
mod limits;
mod streams;

use std::net::SocketAddr;

use dixie::adapters::redis::Redis;

pub fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REDIS_URL is not set: run `make test` (it finds or starts a Redis)")
}

/// A key prefix no other test or run uses.
pub fn fresh_prefix() -> String {
    format!("dixie-test-{}:", uuid::Uuid::new_v4().simple())
}

/// The address of the Redis server (for a proxy in front of it).
pub fn redis_addr() -> SocketAddr {
    let url = redis_url();
    let hostport = url
        .split("://")
        .nth(1)
        .map(|rest| rest.rsplit('@').next().unwrap_or(rest))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:6379");
    let hostport = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:6379")
    };
    hostport.parse().expect("REDIS_URL's host is an IP:port")
}

/// A direct connection for looking at what Dixie wrote.
pub async fn connection() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("the test Redis answers")
}

/// One signing key for every replica, as a deployment has.
const JWT_SECRET: &str = "replicas-share-this-hs256-secret-0123456789";

/// `n` app instances sharing `redis_url` under `prefix`, the Finn stand-in and a signing key,
/// with `vars` on top.
pub async fn replicas(
    finn: &support::finn::FinnStandin,
    redis_url: &str,
    prefix: &str,
    n: usize,
    vars: &[(&str, &str)],
) -> Vec<support::TestApp> {
    let finn_url = finn.url();
    let mut all = vec![
        ("REDIS_URL", redis_url),
        ("DIXIE_REDIS_PREFIX", prefix),
        ("FINN_URL", finn_url.as_str()),
        ("FINN_TIMEOUT_MS", "1000"),
        ("DIXIE_JWT_PRIVATE_KEY", JWT_SECRET),
    ];
    all.extend_from_slice(vars);
    let mut apps = Vec::new();
    for _ in 0..n {
        apps.push(support::spawn_app(&all).await);
    }
    apps
}

pub fn lazy(prefix: &str) -> Redis {
    Redis::connect_lazy(&redis_url(), prefix).unwrap()
}
