//! The agent ports' contracts, written once and run against every adapter:
//! `quota_contract!` for a factory of quotas allowing `PER_MINUTE` a minute and `PER_DAY` a
//! day, `votes_contract!` for a factory of empty vote stores.

use std::sync::Arc;

use dixie::core::agent::{QuotaDecision, Vote};
use dixie::core::conviction::Tier;
use dixie::core::ports::{AgentQuota, PriorityVotes};

pub const PER_MINUTE: u32 = 7;
pub const PER_DAY: u32 = 10;

fn agent() -> String {
    format!("0x{}", uuid::Uuid::new_v4().simple())
}

pub async fn a_burst_admits_exactly_the_minute_limit<Q: AgentQuota>(q: &Q) {
    assert_eq!((q.per_minute(), q.per_day()), (PER_MINUTE, PER_DAY));
    let a = agent();
    let mut admitted = 0;
    let mut waits = Vec::new();
    for _ in 0..PER_MINUTE + 3 {
        match q.admit(&a).await {
            QuotaDecision::Allow => admitted += 1,
            QuotaDecision::Minute { retry_after } => waits.push(retry_after),
            other => panic!("a burst meets the minute limit first: {other:?}"),
        }
    }
    assert_eq!(admitted, PER_MINUTE);
    assert!(waits.iter().all(|s| (58..=60).contains(s)), "{waits:?}");
    assert_eq!(
        q.admit(&agent()).await,
        QuotaDecision::Allow,
        "agents are counted apart"
    );
}

/// The day limit on a quota whose minute limit does not bind first (the quota's clock cannot
/// be moved, so the day's count is reached within one minute).
pub async fn refusals_wait_for_midnight_past_the_day_limit<Q: AgentQuota>(big: &Q) {
    let a = agent();
    let mut admitted = 0;
    let mut last = None;
    for _ in 0..PER_DAY + 2 {
        match big.admit(&a).await {
            QuotaDecision::Allow => admitted += 1,
            other => last = Some(other),
        }
    }
    assert_eq!(admitted, PER_DAY);
    let Some(QuotaDecision::Day { retry_after }) = last else {
        panic!("the day limit refuses: {last:?}");
    };
    let now = time::OffsetDateTime::now_utc();
    let to_midnight = 86_400
        - i64::from(now.hour()) * 3600
        - i64::from(now.minute()) * 60
        - i64::from(now.second());
    assert!(
        (retry_after as i64 - to_midnight).abs() <= 2,
        "{retry_after} vs {to_midnight}"
    );
}

pub async fn concurrent_admits_admit_exactly_the_limit<Q: AgentQuota>(q: &Q) {
    let a = Arc::new(agent());
    let q = Arc::new(q.clone());
    let tasks: Vec<_> = (0..3 * PER_MINUTE)
        .map(|_| {
            let (q, a) = (q.clone(), a.clone());
            tokio::spawn(async move { q.admit(&a).await == QuotaDecision::Allow })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        if t.await.unwrap() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, PER_MINUTE);
}

fn vote(voter: &str, source: &str, priority: u8, tier: Tier, at: i64) -> Vote {
    Vote {
        voter: voter.to_owned(),
        source_id: source.to_owned(),
        priority,
        tier,
        cast_at: at,
    }
}

pub async fn votes_aggregate_by_tier_weight_and_the_latest_wins<V: PriorityVotes>(v: &V) {
    let t = v
        .cast(&vote("0xA", "glossary", 3, Tier::Architect, 10))
        .await
        .unwrap();
    assert_eq!(
        (t.source_id.as_str(), t.score, t.votes),
        ("glossary", 30, 1)
    );
    let t = v
        .cast(&vote("0xB", "glossary", 5, Tier::Participant, 11))
        .await
        .unwrap();
    assert_eq!((t.score, t.votes), (35, 2));
    // 0xA changes its mind, now as a sovereign: 2 × 25 + 5 × 1.
    let t = v
        .cast(&vote("0xA", "glossary", 2, Tier::Sovereign, 12))
        .await
        .unwrap();
    assert_eq!((t.score, t.votes), (55, 2));
    let t = v
        .cast(&vote("0xC", "glossary", 5, Tier::Observer, 13))
        .await
        .unwrap();
    assert_eq!(
        (t.score, t.votes),
        (55, 3),
        "an observer's vote weighs nothing"
    );
}

pub async fn the_tally_orders_sources_and_counts_voters<V: PriorityVotes>(v: &V) {
    let empty = v.tally().await.unwrap();
    assert!(empty.sources.is_empty());
    assert_eq!((empty.voters, empty.last_vote_at), (0, None));
    v.cast(&vote("0xA", "b", 1, Tier::Builder, 100))
        .await
        .unwrap();
    v.cast(&vote("0xA", "a", 1, Tier::Builder, 300))
        .await
        .unwrap();
    v.cast(&vote("0xB", "c", 4, Tier::Builder, 200))
        .await
        .unwrap();
    let tally = v.tally().await.unwrap();
    let order: Vec<(&str, u64)> = tally
        .sources
        .iter()
        .map(|s| (s.source_id.as_str(), s.score))
        .collect();
    assert_eq!(order, [("c", 12), ("a", 3), ("b", 3)], "score, then id");
    assert_eq!((tally.voters, tally.last_vote_at), (2, Some(300)));
}

/// Instantiates the quota cases for `$make(per_minute, per_day)`.
#[macro_export]
macro_rules! quota_contract {
    ($make:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_burst_admits_exactly_the_minute_limit() {
            use $crate::support::agent_contract::{PER_DAY, PER_MINUTE};
            let q = $make(PER_MINUTE, PER_DAY).await;
            $crate::support::agent_contract::a_burst_admits_exactly_the_minute_limit(&q).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn refusals_wait_for_midnight_past_the_day_limit() {
            use $crate::support::agent_contract::{PER_DAY, PER_MINUTE};
            let _ = PER_MINUTE;
            let big = $make(1000, PER_DAY).await;
            $crate::support::agent_contract::refusals_wait_for_midnight_past_the_day_limit(&big)
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concurrent_admits_admit_exactly_the_limit() {
            use $crate::support::agent_contract::{PER_DAY, PER_MINUTE};
            let q = $make(PER_MINUTE, PER_DAY).await;
            $crate::support::agent_contract::concurrent_admits_admit_exactly_the_limit(&q).await;
        }
    };
}

/// Instantiates the vote cases for `$make`, an async fn returning `(store, cleanup)` with an
/// empty store.
#[macro_export]
macro_rules! votes_contract {
    ($make:path) => {
        $crate::votes_contract!(@case $make, votes_aggregate_by_tier_weight_and_the_latest_wins);
        $crate::votes_contract!(@case $make, the_tally_orders_sources_and_counts_voters);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (store, cleanup) = $make().await;
            $crate::support::agent_contract::$case(&store).await;
            cleanup.finish().await;
        }
    };
}
