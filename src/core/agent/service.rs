//! The agent use cases over their ports: authenticate a TBA, answer a query within the quota
//! and the budget, report the corpus, take votes, register a cron.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{
    AgentCron, KnowledgeMetadata, OracleQuery, Query, QueryError, QueryInput, QueryOutcome,
    QuotaDecision, Receipt, SelfKnowledge, SourceTally, TBA_CACHE_TTL, TBA_PREFIX, Tally, TbaClaim,
    TbaHeaders, TbaIdentity, TbaRefusal, Vote, freshness_of, self_knowledge,
};
use crate::core::cache::Cached;
use crate::core::chat::pricing::cost_micro_usd;
use crate::core::conviction::{Conviction, ConvictionDenial, Convictions, Tier, require_tier};
use crate::core::error::PortError;
use crate::core::knowledge::CorpusMeta;
use crate::core::ownership::{owns, valid_nft_id};
use crate::core::ports::{
    AgentGateway, AgentQuota, CacheStore, KnowledgeCorpus, OwnershipResolver, PriorityVotes,
    StakingLookup,
};
use crate::core::schedule::parse_expression;
use crate::core::upstream::{CallContext, UpstreamError};

/// Why a TBA was not admitted.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthFailure {
    /// 401 with the refusal's message.
    Refused(TbaRefusal),
    /// Finn could not verify (its mapped error).
    Upstream(UpstreamError),
    /// 403: the owner's tier is below the route's.
    Denied(Box<ConvictionDenial>),
}

/// Why a vote was not taken.
#[derive(Debug)]
pub enum VoteFailure {
    /// 400 `invalid_request`.
    Invalid(String),
    Store(PortError),
}

/// Why an agent's cron was not registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CronFailure {
    /// 400 with this code and message.
    Invalid(&'static str, String),
    /// 403: the agent's owner does not hold the dNFT.
    NotHolder,
    Upstream(UpstreamError),
}

/// The agent API's application logic: Finn `F`, the cache `C` of verified signatures (and of
/// owners' tiers), the quota `Q`, the votes `V`, the corpus `K`.
#[derive(Clone)]
pub struct AgentService<F, C, Q, V, K> {
    finn: F,
    verified: Cached<C>,
    convictions: Convictions<F, C>,
    quota: Q,
    votes: V,
    corpus: K,
}

