//! What the oracle knows about its own corpus: freshness, coverage by tag, how much of the
//! prompt budget the sources take, the confidence, and each source's weight.

use std::collections::BTreeMap;

use super::{Confidence, Tally};
use crate::core::knowledge::{CorpusEvent, CorpusMeta, Freshness};

/// How many sources carry one tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagCoverage {
    pub tag: String,
    pub sources: u64,
}

/// One source's standing: its corpus priority, its community score and whether it is stale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceWeight {
    pub source_id: String,
    pub priority: u32,
    pub community_score: u64,
    pub stale: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfKnowledge {
    pub corpus_version: u64,
    pub last_mutation: Option<CorpusEvent>,
    pub freshness: Freshness,
    pub coverage: Vec<TagCoverage>,
    pub required_sources: u64,
    pub required_stale: u64,
    /// `default_budget_tokens` (0: not declared).
    pub token_budget: u64,
    /// Σ `maxTokens` of the sources.
    pub token_estimate: u64,
    /// `token_estimate` as a whole percentage of `token_budget` (0 without a budget).
    pub utilization_percent: u64,
    pub confidence: Confidence,
    pub source_weights: Vec<SourceWeight>,
}

/// The corpus's self-knowledge on `today`, with the community's votes.
pub fn self_knowledge(meta: &CorpusMeta, today: time::Date, votes: &Tally) -> SelfKnowledge {
    let freshness = meta.freshness(today);
    let mut tags: BTreeMap<&str, u64> = BTreeMap::new();
    for tag in meta.sources.iter().flat_map(|s| &s.tags) {
        *tags.entry(tag).or_default() += 1;
    }
    let stale = |id: &str| freshness.stale_sources.iter().any(|s| s == id);
    let required: Vec<&str> = meta
        .sources
        .iter()
        .filter(|s| s.required)
        .map(|s| s.id.as_str())
        .collect();
    let token_estimate: u64 = meta.sources.iter().map(|s| s.max_tokens).sum();
    let utilization_percent = (token_estimate * 100)
        .checked_div(meta.default_budget_tokens)
        .unwrap_or(0);
    let score_of = |id: &str| {
        votes
            .sources
            .iter()
            .find(|t| t.source_id == id)
            .map_or(0, |t| t.score)
    };
    SelfKnowledge {
        corpus_version: meta.corpus_version,
        last_mutation: meta.last_mutation().cloned(),
        coverage: tags
            .into_iter()
            .map(|(tag, sources)| TagCoverage {
                tag: tag.to_owned(),
                sources,
            })
            .collect(),
        required_sources: required.len() as u64,
        required_stale: required.iter().filter(|id| stale(id)).count() as u64,
        token_budget: meta.default_budget_tokens,
        token_estimate,
        utilization_percent,
        confidence: Confidence::of(&freshness),
        source_weights: meta
            .sources
            .iter()
            .map(|s| SourceWeight {
                source_id: s.id.clone(),
                priority: s.priority,
                community_score: score_of(&s.id),
                stale: stale(&s.id),
            })
            .collect(),
        freshness,
    }
}
