//! Finn's stream (§14): a WebSocket to `/ws/{sessionId}` on `FINN_WS_URL`, authenticated with
//! `?token=` (Finn reads no header on the upgrade). The URL is never logged with its query.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Url;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::client::FinnClient;
use crate::core::chat::frames::{MAX_FRAME_BYTES, READ_BUFFER_BYTES};
use crate::core::ports::{AgentStream, AgentStreams};
use crate::core::upstream::{CallContext, UpstreamError};

/// Buffers of Finn's side of a stream: small when idle, bounded when busy (the same as the
/// client's side, `http::stream`).
pub fn stream_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(2 * MAX_FRAME_BYTES)
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES))
}

/// `FINN_WS_URL` from `FINN_URL` when it is not set: http → ws, https → wss.
pub fn default_ws_url(finn_url: &str) -> Option<String> {
    let mut url = Url::parse(finn_url).ok()?;
    let scheme = match url.scheme() {
        "http" => "ws",
        "https" => "wss",
        _ => return None,
    };
    url.set_scheme(scheme).ok()?;
    Some(url.to_string())
}

/// The connection settings of Finn's stream.
#[derive(Clone, Debug)]
pub struct StreamTarget {
    pub base: Url,
    pub token: Option<String>,
    pub timeout: Duration,
}

impl StreamTarget {
    fn url(&self, session_id: &str) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("ws").push(session_id);
        }
        if let Some(token) = &self.token {
            url.query_pairs_mut().append_pair("token", token);
        }
        url
    }
}

pub struct FinnStream {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    close_code: Option<u16>,
}

impl AgentStreams for FinnClient {
    type Stream = FinnStream;

    async fn open(&self, ctx: &CallContext, session_id: &str) -> Result<FinnStream, UpstreamError> {
        let target = self.stream_target();
        let failed = |detail: &dyn std::fmt::Display| {
            tracing::warn!(event = "finn_stream_failed", request_id = %ctx.request_id, session_id, detail = %detail);
            UpstreamError::Unavailable
        };
        let mut request = target
            .url(session_id)
            .as_str()
            .into_client_request()
            .map_err(|e| failed(&e))?;
        let headers = request.headers_mut();
        if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
            headers.insert("x-request-id", id);
        }
        if let Some(Ok(tp)) = ctx.traceparent.as_deref().map(HeaderValue::from_str) {
            headers.insert("traceparent", tp);
        }
        let connect =
            tokio_tungstenite::connect_async_with_config(request, Some(stream_config()), true);
        match tokio::time::timeout(target.timeout, connect).await {
            Err(_) => Err(failed(&"connect timed out")),
            // The error names the status or the transport, never the URL's query.
            Ok(Err(e)) => Err(failed(&e)),
            Ok(Ok((ws, _))) => Ok(FinnStream {
                ws,
                close_code: None,
            }),
        }
    }
}

impl AgentStream for FinnStream {
    async fn send(&mut self, frame: String) -> bool {
        self.ws.send(Message::text(frame)).await.is_ok()
    }

    async fn recv(&mut self) -> Option<String> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => return Some(text.as_str().to_owned()),
                Ok(Message::Close(frame)) => {
                    self.close_code = frame.map(|f| u16::from(f.code));
                    return None;
                }
                // Pings are answered by the codec; Finn sends no binary frames.
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    fn close_code(&self) -> Option<u16> {
        self.close_code
    }

    async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_url_follows_finn_url_and_carries_the_token_in_the_query() {
        assert_eq!(
            default_ws_url("http://finn:3000").as_deref(),
            Some("ws://finn:3000/")
        );
        assert_eq!(
            default_ws_url("https://finn.example/x/").as_deref(),
            Some("wss://finn.example/x/")
        );
        assert_eq!(default_ws_url("ftp://finn"), None);
        let target = StreamTarget {
            base: Url::parse("ws://finn:3000/x/").unwrap(),
            token: Some("t&k=1".into()),
            timeout: Duration::from_secs(1),
        };
        assert_eq!(
            target.url("mibera:42").as_str(),
            "ws://finn:3000/x/ws/mibera:42?token=t%26k%3D1"
        );
    }
}
