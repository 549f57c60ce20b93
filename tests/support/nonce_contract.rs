//! The `NonceStore` contract, written once and run against every adapter
//! (`nonce_contract!` instantiates it for a store factory).

use std::sync::Arc;

use dixie::core::ports::NonceStore;

const NOW: i64 = 1_800_000_000;

fn unique(tag: &str) -> String {
    format!("{tag}{}", uuid::Uuid::new_v4().simple())
}

pub async fn a_value_is_claimed_once<S: NonceStore>(s: &S) {
    let n = unique("once");
    assert!(s.claim(&n, NOW, NOW + 600).await.unwrap());
    assert!(!s.claim(&n, NOW + 1, NOW + 600).await.unwrap());
    // Remembered until retain_until, whatever a later claim asks for.
    assert!(!s.claim(&n, NOW + 600, NOW + 9000).await.unwrap());
    assert!(s.claim(&unique("other"), NOW, NOW + 600).await.unwrap());
}

pub async fn a_value_past_its_retention_may_be_claimed_again<S: NonceStore>(s: &S) {
    let n = unique("again");
    assert!(s.claim(&n, NOW, NOW + 10).await.unwrap());
    assert!(s.claim(&n, NOW + 11, NOW + 600).await.unwrap());
    assert!(!s.claim(&n, NOW + 12, NOW + 600).await.unwrap());
}

pub async fn concurrent_claims_get_one_success<S: NonceStore>(s: &S) {
    let n = unique("race");
    let store = Arc::new(s.clone());
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let store = store.clone();
            let n = n.clone();
            tokio::spawn(async move { store.claim(&n, NOW, NOW + 600).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        if t.await.unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1, "{n}");
}

/// Instantiates every contract case for `$make`, an async fn returning `(store, guard)`.
#[macro_export]
macro_rules! nonce_contract {
    ($make:path) => {
        $crate::nonce_contract!(@case $make, a_value_is_claimed_once);
        $crate::nonce_contract!(@case $make, a_value_past_its_retention_may_be_claimed_again);
        $crate::nonce_contract!(@case $make, concurrent_claims_get_one_success);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (store, guard) = $make().await;
            $crate::support::nonce_contract::$case(&store).await;
            guard.finish().await;
        }
    };
}
