//! `POST /api/enrich/review-context` (§1.5.14): the builder gate, body errors, the tier
//! distribution and a trajectory that moves when scores move (quirk Q6 fixed).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::finn::{self, FinnStandin};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app};

const ADMIN: &str = "enrich-admin-key";
const PATH: &str = "/api/enrich/review-context";

async fn setup() -> (TestApp, FinnStandin, String) {
    let finn = finn::spawn().await;
    let builder = Wallet::new(95);
    finn.set_stake(&builder.address, 150.0);
    let url = finn.url();
    let app = spawn_app(&[("FINN_URL", url.as_str()), ("DIXIE_ADMIN_KEY", ADMIN)]).await;
    let jwt = app.token_for(&builder).await;
    (app, finn, jwt)
}

async fn record(app: &TestApp, nft: &str, n: u32, score: f64) {
    let body = json!({"model_id": "claude-sonnet-4-6", "event": {
        "type": "quality_signal", "event_id": format!("00000000-0000-4000-8000-{n:012}"),
        "agent_id": "agent-1", "collection_id": "honey-jar",
        "timestamp": "2026-12-02T10:00:00Z", "score": score, "task_type": "code_review"}});
    let resp = app
        .http
        .post(app.url(&format!("/api/reputation/{nft}/events")))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

async fn review(app: &TestApp, jwt: &str, body: Value) -> (u16, Option<u64>, Value) {
    let resp = app
        .http
        .post(app.url(PATH))
        .bearer_auth(jwt)
        .json(&body)
        .send()
        .await
        .unwrap();
    let latency = resp
        .headers()
        .get("x-enrichment-latency-ms")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (resp.status().as_u16(), latency, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_builder_gets_the_context_and_the_trajectory_follows_the_scores() {
    let (app, _finn, jwt) = setup().await;
    for (n, score) in [(1, 0.2), (2, 0.25), (3, 0.9), (4, 0.95)] {
        record(&app, "mibera:3", n, score).await;
    }
    for (n, score) in [(11, 0.9), (12, 0.8), (13, 0.3), (14, 0.2)] {
        record(&app, "mibera:4", n, score).await;
    }
    let (status, latency, body) = review(
        &app,
        &jwt,
        json!({"nft_id": "mibera:3", "review_type": "bridge"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(latency.is_some(), "X-Enrichment-Latency-Ms");
    assert_eq!(body["partial"], false);
    let r = &body["reputation_context"];
    assert_eq!(r["trajectory"], "improving", "{r}");
    assert_eq!(r["sample_count"], 4);
    assert_eq!(r["reputation_state"], "warming");
    assert!(r["blended_score"].is_f64());
    let d = &body["conviction_context"]["tier_distribution"];
    assert_eq!(
        d,
        &json!({"observer": 0, "participant": 2, "builder": 0, "architect": 0, "sovereign": 0})
    );
    for key in ["conformance_context", "knowledge_context"] {
        assert!(body[key]["snapshot_at"].is_string(), "{key}");
    }

    let (_, _, declining) = review(
        &app,
        &jwt,
        json!({"nft_id": "mibera:4", "review_type": "audit"}),
    )
    .await;
    assert_eq!(declining["reputation_context"]["trajectory"], "declining");
    let (_, _, unknown) = review(
        &app,
        &jwt,
        json!({"nft_id": "mibera:5", "review_type": "flatline", "scope": {"files": 3}}),
    )
    .await;
    assert_eq!(
        unknown["reputation_context"],
        json!({"trajectory": "cold", "blended_score": null, "sample_count": 0,
               "reputation_state": "cold",
               "snapshot_at": unknown["reputation_context"]["snapshot_at"]})
    );
    app.stop().await;
}

#[tokio::test]
async fn below_builder_is_a_denial_and_bad_bodies_are_400() {
    let (app, _finn, jwt) = setup().await;
    let observer = app.token_for(&Wallet::new(96)).await;
    let (status, _, body) = review(
        &app,
        &observer,
        json!({"nft_id": "mibera:1", "review_type": "bridge"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["required_tier"], "builder");
    assert_eq!(body["actual_tier"], "observer");

    for bad in [
        json!({"review_type": "bridge"}),
        json!({"nft_id": "mibera:1"}),
        json!({"nft_id": "mibera:1", "review_type": "vibes"}),
        json!({"nft_id": "bad id", "review_type": "audit"}),
        json!("text"),
    ] {
        let (status, _, body) = review(&app, &jwt, bad.clone()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
    let resp = app
        .http
        .post(app.url(PATH))
        .bearer_auth(&jwt)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (status, _) = app.call(Method::POST, PATH, "not-a-jwt", None).await;
    assert_eq!(status, 401);
    app.stop().await;
}
