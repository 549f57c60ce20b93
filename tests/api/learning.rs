//! `/api/learning/*`: owner-only, through the one `OwnershipResolver` (the Finn stand-in).

use serde_json::{Value, json};

use crate::support::finn::{self, Mode};
use crate::support::siwe::Wallet;
use crate::support::{spawn_app, temp_file};

#[tokio::test]
async fn owners_see_their_views_and_nobody_else_does() {
    let finn = finn::spawn().await;
    let owner = Wallet::new(41);
    let other = Wallet::new(42);
    finn.add_owner(&owner.address, "nft-41", &[]);
    finn.add_owner(&other.address, "nft-42", &[]);
    let keys = temp_file(
        "allowlist-learning.json",
        &json!({"version": 1, "wallets": [owner.address, other.address],
                "apiKeys": ["dxk_learning"], "updated_at": "2026-11-22T00:00:00Z"})
        .to_string(),
    );
    let app = spawn_app(&[
        ("FINN_URL", &finn.url()),
        ("DIXIE_ALLOWLIST_PATH", keys.to_str().unwrap()),
    ])
    .await;
    let jwt = app.token_for(&owner).await;
    // Finn down on the first lookup: 503, and the failure is not remembered.
    finn.set_mode("nfts", Mode::Status(503));
    let resp = app.get_bearer("/api/learning/nft-41/gaps", &jwt).await;
    assert_eq!(resp.status(), 503, "Finn's outage is not a refusal");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "upstream_error"
    );
    finn.set_mode("nfts", Mode::Normal);

    let insights: Value = app
        .get_bearer("/api/learning/nft-41/insights?limit=5", &jwt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        insights,
        json!({"nftId": "nft-41", "insights": [], "count": 0, "pendingSignals": 0})
    );
    let gaps: Value = app
        .get_bearer("/api/learning/nft-41/gaps", &jwt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        gaps,
        json!({"nftId": "nft-41", "gaps": [], "alerting": false, "alertCount": 0})
    );

    let cases = [
        ("/api/learning/nft-42/gaps", jwt.clone(), 403, "forbidden"),
        (
            "/api/learning/nft-41/gaps",
            "dxk_learning".into(),
            401,
            "unauthorized",
        ),
        (
            "/api/learning/bad%20id/gaps",
            jwt.clone(),
            400,
            "invalid_request",
        ),
        (
            "/api/learning/nft-41/insights?limit=0",
            jwt.clone(),
            400,
            "invalid_request",
        ),
    ];
    for (path, bearer, status, code) in cases {
        let resp = app.get_bearer(path, &bearer).await;
        assert_eq!(resp.status().as_u16(), status, "{path}");
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], code, "{path}");
    }

    app.stop().await;
}
