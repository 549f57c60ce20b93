//! `GET /ws/chat/{sessionId}?ticket=`: the chat stream (§15, README "Streaming chat").
//!
//! Before the upgrade, in this order: the session id, the `Origin` (one of
//! `DIXIE_CORS_ORIGINS` when sent), a WebSocket handshake, the ticket (single use), the stream
//! limits, and Finn's own stream. Every refusal is JSON `{error, message}`; the ticket is never
//! logged beyond its first characters.

mod registry;
mod relay;

pub use registry::{Held, Refusal, STREAMS_PER_WALLET, Slot, Streams};
pub use relay::{Ended, Timers};

use std::time::Instant;

use poem::http::{StatusCode, header};
use poem::web::websocket::{WebSocket, WebSocketConfig};
use poem::{Endpoint, FromRequest, IntoResponse, Request, Response};

use crate::core::chat::frames::{
    Enrichment, MAX_FRAME_BYTES, READ_BUFFER_BYTES, Translator, prompt_frame,
};
use crate::core::chat::{ticket_digest, ticket_hint};
use crate::core::families::Persistence;
use crate::core::ports::{AgentStreams, TicketStore};
use crate::core::upstream::CallContext;
use crate::http::conviction::conviction_of;
use crate::http::error::{ErrorBody, json_error};
use crate::http::ids::plain_id;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::unix_now;

/// Buffers of the client's socket: small when idle, bounded when busy (the same as Finn's
/// side, `adapters::finn::stream_config`).
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(2 * MAX_FRAME_BYTES)
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES))
}

#[derive(serde::Deserialize)]
struct StreamQuery {
    ticket: Option<String>,
}

fn refuse(status: StatusCode, error: &str, message: &str) -> Response {
    json_error(status, &ErrorBody::new(error, message))
}

/// The upgrade endpoint over the server's adapters.
pub struct ChatStream<A: Adapters> {
    state: Shared<A>,
    timers: Timers,
}

impl<A: Adapters> ChatStream<A> {
    pub fn new(state: Shared<A>, timers: Timers) -> Self {
        ChatStream { state, timers }
    }

    /// What the stream adds to Finn's frames for `wallet`.
    async fn enrichment(&self, request_id: Option<&RequestId>, wallet: &str) -> Enrichment {
        let state = &self.state;
        let conviction = conviction_of(state, request_id, wallet).await;
        let mut enrichment = Enrichment {
            pool: conviction.tier.model_pool().to_owned(),
            tier: conviction.tier.as_str().to_owned(),
            ..Enrichment::default()
        };
        let ctx = request_id.map_or_else(CallContext::default, |id| id.call_context(Some(wallet)));
        if let (_, Some(projection)) = state.chat.memory(&ctx, wallet).await {
            let context = projection.active_context;
            enrichment.memory = Some((
                context.summary.len().div_ceil(4) as u64,
                context.recent_topics,
            ));
        }
        enrichment
    }
}

impl<A: Adapters> Endpoint for ChatStream<A> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let session_id = req.raw_path_param("id").unwrap_or_default().to_owned();
        if !plain_id(&session_id) {
            return Ok(refuse(
                StatusCode::UNAUTHORIZED,
                "invalid_session_id",
                "The session id must be 1 to 128 letters, digits, '_' or '-'",
            ));
        }
        let state = &self.state;
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let allowed = origin.to_str().is_ok_and(|o| state.settings.cors.allows(o));
            if !allowed {
                return Ok(refuse(
                    StatusCode::FORBIDDEN,
                    "forbidden_origin",
                    "This origin may not open chat streams",
                ));
            }
        }
        let Ok(socket) = WebSocket::from_request_without_body(&req).await else {
            return Ok(refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Expected a WebSocket handshake (GET with Upgrade: websocket)",
            ));
        };
        let ticket = req
            .params::<StreamQuery>()
            .ok()
            .and_then(|q| q.ticket)
            .unwrap_or_default();
        if ticket.is_empty() {
            return Ok(refuse(
                StatusCode::UNAUTHORIZED,
                "missing_ticket",
                "Ask POST /api/ws/ticket for a ticket and pass it as ?ticket=",
            ));
        }
        let correlation = req.extensions().get::<RequestId>().cloned();
        let request_id = correlation
            .as_ref()
            .map(|id| id.as_str().to_owned())
            .unwrap_or_default();
        let invalid = || {
            refuse(
                StatusCode::UNAUTHORIZED,
                "invalid_ticket",
                "The ticket is unknown, used or expired",
            )
        };
        let Some(digest) = ticket_digest(&ticket) else {
            return Ok(invalid());
        };
        let wallet = match state.db.tickets().redeem(&digest, unix_now()).await {
            Ok(Some(wallet)) => wallet,
            Ok(None) => return Ok(invalid()),
            Err(e) => {
                tracing::error!(event = "ticket_store_failed", request_id, detail = %e);
                return Ok(refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "Chat streams are unavailable right now",
                ));
            }
        };
        let slot = match state.streams.admit(&wallet) {
            Ok(slot) => slot,
            Err(refusal) => {
                let message = match refusal {
                    Refusal::Wallet => "Too many open streams for this wallet",
                    Refusal::Process => "Too many open streams",
                };
                return Ok(refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    message,
                ));
            }
        };
        let ctx = correlation
            .as_ref()
            .map_or_else(CallContext::default, |id| id.call_context(None));
        let Ok(finn) = state.finn.open(&ctx, &session_id).await else {
            return Ok(refuse(
                StatusCode::UNAUTHORIZED,
                "upstream_unavailable",
                "The agent runtime cannot be reached",
            ));
        };
        let translator = Translator::new(self.enrichment(correlation.as_ref(), &wallet).await);
        let closing = state.streams.closing();
        let (timers, chat) = (self.timers, state.chat.clone());
        tracing::info!(
            event = "stream_opened",
            request_id,
            session_id,
            wallet,
            ticket = ticket_hint(&ticket)
        );
        Ok(socket
            .config(socket_config())
            .on_upgrade(move |client| async move {
                let started = Instant::now();
                // The handed-off prompt is taken only once the socket is live.
                let first = match chat
                    .claim_for_stream(&session_id, &wallet, unix_now())
                    .await
                {
                    Ok(parked) => parked.map(|p| prompt_frame(&p.prompt)),
                    Err(e) => {
                        tracing::error!(event = "handoff_store_failed", request_id, detail = %e);
                        None
                    }
                };
                let handed_off = first.is_some();
                let on_reply = |ended| chat.reply_ended(&wallet, &session_id, ended);
                let ended =
                    relay::relay(client, finn, translator, first, closing, timers, on_reply).await;
                drop(slot);
                tracing::info!(
                    event = "stream_closed",
                    request_id,
                    session_id,
                    reason = ended.as_str(),
                    handed_off,
                    duration_ms = started.elapsed().as_millis() as u64
                );
            })
            .into_response())
    }
}
