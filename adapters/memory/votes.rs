//! [`PriorityVotes`] in process memory (lost on restart; PostgreSQL keeps them).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::core::agent::{SourceTally, Tally, Vote};
use crate::core::error::PortError;
use crate::core::ports::PriorityVotes;

/// Votes kept at most; past it a vote on a new (voter, source) pair is refused.
pub const MAX_VOTES: usize = 100_000;

#[derive(Clone, Default)]
pub struct MemoryPriorityVotes {
    votes: Arc<Mutex<BTreeMap<(String, String), Vote>>>,
}

fn lock_err() -> PortError {
    PortError::Unexpected("vote table lock poisoned".into())
}

impl PriorityVotes for MemoryPriorityVotes {
    async fn cast(&self, vote: &Vote) -> Result<SourceTally, PortError> {
        let mut votes = self.votes.lock().map_err(|_| lock_err())?;
        let key = (vote.voter.clone(), vote.source_id.clone());
        if votes.len() >= MAX_VOTES && !votes.contains_key(&key) {
            return Err(PortError::Unavailable("vote table full".into()));
        }
        votes.insert(key, vote.clone());
        let on_source = votes.values().filter(|v| v.source_id == vote.source_id);
        let (score, count) = on_source.fold((0u64, 0u32), |(s, c), v| (s + v.score(), c + 1));
        Ok(SourceTally {
            source_id: vote.source_id.clone(),
            score,
            votes: count,
        })
    }

    async fn tally(&self) -> Result<Tally, PortError> {
        let votes = self.votes.lock().map_err(|_| lock_err())?;
        let mut by_source: HashMap<&str, (u64, u32)> = HashMap::new();
        let mut voters = HashSet::new();
        for v in votes.values() {
            let entry = by_source.entry(&v.source_id).or_default();
            entry.0 += v.score();
            entry.1 += 1;
            voters.insert(v.voter.as_str());
        }
        let mut tally = Tally {
            sources: by_source
                .into_iter()
                .map(|(id, (score, votes))| SourceTally {
                    source_id: id.to_owned(),
                    score,
                    votes,
                })
                .collect(),
            voters: voters.len() as u32,
            last_vote_at: votes.values().map(|v| v.cast_at).max(),
        };
        tally.sort();
        Ok(tally)
    }
}
