//! The bodies of the query, capabilities and schedule routes.

use poem_openapi::{ApiResponse, Object};

use crate::core::agent::QueryOutcome;
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
