//! `POST /api/chat`, `POST /api/ws/ticket` and `/api/sessions*` (§1.5.4–6, §14, D3, D4).
//!
//! Thin over [`crate::core::chat::ChatService`]: the wallet forwarded to Finn is the verified
//! caller's (never a client header); `messageId` is the effective request id. Also the
//! WebSocket tickets of `POST /api/ws/ticket` (§1.5.6); the stream itself is `http::stream`.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::auth::Caller;
use crate::core::chat::{
    ChatError, ChatOutcome, ChatTurn, TICKET_TTL_SECS, TICKETS_PER_WALLET, mint_ticket,
    ticket_digest, ticket_hint,
};
use crate::core::conviction::Conviction;
use crate::core::families::Persistence;
use crate::core::ports::{AgentRuntime, TicketStore};
use crate::core::sessions::{SessionDetail, SessionList};
use crate::core::upstream::CallContext;
use crate::http::body::JsonBody;
use crate::http::error::{RouteError, UpstreamFailure, route_errors};
use crate::http::ids::PlainId;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::unix_now;

/// `POST /api/chat` body.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct ChatRequest {
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub prompt: String,
    /// Continue this session; omit to start a new one.
    #[oai(rename = "sessionId")]
    pub session_id: Option<PlainId>,
    /// `true`: answer at once and hand the prompt to the caller's stream of the session
    /// (`GET /ws/chat/{sessionId}`); `false`: answer with the whole reply. Default: `true` for
    /// a new session of a wallet, `false` otherwise. An API key cannot stream.
    pub stream: Option<bool>,
}

/// One tool call of a reply, as Finn reports it.
#[derive(Object, Debug)]
pub struct ToolCall {
    pub name: String,
    /// The arguments the model called the tool with: any JSON, as the model wrote them.
    pub args: Option<Value>,
    /// What the tool returned, as text (JSON text when the tool returned a value); empty while
    /// the call had not ended.
    pub result: Option<String>,
}

/// A chat answer.
#[derive(Object, Debug)]
pub struct ChatAnswer {
    #[oai(rename = "sessionId")]
    pub session_id: String,
    /// The request id of this call.
    #[oai(rename = "messageId")]
    pub message_id: String,
    /// Whether the reply comes over the stream (then `response` is absent).
    pub stream: bool,
    /// The agent's reply (a whole turn, when not streaming).
    #[oai(skip_serializing_if_is_none)]
    pub response: Option<String>,
    #[oai(rename = "toolCalls", skip_serializing_if_is_none)]
    pub tool_calls: Option<Vec<ToolCall>>,
}

/// One of the caller's sessions; times are Unix milliseconds.
#[derive(Object, Debug)]
#[oai(rename = "SessionSummary")]
pub struct SessionSummaryDto {
    pub id: String,
    #[oai(skip_serializing_if_is_none)]
    pub created: Option<i64>,
    #[oai(rename = "lastActivity", skip_serializing_if_is_none)]
    pub last_activity: Option<i64>,
}

/// The caller's sessions, most recently active first.
#[derive(Object, Debug)]
#[oai(rename = "SessionList")]
pub struct SessionListDto {
    pub sessions: Vec<SessionSummaryDto>,
}

impl From<SessionList> for SessionListDto {
    fn from(list: SessionList) -> Self {
        SessionListDto {
            sessions: list
                .sessions
                .into_iter()
                .map(|s| SessionSummaryDto {
                    id: s.id,
                    created: s.created,
                    last_activity: s.last_activity,
                })
                .collect(),
        }
    }
}

/// One session as Finn keeps it.
#[derive(Object, Debug)]
#[oai(rename = "Session")]
pub struct SessionDto {
    pub id: String,
    /// Finn's agent state (`systemPrompt`, `model`, `messages`, …), as Finn gives it.
    pub state: std::collections::BTreeMap<String, Value>,
    /// Whether a turn is running.
    #[oai(rename = "isStreaming")]
    pub is_streaming: bool,
    #[oai(rename = "messageCount")]
    pub message_count: u64,
}

impl From<SessionDetail> for SessionDto {
    fn from(detail: SessionDetail) -> Self {
        SessionDto {
            id: detail.id,
            state: detail.state.into_iter().collect(),
            is_streaming: detail.is_streaming,
            message_count: detail.message_count,
        }
    }
}

/// A chat answer, with the model pool the caller's tier selects.
#[derive(ApiResponse, Debug)]
pub enum ChatReply {
    /// The session and message ids, and the whole reply when not streaming
    #[oai(status = 200)]
    Ok(
        Json<ChatAnswer>,
        /// Model pool of the caller's conviction tier
        #[oai(header = "X-Model-Pool")]
        String,
        /// The model that answered, when Finn reports it
        #[oai(header = "X-Model-Used")]
        Option<String>,
        /// What the turn cost in micro-USD, when Finn reports it
        #[oai(header = "X-Cost-Micro-USD")]
        Option<u64>,
    ),
}

