//! `POST /api/enrich/review-context` (§1.5.14): governance review context, assembled within a
//! 50 ms budget — what is not ready by then is answered as zeros with `partial: true`.

use std::time::{Duration, Instant};

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::agent::Tally;
use crate::core::clock::now_iso;
use crate::core::conviction::{Conviction, Tier, require_tier};
use crate::core::enrichment::{ReputationContext, TierDistribution};
use crate::http::body::JsonBody;
use crate::http::error::{RouteError, route_errors};
use crate::http::ids::NftId;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

/// How long assembling may take before the answer goes out partial.
pub const BUDGET: Duration = Duration::from_millis(50);

/// The kind of review.
#[derive(Enum, Debug, Clone, Copy)]
#[oai(rename_all = "lowercase")]
pub enum ReviewType {
    Bridge,
    Flatline,
    Audit,
}

/// `POST /api/enrich/review-context` body.
#[derive(Object, Debug)]
pub struct ReviewRequest {
    /// The dNFT under review.
    pub nft_id: NftId,
    pub review_type: ReviewType,
    /// What the review covers (free form; not used to assemble).
    pub scope: Option<serde_json::Value>,
}

/// dNFTs per conviction tier, as their reputation states suggest.
#[derive(Object, Debug, Default)]
pub struct Distribution {
    pub observer: u64,
    pub participant: u64,
    pub builder: u64,
    pub architect: u64,
    pub sovereign: u64,
}

#[derive(Object, Debug)]
pub struct ConvictionContext {
    pub tier_distribution: Distribution,
    pub total_bgt_staked: f64,
    pub snapshot_at: Timestamp,
}

/// Conformance monitoring (nothing measures it yet: zeros).
#[derive(Object, Debug)]
pub struct ConformanceContext {
    pub violation_rate: f64,
    pub top_violated_schemas: Vec<String>,
    pub sample_rate: f64,
    pub total_violations: u64,
    pub snapshot_at: Timestamp,
}

/// Which way the dNFT's quality scores move.
#[derive(Enum, Debug, Clone, Copy)]
#[oai(rename_all = "lowercase")]
pub enum TrajectoryKind {
    Improving,
    Declining,
    Stable,
    Cold,
}

#[derive(Object, Debug)]
pub struct ReputationSnapshot {
    pub trajectory: TrajectoryKind,
    pub blended_score: Option<f64>,
    pub sample_count: u64,
    /// `cold`, `warming`, `established` or `authoritative`
    pub reputation_state: String,
    pub snapshot_at: Timestamp,
}

/// A knowledge source's conviction-weighted priority (agents' votes, `/api/agent`).
#[derive(Object, Debug)]
pub struct SourcePriority {
    pub source_id: String,
    pub score: f64,
    pub vote_count: u32,
}

/// The agents' priority votes: how many stand, and the ten highest-scored sources.
#[derive(Object, Debug)]
pub struct KnowledgeContext {
    pub active_votes: u64,
    pub priority_rankings: Vec<SourcePriority>,
    pub snapshot_at: Timestamp,
}

/// The review context.
#[derive(Object, Debug)]
pub struct ReviewContext {
    pub conviction_context: ConvictionContext,
    pub conformance_context: ConformanceContext,
    pub reputation_context: ReputationSnapshot,
    pub knowledge_context: KnowledgeContext,
    pub assembled_at: Timestamp,
    /// Whether some part was not ready within the budget (or its store failed) and is zeros.
    pub partial: bool,
}

impl ReviewContext {
    fn assemble(
        distribution: Option<TierDistribution>,
        reputation: Option<ReputationContext>,
        votes: Option<Tally>,
    ) -> Self {
        let at = now_iso();
        let partial = distribution.is_none() || reputation.is_none() || votes.is_none();
        let votes = votes.unwrap_or_default();
        let d = distribution.unwrap_or_default();
        let r = reputation.unwrap_or_else(ReputationContext::cold);
        ReviewContext {
            conviction_context: ConvictionContext {
                tier_distribution: Distribution {
                    observer: d.observer,
                    participant: d.participant,
                    builder: d.builder,
                    architect: d.architect,
                    sovereign: d.sovereign,
                },
                total_bgt_staked: 0.0,
                snapshot_at: Timestamp(at.clone()),
            },
            conformance_context: ConformanceContext {
                violation_rate: 0.0,
                top_violated_schemas: Vec::new(),
                sample_rate: 0.0,
                total_violations: 0,
                snapshot_at: Timestamp(at.clone()),
            },
            reputation_context: ReputationSnapshot {
                trajectory: match r.trajectory {
                    crate::core::enrichment::Trajectory::Improving => TrajectoryKind::Improving,
                    crate::core::enrichment::Trajectory::Declining => TrajectoryKind::Declining,
                    crate::core::enrichment::Trajectory::Stable => TrajectoryKind::Stable,
                    crate::core::enrichment::Trajectory::Cold => TrajectoryKind::Cold,
                },
                blended_score: r.blended_score,
                sample_count: r.sample_count,
                reputation_state: r.state.to_owned(),
                snapshot_at: Timestamp(at.clone()),
            },
            knowledge_context: KnowledgeContext {
                active_votes: votes.sources.iter().map(|s| u64::from(s.votes)).sum(),
                priority_rankings: votes
                    .sources
                    .into_iter()
                    .take(10)
                    .map(|s| SourcePriority {
                        source_id: s.source_id,
                        score: s.score as f64,
                        vote_count: s.votes,
                    })
                    .collect(),
                snapshot_at: Timestamp(at.clone()),
            },
            assembled_at: Timestamp(at),
            partial,
        }
    }
}

