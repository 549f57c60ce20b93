//! `POST /api/chat` and `/api/sessions*`: the chat proxy to Finn (§1.5.4–5, D3, D4).
//!
//! The wallet forwarded to Finn is the verified caller's (never a client header); the request
//! id is the effective one (echoed or generated), also returned as `messageId` for a new
//! session. A wallet holding a dNFT has its memory context forwarded as `x-memory-context`
//! (D10), computed once per chat; a failure to compute it never fails the chat.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::auth::Caller;
use crate::core::conviction::Conviction;
use crate::core::memory::injection_context;
use crate::core::ports::{AgentRuntime, OwnershipResolver, SoulMemory};
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

/// A chat answer, with the model pool the caller's tier selects.
#[derive(ApiResponse, Debug)]
pub enum ChatReply {
    /// `{sessionId, messageId}` for a new session, else Finn's body as it is
    #[oai(status = 200)]
    Ok(
        Json<Value>,
        /// Model pool of the caller's conviction tier
        #[oai(header = "X-Model-Pool")]
        String,
    ),
}

pub struct ChatApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> ChatApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        ChatApi { state }
    }

    /// The memory context of the caller's dNFT, when there is a wallet, a dNFT and a memory.
    async fn memory_context(&self, ctx: &CallContext) -> Option<String> {
        let wallet = ctx.wallet.as_deref()?;
        let finn = &self.state.finn;
        let nft_id = finn
            .resolve_nft_id(&ctx.request_id, wallet)
            .await
            .ok()
            .flatten()?;
        match finn.projection(ctx, &nft_id).await {
            Ok(Some(projection)) => Some(injection_context(wallet, &projection)),
            Ok(None) => None,
            Err(err) => {
                tracing::debug!(event = "memory_context_skipped", detail = %err);
                None
            }
        }
    }
}

pub(crate) fn context(caller: &Caller, request_id: &RequestId) -> CallContext {
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
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        body: Json<ChatRequest>,
    ) -> Result<ChatReply, UpstreamFailure> {
        let mut ctx = context(&caller, &request_id);
        ctx.memory_context = self.memory_context(&ctx).await;
        let finn = &self.state.finn;
        let answer = match &body.session_id {
            Some(session) => finn.send_message(&ctx, session, &body.prompt).await,
            None => finn
                .start_session(&ctx, &body.prompt)
                .await
                .map(|session_id| {
                    serde_json::json!({"sessionId": session_id, "messageId": ctx.request_id})
                }),
        };
        let pool = conviction.tier.model_pool().to_owned();
        answer
            .map(|body| ChatReply::Ok(Json(body), pool))
            .map_err(UpstreamFailure)
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
