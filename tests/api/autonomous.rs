//! `/api/autonomous/{nftId}/*` (§1.5.12): the owner/delegate rules through the one
//! `OwnershipResolver`, the sovereign gate, the audit trail every change and refusal leaves,
//! and the summary computed from it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::finn::{self, FinnStandin, Mode};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app};

const NFT: &str = "mibera:77";

struct Stack {
    app: TestApp,
    finn: FinnStandin,
    owner: String,
    delegate: String,
    stranger: String,
    stranger_address: String,
}

/// An owner at the sovereign tier holding NFT (Finn reports it lowercased), a Finn delegate
/// at the sovereign tier, and a stranger.
async fn stack() -> Stack {
    let finn = finn::spawn().await;
    let (owner, delegate, stranger) = (Wallet::new(80), Wallet::new(81), Wallet::new(82));
    finn.add_owner(&owner.address.to_lowercase(), NFT, &[&delegate.address]);
    finn.add_delegate(&delegate.address, &owner.address.to_lowercase());
    for w in [&owner, &delegate] {
        finn.set_stake(&w.address, 10_000.0);
    }
    let url = finn.url();
    let app = spawn_app(&[("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "500")]).await;
    Stack {
        owner: app.token_for(&owner).await,
        delegate: app.token_for(&delegate).await,
        stranger: app.token_for(&stranger).await,
        stranger_address: stranger.address,
        app,
        finn,
    }
}

const PERMS: &str = "/api/autonomous/mibera:77/permissions";

async fn put(s: &Stack, jwt: &str, body: Value) -> (u16, Value) {
    s.app.call(Method::PUT, PERMS, jwt, Some(body)).await
}

async fn trail(s: &Stack) -> Vec<Value> {
    let (status, body) = s
        .app
        .call(
            Method::GET,
            "/api/autonomous/mibera:77/audit",
            &s.owner,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], body["entries"].as_array().unwrap().len());
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn defaults_until_the_owner_sets_them_then_the_change_stands() {
    let s = stack().await;
    let (status, body) = s.app.call(Method::GET, PERMS, &s.owner, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["enabled"], false);
    assert_eq!(body["ownerWallet"], "");
    assert_eq!(body["budget"]["dailyCapMicroUsd"], 100_000);
    assert_eq!(body["capabilities"]["tool_execute"], false);

    let (status, updated) = put(
        &s,
        &s.owner,
        json!({"enabled": true, "capabilities": {"tool_execute": true},
               "toolWhitelist": ["search"], "budget": {"hourlyRateLimit": 5},
               "delegatedWallets": [s.stranger_address.to_lowercase()]}),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["enabled"], true);
    assert_eq!(updated["capabilities"]["tool_execute"], true);
    assert_eq!(updated["capabilities"]["chat_initiate"], false);
    assert_eq!(updated["budget"]["hourlyRateLimit"], 5);
    assert_eq!(updated["budget"]["dailyCapMicroUsd"], 100_000, "merged");
    assert_eq!(
        updated["delegatedWallets"][0], s.stranger_address,
        "stored EIP-55"
    );
    assert_eq!(updated["ownerWallet"], Wallet::new(80).address);

    let (status, read) = s.app.call(Method::GET, PERMS, &s.owner, None).await;
    assert_eq!((status, &read), (200, &updated));
    let pushed = s
        .finn
        .received("autonomous.put")
        .expect("Finn got its copy");
    let body: Value = serde_json::from_slice(&pushed.body).unwrap();
    assert_eq!(body["toolWhitelist"], json!(["search"]));

    let entries = trail(&s).await;
    assert_eq!(entries[0]["action"], "permissions_updated");
    assert_eq!(entries[0]["allowed"], true);
    assert!(
        entries[0]["reason"]
            .as_str()
            .unwrap()
            .contains("toolWhitelist")
    );
    s.app.stop().await;
}

#[tokio::test]
async fn who_may_read_and_who_may_change() {
    let s = stack().await;
    // A Finn delegate reads; a stranger does not (audited).
    let (status, _) = s.app.call(Method::GET, PERMS, &s.delegate, None).await;
    assert_eq!(status, 200);
    let (status, body) = s.app.call(Method::GET, PERMS, &s.stranger, None).await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"error": "forbidden", "message": "Not authorized for this NFT"})
        )
    );
    for path in ["audit", "summary"] {
        let (status, _) = s
            .app
            .call(
                Method::GET,
                &format!("/api/autonomous/{NFT}/{path}"),
                &s.stranger,
                None,
            )
            .await;
        assert_eq!(status, 403, "{path}");
    }
    // A delegate at the sovereign tier still may not change them (audited).
    let (status, body) = put(&s, &s.delegate, json!({"enabled": true})).await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"error": "forbidden", "message": "Only the owner can update permissions"})
        )
    );
    let entries = trail(&s).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "permissions_update_refused",
            "access_refused",
            "access_refused",
            "access_refused"
        ]
    );
    assert_eq!(entries[0]["wallet"], Wallet::new(81).address);
    assert!(entries.iter().all(|e| e["allowed"] == false));

    // Once the owner names the stranger an autonomous delegate, the stranger reads.
    let (status, _) = put(
        &s,
        &s.owner,
        json!({"delegatedWallets": [s.stranger_address]}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = s.app.call(Method::GET, PERMS, &s.stranger, None).await;
    assert_eq!(status, 200);
    s.app.stop().await;
}

#[tokio::test]
async fn a_tier_below_sovereign_is_a_denial_and_audited() {
    let s = stack().await;
    s.finn.set_stake(&Wallet::new(80).address, 1_000.0);
    let app = spawn_app(&[
        ("FINN_URL", s.finn.url().as_str()),
        ("DIXIE_CONVICTION_TIER_TTL", "0"),
    ])
    .await;
    let jwt = app.token_for(&Wallet::new(80)).await;
    let (status, body) = app
        .call(Method::PUT, PERMS, &jwt, Some(json!({"enabled": true})))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["actual_tier"], "architect");
    assert_eq!(body["required_tier"], "sovereign");
    let (_, audit) = app
        .call(Method::GET, "/api/autonomous/mibera:77/audit", &jwt, None)
        .await;
    assert_eq!(audit["entries"][0]["action"], "permissions_update_refused");
    assert_eq!(audit["entries"][0]["reason"], "tier below sovereign");
    let (_, read) = app.call(Method::GET, PERMS, &jwt, None).await;
    assert_eq!(read["enabled"], false, "nothing changed");
    app.stop().await;
    s.app.stop().await;
}

