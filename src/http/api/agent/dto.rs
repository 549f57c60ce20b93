//! The agent API's bodies.

use poem_openapi::{ApiResponse, Object};

use crate::core::agent::{QueryOutcome, SelfKnowledge, Tally};
use crate::core::knowledge::CorpusMeta;
use crate::http::timestamp::Timestamp;

/// `POST /api/agent/query` body. `query` is required.
#[derive(Object, Debug)]
pub struct QueryBody {
    /// At most 10 000 characters
    pub query: Option<String>,
    /// `text` (default), `json` or `structured`
    pub format: Option<String>,
    /// 1..4096
    #[oai(rename = "maxTokens")]
    pub max_tokens: Option<i64>,
    /// At most 100 characters
    #[oai(rename = "knowledgeDomain")]
    pub knowledge_domain: Option<String>,
    /// Refuse (402 `budget_exceeded`) when the estimate (6 600 µUSD) exceeds it
    #[oai(rename = "maxCostMicroUsd")]
    pub max_cost_micro_usd: Option<f64>,
    /// A session to continue (`^[A-Za-z0-9_:-]+$`, 1..128)
    #[oai(rename = "sessionId")]
    pub session_id: Option<String>,
}

#[derive(Object, Debug)]
pub struct SourceDto {
    pub id: String,
    pub title: String,
    pub relevance: f64,
}

/// What the answer cost (µUSD from the pricing table, rounded up; 0 for an unknown model).
#[derive(Object, Debug)]
pub struct CostDto {
    #[oai(rename = "modelUsed")]
    pub model_used: String,
    #[oai(rename = "inputTokens")]
    pub input_tokens: u64,
    #[oai(rename = "outputTokens")]
    pub output_tokens: u64,
    #[oai(rename = "costMicroUsd")]
    pub cost_micro_usd: u64,
}

/// A receipt of the query's cost (scaffold: nothing is settled).
#[derive(Object, Debug)]
pub struct ReceiptDto {
    /// `rcpt-<unix ms>-<6 base36>`
    #[oai(rename = "receiptId")]
    pub receipt_id: String,
    /// The TBA
    pub payer: String,
    /// Always `dixie-oracle`
    pub payee: String,
    #[oai(rename = "amountMicroUsd")]
    pub amount_micro_usd: u64,
    pub timestamp: Timestamp,
}

/// Present when some corpus sources are stale (confidence `medium` or `low`).
#[derive(Object, Debug)]
pub struct FreshnessDto {
    pub confidence: String,
    pub disclaimer: String,
    #[oai(rename = "staleSourceCount")]
    pub stale_source_count: u64,
}

#[derive(Object, Debug)]
pub struct QueryAnswer {
    pub response: String,
    pub format: String,
    pub sources: Vec<SourceDto>,
    pub cost: CostDto,
    pub receipt: ReceiptDto,
    #[oai(rename = "sessionId", skip_serializing_if_is_none)]
    pub session_id: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub freshness: Option<FreshnessDto>,
}

impl From<QueryOutcome> for QueryAnswer {
    fn from(o: QueryOutcome) -> Self {
        QueryAnswer {
            response: o.response,
            format: o.format,
            sources: o
                .sources
                .into_iter()
                .map(|s| SourceDto {
                    id: s.id,
                    title: s.title,
                    relevance: s.relevance,
                })
                .collect(),
            cost: CostDto {
                model_used: o.model,
                input_tokens: o.input_tokens,
                output_tokens: o.output_tokens,
                cost_micro_usd: o.cost_micro_usd,
            },
            receipt: ReceiptDto {
                receipt_id: o.receipt.receipt_id,
                payer: o.receipt.payer,
                payee: o.receipt.payee.to_owned(),
                amount_micro_usd: o.receipt.amount_micro_usd,
                timestamp: Timestamp(o.receipt.timestamp),
            },
            session_id: o.session_id,
            freshness: o.freshness.and_then(|f| {
                Some(FreshnessDto {
                    disclaimer: f.disclaimer()?.to_owned(),
                    confidence: f.confidence.as_str().to_owned(),
                    stale_source_count: f.stale_sources,
                })
            }),
        }
    }
}

#[derive(ApiResponse, Debug)]
pub enum QueryReply {
    /// The oracle's answer, its cost and receipt
    #[oai(status = 200)]
    Ok(
        poem_openapi::payload::Json<QueryAnswer>,
        /// The cost in µUSD
        #[oai(header = "X-Cost-Micro-USD")]
        u64,
        #[oai(header = "X-Model-Used")] String,
        #[oai(header = "X-Receipt-Id")] String,
        /// `high`, `medium` or `low` (absent without a corpus)
        #[oai(header = "X-Knowledge-Confidence")]
        Option<String>,
        /// Present when the cost reached 80 % of `maxCostMicroUsd`, or exceeded it
        #[oai(header = "X-Budget-Warning")]
        Option<String>,
    ),
}

