//! `GET /api/personality/{nftId}` and `/evolution` (§1.5.8) against the Finn stand-in.

use reqwest::Method;
use serde_json::json;

use crate::support::finn::{self, FinnStandin, Mode};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app, temp_file};

async fn setup(vars: &[(&str, &str)]) -> (TestApp, FinnStandin) {
    let finn = finn::spawn().await;
    let url = finn.url();
    let mut all = vec![("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "500")];
    all.extend_from_slice(vars);
    (spawn_app(&all).await, finn)
}

#[tokio::test]
async fn a_personality_is_finns_answer_reused_for_the_ttl() {
    let (app, finn) = setup(&[]).await;
    finn.set_personality("mibera:42", "Bera");
    let jwt = app.token_for(&Wallet::new(70)).await;
    let (status, body) = app
        .call(Method::GET, "/api/personality/mibera:42", &jwt, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"nftId": "mibera:42", "name": "Bera", "traits": ["curious", "warm"],
               "antiNarration": ["never narrates its own actions"],
               "damp96Summary": {"formality": 0.2, "warmth": 0.7},
               "version": "3", "lastEvolved": "2026-11-30T12:00:00Z"})
    );
    let got = finn.received("beauvoir").unwrap();
    assert!(got.headers.contains_key("traceparent"));
    assert!(
        !got.headers.contains_key("x-wallet-address"),
        "a lookup names no wallet"
    );
    for _ in 0..3 {
        let (status, again) = app
            .call(Method::GET, "/api/personality/mibera:42", &jwt, None)
            .await;
        assert_eq!((status, &again), (200, &body));
    }
    assert_eq!(finn.calls("beauvoir"), 1, "reused");
    app.stop().await;
}

#[tokio::test]
async fn a_zero_ttl_asks_finn_every_time() {
    let (app, finn) = setup(&[("DIXIE_PERSONALITY_TTL", "0")]).await;
    finn.set_personality("mibera:1", "Bera");
    let jwt = app.token_for(&Wallet::new(71)).await;
    for _ in 0..3 {
        let (status, _) = app
            .call(Method::GET, "/api/personality/mibera:1", &jwt, None)
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(finn.calls("beauvoir"), 3);
    app.stop().await;
}

#[tokio::test]
async fn unknown_is_404_never_kept_and_an_outage_is_503() {
    let (app, finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(72)).await;
    let (status, body) = app
        .call(Method::GET, "/api/personality/mibera:9", &jwt, None)
        .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "not_found", "message": "Personality not found for this NFT"})
        )
    );
    finn.set_personality("mibera:9", "Late");
    let (status, body) = app
        .call(Method::GET, "/api/personality/mibera:9", &jwt, None)
        .await;
    assert_eq!(
        (status, body["name"].as_str()),
        (200, Some("Late")),
        "not kept"
    );

    finn.set_mode("beauvoir", Mode::Status(500));
    let (status, body) = app
        .call(Method::GET, "/api/personality/mibera:10", &jwt, None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("upstream_error"))
    );
    assert!(!body.to_string().contains("injected"), "no upstream detail");
    app.stop().await;
}

#[tokio::test]
async fn bad_ids_and_missing_credentials_are_refused() {
    let (app, _finn) = setup(&[]).await;
    let jwt = app.token_for(&Wallet::new(73)).await;
    let (status, body) = app
        .call(Method::GET, "/api/personality/bad%20id", &jwt, None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    for path in [
        "/api/personality/mibera:1",
        "/api/personality/mibera:1/evolution",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 401, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn evolution_needs_a_wallet_and_is_empty_when_finn_cannot_say() {
    let path = temp_file(
        "allowlist-personality.json",
        &json!({"version": 1, "wallets": [Wallet::new(74).address], "apiKeys": ["dxk_persona"],
                "updated_at": "2026-12-02T00:00:00Z"})
        .to_string(),
    );
    let (app, finn) = setup(&[("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap())]).await;
    finn.set_personality("mibera:5", "Bera");
    let jwt = app.token_for(&Wallet::new(74)).await;
    let (status, body) = app
        .call(
            Method::GET,
            "/api/personality/mibera:5/evolution",
            &jwt,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 2);
    assert_eq!(body["evolution"][1]["trigger"], "compound_learning");
    assert_eq!(body["evolution"][0]["version"], "2");

    let (status, body) = app
        .call(
            Method::GET,
            "/api/personality/mibera:6/evolution",
            &jwt,
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"nftId": "mibera:6", "evolution": [], "count": 0})
        )
    );
    finn.set_mode("evolution", Mode::Status(503));
    let (status, body) = app
        .call(
            Method::GET,
            "/api/personality/mibera:5/evolution",
            &jwt,
            None,
        )
        .await;
    assert_eq!((status, body["count"].as_u64()), (200, Some(0)));

    let (status, body) = app
        .call(
            Method::GET,
            "/api/personality/mibera:5/evolution",
            "dxk_persona",
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );
    let (status, _) = app
        .call(
            Method::GET,
            "/api/personality/mibera:5",
            "dxk_persona",
            None,
        )
        .await;
    assert_eq!(status, 200, "an API key reads personalities");
    app.stop().await;
}
