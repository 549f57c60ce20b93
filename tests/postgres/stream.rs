//! Streaming chat across replicas: a chat on one instance, its ticket and stream on another,
//! both on one PostgreSQL (the load balancer pins neither).

use std::time::Duration;

use serde_json::json;

use crate::support::pg::TestDb;
use crate::support::siwe::Wallet;
use crate::support::ws::{chat, connect, frames_until, refusal, ticket, types};
use crate::support::{finn, spawn_app};

const SECRET: &str = "replicas-share-this-hs256-secret-32b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_on_one_replica_streams_on_another() {
    let db = TestDb::create().await;
    let finn = finn::spawn().await;
    let url = finn.url();
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("FINN_URL", url.as_str()),
        ("DIXIE_JWT_PRIVATE_KEY", SECRET),
        ("DIXIE_CHAT_HANDOFF_SECS", "2"),
    ];
    let (a, b) = (spawn_app(&env).await, spawn_app(&env).await);
    let wallet = Wallet::new(80);
    let jwt = a.token_for(&wallet).await;

    let answer = chat(&a, &jwt, json!({"prompt": "across"})).await;
    let session = answer["sessionId"].as_str().unwrap();
    let t = ticket(&a, &jwt).await;
    let mut ws = connect(&b, session, &t, None)
        .await
        .expect("B accepts A's ticket");
    let frames = frames_until(&mut ws, "done").await;
    assert_eq!(
        types(&frames),
        ["model_selection", "chunk", "turn_end", "done"]
    );
    assert_eq!(frames[3]["data"]["content"], "echo: across");

    // A's deliverer finds the prompt taken and sends nothing.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(finn.calls("sessions.message"), 0);
    assert_eq!(finn.ws_prompts(), ["across"]);
    // The ticket was used on B: A refuses it too.
    assert_eq!(refusal(connect(&a, session, &t, None).await).0, 401);

    a.stop().await;
    b.stop().await;
    db.finish().await;
}
