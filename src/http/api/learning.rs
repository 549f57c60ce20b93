//! `/api/learning/{nftId}/insights|gaps` (§1.5.11): owner-only views of the learning engine.
//!
//! The wallet must hold the dNFT, as the `OwnershipResolver` reports it. Nothing feeds the
//! learning engine yet (as in the original), so both views are empty; the shapes are the
//! contract's, so clients can be built against them now.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::auth::Caller;
use crate::core::ownership::owns;
use crate::core::ports::OwnershipResolver;
use crate::http::error::ErrorBody;
use crate::http::ids::NftId;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

#[derive(Object, Debug)]
pub struct Insights {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    /// The most recent insight windows, newest last.
    pub insights: Vec<InsightWindow>,
    pub count: u32,
    /// Signals received but not yet batched into an insight.
    #[oai(rename = "pendingSignals")]
    pub pending_signals: u32,
}

/// What one batch of a dNFT's interactions taught (the original's `LearningInsights`).
#[derive(Object, Debug)]
pub struct InsightWindow {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    #[oai(rename = "windowStart")]
    pub window_start: Timestamp,
    #[oai(rename = "windowEnd")]
    pub window_end: Timestamp,
    #[oai(rename = "interactionCount")]
    pub interaction_count: u32,
    #[oai(rename = "topicClusters")]
    pub topic_clusters: Vec<TopicCluster>,
    #[oai(rename = "sourceMetrics")]
    pub source_metrics: SourceMetrics,
    #[oai(rename = "toolUsagePatterns")]
    pub tool_usage_patterns: Vec<ToolUsage>,
    #[oai(rename = "knowledgeGaps")]
    pub knowledge_gaps: Vec<KnowledgeGap>,
}

#[derive(Object, Debug)]
pub struct TopicCluster {
    pub topic: String,
    pub count: u32,
    /// Share of the window's interactions, 0..100.
    pub percentage: u32,
}

#[derive(Object, Debug)]
pub struct SourceMetrics {
    #[oai(rename = "totalQueries")]
    pub total_queries: u32,
    #[oai(rename = "hitRate")]
    pub hit_rate: f64,
    #[oai(rename = "missRate")]
    pub miss_rate: f64,
}

#[derive(Object, Debug)]
pub struct ToolUsage {
    pub tool: String,
    #[oai(rename = "useCount")]
    pub use_count: u32,
    /// Share of the window's tool uses, 0..100.
    pub percentage: u32,
}

#[derive(Object, Debug)]
pub struct KnowledgeGap {
    pub topic: String,
    #[oai(rename = "missRate")]
    pub miss_rate: f64,
    #[oai(rename = "queryCount")]
    pub query_count: u32,
    /// `low` | `medium` | `high`
    pub severity: String,
}

#[derive(Object, Debug)]
pub struct Gaps {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub gaps: Vec<KnowledgeGap>,
    /// Whether any gap has a miss rate above 0.3.
    pub alerting: bool,
    #[oai(rename = "alertCount")]
    pub alert_count: u32,
}

/// Failures of the learning routes.
#[derive(ApiResponse, Debug)]
pub enum LearningFailure {
    /// Invalid `nftId` or `limit` (`invalid_request`)
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No credentials, or an API key (these views need a wallet) (`unauthorized`)
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The wallet does not hold this dNFT, or is not allowlisted (`forbidden`)
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Finn could not say who holds the dNFT: unreachable or timed out (`upstream_error`),
    /// breaker open (`circuit_open`)
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

pub struct LearningApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> LearningApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        LearningApi { state }
    }

    /// The caller's wallet, if it holds `nft_id`.
    async fn owner_of(
        &self,
        caller: &Caller,
        request_id: &RequestId,
        nft_id: &str,
    ) -> Result<(), LearningFailure> {
        let Some(wallet) = caller.wallet() else {
            return Err(LearningFailure::Unauthorized(Json(ErrorBody::new(
                "unauthorized",
                "Wallet required",
            ))));
        };
        let holdings = self
            .state
            .finn
            .holdings(&request_id.call_context(None), wallet)
            .await
            .map_err(|err| {
                let (_, error, message, _) = err.response();
                LearningFailure::Unavailable(Json(ErrorBody::new(error, message)))
            })?;
        if owns(&holdings, wallet, nft_id) {
            Ok(())
        } else {
            Err(LearningFailure::Forbidden(Json(ErrorBody::new(
                "forbidden",
                "Not authorized for this NFT",
            ))))
        }
    }
}

#[OpenApi(tag = "ApiTags::Learning")]
impl<A: Adapters> LearningApi<A> {
    /// Learning insights of a dNFT (owner only)
    #[oai(
        path = "/api/learning/:nftId/insights",
        method = "get",
        operation_id = "getLearningInsights"
    )]
    async fn insights(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        /// How many of the latest insights, 1..100 (default 10)
        #[oai(
            name = "limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        _limit: Query<Option<u32>>,
    ) -> Result<Json<Insights>, LearningFailure> {
        self.owner_of(&caller, &request_id, &nft_id).await?;
        Ok(Json(Insights {
            nft_id: nft_id.0.0,
            insights: Vec::new(),
            count: 0,
            pending_signals: 0,
        }))
    }

    /// Knowledge gaps of a dNFT (owner only)
    #[oai(
        path = "/api/learning/:nftId/gaps",
        method = "get",
        operation_id = "getLearningGaps"
    )]
    async fn gaps(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<Gaps>, LearningFailure> {
        self.owner_of(&caller, &request_id, &nft_id).await?;
        Ok(Json(Gaps {
            nft_id: nft_id.0.0,
            gaps: Vec::new(),
            alerting: false,
            alert_count: 0,
        }))
    }
}
