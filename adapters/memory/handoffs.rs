//! [`PromptHandoff`] in process memory (one replica only).

use std::future::{Future, ready};
use std::sync::{Arc, Mutex};

use crate::core::chat::ParkedPrompt;
use crate::core::error::PortError;
use crate::core::ports::PromptHandoff;

/// Prompts parked at most; a park beyond it answers `Unavailable`.
pub const CAPACITY: usize = 100_000;

/// Parked prompts in parking order.
#[derive(Clone, Default)]
pub struct MemoryPromptHandoff {
    inner: Arc<Mutex<Vec<ParkedPrompt>>>,
}

impl MemoryPromptHandoff {
    fn locked<T>(
        &self,
        f: impl FnOnce(&mut Vec<ParkedPrompt>) -> Result<T, PortError>,
    ) -> Result<T, PortError> {
        match self.inner.lock() {
            Ok(mut parked) => f(&mut parked),
            Err(_) => Err(PortError::Unexpected("handoff store lock poisoned".into())),
        }
    }
}

impl PromptHandoff for MemoryPromptHandoff {
    fn park(&self, prompt: &ParkedPrompt) -> impl Future<Output = Result<(), PortError>> + Send {
        ready(self.locked(|parked| {
            if parked.len() >= CAPACITY {
                return Err(PortError::Unavailable("handoff store is full".into()));
            }
            parked.push(prompt.clone());
            Ok(())
        }))
    }

    fn take_for_stream(
        &self,
        session_id: &str,
        wallet: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<ParkedPrompt>, PortError>> + Send {
        ready(self.locked(|parked| {
            let found = parked.iter().position(|p| {
                p.session_id == session_id && p.wallet == wallet && p.expires_at >= now
            });
            Ok(found.map(|i| parked.remove(i)))
        }))
    }

    fn take(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<ParkedPrompt>, PortError>> + Send {
        ready(self.locked(|parked| {
            let found = parked.iter().position(|p| p.id == id);
            Ok(found.map(|i| parked.remove(i)))
        }))
    }
}
