//! The bodies of the corpus routes: knowledge, self-knowledge, priorities and votes.

use poem_openapi::Object;

use crate::core::agent::{SelfKnowledge, Tally};
use crate::core::knowledge::CorpusMeta;
use crate::http::timestamp::Timestamp;

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