/// The fields of Finn's `{response, toolCalls}` reply a chat answer carries, and the model
/// and cost (`model`, `cost_micro_usd`) when Finn reports them.
#[derive(Default)]
struct Reply {
    response: Option<String>,
    tool_calls: Option<Vec<ToolCall>>,
    model: Option<String>,
    cost_micro_usd: Option<u64>,
}

/// A WebSocket ticket.
#[derive(Object, Debug)]
pub struct Ticket {
    /// `wst_` + 48 hex digits: pass it as `?ticket=` to `GET /ws/chat/{sessionId}`; it opens
    /// one stream, once.
    pub ticket: String,
    /// Seconds the ticket stays valid (30).
    pub expires_in: i64,
}

route_errors!(
    /// The failures of `POST /api/chat`.
    ChatFailure,
    [
        (400, "Invalid body (`invalid_request`), or a stream asked for by an API key"),
        (401, "No credentials (`unauthorized`)"),
        (402, "Finn: usage limit reached (`usage_limit`)"),
        (403, "Wallet or API key not allowlisted (`forbidden`)"),
        (404, "Finn does not know the session (`not_found`)"),
        (500, "Unexpected failure (`internal_error`; detail only in the log)"),
        (502, "Finn: provider unavailable (`service_unavailable`)"),
        (
            503,
            "Finn unreachable or timed out (`upstream_error`), breaker open (`circuit_open`), oracle model unavailable or the handoff store down (`service_unavailable`); any other Finn error status is passed through as `upstream_error`",
        ),
    ]
);

route_errors!(
    /// The failures of `GET /api/sessions/{id}`.
    SessionReadFailure,
    [
        (400, "Invalid session id (`invalid_request`)"),
        (401, "No credentials (`unauthorized`)"),
        (403, "Wallet or API key not allowlisted (`forbidden`)"),
        (404, "Finn knows no such session (`upstream_error`: `Session not found`)"),
        (
            503,
            "Finn unreachable or timed out (`upstream_error`), breaker open (`circuit_open`); any other Finn error status is passed through as `upstream_error`",
        ),
    ]
);

route_errors!(
    /// The failures of `POST /api/ws/ticket`.
    TicketFailure,
    [
        (401, "No credentials, or not a wallet session (`unauthorized`)"),
        (403, "Wallet not allowlisted (`forbidden`)"),
        (
            429,
            "Five unexpired tickets already, or too many requests (`rate_limited`)",
        ),
        (500, "Unexpected failure (`internal_error`; detail only in the log)"),
        (503, "The ticket store is down (`service_unavailable`)"),
    ]
);

pub struct ChatApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> ChatApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        ChatApi { state }
    }

    /// Delivers a parked prompt with a message call once the handoff window is over (or at
    /// once when shutdown begins, which waits for it), unless a stream took it first.
    fn deliver_later(&self, id: String, expires_at: i64) {
        let chat = self.state.chat.clone();
        let held = self.state.streams.hold();
        let mut closing = self.state.streams.closing();
        let wait = (expires_at - unix_now()).max(0) as u64;
        tokio::spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(wait)) => {}
                _ = closing.wait_for(|c| *c) => {}
            }
            match chat.deliver_unclaimed(&id).await {
                Ok(true) => tracing::info!(event = "handoff_delivered_by_message", handoff = id),
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(event = "handoff_delivery_failed", handoff = id, detail = %e)
                }
            }
            drop(held);
        });
    }
}

pub(crate) fn context(caller: &Caller, request_id: &RequestId) -> CallContext {
    request_id.call_context(caller.wallet())
}

/// Finn's reply as the answer's fields (not an object: unavailability).
fn reply_fields(reply: Value) -> Result<Reply, RouteError> {
    let Value::Object(mut reply) = reply else {
        tracing::warn!(
            event = "finn_call_failed",
            detail = "reply is not an object"
        );
        return Err(RouteError::Upstream(
            crate::core::upstream::UpstreamError::Unavailable,
        ));
    };
    let response = match reply.remove("response") {
        Some(Value::String(text)) => Some(text),
        _ => None,
    };
    let tool_calls = match reply.remove("toolCalls") {
        Some(Value::Array(calls)) => Some(
            calls
                .into_iter()
                .map(|mut call| ToolCall {
                    name: call
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    args: call.get_mut("args").map(Value::take),
                    result: call.get_mut("result").map(|r| match r.take() {
                        Value::String(text) => text,
                        other => other.to_string(),
                    }),
                })
                .collect(),
        ),
        _ => None,
    };
    let model = match reply.remove("model") {
        Some(Value::String(model)) if !model.is_empty() => Some(model),
        _ => None,
    };
    let cost_micro_usd = reply
        .get("cost_micro_usd")
        .or_else(|| reply.get("costMicroUsd"))
        .and_then(Value::as_u64);
    Ok(Reply {
        response,
        tool_calls,
        model,
        cost_micro_usd,
    })
}