#[derive(Object, Debug)]
pub struct Skill {
    pub id: String,
    #[oai(rename = "costEstimateMicroUsd")]
    pub cost_estimate_micro_usd: u64,
}

#[derive(Object, Debug)]
pub struct RateLimits {
    #[oai(rename = "requestsPerMinute")]
    pub requests_per_minute: u32,
    #[oai(rename = "requestsPerDay")]
    pub requests_per_day: u32,
}

#[derive(Object, Debug)]
pub struct Pricing {
    #[oai(rename = "baseCostMicroUsd")]
    pub base_cost_micro_usd: u64,
    #[oai(rename = "perTokenMicroUsd")]
    pub per_token_micro_usd: u64,
}

#[derive(Object, Debug)]
pub struct Capabilities {
    #[oai(rename = "oracleId")]
    pub oracle_id: String,
    #[oai(rename = "knowledgeDomains")]
    pub knowledge_domains: Vec<String>,
    #[oai(rename = "supportedFormats")]
    pub supported_formats: Vec<String>,
    /// The model pool of the owner's tier
    #[oai(rename = "modelPool")]
    pub model_pool: String,
    pub skills: Vec<Skill>,
    /// This deployment's limits per TBA
    #[oai(rename = "rateLimits")]
    pub rate_limits: RateLimits,
    pub pricing: Pricing,
}

#[derive(Object, Debug)]
pub struct DomainDto {
    pub name: String,
    #[oai(rename = "documentCount")]
    pub document_count: u64,
    #[oai(rename = "lastUpdated")]
    pub last_updated: Option<String>,
}

#[derive(Object, Debug)]
pub struct FreshnessCounts {
    pub healthy: u64,
    pub stale: u64,
    pub total: u64,
}

/// Finn's corpus metadata (empty when Finn cannot answer) and the local corpus's state (null
/// without a corpus).
#[derive(Object, Debug)]
pub struct Knowledge {
    pub domains: Vec<DomainDto>,
    #[oai(rename = "totalDocuments")]
    pub total_documents: u64,
    pub corpus_version: Option<u64>,
    pub freshness: Option<FreshnessCounts>,
}

#[derive(Object, Debug)]
pub struct MutationDto {
    pub seq: u64,
    #[oai(rename = "type")]
    pub kind: String,
    pub timestamp: String,
    pub detail: String,
}

#[derive(Object, Debug)]
pub struct SelfFreshness {
    pub healthy: u64,
    pub stale: u64,
    pub total: u64,
    #[oai(rename = "staleSources")]
    pub stale_sources: Vec<String>,
}

#[derive(Object, Debug)]
pub struct TagCoverageDto {
    pub tag: String,
    pub sources: u64,
}

#[derive(Object, Debug)]
pub struct Coverage {
    /// Sources per tag
    pub tags: Vec<TagCoverageDto>,
    pub required_sources: u64,
    pub required_stale: u64,
}

/// The sources' declared `maxTokens` against the corpus's `default_budget_tokens`.
#[derive(Object, Debug)]
pub struct TokenUtilization {
    pub budget: u64,
    pub estimated_actual: u64,
    pub utilization_percent: u64,
}

#[derive(Object, Debug)]
pub struct SourceWeightDto {
    pub source_id: String,
    /// The corpus's own priority (1 highest; 0 unranked)
    pub priority: u32,
    /// Σ priority × tier weight of the community's votes
    pub community_score: u64,
    pub stale: bool,
}

#[derive(Object, Debug)]
pub struct PriorityDto {
    #[oai(rename = "sourceId")]
    pub source_id: String,
    pub score: u64,
    #[oai(rename = "voteCount")]
    pub vote_count: u32,
}

#[derive(Object, Debug)]
#[oai(rename = "AgentGovernance")]
pub struct Governance {
    /// The ten highest-scored sources
    #[oai(rename = "communityPriorities")]
    pub community_priorities: Vec<PriorityDto>,
    #[oai(rename = "totalVoters")]
    pub total_voters: u32,
    /// Always `conviction-weighted-vote`
    #[oai(rename = "governanceModel")]
    pub governance_model: String,
}

#[derive(Object, Debug)]
pub struct SelfKnowledgeDto {
    pub corpus_version: u64,
    pub last_mutation: Option<MutationDto>,
    pub freshness: SelfFreshness,
    pub coverage: Coverage,
    pub token_utilization: TokenUtilization,
    /// `high` (no stale source), `medium` (at most a quarter stale) or `low`
    pub confidence: String,
    pub source_weights: Vec<SourceWeightDto>,
    pub governance: Governance,
}

