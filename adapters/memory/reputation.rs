//! [`ReputationStore`] in process memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::core::error::PortError;
use crate::core::ports::ReputationStore;
use crate::core::reputation::{
    Derived, RecordOutcome, ReputationAggregate, ReputationEvent, ReputationState, StateCounts,
    StoreInfo, StoreKind, StoredEvent, TaskTypeCohort,
};

type CohortKey = (String, String, String);

#[derive(Default)]
struct Inner {
    aggregates: HashMap<String, ReputationAggregate>,
    cohorts: HashMap<CohortKey, TaskTypeCohort>,
    events: HashMap<String, Vec<StoredEvent>>,
    /// event_id → (nft_id, seq) of events recorded through `record_event`
    event_ids: HashMap<String, (String, i64)>,
    last_seq: i64,
}

impl Inner {
    fn append(&mut self, nft_id: &str, event: &ReputationEvent) -> i64 {
        self.last_seq += 1;
        let seq = self.last_seq;
        self.events
            .entry(nft_id.to_owned())
            .or_default()
            .push(StoredEvent {
                seq,
                event: event.clone(),
            });
        seq
    }

    fn find(&self, nft_id: &str, seq: i64) -> Option<&ReputationEvent> {
        let events = self.events.get(nft_id)?;
        let idx = events.binary_search_by_key(&seq, |e| e.seq).ok()?;
        Some(&events[idx].event)
    }
}

/// Reputation state in a process-wide map behind one lock (never held across an await).
#[derive(Clone, Default)]
pub struct MemoryReputationStore {
    inner: Arc<RwLock<Inner>>,
}

impl MemoryReputationStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> Result<T, PortError> {
        self.inner
            .read()
            .map(|g| f(&g))
            .map_err(|_| PortError::Unexpected("memory store lock poisoned".into()))
    }

    fn write<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Result<T, PortError> {
        self.inner
            .write()
            .map(|mut g| f(&mut g))
            .map_err(|_| PortError::Unexpected("memory store lock poisoned".into()))
    }
}

impl ReputationStore for MemoryReputationStore {
    async fn get(&self, nft_id: &str) -> Result<Option<ReputationAggregate>, PortError> {
        self.read(|i| i.aggregates.get(nft_id).cloned())
    }

    async fn put(&self, nft_id: &str, aggregate: &ReputationAggregate) -> Result<(), PortError> {
        self.write(|i| {
            i.aggregates.insert(nft_id.to_owned(), aggregate.clone());
        })
    }

    async fn list_cold(&self) -> Result<Vec<(String, ReputationAggregate)>, PortError> {
        self.read(|i| {
            i.aggregates
                .iter()
                .filter(|(_, a)| a.state == ReputationState::Cold)
                .map(|(k, a)| (k.clone(), a.clone()))
                .collect()
        })
    }

    async fn count(&self) -> Result<u64, PortError> {
        self.read(|i| i.aggregates.len() as u64)
    }

    async fn list_all(&self) -> Result<Vec<(String, ReputationAggregate)>, PortError> {
        self.read(|i| {
            i.aggregates
                .iter()
                .map(|(k, a)| (k.clone(), a.clone()))
                .collect()
        })
    }

    async fn get_task_cohort(
        &self,
        nft_id: &str,
        model_id: &str,
        task_type: &str,
    ) -> Result<Option<TaskTypeCohort>, PortError> {
        let key = (nft_id.to_owned(), model_id.to_owned(), task_type.to_owned());
        self.read(|i| i.cohorts.get(&key).cloned())
    }

    async fn put_task_cohort(
        &self,
        nft_id: &str,
        cohort: &TaskTypeCohort,
    ) -> Result<(), PortError> {
        let key = (
            nft_id.to_owned(),
            cohort.model_id.clone(),
            cohort.task_type.clone(),
        );
        self.write(|i| {
            i.cohorts.insert(key, cohort.clone());
        })
    }

    async fn list_task_cohorts(&self, nft_id: &str) -> Result<Vec<TaskTypeCohort>, PortError> {
        let mut cohorts: Vec<TaskTypeCohort> = self.read(|i| {
            i.cohorts
                .iter()
                .filter(|((n, _, _), _)| n == nft_id)
                .map(|(_, c)| c.clone())
                .collect()
        })?;
        cohorts.sort_by(|a, b| (&a.model_id, &a.task_type).cmp(&(&b.model_id, &b.task_type)));
        Ok(cohorts)
    }

    async fn count_by_state(&self) -> Result<StateCounts, PortError> {
        self.read(|i| {
            let mut counts = StateCounts::default();
            for a in i.aggregates.values() {
                counts.add(a.state, 1);
            }
            counts
        })
    }

    async fn append_event(&self, nft_id: &str, event: &ReputationEvent) -> Result<i64, PortError> {
        self.write(|i| i.append(nft_id, event))
    }

    async fn get_event_history(
        &self,
        nft_id: &str,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, PortError> {
        self.read(|i| {
            i.events
                .get(nft_id)
                .map(|events| {
                    let start = after.map_or(0, |a| events.partition_point(|e| e.seq <= a));
                    events[start..].iter().take(limit).cloned().collect()
                })
                .unwrap_or_default()
        })
    }

    async fn recent_events(
        &self,
        nft_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, PortError> {
        self.read(|i| {
            i.events
                .get(nft_id)
                .map(|events| events[events.len().saturating_sub(limit)..].to_vec())
                .unwrap_or_default()
        })
    }

    async fn record_event<F>(
        &self,
        nft_id: &str,
        cohort_key: Option<(&str, &str)>,
        event: &ReputationEvent,
        derive: F,
    ) -> Result<RecordOutcome, PortError>
    where
        F: FnOnce(Option<&ReputationAggregate>, Option<&TaskTypeCohort>) -> Derived + Send,
    {
        self.write(|i| {
            if let Some((owner, seq)) = i.event_ids.get(&event.event_id).cloned() {
                return if owner == nft_id && i.find(&owner, seq) == Some(event) {
                    Ok(RecordOutcome::Duplicate { seq })
                } else {
                    Err(PortError::event_id_reused(&event.event_id))
                };
            }
            let key = cohort_key.map(|(m, t)| (nft_id.to_owned(), m.to_owned(), t.to_owned()));
            let (aggregate, cohort) = derive(
                i.aggregates.get(nft_id),
                key.as_ref().and_then(|k| i.cohorts.get(k)),
            );
            let seq = i.append(nft_id, event);
            i.event_ids
                .insert(event.event_id.clone(), (nft_id.to_owned(), seq));
            i.aggregates.insert(nft_id.to_owned(), aggregate);
            if let Some(c) = cohort {
                i.cohorts.insert(
                    (nft_id.to_owned(), c.model_id.clone(), c.task_type.clone()),
                    c,
                );
            }
            Ok(RecordOutcome::Recorded { seq })
        })?
    }

    fn describe(&self) -> StoreInfo {
        StoreInfo {
            kind: StoreKind::Memory,
            pool: None,
        }
    }

    async fn probe(&self) -> Result<(), PortError> {
        Ok(())
    }
}
