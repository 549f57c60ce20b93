//! A real WebSocket client for the chat stream, as the web client uses it (§15).

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::TestApp;

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn ticket(app: &TestApp, jwt: &str) -> String {
    let (status, body) = app
        .call(reqwest::Method::POST, "/api/ws/ticket", jwt, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 30);
    body["ticket"].as_str().unwrap().to_owned()
}

/// Opens `/ws/chat/{session}?ticket=` (with `origin`, when given).
pub async fn connect(
    app: &TestApp,
    session: &str,
    ticket: &str,
    origin: Option<&str>,
) -> Result<Client, tungstenite::Error> {
    use tungstenite::client::IntoClientRequest;
    let url = format!(
        "{}/ws/chat/{session}?ticket={ticket}",
        app.base.replace("http://", "ws://")
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

/// The status and JSON body of a refused upgrade.
pub fn refusal(result: Result<Client, tungstenite::Error>) -> (u16, Value) {
    match result {
        Err(tungstenite::Error::Http(resp)) => {
            let body = resp.body().clone().unwrap_or_default();
            (
                resp.status().as_u16(),
                serde_json::from_slice(&body).unwrap_or(Value::Null),
            )
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected a refusal, the stream opened"),
    }
}

/// The next JSON frame (pings skipped), within 5 s.
pub async fn next_frame(ws: &mut Client) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("the stream is open")
            .expect("a readable frame");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Frames up to and including the first of type `last`.
pub async fn frames_until(ws: &mut Client, last: &str) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = next_frame(ws).await;
        let done = frame["type"] == last;
        frames.push(frame);
        if done {
            return frames;
        }
    }
}

pub fn types(frames: &[Value]) -> Vec<&str> {
    frames.iter().map(|f| f["type"].as_str().unwrap()).collect()
}

/// The close code the stream ends with, within `wait`.
pub async fn close_code(ws: &mut Client, wait: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("the stream did not close within {wait:?}"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

pub fn prompt(text: &str) -> Message {
    Message::text(json!({"type": "prompt", "data": {"text": text}}).to_string())
}

/// A chat call that must answer 200; its body.
pub async fn chat(app: &TestApp, jwt: &str, body: Value) -> Value {
    let (status, body) = app
        .call(reqwest::Method::POST, "/api/chat", jwt, Some(body))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}
