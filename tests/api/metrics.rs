//! `GET /metrics`: OpenMetrics text a Prometheus parser reads, counters that move with the
//! requests, the optional bearer token, and metrics off.

use prometheus_parse::{Scrape, Value};
use reqwest::Method;

use crate::support::finn::{self, FinnStandin};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app};

async fn setup(vars: &[(&str, &str)]) -> (TestApp, FinnStandin) {
    let finn = finn::spawn().await;
    let url = finn.url();
    let mut all = vec![("FINN_URL", url.as_str()), ("FINN_TIMEOUT_MS", "500")];
    all.extend_from_slice(vars);
    (spawn_app(&all).await, finn)
}

async fn scrape(app: &TestApp) -> Scrape {
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = resp.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses")
}

/// The value of the sample `name` whose labels include every `labels` pair (0 when absent).
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Value::Summary(_) => 0.0,
        })
        .sum()
}

#[tokio::test]
async fn counters_move_with_the_requests_by_route_template() {
    let (app, finn) = setup(&[]).await;
    finn.set_personality("mibera:5", "Bera");
    let before = scrape(&app).await;
    let health = [
        ("method", "GET"),
        ("route", "/api/health"),
        ("status", "200"),
    ];
    let h0 = value(&before, "dixie_http_requests_total", &health);

    for _ in 0..3 {
        assert_eq!(app.get("/api/health").await.status(), 200);
    }
    assert_eq!(app.get("/api/nowhere/at/all").await.status(), 401);
    let jwt = app.token_for(&Wallet::new(95)).await;
    let (status, _) = app
        .call(Method::GET, "/api/personality/mibera:5", &jwt, None)
        .await;
    assert_eq!(status, 200);

    let after = scrape(&app).await;
    assert_eq!(
        value(&after, "dixie_http_requests_total", &health) - h0,
        3.0
    );
    assert_eq!(
        value(
            &after,
            "dixie_http_requests_total",
            &[("route", "/api/personality/:nftId"), ("status", "200")]
        ),
        1.0,
        "labelled by template, not by path"
    );
    assert!(
        after
            .samples
            .iter()
            .all(|s| s.labels.get("route") != Some("/api/personality/mibera:5")),
        "no path ever becomes a label"
    );
    assert_eq!(
        value(
            &after,
            "dixie_http_requests_total",
            &[("route", "unmatched"), ("status", "401")]
        ),
        1.0
    );
    let timed = after
        .samples
        .iter()
        .find(|s| {
            s.metric == "dixie_http_request_duration_seconds"
                && s.labels.get("route") == Some("/api/health")
        })
        .expect("a latency histogram per route");
    match &timed.value {
        Value::Histogram(buckets) => {
            assert!(buckets.len() > 10, "{buckets:?}");
            assert!(buckets.last().unwrap().count >= 3.0);
        }
        other => panic!("not a histogram: {other:?}"),
    }
    assert_eq!(
        value(
            &after,
            "dixie_finn_requests_total",
            &[("operation", "beauvoir"), ("outcome", "ok")]
        ),
        1.0
    );
    assert_eq!(value(&after, "dixie_finn_circuit_state", &[]), 0.0);
    assert_eq!(value(&after, "dixie_ws_streams_open", &[]), 0.0);
    assert!(
        after.samples.iter().all(|s| s.metric != "dixie_redis_up"),
        "Redis is not configured here"
    );
    app.stop().await;
}

#[tokio::test]
async fn rate_limit_refusals_are_counted() {
    let (app, _finn) = setup(&[("DIXIE_RATE_LIMIT_RPM", "2")]).await;
    let mut refused = 0;
    for _ in 0..4 {
        let resp = app
            .http
            .post(app.url("/api/auth/nonce"))
            .send()
            .await
            .unwrap();
        refused += u16::from(resp.status() == 429);
    }
    assert_eq!(refused, 2);
    let after = scrape(&app).await;
    assert_eq!(value(&after, "dixie_rate_limited_total", &[]), 2.0);
    assert_eq!(
        value(
            &after,
            "dixie_http_requests_total",
            &[("route", "/api/auth/nonce"), ("status", "429")]
        ),
        2.0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_metrics_token_is_asked_for_when_set() {
    let token = "scrape-token-0123456789";
    let (app, _finn) = setup(&[("DIXIE_METRICS_TOKEN", token)]).await;
    for sent in [None, Some("wrong")] {
        let mut req = app.http.get(app.url("/metrics"));
        if let Some(sent) = sent {
            req = req.bearer_auth(sent);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "unauthorized", "message": "Metrics token required"})
        );
    }
    let resp = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn metrics_off_is_404_and_records_nothing() {
    let (app, _finn) = setup(&[("DIXIE_METRICS", "false")]).await;
    app.get("/api/health").await;
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    app.stop().await;
}
