//! `POST /api/chat` and `/api/sessions*`: the chat proxy to Finn (§1.5.4–5, D3, D4).
//!
//! The wallet forwarded to Finn is the verified caller's (never a client header); the request
//! id is the effective one (echoed or generated), also returned as `messageId` for a new
//! session.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::auth::Caller;
use crate::core::ports::AgentRuntime;
use crate::core::upstream::CallContext;
use crate::http::error::UpstreamFailure;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};

/// `POST /api/chat` body.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct ChatRequest {
    #[oai(validator(min_length = 1, max_length = 10000))]
    pub prompt: String,
    /// Continue this session; omit to start a new one.
    #[oai(rename = "sessionId", validator(pattern = "^[A-Za-z0-9_-]{1,128}$"))]
    pub session_id: Option<String>,
}

pub struct ChatApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> ChatApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        ChatApi { state }
    }
}

fn context(caller: &Caller, request_id: &RequestId) -> CallContext {
    CallContext {
        request_id: request_id.as_str().to_owned(),
        wallet: caller.wallet().map(str::to_owned),
        memory_context: None,
    }
}

#[OpenApi(tag = "ApiTags::Chat")]
impl<A: Adapters> ChatApi<A> {
    /// Chat with the oracle
    ///
    /// Without `sessionId` starts a session and answers `{sessionId, messageId}` (`messageId`
    /// is the request id). With `sessionId` sends the prompt to that session and answers
    /// Finn's body as it is. Needs a JWT of an allowlisted wallet or an allowlisted API key.
    #[oai(path = "/api/chat", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        body: Json<ChatRequest>,
    ) -> Result<Json<Value>, UpstreamFailure> {
        let ctx = context(&caller, &request_id);
        let finn = &self.state.finn;
        match &body.session_id {
            Some(session) => finn
                .send_message(&ctx, session, &body.prompt)
                .await
                .map(Json)
                .map_err(UpstreamFailure),
            None => {
                let session_id = finn
                    .start_session(&ctx, &body.prompt)
                    .await
                    .map_err(UpstreamFailure)?;
                Ok(Json(serde_json::json!({
                    "sessionId": session_id,
                    "messageId": ctx.request_id,
                })))
            }
        }
    }

    /// List the caller's sessions (Finn's body as it is)
    #[oai(path = "/api/sessions", method = "get", operation_id = "listSessions")]
    async fn sessions(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
    ) -> Result<Json<Value>, UpstreamFailure> {
        self.state
            .finn
            .list_sessions(&context(&caller, &request_id))
            .await
            .map(Json)
            .map_err(UpstreamFailure)
    }

    /// One session (Finn's body as it is)
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
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{1,128}$"))] id: Path<String>,
    ) -> Result<Json<Value>, UpstreamFailure> {
        self.state
            .finn
            .get_session(&context(&caller, &request_id), &id)
            .await
            .map(Json)
            .map_err(UpstreamFailure)
    }
}
