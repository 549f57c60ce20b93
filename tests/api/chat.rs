//! The chat proxy through a real Finn stand-in: identity (D3), request ids (D4), Finn error
//! mapping (§6.2), timeouts and the circuit breaker (§6.1, D11).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::finn::{self, FinnStandin, Mode};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app, temp_file};

async fn chat(app: &TestApp, bearer: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url("/api/chat"))
        .header("x-request-id", "req-chat-1")
        .header(
            "x-wallet-address",
            "0x000000000000000000000000000000000000dEaD",
        )
        .json(&body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    req.send().await.unwrap()
}

async fn setup(vars: &[(&str, &str)]) -> (TestApp, FinnStandin) {
    let finn = finn::spawn().await;
    let url = finn.url();
    let mut all = vec![("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "500")];
    all.extend_from_slice(vars);
    (spawn_app(&all).await, finn)
}

fn header(received: &finn::Received, name: &str) -> Option<String> {
    received
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_new_session_carries_the_verified_wallet_and_the_request_id() {
    let (app, finn) = setup(&[("DIXIE_CHAT_HANDOFF_SECS", "1")]).await;
    let wallet = Wallet::new(31);
    let jwt = app.token_for(&wallet).await;
    let resp = chat(&app, Some(&jwt), json!({"prompt": "hello"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-request-id"], "req-chat-1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"sessionId": "sess-1", "messageId": "req-chat-1", "stream": true}),
        "a wallet's new session streams by default"
    );

    let got = finn.received("sessions.create").unwrap();
    assert_eq!(header(&got, "x-request-id").as_deref(), Some("req-chat-1"));
    assert_eq!(
        header(&got, "x-wallet-address").as_deref(),
        Some(wallet.address.as_str()),
        "the JWT's wallet, not the spoofed header"
    );
    let sent: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(
        sent,
        json!({}),
        "no prompt (Finn ignores it) and no dNFT to name"
    );
    assert!(header(&got, "x-req-hash").unwrap().starts_with("sha256:"));
    assert_eq!(header(&got, "x-idempotency-key").unwrap().len(), 64);

    // No stream opened within the handoff window: the prompt goes as a message.
    assert_eq!(
        finn.calls("sessions.message"),
        0,
        "parked for the stream first"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while finn.calls("sessions.message") == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivered = finn
        .received("sessions.message")
        .expect("the prompt is never dropped");
    let sent: Value = serde_json::from_slice(&delivered.body).unwrap();
    assert_eq!(sent, json!({"text": "hello"}));
    assert_eq!(
        header(&delivered, "x-request-id").as_deref(),
        Some("req-chat-1")
    );
    assert_eq!(
        header(&delivered, "x-wallet-address").as_deref(),
        Some(wallet.address.as_str())
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(finn.calls("sessions.message"), 1, "delivered once");
    app.stop().await;
}

#[tokio::test]
async fn a_holders_whole_turn_names_the_dnft_and_answers_the_reply() {
    let (app, finn) = setup(&[]).await;
    let wallet = Wallet::new(35);
    finn.add_owner(&wallet.address, "mibera:42", &[]);
    let jwt = app.token_for(&wallet).await;
    let resp = chat(
        &app,
        Some(&jwt),
        json!({"prompt": "hello", "stream": false}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"sessionId": "sess-1", "messageId": "req-chat-1", "stream": false,
               "response": "echo: hello", "toolCalls": []})
    );
    let created: Value =
        serde_json::from_slice(&finn.received("sessions.create").unwrap().body).unwrap();
    assert_eq!(
        created,
        json!({"token_id": "mibera:42"}),
        "the caller's dNFT personality"
    );
    let sent: Value =
        serde_json::from_slice(&finn.received("sessions.message").unwrap().body).unwrap();
    assert_eq!(
        sent,
        json!({"text": "hello"}),
        "the first prompt is delivered"
    );
    let tooled = chat(
        &app,
        Some(&jwt),
        json!({"prompt": "search rust", "stream": false, "sessionId": "sess-1"}),
    )
    .await;
    let tooled: Value = tooled.json().await.unwrap();
    assert_eq!(
        tooled["toolCalls"],
        json!([{"name": "search", "args": {"query": "rust"}, "result": "1 hit"}])
    );
    app.stop().await;
}

#[tokio::test]
async fn a_message_to_a_session_returns_finns_body() {
    let (app, finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(32)).await;
    let resp = chat(
        &app,
        Some(&jwt),
        json!({"prompt": "again", "sessionId": "sess-9"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["sessionId"], "sess-9");
    assert_eq!(body["response"], "echo: again");
    assert_eq!(finn.calls("sessions.message"), 1);
    let sent: Value =
        serde_json::from_slice(&finn.received("sessions.message").unwrap().body).unwrap();
    assert_eq!(sent, json!({"text": "again"}), "Finn reads `text` (§14)");

    let list: Value = app
        .get_bearer("/api/sessions", &jwt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list,
        json!({"sessions": [
            {"id": "sess-2", "created": 1_764_000_060_000_i64, "lastActivity": 1_764_000_120_000_i64},
            {"id": "sess-1", "created": 1_764_000_000_000_i64, "lastActivity": 1_764_000_090_000_i64},
        ]}),
        "Finn's list, in Dixie's typed shape"
    );
    let one = app.get_bearer("/api/sessions/sess-9", &jwt).await;
    assert_eq!(one.status(), 200);
    let one: Value = one.json().await.unwrap();
    assert_eq!(
        (&one["id"], &one["isStreaming"], &one["messageCount"]),
        (&json!("sess-9"), &json!(false), &json!(2))
    );
    assert_eq!(one["state"]["model"], "standin-model");
    let missing = app.get_bearer("/api/sessions/unknown", &jwt).await;
    assert_eq!(missing.status(), 404, "Finn's 404 passes through");
    assert!(
        header(&finn.received("sessions.get").unwrap(), "x-wallet-address").is_none(),
        "the wallet is not forwarded on a session read"
    );
    let bad = app.get_bearer("/api/sessions/bad%20id", &jwt).await;
    assert_eq!(bad.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn the_gate_wants_an_allowlisted_credential() {
    let listed = Wallet::new(33);
    let unlisted = Wallet::new(34);
    let path = temp_file(
        "allowlist-chat.json",
        &json!({"version": 1, "wallets": [listed.address], "apiKeys": ["dxk_chat_service"],
                "updated_at": "2026-11-22T00:00:00Z"})
        .to_string(),
    );
    const SECRET: &str = "chat-test-hs256-secret-of-32-bytes!!";
    let (app, finn) = setup(&[
        ("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap()),
        ("DIXIE_JWT_PRIVATE_KEY", SECRET),
    ])
    .await;
    let body = json!({"prompt": "hi"});

    let resp = chat(&app, None, body.clone()).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": "unauthorized", "message": "Authentication required"})
    );
    let resp = chat(&app, Some("not-a-jwt"), body.clone()).await;
    assert_eq!(resp.status(), 401, "an invalid token is no identity");
    let resp = chat(&app, Some("dxk_unknown"), body.clone()).await;
    assert_eq!(resp.status(), 403);
    // A valid token of a wallet that is not (or no longer) allowlisted.
    let other = crate::auth::hs256_raw(
        SECRET.as_bytes(),
        &json!({"alg": "HS256"}),
        &crate::auth::claims_for(&unlisted.address),
    );
    let resp = chat(&app, Some(&other), body.clone()).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(finn.calls("sessions.create"), 0, "nothing reached Finn");

    let resp = chat(&app, Some("dxk_chat_service"), body.clone()).await;
    assert_eq!(resp.status(), 200);
    let got = finn.received("sessions.create").unwrap();
    assert!(
        header(&got, "x-wallet-address").is_none(),
        "an API key has no wallet, and the client's header is dropped"
    );
    let jwt = app.token_for(&listed).await;
    assert_eq!(chat(&app, Some(&jwt), body).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn finn_error_codes_map_to_the_contract() {
    let (app, finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(35)).await;
    let cases = [
        (Mode::Code(402, "BUDGET_EXCEEDED"), 402, "usage_limit", None),
        (
            Mode::Code(429, "RATE_LIMITED"),
            429,
            "rate_limited",
            Some(60),
        ),
        (
            Mode::Code(503, "ORACLE_MODEL_UNAVAILABLE"),
            503,
            "service_unavailable",
            None,
        ),
        (
            Mode::Code(502, "PROVIDER_UNAVAILABLE"),
            502,
            "service_unavailable",
            None,
        ),
        (Mode::Code(409, "SOMETHING"), 409, "upstream_error", None),
    ];
    for (mode, status, error, retry_after) in cases {
        finn.set_mode("sessions.create", mode.clone());
        let resp = chat(&app, Some(&jwt), json!({"prompt": "x"})).await;
        assert_eq!(resp.status().as_u16(), status, "{mode:?}");
        if let Some(secs) = retry_after {
            assert_eq!(resp.headers()["retry-after"], secs.to_string().as_str());
        }
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], error, "{mode:?}");
        assert_eq!(body.get("retry_after").and_then(Value::as_u64), retry_after);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_slow_finn_is_a_503_within_the_timeout_and_five_failures_open_the_breaker() {
    let (app, finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(36)).await;
    finn.set_mode("sessions.create", Mode::DelayMs(3000));
    let started = Instant::now();
    let resp = chat(&app, Some(&jwt), json!({"prompt": "x"})).await;
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "upstream_error", "message": "Backend service unavailable"})
    );

    // Finn fails as a whole. The wallet's "holds no dNFT" answer is reused (1 min), so each
    // chat costs one failure (the session): after the timeout above, four more reach five.
    finn.set_mode("sessions.create", Mode::Status(500));
    finn.set_mode("nfts", Mode::Status(500));
    for _ in 0..4 {
        assert_eq!(
            chat(&app, Some(&jwt), json!({"prompt": "x"}))
                .await
                .status(),
            500
        );
    }
    let calls = finn.calls("sessions.create");
    let resp = chat(&app, Some(&jwt), json!({"prompt": "x"})).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "circuit_open");
    assert_eq!(finn.calls("sessions.create"), calls, "no call while open");
    let health: Value = app.get("/api/health").await.json().await.unwrap();
    assert_eq!(health["services"]["loa_finn"]["circuit_state"], "open");
    app.stop().await;
}

#[tokio::test]
async fn the_x402_scaffold_annotates_responses_only_when_enabled() {
    for (enabled, expect) in [("false", false), ("true", true)] {
        let (app, _finn) = setup(&[("DIXIE_X402_ENABLED", enabled)]).await;
        let wallet = Wallet::new(37);
        let jwt = app.token_for(&wallet).await;
        let resp = chat(&app, Some(&jwt), json!({"prompt": "x"})).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().contains_key("x-payment-status"), expect);
        if expect {
            assert_eq!(resp.headers()["x-payment-status"], "scaffold");
            assert_eq!(resp.headers()["x-payment-wallet"], wallet.address.as_str());
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_dnft_holder_chats_with_memory_context_and_tier_headers() {
    let (app, finn) = setup(&[]).await;
    let holder = Wallet::new(38);
    finn.add_owner(&holder.address, "nft-38", &[]);
    finn.set_projection("nft-38", json!({"type": "none"}), "likes café ☕");
    finn.set_stake(&holder.address, 1500.0);
    let jwt = app.token_for(&holder).await;

    let resp = chat(&app, Some(&jwt), json!({"prompt": "hi"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-conviction-tier"], "architect");
    assert_eq!(resp.headers()["x-model-pool"], "pool_premium");
    let got = finn.received("sessions.create").unwrap();
    let context: Value = serde_json::from_str(&header(&got, "x-memory-context").unwrap()).unwrap();
    assert_eq!(
        context,
        json!({
            "nftId": "nft-38",
            "ownerWallet": holder.address,
            "memorySummary": "likes café ☕",
            "recentTopics": ["rust", "cron"],
            "unresolvedQuestions": ["what next?"],
            "personalityHints": {"formality": 0.25, "technicality": 0.75, "verbosity": 0.5,
                                 "updatedAt": "2026-11-19T00:00:00.000Z"},
            "tokenBudget": 500
        })
    );
    let staking_calls = finn.calls("staking");
    assert_eq!(staking_calls, 1);

    // Without a dNFT there is no context; the tier is cached, Finn is not asked again.
    let other = Wallet::new(39);
    let jwt_other = app.token_for(&other).await;
    let resp = chat(&app, Some(&jwt_other), json!({"prompt": "hi"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-conviction-tier"], "observer");
    assert_eq!(resp.headers()["x-model-pool"], "pool_observer");
    let got = finn.received("sessions.create").unwrap();
    assert!(got.headers.get("x-memory-context").is_none());
    chat(&app, Some(&jwt), json!({"prompt": "again"})).await;
    assert_eq!(
        finn.calls("staking"),
        staking_calls + 1,
        "one lookup per wallet"
    );

    // A failing projection never fails the chat (a holder whose memory is not reused yet).
    let third = Wallet::new(40);
    finn.add_owner(&third.address, "nft-c10", &[]);
    let jwt_third = app.token_for(&third).await;
    finn.set_mode("memory.projection", Mode::Status(500));
    let resp = chat(&app, Some(&jwt_third), json!({"prompt": "still"})).await;
    assert_eq!(resp.status(), 200);
    assert!(
        finn.received("sessions.create")
            .unwrap()
            .headers
            .get("x-memory-context")
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_staking_lookup_falls_back_by_allowlist() {
    let listed = Wallet::new(46);
    let keys = temp_file(
        "allowlist-conviction.json",
        &json!({"version": 1, "wallets": [listed.address], "apiKeys": ["dxk_conviction"],
                "updated_at": "2026-11-22T00:00:00Z"})
        .to_string(),
    );
    let (app, finn) = setup(&[("DIXIE_ALLOWLIST_PATH", keys.to_str().unwrap())]).await;
    finn.set_mode("staking", Mode::Status(503));
    let jwt = app.token_for(&listed).await;
    let resp = chat(&app, Some(&jwt), json!({"prompt": "x"})).await;
    assert_eq!(resp.headers()["x-conviction-tier"], "architect");
    let resp = chat(&app, Some("dxk_conviction"), json!({"prompt": "x"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-conviction-tier"], "observer");
    app.stop().await;
}

#[tokio::test]
async fn finn_auth_token_is_sent_on_every_call_and_a_refusal_is_not_the_clients_401() {
    let finn = finn::spawn().await;
    finn.require_token("finn-secret-token");
    let wallet = Wallet::new(39);
    finn.add_owner(&wallet.address, "nft-c9", &[]);
    let url = finn.url();
    let base = [("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "500")];

    let with = [base.as_slice(), &[("FINN_AUTH_TOKEN", "finn-secret-token")]].concat();
    let app = spawn_app(&with).await;
    let jwt = app.token_for(&wallet).await;
    let resp = chat(
        &app,
        Some(&jwt),
        json!({"prompt": "hi", "sessionId": "sess-1"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    for endpoint in ["sessions.message", "nfts", "staking"] {
        let got = finn.received(endpoint).expect("Finn was called");
        assert_eq!(
            header(&got, "authorization").as_deref(),
            Some("Bearer finn-secret-token"),
            "{endpoint}"
        );
    }
    app.stop().await;

    let app = spawn_app(&base).await;
    let jwt = app.token_for(&wallet).await;
    let resp = chat(
        &app,
        Some(&jwt),
        json!({"prompt": "hi", "sessionId": "sess-1"}),
    )
    .await;
    assert_eq!(resp.status(), 503, "Finn refusing Dixie is Dixie's fault");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "upstream_error");
    app.stop().await;
}

#[tokio::test]
async fn a_repeat_chat_reuses_the_wallets_dnft_lookup() {
    let (app, finn) = setup(&[]).await;
    let wallet = Wallet::new(38);
    finn.add_owner(&wallet.address, "nft-c8", &[]);
    finn.set_projection("nft-c8", json!({"type": "none"}), "notes");
    let jwt = app.token_for(&wallet).await;
    for _ in 0..3 {
        let resp = chat(
            &app,
            Some(&jwt),
            json!({"prompt": "x", "sessionId": "sess-1"}),
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(finn.calls("nfts"), 1, "one dNFT lookup per wallet per TTL");
    assert_eq!(
        finn.calls("memory.projection"),
        1,
        "the memory is reused too"
    );
    assert_eq!(finn.calls("sessions.message"), 3);
    let total = || {
        [
            "nfts",
            "nft",
            "ownership",
            "memory.projection",
            "staking",
            "sessions.message",
        ]
        .iter()
        .map(|e| finn.calls(e))
        .sum::<u64>()
    };
    let before = total();
    let resp = chat(
        &app,
        Some(&jwt),
        json!({"prompt": "x", "sessionId": "sess-1"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        total() - before,
        1,
        "a repeat chat costs one Finn call: the message"
    );
    app.stop().await;
}
