//! The reputation routes end to end (memory store): auth, validation, idempotency, paging.

use serde_json::{Value, json};

use crate::support::{TestApp, redact, spawn_app};

const ADMIN: &str = "admin-key-for-tests";

fn event(id: u32, score: Value) -> Value {
    json!({
        "model_id": "claude-sonnet-4-6",
        "event": {
            "type": "quality_signal",
            "event_id": format!("aaaaaaaa-bbbb-4ccc-8ddd-{id:012}"),
            "agent_id": "agent-1",
            "collection_id": "honey-jar",
            "timestamp": "2026-11-21T10:00:00Z",
            "score": score,
            "task_type": "code_review"
        }
    })
}

async fn post(app: &TestApp, nft: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(app.url(&format!("/api/reputation/{nft}/events")))
        .json(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap()
}

async fn error_code(resp: reqwest::Response, status: u16) -> String {
    assert_eq!(resp.status(), status);
    let body: Value = resp.json().await.unwrap();
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn recording_needs_the_admin_key() {
    let app = spawn_app(&[("DIXIE_ADMIN_KEY", ADMIN)]).await;
    assert_eq!(
        error_code(post(&app, "n1", &event(1, json!(0.5)), None).await, 401).await,
        "unauthorized"
    );
    assert_eq!(
        error_code(
            post(&app, "n1", &event(1, json!(0.5)), Some("wrong")).await,
            403
        )
        .await,
        "forbidden"
    );
    app.stop().await;

    let unconfigured = spawn_app(&[]).await;
    let resp = post(&unconfigured, "n1", &event(1, json!(0.5)), Some(ADMIN)).await;
    assert_eq!(error_code(resp, 403).await, "forbidden");
    unconfigured.stop().await;
}

#[tokio::test]
async fn allowlisted_api_keys_may_record_and_others_may_not() {
    let path = crate::support::temp_file(
        "allowlist-keys.json",
        &json!({"version": 1, "wallets": [], "apiKeys": ["dxk_reputation_writer", "no_prefix"],
                "updated_at": "2026-11-22T00:00:00Z"})
        .to_string(),
    );
    let app = spawn_app(&[
        ("DIXIE_ADMIN_KEY", ADMIN),
        ("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap()),
    ])
    .await;
    let resp = post(
        &app,
        "n1",
        &event(1, json!(0.5)),
        Some("dxk_reputation_writer"),
    )
    .await;
    assert_eq!(resp.status(), 201);
    for key in ["dxk_unknown", "no_prefix", "DXK_reputation_writer"] {
        let resp = post(&app, "n1", &event(2, json!(0.5)), Some(key)).await;
        assert_eq!(error_code(resp, 403).await, "forbidden", "{key:?}");
    }
    let resp = post(&app, "n1", &event(2, json!(0.5)), Some(ADMIN)).await;
    assert_eq!(resp.status(), 201, "the admin key still works");
    app.stop().await;
}

#[tokio::test]
async fn bad_events_are_400_and_write_nothing() {
    let app = spawn_app(&[("DIXIE_ADMIN_KEY", ADMIN)]).await;
    let mut extra = event(1, json!(0.5));
    extra["event"]["surprise"] = json!(true);
    let mut bad_type = event(1, json!(0.5));
    bad_type["event"]["type"] = json!("vibes");
    let mut bad_uuid = event(1, json!(0.5));
    bad_uuid["event"]["event_id"] = json!("not-a-uuid");
    let mut bad_time = event(1, json!(0.5));
    bad_time["event"]["timestamp"] = json!("last tuesday");
    let mut bad_task = event(1, json!(0.5));
    bad_task["event"]["task_type"] = json!("Not A Task");
    let mut no_event = event(1, json!(0.5));
    no_event.as_object_mut().unwrap().remove("event");
    for body in [
        event(1, json!(1.5)),
        event(1, json!(-0.1)),
        event(1, json!("high")),
        extra,
        bad_type,
        bad_uuid,
        bad_time,
        bad_task,
        no_event,
    ] {
        let resp = post(&app, "n1", &body, Some(ADMIN)).await;
        assert_eq!(error_code(resp, 400).await, "invalid_request", "{body}");
    }
    let resp = app
        .http
        .post(app.url("/api/reputation/n1/events"))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(resp, 400).await, "invalid_request");
    assert_eq!(
        error_code(app.get("/api/reputation/n1").await, 404).await,
        "not_found"
    );
    let pop: Value = app
        .get("/api/reputation/population")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pop["total"], 0);
    app.stop().await;
}

#[tokio::test]
async fn record_repeat_and_conflict() {
    let app = spawn_app(&[("DIXIE_ADMIN_KEY", ADMIN)]).await;
    let first = post(&app, "nft-1", &event(1, json!(0.9)), Some(ADMIN)).await;
    assert_eq!(first.status(), 201);
    let mut body: Value = first.json().await.unwrap();
    assert_eq!(body["recorded"], true);
    redact(&mut body, &["created_at", "last_updated", "at"]);
    insta::assert_json_snapshot!("record_event_created", body);

    let again = post(&app, "nft-1", &event(1, json!(0.9)), Some(ADMIN)).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        (again["recorded"].clone(), again["seq"].clone()),
        (json!(false), json!(1))
    );
    assert_eq!(again["aggregate"]["sample_count"], 1);

    let conflict = post(&app, "nft-1", &event(1, json!(0.1)), Some(ADMIN)).await;
    assert_eq!(error_code(conflict, 409).await, "conflict");
    let elsewhere = post(&app, "nft-2", &event(1, json!(0.9)), Some(ADMIN)).await;
    assert_eq!(error_code(elsewhere, 409).await, "conflict");

    let agg: Value = app.get("/api/reputation/nft-1").await.json().await.unwrap();
    assert_eq!(agg["state"], "warming");
    let cohorts: Value = app
        .get("/api/reputation/nft-1/cohorts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cohorts["cohorts"][0]["task_type"], "code_review");
    app.stop().await;
}

#[tokio::test]
async fn history_pages_oldest_first() {
    let app = spawn_app(&[("DIXIE_ADMIN_KEY", ADMIN)]).await;
    for i in 0..5 {
        assert_eq!(
            post(&app, "pg", &event(10 + i, json!(0.5)), Some(ADMIN))
                .await
                .status(),
            201
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/reputation/pg/events?limit=2&cursor={c}"),
            None => "/api/reputation/pg/events?limit=2".to_owned(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        for e in page["events"].as_array().unwrap() {
            seen.push(e["seq"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    for bad in ["limit=0", "limit=201", "cursor=abc", "cursor=-1"] {
        let resp = app.get(&format!("/api/reputation/pg/events?{bad}")).await;
        assert_eq!(error_code(resp, 400).await, "invalid_request", "{bad}");
    }
    let resp = app.get("/api/reputation/bad%20id/events").await;
    assert_eq!(error_code(resp, 400).await, "invalid_request");
    app.stop().await;
}
