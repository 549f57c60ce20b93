//! `/api/agent/*` (§1.5.13): agents (token-bound accounts) behind the allowlist and a TBA
//! signature. Each route takes the three `x-tba-*` headers; the verified owner's conviction
//! tier gates every route but the priorities read.

mod corpus;
mod dto;
mod errors;

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;

pub use corpus::*;
pub use dto::*;
pub use errors::*;

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::agent::{
    AuthFailure, CronFailure, ORACLE_ID, QueryError, QueryInput, TbaHeaders, TbaIdentity,
    VoteFailure,
};
use crate::core::clock::now_millis;
use crate::core::conviction::{Conviction, Tier};
use crate::core::ports::AgentQuota;
use crate::http::body::JsonBody;
use crate::http::conviction::allowlisted;
use crate::http::error::{ErrorBody, RouteError};
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};

fn limited(retry_after: u64) -> RouteError {
    RouteError::Local(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorBody {
            message: "Agent rate limit exceeded".to_owned(),
            ..ErrorBody::rate_limited(retry_after)
        },
    )
}

pub struct AgentApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> AgentApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        AgentApi { state }
    }

    /// The TBA its three headers (address, signature, timestamp) prove, and its owner's
    /// conviction; refused below `required`.
    async fn agent(
        &self,
        [address, signature, timestamp]: [&Header<Option<String>>; 3],
        request_id: &RequestId,
        required: Option<Tier>,
    ) -> Result<(TbaIdentity, Conviction), RouteError> {
        let headers = TbaHeaders {
            address: address.0.as_deref(),
            signature: signature.0.as_deref(),
            timestamp: timestamp.0.as_deref(),
        };
        let ctx = request_id.call_context(None);
        let now = now_millis().div_euclid(1000);
        let listed = allowlisted(&self.state);
        match self
            .state
            .agents
            .admit(&ctx, headers, now, required, listed)
            .await
        {
            Ok(admitted) => Ok(admitted),
            Err(AuthFailure::Refused(why)) => Err(RouteError::unauthorized(why.message())),
            Err(AuthFailure::Upstream(err)) => Err(err.into()),
            Err(AuthFailure::Denied(denial)) => Err(RouteError::Denied(denial)),
        }
    }
}

#[OpenApi(tag = "ApiTags::Agent")]
impl<A: Adapters> AgentApi<A> {
    /// Ask the oracle (architect tier)
    ///
    /// Counts against the TBA's limits (per sliding minute and per UTC day; shared by the
    /// replicas when Redis is configured) only once the body and the budget pass. The cost
    /// follows the pricing table by the longest model-name prefix, rounded up to whole µUSD
    /// (0 for an unknown model).
    #[oai(
        path = "/api/agent/query",
        method = "post",
        operation_id = "agentQuery"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn query(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        /// The agent's token-bound account (`0x` + 40 hex)
        #[oai(name = "x-tba-address")]
        address: Header<Option<String>>,
        /// `personal_sign` by the TBA's owner of `dixie-agent-auth:<x-tba-address>:<x-tba-timestamp>`
        #[oai(name = "x-tba-signature")]
        signature: Header<Option<String>>,
        /// Unix seconds, within 300 s of now
        #[oai(name = "x-tba-timestamp")]
        timestamp: Header<Option<String>>,
        body: JsonBody<QueryBody>,
    ) -> Result<QueryReply, QueryFailure> {
        let (agent, _) = self
            .agent(
                [&address, &signature, &timestamp],
                &request_id,
                Some(Tier::Architect),
            )
            .await?;
        let b = body.0;
        let input = QueryInput {
            query: b.query,
            format: b.format,
            max_tokens: b.max_tokens,
            knowledge_domain: b.knowledge_domain,
            max_cost_micro_usd: b.max_cost_micro_usd,
            session_id: b.session_id,
        };
        let ctx = request_id.call_context(Some(&agent.owner_wallet));
        let now = time::OffsetDateTime::now_utc();
        let outcome = match self.state.agents.query(&ctx, &agent, input, now).await {
            Ok(outcome) => outcome,
            Err(QueryError::Invalid(message)) => {
                return Err(RouteError::bad_request("invalid_request", message).into());
            }
            Err(QueryError::OverBudget { estimate }) => {
                let message = format!("Estimated cost {estimate} µUSD exceeds maxCostMicroUsd");
                let body = ErrorBody::new("budget_exceeded", message);
                return Err(RouteError::Local(StatusCode::PAYMENT_REQUIRED, body).into());
            }
            Err(QueryError::MinuteLimit { retry_after } | QueryError::DayLimit { retry_after }) => {
                return Err(limited(retry_after).into());
            }
            Err(QueryError::Upstream(err)) => return Err(err.into()),
        };
        let cost = outcome.cost_micro_usd;
        let model = outcome.model.clone();
        let receipt = outcome.receipt.receipt_id.clone();
        let confidence = outcome
            .freshness
            .as_ref()
            .map(|f| f.confidence.as_str().to_owned());
        let warning = outcome.budget_warning.clone();
        Ok(QueryReply::Ok(
            Json(outcome.into()),
            cost,
            model,
            receipt,
            confidence,
            warning,
        ))
    }

