//! `/api/memory/{nftId}*` (§1.5.9): a dNFT's soul memory, kept by Finn.
//!
//! Authorization runs before the operation: the wallet's ownership comes from the one
//! `OwnershipResolver`; an owner may do anything, a delegate may read; anyone else is judged
//! by the projection's access policy (a missing projection is 404, an unreachable one counts
//! as policy `none`). An owner's read of an unreachable projection is Finn's error, never an
//! empty memory.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use serde_json::Value;

use super::ApiTags;
use super::auth::BearerToken;
use super::chat::context;
use crate::core::auth::Caller;
use crate::core::memory::{
    ActiveContext, Grant, HistoryQuery, Holders, MemoryOp, MemoryProjection, PersonalityDrift,
    SealAccessPolicy, SealingPolicy, evaluate_access, validate_sealing,
};
use crate::core::ownership::holding;
use crate::core::ports::{OwnershipResolver, SoulMemory};
use crate::core::upstream::{CallContext, UpstreamError};
use crate::http::api::access_policy::AccessPolicyView;
use crate::http::body::JsonBody;
use crate::http::error::RouteError;
use crate::http::ids::{NftId, PlainId};
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

#[derive(Object, Debug)]
pub struct ActiveContextDto {
    pub summary: String,
    #[oai(rename = "recentTopics")]
    pub recent_topics: Vec<String>,
    #[oai(rename = "unresolvedQuestions")]
    pub unresolved_questions: Vec<String>,
}

#[derive(Object, Debug)]
pub struct PersonalityDriftDto {
    pub formality: f64,
    pub technicality: f64,
    pub verbosity: f64,
    #[oai(rename = "updatedAt")]
    pub updated_at: Option<Timestamp>,
}

/// A dNFT's memory projection.
#[derive(Object, Debug)]
pub struct MemoryView {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    #[oai(rename = "activeContext")]
    pub active_context: ActiveContextDto,
    #[oai(rename = "conversationCount")]
    pub conversation_count: u64,
    #[oai(rename = "sealedConversationCount")]
    pub sealed_conversation_count: u64,
    // No doc comment on a `$ref` field (see `AccessPolicyView`): an unreadable stored policy
    // is shown as `{type: "none"}`, which is how it is evaluated.
    #[oai(rename = "accessPolicy")]
    pub access_policy: AccessPolicyView,
    #[oai(rename = "lastInteraction")]
    pub last_interaction: Option<Timestamp>,
    #[oai(rename = "personalityDrift")]
    pub personality_drift: PersonalityDriftDto,
}

impl From<MemoryProjection> for MemoryView {
    fn from(p: MemoryProjection) -> Self {
        let ActiveContext {
            summary,
            recent_topics,
            unresolved_questions,
        } = p.active_context;
        let PersonalityDrift {
            formality,
            technicality,
            verbosity,
            updated_at,
        } = p.personality_drift;
        MemoryView {
            nft_id: p.nft_id,
            active_context: ActiveContextDto {
                summary,
                recent_topics,
                unresolved_questions,
            },
            conversation_count: p.conversation_count,
            sealed_conversation_count: p.sealed_conversation_count,
            access_policy: AccessPolicyView::of(&p.access_policy)
                .unwrap_or_else(AccessPolicyView::none),
            last_interaction: p.last_interaction.map(Timestamp),
            personality_drift: PersonalityDriftDto {
                formality,
                technicality,
                verbosity,
                updated_at: updated_at.map(Timestamp),
            },
        }
    }
}

#[derive(Enum, Clone, Copy, Debug)]
pub enum EncryptionScheme {
    #[oai(rename = "aes-256-gcm")]
    Aes256Gcm,
}

#[derive(Enum, Clone, Copy, Debug)]
pub enum KeyDerivation {
    #[oai(rename = "hkdf-sha256")]
    HkdfSha256,
}

#[derive(Enum, Clone, Copy, Debug)]
pub enum SealPolicyType {
    #[oai(rename = "none")]
    NoAccess,
    #[oai(rename = "read_only")]
    ReadOnly,
    #[oai(rename = "time_limited")]
    TimeLimited,
    #[oai(rename = "role_based")]
    RoleBased,
}

impl SealPolicyType {
    fn as_str(self) -> &'static str {
        match self {
            SealPolicyType::NoAccess => "none",
            SealPolicyType::ReadOnly => "read_only",
            SealPolicyType::TimeLimited => "time_limited",
            SealPolicyType::RoleBased => "role_based",
        }
    }
}

/// Who may see a sealed conversation.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct SealAccessPolicyDto {
    #[oai(rename = "type")]
    pub kind: SealPolicyType,
    /// Hours of access, an integer 1..8760 (required for `time_limited`)
    #[oai(validator(minimum(value = "0", exclusive)))]
    pub duration_hours: Option<f64>,
    /// Roles granted access (required, non-empty, for `role_based`)
    #[oai(validator(max_items = 32))]
    pub roles: Option<Vec<String>>,
    pub audit_required: bool,
    pub revocable: bool,
}

