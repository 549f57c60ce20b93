//! When a store's expired rows are purged: on every [`PURGE_EVERY`]th write, in small batches,
//! so a table stays bounded by one retention window without a background task.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub(super) const PURGE_EVERY: u32 = 64;

/// Counts a store's writes (shared by the clones of one store).
#[derive(Clone, Default)]
pub(super) struct PurgeTurn(Arc<AtomicU32>);

impl PurgeTurn {
    /// Counts one write; `true` when this one should purge.
    pub(super) fn due(&self) -> bool {
        self.0
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PURGE_EVERY)
    }
}
