//! Conviction-weighted votes on the knowledge corpus's priorities.

use crate::core::conviction::Tier;

/// A voter's weight: observer 0, participant 1, builder 3, architect 10, sovereign 25.
pub fn tier_weight(tier: Tier) -> u32 {
    match tier {
        Tier::Observer => 0,
        Tier::Participant => 1,
        Tier::Builder => 3,
        Tier::Architect => 10,
        Tier::Sovereign => 25,
    }
}

/// One vote: `priority` 1..=5 from `voter` (an owner wallet, EIP-55) on `source_id`, weighed
/// by the voter's tier when it was cast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    pub voter: String,
    pub source_id: String,
    pub priority: u8,
    pub tier: Tier,
    /// Unix milliseconds.
    pub cast_at: i64,
}

impl Vote {
    pub fn weight(&self) -> u32 {
        tier_weight(self.tier)
    }

    /// What this vote adds to its source's score.
    pub fn score(&self) -> u64 {
        u64::from(self.priority) * u64::from(self.weight())
    }
}

/// One source's aggregate: Σ priority × weight over its votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceTally {
    pub source_id: String,
    pub score: u64,
    pub votes: u32,
}

/// Every voted source, highest score first (ties: source id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub sources: Vec<SourceTally>,
    pub voters: u32,
    /// Unix milliseconds of the latest vote.
    pub last_vote_at: Option<i64>,
}

impl Tally {
    /// Orders `sources` as the port promises.
    pub fn sort(&mut self) {
        self.sources
            .sort_by(|a, b| b.score.cmp(&a.score).then(a.source_id.cmp(&b.source_id)));
    }
}
