//! The `ScheduleStore` contract, written once and run against every adapter
//! (`schedule_contract!` instantiates it for a store factory).

use std::sync::Arc;

use dixie::core::error::PortError;
use dixie::core::ports::ScheduleStore;
use dixie::core::schedule::{
    ExecutionStatus, HISTORY_KEPT, NewSchedule, Schedule, ScheduleStatus, parse_expression,
};

fn unique(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}

pub fn schedule(id: &str, nft_id: &str, max_fires: Option<u32>) -> Schedule {
    Schedule::create(
        NewSchedule {
            id: id.to_owned(),
            nft_id: nft_id.to_owned(),
            owner_wallet: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".to_owned(),
            name: None,
            expression: "every 5 minutes".to_owned(),
            parsed: parse_expression("every 5 minutes").unwrap(),
            prompt: "status report".to_owned(),
            max_fires,
        },
        "2026-11-22T10:00:00.000Z",
        "2026-11-22T10:01:00.000Z".to_owned(),
    )
}

pub async fn created_schedules_read_back_in_creation_order<S: ScheduleStore>(s: &S) {
    let nft = unique("nft");
    let ids: Vec<String> = (0..3).map(|i| unique(&format!("s{i}"))).collect();
    for id in &ids {
        assert!(s.create(&schedule(id, &nft, None), 50).await.unwrap());
    }
    assert_eq!(
        s.get(&ids[1]).await.unwrap(),
        Some(schedule(&ids[1], &nft, None))
    );
    let listed: Vec<String> = s
        .list_for_nft(&nft)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, ids);
    assert_eq!(s.get(&unique("none")).await.unwrap(), None);
    assert!(s.list_for_nft(&unique("nft")).await.unwrap().is_empty());
}

pub async fn a_reused_id_conflicts<S: ScheduleStore>(s: &S) {
    let id = unique("dup");
    assert!(
        s.create(&schedule(&id, &unique("nft"), None), 50)
            .await
            .unwrap()
    );
    assert!(matches!(
        s.create(&schedule(&id, &unique("nft"), None), 50).await,
        Err(PortError::Conflict(_))
    ));
}

pub async fn the_limit_holds_under_concurrent_creation<S: ScheduleStore>(s: &S) {
    let nft = unique("nft");
    let store = Arc::new(s.clone());
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let nft = nft.clone();
            tokio::spawn(async move {
                store
                    .create(&schedule(&unique(&format!("c{i}")), &nft, None), 5)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        created += usize::from(task.await.unwrap());
    }
    assert_eq!(created, 5);
    assert_eq!(s.list_for_nft(&nft).await.unwrap().len(), 5);
}

pub async fn updates_apply_only_when_the_change_says_so<S: ScheduleStore>(s: &S) {
    let id = unique("u");
    s.create(&schedule(&id, &unique("nft"), None), 50)
        .await
        .unwrap();
    let kept = s
        .update(&id, |s| {
            s.prompt = "discarded".into();
            false
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.prompt, "status report");
    let active = s
        .update(&id, |s| s.activate("cron-7", "t1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.status, ScheduleStatus::Active);
    assert_eq!(s.get(&id).await.unwrap(), Some(active));
    assert_eq!(s.update(&unique("none"), |_| true).await.unwrap(), None);
}

pub async fn fires_are_recorded_with_a_bounded_history<S: ScheduleStore>(s: &S) {
    let id = unique("f");
    s.create(&schedule(&id, &unique("nft"), None), 50)
        .await
        .unwrap();
    let total = HISTORY_KEPT + 5;
    for i in 0..total {
        let e = s
            .record_fire(&id, |s| s.fire(&format!("t{i:03}"), None))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.status, ExecutionStatus::Success);
    }
    let history = s.history(&id).await.unwrap();
    assert_eq!(history.len(), HISTORY_KEPT);
    assert_eq!(history[0].fired_at, "t005", "oldest kept first");
    assert_eq!(
        history[HISTORY_KEPT - 1].fired_at,
        format!("t{:03}", total - 1)
    );
    assert_eq!(
        s.get(&id).await.unwrap().unwrap().fire_count as usize,
        total
    );
    assert_eq!(
        s.record_fire(&unique("none"), |s| s.fire("t", None))
            .await
            .unwrap(),
        None
    );
    assert!(s.history(&unique("none")).await.unwrap().is_empty());
}

pub async fn concurrent_fires_lose_no_count<S: ScheduleStore>(s: &S) {
    let id = unique("cf");
    s.create(&schedule(&id, &unique("nft"), Some(12)), 50)
        .await
        .unwrap();
    let store = Arc::new(s.clone());
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                store
                    .record_fire(&id, |s| s.fire(&format!("t{i}"), None))
                    .await
                    .unwrap()
                    .unwrap()
                    .status
            })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        successes += usize::from(task.await.unwrap() == ExecutionStatus::Success);
    }
    assert_eq!(successes, 12, "max_fires caps the successes exactly");
    let stored = s.get(&id).await.unwrap().unwrap();
    assert_eq!(
        (stored.fire_count, stored.status),
        (12, ScheduleStatus::Completed)
    );
    assert_eq!(s.history(&id).await.unwrap().len(), 16);
}

/// Instantiates the contract for `$make`, an async fn returning `(store, guard)`.
#[macro_export]
macro_rules! schedule_contract {
    ($make:path) => {
        $crate::schedule_contract!(@case $make, created_schedules_read_back_in_creation_order);
        $crate::schedule_contract!(@case $make, a_reused_id_conflicts);
        $crate::schedule_contract!(@case $make, the_limit_holds_under_concurrent_creation);
        $crate::schedule_contract!(@case $make, updates_apply_only_when_the_change_says_so);
        $crate::schedule_contract!(@case $make, fires_are_recorded_with_a_bounded_history);
        $crate::schedule_contract!(@case $make, concurrent_fires_lose_no_count);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (store, guard) = $make().await;
            $crate::support::schedule_contract::$case(&store).await;
            guard.finish().await;
        }
    };
}