#[OpenApi(tag = "ApiTags::Chat")]
impl<A: Adapters> ChatApi<A> {
    /// Chat with the oracle
    ///
    /// Without `sessionId` starts a session (with the personality of the caller's dNFT). The
    /// prompt is never dropped: without streaming it runs as a whole turn and the answer holds
    /// the reply; with streaming (`stream`) the answer comes at once and the prompt is handed
    /// to the caller's first stream of the session that opens within
    /// `DIXIE_CHAT_HANDOFF_SECS` (30 s), else sent as a message then. `messageId` is the
    /// request id. Needs a JWT of an allowlisted wallet or an allowlisted API key.
    #[oai(path = "/api/chat", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        body: JsonBody<ChatRequest>,
    ) -> Result<ChatReply, ChatFailure> {
        let ctx = context(&caller, &request_id);
        let turn = ChatTurn {
            prompt: &body.prompt,
            session_id: body.session_id.as_deref(),
            stream: body.stream,
        };
        let handoff_id = uuid::Uuid::new_v4().to_string();
        let outcome = self
            .state
            .chat
            .chat(ctx, turn, handoff_id, unix_now())
            .await;
        let mut economics = Reply::default();
        let answer = match outcome {
            Ok(ChatOutcome::Parked(parked)) => {
                self.deliver_later(parked.id.clone(), parked.expires_at);
                ChatAnswer {
                    session_id: parked.session_id,
                    message_id: parked.message_id,
                    stream: true,
                    response: None,
                    tool_calls: None,
                }
            }
            Ok(ChatOutcome::Answered {
                session_id,
                message_id,
                reply,
            }) => {
                economics = reply_fields(reply).map_err(ChatFailure)?;
                ChatAnswer {
                    session_id,
                    message_id,
                    stream: false,
                    response: economics.response.take(),
                    tool_calls: economics.tool_calls.take(),
                }
            }
            Err(ChatError::StreamNeedsWallet) => {
                return Err(RouteError::bad_request(
                    "invalid_request",
                    "Streaming needs a wallet session (JWT); an API key chats with stream: false",
                )
                .into());
            }
            Err(ChatError::Upstream(e)) => return Err(RouteError::Upstream(e).into()),
            Err(ChatError::Handoff(e)) => return Err(RouteError::Port(e).into()),
        };
        let pool = conviction.tier.model_pool().to_owned();
        Ok(ChatReply::Ok(
            Json(answer),
            pool,
            economics.model,
            economics.cost_micro_usd,
        ))
    }

    /// A ticket that opens one chat stream
    ///
    /// For `GET /ws/chat/{sessionId}?ticket=` (browsers cannot send a bearer token on a
    /// WebSocket). Single use, valid 30 s, at most 5 unexpired per wallet (429). Needs the JWT
    /// of an allowlisted wallet: an API key cannot stream.
    #[oai(
        path = "/api/ws/ticket",
        method = "post",
        operation_id = "issueStreamTicket"
    )]
    async fn ticket(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
    ) -> Result<Json<Ticket>, TicketFailure> {
        let Some(wallet) = caller.wallet() else {
            return Err(RouteError::unauthorized("A ticket needs a wallet session (JWT)").into());
        };
        let mut random = [0u8; 24];
        if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).is_err() {
            tracing::error!(
                event = "randomness_failed",
                request_id = request_id.as_str()
            );
            return Err(RouteError::Local(
                poem::http::StatusCode::INTERNAL_SERVER_ERROR,
                crate::http::error::ErrorBody::new("internal_error", "Internal server error"),
            )
            .into());
        }
        let ticket = mint_ticket(random);
        let digest = ticket_digest(&ticket).unwrap_or_default();
        let now = unix_now();
        let issued = self
            .state
            .db
            .tickets()
            .issue(
                &digest,
                wallet,
                now,
                now + TICKET_TTL_SECS,
                TICKETS_PER_WALLET,
            )
            .await?;
        if !issued {
            return Err(RouteError::Local(
                poem::http::StatusCode::TOO_MANY_REQUESTS,
                crate::http::error::ErrorBody::new(
                    "rate_limited",
                    "Too many outstanding tickets for this wallet",
                ),
            )
            .into());
        }
        tracing::info!(
            event = "ticket_issued",
            request_id = request_id.as_str(),
            ticket = ticket_hint(&ticket)
        );
        Ok(Json(Ticket {
            ticket,
            expires_in: TICKET_TTL_SECS,
        }))
    }

    /// List the caller's sessions, most recently active first
    #[oai(path = "/api/sessions", method = "get", operation_id = "listSessions")]
    async fn sessions(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
    ) -> Result<Json<SessionListDto>, UpstreamFailure> {
        self.state
            .finn
            .list_sessions(&context(&caller, &request_id))
            .await
            .map(|list| Json(SessionListDto::from(list)))
            .map_err(UpstreamFailure)
    }

    /// One session
    #[oai(
        path = "/api/sessions/:id",
        method = "get",
        operation_id = "getSession"
    )]
    async fn session(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        id: Path<PlainId>,
    ) -> Result<Json<SessionDto>, SessionReadFailure> {
        let detail = self
            .state
            .finn
            .get_session(&context(&caller, &request_id), &id)
            .await?;
        Ok(Json(SessionDto::from(detail)))
    }
}
