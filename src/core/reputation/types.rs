//! Reputation domain types (hounfour v7.11.0 shapes; field names are the wire contract).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Reputation states, ordered: cold < warming < established < authoritative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReputationState {
    Cold,
    Warming,
    Established,
    Authoritative,
}

impl ReputationState {
    pub const ALL: [ReputationState; 4] = [
        ReputationState::Cold,
        ReputationState::Warming,
        ReputationState::Established,
        ReputationState::Authoritative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReputationState::Cold => "cold",
            ReputationState::Warming => "warming",
            ReputationState::Established => "established",
            ReputationState::Authoritative => "authoritative",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransitionRecord {
    pub from: ReputationState,
    pub to: ReputationState,
    pub at: String,
    pub trigger: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCohort {
    pub model_id: String,
    pub personal_score: Option<f64>,
    pub sample_count: u64,
    pub last_updated: String,
}

/// Per (model, task type) reputation of one dNFT. Keyed by (nft_id, model_id, task_type).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskTypeCohort {
    pub model_id: String,
    pub personal_score: Option<f64>,
    pub sample_count: u64,
    pub last_updated: String,
    pub task_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_threshold: Option<u64>,
}

/// The reputation aggregate of one dNFT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReputationAggregate {
    pub personality_id: String,
    pub collection_id: String,
    pub pool_id: String,
    pub state: ReputationState,
    pub personal_score: Option<f64>,
    pub collection_score: f64,
    pub blended_score: f64,
    pub sample_count: u64,
    pub pseudo_count: u64,
    pub contributor_count: u64,
    pub min_sample_count: u64,
    pub created_at: String,
    pub last_updated: String,
    pub transition_history: Vec<TransitionRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_cohorts: Option<Vec<ModelCohort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_cohorts: Option<Vec<TaskTypeCohort>>,
    pub contract_version: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialAction {
    Issued,
    Revoked,
    Renewed,
    Suspended,
}

/// The type-specific part of a reputation event (discriminated on `type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    QualitySignal {
        score: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dimensions: Option<BTreeMap<String, f64>>,
    },
    TaskCompleted {
        task_type: String,
        success: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<u64>,
    },
    CredentialUpdate {
        credential_id: String,
        action: CredentialAction,
    },
}

impl EventKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::QualitySignal { .. } => "quality_signal",
            EventKind::TaskCompleted { .. } => "task_completed",
            EventKind::CredentialUpdate { .. } => "credential_update",
        }
    }
}

/// A reputation event: common envelope plus its kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReputationEvent {
    pub event_id: String,
    pub agent_id: String,
    pub collection_id: String,
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// An event as stored: `seq` is the store's monotonic id, which totally orders history.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: ReputationEvent,
}

/// Which reputation store backs the service, with pool metrics when it is pooled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Memory,
    Postgres,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Memory => "memory",
            StoreKind::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolMetrics {
    pub total: u32,
    pub idle: u32,
    pub waiting: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreInfo {
    pub kind: StoreKind,
    pub pool: Option<PoolMetrics>,
}

/// Number of aggregates in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateCounts {
    pub cold: u64,
    pub warming: u64,
    pub established: u64,
    pub authoritative: u64,
}

impl StateCounts {
    pub fn add(&mut self, state: ReputationState, n: u64) {
        match state {
            ReputationState::Cold => self.cold += n,
            ReputationState::Warming => self.warming += n,
            ReputationState::Established => self.established += n,
            ReputationState::Authoritative => self.authoritative += n,
        }
    }

    pub fn total(&self) -> u64 {
        self.cold + self.warming + self.established + self.authoritative
    }
}

/// Result of [`crate::core::ports::ReputationStore::record_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Appended with this sequence number; aggregate and cohort were updated with it.
    Recorded { seq: i64 },
    /// The same event (same `event_id`, NFT and payload) was recorded before; nothing changed.
    Duplicate { seq: i64 },
}

/// What a recording derives from the current state: the new aggregate and, optionally, the new
/// task cohort.
pub type Derived = (ReputationAggregate, Option<TaskTypeCohort>);
