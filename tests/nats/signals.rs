//! Interaction signals on NATS JetStream (§1.8): the stream as declared, a signal per chat
//! turn and per streamed reply read back with a JetStream consumer, and an outage that costs
//! the signals only.

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::support::finn::{self, FinnStandin};
use crate::support::proxy::Proxy;
use crate::support::siwe::Wallet;
use crate::support::ws::{chat, connect, frames_until, ticket};
use crate::support::{TestApp, spawn_app};
use crate::{nats_addr, nats_url};

async fn setup(nats: &str) -> (TestApp, FinnStandin) {
    let finn = finn::spawn().await;
    let url = finn.url();
    let app = spawn_app(&[
        ("NATS_URL", nats),
        ("FINN_URL", url.as_str()),
        ("FINN_TIMEOUT_MS", "1000"),
    ])
    .await;
    (app, finn)
}

async fn health(app: &TestApp) -> Value {
    app.get("/api/health").await.json().await.unwrap()
}

/// The health body once it reports NATS as `status` (within 20 s).
async fn until(app: &TestApp, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = health(app).await;
        if now["infrastructure"]["nats"]["status"] == status {
            return now;
        }
        assert!(Instant::now() < deadline, "NATS never {status}: {now}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The value of an unlabelled sample in `/metrics`.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}"))
}

/// The signals on `subject` published since `since` by `wallet`, read with an ordered
/// JetStream consumer until `want` arrived or 10 s passed.
async fn signals_of(
    subject: &str,
    wallet: &str,
    since: time::OffsetDateTime,
    want: usize,
) -> Vec<Value> {
    let client = async_nats::connect(nats_url()).await.unwrap();
    let js = jetstream::new(client);
    let stream = js
        .get_stream("DIXIE_SIGNALS")
        .await
        .expect("Dixie created the stream");
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: subject.to_owned(),
            deliver_policy: consumer::DeliverPolicy::ByStartTime { start_time: since },
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut found = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while found.len() < want {
        let next = tokio::time::timeout_at(deadline, messages.next()).await;
        let Ok(Some(Ok(message))) = next else { break };
        let body: Value = serde_json::from_slice(&message.payload).unwrap();
        if body["wallet"] == wallet {
            found.push(body);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_created_as_declared_and_each_turn_and_reply_is_signalled() {
    let since = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let (app, finn) = setup(&nats_url()).await;
    until(&app, "healthy").await;
    let wallet = Wallet::new(91);
    let jwt = app.token_for(&wallet).await;

    let answer = chat(&app, &jwt, json!({"prompt": "hello"})).await;
    let session = answer["sessionId"].as_str().unwrap().to_owned();
    let message_id = answer["messageId"].as_str().unwrap().to_owned();
    let mut ws = connect(&app, &session, &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    frames_until(&mut ws, "economic").await;
    let again = chat(
        &app,
        &jwt,
        json!({"prompt": "again", "sessionId": session, "stream": false}),
    )
    .await;
    assert_eq!(again["sessionId"], session.as_str(), "{again}");

    let turns = signals_of("dixie.signal.interaction", &wallet.address, since, 2).await;
    assert_eq!(turns.len(), 2, "one signal per chat turn: {turns:?}");
    assert_eq!(turns[0]["sessionId"], session.as_str());
    assert_eq!(turns[0]["messageId"], message_id.as_str());
    let keys: Vec<&str> = turns[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["wallet", "sessionId", "messageId", "timestamp"]);
    assert!(turns[0]["timestamp"].as_str().unwrap().ends_with('Z'));

    let replies = signals_of("dixie.signal.economic", &wallet.address, since, 1).await;
    assert_eq!(
        replies.len(),
        1,
        "one signal per streamed reply: {replies:?}"
    );
    assert_eq!(replies[0]["sessionId"], session.as_str());
    assert!(replies[0]["model"].is_string() && replies[0]["costMicroUsd"].is_u64());

    let client = async_nats::connect(nats_url()).await.unwrap();
    let mut declared = jetstream::new(client)
        .get_stream("DIXIE_SIGNALS")
        .await
        .unwrap();
    let config = &declared.info().await.unwrap().config;
    assert_eq!(config.subjects, ["dixie.signal.>"]);
    assert_eq!(config.max_messages, 100_000);
    assert_eq!(config.max_age, Duration::from_secs(7 * 24 * 3600));
    assert_eq!(config.storage, stream::StorageType::File);
    assert_eq!(config.retention, stream::RetentionPolicy::Limits);
    assert_eq!(config.num_replicas, 1);
    drop(finn);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_outage_costs_signals_only_and_heals_without_restart() {
    let mut proxy = Proxy::start(nats_addr()).await;
    let (app, _finn) = setup(&format!("nats://{}", proxy.addr)).await;
    let before = until(&app, "healthy").await;
    assert_eq!(before["status"], "healthy", "{before}");
    let wallet = Wallet::new(92);
    let jwt = app.token_for(&wallet).await;

    proxy.cut();
    let during = until(&app, "unreachable").await;
    assert_eq!(during["status"], "degraded", "{during}");
    assert_eq!(
        during["infrastructure"]["nats"]["error"],
        "NATS not connected"
    );
    for i in 0..5 {
        let start = Instant::now();
        let answer = chat(
            &app,
            &jwt,
            json!({"prompt": format!("cut {i}"), "stream": false}),
        )
        .await;
        assert!(answer["sessionId"].is_string(), "chat unaffected: {answer}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    // Each queued signal waits up to 2 s for the server's confirmation, then counts as dropped.
    let deadline = Instant::now() + Duration::from_secs(15);
    while metric(&app, "dixie_signals_dropped_total").await < 1.0 {
        assert!(Instant::now() < deadline, "no drop was counted");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(metric(&app, "dixie_nats_up").await, 0.0);

    proxy.restore().await;
    until(&app, "healthy").await;
    assert_eq!(metric(&app, "dixie_nats_up").await, 1.0);
    let since = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    chat(&app, &jwt, json!({"prompt": "back", "stream": false})).await;
    let turns = signals_of("dixie.signal.interaction", &wallet.address, since, 1).await;
    assert_eq!(turns.len(), 1, "signals flow again without a restart");
    app.stop().await;
}
