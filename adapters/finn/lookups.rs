//! Per-wallet reuse of Finn's identity lookups (§16): an answer for 5 minutes, "holds no dNFT"
//! for 1 minute, a failure never (it is not put). Kept in the cache the replicas share
//! (`ownership:{lowercase wallet}`; this process's own when there is no Redis).

use std::time::Duration;

use crate::adapters::memory::MemoryCache;
use crate::adapters::redis::SharedCache;
use crate::core::cache::Cached;
use crate::core::ownership::Ownership;

/// How long a wallet's dNFT answer is reused.
const HELD_TTL: Duration = Duration::from_secs(300);
/// How long "holds none" is reused (shorter: a new holder shows up quickly).
const NONE_TTL: Duration = Duration::from_secs(60);
/// The cache key prefix of holdings.
const PREFIX: &str = "ownership:";

/// Holdings by lowercase wallet.
#[derive(Clone)]
pub(crate) struct HoldingsCache {
    held: Cached<SharedCache>,
    none: Cached<SharedCache>,
}

impl Default for HoldingsCache {
    fn default() -> Self {
        HoldingsCache::on(SharedCache::Local(MemoryCache::default()))
    }
}

impl HoldingsCache {
    pub(crate) fn on(cache: SharedCache) -> Self {
        HoldingsCache {
            held: Cached::new(cache.clone(), PREFIX, HELD_TTL),
            none: Cached::new(cache, PREFIX, NONE_TTL),
        }
    }

    /// The reused answer for `wallet`, if one is fresh (empty: it holds none).
    pub(crate) async fn get(&self, wallet: &str) -> Option<Vec<Ownership>> {
        self.held.get(&wallet.to_ascii_lowercase()).await
    }

    pub(crate) async fn put(&self, wallet: &str, holdings: &[Ownership]) {
        let kept = if holdings.is_empty() {
            &self.none
        } else {
            &self.held
        };
        kept.put(&wallet.to_ascii_lowercase(), &holdings).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(nft: &str) -> Vec<Ownership> {
        vec![Ownership {
            nft_id: nft.into(),
            owner_wallet: "0xabc".into(),
            delegated_wallets: vec![],
        }]
    }

    #[tokio::test]
    async fn answers_are_kept_by_lowercase_wallet_and_none_too() {
        let cache = HoldingsCache::default();
        cache.put("0xAbC", &owned("nft-1")).await;
        cache.put("0xdef", &[]).await;
        assert_eq!(cache.get("0xabc").await, Some(owned("nft-1")));
        assert_eq!(cache.get("0xDEF").await, Some(vec![]));
        assert_eq!(cache.get("0x123").await, None);
    }
}
