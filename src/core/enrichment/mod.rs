//! Review context for governance reviews (§1.5.14): the tier distribution of every dNFT's
//! reputation and one dNFT's reputation trajectory, from the reputation store.
//!
//! The trajectory reads the events Dixie stores (hounfour `quality_signal` with a top-level
//! `score`), so it moves when scores move — the original read a legacy `payload.score` and
//! always answered "stable" (quirk Q6).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::core::error::PortError;
use crate::core::ports::ReputationStore;
use crate::core::reputation::{EventKind, ReputationAggregate, ReputationState, StoredEvent};

#[cfg(test)]
mod tests;

/// How many dNFTs sit in each conviction tier, as reputation states suggest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierDistribution {
    pub observer: u64,
    pub participant: u64,
    pub builder: u64,
    pub architect: u64,
    pub sovereign: u64,
}

/// Above this many aggregates the distribution is estimated from the count, not scanned.
pub const SCAN_LIMIT: u64 = 10_000;
/// How long a computed distribution is reused.
pub const DISTRIBUTION_TTL: Duration = Duration::from_secs(300);
/// Events the trajectory reads at most (the newest).
pub const TRAJECTORY_EVENTS: usize = 1_000;

impl TierDistribution {
    /// The tier of one aggregate: cold → observer, warming → participant, established →
    /// architect from a blended score of 0.7, else builder, authoritative → sovereign.
    pub fn add(&mut self, aggregate: &ReputationAggregate) {
        match aggregate.state {
            ReputationState::Cold => self.observer += 1,
            ReputationState::Warming => self.participant += 1,
            ReputationState::Established if aggregate.blended_score >= 0.7 => self.architect += 1,
            ReputationState::Established => self.builder += 1,
            ReputationState::Authoritative => self.sovereign += 1,
        }
    }

    /// The estimate for `total` aggregates: 30/30/25/10/5 %, the first three at least 1.
    pub fn estimate(total: u64) -> Self {
        let share = |pct: u64| total.saturating_mul(pct) / 100;
        TierDistribution {
            observer: share(30).max(1),
            participant: share(30).max(1),
            builder: share(25).max(1),
            architect: share(10),
            sovereign: share(5),
        }
    }
}

/// Which way a dNFT's quality scores move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trajectory {
    Improving,
    Declining,
    Stable,
    Cold,
}

impl Trajectory {
    pub fn as_str(self) -> &'static str {
        match self {
            Trajectory::Improving => "improving",
            Trajectory::Declining => "declining",
            Trajectory::Stable => "stable",
            Trajectory::Cold => "cold",
        }
    }

    /// Compares the mean score of the later half of `scores` (oldest first) with the earlier
    /// half: more than +0.05 improving, less than −0.05 declining; fewer than 2: stable.
    pub fn of(scores: &[f64]) -> Trajectory {
        if scores.len() < 2 {
            return Trajectory::Stable;
        }
        let (early, late) = scores.split_at(scores.len() / 2);
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let delta = mean(late) - mean(early);
        if delta > 0.05 {
            Trajectory::Improving
        } else if delta < -0.05 {
            Trajectory::Declining
        } else {
            Trajectory::Stable
        }
    }
}

/// One dNFT's reputation for a review.
#[derive(Clone, Debug, PartialEq)]
pub struct ReputationContext {
    pub trajectory: Trajectory,
    pub blended_score: Option<f64>,
    pub sample_count: u64,
    /// The reputation state, or `cold`.
    pub state: &'static str,
}

impl ReputationContext {
    pub fn cold() -> Self {
        ReputationContext {
            trajectory: Trajectory::Cold,
            blended_score: None,
            sample_count: 0,
            state: "cold",
        }
    }

    /// From the aggregate and its newest events: cold when there is no aggregate or no
    /// personal score yet.
    pub fn of(aggregate: Option<&ReputationAggregate>, events: &[StoredEvent]) -> Self {
        let Some(a) = aggregate.filter(|a| a.personal_score.is_some()) else {
            return ReputationContext::cold();
        };
        let scores: Vec<f64> = events
            .iter()
            .filter_map(|e| match e.event.kind {
                EventKind::QualitySignal { score, .. } => Some(score),
                _ => None,
            })
            .collect();
        ReputationContext {
            trajectory: Trajectory::of(&scores),
            blended_score: Some(a.blended_score),
            sample_count: a.sample_count,
            state: a.state.as_str(),
        }
    }
}

/// Review context over reputation store `R`; the tier distribution is reused for 5 minutes.
#[derive(Clone)]
pub struct EnrichmentService<R> {
    store: R,
    distribution: Arc<Mutex<Option<(Instant, TierDistribution)>>>,
}

impl<R: ReputationStore> EnrichmentService<R> {
    pub fn new(store: R) -> Self {
        EnrichmentService {
            store,
            distribution: Arc::default(),
        }
    }

    /// The distribution computed less than 5 minutes before `now`, if any.
    pub fn cached_distribution(&self, now: Instant) -> Option<TierDistribution> {
        let kept = self.distribution.lock().ok().and_then(|d| *d);
        kept.filter(|(at, _)| now.duration_since(*at) < DISTRIBUTION_TTL)
            .map(|(_, d)| d)
    }

    /// Every dNFT's tier: scanned up to [`SCAN_LIMIT`] aggregates, estimated above.
    pub async fn tier_distribution(&self, now: Instant) -> Result<TierDistribution, PortError> {
        if let Some(d) = self.cached_distribution(now) {
            return Ok(d);
        }
        let total = self.store.count().await?;
        let d = if total > SCAN_LIMIT {
            TierDistribution::estimate(total)
        } else {
            let mut d = TierDistribution::default();
            for (_, aggregate) in self.store.list_all().await? {
                d.add(&aggregate);
            }
            d
        };
        if let Ok(mut kept) = self.distribution.lock() {
            *kept = Some((now, d));
        }
        Ok(d)
    }

    /// One dNFT's reputation context.
    pub async fn reputation(&self, nft_id: &str) -> Result<ReputationContext, PortError> {
        let Some(aggregate) = self.store.get(nft_id).await? else {
            return Ok(ReputationContext::cold());
        };
        if aggregate.personal_score.is_none() {
            return Ok(ReputationContext::cold());
        }
        let events = self.store.recent_events(nft_id, TRAJECTORY_EVENTS).await?;
        Ok(ReputationContext::of(Some(&aggregate), &events))
    }
}
