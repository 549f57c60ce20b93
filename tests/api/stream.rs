//! Streaming chat, black-box: the app on port 0, the Finn stand-in speaking Finn's own stream
//! (§14), and a real WebSocket client doing what the web client does (§15).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::finn::{self, FinnStandin, WsBehaviour};
use crate::support::siwe::Wallet;
use crate::support::ws::{
    chat, close_code, connect, frames_until, next_frame, prompt, refusal, ticket, types,
};
use crate::support::{TestApp, spawn_app};

async fn setup(vars: &[(&str, &str)]) -> (TestApp, FinnStandin) {
    let finn = finn::spawn().await;
    let url = finn.url();
    let mut all = vec![("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "1000")];
    all.extend_from_slice(vars);
    (spawn_app(&all).await, finn)
}

#[tokio::test]
async fn the_web_clients_flow_gets_the_reply_once() {
    let (app, finn) = setup(&[("DIXIE_CHAT_HANDOFF_SECS", "2")]).await;
    let jwt = app.token_for(&Wallet::new(60)).await;
    let answer = chat(&app, &jwt, json!({"prompt": "hello"})).await;
    assert_eq!(answer["stream"], true);
    let session = answer["sessionId"].as_str().unwrap();
    let ticket = ticket(&app, &jwt).await;
    let mut ws = connect(&app, session, &ticket, None).await.unwrap();

    let frames = frames_until(&mut ws, "economic").await;
    assert_eq!(
        types(&frames),
        ["model_selection", "chunk", "turn_end", "done", "economic"]
    );
    assert_eq!(frames[1]["data"]["content"], "echo: hello");
    assert_eq!(frames[3]["data"]["content"], "echo: hello");
    assert_eq!(frames[0]["data"]["pool"], "pool_observer");
    assert_eq!(
        finn.ws_prompts(),
        ["hello"],
        "the handed-off prompt went over the stream"
    );

    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        finn.calls("sessions.message"),
        0,
        "a prompt the stream took is not sent again"
    );
    let again = connect(&app, session, &ticket, None).await;
    assert_eq!(
        refusal(again),
        (
            401,
            json!({"error": "invalid_ticket", "message": "The ticket is unknown, used or expired"})
        ),
        "a ticket opens one stream"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_turn_with_tools_arrives_translated_and_enriched_in_order() {
    let (app, finn) = setup(&[]).await;
    let wallet = Wallet::new(61);
    finn.add_owner(&wallet.address, "mibera:7", &[]);
    finn.set_projection("mibera:7", json!({"type": "none"}), "twelve chars");
    finn.set_stake(&wallet.address, 150.0);
    let jwt = app.token_for(&wallet).await;
    let mut ws = connect(&app, "sess-tools", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    ws.send(prompt("use a tool")).await.unwrap();
    let frames = frames_until(&mut ws, "economic").await;
    assert_eq!(
        types(&frames),
        [
            "model_selection",
            "memory_inject",
            "tool_call",
            "tool_call",
            "chunk",
            "turn_end",
            "done",
            "economic"
        ]
    );
    assert_eq!(
        frames[0]["data"],
        json!({"model": "pool_standard", "pool": "pool_standard", "reason": "conviction tier builder"})
    );
    assert_eq!(
        frames[1]["data"],
        json!({"context_tokens": 3, "topics": ["rust", "cron"]})
    );
    assert_eq!(
        frames[2]["data"],
        json!({"name": "search", "args": "{\"q\":\"use a tool\"}", "status": "running"})
    );
    assert_eq!(frames[3]["data"]["status"], "done");
    assert_eq!(frames[3]["data"]["result"], "1 hit");
    assert_eq!(frames[6]["data"], json!({"content": "echo: use a tool"}));
    assert_eq!(frames[7]["data"]["tokens"]["memory_context"], 3);

    ws.send(Message::text(r#"{"type":"ping"}"#)).await.unwrap();
    assert_eq!(next_frame(&mut ws).await["type"], "pong");
    app.stop().await;
}

#[tokio::test]
async fn the_session_loading_race_is_retried_not_surfaced() {
    let (app, finn) = setup(&[]).await;
    finn.set_ws(WsBehaviour {
        not_ready: 3,
        ..WsBehaviour::default()
    });
    let jwt = app.token_for(&Wallet::new(62)).await;
    let answer = chat(&app, &jwt, json!({"prompt": "early"})).await;
    let session = answer["sessionId"].as_str().unwrap();
    let mut ws = connect(&app, session, &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    let frames = frames_until(&mut ws, "done").await;
    assert!(
        !types(&frames).contains(&"error"),
        "the loading race never reaches the client: {frames:?}"
    );
    assert_eq!(finn.ws_prompts(), ["early"]);
    app.stop().await;
}

#[tokio::test]
async fn every_refusal_before_the_upgrade_is_json() {
    let (app, finn) = setup(&[("DIXIE_CORS_ORIGINS", "https://app.example")]).await;
    let wallet = Wallet::new(63);
    let jwt = app.token_for(&wallet).await;
    let good = ticket(&app, &jwt).await;

    let (status, body) = refusal(connect(&app, "s-1", "", None).await);
    assert_eq!((status, &body["error"]), (401, &json!("missing_ticket")));
    let forged = format!("wst_{}", "a".repeat(48));
    for bad in [forged.as_str(), "wst_short", "nonsense"] {
        let (status, body) = refusal(connect(&app, "s-1", bad, None).await);
        assert_eq!(
            (status, &body["error"]),
            (401, &json!("invalid_ticket")),
            "{bad}"
        );
    }
    let (status, body) = refusal(connect(&app, "bad.id", &good, None).await);
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("invalid_session_id"))
    );
    let (status, body) = refusal(connect(&app, "s-1", &good, Some("https://evil.example")).await);
    assert_eq!((status, &body["error"]), (403, &json!("forbidden_origin")));
    // None of those refusals used the ticket; a plain GET does not either.
    let plain = app.get(&format!("/ws/chat/s-1?ticket={good}")).await;
    assert_eq!(plain.status(), 400);
    assert_eq!(
        plain.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    finn.set_ws(WsBehaviour {
        refuse: Some(502),
        ..WsBehaviour::default()
    });
    let (status, body) = refusal(connect(&app, "s-1", &good, Some("https://app.example")).await);
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("upstream_unavailable"))
    );

    // Tickets: a wallet session only, five unexpired at most.
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/ws/ticket",
            "dxk_some_service_key",
            None,
        )
        .await;
    assert!(status == 401 || status == 403, "{status} {body}");
    let (status, _) = app
        .call(reqwest::Method::POST, "/api/ws/ticket", "", None)
        .await;
    assert_eq!(status, 401);
    // `good` was used by the last attempt (Finn refused after the ticket was redeemed).
    for _ in 0..5 {
        ticket(&app, &jwt).await;
    }
    let (status, body) = app
        .call(reqwest::Method::POST, "/api/ws/ticket", &jwt, None)
        .await;
    assert_eq!(
        (status, body),
        (
            429,
            json!({"error": "rate_limited", "message": "Too many outstanding tickets for this wallet"})
        )
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_frames_get_recoverable_errors_and_the_stream_stays_open() {
    let (app, _finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(64)).await;
    let mut ws = connect(&app, "sess-frames", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    let long = json!({"type": "prompt", "data": {"text": "a".repeat(10_001)}}).to_string();
    let cases = [
        (
            Message::text("not json"),
            "frames are JSON objects with a string `type`",
        ),
        (
            Message::text(r#"{"type":"shout"}"#),
            "unknown frame type (expected prompt, steer, abort or ping)",
        ),
        (
            Message::text(r#"{"type":"prompt","data":{}}"#),
            "`data.text` must be a non-blank string",
        ),
        (
            Message::text(long),
            "`data.text` is longer than 10000 characters",
        ),
        (
            Message::binary(vec![1, 2, 3]),
            "binary frames are not accepted",
        ),
    ];
    for (frame, message) in cases {
        ws.send(frame).await.unwrap();
        assert_eq!(
            next_frame(&mut ws).await,
            json!({"type": "error", "data": {"message": message, "recoverable": true}})
        );
    }
    ws.send(prompt("still here")).await.unwrap();
    let frames = frames_until(&mut ws, "done").await;
    assert_eq!(
        frames.last().unwrap()["data"]["content"],
        "echo: still here"
    );

    let huge = json!({"type": "prompt", "data": {"text": "a".repeat(1 << 20)}}).to_string();
    let _ = ws.send(Message::text(huge)).await;
    assert_eq!(
        close_code(&mut ws, Duration::from_secs(5)).await,
        Some(u16::from(CloseCode::Size)),
        "a frame over 1 MiB closes the stream (1009)"
    );
    app.stop().await;
}

#[tokio::test]
async fn streams_are_limited_per_wallet_and_per_process() {
    let (app, _finn) = setup(&[("DIXIE_WS_MAX_STREAMS", "6")]).await;
    let heavy = app.token_for(&Wallet::new(65)).await;
    let mut open = Vec::new();
    for i in 0..5 {
        let t = ticket(&app, &heavy).await;
        open.push(connect(&app, &format!("s-{i}"), &t, None).await.unwrap());
    }
    let t = ticket(&app, &heavy).await;
    let (status, body) = refusal(connect(&app, "s-5", &t, None).await);
    assert_eq!(
        (status, body),
        (
            429,
            json!({"error": "rate_limited", "message": "Too many open streams for this wallet"})
        )
    );
    let other = app.token_for(&Wallet::new(66)).await;
    open.push(
        connect(&app, "o-1", &ticket(&app, &other).await, None)
            .await
            .unwrap(),
    );
    let (status, body) = refusal(connect(&app, "o-2", &ticket(&app, &other).await, None).await);
    assert_eq!(
        (status, body),
        (
            429,
            json!({"error": "rate_limited", "message": "Too many open streams"})
        )
    );
    // A closed stream frees its place.
    let mut first = open.remove(0);
    first.close(None).await.unwrap();
    let _ = close_code(&mut first, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let reopened = connect(&app, "o-2", &ticket(&app, &other).await, None).await;
    assert!(reopened.is_ok(), "a freed place is reused");
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_with_a_policy_code() {
    let (app, _finn) = setup(&[("DIXIE_WS_SEND_TIMEOUT_MS", "300")]).await;
    let jwt = app.token_for(&Wallet::new(67)).await;
    let mut ws = connect(&app, "sess-slow", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    // Finn answers with 4000 frames of 16 KiB; the client reads none of them for a while.
    ws.send(prompt("flood")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut code = None;
    let mut read = 0usize;
    while let Ok(Some(message)) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        match message {
            Ok(Message::Close(frame)) => {
                code = frame.map(|f| u16::from(f.code));
                break;
            }
            Ok(_) => read += 1,
            Err(_) => break,
        }
    }
    assert!(
        read < 4000,
        "the stream was cut before the flood ended ({read} frames)"
    );
    assert!(
        code.is_none() || code == Some(u16::from(CloseCode::Policy)),
        "closed with 1008 (or cut without a close frame when none fits): {code:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn finn_going_away_mid_stream_is_an_error_frame_and_a_close_code() {
    let (app, finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(68)).await;
    finn.set_ws(WsBehaviour {
        drop_mid_turn: true,
        ..WsBehaviour::default()
    });
    let mut ws = connect(&app, "sess-drop", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    ws.send(prompt("hello")).await.unwrap();
    let frames = frames_until(&mut ws, "error").await;
    assert_eq!(types(&frames), ["model_selection", "chunk", "error"]);
    assert_eq!(frames[2]["data"]["recoverable"], false);
    assert_eq!(
        close_code(&mut ws, Duration::from_secs(5)).await,
        Some(u16::from(CloseCode::Again)),
        "1013: try again later"
    );

    finn.set_ws(WsBehaviour {
        close_with: Some(4004),
        ..WsBehaviour::default()
    });
    let mut ws = connect(&app, "sess-gone", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    let error = next_frame(&mut ws).await;
    assert_eq!(error["type"], "error");
    assert_eq!(
        close_code(&mut ws, Duration::from_secs(5)).await,
        Some(4004)
    );
    app.stop().await;
}

#[tokio::test]
async fn idle_streams_close_and_shutdown_closes_every_stream_with_1001() {
    let (app, finn) = setup(&[("DIXIE_WS_IDLE_SECS", "2")]).await;
    let jwt = app.token_for(&Wallet::new(69)).await;
    let mut idle = connect(&app, "sess-idle", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    assert_eq!(
        close_code(&mut idle, Duration::from_secs(6)).await,
        Some(u16::from(CloseCode::Normal))
    );

    let mut busy = connect(&app, "sess-busy", &ticket(&app, &jwt).await, None)
        .await
        .unwrap();
    busy.send(prompt("hi")).await.unwrap();
    frames_until(&mut busy, "done").await;
    let reader = tokio::spawn(async move { close_code(&mut busy, Duration::from_secs(5)).await });
    app.stop().await;
    assert_eq!(reader.await.unwrap(), Some(u16::from(CloseCode::Away)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(finn.ws_open(), 0, "Finn's side is closed too");
}

#[tokio::test]
async fn finns_token_goes_in_the_stream_query() {
    let finn = finn::spawn().await;
    finn.require_token("finn-secret-token");
    let url = finn.url();
    let with = spawn_app(&[
        ("FINN_URL", url.as_str()),
        ("FINN_AUTH_TOKEN", "finn-secret-token"),
    ])
    .await;
    let jwt = with.token_for(&Wallet::new(70)).await;
    let mut ws = connect(&with, "sess-token", &ticket(&with, &jwt).await, None)
        .await
        .unwrap();
    ws.send(prompt("hi")).await.unwrap();
    frames_until(&mut ws, "done").await;
    with.stop().await;

    let without = spawn_app(&[("FINN_URL", url.as_str())]).await;
    let jwt = without.token_for(&Wallet::new(70)).await;
    let t = ticket(&without, &jwt).await;
    let (status, body) = refusal(connect(&without, "sess-token", &t, None).await);
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("upstream_unavailable"))
    );
    without.stop().await;
}

#[tokio::test]
async fn shutdown_delivers_a_parked_prompt_before_the_process_ends() {
    let (app, finn) = setup(&[("DIXIE_SHUTDOWN_GRACE_SECS", "5")]).await;
    let jwt = app.token_for(&Wallet::new(71)).await;
    let answer = chat(&app, &jwt, json!({"prompt": "before the end"})).await;
    assert_eq!(answer["stream"], true);
    assert_eq!(finn.calls("sessions.message"), 0);
    app.stop().await;
    let sent: Value =
        serde_json::from_slice(&finn.received("sessions.message").expect("delivered").body)
            .unwrap();
    assert_eq!(
        sent,
        json!({"text": "before the end"}),
        "a stop never drops a prompt"
    );
}
