//! The reputation surface over `ReputationStore` (D12): read an NFT's aggregate, cohorts and
//! event history, population counts, and record events (service callers, admin key).
//!
//! Recording validates the closed §4.4 event, refuses a reused `event_id` with another payload
//! (409), answers an exact repeat with 200 and changes nothing, and otherwise appends the event
//! and updates the aggregate and task cohort in one atomic store call (see
//! [`crate::core::reputation::rules`] for the update rule).

use std::collections::BTreeMap;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, SecurityScheme, Union, auth::Bearer};

use super::{ApiTags, constant_time_eq};
use crate::core::clock::now_iso;
use crate::core::families::Persistence;
use crate::core::ports::ReputationStore;
use crate::core::reputation::rules::{apply_event, event_task_type};
use crate::core::reputation::validate::validate_event;
use crate::core::reputation::{
    CredentialAction, EventKind, ModelCohort, RecordOutcome, ReputationAggregate, ReputationEvent,
    ReputationState, StoredEvent, TaskTypeCohort, TransitionRecord,
};
use crate::http::body::JsonBody;
use crate::http::error::{ApiError, RouteError, route_errors};
use crate::http::ids::{Cursor, NftId, TaskType, Uuid};
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// A service credential as a bearer token: the admin key (`DIXIE_ADMIN_KEY`) or an allowlisted
/// `dxk_` API key.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", key_name = "Authorization")]
pub struct ServiceKey(Bearer);

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum StateDto {
    Cold,
    Warming,
    Established,
    Authoritative,
}

impl From<ReputationState> for StateDto {
    fn from(s: ReputationState) -> Self {
        match s {
            ReputationState::Cold => StateDto::Cold,
            ReputationState::Warming => StateDto::Warming,
            ReputationState::Established => StateDto::Established,
            ReputationState::Authoritative => StateDto::Authoritative,
        }
    }
}

#[derive(Object, Clone, Debug)]
#[oai(rename = "TransitionRecord")]
pub struct TransitionDto {
    pub from: StateDto,
    pub to: StateDto,
    pub at: Timestamp,
    pub trigger: String,
}

#[derive(Object, Clone, Debug)]
#[oai(rename = "ModelCohort")]
pub struct ModelCohortDto {
    pub model_id: String,
    pub personal_score: Option<f64>,
    pub sample_count: u64,
    pub last_updated: Timestamp,
}

#[derive(Object, Clone, Debug)]
#[oai(rename = "TaskTypeCohort")]
pub struct TaskCohortDto {
    pub model_id: String,
    pub personal_score: Option<f64>,
    pub sample_count: u64,
    pub last_updated: Timestamp,
    pub task_type: String,
    #[oai(skip_serializing_if_is_none)]
    pub confidence_threshold: Option<u64>,
}

/// A dNFT's reputation aggregate (hounfour v7.11.0 `ReputationAggregate`).
#[derive(Object, Clone, Debug)]
#[oai(rename = "ReputationAggregate")]
pub struct AggregateDto {
    pub personality_id: String,
    pub collection_id: String,
    pub pool_id: String,
    pub state: StateDto,
    pub personal_score: Option<f64>,
    pub collection_score: f64,
    pub blended_score: f64,
    pub sample_count: u64,
    pub pseudo_count: u64,
    pub contributor_count: u64,
    pub min_sample_count: u64,
    pub created_at: Timestamp,
    pub last_updated: Timestamp,
    pub transition_history: Vec<TransitionDto>,
    #[oai(skip_serializing_if_is_none)]
    pub model_cohorts: Option<Vec<ModelCohortDto>>,
    #[oai(skip_serializing_if_is_none)]
    pub task_cohorts: Option<Vec<TaskCohortDto>>,
    pub contract_version: String,
}

impl From<&TaskTypeCohort> for TaskCohortDto {
    fn from(c: &TaskTypeCohort) -> Self {
        TaskCohortDto {
            model_id: c.model_id.clone(),
            personal_score: c.personal_score,
            sample_count: c.sample_count,
            last_updated: Timestamp(c.last_updated.clone()),
            task_type: c.task_type.clone(),
            confidence_threshold: c.confidence_threshold,
        }
    }
}

