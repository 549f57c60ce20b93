//! `GET /api/health/governance` (§1.5.16) and the knowledge corpus in `GET /api/health` (§9):
//! read from `DIXIE_KNOWLEDGE_DIR`; absent or unreadable, the governor reports it unavailable
//! and health omits it.

use serde_json::{Value, json};

use crate::support::{TestApp, spawn_app};

const ADMIN: &str = "governance-admin-key";

/// A corpus directory with one fresh source and one a year past its 30-day limit.
fn corpus(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dixie-corpus-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let old = today - time::Duration::days(400);
    std::fs::write(
        dir.join("sources.json"),
        json!({"version": 2, "corpus_version": 7, "sources": [
            {"id": "fresh", "max_age_days": 30, "last_updated": today.to_string()},
            {"id": "old", "max_age_days": 30, "last_updated": old.to_string()}
        ]})
        .to_string(),
    )
    .unwrap();
    dir
}

async fn governance(app: &TestApp, auth: Option<&str>) -> (u16, Value) {
    let mut req = app.http.get(app.url("/api/health/governance"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn health(app: &TestApp) -> Value {
    app.get("/api/health").await.json().await.unwrap()
}

#[tokio::test]
async fn without_a_corpus_the_governor_is_unavailable_and_health_omits_it() {
    let app = spawn_app(&[]).await;
    let (status, body) = governance(&app, None).await;
    assert_eq!(status, 200, "no admin key: open");
    assert_eq!(
        body["governors"],
        json!([{"resourceType": "knowledge_corpus", "health": null}])
    );
    assert_eq!(
        (
            body["totalResources"].as_u64(),
            body["degradedResources"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert!(body["timestamp"].is_string());
    assert!(
        health(&app).await["services"]
            .get("knowledge_corpus")
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_corpus_reports_its_stale_sources_behind_the_admin_key() {
    let dir = corpus("stale");
    let app = spawn_app(&[
        ("DIXIE_KNOWLEDGE_DIR", dir.to_str().unwrap()),
        ("DIXIE_ADMIN_KEY", ADMIN),
    ])
    .await;
    let (status, body) = governance(&app, None).await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"error": "unauthorized", "message": "Admin key required"})
        )
    );
    let (status, body) = governance(&app, Some("Bearer wrong")).await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"error": "forbidden", "message": "Invalid admin key"})
        )
    );
    for auth in [format!("Bearer {ADMIN}"), ADMIN.to_owned()] {
        let (status, body) = governance(&app, Some(&auth)).await;
        assert_eq!(status, 200, "{auth}");
        assert_eq!(
            body["governors"][0]["health"],
            json!({"status": "degraded", "totalItems": 2, "staleItems": 1, "version": 7})
        );
        assert_eq!(body["degradedResources"], 1);
    }
    assert_eq!(
        health(&app).await["services"]["knowledge_corpus"],
        json!({"status": "degraded", "corpus_version": 7, "sources": 2, "stale_sources": 1})
    );
    app.stop().await;
}

#[tokio::test]
async fn the_shipped_sample_corpus_is_healthy_and_a_broken_one_unavailable() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/knowledge");
    let app = spawn_app(&[("DIXIE_KNOWLEDGE_DIR", sample)]).await;
    let (_, body) = governance(&app, None).await;
    assert_eq!(
        body["governors"][0]["health"]["status"], "healthy",
        "{body}"
    );
    assert_eq!(body["degradedResources"], 0);
    assert_eq!(
        health(&app).await["services"]["knowledge_corpus"]["status"],
        "healthy"
    );
    app.stop().await;

    let broken = corpus("broken");
    std::fs::write(broken.join("sources.json"), "{not json").unwrap();
    let app = spawn_app(&[("DIXIE_KNOWLEDGE_DIR", broken.to_str().unwrap())]).await;
    let (status, body) = governance(&app, None).await;
    assert_eq!(
        (status, &body["governors"][0]["health"]),
        (200, &Value::Null)
    );
    assert!(
        health(&app).await["services"]
            .get("knowledge_corpus")
            .is_none()
    );
    app.stop().await;
}
