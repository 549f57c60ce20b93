//! The `ReputationStore` contract, written once and run against every adapter
//! (`reputation_contract!` instantiates it for a store factory).

use std::sync::Arc;

use dixie::core::error::PortError;
use dixie::core::ports::ReputationStore;
use dixie::core::reputation::rules::{apply_event, event_task_type};
use dixie::core::reputation::*;

pub fn aggregate(state: ReputationState, score: Option<f64>) -> ReputationAggregate {
    ReputationAggregate {
        personality_id: "p".into(),
        collection_id: "c".into(),
        pool_id: "pool".into(),
        state,
        personal_score: score,
        collection_score: 0.25,
        blended_score: 0.123456789012345,
        sample_count: 3,
        pseudo_count: 10,
        contributor_count: 1,
        min_sample_count: 10,
        created_at: "2026-11-21T00:00:00.000Z".into(),
        last_updated: "2026-11-21T00:00:01.000Z".into(),
        transition_history: vec![TransitionRecord {
            from: ReputationState::Cold,
            to: ReputationState::Warming,
            at: "2026-11-21T00:00:01.000Z".into(),
            trigger: "first quality event".into(),
        }],
        model_cohorts: Some(vec![ModelCohort {
            model_id: "m".into(),
            personal_score: None,
            sample_count: 0,
            last_updated: "2026-11-21T00:00:01.000Z".into(),
        }]),
        task_cohorts: None,
        contract_version: "7.11.0".into(),
    }
}

pub fn cohort(model: &str, task: &str, score: f64) -> TaskTypeCohort {
    TaskTypeCohort {
        model_id: model.into(),
        personal_score: Some(score),
        sample_count: 2,
        last_updated: "2026-11-21T00:00:00.000Z".into(),
        task_type: task.into(),
        confidence_threshold: Some(30),
    }
}

pub fn event(n: u32, score: f64, task: &str) -> ReputationEvent {
    ReputationEvent {
        event_id: format!("00000000-0000-4000-8000-{n:012}"),
        agent_id: "agent".into(),
        collection_id: "col".into(),
        timestamp: "2026-11-21T00:00:00.000Z".into(),
        sequence: Some(u64::from(n)),
        kind: EventKind::QualitySignal {
            score,
            task_type: Some(task.into()),
            dimensions: Some([("accuracy".to_owned(), 0.5)].into()),
        },
    }
}

async fn record<R: ReputationStore>(
    store: &R,
    nft: &str,
    model: &str,
    ev: &ReputationEvent,
) -> Result<RecordOutcome, PortError> {
    let key = event_task_type(&ev.kind).map(|t| (model, t));
    store
        .record_event(nft, key, ev, |cur, coh| {
            apply_event(nft, cur, coh, Some(model), ev, "2026-11-21T00:00:02.000Z")
        })
        .await
}

pub async fn put_get_upsert<R: ReputationStore>(s: &R) {
    assert_eq!(s.get("nft-a").await.unwrap(), None);
    let a = aggregate(ReputationState::Warming, Some(0.7));
    s.put("nft-a", &a).await.unwrap();
    assert_eq!(
        s.get("nft-a").await.unwrap(),
        Some(a.clone()),
        "exact round trip"
    );
    let b = ReputationAggregate {
        state: ReputationState::Cold,
        personal_score: None,
        ..a
    };
    s.put("nft-a", &b).await.unwrap();
    assert_eq!(s.get("nft-a").await.unwrap(), Some(b), "upsert replaces");
    assert_eq!(s.count().await.unwrap(), 1);
}

pub async fn list_cold_count_and_states<R: ReputationStore>(s: &R) {
    s.put("c1", &aggregate(ReputationState::Cold, None))
        .await
        .unwrap();
    s.put("c2", &aggregate(ReputationState::Cold, None))
        .await
        .unwrap();
    s.put("w1", &aggregate(ReputationState::Warming, Some(0.2)))
        .await
        .unwrap();
    s.put("e1", &aggregate(ReputationState::Established, Some(0.9)))
        .await
        .unwrap();
    let mut cold: Vec<String> = s
        .list_cold()
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    cold.sort();
    assert_eq!(cold, ["c1", "c2"]);
    assert_eq!(s.count().await.unwrap(), 4);
    assert_eq!(s.list_all().await.unwrap().len(), 4);
    let counts = s.count_by_state().await.unwrap();
    assert_eq!(
        counts,
        StateCounts {
            cold: 2,
            warming: 1,
            established: 1,
            authoritative: 0
        }
    );
}

pub async fn cohorts_are_keyed_by_nft_model_and_task<R: ReputationStore>(s: &R) {
    s.put_task_cohort("n", &cohort("m1", "analysis", 0.1))
        .await
        .unwrap();
    s.put_task_cohort("n", &cohort("m1", "general", 0.2))
        .await
        .unwrap();
    s.put_task_cohort("n", &cohort("m0", "analysis", 0.3))
        .await
        .unwrap();
    s.put_task_cohort("other", &cohort("m1", "analysis", 0.4))
        .await
        .unwrap();
    s.put_task_cohort("n", &cohort("m1", "analysis", 0.5))
        .await
        .unwrap();
    assert_eq!(
        s.get_task_cohort("n", "m1", "analysis").await.unwrap(),
        Some(cohort("m1", "analysis", 0.5))
    );
    assert_eq!(
        s.get_task_cohort("n", "m1", "general").await.unwrap(),
        Some(cohort("m1", "general", 0.2))
    );
    assert_eq!(s.get_task_cohort("n", "m9", "general").await.unwrap(), None);
    let keys: Vec<(String, String)> = s
        .list_task_cohorts("n")
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.model_id, c.task_type))
        .collect();
    let k = |m: &str, t: &str| (m.to_owned(), t.to_owned());
    assert_eq!(
        keys,
        [k("m0", "analysis"), k("m1", "analysis"), k("m1", "general")]
    );
}

