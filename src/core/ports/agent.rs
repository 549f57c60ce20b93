//! The ports of the agent API (§1.5.13): what Finn does for agents, the per-agent quota the
//! replicas share, and the knowledge-priority votes.

use std::future::Future;

use crate::core::agent::{
    AgentCron, KnowledgeMetadata, OracleAnswer, OracleQuery, QuotaDecision, SourceTally, Tally,
    TbaClaim, TbaIdentity, Vote,
};
use crate::core::error::PortError;
use crate::core::upstream::{CallContext, UpstreamError};

/// Finn's services to agents (token-bound accounts).
pub trait AgentGateway: Clone + Send + Sync + 'static {
    /// Finn's verification of a TBA signature: the account and its owner, `Ok(None)` when Finn
    /// refuses the signature, an error when Finn could not answer.
    fn verify_tba(
        &self,
        ctx: &CallContext,
        claim: &TbaClaim,
    ) -> impl Future<Output = Result<Option<TbaIdentity>, UpstreamError>> + Send;

    /// One oracle query on an agent's behalf (Finn `POST /api/chat`).
    fn agent_query(
        &self,
        ctx: &CallContext,
        query: &OracleQuery,
    ) -> impl Future<Output = Result<OracleAnswer, UpstreamError>> + Send;

    /// Finn's corpus metadata (`GET /api/knowledge/metadata`).
    fn knowledge_metadata(
        &self,
        ctx: &CallContext,
    ) -> impl Future<Output = Result<KnowledgeMetadata, UpstreamError>> + Send;

    /// Registers an agent's cron (`POST /api/cron/register`); Finn's answer, as it is.
    fn register_agent_cron(
        &self,
        ctx: &CallContext,
        cron: &AgentCron,
    ) -> impl Future<Output = Result<serde_json::Value, UpstreamError>> + Send;
}

/// Per-agent query limits: at most `per_minute` in any sliding 60 s and `per_day` per UTC day.
///
/// Contract every adapter meets (the shared contract suite checks it):
/// - `admit` is atomic per agent: of concurrent admits, never more than the limits allow
///   are admitted; a refused request is not counted.
/// - the minute refusal's `retry_after` is the seconds until the oldest counted request
///   leaves the window (1..=60); the day refusal's is the seconds to the next UTC midnight.
/// - it never fails: an adapter whose store is down decides with the process's own count.
pub trait AgentQuota: Clone + Send + Sync + 'static {
    fn per_minute(&self) -> u32;
    fn per_day(&self) -> u32;
    fn admit(&self, agent: &str) -> impl Future<Output = QuotaDecision> + Send;
}

/// Knowledge-priority votes, one per (voter, source): a later vote replaces the earlier.
pub trait PriorityVotes: Clone + Send + Sync + 'static {
    /// Stores `vote` (replacing the voter's earlier one on the source) and answers the
    /// source's tally after it.
    fn cast(&self, vote: &Vote) -> impl Future<Output = Result<SourceTally, PortError>> + Send;

    /// Every voted source, highest score first (ties: source id), the distinct voters and
    /// the time of the latest vote.
    fn tally(&self) -> impl Future<Output = Result<Tally, PortError>> + Send;
}
