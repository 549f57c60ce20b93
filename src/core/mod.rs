//! The pure core: domain types, ports and the rules that use them.
//!
//! Nothing here names the web framework, the database driver, the HTTP client or another
//! layer of this crate; `tests/api/purity.rs` fails the build's tests if it does.

pub mod agent;
pub mod auth;
pub mod autonomous;
pub mod cache;
pub mod chat;
pub mod clock;
pub mod conviction;
pub mod enrichment;
pub mod error;
pub mod families;
pub mod health;
pub mod identity;
pub mod knowledge;
pub mod memory;
pub mod ownership;
pub mod payment;
pub mod personality;
pub mod ports;
pub mod ratelimit;
pub mod reputation;
pub mod schedule;
pub mod sessions;
pub mod signals;
pub mod trace;
pub mod ttl;
pub mod upstream;

/// Helpers of the core's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::core::cache::Cached;
    use crate::core::ports::CacheStore;

    /// Polls a future that completes without waiting (the mocks answer at once).
    pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    /// A cache store that keeps everything (expiry is the adapters' contract).
    #[derive(Clone, Default)]
    pub struct KeptCache(pub Arc<Mutex<HashMap<String, Vec<u8>>>>);

    impl KeptCache {
        pub fn cached(&self, prefix: &'static str, ttl: Duration) -> Cached<KeptCache> {
            Cached::new(self.clone(), prefix, ttl)
        }
    }

    impl CacheStore for KeptCache {
        async fn get(&self, key: &str) -> Option<Vec<u8>> {
            self.0.lock().ok()?.get(key).cloned()
        }
        async fn put(&self, key: &str, value: Vec<u8>, _ttl: Duration) {
            if let Ok(mut m) = self.0.lock() {
                m.insert(key.to_owned(), value);
            }
        }
        async fn forget(&self, key: &str) {
            if let Ok(mut m) = self.0.lock() {
                m.remove(key);
            }
        }
    }
}
