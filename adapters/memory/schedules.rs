//! In-memory [`ScheduleStore`]: schedules and their recent executions for the process's life.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::core::error::PortError;
use crate::core::ports::ScheduleStore;
use crate::core::schedule::{Execution, HISTORY_KEPT, Schedule};

#[derive(Default)]
struct Inner {
    schedules: HashMap<String, (Schedule, VecDeque<Execution>)>,
    /// Schedule ids per NFT, oldest first.
    by_nft: HashMap<String, Vec<String>>,
}

#[derive(Clone, Default)]
pub struct MemoryScheduleStore {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryScheduleStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ScheduleStore for MemoryScheduleStore {
    async fn create(&self, schedule: &Schedule, limit: usize) -> Result<bool, PortError> {
        let mut inner = self.lock();
        if inner.schedules.contains_key(&schedule.id) {
            return Err(PortError::Conflict(format!(
                "schedule {} exists",
                schedule.id
            )));
        }
        let ids = inner.by_nft.entry(schedule.nft_id.clone()).or_default();
        if ids.len() >= limit {
            return Ok(false);
        }
        ids.push(schedule.id.clone());
        inner
            .schedules
            .insert(schedule.id.clone(), (schedule.clone(), VecDeque::new()));
        Ok(true)
    }

    async fn get(&self, id: &str) -> Result<Option<Schedule>, PortError> {
        Ok(self.lock().schedules.get(id).map(|(s, _)| s.clone()))
    }

    async fn list_for_nft(&self, nft_id: &str) -> Result<Vec<Schedule>, PortError> {
        let inner = self.lock();
        Ok(inner
            .by_nft
            .get(nft_id)
            .into_iter()
            .flatten()
            .filter_map(|id| inner.schedules.get(id).map(|(s, _)| s.clone()))
            .collect())
    }

    async fn update<F>(&self, id: &str, change: F) -> Result<Option<Schedule>, PortError>
    where
        F: FnOnce(&mut Schedule) -> bool + Send,
    {
        let mut inner = self.lock();
        let Some((stored, _)) = inner.schedules.get_mut(id) else {
            return Ok(None);
        };
        let mut next = stored.clone();
        if change(&mut next) {
            *stored = next;
        }
        Ok(Some(stored.clone()))
    }

    async fn record_fire<F>(&self, id: &str, fire: F) -> Result<Option<Execution>, PortError>
    where
        F: FnOnce(&mut Schedule) -> Execution + Send,
    {
        let mut inner = self.lock();
        let Some((stored, executions)) = inner.schedules.get_mut(id) else {
            return Ok(None);
        };
        let execution = fire(stored);
        executions.push_back(execution.clone());
        while executions.len() > HISTORY_KEPT {
            executions.pop_front();
        }
        Ok(Some(execution))
    }

    async fn history(&self, id: &str) -> Result<Vec<Execution>, PortError> {
        Ok(self
            .lock()
            .schedules
            .get(id)
            .map(|(_, e)| e.iter().cloned().collect())
            .unwrap_or_default())
    }
}
