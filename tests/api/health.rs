use crate::support::{finn, redact, spawn_app};

const VOLATILE: &[&str] = &["timestamp", "uptime_seconds", "latency_ms"];

#[tokio::test]
async fn health_with_finn_up_is_healthy_and_reports_the_memory_store() {
    let finn = finn::spawn().await;
    let app = spawn_app(&[("FINN_URL", &finn.url())]).await;

    let resp = app.get("/api/health").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let mut body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["reputation_service"]["store_type"], "memory");
    redact(&mut body, VOLATILE);
    insta::assert_json_snapshot!("health_memory_finn_up", body);
    app.stop().await;
}

#[tokio::test]
async fn health_with_finn_down_is_unhealthy_but_still_200() {
    let finn = finn::spawn().await;
    finn.set_mode("health", finn::Mode::Status(500));
    let app = spawn_app(&[("FINN_URL", &finn.url())]).await;

    let resp = app.get("/api/health").await;
    assert_eq!(resp.status(), 200);
    let mut body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["services"]["loa_finn"]["status"], "unreachable");
    redact(&mut body, VOLATILE);
    insta::assert_json_snapshot!("health_memory_finn_down", body);
    app.stop().await;
}

#[tokio::test]
async fn health_is_cached_so_finn_is_probed_once_for_a_burst() {
    let finn = finn::spawn().await;
    let app = spawn_app(&[("FINN_URL", &finn.url())]).await;
    for _ in 0..20 {
        assert_eq!(app.get("/api/health").await.status(), 200);
    }
    assert_eq!(finn.calls("health"), 1);
    app.stop().await;
}

#[tokio::test]
async fn root_identifies_the_service() {
    let app = spawn_app(&[]).await;
    let body: serde_json::Value = app.get("/").await.json().await.unwrap();
    insta::assert_json_snapshot!("root", body);
    app.stop().await;
}
