//! Errors that cross a port boundary.

/// What an adapter reports when a port call fails.
///
/// `Unavailable` is a dependency that is down or timed out (the HTTP layer answers 503);
/// `Conflict` is a write that contradicts stored state (409); `Unexpected` is anything else
/// (500, detail logged, never sent to a client).
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("dependency unavailable: {0}")]
    Unavailable(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl PortError {
    /// An `event_id` already recorded for another NFT or with another payload.
    pub fn event_id_reused(event_id: &str) -> Self {
        PortError::Conflict(format!(
            "event_id {event_id} was already recorded with a different payload"
        ))
    }
}
