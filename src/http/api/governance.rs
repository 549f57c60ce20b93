//! `GET /api/health/governance` (§1.5.16): the resource governors — today the knowledge
//! corpus. Behind the admin key when one is configured (Bearer or raw), open otherwise.

use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::admin::{AdminKey, KeyCheck};
use crate::core::clock::now_iso;
use crate::core::ports::KnowledgeCorpus;
use crate::http::error::{RouteError, route_errors};
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

/// A governed resource's health.
#[derive(Object, Debug)]
pub struct ResourceHealth {
    /// `healthy`, or `degraded` when some item is stale
    pub status: String,
    #[oai(rename = "totalItems")]
    pub total_items: u64,
    #[oai(rename = "staleItems")]
    pub stale_items: u64,
    pub version: u64,
}

/// One governor; `health` is null when its resource is unavailable.
#[derive(Object, Debug)]
pub struct Governor {
    #[oai(rename = "resourceType")]
    pub resource_type: String,
    pub health: Option<ResourceHealth>,
}

/// Every governor's snapshot.
#[derive(Object, Debug)]
pub struct Governance {
    pub governors: Vec<Governor>,
    #[oai(rename = "totalResources")]
    pub total_resources: u32,
    /// Governors whose resource is degraded or unavailable.
    #[oai(rename = "degradedResources")]
    pub degraded_resources: u32,
    pub timestamp: Timestamp,
}

route_errors!(
    /// The refusals of `GET /api/health/governance` (only with `DIXIE_ADMIN_KEY` set).
    GovernanceRefusal,
    [
        (401, "No admin key (`unauthorized`: `Admin key required`)"),
        (403, "Wrong admin key (`forbidden`: `Invalid admin key`)"),
    ]
);

pub struct GovernanceApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> GovernanceApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        GovernanceApi { state }
    }

    /// Open without a configured admin key; else the admin API's check and messages.
    fn authorize(&self, auth: &AdminKey) -> Result<(), RouteError> {
        let Some(admin) = self.state.settings.admin_key.as_ref() else {
            return Ok(());
        };
        match auth.check(admin) {
            KeyCheck::Valid => Ok(()),
            KeyCheck::Missing => Err(RouteError::unauthorized("Admin key required")),
            KeyCheck::Wrong => Err(RouteError::forbidden("Invalid admin key")),
        }
    }
}

#[OpenApi(tag = "ApiTags::Service")]
impl<A: Adapters> GovernanceApi<A> {
    /// Resource governors
    ///
    /// The knowledge corpus's freshness (`health` null when no corpus is configured or it
    /// cannot be read). Needs the admin key (`Authorization: Bearer <key>` or the raw key) when
    /// `DIXIE_ADMIN_KEY` is set; open otherwise.
    #[oai(
        path = "/api/health/governance",
        method = "get",
        operation_id = "getGovernance"
    )]
    async fn governance(&self, auth: AdminKey) -> Result<Json<Governance>, GovernanceRefusal> {
        self.authorize(&auth)?;
        let health = self.state.corpus.metadata().await.map(|meta| {
            let f = meta.freshness(time::OffsetDateTime::now_utc().date());
            ResourceHealth {
                status: f.status().to_owned(),
                total_items: f.total,
                stale_items: f.stale,
                version: meta.corpus_version,
            }
        });
        let degraded = health.as_ref().is_none_or(|h| h.stale_items > 0);
        Ok(Json(Governance {
            governors: vec![Governor {
                resource_type: "knowledge_corpus".to_owned(),
                health,
            }],
            total_resources: 1,
            degraded_resources: u32::from(degraded),
            timestamp: Timestamp(now_iso()),
        }))
    }
}
