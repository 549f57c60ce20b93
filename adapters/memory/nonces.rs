//! [`NonceStore`] in process memory (one replica only: claims do not cross processes).

use std::collections::HashMap;
use std::future::{Future, ready};
use std::sync::{Arc, Mutex};

use crate::core::error::PortError;
use crate::core::ports::NonceStore;

/// Values remembered at most; beyond it (after dropping expired ones) a claim answers
/// `Unavailable`. Only logins that passed every other check (and signed callbacks) claim, each
/// behind the per-client rate limit, so filling it takes many clients.
pub const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Default)]
struct Inner {
    /// Value → remembered until (Unix seconds).
    entries: HashMap<String, i64>,
    /// Earliest time at which a sweep can find something to drop.
    next_sweep: i64,
}

impl Inner {
    fn sweep(&mut self, now: i64) {
        if now < self.next_sweep {
            return;
        }
        self.entries.retain(|_, until| *until >= now);
        self.next_sweep = self
            .entries
            .values()
            .map(|until| until + 1)
            .min()
            .unwrap_or(i64::MAX);
    }
}

#[derive(Clone)]
pub struct MemoryNonceStore {
    inner: Arc<Mutex<Inner>>,
    capacity: usize,
}

impl Default for MemoryNonceStore {
    fn default() -> Self {
        MemoryNonceStore::with_capacity(DEFAULT_CAPACITY)
    }
}

impl MemoryNonceStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(capacity: usize) -> Self {
        MemoryNonceStore {
            inner: Arc::new(Mutex::new(Inner {
                next_sweep: i64::MAX,
                ..Inner::default()
            })),
            capacity,
        }
    }
}

impl NonceStore for MemoryNonceStore {
    fn claim(
        &self,
        value: &str,
        now: i64,
        retain_until: i64,
    ) -> impl Future<Output = Result<bool, PortError>> + Send {
        let answer = match self.inner.lock() {
            Err(_) => Err(PortError::Unexpected("nonce store lock poisoned".into())),
            Ok(mut inner) => {
                inner.sweep(now);
                // The sweep dropped every value past its retention: a known value is in use.
                if inner.entries.contains_key(value) {
                    Ok(false)
                } else if inner.entries.len() >= self.capacity {
                    Err(PortError::Unavailable("nonce store is full".into()))
                } else {
                    inner.entries.insert(value.to_owned(), retain_until);
                    inner.next_sweep = inner.next_sweep.min(retain_until + 1);
                    Ok(true)
                }
            }
        };
        ready(answer)
    }
}
