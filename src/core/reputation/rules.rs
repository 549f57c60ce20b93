//! How one recorded event changes a dNFT's aggregate and task cohort (pure).
//!
//! - An event for an NFT without an aggregate starts one: `cold`, no personal score,
//!   `collection_score` [`DEFAULT_COLLECTION_SCORE`], `pseudo_count` [`DEFAULT_PSEUDO_COUNT`],
//!   `min_sample_count` [`DEFAULT_MIN_SAMPLE_COUNT`], contract version [`CONTRACT_VERSION`].
//! - An **observation** is a `quality_signal` (its `score`) or a `task_completed` (1 on
//!   success, 0 on failure). It adds one sample: the personal score becomes the running mean of
//!   all observed scores, and `blended_score` = (k·c + n·p) / (k + n) with k = `pseudo_count`,
//!   c = `collection_score`, n = `sample_count`, p = personal score (§4.6). The task cohort
//!   (model, task type) gets the same running-mean update on its own count.
//! - A `credential_update` with action `revoked` resets the aggregate to `cold` (personal
//!   score null, no samples); other credential actions change no score.
//! - Transitions (§4.5), applied until none applies, each appended to `transition_history`:
//!   cold→warming at the first sample, warming→established at n ≥ `min_sample_count`,
//!   established→authoritative when the personal weight n/(k+n) > 0.9; any→cold on reset.

use super::types::{
    CredentialAction, EventKind, ReputationAggregate, ReputationEvent, ReputationState,
    TaskTypeCohort, TransitionRecord,
};

pub const DEFAULT_COLLECTION_SCORE: f64 = 0.5;
pub const DEFAULT_PSEUDO_COUNT: u64 = 10;
pub const DEFAULT_MIN_SAMPLE_COUNT: u64 = 10;
pub const CONTRACT_VERSION: &str = "7.11.0";
pub const DEFAULT_POOL_ID: &str = "default";

/// w = n / (k + n)
pub fn weight(sample_count: u64, pseudo_count: u64) -> f64 {
    let (n, k) = (sample_count as f64, pseudo_count as f64);
    if n + k == 0.0 { 0.0 } else { n / (k + n) }
}

/// p = null ⇒ c; else (k·c + n·p) / (k + n)
pub fn blended(
    personal: Option<f64>,
    collection: f64,
    sample_count: u64,
    pseudo_count: u64,
) -> f64 {
    match personal {
        None => collection,
        Some(p) => {
            let (n, k) = (sample_count as f64, pseudo_count as f64);
            if n + k == 0.0 {
                collection
            } else {
                (k * collection + n * p) / (k + n)
            }
        }
    }
}

/// Valid transitions of §4.5.
pub fn is_valid_transition(from: ReputationState, to: ReputationState) -> bool {
    use ReputationState::*;
    matches!(
        (from, to),
        (Cold, Warming) | (Warming, Established) | (Established, Authoritative) | (_, Cold)
    ) && !(from == Cold && to == Cold)
}

/// The score an event observes, if it is an observation.
fn observed_score(kind: &EventKind) -> Option<f64> {
    match kind {
        EventKind::QualitySignal { score, .. } => Some(*score),
        EventKind::TaskCompleted { success, .. } => Some(if *success { 1.0 } else { 0.0 }),
        EventKind::CredentialUpdate { .. } => None,
    }
}

/// The task type an event is about, if any.
pub fn event_task_type(kind: &EventKind) -> Option<&str> {
    match kind {
        EventKind::QualitySignal { task_type, .. } => task_type.as_deref(),
        EventKind::TaskCompleted { task_type, .. } => Some(task_type),
        EventKind::CredentialUpdate { .. } => None,
    }
}

fn running_mean(previous: Option<f64>, previous_n: u64, score: f64) -> f64 {
    match previous {
        None => score,
        Some(p) => (p * previous_n as f64 + score) / (previous_n as f64 + 1.0),
    }
}

