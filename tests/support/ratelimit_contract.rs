//! The `RateLimitStore` contract, written once and run against every adapter
//! (`ratelimit_contract!` instantiates it for a factory of limiters allowing `LIMIT` a minute).

use std::sync::Arc;

use dixie::core::ports::RateLimitStore;
use dixie::core::ratelimit::Decision;

pub const LIMIT: u32 = 10;

fn key() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}

pub async fn a_burst_admits_exactly_the_limit<R: RateLimitStore>(r: &R) {
    assert_eq!(r.limit(), LIMIT);
    let k = key();
    let mut remaining = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..LIMIT + 5 {
        match r.check(k).await {
            Decision::Allow { remaining: left } => remaining.push(left),
            Decision::Deny { retry_after } => refused.push(retry_after),
        }
    }
    assert_eq!(remaining.len(), LIMIT as usize, "{remaining:?} {refused:?}");
    assert_eq!(remaining.first(), Some(&(LIMIT - 1)));
    assert_eq!(remaining.last(), Some(&0));
    assert!(refused.iter().all(|s| (1..=60).contains(s)), "{refused:?}");
}

pub async fn identities_are_counted_apart<R: RateLimitStore>(r: &R) {
    let (a, b) = (key(), key());
    for _ in 0..LIMIT {
        assert!(matches!(r.check(a).await, Decision::Allow { .. }));
    }
    assert!(matches!(r.check(a).await, Decision::Deny { .. }));
    assert!(matches!(r.check(b).await, Decision::Allow { .. }));
}

pub async fn concurrent_requests_admit_exactly_the_limit<R: RateLimitStore + Clone>(r: &R) {
    let k = key();
    let limiter = Arc::new(r.clone());
    let tasks: Vec<_> = (0..3 * LIMIT)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move { matches!(limiter.check(k).await, Decision::Allow { .. }) })
        })
        .collect();
    let mut admitted = 0;
    for t in tasks {
        if t.await.unwrap() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, LIMIT);
}

/// Instantiates every contract case for `$make`, an async fn returning a limiter.
#[macro_export]
macro_rules! ratelimit_contract {
    ($make:path) => {
        $crate::ratelimit_contract!(@case $make, a_burst_admits_exactly_the_limit);
        $crate::ratelimit_contract!(@case $make, identities_are_counted_apart);
        $crate::ratelimit_contract!(@case $make, concurrent_requests_admit_exactly_the_limit);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let limiter = $make().await;
            $crate::support::ratelimit_contract::$case(&limiter).await;
        }
    };
}
