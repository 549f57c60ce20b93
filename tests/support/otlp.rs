//! A test OTLP/HTTP receiver (JSON encoding): keeps every span exported to `/v1/traces`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Route, Server, handler};
use serde_json::Value;

/// One received span: ids as lowercase hex (`parent` empty for a root).
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    pub trace_id: String,
    pub span_id: String,
    pub parent: String,
    pub name: String,
    /// OTLP's `SpanKind`: 2 server, 3 client.
    pub kind: u64,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

#[handler]
fn traces(Data(spans): Data<&Arc<Mutex<Vec<ReceivedSpan>>>>, body: String) -> &'static str {
    let doc: Value = serde_json::from_str(&body).expect("OTLP JSON");
    let mut kept = spans.lock().unwrap();
    for resource in doc["resourceSpans"].as_array().into_iter().flatten() {
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                let id = |k: &str| span[k].as_str().unwrap_or_default().to_ascii_lowercase();
                kept.push(ReceivedSpan {
                    trace_id: id("traceId"),
                    span_id: id("spanId"),
                    parent: id("parentSpanId"),
                    name: span["name"].as_str().unwrap_or_default().to_owned(),
                    kind: span["kind"].as_u64().unwrap_or(0),
                });
            }
        }
    }
    "{}"
}

impl Receiver {
    pub async fn start() -> Receiver {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("receiver binds");
        let addr = *acceptor.local_addr()[0].as_socket_addr().expect("tcp");
        let spans = Arc::new(Mutex::new(Vec::new()));
        let app = Route::new()
            .at("/v1/traces", poem::post(traces))
            .data(spans.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Receiver {
            url: format!("http://{addr}"),
            spans,
        }
    }

    /// The spans of `trace_id` once `want` of them arrived (within 10 s).
    pub async fn trace(&self, trace_id: &str, want: usize) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<ReceivedSpan> = self
                .spans
                .lock()
                .unwrap()
                .iter()
                .filter(|s| s.trace_id == trace_id)
                .cloned()
                .collect();
            if found.len() >= want || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
