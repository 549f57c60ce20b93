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

/// A body of the wrong JSON types is refused whatever poem-openapi would coerce, and the
/// message names the field.
#[tokio::test]
async fn a_body_of_the_wrong_types_is_a_400_naming_the_field() {
    let app = spawn_app(&[]).await;
    let siwe = |body: &'static str| {
        app.http
            .post(app.url("/api/auth/siwe"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        (
            r#"{"message": 1, "signature": "0x"}"#,
            "`message`: expected a string, found an integer",
        ),
        (
            r#"{"message": "m", "signature": false}"#,
            "`signature`: expected a string, found a boolean",
        ),
        (r#"{"signature": "0x"}"#, "`message`: is required"),
        (
            r#"["m", "0x"]"#,
            "The body expected an object, found an array",
        ),
        ("", "A JSON body is required"),
    ];
    for (body, message) in cases {
        let got = assert_json_error(siwe(body).await.unwrap(), 400, "invalid_request").await;
        assert_eq!(got["message"], message, "for {body}");
    }
    let broken = assert_json_error(siwe("{nope").await.unwrap(), 400, "invalid_request").await;
    assert!(
        broken["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The body is not valid JSON: ")),
        "{broken}"
    );
    let unknown = assert_json_error(
        siwe(r#"{"message": "m", "signature": "0x", "extra": 1}"#)
            .await
            .unwrap(),
        400,
        "invalid_request",
    )
    .await;
    assert!(
        unknown["message"]
            .as_str()
            .is_some_and(|m| m.contains("`extra`")),
        "{unknown}"
    );
    app.stop().await;
}
