//! W3C trace context (§1.2 #2, §16): a well-formed incoming `traceparent` is continued, a
//! malformed one starts a new trace; each answer names its span; every Finn call made for the
//! request carries the request's span as its parent. `X-Duration-Ms` on `/api/*` (§1.2 #15).

use reqwest::header::HeaderMap;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::finn::{self, FinnStandin};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app, ws};

const INCOMING: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn hdr<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

/// The answer's `traceparent`, checked against `x-trace-id` and `x-span-id`.
fn span_of(headers: &HeaderMap) -> (String, String) {
    let tp = hdr(headers, "traceparent");
    let parts: Vec<&str> = tp.split('-').collect();
    assert_eq!(parts.len(), 4, "{tp}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1].len(), 32);
    assert_eq!(parts[2].len(), 16);
    assert_eq!(hdr(headers, "x-trace-id"), parts[1]);
    assert_eq!(hdr(headers, "x-span-id"), parts[2]);
    (parts[1].to_owned(), parts[2].to_owned())
}

async fn setup() -> (TestApp, FinnStandin) {
    let finn = finn::spawn().await;
    let url = finn.url();
    let app = spawn_app(&[
        ("FINN_URL", url.as_str()),
        ("DIXIE_CHAT_HANDOFF_SECS", "1"),
        ("DIXIE_CORS_ORIGINS", "http://app.test"),
    ])
    .await;
    (app, finn)
}

async fn health(app: &TestApp, traceparent: Option<&str>) -> HeaderMap {
    let mut req = app.http.get(app.url("/api/health"));
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp);
    }
    req.send().await.unwrap().headers().clone()
}

#[tokio::test]
async fn a_well_formed_traceparent_is_continued_with_a_new_span() {
    let (app, _finn) = setup().await;
    let headers = health(&app, Some(INCOMING)).await;
    let (trace, span) = span_of(&headers);
    assert_eq!(trace, TRACE);
    assert_ne!(
        span, "00f067aa0ba902b7",
        "this request is a span of its own"
    );
    assert!(hdr(&headers, "traceparent").ends_with("-01"));
    app.stop().await;
}

#[tokio::test]
async fn a_malformed_or_missing_traceparent_starts_a_new_trace() {
    let (app, _finn) = setup().await;
    let mut traces = Vec::new();
    for incoming in [
        None,
        Some("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        Some("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        Some("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        Some("a-b-c-d"),
    ] {
        let (trace, _) = span_of(&health(&app, incoming).await);
        assert_ne!(trace, TRACE, "{incoming:?}");
        assert_ne!(trace, "0".repeat(32));
        traces.push(trace);
    }
    traces.sort();
    traces.dedup();
    assert_eq!(traces.len(), 5, "each new trace has its own id");
    app.stop().await;
}

#[tokio::test]
async fn every_finn_call_of_a_request_carries_its_span() {
    let (app, finn) = setup().await;
    let wallet = Wallet::new(61);
    finn.add_owner(&wallet.address, "mibera:61", &[]);
    let jwt = app.token_for(&wallet).await;
    let resp = app
        .http
        .post(app.url("/api/chat"))
        .bearer_auth(&jwt)
        .header("traceparent", INCOMING)
        .json(&json!({"prompt": "hello", "stream": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (_, span) = span_of(resp.headers());
    let expected = format!("00-{TRACE}-{span}-01");
    for endpoint in ["staking", "nfts", "sessions.create", "sessions.message"] {
        let got = finn
            .received(endpoint)
            .unwrap_or_else(|| panic!("{endpoint} called"));
        assert_eq!(
            got.headers.get("traceparent").map(|v| v.to_str().unwrap()),
            Some(expected.as_str()),
            "{endpoint}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_upstream_stream_carries_the_upgrade_requests_span() {
    let (app, finn) = setup().await;
    let wallet = Wallet::new(62);
    let jwt = app.token_for(&wallet).await;
    let ticket = ws::ticket(&app, &jwt).await;
    let url = format!(
        "{}/ws/chat/sess-9?ticket={ticket}",
        app.base.replace("http://", "ws://")
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("traceparent", INCOMING.parse().unwrap());
    let (client, resp) = tokio_tungstenite::connect_async(request).await.unwrap();
    let tp = resp.headers()["traceparent"].to_str().unwrap().to_owned();
    assert!(tp.starts_with(&format!("00-{TRACE}-")), "{tp}");
    let got = finn.received("ws").expect("Finn's stream opened");
    assert_eq!(got.headers["traceparent"].to_str().unwrap(), tp);
    drop(client);
    app.stop().await;
}

#[tokio::test]
async fn api_answers_carry_their_duration_and_browsers_may_read_it() {
    let (app, _finn) = setup().await;
    for path in ["/api/health", "/api/no-such-route"] {
        let resp = app
            .http
            .get(app.url(path))
            .header("origin", "http://app.test")
            .send()
            .await
            .unwrap();
        let ms: u64 = hdr(resp.headers(), "x-duration-ms").parse().unwrap();
        assert!(ms < 60_000, "{path}: {ms}");
        let exposed = hdr(resp.headers(), "access-control-expose-headers").to_owned();
        for name in ["X-Duration-Ms", "traceparent", "X-Trace-Id", "X-Model-Used"] {
            assert!(exposed.contains(name), "{path}: {exposed}");
        }
    }
    let docs = app.get("/openapi.json").await;
    assert!(
        !docs.headers().contains_key("x-duration-ms"),
        "not an API route"
    );
    assert!(
        docs.headers().contains_key("traceparent"),
        "every answer has a span"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_model_and_cost_finn_reports_become_headers() {
    let (app, finn) = setup().await;
    let jwt = app.token_for(&Wallet::new(63)).await;
    let turn = || async {
        app.http
            .post(app.url("/api/chat"))
            .bearer_auth(&jwt)
            .json(&json!({"prompt": "hello", "stream": false}))
            .send()
            .await
            .unwrap()
    };
    let silent = turn().await;
    assert_eq!(silent.status(), 200);
    assert!(
        !silent.headers().contains_key("x-model-used"),
        "Finn 858dbf41 reports neither"
    );
    assert!(!silent.headers().contains_key("x-cost-micro-usd"));

    finn.report_economics("claude-sonnet-4", 1234);
    let reported = turn().await;
    assert_eq!(reported.status(), 200);
    assert_eq!(hdr(reported.headers(), "x-model-used"), "claude-sonnet-4");
    assert_eq!(hdr(reported.headers(), "x-cost-micro-usd"), "1234");
    app.stop().await;
}
