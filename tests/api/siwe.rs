//! SIWE login against the running app: happy paths, replay protection, every refusal.

use serde_json::{Value, json};
use time::Duration;

use crate::support::siwe::{Wallet, client_nonce};
use crate::support::{TestApp, spawn_app, temp_file};

async fn error(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    resp.json().await.unwrap()
}

async fn issue_nonce(app: &TestApp) -> String {
    let resp = app.post_json("/api/auth/nonce", &json!({})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["expiresIn"], 300);
    let nonce = body["nonce"].as_str().unwrap().to_owned();
    assert!(nonce.len() >= 8 && nonce.chars().all(|c| c.is_ascii_alphanumeric()));
    nonce
}

#[tokio::test]
async fn a_signed_message_logs_in_once_and_is_refused_the_second_time() {
    let app = spawn_app(&[]).await;
    let wallet = Wallet::new(1);
    let text = wallet.message(&client_nonce()).text();
    let sig = wallet.sign(&text);

    let resp = app.login(&text, &sig).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["wallet"], wallet.address.as_str());
    assert_eq!(body["expiresIn"], "1h");
    let token = body["token"].as_str().unwrap();

    let verified: Value = app
        .get_bearer("/api/auth/verify", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["wallet"], wallet.address.as_str());
    assert_eq!(verified["role"], "team");
    let exp = verified["exp"].as_u64().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    assert!(
        (now + 3590..=now + 3600).contains(&exp),
        "exp is an hour ahead"
    );

    let again = error(app.login(&text, &sig).await, 401).await;
    assert_eq!(again["error"], "invalid_signature");
    assert!(again["message"].as_str().unwrap().contains("nonce"));
    app.stop().await;
}

