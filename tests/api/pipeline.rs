//! The request pipeline as a client sees it: security headers, CORS (D7), body limit (also
//! for chunked bodies), rate limit.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::spawn_app;

#[tokio::test]
async fn every_response_has_the_security_headers() {
    let app = spawn_app(&[]).await;
    for path in ["/api/health", "/api/nope", "/"] {
        let resp = app.get(path).await;
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            h["strict-transport-security"],
            "max-age=31536000; includeSubDomains"
        );
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'")
        );
    }
    let docs = app.get("/docs").await;
    assert_eq!(docs.status(), 200);
    assert!(
        !docs.headers().contains_key("content-security-policy"),
        "Swagger UI runs inline script"
    );
    app.stop().await;
}

async fn with_origin(app: &crate::support::TestApp, origin: &str) -> reqwest::Response {
    app.http
        .get(app.url("/api/health"))
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_allows_listed_origins_with_credentials_and_star_without() {
    let app = spawn_app(&[("DIXIE_CORS_ORIGINS", "https://app.example.com")]).await;
    let ok = with_origin(&app, "https://app.example.com").await;
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    assert!(
        ok.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("X-Request-Id")
    );
    let other = with_origin(&app, "https://evil.example.com").await;
    assert_eq!(other.status(), 200, "served; the browser enforces");
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/chat"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(
        preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    app.stop().await;

    let star = spawn_app(&[
        ("DIXIE_CORS_ORIGINS", "*"),
        ("DIXIE_SIWE_DOMAINS", "app.dixie.test"),
    ])
    .await;
    let resp = with_origin(&star, "https://anywhere.example").await;
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert!(
        !resp
            .headers()
            .contains_key("access-control-allow-credentials")
    );
    star.stop().await;
}

#[tokio::test]
async fn bodies_over_100_kb_are_413_with_or_without_content_length() {
    let app = spawn_app(&[]).await;
    let big = "x".repeat(102_401);
    let resp = app
        .http
        .post(app.url("/api/auth/siwe"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");

    // A chunked body declares no length: it is read up to the limit and refused beyond it.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut request = format!(
        "POST /api/auth/siwe HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.as_bytes().chunks(16_384) {
        request.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend(chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"));
    app.stop().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_spares_health() {
    let app = spawn_app(&[("DIXIE_RATE_LIMIT_RPM", "3")]).await;
    for i in 0..3 {
        let resp = app
            .post_json("/api/auth/nonce", &serde_json::json!({}))
            .await;
        assert_eq!(resp.status(), 200, "request {i}");
        assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
    }
    let resp = app
        .post_json("/api/auth/nonce", &serde_json::json!({}))
        .await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(body["retry_after"], retry);
    for _ in 0..10 {
        assert_eq!(app.get("/api/health").await.status(), 200);
    }
    app.stop().await;
}
