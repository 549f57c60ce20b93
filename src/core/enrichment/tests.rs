use super::*;
use crate::core::reputation::{ReputationEvent, rules::apply_event};

fn event(n: u32, kind: EventKind) -> StoredEvent {
    StoredEvent {
        seq: i64::from(n),
        event: ReputationEvent {
            event_id: format!("00000000-0000-4000-8000-{n:012}"),
            agent_id: "agent".into(),
            collection_id: "col".into(),
            timestamp: "2026-11-21T00:00:00.000Z".into(),
            sequence: None,
            kind,
        },
    }
}

fn quality(n: u32, score: f64) -> StoredEvent {
    event(
        n,
        EventKind::QualitySignal {
            score,
            task_type: None,
            dimensions: None,
        },
    )
}

/// The aggregate Dixie stores after these events.
fn aggregate_after(events: &[StoredEvent]) -> Option<ReputationAggregate> {
    let mut agg = None;
    for e in events {
        agg = Some(apply_event("n", agg.as_ref(), None, None, &e.event, "t").0);
    }
    agg
}

#[test]
fn the_trajectory_compares_the_halves() {
    assert_eq!(Trajectory::of(&[]), Trajectory::Stable);
    assert_eq!(Trajectory::of(&[0.9]), Trajectory::Stable);
    assert_eq!(Trajectory::of(&[0.2, 0.3, 0.8, 0.9]), Trajectory::Improving);
    assert_eq!(Trajectory::of(&[0.9, 0.8, 0.3]), Trajectory::Declining);
    assert_eq!(Trajectory::of(&[0.5, 0.52, 0.54, 0.5]), Trajectory::Stable);
}

#[test]
fn stored_scores_move_the_trajectory_q6() {
    let events: Vec<StoredEvent> = [0.2, 0.25, 0.3, 0.9, 0.95, 0.9]
        .iter()
        .zip(1..)
        .map(|(s, n)| quality(n, *s))
        .collect();
    let agg = aggregate_after(&events);
    let ctx = ReputationContext::of(agg.as_ref(), &events);
    assert_eq!(
        ctx.trajectory,
        Trajectory::Improving,
        "the original said stable"
    );
    assert_eq!(ctx.sample_count, 6);
    assert_eq!(ctx.blended_score, agg.map(|a| a.blended_score));
}

#[test]
fn other_events_do_not_count_and_no_score_is_cold() {
    let done = |n| {
        event(
            n,
            EventKind::TaskCompleted {
                task_type: "review".into(),
                success: true,
                duration_ms: None,
            },
        )
    };
    let events = vec![quality(1, 0.9), done(2), done(3), quality(4, 0.1)];
    let agg = aggregate_after(&events);
    let ctx = ReputationContext::of(agg.as_ref(), &events);
    assert_eq!(ctx.trajectory, Trajectory::Declining);
    assert_eq!(
        ReputationContext::of(None, &events),
        ReputationContext::cold()
    );
    let mut scoreless = aggregate_after(&[done(1)]).unwrap();
    scoreless.personal_score = None;
    assert_eq!(
        ReputationContext::of(Some(&scoreless), &[]),
        ReputationContext::cold()
    );
}

#[test]
fn states_map_to_tiers_and_large_populations_are_estimated() {
    let mut agg = aggregate_after(&[quality(1, 0.5)]).unwrap();
    let mut d = TierDistribution::default();
    for (state, blended) in [
        (ReputationState::Cold, 0.0),
        (ReputationState::Warming, 0.0),
        (ReputationState::Established, 0.69),
        (ReputationState::Established, 0.7),
        (ReputationState::Authoritative, 0.0),
    ] {
        agg.state = state;
        agg.blended_score = blended;
        d.add(&agg);
    }
    assert_eq!(
        d,
        TierDistribution {
            observer: 1,
            participant: 1,
            builder: 1,
            architect: 1,
            sovereign: 1
        }
    );
    assert_eq!(
        TierDistribution::estimate(20_000),
        TierDistribution {
            observer: 6_000,
            participant: 6_000,
            builder: 5_000,
            architect: 2_000,
            sovereign: 1_000
        }
    );
    let tiny = TierDistribution::estimate(2);
    assert_eq!((tiny.observer, tiny.participant, tiny.builder), (1, 1, 1));
}