fn new_aggregate(nft_id: &str, event: &ReputationEvent, now: &str) -> ReputationAggregate {
    ReputationAggregate {
        personality_id: nft_id.to_owned(),
        collection_id: event.collection_id.clone(),
        pool_id: DEFAULT_POOL_ID.to_owned(),
        state: ReputationState::Cold,
        personal_score: None,
        collection_score: DEFAULT_COLLECTION_SCORE,
        blended_score: DEFAULT_COLLECTION_SCORE,
        sample_count: 0,
        pseudo_count: DEFAULT_PSEUDO_COUNT,
        contributor_count: 0,
        min_sample_count: DEFAULT_MIN_SAMPLE_COUNT,
        created_at: now.to_owned(),
        last_updated: now.to_owned(),
        transition_history: Vec::new(),
        model_cohorts: None,
        task_cohorts: None,
        contract_version: CONTRACT_VERSION.to_owned(),
    }
}

fn transition(agg: &mut ReputationAggregate, to: ReputationState, trigger: &str, now: &str) {
    agg.transition_history.push(TransitionRecord {
        from: agg.state,
        to,
        at: now.to_owned(),
        trigger: trigger.to_owned(),
    });
    agg.state = to;
}

fn advance_state(agg: &mut ReputationAggregate, now: &str) {
    loop {
        let next = match agg.state {
            ReputationState::Cold if agg.sample_count >= 1 => {
                Some((ReputationState::Warming, "first quality event"))
            }
            ReputationState::Warming if agg.sample_count >= agg.min_sample_count => Some((
                ReputationState::Established,
                "sample_count reached min_sample_count",
            )),
            ReputationState::Established if weight(agg.sample_count, agg.pseudo_count) > 0.9 => {
                Some((ReputationState::Authoritative, "personal weight above 0.9"))
            }
            _ => None,
        };
        match next {
            Some((to, trigger)) => transition(agg, to, trigger, now),
            None => break,
        }
    }
}

