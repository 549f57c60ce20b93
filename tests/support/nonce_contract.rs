//! The `NonceStore` contract, written once and run against every adapter
//! (`nonce_contract!` instantiates it for a store factory).

use std::sync::Arc;

use dixie::core::auth::NonceUse;
use dixie::core::error::PortError;
use dixie::core::ports::NonceStore;

const NOW: i64 = 1_800_000_000;

fn unique(tag: &str) -> String {
    format!("{tag}{}", uuid::Uuid::new_v4().simple())
}

pub async fn issued_nonce_is_used_once<S: NonceStore>(s: &S) {
    let n = unique("issued");
    s.issue(&n, NOW + 300).await.unwrap();
    assert_eq!(
        s.consume(&n, NOW, NOW + 600, false).await.unwrap(),
        NonceUse::ServerIssued
    );
    for accept_unknown in [false, true] {
        assert_eq!(
            s.consume(&n, NOW + 1, NOW + 600, accept_unknown)
                .await
                .unwrap(),
            NonceUse::Refused
        );
    }
    // Remembered until retain_until, even past the issue TTL.
    assert_eq!(
        s.consume(&n, NOW + 500, NOW + 900, true).await.unwrap(),
        NonceUse::Refused
    );
}

pub async fn issuing_a_known_nonce_conflicts<S: NonceStore>(s: &S) {
    let n = unique("dup");
    s.issue(&n, NOW + 300).await.unwrap();
    assert!(matches!(
        s.issue(&n, NOW + 300).await,
        Err(PortError::Conflict(_))
    ));
}

pub async fn expired_issued_nonce_is_refused<S: NonceStore>(s: &S) {
    let n = unique("old");
    s.issue(&n, NOW - 1).await.unwrap();
    // With `accept_unknown` a forgotten expired nonce may count as client-chosen; without it,
    // an expired nonce never logs in.
    assert_eq!(
        s.consume(&n, NOW, NOW + 600, false).await.unwrap(),
        NonceUse::Refused
    );
}

pub async fn client_nonce_is_accepted_once_when_allowed<S: NonceStore>(s: &S) {
    let n = unique("client");
    assert_eq!(
        s.consume(&n, NOW, NOW + 600, false).await.unwrap(),
        NonceUse::Refused,
        "unknown nonce refused when only issued ones count"
    );
    assert_eq!(
        s.consume(&n, NOW, NOW + 600, true).await.unwrap(),
        NonceUse::ClientChosen,
        "a refusal records nothing"
    );
    assert_eq!(
        s.consume(&n, NOW + 1, NOW + 600, true).await.unwrap(),
        NonceUse::Refused
    );
}

pub async fn concurrent_consumers_get_one_success<S: NonceStore>(s: &S) {
    let issued = unique("race");
    s.issue(&issued, NOW + 300).await.unwrap();
    let chosen = unique("race");
    for (nonce, accept_unknown) in [(issued, false), (chosen, true)] {
        let store = Arc::new(s.clone());
        let tasks: Vec<_> = (0..24)
            .map(|_| {
                let store = store.clone();
                let nonce = nonce.clone();
                tokio::spawn(async move {
                    store
                        .consume(&nonce, NOW, NOW + 600, accept_unknown)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut accepted = 0;
        for t in tasks {
            if t.await.unwrap() != NonceUse::Refused {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 1, "{nonce}");
    }
}

/// Instantiates every contract case for `$make`, an async fn returning `(store, guard)`.
#[macro_export]
macro_rules! nonce_contract {
    ($make:path) => {
        $crate::nonce_contract!(@case $make, issued_nonce_is_used_once);
        $crate::nonce_contract!(@case $make, issuing_a_known_nonce_conflicts);
        $crate::nonce_contract!(@case $make, expired_issued_nonce_is_refused);
        $crate::nonce_contract!(@case $make, client_nonce_is_accepted_once_when_allowed);
        $crate::nonce_contract!(@case $make, concurrent_consumers_get_one_success);
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