pub async fn history_is_ordered_and_paginated<R: ReputationStore>(s: &R) {
    assert!(
        s.get_event_history("nobody", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut seqs = Vec::new();
    for n in 0..7 {
        seqs.push(
            s.append_event("h", &event(n, 0.5, "general"))
                .await
                .unwrap(),
        );
        s.append_event("noise", &event(100 + n, 0.5, "general"))
            .await
            .unwrap();
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "monotonic: {seqs:?}");
    let all = s.get_event_history("h", None, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.event.sequence).collect::<Vec<_>>(),
        (0..7).map(Some).collect::<Vec<_>>()
    );
    assert_eq!(all[3].event, event(3, 0.5, "general"), "JSON round trip");
    let page1 = s.get_event_history("h", None, 3).await.unwrap();
    let page2 = s
        .get_event_history("h", Some(page1[2].seq), 3)
        .await
        .unwrap();
    let page3 = s
        .get_event_history("h", Some(page2[2].seq), 3)
        .await
        .unwrap();
    assert_eq!(page1.len() + page2.len() + page3.len(), 7);
    assert_eq!(page3.last().unwrap().seq, *seqs.last().unwrap());
    let recent = s.recent_events("h", 3).await.unwrap();
    assert_eq!(
        recent.iter().map(|e| e.seq).collect::<Vec<_>>(),
        seqs[4..],
        "the newest, oldest first"
    );
    assert_eq!(s.recent_events("h", 100).await.unwrap().len(), 7);
    assert!(s.recent_events("nobody", 5).await.unwrap().is_empty());
}

pub async fn record_is_idempotent_and_refuses_reuse<R: ReputationStore>(s: &R) {
    let e = event(1, 0.8, "analysis");
    let first = record(s, "r", "m", &e).await.unwrap();
    let RecordOutcome::Recorded { seq } = first else {
        panic!("{first:?}")
    };
    let after_first = s.get("r").await.unwrap().unwrap();
    assert_eq!(after_first.sample_count, 1);
    assert_eq!(
        s.get_task_cohort("r", "m", "analysis")
            .await
            .unwrap()
            .unwrap()
            .sample_count,
        1
    );

    assert_eq!(
        record(s, "r", "m", &e).await.unwrap(),
        RecordOutcome::Duplicate { seq }
    );
    let changed = event(1, 0.1, "analysis");
    assert!(matches!(
        record(s, "r", "m", &changed).await,
        Err(PortError::Conflict(_))
    ));
    assert!(matches!(
        record(s, "elsewhere", "m", &e).await,
        Err(PortError::Conflict(_))
    ));

    assert_eq!(
        s.get("r").await.unwrap().unwrap(),
        after_first,
        "nothing changed"
    );
    assert_eq!(s.get_event_history("r", None, 10).await.unwrap().len(), 1);
    assert_eq!(
        s.get("elsewhere").await.unwrap(),
        None,
        "nothing half-written"
    );
}

pub async fn concurrent_recordings_lose_nothing<R: ReputationStore>(s: &R) {
    let s = Arc::new(s.clone());
    let tasks: Vec<_> = (0..40u32)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move {
                let task =
                    ["analysis", "general", "code_review", "summarization"][(n % 4) as usize];
                record(&*s, "busy", "m", &event(1000 + n, 1.0, task)).await
            })
        })
        .collect();
    for t in tasks {
        assert!(matches!(
            t.await.unwrap(),
            Ok(RecordOutcome::Recorded { .. })
        ));
    }
    let agg = s.get("busy").await.unwrap().unwrap();
    assert_eq!(agg.sample_count, 40, "no lost update");
    assert_eq!(
        s.get_event_history("busy", None, 100).await.unwrap().len(),
        40
    );
    let cohorts = s.list_task_cohorts("busy").await.unwrap();
    assert_eq!(cohorts.iter().map(|c| c.sample_count).sum::<u64>(), 40);
    assert_eq!(agg.task_cohorts.unwrap().len(), 4);
}

/// Instantiates every contract case for `$make`, an async fn returning `(store, guard)`;
/// `guard.finish().await` cleans up after a passing case.
#[macro_export]
macro_rules! reputation_contract {
    ($make:path) => {
        $crate::reputation_contract!(@case $make, put_get_upsert);
        $crate::reputation_contract!(@case $make, list_cold_count_and_states);
        $crate::reputation_contract!(@case $make, cohorts_are_keyed_by_nft_model_and_task);
        $crate::reputation_contract!(@case $make, history_is_ordered_and_paginated);
        $crate::reputation_contract!(@case $make, record_is_idempotent_and_refuses_reuse);
        $crate::reputation_contract!(@case $make, concurrent_recordings_lose_nothing);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (store, guard) = $make().await;
            $crate::support::contract::$case(&store).await;
            guard.finish().await;
        }
    };
}