#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct SealingPolicyDto {
    pub encryption_scheme: EncryptionScheme,
    pub key_derivation: KeyDerivation,
    /// Reference to the encryption key (required: the scheme is not `none`)
    #[oai(validator(max_length = 256))]
    pub key_reference: Option<String>,
    /// Audit every access (default true)
    pub access_audit: Option<bool>,
    pub access_policy: SealAccessPolicyDto,
}

/// `POST /api/memory/{nftId}/seal` body.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct SealRequest {
    #[oai(rename = "conversationId", validator(min_length = 1, max_length = 128))]
    pub conversation_id: String,
    #[oai(rename = "sealingPolicy")]
    pub sealing_policy: SealingPolicyDto,
}

impl From<&SealingPolicyDto> for SealingPolicy {
    fn from(dto: &SealingPolicyDto) -> Self {
        SealingPolicy {
            encryption_scheme: "aes-256-gcm".to_owned(),
            key_derivation: "hkdf-sha256".to_owned(),
            key_reference: dto.key_reference.clone(),
            access_audit: dto.access_audit.unwrap_or(true),
            access_policy: SealAccessPolicy {
                kind: dto.access_policy.kind.as_str().to_owned(),
                duration_hours: dto.access_policy.duration_hours,
                roles: dto.access_policy.roles.clone(),
                audit_required: dto.access_policy.audit_required,
                revocable: dto.access_policy.revocable,
            },
        }
    }
}

#[derive(Object, Debug)]
pub struct Sealed {
    pub sealed: bool,
    #[oai(rename = "conversationId")]
    pub conversation_id: String,
    #[oai(rename = "expiresAt", skip_serializing_if_is_none)]
    pub expires_at: Option<Timestamp>,
    #[oai(rename = "eventId")]
    pub event_id: String,
}

#[derive(ApiResponse, Debug)]
pub enum SealReply {
    /// The conversation is sealed
    #[oai(status = 201)]
    Created(Json<Sealed>),
}

#[derive(Object, Debug)]
pub struct ConversationList {
    /// Newest first, as Finn pages them.
    pub conversations: Vec<ConversationSummary>,
}

/// One conversation of a dNFT's memory, as Finn summarizes it.
#[derive(Object, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    #[oai(rename = "conversationId")]
    pub conversation_id: String,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub title: Option<String>,
    #[oai(rename = "messageCount", skip_serializing_if_is_none)]
    #[serde(default)]
    pub message_count: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub sealed: Option<bool>,
    /// ISO-8601.
    #[oai(rename = "lastMessageAt", skip_serializing_if_is_none)]
    #[serde(default)]
    pub last_message_at: Option<Timestamp>,
}

#[derive(Object, Debug)]
pub struct Deleted {
    pub deleted: bool,
    #[oai(rename = "conversationId")]
    pub conversation_id: String,
}

pub struct MemoryApi<A: Adapters> {
    state: Shared<A>,
}

/// What authorization learned on the way.
struct Authorized {
    grant: Grant,
    /// The projection, when the decision needed it.
    projection: Option<MemoryProjection>,
}

impl<A: Adapters> MemoryApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        MemoryApi { state }
    }

    /// Decides `op` on `nft_id` for the caller (§1.5.9 authorization procedure).
    async fn authorize(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        op: MemoryOp,
    ) -> Result<Authorized, RouteError> {
        let Some(wallet) = ctx.wallet.as_deref() else {
            return Err(RouteError::unauthorized("Wallet required"));
        };
        let finn = &self.state.finn;
        let now = crate::http::unix_now();
        // An unanswered lookup is Finn's outage (503), never "not the owner".
        let holdings = finn.holdings(ctx, wallet).await?;
        let ownership = holding(&holdings, nft_id);
        let holders = |policy: &Value| {
            let holders = match ownership {
                Some(o) => Holders {
                    owner: Some(o.owner_wallet.as_str()),
                    delegates: &o.delegated_wallets,
                },
                None => Holders {
                    owner: None,
                    delegates: &[],
                },
            };
            evaluate_access(op, wallet, holders, policy, now)
        };
        let denied = |reason: &str| RouteError::forbidden(format!("Access denied: {reason}"));
        if ownership.is_some() {
            match holders(&Value::Null) {
                Ok(grant) => {
                    return Ok(Authorized {
                        grant,
                        projection: None,
                    });
                }
                Err(reason @ "delegated_wallets_cannot_modify") => return Err(denied(reason)),
                Err(_) => {}
            }
        }
        let projection = match finn.projection(ctx, nft_id).await {
            Ok(Some(p)) if !p.nft_id.is_empty() => p,
            Ok(_) => return Err(RouteError::not_found("Memory not found for this nftId")),
            Err(err) => {
                tracing::warn!(event = "memory_projection_unavailable", detail = %err);
                MemoryProjection::empty(nft_id)
            }
        };
        let grant = holders(&projection.access_policy).map_err(denied)?;
        Ok(Authorized {
            grant,
            projection: Some(projection),
        })
    }
}