#[tokio::test]
async fn bad_bodies_and_callers_without_a_wallet_are_refused() {
    let s = stack().await;
    for (body, error) in [
        (json!({"enabled": "yes"}), "invalid_request"),
        (json!({"surprise": 1}), "invalid_request"),
        (json!({"capabilities": {"fly": true}}), "invalid_request"),
        (json!([1, 2]), "invalid_request"),
        (json!({"delegatedWallets": ["0x123"]}), "invalid_address"),
        (json!({"toolWhitelist": [""]}), "invalid_request"),
    ] {
        let (status, got) = put(&s, &s.owner, body.clone()).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (400, Some(error)),
            "{body}: {got}"
        );
    }
    let (status, _) = s
        .app
        .call(
            Method::GET,
            "/api/autonomous/mibera:77/audit?limit=501",
            &s.owner,
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = s
        .app
        .call(
            Method::GET,
            "/api/autonomous/bad%20id/permissions",
            &s.owner,
            None,
        )
        .await;
    assert_eq!(status, 400);
    let resp = s.app.get(PERMS).await;
    assert_eq!(resp.status(), 401);
    assert!(trail(&s).await.is_empty(), "a bad body is no attempt");
    s.app.stop().await;
}

#[tokio::test]
async fn finn_failures_degrade_as_documented() {
    let s = stack().await;
    s.finn.set_mode("autonomous.put", Mode::Status(500));
    let (status, body) = put(&s, &s.owner, json!({"enabled": true})).await;
    assert_eq!(
        (status, body["enabled"].as_bool()),
        (200, Some(true)),
        "Finn's copy is best effort"
    );

    let app = spawn_app(&[
        ("FINN_URL", s.finn.url().as_str()),
        ("FINN_TIMEOUT_MS", "500"),
    ])
    .await;
    let jwt = app.token_for(&Wallet::new(83)).await;
    s.finn.set_mode("nfts", Mode::Status(502));
    let (status, body) = app.call(Method::GET, PERMS, &jwt, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("upstream_error")),
        "{body}"
    );
    app.stop().await;
    s.app.stop().await;
}

#[tokio::test]
async fn the_summary_is_computed_from_the_days_trail() {
    let s = stack().await;
    put(&s, &s.owner, json!({"enabled": true})).await;
    put(&s, &s.delegate, json!({"enabled": false})).await;
    s.app.call(Method::GET, PERMS, &s.stranger, None).await;
    let (status, body) = s
        .app
        .call(
            Method::GET,
            "/api/autonomous/mibera:77/summary",
            &s.owner,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(
        body,
        json!({"nftId": NFT, "date": today, "totalActions": 3, "allowedActions": 1,
               "deniedActions": 2, "totalSpendMicroUsd": 0, "capabilitiesUsed": [],
               "toolsUsed": [], "confirmationsRequired": 0})
    );
    let (status, other) = s
        .app
        .call(
            Method::GET,
            "/api/autonomous/mibera:77/summary?date=2026-01-01",
            &s.owner,
            None,
        )
        .await;
    assert_eq!((status, other["totalActions"].as_u64()), (200, Some(0)));
    let (status, bad) = s
        .app
        .call(
            Method::GET,
            "/api/autonomous/mibera:77/summary?date=yesterday",
            &s.owner,
            None,
        )
        .await;
    assert_eq!(
        (status, bad["error"].as_str()),
        (400, Some("invalid_request"))
    );
    s.app.stop().await;
}
