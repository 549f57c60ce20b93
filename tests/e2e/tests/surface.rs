//! The rest of the original's surface through the release binary: personality, autonomous
//! permissions (written, read back after a restart, audited) and review context. A dNFT holder
//! is set up on the Finn stand-in (`E2E_FINN_STANDIN_URL`), which speaks for Finn here.

use dixie_e2e::session::{client, sign_in, typed};
use dixie_e2e::target::Target;
use serde_json::{Value, json};

/// Makes `wallet` hold `nft_id` on the stand-in, with `bgt` staked.
async fn hold(target: &Target, wallet: &str, nft_id: &str, bgt: f64) {
    let resp = reqwest::Client::new()
        .post(format!("{}/_standin/holders", target.standin()))
        .json(&json!({"wallet": wallet, "nftId": nft_id, "bgtStaked": bgt}))
        .send()
        .await
        .expect("the stand-in answers");
    assert_eq!(resp.status().as_u16(), 201);
}

fn unique_nft() -> String {
    format!("e2e:{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

#[tokio::test]
async fn a_personality_and_its_evolution_read_through_dixie() {
    let target = Target::from_env();
    let session = sign_in(&target).await;
    let nft = unique_nft();
    hold(&target, &session.wallet.address, &nft, 1.0).await;
    let api = client(&target, Some(&session.token));
    let nft_id = nft.parse().expect("a valid nftId");
    let personality = api
        .get_personality(&nft_id)
        .await
        .expect("the personality reads")
        .into_inner();
    assert_eq!(personality.nft_id, nft);
    assert_eq!(personality.name, "Sample Bera");
    let evolution = api
        .get_personality_evolution(&nft.parse().expect("a valid nftId"))
        .await
        .expect("the evolution reads")
        .into_inner();
    assert_eq!(evolution.count, 2);
    session.end(&target).await;
}

/// What the autonomous check wrote before the restart.
#[derive(serde::Serialize, serde::Deserialize)]
struct Granted {
    nft_id: String,
    wallet: String,
    token: String,
    permissions: Value,
}

#[tokio::test]
async fn autonomous_permissions_are_written_audited_and_reviewed() {
    let target = Target::from_env();
    let session = sign_in(&target).await;
    let nft = unique_nft();
    hold(&target, &session.wallet.address, &nft, 10_000.0).await;
    let api = client(&target, Some(&session.token));
    let nft_id = nft.parse().expect("a valid nftId");
    let written = api
        .update_autonomous_permissions(
            &nft_id,
            &typed(
                json!({"enabled": true, "capabilities": {"knowledge_search": true},
                          "toolWhitelist": ["search"]}),
            ),
        )
        .await
        .expect("the sovereign owner sets permissions")
        .into_inner();
    assert!(written.enabled);
    assert_eq!(written.owner_wallet, session.wallet.address);
    let audit = api
        .get_autonomous_audit(&nft.parse().expect("a valid nftId"), None)
        .await
        .expect("the audit reads")
        .into_inner();
    assert_eq!(audit.count, 1);

    // Review context for the same dNFT, with two quality scores that rise.
    let writer = client(&target, Some(&target.admin_key));
    for score in [0.2, 0.9] {
        let event = json!({"model_id": "claude-sonnet-4-6", "event": {
            "type": "quality_signal", "event_id": uuid::Uuid::new_v4().to_string(),
            "agent_id": "e2e-agent", "collection_id": "e2e-collection",
            "timestamp": "2026-12-02T10:00:00Z", "score": score, "task_type": "code_review"}});
        writer
            .record_reputation_event(&nft.parse().expect("a valid nftId"), &typed(event))
            .await
            .expect("the admin key records an event");
    }
    let review = api
        .get_review_context(&typed(json!({"nft_id": nft, "review_type": "bridge"})))
        .await
        .expect("a sovereign (above builder) gets review context");
    assert!(review.headers().contains_key("x-enrichment-latency-ms"));
    let review = serde_json::to_value(review.into_inner()).expect("serializes");
    assert_eq!(review["partial"], false, "{review}");
    assert_eq!(
        review["reputation_context"]["trajectory"], "improving",
        "{review}"
    );

    let granted = Granted {
        nft_id: nft,
        wallet: session.wallet.address.clone(),
        token: session.token.clone(),
        permissions: serde_json::to_value(&written).expect("serializes"),
    };
    let file = target.state_of("autonomous");
    std::fs::write(&file, serde_json::to_vec(&granted).expect("serializes"))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    // The session stays allowlisted for the check after the restart, which ends it.
}

#[tokio::test]
#[ignore = "reads what the previous run wrote; `make e2e` runs it after restarting Dixie"]
async fn autonomous_permissions_and_audit_survive_a_restart() {
    let target = Target::from_env();
    let file = target.state_of("autonomous");
    let raw = std::fs::read(&file).unwrap_or_else(|e| {
        panic!(
            "{}: {e} — run the default tests first, then restart Dixie",
            file.display()
        )
    });
    let granted: Granted = serde_json::from_slice(&raw).expect("the state file is ours");
    let api = client(&target, Some(&granted.token));
    let nft_id = granted.nft_id.parse().expect("a valid nftId");
    let read = api
        .get_autonomous_permissions(&nft_id)
        .await
        .expect("the permissions are still there")
        .into_inner();
    assert_eq!(
        serde_json::to_value(&read).expect("serializes"),
        granted.permissions
    );
    let audit = api
        .get_autonomous_audit(&granted.nft_id.parse().expect("a valid nftId"), None)
        .await
        .expect("the audit is still there")
        .into_inner();
    let audit = serde_json::to_value(&audit).expect("serializes");
    assert_eq!(
        audit["entries"][0]["action"], "permissions_updated",
        "{audit}"
    );
    client(&target, Some(&target.admin_key))
        .remove_allowlist_entry(&granted.wallet.parse().expect("an address is an entry"))
        .await
        .expect("the test wallet leaves the allowlist");
}
