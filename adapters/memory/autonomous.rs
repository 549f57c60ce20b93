//! In-memory [`AutonomousStore`]: permissions and the audit trail for the process's life.
//! The trail keeps the newest [`KEPT`] entries per dNFT.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::core::autonomous::{AuditEntry, Permissions, StoredAudit};
use crate::core::error::PortError;
use crate::core::ports::AutonomousStore;

/// Entries kept per dNFT.
const KEPT: usize = 10_000;

#[derive(Default)]
struct Inner {
    permissions: HashMap<String, Permissions>,
    trails: HashMap<String, VecDeque<StoredAudit>>,
    seq: i64,
}

impl Inner {
    fn append(&mut self, entry: &AuditEntry) -> i64 {
        self.seq += 1;
        let trail = self.trails.entry(entry.nft_id.clone()).or_default();
        if trail.len() >= KEPT {
            trail.pop_front();
        }
        trail.push_back(StoredAudit {
            seq: self.seq,
            entry: entry.clone(),
        });
        self.seq
    }
}

#[derive(Clone, Default)]
pub struct MemoryAutonomousStore {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryAutonomousStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl AutonomousStore for MemoryAutonomousStore {
    async fn get(&self, nft_id: &str) -> Result<Option<Permissions>, PortError> {
        Ok(self.lock().permissions.get(nft_id).cloned())
    }

    async fn update<F>(&self, nft_id: &str, change: F) -> Result<Permissions, PortError>
    where
        F: FnOnce(Option<Permissions>) -> (Permissions, AuditEntry) + Send,
    {
        let mut inner = self.lock();
        let (next, entry) = change(inner.permissions.get(nft_id).cloned());
        inner.permissions.insert(nft_id.to_owned(), next.clone());
        inner.append(&entry);
        Ok(next)
    }

    async fn append(&self, entry: &AuditEntry) -> Result<i64, PortError> {
        Ok(self.lock().append(entry))
    }

    async fn audit(&self, nft_id: &str, limit: usize) -> Result<Vec<StoredAudit>, PortError> {
        let inner = self.lock();
        Ok(inner
            .trails
            .get(nft_id)
            .map(|t| t.iter().rev().take(limit).cloned().collect())
            .unwrap_or_default())
    }

    async fn audit_between(
        &self,
        nft_id: &str,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<StoredAudit>, PortError> {
        let inner = self.lock();
        let mut found: Vec<StoredAudit> = inner
            .trails
            .get(nft_id)
            .map(|t| {
                t.iter()
                    .rev()
                    .filter(|s| (from..to).contains(&s.entry.at))
                    .take(limit)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        found.reverse();
        Ok(found)
    }
}
