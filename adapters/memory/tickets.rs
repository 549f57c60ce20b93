//! [`TicketStore`] in process memory (one replica only).

use std::collections::HashMap;
use std::future::{Future, ready};
use std::sync::{Arc, Mutex};

use crate::core::error::PortError;
use crate::core::ports::TicketStore;

/// Tickets held at most (every wallet's five, for this many wallets / 5).
pub const CAPACITY: usize = 100_000;

struct Ticket {
    wallet: String,
    expires_at: i64,
}

#[derive(Clone, Default)]
pub struct MemoryTicketStore {
    /// Digest → ticket.
    inner: Arc<Mutex<HashMap<String, Ticket>>>,
}

impl MemoryTicketStore {
    fn locked<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, Ticket>) -> Result<T, PortError>,
    ) -> Result<T, PortError> {
        match self.inner.lock() {
            Ok(mut map) => f(&mut map),
            Err(_) => Err(PortError::Unexpected("ticket store lock poisoned".into())),
        }
    }
}

impl TicketStore for MemoryTicketStore {
    fn issue(
        &self,
        digest: &str,
        wallet: &str,
        now: i64,
        expires_at: i64,
        max_outstanding: u32,
    ) -> impl Future<Output = Result<bool, PortError>> + Send {
        ready(self.locked(|map| {
            if map.len() >= CAPACITY {
                map.retain(|_, t| t.expires_at > now);
                if map.len() >= CAPACITY {
                    return Err(PortError::Unavailable("ticket store is full".into()));
                }
            }
            let held = map
                .values()
                .filter(|t| t.wallet == wallet && t.expires_at > now)
                .count();
            if held >= max_outstanding as usize {
                return Ok(false);
            }
            map.insert(
                digest.to_owned(),
                Ticket {
                    wallet: wallet.to_owned(),
                    expires_at,
                },
            );
            Ok(true)
        }))
    }

    fn redeem(
        &self,
        digest: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<String>, PortError>> + Send {
        ready(self.locked(|map| {
            Ok(map
                .remove(digest)
                .filter(|t| t.expires_at > now)
                .map(|t| t.wallet))
        }))
    }
}