/// The aggregate and (when `model_id` and a task type are known) the task cohort after
/// `event`, given the current ones. `now` is the ISO time of recording.
pub fn apply_event(
    nft_id: &str,
    current: Option<&ReputationAggregate>,
    current_cohort: Option<&TaskTypeCohort>,
    model_id: Option<&str>,
    event: &ReputationEvent,
    now: &str,
) -> (ReputationAggregate, Option<TaskTypeCohort>) {
    let mut agg = current
        .cloned()
        .unwrap_or_else(|| new_aggregate(nft_id, event, now));
    agg.last_updated = now.to_owned();

    let mut cohort = None;
    if let Some(score) = observed_score(&event.kind) {
        agg.personal_score = Some(running_mean(agg.personal_score, agg.sample_count, score));
        agg.sample_count += 1;
        if let (Some(model_id), Some(task_type)) = (model_id, event_task_type(&event.kind)) {
            let prev = current_cohort.cloned();
            let (prev_score, prev_n, threshold) = prev
                .as_ref()
                .map(|c| (c.personal_score, c.sample_count, c.confidence_threshold))
                .unwrap_or((None, 0, None));
            cohort = Some(TaskTypeCohort {
                model_id: model_id.to_owned(),
                personal_score: Some(running_mean(prev_score, prev_n, score)),
                sample_count: prev_n + 1,
                last_updated: now.to_owned(),
                task_type: task_type.to_owned(),
                confidence_threshold: threshold,
            });
        }
    } else if let EventKind::CredentialUpdate {
        action: CredentialAction::Revoked,
        ..
    } = event.kind
    {
        agg.personal_score = None;
        agg.sample_count = 0;
        if agg.state != ReputationState::Cold {
            transition(&mut agg, ReputationState::Cold, "credential revoked", now);
        }
    }

    if let Some(c) = &cohort {
        let cohorts = agg.task_cohorts.get_or_insert_with(Vec::new);
        match cohorts
            .iter_mut()
            .find(|x| x.model_id == c.model_id && x.task_type == c.task_type)
        {
            Some(slot) => *slot = c.clone(),
            None => cohorts.push(c.clone()),
        }
    }
    agg.blended_score = blended(
        agg.personal_score,
        agg.collection_score,
        agg.sample_count,
        agg.pseudo_count,
    );
    advance_state(&mut agg, now);
    (agg, cohort)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quality(score: f64, task: Option<&str>) -> ReputationEvent {
        ReputationEvent {
            event_id: "00000000-0000-4000-8000-000000000001".into(),
            agent_id: "agent".into(),
            collection_id: "col".into(),
            timestamp: "2026-11-21T00:00:00Z".into(),
            sequence: None,
            kind: EventKind::QualitySignal {
                score,
                task_type: task.map(str::to_owned),
                dimensions: None,
            },
        }
    }

    #[test]
    fn blend_and_weight_follow_the_formulas() {
        assert_eq!(blended(None, 0.4, 7, 3), 0.4);
        assert!((blended(Some(1.0), 0.0, 10, 10) - 0.5).abs() < 1e-12);
        assert!((weight(90, 10) - 0.9).abs() < 1e-12);
        assert_eq!(weight(0, 0), 0.0);
    }

    #[test]
    fn transitions_match_the_protocol() {
        use ReputationState::*;
        assert!(is_valid_transition(Cold, Warming));
        assert!(is_valid_transition(Authoritative, Cold));
        assert!(!is_valid_transition(Cold, Established));
        assert!(!is_valid_transition(Warming, Warming));
        assert!(!is_valid_transition(Cold, Cold));
    }

    #[test]
    fn first_event_creates_a_warming_aggregate() {
        let (agg, cohort) = apply_event(
            "nft-1",
            None,
            None,
            Some("m"),
            &quality(0.8, Some("analysis")),
            "T1",
        );
        assert_eq!(agg.state, ReputationState::Warming);
        assert_eq!(agg.sample_count, 1);
        assert_eq!(agg.personal_score, Some(0.8));
        let expected = (10.0 * 0.5 + 0.8) / 11.0;
        assert!((agg.blended_score - expected).abs() < 1e-12);
        assert_eq!(agg.transition_history.len(), 1);
        assert_eq!(agg.transition_history[0].trigger, "first quality event");
        let cohort = cohort.unwrap();
        assert_eq!(
            (cohort.model_id.as_str(), cohort.task_type.as_str()),
            ("m", "analysis")
        );
        assert_eq!(agg.task_cohorts.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn enough_samples_establish_then_dominant_weight_makes_authoritative() {
        let mut agg = None;
        for _ in 0..10 {
            agg = Some(apply_event("n", agg.as_ref(), None, None, &quality(1.0, None), "T").0);
        }
        assert_eq!(agg.as_ref().unwrap().state, ReputationState::Established);
        for _ in 0..81 {
            agg = Some(apply_event("n", agg.as_ref(), None, None, &quality(1.0, None), "T").0);
        }
        let agg = agg.unwrap();
        assert_eq!(agg.sample_count, 91);
        assert_eq!(agg.state, ReputationState::Authoritative);
        let path: Vec<_> = agg.transition_history.iter().map(|t| t.to).collect();
        use ReputationState::*;
        assert_eq!(path, [Warming, Established, Authoritative]);
    }

    #[test]
    fn running_mean_and_revocation_reset() {
        let (a, _) = apply_event("n", None, None, None, &quality(1.0, None), "T");
        let (a, _) = apply_event("n", Some(&a), None, None, &quality(0.0, None), "T");
        assert_eq!(a.personal_score, Some(0.5));
        let revoke = ReputationEvent {
            kind: EventKind::CredentialUpdate {
                credential_id: "c".into(),
                action: CredentialAction::Revoked,
            },
            ..quality(0.0, None)
        };
        let (a, _) = apply_event("n", Some(&a), None, None, &revoke, "T");
        assert_eq!(a.state, ReputationState::Cold);
        assert_eq!(a.personal_score, None);
        assert_eq!(a.blended_score, a.collection_score);
        assert_eq!(
            a.transition_history.last().unwrap().trigger,
            "credential revoked"
        );
    }

    #[test]
    fn task_completed_observes_success_as_one() {
        let ev = ReputationEvent {
            kind: EventKind::TaskCompleted {
                task_type: "code_review".into(),
                success: false,
                duration_ms: None,
            },
            ..quality(0.0, None)
        };
        let (a, c) = apply_event("n", None, None, Some("m"), &ev, "T");
        assert_eq!(a.personal_score, Some(0.0));
        assert_eq!(c.unwrap().sample_count, 1);
    }
}
