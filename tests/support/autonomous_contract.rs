//! The `AutonomousStore` contract, written once and run against every adapter
//! (`autonomous_contract!` instantiates it for a store factory).

use std::sync::Arc;

use dixie::core::autonomous::{AuditAction, AuditEntry, Permissions};
use dixie::core::ports::AutonomousStore;

fn unique(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}

fn entry(nft: &str, at: i64, action: AuditAction, allowed: bool) -> AuditEntry {
    AuditEntry::new(
        nft,
        at,
        action,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        allowed,
    )
}

pub async fn an_update_stores_permissions_and_its_entry_together<S: AutonomousStore>(s: &S) {
    let nft = unique("nft");
    assert_eq!(s.get(&nft).await.unwrap(), None, "never set");
    let stored = s
        .update(&nft, |current| {
            assert_eq!(current, None);
            let mut p = Permissions::defaults(&nft, 7, "t1".into());
            p.enabled = true;
            p.owner_wallet = "0xOwner".into();
            (
                p,
                entry(&nft, 100, AuditAction::PermissionsUpdated, true).because("set enabled"),
            )
        })
        .await
        .unwrap();
    assert!(stored.enabled);
    assert_eq!(s.get(&nft).await.unwrap(), Some(stored.clone()));
    let trail = s.audit(&nft, 10).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].entry.reason.as_deref(), Some("set enabled"));

    let again = s
        .update(&nft, |current| {
            let mut p = current.expect("the stored permissions");
            assert!(p.enabled);
            p.budget.hourly_rate_limit = 3;
            (p, entry(&nft, 101, AuditAction::PermissionsUpdated, true))
        })
        .await
        .unwrap();
    assert_eq!(again.budget.hourly_rate_limit, 3);
    assert!(again.enabled, "the change saw the earlier one");
    assert!(s.get(&unique("other")).await.unwrap().is_none());
}

pub async fn the_trail_is_ordered_newest_first_and_limited<S: AutonomousStore>(s: &S) {
    let nft = unique("nft");
    let other = unique("other");
    let mut seqs = Vec::new();
    for i in 0..5 {
        seqs.push(
            s.append(&entry(&nft, 1000 + i, AuditAction::AccessRefused, false))
                .await
                .unwrap(),
        );
        s.append(&entry(&other, 1000 + i, AuditAction::AccessRefused, false))
            .await
            .unwrap();
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let newest = s.audit(&nft, 3).await.unwrap();
    let ats: Vec<i64> = newest.iter().map(|e| e.entry.at).collect();
    assert_eq!(ats, [1004, 1003, 1002]);
    assert!(newest.iter().all(|e| e.entry.nft_id == nft));
    assert_eq!(newest[0].seq, seqs[4]);
    assert!(s.audit(&unique("none"), 10).await.unwrap().is_empty());
}

pub async fn a_window_of_the_trail_is_oldest_first<S: AutonomousStore>(s: &S) {
    let nft = unique("nft");
    for at in [10, 20, 30, 40, 50] {
        s.append(&entry(&nft, at, AuditAction::AgentAction, true))
            .await
            .unwrap();
    }
    let at = |v: Vec<dixie::core::autonomous::StoredAudit>| -> Vec<i64> {
        v.iter().map(|e| e.entry.at).collect()
    };
    assert_eq!(
        at(s.audit_between(&nft, 20, 50, 10).await.unwrap()),
        [20, 30, 40]
    );
    assert_eq!(
        at(s.audit_between(&nft, 0, 100, 2).await.unwrap()),
        [40, 50],
        "the newest within the limit"
    );
    assert!(s.audit_between(&nft, 60, 70, 10).await.unwrap().is_empty());
}

pub async fn concurrent_updates_lose_none<S: AutonomousStore>(s: &S) {
    let nft = Arc::new(unique("nft"));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (s, nft) = (s.clone(), nft.clone());
        tasks.push(tokio::spawn(async move {
            s.update(&nft, |current| {
                let mut p = current.unwrap_or_else(|| Permissions::defaults(&nft, 0, "t".into()));
                p.tool_whitelist.push(format!("tool-{i}"));
                (p, entry(&nft, 1, AuditAction::PermissionsUpdated, true))
            })
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stored = s.get(&nft).await.unwrap().unwrap();
    assert_eq!(
        stored.tool_whitelist.len(),
        8,
        "{:?}",
        stored.tool_whitelist
    );
    assert_eq!(s.audit(&nft, 100).await.unwrap().len(), 8);
}

#[macro_export]
macro_rules! autonomous_contract {
    ($make:path) => {
        $crate::autonomous_contract!(@case $make, an_update_stores_permissions_and_its_entry_together);
        $crate::autonomous_contract!(@case $make, the_trail_is_ordered_newest_first_and_limited);
        $crate::autonomous_contract!(@case $make, a_window_of_the_trail_is_oldest_first);
        $crate::autonomous_contract!(@case $make, concurrent_updates_lose_none);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            let (store, guard) = $make().await;
            $crate::support::autonomous_contract::$case(&store).await;
            guard.finish().await;
        }
    };
}
