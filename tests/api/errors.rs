//! Every error the framework can produce reaches the client as the JSON error body.

use crate::support::spawn_app;

async fn assert_json_error(resp: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(resp.status(), status);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "content-type {ct}");
    assert!(resp.headers().contains_key("x-request-id"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "only error and message: {body}"
    );
    body
}

#[tokio::test]
async fn unknown_route_is_json_404() {
    let app = spawn_app(&[]).await;
    let body = assert_json_error(app.get("/no/such/route").await, 404, "not_found").await;
    insta::assert_json_snapshot!("error_not_found", body);
    // Under /api/ the allowlist gate answers first (as in the original): anonymous callers
    // learn nothing about which routes exist.
    assert_json_error(app.get("/api/nope").await, 401, "unauthorized").await;
    app.stop().await;
}

#[tokio::test]
async fn wrong_method_is_json_405() {
    let app = spawn_app(&[]).await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
    ] {
        let resp = app
            .http
            .request(method, app.url("/api/health"))
            .body("{}")
            .send()
            .await
            .unwrap();
        let body = assert_json_error(resp, 405, "method_not_allowed").await;
        insta::assert_json_snapshot!("error_method_not_allowed", body);
    }
    app.stop().await;
}

#[tokio::test]
async fn request_id_is_echoed_when_tame_and_generated_otherwise() {
    let app = spawn_app(&[]).await;
    let resp = app
        .http
        .get(app.url("/api/health"))
        .header("x-request-id", "client-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "client-abc.123");

    let resp = app
        .http
        .get(app.url("/nope"))
        .header("x-request-id", "x".repeat(300))
        .send()
        .await
        .unwrap();
    let generated = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "uuid expected, got {generated}");
    assert!(resp.headers().contains_key("x-response-time"));
    app.stop().await;
}

#[tokio::test]
async fn malformed_http_never_yields_html() {
    let app = spawn_app(&[]).await;
    let resp = app
        .http
        .get(app.url("/docs/does-not-exist"))
        .send()
        .await
        .unwrap();
    assert_json_error(resp, 404, "not_found").await;
    app.stop().await;
}
