//! The `TicketStore` and `PromptHandoff` contracts, written once and run against every adapter
//! (`stream_contract!` instantiates them for a factory of `(tickets, handoffs, guard)`).

use std::sync::Arc;

use dixie::core::chat::ParkedPrompt;
use dixie::core::ports::{PromptHandoff, TicketStore};

const NOW: i64 = 1_800_000_000;

fn unique(tag: &str) -> String {
    format!("{tag}{}", uuid::Uuid::new_v4().simple())
}

pub async fn a_ticket_is_redeemed_once_by_its_wallet<T: TicketStore>(t: &T) {
    let (digest, wallet) = (unique("d"), unique("0xw"));
    assert!(t.issue(&digest, &wallet, NOW, NOW + 30, 5).await.unwrap());
    assert_eq!(t.redeem(&digest, NOW + 29).await.unwrap(), Some(wallet));
    assert_eq!(
        t.redeem(&digest, NOW + 29).await.unwrap(),
        None,
        "single use"
    );
    assert_eq!(t.redeem(&unique("never"), NOW).await.unwrap(), None);
}

pub async fn an_expired_ticket_is_refused_and_gone<T: TicketStore>(t: &T) {
    let (digest, wallet) = (unique("d"), unique("0xw"));
    assert!(t.issue(&digest, &wallet, NOW, NOW + 30, 5).await.unwrap());
    assert_eq!(t.redeem(&digest, NOW + 30).await.unwrap(), None);
    assert_eq!(
        t.redeem(&digest, NOW).await.unwrap(),
        None,
        "deleted when expired"
    );
}

pub async fn a_wallet_holds_at_most_the_limit_of_unexpired_tickets<T: TicketStore>(t: &T) {
    let wallet = unique("0xw");
    for _ in 0..3 {
        assert!(
            t.issue(&unique("d"), &wallet, NOW, NOW + 30, 3)
                .await
                .unwrap()
        );
    }
    assert!(
        !t.issue(&unique("d"), &wallet, NOW, NOW + 30, 3)
            .await
            .unwrap()
    );
    assert!(
        t.issue(&unique("d"), &unique("0xother"), NOW, NOW + 30, 3)
            .await
            .unwrap(),
        "another wallet has its own limit"
    );
    // Expired tickets do not count.
    assert!(
        t.issue(&unique("d"), &wallet, NOW + 30, NOW + 60, 3)
            .await
            .unwrap()
    );
}

pub async fn concurrent_issues_never_pass_the_limit<T: TicketStore>(t: &T) {
    let wallet = unique("0xw");
    let store = Arc::new(t.clone());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, wallet) = (store.clone(), wallet.clone());
            tokio::spawn(async move {
                store
                    .issue(&unique("d"), &wallet, NOW, NOW + 30, 5)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut issued = 0;
    for task in tasks {
        issued += usize::from(task.await.unwrap());
    }
    assert_eq!(issued, 5);
}

pub async fn concurrent_redeems_get_one_wallet<T: TicketStore>(t: &T) {
    let (digest, wallet) = (unique("d"), unique("0xw"));
    assert!(t.issue(&digest, &wallet, NOW, NOW + 30, 5).await.unwrap());
    let store = Arc::new(t.clone());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, digest) = (store.clone(), digest.clone());
            tokio::spawn(async move { store.redeem(&digest, NOW).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap().is_some());
    }
    assert_eq!(won, 1);
}

fn parked(session: &str, wallet: &str, prompt: &str, expires_at: i64) -> ParkedPrompt {
    ParkedPrompt {
        id: unique("h"),
        session_id: session.to_owned(),
        wallet: wallet.to_owned(),
        prompt: prompt.to_owned(),
        message_id: unique("m"),
        expires_at,
    }
}

pub async fn a_stream_takes_the_earliest_prompt_of_its_session_and_wallet<H: PromptHandoff>(h: &H) {
    let (session, wallet) = (unique("s"), unique("0xw"));
    let first = parked(&session, &wallet, "first", NOW + 30);
    let second = parked(&session, &wallet, "second", NOW + 30);
    h.park(&first).await.unwrap();
    h.park(&second).await.unwrap();
    h.park(&parked(&session, &unique("0xother"), "not yours", NOW + 30))
        .await
        .unwrap();
    h.park(&parked(&unique("s"), &wallet, "other session", NOW + 30))
        .await
        .unwrap();
    assert_eq!(
        h.take_for_stream(&session, &wallet, NOW).await.unwrap(),
        Some(first)
    );
    assert_eq!(
        h.take_for_stream(&session, &wallet, NOW).await.unwrap(),
        Some(second)
    );
    assert_eq!(
        h.take_for_stream(&session, &wallet, NOW).await.unwrap(),
        None
    );
}

pub async fn an_expired_prompt_is_left_to_its_deliverer<H: PromptHandoff>(h: &H) {
    let (session, wallet) = (unique("s"), unique("0xw"));
    let p = parked(&session, &wallet, "late", NOW + 30);
    h.park(&p).await.unwrap();
    assert_eq!(
        h.take_for_stream(&session, &wallet, NOW + 31)
            .await
            .unwrap(),
        None
    );
    assert_eq!(h.take(&p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(h.take(&p.id).await.unwrap(), None, "taken once");
    assert_eq!(
        h.take_for_stream(&session, &wallet, NOW).await.unwrap(),
        None
    );
}

pub async fn a_stream_and_the_deliverer_never_both_get_a_prompt<H: PromptHandoff>(h: &H) {
    let store = Arc::new(h.clone());
    for _ in 0..10 {
        let (session, wallet) = (unique("s"), unique("0xw"));
        let p = parked(&session, &wallet, "race", NOW + 30);
        store.park(&p).await.unwrap();
        let stream = {
            let store = store.clone();
            tokio::spawn(
                async move { store.take_for_stream(&session, &wallet, NOW).await.unwrap() },
            )
        };
        let deliverer = {
            let (store, id) = (store.clone(), p.id.clone());
            tokio::spawn(async move { store.take(&id).await.unwrap() })
        };
        let (a, b) = (stream.await.unwrap(), deliverer.await.unwrap());
        assert!(a.is_some() != b.is_some(), "exactly one taker: {a:?} {b:?}");
    }
}

/// Instantiates every contract case for `$make`, an async fn returning
/// `(tickets, handoffs, guard)`.
#[macro_export]
macro_rules! stream_contract {
    ($make:path) => {
        $crate::stream_contract!(@tickets $make, a_ticket_is_redeemed_once_by_its_wallet);
        $crate::stream_contract!(@tickets $make, an_expired_ticket_is_refused_and_gone);
        $crate::stream_contract!(@tickets $make, a_wallet_holds_at_most_the_limit_of_unexpired_tickets);
        $crate::stream_contract!(@tickets $make, concurrent_issues_never_pass_the_limit);
        $crate::stream_contract!(@tickets $make, concurrent_redeems_get_one_wallet);
        $crate::stream_contract!(@handoffs $make, a_stream_takes_the_earliest_prompt_of_its_session_and_wallet);
        $crate::stream_contract!(@handoffs $make, an_expired_prompt_is_left_to_its_deliverer);
        $crate::stream_contract!(@handoffs $make, a_stream_and_the_deliverer_never_both_get_a_prompt);
    };
    (@tickets $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (tickets, _handoffs, guard) = $make().await;
            $crate::support::stream_contract::$case(&tickets).await;
            guard.finish().await;
        }
    };
    (@handoffs $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (_tickets, handoffs, guard) = $make().await;
            $crate::support::stream_contract::$case(&handoffs).await;
            guard.finish().await;
        }
    };
}
