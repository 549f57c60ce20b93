//! [`ReputationStore`] in process memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::core::error::PortError;
use crate::core::ports::ReputationStore;
use crate::core::reputation::{
    ReputationAggregate, ReputationState, StoreInfo, StoreKind, TaskTypeCohort,
};

type CohortKey = (String, String, String);

#[derive(Default)]
struct Inner {
    aggregates: HashMap<String, ReputationAggregate>,
    cohorts: HashMap<CohortKey, TaskTypeCohort>,
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
