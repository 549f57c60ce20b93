//! The agent API (§1.5.13): token-bound accounts (TBAs) that prove themselves with a signed,
//! fresh message, query the oracle within a per-agent quota and a budget, and vote on the
//! knowledge corpus's priorities with their owner's conviction.

mod priorities;
mod query;
pub mod quota;
mod self_knowledge;
mod service;
mod tba;

#[cfg(test)]
mod tests;

pub use priorities::{SourceTally, Tally, Vote, tier_weight};
pub use query::{
    BUDGET_ESTIMATE_MODEL, Confidence, Freshness, Query, QueryError, QueryInput, QueryOutcome,
    Receipt, estimated_cost, freshness_of,
};
pub use self_knowledge::{SelfKnowledge, SourceWeight, TagCoverage, self_knowledge};
pub use service::{AgentService, AuthFailure, CronFailure, VoteFailure};
pub use tba::{
    TBA_CACHE_TTL, TBA_PREFIX, TbaClaim, TbaHeaders, TbaIdentity, TbaRefusal, WINDOW_SECS,
};

use serde::{Deserialize, Serialize};

/// The oracle's id in capabilities and receipts.
pub const ORACLE_ID: &str = "the-honey-jar-oracle";
/// Who every receipt pays.
pub const PAYEE: &str = "dixie-oracle";

/// One oracle query as Finn's `POST /api/chat` takes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OracleQuery {
    pub message: String,
    pub agent_tba: String,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Sent when the corpus's confidence is medium or low.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_note: Option<String>,
}

/// A source Finn's answer drew on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerSource {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub relevance: f64,
}

/// Finn's answer to an oracle query.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OracleAnswer {
    pub response: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub sources: Vec<AnswerSource>,
}

/// One domain of Finn's corpus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainMeta {
    pub name: String,
    #[serde(default)]
    pub document_count: u64,
    #[serde(default)]
    pub last_updated: Option<String>,
}

/// Finn's `GET /api/knowledge/metadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnowledgeMetadata {
    #[serde(default)]
    pub domains: Vec<DomainMeta>,
    #[serde(default)]
    pub total_documents: u64,
}

/// An agent's cron registration as Finn's `POST /api/cron/register` takes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCron {
    pub nft_id: String,
    /// A cron expression (Dixie parses the agent's natural-language one; the original
    /// forwarded it unparsed).
    pub cron: String,
    pub prompt: String,
    pub agent_tba: String,
}

/// The answer of an agent's quota for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaDecision {
    Allow,
    /// Over the per-minute limit: seconds until the oldest counted request leaves the window.
    Minute {
        retry_after: u64,
    },
    /// Over the per-day limit: seconds to the next UTC midnight.
    Day {
        retry_after: u64,
    },
}
