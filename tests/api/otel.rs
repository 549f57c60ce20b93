//! OpenTelemetry: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, a request is a server span with the
//! ids its `traceparent` answer names, under the caller's span, and each Finn call it makes is
//! a client span under it — all exported to an OTLP/HTTP receiver.

use reqwest::Method;

use crate::support::finn;
use crate::support::otlp::Receiver;
use crate::support::siwe::Wallet;
use crate::support::spawn_app;

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_and_its_finn_calls_reach_the_collector_as_parent_and_children() {
    let receiver = Receiver::start().await;
    let finn = finn::spawn().await;
    finn.set_personality("mibera:8", "Bera");
    let app = spawn_app(&[
        ("FINN_URL", &finn.url()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.url),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ])
    .await;
    let jwt = app.token_for(&Wallet::new(96)).await;
    let resp = app
        .http
        .request(Method::GET, app.url("/api/personality/mibera:8"))
        .bearer_auth(&jwt)
        .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let span_id = resp.headers()["x-span-id"].to_str().unwrap().to_owned();
    assert_eq!(resp.headers()["x-trace-id"], CALLER_TRACE);

    // The request, the staking lookup (its tier) and the personality lookup.
    let spans = receiver.trace(CALLER_TRACE, 3).await;
    let server = spans
        .iter()
        .find(|s| s.kind == 2)
        .unwrap_or_else(|| panic!("no server span: {spans:?}"));
    assert_eq!(server.name, "GET /api/personality/:nftId");
    assert_eq!(server.span_id, span_id, "the span the answer named");
    assert_eq!(server.parent, CALLER_SPAN, "under the caller's span");
    let calls: Vec<&str> = spans
        .iter()
        .filter(|s| s.kind == 3 && s.parent == server.span_id)
        .map(|s| s.name.as_str())
        .collect();
    assert!(calls.contains(&"beauvoir"), "{spans:?}");
    assert!(calls.contains(&"staking"), "{spans:?}");
    app.stop().await;
}