    /// What the oracle offers agents (architect tier)
    #[oai(
        path = "/api/agent/capabilities",
        method = "get",
        operation_id = "agentCapabilities"
    )]
    async fn capabilities(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "x-tba-address")] address: Header<Option<String>>,
        #[oai(name = "x-tba-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-tba-timestamp")] timestamp: Header<Option<String>>,
    ) -> Result<Json<Capabilities>, AgentReadFailure> {
        let (_, conviction) = self
            .agent(
                [&address, &signature, &timestamp],
                &request_id,
                Some(Tier::Architect),
            )
            .await?;
        let quota = self.state.agents.quota();
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        let skill = |id: &str, cost| Skill {
            id: id.to_owned(),
            cost_estimate_micro_usd: cost,
        };
        Ok(Json(Capabilities {
            oracle_id: ORACLE_ID.to_owned(),
            knowledge_domains: strings(&[
                "berachain",
                "defi",
                "governance",
                "honey-jar",
                "bera-ecosystem",
            ]),
            supported_formats: strings(&["text", "json", "structured"]),
            model_pool: conviction.tier.model_pool().to_owned(),
            skills: vec![
                skill("knowledge_query", 50),
                skill("session_context", 100),
                skill("structured_analysis", 150),
            ],
            rate_limits: RateLimits {
                requests_per_minute: quota.per_minute(),
                requests_per_day: quota.per_day(),
            },
            pricing: Pricing {
                base_cost_micro_usd: 10,
                per_token_micro_usd: 3,
            },
        }))
    }

    /// The corpus: Finn's domains and the local corpus's freshness (architect tier)
    #[oai(
        path = "/api/agent/knowledge",
        method = "get",
        operation_id = "agentKnowledge"
    )]
    async fn knowledge(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "x-tba-address")] address: Header<Option<String>>,
        #[oai(name = "x-tba-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-tba-timestamp")] timestamp: Header<Option<String>>,
    ) -> Result<Json<Knowledge>, AgentReadFailure> {
        self.agent(
            [&address, &signature, &timestamp],
            &request_id,
            Some(Tier::Architect),
        )
        .await?;
        let ctx = request_id.call_context(None);
        let finn = self.state.agents.finn_knowledge(&ctx).await;
        let local = self.state.agents.corpus().await;
        let today = time::OffsetDateTime::now_utc().date();
        Ok(Json(Knowledge {
            domains: finn
                .domains
                .into_iter()
                .map(|d| DomainDto {
                    name: d.name,
                    document_count: d.document_count,
                    last_updated: d.last_updated,
                })
                .collect(),
            total_documents: finn.total_documents,
            corpus_version: local.as_ref().map(|m| m.corpus_version),
            freshness: local.map(|m| {
                let f = m.freshness(today);
                FreshnessCounts {
                    healthy: f.healthy,
                    stale: f.stale,
                    total: f.total,
                }
            }),
        }))
    }

    /// The oracle's knowledge of its own corpus, with the community's priorities (architect
    /// tier)
    #[oai(
        path = "/api/agent/self-knowledge",
        method = "get",
        operation_id = "agentSelfKnowledge"
    )]
    async fn self_knowledge(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "x-tba-address")] address: Header<Option<String>>,
        #[oai(name = "x-tba-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-tba-timestamp")] timestamp: Header<Option<String>>,
    ) -> Result<Json<SelfKnowledgeDto>, SelfKnowledgeFailure> {
        self.agent(
            [&address, &signature, &timestamp],
            &request_id,
            Some(Tier::Architect),
        )
        .await?;
        let today = time::OffsetDateTime::now_utc().date();
        match self.state.agents.self_knowledge(today).await? {
            Some((knowledge, tally)) => Ok(Json(SelfKnowledgeDto::new(knowledge, &tally))),
            None => {
                let body = ErrorBody::new("not_available", "No knowledge corpus is available");
                Err(RouteError::Local(StatusCode::SERVICE_UNAVAILABLE, body).into())
            }
        }
    }

    /// Vote on a corpus source's priority (participant tier)
    ///
    /// One vote per owner wallet and source; a later vote replaces the earlier. A source's
    /// score is Σ priority × the voter's tier weight when voting (observer 0, participant 1,
    /// builder 3, architect 10, sovereign 25).
    #[oai(
        path = "/api/agent/knowledge/priorities/vote",
        method = "post",
        operation_id = "agentVotePriority"
    )]
    async fn vote(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "x-tba-address")] address: Header<Option<String>>,
        #[oai(name = "x-tba-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-tba-timestamp")] timestamp: Header<Option<String>>,
        body: JsonBody<VoteBody>,
    ) -> Result<Json<VoteAnswer>, VoteFailureReply> {
        let (agent, conviction) = self
            .agent(
                [&address, &signature, &timestamp],
                &request_id,
                Some(Tier::Participant),
            )
            .await?;
        let b = body.0;
        let priority = b.priority;
        let tally = self
            .state
            .agents
            .vote(
                &agent.owner_wallet,
                conviction.tier,
                b.source_id,
                priority,
                now_millis(),
            )
            .await
            .map_err(|e| match e {
                VoteFailure::Invalid(message) => {
                    RouteError::bad_request("invalid_request", message)
                }
                VoteFailure::Store(err) => err.into(),
            })?;
        Ok(Json(VoteAnswer {
            source_id: tally.source_id,
            your_vote: priority.unwrap_or_default() as u8,
            aggregate_score: tally.score,
            vote_count: tally.votes,
        }))
    }

    /// The community's priorities (any verified TBA)
    #[oai(
        path = "/api/agent/knowledge/priorities",
        method = "get",
        operation_id = "agentPriorities"
    )]
    async fn priorities(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "x-tba-address")] address: Header<Option<String>>,
        #[oai(name = "x-tba-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-tba-timestamp")] timestamp: Header<Option<String>>,
    ) -> Result<Json<Priorities>, PrioritiesFailure> {
        self.agent([&address, &signature, &timestamp], &request_id, None)
            .await?;
        let tally = self.state.agents.tally().await?;
        let corpus = self.state.agents.corpus().await;
        Ok(Json(Priorities::new(tally, corpus.as_deref())))
    }

    /// Register a cron for a dNFT the TBA's owner holds (architect tier)
    ///
    /// The expression is read like `POST /api/schedule`'s and sent to Finn as a cron (the
    /// original forwarded it unparsed).
    #[oai(
        path = "/api/agent/schedule",
        method = "post",
        operation_id = "agentSchedule"
    )]
    async fn schedule(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "x-tba-address")] address: Header<Option<String>>,
        #[oai(name = "x-tba-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-tba-timestamp")] timestamp: Header<Option<String>>,
        body: JsonBody<AgentScheduleBody>,
    ) -> Result<ScheduleReply, AgentScheduleFailure> {
        let (agent, _) = self
            .agent(
                [&address, &signature, &timestamp],
                &request_id,
                Some(Tier::Architect),
            )
            .await?;
        let b = body.0;
        let ctx = request_id.call_context(Some(&agent.owner_wallet));
        let answer = self
            .state
            .agents
            .schedule(&ctx, &agent, b.nft_id, b.nl_expression, b.prompt)
            .await
            .map_err(|e| match e {
                CronFailure::Invalid(code, message) => RouteError::bad_request(code, message),
                CronFailure::NotHolder => RouteError::forbidden("Not authorized for this NFT"),
                CronFailure::Upstream(err) => err.into(),
            })?;
        Ok(ScheduleReply::Created(Json(answer)))
    }
}
