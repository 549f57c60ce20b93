//! Identity: multi-NFT holdings (§16) and canonical `collection:tokenId` ids (§14) — every dNFT
//! a wallet holds authorizes it, on every route that takes a dNFT id — and the oracle (§1.5.7).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::finn;
use crate::support::siwe::Wallet;
use crate::support::spawn_app;

#[tokio::test]
async fn every_dnft_a_wallet_holds_authorizes_it_by_its_canonical_id() {
    let finn = finn::spawn().await;
    let (holder, delegate, stranger) = (Wallet::new(90), Wallet::new(91), Wallet::new(92));
    finn.add_owner(&holder.address, "mibera:1", &[]);
    finn.add_owner(&holder.address, "mibera:2", &[&delegate.address]);
    finn.add_delegate(&delegate.address, &holder.address);
    finn.set_projection("mibera:2", json!({"type": "none"}), "second dNFT");
    finn.set_stake(&holder.address, 150.0);
    let app = spawn_app(&[("FINN_URL", finn.url().as_str())]).await;
    let (h, d, s) = (
        app.token_for(&holder).await,
        app.token_for(&delegate).await,
        app.token_for(&stranger).await,
    );

    // The second dNFT, by its canonical id, on memory, learning and schedules.
    let (status, memory) = app
        .call(Method::GET, "/api/memory/mibera:2", &h, None)
        .await;
    assert_eq!(
        (status, memory["nftId"].as_str()),
        (200, Some("mibera:2")),
        "{memory}"
    );
    let (status, _) = app
        .call(Method::GET, "/api/learning/mibera:2/gaps", &h, None)
        .await;
    assert_eq!(status, 200);
    let body = json!({"nftId": "mibera:2", "nlExpression": "Daily at 7 PM", "prompt": "report"});
    let (status, created) = app
        .call(Method::POST, "/api/schedule", &h, Some(body.clone()))
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, list) = app
        .call(Method::GET, "/api/schedule/mibera:2", &h, None)
        .await;
    assert_eq!((status, list["count"].as_u64()), (200, Some(1)));
    assert!(
        finn.received("memory.projection").is_some(),
        "Finn was asked for mibera:2's projection"
    );

    // A delegate reads the memory but owns nothing; a stranger gets nothing.
    let (status, _) = app
        .call(Method::GET, "/api/memory/mibera:2", &d, None)
        .await;
    assert_eq!(status, 200, "delegate reads");
    let (status, _) = app
        .call(Method::GET, "/api/learning/mibera:2/gaps", &d, None)
        .await;
    assert_eq!(status, 403, "learning is the owner's");
    let (status, _) = app
        .call(Method::POST, "/api/schedule", &d, Some(body.clone()))
        .await;
    assert_eq!(status, 403, "schedules are the owner's");
    for path in [
        "/api/memory/mibera:2",
        "/api/learning/mibera:1/gaps",
        "/api/schedule/mibera:1",
    ] {
        let (status, _) = app.call(Method::GET, path, &s, None).await;
        assert_eq!(status, 403, "{path}");
    }
    // Malformed ids are 400 before anything is asked.
    for path in [
        "/api/memory/mibera:2:3",
        "/api/memory/:2",
        "/api/learning/mibera%20x/gaps",
    ] {
        let (status, body) = app.call(Method::GET, path, &h, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request")),
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn against_finn_858dbf41_a_holder_still_chats_with_its_dnft() {
    let finn = finn::spawn().await;
    let wallet = Wallet::new(93);
    finn.add_owner(&wallet.address, "mibera:42", &[]);
    finn.speak_like_finn_858dbf41();
    let app = spawn_app(&[("FINN_URL", finn.url().as_str())]).await;
    let jwt = app.token_for(&wallet).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/chat",
            &jwt,
            Some(json!({"prompt": "hi", "stream": false})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let created: Value =
        serde_json::from_slice(&finn.received("sessions.create").unwrap().body).unwrap();
    assert_eq!(created, json!({"token_id": "mibera:42"}));
    let (status, _) = app
        .call(Method::GET, "/api/learning/mibera:42/gaps", &jwt, None)
        .await;
    assert_eq!(status, 200, "the built canonical id authorizes");
    app.stop().await;
}

#[tokio::test]
async fn the_oracle_is_finns_answer_reused_five_minutes_or_the_fallback_never_reused() {
    let finn = finn::spawn().await;
    let url = finn.url();
    let app = spawn_app(&[("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "300")]).await;
    let jwt = app.token_for(&Wallet::new(94)).await;
    let (status, _) = app
        .call(Method::GET, "/api/identity/oracle", "", None)
        .await;
    assert_eq!(status, 401, "the guard applies");

    let fallback = json!({"nftId": "oracle", "name": "The Oracle", "damp96_summary": null,
                          "beauvoir_hash": null});
    for mode in [
        finn::Mode::Status(404),
        finn::Mode::Status(502),
        finn::Mode::DelayMs(2_000),
    ] {
        finn.set_mode("oracle", mode.clone());
        let (status, body) = app
            .call(Method::GET, "/api/identity/oracle", &jwt, None)
            .await;
        assert_eq!(
            (status, body),
            (200, fallback.clone()),
            "{mode:?}: never an error"
        );
    }
    let calls = finn.calls("oracle");

    finn.set_mode("oracle", finn::Mode::Normal);
    let answer = json!({"nftId": "mibera:1", "name": "The Honey Oracle",
                        "damp96_summary": {"traits": 96}, "beauvoir_hash": "sha256:beauvoir"});
    for _ in 0..3 {
        let (status, body) = app
            .call(Method::GET, "/api/identity/oracle", &jwt, None)
            .await;
        assert_eq!((status, body), (200, answer.clone()));
    }
    assert_eq!(
        finn.calls("oracle"),
        calls + 1,
        "the fallback was not kept; the answer is"
    );
    let seen = finn.received("oracle").unwrap();
    assert!(seen.headers.contains_key("x-request-id"));
    app.stop().await;
}