impl SelfKnowledgeDto {
    pub fn new(k: SelfKnowledge, tally: &Tally) -> Self {
        SelfKnowledgeDto {
            corpus_version: k.corpus_version,
            last_mutation: k.last_mutation.map(|e| MutationDto {
                seq: e.seq,
                kind: e.kind,
                timestamp: e.timestamp,
                detail: e.detail,
            }),
            freshness: SelfFreshness {
                healthy: k.freshness.healthy,
                stale: k.freshness.stale,
                total: k.freshness.total,
                stale_sources: k.freshness.stale_sources,
            },
            coverage: Coverage {
                tags: k
                    .coverage
                    .into_iter()
                    .map(|c| TagCoverageDto {
                        tag: c.tag,
                        sources: c.sources,
                    })
                    .collect(),
                required_sources: k.required_sources,
                required_stale: k.required_stale,
            },
            token_utilization: TokenUtilization {
                budget: k.token_budget,
                estimated_actual: k.token_estimate,
                utilization_percent: k.utilization_percent,
            },
            confidence: k.confidence.as_str().to_owned(),
            source_weights: k
                .source_weights
                .into_iter()
                .map(|w| SourceWeightDto {
                    source_id: w.source_id,
                    priority: w.priority,
                    community_score: w.community_score,
                    stale: w.stale,
                })
                .collect(),
            governance: Governance {
                community_priorities: tally
                    .sources
                    .iter()
                    .take(10)
                    .map(|t| PriorityDto {
                        source_id: t.source_id.clone(),
                        score: t.score,
                        vote_count: t.votes,
                    })
                    .collect(),
                total_voters: tally.voters,
                governance_model: "conviction-weighted-vote".to_owned(),
            },
        }
    }
}

/// `POST /api/agent/knowledge/priorities/vote` body.
#[derive(Object, Debug)]
pub struct VoteBody {
    /// A source of the corpus (any id when no corpus is configured)
    #[oai(rename = "sourceId")]
    pub source_id: Option<String>,
    /// 1..5
    pub priority: Option<i64>,
}

#[derive(Object, Debug)]
pub struct VoteAnswer {
    #[oai(rename = "sourceId")]
    pub source_id: String,
    #[oai(rename = "yourVote")]
    pub your_vote: u8,
    #[oai(rename = "aggregateScore")]
    pub aggregate_score: u64,
    #[oai(rename = "voteCount")]
    pub vote_count: u32,
}

#[derive(Object, Debug)]
pub struct PriorityRow {
    #[oai(rename = "sourceId")]
    pub source_id: String,
    pub score: u64,
    #[oai(rename = "voteCount")]
    pub vote_count: u32,
    /// The source's tags in the corpus
    pub tags: Vec<String>,
}

#[derive(Object, Debug)]
pub struct Priorities {
    /// Highest score first
    pub priorities: Vec<PriorityRow>,
    #[oai(rename = "totalVoters")]
    pub total_voters: u32,
    /// The latest vote's time (null before any)
    #[oai(rename = "lastUpdated")]
    pub last_updated: Option<Timestamp>,
}

impl Priorities {
    pub fn new(tally: Tally, corpus: Option<&CorpusMeta>) -> Self {
        let tags = |id: &str| {
            corpus
                .and_then(|m| m.sources.iter().find(|s| s.id == id))
                .map(|s| s.tags.clone())
                .unwrap_or_default()
        };
        Priorities {
            priorities: tally
                .sources
                .into_iter()
                .map(|t| PriorityRow {
                    tags: tags(&t.source_id),
                    source_id: t.source_id,
                    score: t.score,
                    vote_count: t.votes,
                })
                .collect(),
            total_voters: tally.voters,
            last_updated: tally
                .last_vote_at
                .map(|ms| Timestamp(crate::core::clock::iso_of_unix_millis(ms))),
        }
    }
}

/// `POST /api/agent/schedule` body (all required).
#[derive(Object, Debug)]
pub struct AgentScheduleBody {
    #[oai(rename = "nftId")]
    pub nft_id: Option<String>,
    /// As `POST /api/schedule` reads it, e.g. `every morning`, `daily at 7pm`
    #[oai(rename = "nlExpression")]
    pub nl_expression: Option<String>,
    pub prompt: Option<String>,
}

#[derive(ApiResponse, Debug)]
pub enum ScheduleReply {
    /// Registered: Finn's answer as it is (e.g. `{cronId}`)
    #[oai(status = 201)]
    Created(poem_openapi::payload::Json<serde_json::Value>),
}
