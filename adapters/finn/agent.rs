//! [`AgentGateway`] on Finn (§6.3): `verify-tba`, the agent's `POST /api/chat`, the corpus
//! metadata and the agent's cron registration.

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::{Call, CallError, FinnClient, json_body};
use crate::core::agent::{
    AgentCron, KnowledgeMetadata, OracleAnswer, OracleQuery, TbaClaim, TbaIdentity,
};
use crate::core::auth::ethereum;
use crate::core::ports::AgentGateway;
use crate::core::upstream::{CallContext, UpstreamError};

/// Finn's `TBAVerification`; `tokenId` may be a number or a string.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Verification {
    tba_address: String,
    #[serde(default)]
    nft_contract: String,
    token_id: Value,
    owner_wallet: String,
    #[serde(default)]
    verified_at: Option<String>,
}

impl AgentGateway for FinnClient {
    async fn verify_tba(
        &self,
        ctx: &CallContext,
        claim: &TbaClaim,
    ) -> Result<Option<TbaIdentity>, UpstreamError> {
        let body = json_body(claim)?;
        let segments = ["api", "auth", "verify-tba"];
        let call = Call {
            op: "auth.verify_tba",
            method: &Method::POST,
            segments: &segments,
            query: &[],
            body: Some(&body),
            ctx: Some(ctx),
            as_caller: false,
        };
        // A 4xx is Finn refusing the signature: an answer, not a failure of Finn.
        let value = match self.call(call, |s| (400..500).contains(&s)).await {
            Ok(value) => value,
            Err(CallError::Status { status, .. }) if (400..500).contains(&status) => {
                return Ok(None);
            }
            // Any other failure means the verifier is unavailable (503), whatever Finn's status.
            Err(CallError::Open) => return Err(UpstreamError::CircuitOpen),
            Err(err) => {
                tracing::warn!(event = "finn_call_failed", request_id = %ctx.request_id, detail = %err);
                return Err(UpstreamError::Unavailable);
            }
        };
        let v: Verification = Self::shaped(value, ctx)?;
        let token_id = match v.token_id {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => return Err(UpstreamError::Unavailable),
        };
        let Some(owner_wallet) = ethereum::normalize(&v.owner_wallet) else {
            tracing::warn!(event = "finn_call_failed", request_id = %ctx.request_id, detail = "verify-tba: ownerWallet is not an address");
            return Err(UpstreamError::Unavailable);
        };
        Ok(Some(TbaIdentity {
            tba_address: v.tba_address,
            nft_contract: v.nft_contract,
            token_id,
            owner_wallet,
            verified_at: v.verified_at.unwrap_or_else(crate::core::clock::now_iso),
        }))
    }

    async fn agent_query(
        &self,
        ctx: &CallContext,
        query: &OracleQuery,
    ) -> Result<OracleAnswer, UpstreamError> {
        let body = json_body(query)?;
        let value = self
            .session_call(
                "agent.query",
                Method::POST,
                &["api", "chat"],
                Some(&body),
                ctx,
                false,
            )
            .await?;
        Self::shaped(value, ctx)
    }

    async fn knowledge_metadata(
        &self,
        ctx: &CallContext,
    ) -> Result<KnowledgeMetadata, UpstreamError> {
        let value = self
            .session_call(
                "knowledge.metadata",
                Method::GET,
                &["api", "knowledge", "metadata"],
                None,
                ctx,
                false,
            )
            .await?;
        Self::shaped(value, ctx)
    }

    async fn register_agent_cron(
        &self,
        ctx: &CallContext,
        cron: &AgentCron,
    ) -> Result<Value, UpstreamError> {
        let body = json_body(cron)?;
        self.session_call(
            "cron.register",
            Method::POST,
            &["api", "cron", "register"],
            Some(&body),
            ctx,
            false,
        )
        .await
    }
}