impl<F, C, Q, V, K> AgentService<F, C, Q, V, K>
where
    F: AgentGateway + OwnershipResolver + StakingLookup,
    C: CacheStore,
    Q: AgentQuota,
    V: PriorityVotes,
    K: KnowledgeCorpus,
{
    pub fn new(
        finn: F,
        cache: C,
        convictions: Convictions<F, C>,
        quota: Q,
        votes: V,
        corpus: K,
    ) -> Self {
        AgentService {
            finn,
            verified: Cached::new(cache, TBA_PREFIX, TBA_CACHE_TTL),
            convictions,
            quota,
            votes,
            corpus,
        }
    }

    pub fn quota(&self) -> &Q {
        &self.quota
    }

    /// The TBA the headers prove at `now` (Unix seconds): the window first, then a verified
    /// signature reused from the cache, else Finn's verification (cached when it succeeds).
    async fn authenticate(
        &self,
        ctx: &CallContext,
        headers: TbaHeaders<'_>,
        now: i64,
    ) -> Result<TbaIdentity, AuthFailure> {
        let claim = TbaClaim::from_headers(headers, now).map_err(AuthFailure::Refused)?;
        let id = claim.cache_id();
        if let Some(hit) = self.verified.get::<TbaIdentity>(&id).await {
            return Ok(hit);
        }
        let verified = self
            .finn
            .verify_tba(ctx, &claim)
            .await
            .map_err(AuthFailure::Upstream)?
            .filter(|v| v.tba_address.eq_ignore_ascii_case(&claim.tba_address))
            .ok_or(AuthFailure::Refused(TbaRefusal::InvalidSignature))?;
        self.verified.put(&id, &verified).await;
        Ok(verified)
    }

    /// The TBA the headers prove at `now` and its owner's conviction, refused when the tier is
    /// below `required` (`allowlisted`: whether a wallet is on the allowlist, the tier's
    /// fallback when the staking lookup fails).
    pub async fn admit(
        &self,
        ctx: &CallContext,
        headers: TbaHeaders<'_>,
        now: i64,
        required: Option<Tier>,
        allowlisted: impl FnOnce(&str) -> bool,
    ) -> Result<(TbaIdentity, Conviction), AuthFailure> {
        let agent = self.authenticate(ctx, headers, now).await?;
        let conviction = self
            .convictions
            .of(ctx, &agent.owner_wallet, allowlisted)
            .await;
        if let Some(required) = required {
            require_tier(conviction.tier, required)
                .map_err(|denial| AuthFailure::Denied(Box::new(denial)))?;
        }
        Ok((agent, conviction))
    }

    /// The corpus's metadata, if one is configured and readable.
    pub async fn corpus(&self) -> Option<Arc<CorpusMeta>> {
        self.corpus.metadata().await
    }

    /// One query of `agent`: the body rules, the budget, the quota (only a request that
    /// passed both counts), Finn's answer and its cost.
    pub async fn query(
        &self,
        ctx: &CallContext,
        agent: &TbaIdentity,
        input: QueryInput,
        now: OffsetDateTime,
    ) -> Result<QueryOutcome, QueryError> {
        let query = Query::validate(input).map_err(QueryError::Invalid)?;
        if !query.within_budget() {
            return Err(QueryError::OverBudget {
                estimate: super::estimated_cost(),
            });
        }
        match self
            .quota
            .admit(&agent.tba_address.to_ascii_lowercase())
            .await
        {
            QuotaDecision::Allow => {}
            QuotaDecision::Minute { retry_after } => {
                return Err(QueryError::MinuteLimit { retry_after });
            }
            QuotaDecision::Day { retry_after } => {
                return Err(QueryError::DayLimit { retry_after });
            }
        }
        let freshness = self
            .corpus
            .metadata()
            .await
            .map(|meta| freshness_of(&meta, now.date()));
        let request = OracleQuery {
            message: query.query.clone(),
            agent_tba: agent.tba_address.clone(),
            format: query.format.clone(),
            max_tokens: query.max_tokens,
            knowledge_domain: query.knowledge_domain.clone(),
            session_id: query.session_id.clone(),
            system_note: freshness
                .as_ref()
                .and_then(|f| f.disclaimer())
                .map(str::to_owned),
        };
        let answer = self
            .finn
            .agent_query(ctx, &request)
            .await
            .map_err(QueryError::Upstream)?;
        let cost = cost_micro_usd(&answer.model, answer.input_tokens, answer.output_tokens);
        let nonce = uuid::Uuid::new_v4().as_u64_pair().0;
        Ok(QueryOutcome {
            budget_warning: query.budget_warning(cost),
            receipt: Receipt::new(&agent.tba_address, cost, now, nonce),
            response: answer.response,
            format: query.format,
            sources: answer.sources,
            model: answer.model,
            input_tokens: answer.input_tokens,
            output_tokens: answer.output_tokens,
            cost_micro_usd: cost,
            session_id: query.session_id,
            freshness,
        })
    }

    /// Finn's corpus metadata (empty when Finn cannot answer: the local part still stands).
    pub async fn finn_knowledge(&self, ctx: &CallContext) -> KnowledgeMetadata {
        self.finn.knowledge_metadata(ctx).await.unwrap_or_default()
    }

    /// The corpus's self-knowledge with the community's votes; `None` without a corpus.
    pub async fn self_knowledge(
        &self,
        today: time::Date,
    ) -> Result<Option<(SelfKnowledge, Tally)>, PortError> {
        let Some(meta) = self.corpus.metadata().await else {
            return Ok(None);
        };
        let tally = self.votes.tally().await?;
        Ok(Some((self_knowledge(&meta, today, &tally), tally)))
    }

    /// `voter`'s vote (EIP-55 owner wallet, at `tier`) of `priority` on `source_id`.
    pub async fn vote(
        &self,
        voter: &str,
        tier: Tier,
        source_id: Option<String>,
        priority: Option<i64>,
        now_ms: i64,
    ) -> Result<SourceTally, VoteFailure> {
        let invalid = |m: &str| VoteFailure::Invalid(m.to_owned());
        let source_id = source_id
            .filter(|s| !s.trim().is_empty() && s.len() <= 128)
            .ok_or_else(|| invalid("sourceId is required"))?;
        let priority = match priority {
            Some(p @ 1..=5) => p as u8,
            _ => return Err(invalid("priority must be an integer from 1 to 5")),
        };
        if let Some(meta) = self.corpus.metadata().await
            && !meta.sources.iter().any(|s| s.id == source_id)
        {
            return Err(VoteFailure::Invalid(format!(
                "Unknown sourceId: {source_id}"
            )));
        }
        let vote = Vote {
            voter: voter.to_owned(),
            source_id,
            priority,
            tier,
            cast_at: now_ms,
        };
        self.votes.cast(&vote).await.map_err(VoteFailure::Store)
    }

    /// Every source's aggregate.
    pub async fn tally(&self) -> Result<Tally, PortError> {
        self.votes.tally().await
    }

    /// Registers `agent`'s cron for `nft_id` with Finn: the expression is parsed like a
    /// holder's schedule, and the agent's owner must hold the dNFT.
    pub async fn schedule(
        &self,
        ctx: &CallContext,
        agent: &TbaIdentity,
        nft_id: Option<String>,
        expression: Option<String>,
        prompt: Option<String>,
    ) -> Result<serde_json::Value, CronFailure> {
        let required = || {
            CronFailure::Invalid(
                "invalid_request",
                "Required: nftId, nlExpression, prompt".to_owned(),
            )
        };
        let nft_id = nft_id.ok_or_else(required)?;
        let expression = expression
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(required)?;
        let prompt = prompt
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(required)?;
        if !valid_nft_id(&nft_id) {
            return Err(CronFailure::Invalid(
                "invalid_request",
                "Invalid nftId format".to_owned(),
            ));
        }
        if expression.len() > 200 || prompt.chars().count() > 10_000 {
            return Err(CronFailure::Invalid(
                "invalid_request",
                "nlExpression exceeds 200 or prompt 10000 characters".to_owned(),
            ));
        }
        let parsed = parse_expression(&expression).ok_or_else(|| {
            CronFailure::Invalid(
                "parse_error",
                format!("Could not parse schedule expression: {expression:?}"),
            )
        })?;
        let holdings = self
            .finn
            .holdings(ctx, &agent.owner_wallet)
            .await
            .map_err(CronFailure::Upstream)?;
        if !owns(&holdings, &agent.owner_wallet, &nft_id) {
            return Err(CronFailure::NotHolder);
        }
        let cron = AgentCron {
            nft_id,
            cron: parsed.cron,
            prompt,
            agent_tba: agent.tba_address.clone(),
        };
        self.finn
            .register_agent_cron(ctx, &cron)
            .await
            .map_err(CronFailure::Upstream)
    }
}