/// The review context, with how long assembling took.
#[derive(ApiResponse, Debug)]
pub enum ReviewAnswer {
    /// The context (`partial: true` when some part was not ready within 50 ms)
    #[oai(status = 200)]
    Ok(
        Json<ReviewContext>,
        /// Milliseconds spent assembling
        #[oai(header = "X-Enrichment-Latency-Ms")]
        u64,
    ),
}

route_errors!(
    /// The failures of `POST /api/enrich/review-context`.
    ReviewFailure,
    [
        (
            400,
            "Invalid body: not JSON, `nft_id` missing or invalid, `review_type` not one of bridge, flatline, audit (`invalid_request`)",
        ),
        (401, "No credentials (`unauthorized`)"),
        (
            403,
            "A tier below builder (`forbidden` with `actual_tier`, `required_tier`, `denial_codes`, `evaluation_gap`), or not allowlisted",
        ),
        (500, "Unexpected failure (`internal_error`; detail only in the log)"),
    ]
);

pub struct EnrichApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> EnrichApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        EnrichApi { state }
    }
}

#[OpenApi(tag = "ApiTags::Enrichment")]
impl<A: Adapters> EnrichApi<A> {
    /// Review context for a governance review (builder tier)
    ///
    /// The tier distribution of every dNFT's reputation (reused 5 min; estimated above 10 000
    /// aggregates), the dNFT's reputation trajectory and the agents' knowledge-priority votes,
    /// assembled within 50 ms: a part not ready by then — or whose store failed — is zeros
    /// (`cold`) and the answer says `partial: true`.
    #[oai(
        path = "/api/enrich/review-context",
        method = "post",
        operation_id = "getReviewContext"
    )]
    async fn review_context(
        &self,
        _auth: BearerToken,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        body: JsonBody<ReviewRequest>,
    ) -> Result<ReviewAnswer, ReviewFailure> {
        require_tier(conviction.tier, Tier::Builder)
            .map_err(|denial| RouteError::Denied(Box::new(denial)))?;
        let started = Instant::now();
        let service = &self.state.enrichment;
        let log = |part: &str, e: &dyn std::fmt::Display| {
            tracing::warn!(
                event = "enrichment_part_failed",
                request_id = request_id.as_str(),
                part,
                detail = %e
            );
        };
        // The distribution is computed by its own task, so that a refresh cut short by the
        // budget still lands in the cache for the next request.
        let distribution = async {
            if let Some(d) = service.cached_distribution(started) {
                return Some(d);
            }
            let service = service.clone();
            match tokio::spawn(async move { service.tier_distribution(started).await }).await {
                Ok(Ok(d)) => Some(d),
                Ok(Err(e)) => {
                    log("tier_distribution", &e);
                    None
                }
                Err(e) => {
                    log("tier_distribution", &e);
                    None
                }
            }
        };
        let reputation = async {
            match service.reputation(&body.nft_id).await {
                Ok(r) => Some(r),
                Err(e) => {
                    log("reputation", &e);
                    None
                }
            }
        };
        let votes = async {
            match self.state.agents.tally().await {
                Ok(t) => Some(t),
                Err(e) => {
                    log("knowledge_votes", &e);
                    None
                }
            }
        };
        let all = async { futures_util::join!(distribution, reputation, votes) };
        let (distribution, reputation, votes) = tokio::time::timeout(BUDGET, all)
            .await
            .unwrap_or((None, None, None));
        let context = ReviewContext::assemble(distribution, reputation, votes);
        let latency = started.elapsed().as_millis() as u64;
        Ok(ReviewAnswer::Ok(Json(context), latency))
    }
}
