//! The pure core: domain types, ports and the rules that use them.
//!
//! Nothing here names the web framework, the database driver, the HTTP client or another
//! layer of this crate; `tests/api/purity.rs` fails the build's tests if it does.

pub mod auth;
pub mod autonomous;
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
pub mod trace;
pub mod ttl;
pub mod upstream;

/// Helpers of the core's unit tests.
#[cfg(test)]
pub(crate) mod testing {
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
}
