//! The chat-stream stores on Redis: the port contracts, a turn whose chat call, ticket and
//! stream each reach a different replica, and an outage that leaves each replica its own.

use std::time::Duration;

use dixie::adapters::redis::{RedisHandoffStore, RedisTicketStore};
use serde_json::json;

use crate::support::TestApp;
use crate::support::finn::{self, FinnStandin};
use crate::support::proxy::Proxy;
use crate::support::siwe::Wallet;
use crate::support::ws::{chat, connect, frames_until, ticket, types};
use crate::{fresh_prefix, lazy, redis_addr, redis_url};

pub struct NoCleanup;

impl NoCleanup {
    pub async fn finish(self) {}
}

async fn redis_streams() -> (RedisTicketStore, RedisHandoffStore, NoCleanup) {
    let redis = lazy(&fresh_prefix());
    redis.ping().await.expect("the test Redis answers PING");
    (
        RedisTicketStore::new(redis.clone()),
        RedisHandoffStore::new(redis),
        NoCleanup,
    )
}

mod contract {
    crate::stream_contract!(super::redis_streams);
}

/// `n` replicas whose chat calls deliver a prompt no stream took after `handoff` seconds.
async fn replicas(
    finn: &FinnStandin,
    redis_url: &str,
    prefix: &str,
    n: usize,
    handoff: &str,
) -> Vec<TestApp> {
    let vars = [("DIXIE_CHAT_HANDOFF_SECS", handoff)];
    crate::replicas(finn, redis_url, prefix, n, &vars).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_ticket_and_stream_may_each_reach_another_replica() {
    let finn = finn::spawn().await;
    let apps = replicas(&finn, &redis_url(), &fresh_prefix(), 3, "2").await;
    let jwt = apps[0].token_for(&Wallet::new(83)).await;

    let answer = chat(&apps[0], &jwt, json!({"prompt": "hello"})).await;
    assert_eq!(answer["stream"], true, "{answer}");
    let session = answer["sessionId"].as_str().unwrap();
    let ticket = ticket(&apps[1], &jwt).await;
    let mut ws = connect(&apps[2], session, &ticket, None)
        .await
        .expect("a ticket issued by one replica opens a stream on another");
    let frames = frames_until(&mut ws, "economic").await;
    assert_eq!(
        types(&frames),
        ["model_selection", "chunk", "turn_end", "done", "economic"]
    );
    assert_eq!(frames[1]["data"]["content"], "echo: hello");
    assert_eq!(
        finn.ws_prompts(),
        ["hello"],
        "the parked prompt crossed over"
    );

    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        finn.calls("sessions.message"),
        0,
        "the replica that parked the prompt did not deliver it again"
    );
    let again = connect(&apps[0], session, &ticket, None).await;
    assert!(again.is_err(), "the ticket was used on another replica");
    for app in apps {
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_cut_a_replica_streams_on_its_own_store() {
    let finn = finn::spawn().await;
    let mut proxy = Proxy::start(redis_addr()).await;
    let apps = replicas(
        &finn,
        &format!("redis://{}", proxy.addr),
        &fresh_prefix(),
        1,
        "10",
    )
    .await;
    let app = &apps[0];
    let jwt = app.token_for(&Wallet::new(84)).await;
    proxy.cut();

    let answer = chat(app, &jwt, json!({"prompt": "offline"})).await;
    assert_eq!(answer["stream"], true, "{answer}");
    let session = answer["sessionId"].as_str().unwrap();
    let ticket = ticket(app, &jwt).await;
    let mut ws = connect(app, session, &ticket, None)
        .await
        .expect("the process's own ticket store took over");
    let frames = frames_until(&mut ws, "economic").await;
    assert_eq!(frames[1]["data"]["content"], "echo: offline");
    assert_eq!(finn.ws_prompts(), ["offline"]);
    proxy.restore().await;
    for app in apps {
        app.stop().await;
    }
}
