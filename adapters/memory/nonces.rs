//! [`NonceStore`] in process memory (one replica only: nonces do not cross processes).

use std::collections::HashMap;
use std::future::{Future, ready};
use std::sync::{Arc, Mutex};

use crate::core::auth::NonceUse;
use crate::core::error::PortError;
use crate::core::ports::NonceStore;

/// Entries held at most; beyond it (after dropping expired ones) issuing answers
/// `Unavailable`, so unauthenticated nonce requests cannot grow memory without bound.
pub const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Clone, Copy)]
struct Entry {
    server_issued: bool,
    used: bool,
    expires_at: i64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Earliest time at which a sweep can find something to drop.
    next_sweep: i64,
}

impl Inner {
    fn sweep(&mut self, now: i64) {
        if now < self.next_sweep {
            return;
        }
        self.entries.retain(|_, e| e.expires_at >= now);
        self.next_sweep = self
            .entries
            .values()
            .map(|e| e.expires_at + 1)
            .min()
            .unwrap_or(i64::MAX);
    }

    fn note_expiry(&mut self, expires_at: i64) {
        self.next_sweep = self.next_sweep.min(expires_at + 1);
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

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> Result<T, PortError>) -> Result<T, PortError> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PortError::Unexpected("nonce store lock poisoned".into()))?;
        f(&mut guard)
    }
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl NonceStore for MemoryNonceStore {
    fn issue(
        &self,
        nonce: &str,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), PortError>> + Send {
        ready(self.with(|inner| {
            inner.sweep(now_secs());
            if inner.entries.contains_key(nonce) {
                return Err(PortError::Conflict("nonce already exists".into()));
            }
            if inner.entries.len() >= self.capacity {
                return Err(PortError::Unavailable("nonce store is full".into()));
            }
            inner.entries.insert(
                nonce.to_owned(),
                Entry {
                    server_issued: true,
                    used: false,
                    expires_at,
                },
            );
            inner.note_expiry(expires_at);
            Ok(())
        }))
    }

    fn consume(
        &self,
        nonce: &str,
        now: i64,
        retain_until: i64,
        accept_unknown: bool,
    ) -> impl Future<Output = Result<NonceUse, PortError>> + Send {
        ready(self.with(|inner| {
            inner.sweep(now);
            let answer = match inner.entries.get_mut(nonce) {
                Some(e) if e.server_issued && !e.used && e.expires_at > now => {
                    e.used = true;
                    e.expires_at = e.expires_at.max(retain_until);
                    NonceUse::ServerIssued
                }
                Some(_) => NonceUse::Refused,
                None if accept_unknown => {
                    if inner.entries.len() >= self.capacity {
                        return Err(PortError::Unavailable("nonce store is full".into()));
                    }
                    inner.entries.insert(
                        nonce.to_owned(),
                        Entry {
                            server_issued: false,
                            used: true,
                            expires_at: retain_until,
                        },
                    );
                    NonceUse::ClientChosen
                }
                None => NonceUse::Refused,
            };
            inner.note_expiry(retain_until);
            Ok(answer)
        }))
    }
}