impl From<&TransitionRecord> for TransitionDto {
    fn from(t: &TransitionRecord) -> Self {
        TransitionDto {
            from: t.from.into(),
            to: t.to.into(),
            at: Timestamp(t.at.clone()),
            trigger: t.trigger.clone(),
        }
    }
}

impl From<&ModelCohort> for ModelCohortDto {
    fn from(m: &ModelCohort) -> Self {
        ModelCohortDto {
            model_id: m.model_id.clone(),
            personal_score: m.personal_score,
            sample_count: m.sample_count,
            last_updated: Timestamp(m.last_updated.clone()),
        }
    }
}

impl From<&ReputationAggregate> for AggregateDto {
    fn from(a: &ReputationAggregate) -> Self {
        AggregateDto {
            personality_id: a.personality_id.clone(),
            collection_id: a.collection_id.clone(),
            pool_id: a.pool_id.clone(),
            state: a.state.into(),
            personal_score: a.personal_score,
            collection_score: a.collection_score,
            blended_score: a.blended_score,
            sample_count: a.sample_count,
            pseudo_count: a.pseudo_count,
            contributor_count: a.contributor_count,
            min_sample_count: a.min_sample_count,
            created_at: Timestamp(a.created_at.clone()),
            last_updated: Timestamp(a.last_updated.clone()),
            transition_history: a.transition_history.iter().map(Into::into).collect(),
            model_cohorts: a
                .model_cohorts
                .as_ref()
                .map(|v| v.iter().map(Into::into).collect()),
            task_cohorts: a
                .task_cohorts
                .as_ref()
                .map(|v| v.iter().map(Into::into).collect()),
            contract_version: a.contract_version.clone(),
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case", rename = "CredentialAction")]
pub enum CredentialActionDto {
    Issued,
    Revoked,
    Renewed,
    Suspended,
}

/// `quality_signal`: a scored observation.
#[derive(Object, Clone, Debug)]
#[oai(rename = "QualitySignalEvent", deny_unknown_fields)]
pub struct QualitySignalDto {
    /// Always `quality_signal`.
    #[oai(rename = "type", validator(pattern = "^quality_signal$"))]
    pub event_type: String,
    pub event_id: Uuid,
    #[oai(validator(min_length = 1, max_length = 255))]
    pub agent_id: String,
    #[oai(validator(min_length = 1, max_length = 255))]
    pub collection_id: String,
    /// RFC 3339 date-time
    pub timestamp: Timestamp,
    #[oai(validator(minimum(value = "0")))]
    #[oai(skip_serializing_if_is_none)]
    pub sequence: Option<u64>,
    #[oai(validator(minimum(value = "0"), maximum(value = "1")))]
    pub score: f64,
    #[oai(skip_serializing_if_is_none)]
    pub task_type: Option<TaskType>,
    /// Keys `^[a-z][a-z0-9_]{0,31}$`, values 0..1, at most 20 entries.
    #[oai(validator(max_properties = 20))]
    #[oai(skip_serializing_if_is_none)]
    pub dimensions: Option<BTreeMap<String, f64>>,
}

/// `task_completed`: a task outcome (success observes 1, failure 0).
#[derive(Object, Clone, Debug)]
#[oai(rename = "TaskCompletedEvent", deny_unknown_fields)]
pub struct TaskCompletedDto {
    /// Always `task_completed`.
    #[oai(rename = "type", validator(pattern = "^task_completed$"))]
    pub event_type: String,
    pub event_id: Uuid,
    #[oai(validator(min_length = 1, max_length = 255))]
    pub agent_id: String,
    #[oai(validator(min_length = 1, max_length = 255))]
    pub collection_id: String,
    pub timestamp: Timestamp,
    #[oai(validator(minimum(value = "0")))]
    #[oai(skip_serializing_if_is_none)]
    pub sequence: Option<u64>,
    pub task_type: TaskType,
    pub success: bool,
    #[oai(validator(minimum(value = "0"), maximum(value = "3600000")))]
    #[oai(skip_serializing_if_is_none)]
    pub duration_ms: Option<u64>,
}

/// `credential_update`: a credential changed (`revoked` resets the reputation to cold).
#[derive(Object, Clone, Debug)]
#[oai(rename = "CredentialUpdateEvent", deny_unknown_fields)]
pub struct CredentialUpdateDto {
    /// Always `credential_update`.
    #[oai(rename = "type", validator(pattern = "^credential_update$"))]
    pub event_type: String,
    pub event_id: Uuid,
    #[oai(validator(min_length = 1, max_length = 255))]
    pub agent_id: String,
    #[oai(validator(min_length = 1, max_length = 255))]
    pub collection_id: String,
    pub timestamp: Timestamp,
    #[oai(validator(minimum(value = "0")))]
    #[oai(skip_serializing_if_is_none)]
    pub sequence: Option<u64>,
    pub credential_id: Uuid,
    pub action: CredentialActionDto,
}

/// A reputation event (§4.4), discriminated on `type`; each variant is a closed object.
#[derive(Union, Clone, Debug)]
#[oai(discriminator_name = "type", rename = "ReputationEvent")]
pub enum EventDto {
    #[oai(mapping = "quality_signal")]
    QualitySignal(QualitySignalDto),
    #[oai(mapping = "task_completed")]
    TaskCompleted(TaskCompletedDto),
    #[oai(mapping = "credential_update")]
    CredentialUpdate(CredentialUpdateDto),
}

impl From<EventDto> for ReputationEvent {
    fn from(dto: EventDto) -> Self {
        match dto {
            EventDto::QualitySignal(e) => ReputationEvent {
                event_id: e.event_id.0,
                agent_id: e.agent_id,
                collection_id: e.collection_id,
                timestamp: e.timestamp.0,
                sequence: e.sequence,
                kind: EventKind::QualitySignal {
                    score: e.score,
                    task_type: e.task_type.map(|t| t.0),
                    dimensions: e.dimensions,
                },
            },
            EventDto::TaskCompleted(e) => ReputationEvent {
                event_id: e.event_id.0,
                agent_id: e.agent_id,
                collection_id: e.collection_id,
                timestamp: e.timestamp.0,
                sequence: e.sequence,
                kind: EventKind::TaskCompleted {
                    task_type: e.task_type.0,
                    success: e.success,
                    duration_ms: e.duration_ms,
                },
            },
            EventDto::CredentialUpdate(e) => ReputationEvent {
                event_id: e.event_id.0,
                agent_id: e.agent_id,
                collection_id: e.collection_id,
                timestamp: e.timestamp.0,
                sequence: e.sequence,
                kind: EventKind::CredentialUpdate {
                    credential_id: e.credential_id.0,
                    action: match e.action {
                        CredentialActionDto::Issued => CredentialAction::Issued,
                        CredentialActionDto::Revoked => CredentialAction::Revoked,
                        CredentialActionDto::Renewed => CredentialAction::Renewed,
                        CredentialActionDto::Suspended => CredentialAction::Suspended,
                    },
                },
            },
        }
    }
}

impl From<&ReputationEvent> for EventDto {
    fn from(e: &ReputationEvent) -> Self {
        let (event_id, agent_id, collection_id, timestamp, sequence) = (
            e.event_id.clone(),
            e.agent_id.clone(),
            e.collection_id.clone(),
            e.timestamp.clone(),
            e.sequence,
        );
        match &e.kind {
            EventKind::QualitySignal {
                score,
                task_type,
                dimensions,
            } => EventDto::QualitySignal(QualitySignalDto {
                event_type: "quality_signal".into(),
                event_id: Uuid(event_id),
                agent_id,
                collection_id,
                timestamp: Timestamp(timestamp),
                sequence,
                score: *score,
                task_type: task_type.clone().map(TaskType),
                dimensions: dimensions.clone(),
            }),
            EventKind::TaskCompleted {
                task_type,
                success,
                duration_ms,
            } => EventDto::TaskCompleted(TaskCompletedDto {
                event_type: "task_completed".into(),
                event_id: Uuid(event_id),
                agent_id,
                collection_id,
                timestamp: Timestamp(timestamp),
                sequence,
                task_type: TaskType(task_type.clone()),
                success: *success,
                duration_ms: *duration_ms,
            }),
            EventKind::CredentialUpdate {
                credential_id,
                action,
            } => EventDto::CredentialUpdate(CredentialUpdateDto {
                event_type: "credential_update".into(),
                event_id: Uuid(event_id),
                agent_id,
                collection_id,
                timestamp: Timestamp(timestamp),
                sequence,
                credential_id: Uuid(credential_id.clone()),
                action: match action {
                    CredentialAction::Issued => CredentialActionDto::Issued,
                    CredentialAction::Revoked => CredentialActionDto::Revoked,
                    CredentialAction::Renewed => CredentialActionDto::Renewed,
                    CredentialAction::Suspended => CredentialActionDto::Suspended,
                },
            }),
        }
    }
}

/// Body of `POST /api/reputation/{nftId}/events`.
#[derive(Object, Clone, Debug)]
#[oai(deny_unknown_fields)]
pub struct RecordEventRequest {
    /// The model the event is about; with a task type it selects the task cohort to update.
    #[oai(validator(min_length = 1, max_length = 255))]
    pub model_id: Option<String>,
    pub event: EventDto,
}

const STORE_DOWN: &str =
    "The store is down or a query exceeded its timeout (`service_unavailable`)";
const UNEXPECTED: &str = "Unexpected failure (`internal_error`; detail only in the log)";

route_errors!(
    /// The failures of the population count.
    StoreReadFailure,
    [(500, UNEXPECTED), (503, STORE_DOWN)]
);

route_errors!(
    /// The failures of a read of one dNFT's cohorts or events.
    NftReadFailure,
    [
        (400, "Invalid `nftId`, `limit` or `cursor` (`invalid_request`)"),
        (500, UNEXPECTED),
        (503, STORE_DOWN),
    ]
);

route_errors!(
    /// The failures of a read of one dNFT's aggregate.
    AggregateReadFailure,
    [
        (400, "Invalid `nftId` (`invalid_request`)"),
        (404, "No reputation recorded for this dNFT (`not_found`)"),
        (500, UNEXPECTED),
        (503, STORE_DOWN),
    ]
);

#[derive(Object, Clone, Debug)]
pub struct RecordEventResponse {
    /// false when this exact event was recorded before (nothing changed).
    pub recorded: bool,
    /// The event's position in the store's one history of every dNFT's events: increasing
    /// in recording order, not contiguous per dNFT (use it as the events' `cursor`).
    pub seq: i64,
    pub aggregate: AggregateDto,
}

#[derive(ApiResponse)]
pub enum RecordResponse {
    /// Recorded
    #[oai(status = 201)]
    Created(Json<RecordEventResponse>),
    /// Already recorded with the same payload; nothing changed
    #[oai(status = 200)]
    Repeat(Json<RecordEventResponse>),
}

#[derive(Object, Clone, Debug)]
pub struct CohortList {
    pub nft_id: String,
    pub cohorts: Vec<TaskCohortDto>,
}

#[derive(Object, Clone, Debug)]
pub struct HistoryEntry {
    /// The event's place in the store's one history of every dNFT's events (see
    /// `RecordEventResponse.seq`).
    pub seq: i64,
    pub event: EventDto,
}

#[derive(Object, Clone, Debug)]
pub struct EventHistory {
    pub nft_id: String,
    /// Oldest first.
    pub events: Vec<HistoryEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

#[derive(Object, Clone, Debug)]
pub struct Population {
    pub total: u64,
    pub cold: u64,
    pub warming: u64,
    pub established: u64,
    pub authoritative: u64,
}

pub struct ReputationApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> ReputationApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        ReputationApi { state }
    }
}

fn history_entry(e: &StoredEvent) -> HistoryEntry {
    HistoryEntry {
        seq: e.seq,
        event: (&e.event).into(),
    }
}

#[OpenApi(tag = "ApiTags::Reputation")]
impl<A: Adapters> ReputationApi<A> {
    /// Population counts per reputation state
    #[oai(
        path = "/api/reputation/population",
        method = "get",
        operation_id = "getReputationPopulation"
    )]
    async fn population(
        &self,
        _public: super::auth::Public,
    ) -> Result<Json<Population>, StoreReadFailure> {
        let c = self.state.db.reputation().count_by_state().await?;
        Ok(Json(Population {
            total: c.total(),
            cold: c.cold,
            warming: c.warming,
            established: c.established,
            authoritative: c.authoritative,
        }))
    }

