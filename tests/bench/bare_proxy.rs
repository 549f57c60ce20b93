//! The in-run reference for chat in `make bench`: a bare one-hop proxy with no middleware,
//! no auth and no validation. `POST /api/chat {prompt, sessionId}` becomes Finn's
//! `POST /api/sessions/{sessionId}/message {text}`, and Finn's body is answered.
//! Usage: `bare_proxy <port> <finn-url>`.

use poem::listener::TcpListener;
use poem::web::{Data, Json};
use poem::{EndpointExt, Route, Server, handler, post};
use serde_json::{Value, json};

struct Finn {
    http: reqwest::Client,
    url: String,
}

#[handler]
async fn chat(finn: Data<&std::sync::Arc<Finn>>, body: Json<Value>) -> Json<Value> {
    let session = body["sessionId"].as_str().unwrap_or("s");
    let url = format!("{}/api/sessions/{session}/message", finn.url);
    let answer = finn
        .http
        .post(url)
        .json(&json!({"text": body["prompt"]}))
        .send()
        .await;
    let value = match answer {
        Ok(resp) => resp.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    Json(value)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port = args.get(1).cloned().unwrap_or_else(|| "3901".into());
    let finn = std::sync::Arc::new(Finn {
        http: reqwest::Client::new(),
        url: args
            .get(2)
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1:4000".into()),
    });
    Server::new(TcpListener::bind(format!("127.0.0.1:{port}")))
        .run(Route::new().at("/api/chat", post(chat)).data(finn))
        .await
}