#[OpenApi(tag = "ApiTags::Memory")]
impl<A: Adapters> MemoryApi<A> {
    /// A dNFT's memory projection
    ///
    /// Owner, delegate, or a wallet the projection's access policy admits.
    #[oai(
        path = "/api/memory/:nftId",
        method = "get",
        operation_id = "getMemory"
    )]
    async fn read(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<MemoryView>, RouteError> {
        let ctx = context(&caller, &request_id);
        let auth = self.authorize(&ctx, &nft_id, MemoryOp::Read).await?;
        let projection = match auth.projection {
            Some(p) => p,
            None => self
                .state
                .finn
                .projection(&ctx, &nft_id)
                .await?
                .unwrap_or_else(|| MemoryProjection::empty(&nft_id)),
        };
        tracing::debug!(event = "memory_read", grant = ?auth.grant);
        Ok(Json(projection.into()))
    }

    /// Seal a conversation (owner only)
    ///
    /// The sealing policy must be consistent: a `key_reference` (the scheme encrypts),
    /// `duration_hours` 1..8760 for `time_limited`, roles for `role_based`; otherwise 400
    /// `invalid_sealing_policy` listing every broken rule.
    #[oai(
        path = "/api/memory/:nftId/seal",
        method = "post",
        operation_id = "sealConversation"
    )]
    async fn seal(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        body: JsonBody<SealRequest>,
    ) -> Result<SealReply, RouteError> {
        let ctx = context(&caller, &request_id);
        self.authorize(&ctx, &nft_id, MemoryOp::Seal).await?;
        let policy = SealingPolicy::from(&body.sealing_policy);
        validate_sealing(&policy).map_err(|errors| {
            RouteError::bad_request("invalid_sealing_policy", errors.join("; "))
        })?;
        let answer = self
            .state
            .finn
            .seal(&ctx, &nft_id, &body.conversation_id, &policy)
            .await?;
        self.state.chat.forget_memory(&nft_id).await;
        let text = |name: &str| answer.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(SealReply::Created(Json(Sealed {
            sealed: true,
            conversation_id: body.0.conversation_id,
            expires_at: text("expiresAt").map(Timestamp),
            event_id: text("eventId").unwrap_or_default(),
        })))
    }

    /// A dNFT's conversations (owner, delegate, or admitted by policy)
    #[oai(
        path = "/api/memory/:nftId/history",
        method = "get",
        operation_id = "getMemoryHistory"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        /// Page size, 1..100 (default 20)
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// Where the previous page ended
        #[oai(validator(max_length = 256))]
        cursor: Query<Option<String>>,
        /// Include sealed conversations (default false)
        #[oai(name = "includeSealed")]
        include_sealed: Query<Option<bool>>,
    ) -> Result<Json<ConversationList>, RouteError> {
        let ctx = context(&caller, &request_id);
        self.authorize(&ctx, &nft_id, MemoryOp::History).await?;
        let query = HistoryQuery {
            limit: limit.0.unwrap_or(20),
            cursor: cursor.0,
            include_sealed: include_sealed.0.unwrap_or(false),
        };
        let answer = self.state.finn.history(&ctx, &nft_id, &query).await?;
        let conversations = match answer {
            Value::Array(items) => items,
            Value::Object(mut map) if map.get("conversations").is_some_and(Value::is_array) => {
                match map.remove("conversations") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                }
            }
            _ => {
                tracing::warn!(event = "finn_call_failed", detail = "history is not a list");
                return Err(UpstreamError::Unavailable.into());
            }
        };
        let conversations = conversations
            .into_iter()
            .filter_map(|item| {
                ConversationSummary::deserialize(&item)
                    .inspect_err(|e| tracing::warn!(event = "finn_item_skipped", detail = %e))
                    .ok()
            })
            .collect();
        Ok(Json(ConversationList { conversations }))
    }

    /// Delete a conversation (owner only)
    #[oai(
        path = "/api/memory/:nftId/:conversationId",
        method = "delete",
        operation_id = "deleteConversation"
    )]
    async fn delete(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        #[oai(name = "conversationId")] conversation_id: Path<PlainId>,
    ) -> Result<Json<Deleted>, RouteError> {
        let ctx = context(&caller, &request_id);
        self.authorize(&ctx, &nft_id, MemoryOp::Delete).await?;
        self.state
            .finn
            .delete_conversation(&ctx, &nft_id, &conversation_id)
            .await?;
        self.state.chat.forget_memory(&nft_id).await;
        Ok(Json(Deleted {
            deleted: true,
            conversation_id: conversation_id.0.0,
        }))
    }
}