    /// Reputation aggregate of one dNFT
    #[oai(
        path = "/api/reputation/:nftId",
        method = "get",
        operation_id = "getReputation"
    )]
    async fn aggregate(
        &self,
        _public: super::auth::Public,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<AggregateDto>, AggregateReadFailure> {
        match self.state.db.reputation().get(&nft_id).await? {
            Some(a) => Ok(Json((&a).into())),
            None => Err(RouteError::not_found("No reputation recorded for this nftId").into()),
        }
    }

    /// Task cohorts of one dNFT
    #[oai(
        path = "/api/reputation/:nftId/cohorts",
        method = "get",
        operation_id = "getReputationCohorts"
    )]
    async fn cohorts(
        &self,
        _public: super::auth::Public,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<CohortList>, NftReadFailure> {
        let cohorts = self
            .state
            .db
            .reputation()
            .list_task_cohorts(&nft_id)
            .await?;
        Ok(Json(CohortList {
            nft_id: nft_id.0.0,
            cohorts: cohorts.iter().map(Into::into).collect(),
        }))
    }

    /// Event history of one dNFT, oldest first, paginated
    #[oai(
        path = "/api/reputation/:nftId/events",
        method = "get",
        operation_id = "getReputationEvents"
    )]
    async fn events(
        &self,
        _public: super::auth::Public,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        /// Page size, 1..200 (default 50)
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page
        cursor: Query<Option<Cursor>>,
    ) -> Result<Json<EventHistory>, NftReadFailure> {
        let limit = limit.0.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE) as usize;
        let after =
            match cursor.0.as_deref() {
                None => None,
                Some(c) => Some(c.parse::<i64>().map_err(|_| {
                    RouteError::bad_request("invalid_request", "cursor is not valid")
                })?),
            };
        let mut page = self
            .state
            .db
            .reputation()
            .get_event_history(&nft_id, after, limit + 1)
            .await?;
        let next_cursor = if page.len() > limit {
            page.truncate(limit);
            page.last().map(|e| e.seq.to_string())
        } else {
            None
        };
        Ok(Json(EventHistory {
            nft_id: nft_id.0.0,
            events: page.iter().map(history_entry).collect(),
            next_cursor,
        }))
    }

    /// Record a reputation event (service callers: admin key or allowlisted `dxk_` API key)
    ///
    /// Validates the event, then atomically appends it and updates the aggregate and (with
    /// `model_id` and a task type) the task cohort. Repeating the same event is a 200 with
    /// `recorded: false`; reusing its `event_id` with another payload is a 409.
    #[oai(
        path = "/api/reputation/:nftId/events",
        method = "post",
        operation_id = "recordReputationEvent"
    )]
    async fn record(
        &self,
        auth: ServiceKey,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        body: JsonBody<RecordEventRequest>,
    ) -> Result<RecordResponse, ApiError> {
        let credential = auth.0.token.as_str();
        let settings = &self.state.settings;
        let is_admin = settings
            .admin_key
            .as_ref()
            .is_some_and(|k| constant_time_eq(credential.as_bytes(), k.expose().as_bytes()));
        if !is_admin {
            if !self.state.access().allows_api_key(credential) {
                return Err(ApiError::forbidden("Not authorized"));
            }
            let shown: String = credential.chars().take(12).collect();
            tracing::info!(event = "api_key_write", key = %format_args!("{shown}..."), nft_id = %nft_id.0.0);
        }
        let RecordEventRequest { model_id, event } = body.0;
        let event: ReputationEvent = event.into();
        validate_event(&event).map_err(ApiError::bad_request)?;

        let cohort_key = model_id.as_deref().zip(event_task_type(&event.kind));
        let now = now_iso();
        let nft: &str = &nft_id;
        let outcome = self
            .state
            .db
            .reputation()
            .record_event(nft, cohort_key, &event, |current, cohort| {
                apply_event(nft, current, cohort, model_id.as_deref(), &event, &now)
            })
            .await?;
        let aggregate = self.state.db.reputation().get(nft).await?.ok_or_else(|| {
            crate::core::error::PortError::Unexpected("recorded aggregate missing".into())
        })?;
        Ok(match outcome {
            RecordOutcome::Recorded { seq } => RecordResponse::Created(Json(RecordEventResponse {
                recorded: true,
                seq,
                aggregate: (&aggregate).into(),
            })),
            RecordOutcome::Duplicate { seq } => RecordResponse::Repeat(Json(RecordEventResponse {
                recorded: false,
                seq,
                aggregate: (&aggregate).into(),
            })),
        })
    }
}
