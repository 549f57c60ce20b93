//! The agent quota through Redis: the port's contract, and replicas that share one TBA's
//! minute and day.

use dixie::adapters::redis::SharedAgentQuota;
use reqwest::Method;
use serde_json::json;

use crate::support::agent::{Agent, call};
use crate::support::finn;
use crate::support::siwe::Wallet;
use crate::{fresh_prefix, lazy, redis_url, replicas};

async fn redis_quota(per_minute: u32, per_day: u32) -> SharedAgentQuota {
    let redis = lazy(&fresh_prefix());
    redis.ping().await.expect("the test Redis answers PING");
    SharedAgentQuota::shared(redis, per_minute, per_day)
}

mod contract {
    crate::quota_contract!(super::redis_quota);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_a_tbas_minute_limit() {
    let finn = finn::spawn().await;
    let agent = Agent::new(91);
    finn.add_tba(&agent.tba, "0xc0ffee", 91, &agent.owner.address);
    finn.set_stake(&agent.owner.address, 1000.0);
    let prefix = fresh_prefix();
    let apps = replicas(
        &finn,
        &redis_url(),
        &prefix,
        2,
        &[("DIXIE_AGENT_RATE_LIMIT_RPM", "4")],
    )
    .await;
    let jwt = apps[0].token_for(&Wallet::new(92)).await;
    // One signature for every request: signed per request, a second boundary would make a new
    // timestamp, a new claim and a second verification.
    let headers = agent.headers();
    let mut statuses = Vec::new();
    for i in 0..6 {
        let app = &apps[i % 2];
        let body = json!({"query": "q"});
        let (status, _, _) = call(
            app,
            Method::POST,
            "/api/agent/query",
            &jwt,
            &headers,
            Some(body),
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 429, 429],
        "one count across both"
    );
    // The verified signature is shared too: Finn verified it once for both replicas.
    assert_eq!(finn.calls("verify_tba"), 1);
    for app in apps {
        app.stop().await;
    }
}