#[tokio::test]
async fn a_server_nonce_logs_in_once() {
    let app = spawn_app(&[]).await;
    let wallet = Wallet::new(2);
    let text = wallet.message(&issue_nonce(&app).await).text();
    let sig = wallet.sign(&text);
    assert_eq!(app.login(&text, &sig).await.status(), 200);
    assert_eq!(app.login(&text, &sig).await.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn required_server_nonces_refuse_client_chosen_ones() {
    let app = spawn_app(&[("DIXIE_SIWE_REQUIRE_SERVER_NONCE", "true")]).await;
    let wallet = Wallet::new(3);
    let text = wallet.message(&client_nonce()).text();
    let body = error(app.login(&text, &wallet.sign(&text)).await, 401).await;
    assert_eq!(body["error"], "invalid_signature");

    let text = wallet.message(&issue_nonce(&app).await).text();
    assert_eq!(app.login(&text, &wallet.sign(&text)).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_logins_with_one_message_succeed_once() {
    let app = std::sync::Arc::new(spawn_app(&[]).await);
    let wallet = Wallet::new(4);
    let text = wallet.message(&client_nonce()).text();
    let sig = wallet.sign(&text);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (app, text, sig) = (app.clone(), text.clone(), sig.clone());
            tokio::spawn(async move { app.login(&text, &sig).await.status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1);
    assert!(statuses.iter().all(|s| *s == 200 || *s == 401));
}

#[tokio::test]
async fn every_refusal_is_a_401_that_names_the_reason() {
    let app = spawn_app(&[]).await;
    let wallet = Wallet::new(5);
    let other = Wallet::new(6);
    let base = || wallet.message(&client_nonce());
    let mut foreign = base();
    foreign.domain = "evil.test".into();
    let mut chain = base();
    chain.chain_id = 5;
    let mut expired = base().issued(Duration::minutes(-5));
    expired.expiration = Some(expired.issued_at + Duration::minutes(2));
    let future = base().issued(Duration::minutes(5));
    let stale = base().issued(Duration::minutes(-11));

    let signed = |m: &crate::support::siwe::Message| {
        let t = m.text();
        let s = wallet.sign(&t);
        (t, s)
    };
    let mut cases = vec![
        ("domain", signed(&foreign), "domain"),
        ("chain", signed(&chain), "chain"),
        ("expired", signed(&expired), "expired"),
        ("future", signed(&future), "future"),
        ("too old", signed(&stale), "too old"),
    ];
    let text = base().text();
    cases.push((
        "another signer",
        (text.clone(), other.sign(&text)),
        "does not match",
    ));
    let (t, s) = signed(&base());
    cases.push((
        "tampered after signing",
        (t.replace("Sign in to Dixie.", "Sign in to Dixie!"), s),
        "does not match",
    ));
    let (t, _) = signed(&base());
    cases.push(("garbage signature", (t, "0x1234".into()), "malformed"));
    cases.push((
        "not ERC-4361",
        ("hello".into(), wallet.sign("hello")),
        "ERC-4361",
    ));
    let (t, s) = signed(&base());
    cases.push((
        "lowercase address",
        (
            t.replace(&wallet.address, &wallet.address.to_lowercase()),
            s,
        ),
        "EIP-55",
    ));

    for (name, (text, sig), reason) in cases {
        let body = error(app.login(&text, &sig).await, 401).await;
        assert_eq!(body["error"], "invalid_signature", "{name}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("SIWE verification failed"), "{name}");
        assert!(message.contains(reason), "{name}: {message}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_bad_body_is_a_400() {
    let app = spawn_app(&[]).await;
    for body in [
        json!({"message": "x"}),
        json!({"message": "", "signature": "0x00"}),
        json!({"message": null, "signature": "0x00"}),
        json!(["x", "0x00"]),
        json!({"message": "x", "signature": "0x00", "extra": 1}),
    ] {
        let resp = error(app.post_json("/api/auth/siwe", &body).await, 400).await;
        assert_eq!(resp["error"], "invalid_request", "{body}");
    }
    let raw = app
        .http
        .post(app.url("/api/auth/siwe"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error(raw, 400).await["error"], "invalid_request");
    app.stop().await;
}

#[tokio::test]
async fn an_allowlist_admits_its_wallets_and_forbids_the_rest() {
    let listed = Wallet::new(7);
    let unlisted = Wallet::new(8);
    let path = temp_file(
        "allowlist-siwe.json",
        &json!({
            "version": 1,
            "wallets": [listed.address.to_lowercase()],
            "apiKeys": [],
            "updated_at": "2026-11-22T00:00:00Z"
        })
        .to_string(),
    );
    let app = spawn_app(&[("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap())]).await;
    let text = listed.message(&client_nonce()).text();
    assert_eq!(app.login(&text, &listed.sign(&text)).await.status(), 200);

    let text = unlisted.message(&client_nonce()).text();
    let body = error(app.login(&text, &unlisted.sign(&text)).await, 403).await;
    assert_eq!(
        body,
        json!({"error": "forbidden", "message": "Wallet not authorized"})
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unreadable_allowlist_admits_nobody() {
    let path = temp_file("allowlist-broken.json", "{ not json");
    let app = spawn_app(&[("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap())]).await;
    let wallet = Wallet::new(9);
    let text = wallet.message(&client_nonce()).text();
    error(app.login(&text, &wallet.sign(&text)).await, 403).await;
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_nonce_store_is_a_503_at_login_within_the_timeout() {
    let app = spawn_app(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
        ("DIXIE_DB_CONNECT_TIMEOUT_MS", "300"),
    ])
    .await;
    let started = std::time::Instant::now();
    // Issuing stores nothing, so it answers while the store is down.
    let nonce = issue_nonce(&app).await;
    let wallet = Wallet::new(10);
    for nonce in [nonce, client_nonce()] {
        let text = wallet.message(&nonce).text();
        let body = error(app.login(&text, &wallet.sign(&text)).await, 503).await;
        assert_eq!(body["error"], "service_unavailable");
        assert!(!body["message"].as_str().unwrap().contains("127.0.0.1"));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    app.stop().await;
}
