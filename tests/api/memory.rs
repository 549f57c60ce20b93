//! `/api/memory/*` through a real Finn stand-in: the §1.5.9 authorization procedure (owner,
//! delegate, access policy), sealing-policy validation, history paging, deletion, and Finn
//! failures.

use serde_json::{Value, json};

use crate::support::finn::{self, FinnStandin, Mode};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app, temp_file};

struct World {
    app: TestApp,
    finn: FinnStandin,
    owner: String,
    delegate: String,
    stranger: String,
}

async fn world() -> World {
    let finn = finn::spawn().await;
    let (owner, delegate, stranger) = (Wallet::new(61), Wallet::new(62), Wallet::new(63));
    finn.add_owner(&owner.address, "nft-m1", &[&delegate.address]);
    finn.add_delegate(&delegate.address, &owner.address);
    finn.set_projection("nft-m1", json!({"type": "none"}), "owner notes");
    finn.set_projection("nft-m2", json!({"type": "read_only"}), "public notes");
    let keys = temp_file(
        "allowlist-memory.json",
        &json!({"version": 1, "wallets": [owner.address, delegate.address, stranger.address],
                "apiKeys": ["dxk_memory"], "updated_at": "2026-11-22T00:00:00Z"})
        .to_string(),
    );
    let url = finn.url();
    let app = spawn_app(&[
        ("FINN_URL", url.as_str()),
        ("FINN_TIMEOUT_MS", "500"),
        ("DIXIE_ALLOWLIST_PATH", keys.to_str().unwrap()),
    ])
    .await;
    let owner = app.token_for(&owner).await;
    let delegate = app.token_for(&delegate).await;
    let stranger = app.token_for(&stranger).await;
    World {
        app,
        finn,
        owner,
        delegate,
        stranger,
    }
}

fn seal_body(policy: Value) -> Value {
    json!({"conversationId": "conv-9", "sealingPolicy": {
        "encryption_scheme": "aes-256-gcm", "key_derivation": "hkdf-sha256",
        "key_reference": "kms://dixie/1", "access_policy": policy}})
}

const GET: reqwest::Method = reqwest::Method::GET;
const POST: reqwest::Method = reqwest::Method::POST;
const DELETE: reqwest::Method = reqwest::Method::DELETE;

#[tokio::test]
async fn the_owner_reads_the_projection() {
    let w = world().await;
    let (status, body) = w.app.call(GET, "/api/memory/nft-m1", &w.owner, None).await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("memory_projection", body);
    w.app.stop().await;
}

/// (what, method, path, bearer, body, expected status, expected message or "").
type Case<'a> = (
    &'a str,
    reqwest::Method,
    String,
    &'a String,
    Option<Value>,
    u16,
    &'a str,
);

#[tokio::test]
async fn owners_delegates_and_policies_decide_access() {
    let w = world().await;
    let none = json!({"type": "none", "audit_required": true, "revocable": false});
    let cases: Vec<Case> = vec![
        (
            "delegate reads",
            GET,
            "/api/memory/nft-m1".into(),
            &w.delegate,
            None,
            200,
            "",
        ),
        (
            "delegate lists",
            GET,
            "/api/memory/nft-m1/history".into(),
            &w.delegate,
            None,
            200,
            "",
        ),
        (
            "delegate cannot seal",
            POST,
            "/api/memory/nft-m1/seal".into(),
            &w.delegate,
            Some(seal_body(none.clone())),
            403,
            "Access denied: delegated_wallets_cannot_modify",
        ),
        (
            "delegate cannot delete",
            DELETE,
            "/api/memory/nft-m1/conv-1".into(),
            &w.delegate,
            None,
            403,
            "Access denied: delegated_wallets_cannot_modify",
        ),
        (
            "stranger under policy none",
            GET,
            "/api/memory/nft-m1".into(),
            &w.stranger,
            None,
            403,
            "Access denied: access_policy_none",
        ),
        (
            "stranger reads read_only",
            GET,
            "/api/memory/nft-m2".into(),
            &w.stranger,
            None,
            200,
            "",
        ),
        (
            "stranger cannot delete read_only",
            DELETE,
            "/api/memory/nft-m2/conv-1".into(),
            &w.stranger,
            None,
            403,
            "Access denied: access_policy_read_only",
        ),
        (
            "no memory at all",
            GET,
            "/api/memory/nft-nothing".into(),
            &w.stranger,
            None,
            404,
            "Memory not found for this nftId",
        ),
    ];
    for (what, method, path, bearer, body, status, message) in cases {
        let (got, answer) = w.app.call(method, &path, bearer, body).await;
        assert_eq!(got, status, "{what}: {answer}");
        if !message.is_empty() {
            assert_eq!(answer["message"], message, "{what}");
            let code = if status == 403 {
                "forbidden"
            } else {
                "not_found"
            };
            assert_eq!(answer["error"], code, "{what}");
        }
    }
    let (status, answer) = w
        .app
        .call(GET, "/api/memory/nft-m1", "dxk_memory", None)
        .await;
    assert_eq!(
        (status, answer),
        (
            401,
            json!({"error": "unauthorized", "message": "Wallet required"})
        )
    );
    let (status, answer) = w
        .app
        .call(GET, "/api/memory/bad%20id", &w.owner, None)
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _) = w.app.call(GET, "/api/memory/nft-m1", "", None).await;
    assert_eq!(status, 401, "no credentials");
    w.app.stop().await;
}

