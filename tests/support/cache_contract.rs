//! The [`CacheStore`] contract every adapter meets (`cache_contract!` instantiates it for a
//! factory of empty caches).

use std::time::Duration;

use dixie::core::ports::CacheStore;

pub async fn a_put_value_is_got_back_and_forget_removes_it(c: &impl CacheStore) {
    assert_eq!(c.get("personality:1").await, None);
    c.put(
        "personality:1",
        b"{\"a\":1}".to_vec(),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(
        c.get("personality:1").await.as_deref(),
        Some(&b"{\"a\":1}"[..])
    );
    c.put("personality:1", b"2".to_vec(), Duration::from_secs(60))
        .await;
    assert_eq!(c.get("personality:1").await.as_deref(), Some(&b"2"[..]));
    c.forget("personality:1").await;
    assert_eq!(c.get("personality:1").await, None);
    c.forget("personality:never").await;
}

pub async fn keys_are_kept_apart(c: &impl CacheStore) {
    c.put("conviction:0xA", b"a".to_vec(), Duration::from_secs(60))
        .await;
    c.put("conviction:0xB", b"b".to_vec(), Duration::from_secs(60))
        .await;
    assert_eq!(c.get("conviction:0xA").await.as_deref(), Some(&b"a"[..]));
    assert_eq!(c.get("conviction:0xB").await.as_deref(), Some(&b"b"[..]));
}

pub async fn a_value_expires_after_its_ttl(c: &impl CacheStore) {
    c.put(
        "memory:projection:1",
        b"p".to_vec(),
        Duration::from_millis(200),
    )
    .await;
    assert!(c.get("memory:projection:1").await.is_some());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(c.get("memory:projection:1").await, None);
}

/// Instantiates every contract case for `$make`, an async fn returning an empty cache.
#[macro_export]
macro_rules! cache_contract {
    ($make:path) => {
        $crate::cache_contract!(@case $make, a_put_value_is_got_back_and_forget_removes_it);
        $crate::cache_contract!(@case $make, keys_are_kept_apart);
        $crate::cache_contract!(@case $make, a_value_expires_after_its_ttl);
    };
    (@case $make:path, $case:ident) => {
        #[tokio::test]
        async fn $case() {
            let cache = $make().await;
            $crate::support::cache_contract::$case(&cache).await;
        }
    };
}