#[tokio::test]
async fn the_owner_seals_with_a_consistent_policy_only() {
    let w = world().await;
    let policy = json!({"type": "time_limited", "duration_hours": 24,
                        "audit_required": true, "revocable": true});
    let (status, body) = w
        .app
        .call(
            POST,
            "/api/memory/nft-m1/seal",
            &w.owner,
            Some(seal_body(policy)),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body,
        json!({"sealed": true, "conversationId": "conv-9",
               "expiresAt": "2026-12-01T00:00:00.000Z", "eventId": "evt-1"})
    );
    let sent: Value =
        serde_json::from_slice(&w.finn.received("memory.seal").unwrap().body).unwrap();
    assert_eq!(sent["sealingPolicy"]["access_audit"], true, "defaulted");
    assert_eq!(
        sent["sealingPolicy"]["access_policy"]["duration_hours"],
        24.0
    );

    let mut broken = seal_body(json!({"type": "time_limited", "duration_hours": 1.5,
                                      "audit_required": true, "revocable": true}));
    broken["sealingPolicy"]
        .as_object_mut()
        .unwrap()
        .remove("key_reference");
    let (status, body) = w
        .app
        .call(POST, "/api/memory/nft-m1/seal", &w.owner, Some(broken))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_sealing_policy");
    assert_eq!(
        body["message"],
        "key_reference is required when encryption_scheme is not none; time_limited access_policy requires duration_hours, an integer in 1..8760"
    );
    let roles = seal_body(json!({"type": "role_based", "roles": [],
                                 "audit_required": true, "revocable": true}));
    let (status, body) = w
        .app
        .call(POST, "/api/memory/nft-m1/seal", &w.owner, Some(roles))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_sealing_policy"))
    );

    let mut schema = seal_body(json!({"type": "none", "audit_required": true, "revocable": true}));
    schema["sealingPolicy"]["encryption_scheme"] = json!("rot13");
    let (status, body) = w
        .app
        .call(POST, "/api/memory/nft-m1/seal", &w.owner, Some(schema))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(
        w.finn.calls("memory.seal"),
        1,
        "refused seals never reach Finn"
    );
    w.app.stop().await;
}

#[tokio::test]
async fn history_pages_and_deletion_reach_finn() {
    let w = world().await;
    let (status, body) = w
        .app
        .call(GET, "/api/memory/nft-m1/history", &w.owner, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["conversations"][0]["conversationId"], "conv-1");
    let query =
        |w: &World| String::from_utf8(w.finn.received("memory.history").unwrap().body).unwrap();
    assert_eq!(query(&w), "limit=20&includeSealed=false");
    let (status, _) = w
        .app
        .call(
            GET,
            "/api/memory/nft-m1/history?limit=5&cursor=c2&includeSealed=true",
            &w.owner,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(query(&w), "limit=5&includeSealed=true&cursor=c2");
    for bad in [
        "limit=0",
        "limit=101",
        "includeSealed=maybe",
        &format!("cursor={}", "c".repeat(257)),
    ] {
        let (status, body) = w
            .app
            .call(
                GET,
                &format!("/api/memory/nft-m1/history?{bad}"),
                &w.owner,
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }

    let (status, body) = w
        .app
        .call(DELETE, "/api/memory/nft-m1/conv-7", &w.owner, None)
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"deleted": true, "conversationId": "conv-7"}))
    );
    assert_eq!(w.finn.received("memory.delete").unwrap().body, b"conv-7");
    w.app.stop().await;
}

#[tokio::test]
async fn finn_failures_are_mapped_and_never_look_like_empty_memory() {
    let w = world().await;
    w.finn.set_mode("memory.projection", Mode::Status(500));
    let (status, body) = w.app.call(GET, "/api/memory/nft-m1", &w.owner, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (500, Some("upstream_error"))
    );
    let (status, body) = w
        .app
        .call(GET, "/api/memory/nft-m2", &w.stranger, None)
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Access denied: access_policy_none")),
        "an unreachable projection admits nobody but holders"
    );
    w.finn.set_mode("memory.projection", Mode::DelayMs(2000));
    let (status, body) = w.app.call(GET, "/api/memory/nft-m1", &w.owner, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("upstream_error"))
    );

    w.finn
        .set_mode("memory.seal", Mode::Code(429, "RATE_LIMITED"));
    let seal = seal_body(json!({"type": "none", "audit_required": true, "revocable": true}));
    let (status, body) = w
        .app
        .call(POST, "/api/memory/nft-m1/seal", &w.owner, Some(seal))
        .await;
    assert_eq!(status, 429);
    assert_eq!(body["retry_after"], 60);
    w.app.stop().await;
}

#[tokio::test]
async fn an_unanswered_ownership_lookup_is_503_never_access_denied() {
    let w = world().await;
    for mode in [Mode::Status(503), Mode::DelayMs(2000)] {
        w.finn.set_mode("nfts", mode.clone());
        let (status, body) = w.app.call(GET, "/api/memory/nft-m1", &w.owner, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (503, Some("upstream_error")),
            "{mode:?}: {body}"
        );
    }
    w.finn.set_mode("nfts", Mode::Normal);
    let (status, _) = w.app.call(GET, "/api/memory/nft-m1", &w.owner, None).await;
    assert_eq!(status, 200, "back once Finn answers");
    w.app.stop().await;
}
