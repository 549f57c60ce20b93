//! `GET /api/health`: the aggregated health of Dixie and what it depends on.
//!
//! Always answers 200 (load balancers only look at the status); the body says `healthy`,
//! `degraded` or `unhealthy`. The body is cached for [`HEALTH_BODY_TTL`] and recomputed by one
//! request at a time while the others keep getting the previous body, so health costs no
//! database round trip per request.

use std::time::Instant;

use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use crate::core::clock::now_iso;
use crate::core::error::PortError;
use crate::core::families::{Coordination, Persistence};
use crate::core::health::{OverallStatus, overall_status};
use crate::core::ports::{KnowledgeCorpus, ReputationStore, SignalSink, UpstreamProbe};
use crate::core::reputation::StoreKind;
use crate::http::cache::{FINN_FAIL_TTL, FINN_OK_TTL, HEALTH_BODY_TTL};
use crate::http::payload::PreEncoded;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

impl From<OverallStatus> for HealthStatus {
    fn from(s: OverallStatus) -> Self {
        match s {
            OverallStatus::Healthy => HealthStatus::Healthy,
            OverallStatus::Degraded => HealthStatus::Degraded,
            OverallStatus::Unhealthy => HealthStatus::Unhealthy,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    Healthy,
    /// Answers, but not as it should (only Redis is ever reported so).
    Degraded,
    Unreachable,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CircuitStateDto {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum StoreType {
    Memory,
    Postgres,
}

#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct DixieHealth {
    pub status: HealthStatus,
}

#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct FinnHealth {
    pub status: ProbeStatus,
    pub latency_ms: u64,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub circuit_state: CircuitStateDto,
}

/// The knowledge corpus (present when `DIXIE_KNOWLEDGE_DIR` holds a readable corpus): `status`
/// is `healthy`, or `degraded` when a source is older than its `max_age_days`.
// No doc comment on the enum-typed field: poem-openapi would wrap its `$ref` in an `allOf`,
// which generated clients (openapi-python-client) cannot read.
#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct CorpusHealth {
    pub status: HealthStatus,
    pub corpus_version: u64,
    pub sources: u64,
    pub stale_sources: u64,
}

#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct Services {
    pub dixie: DixieHealth,
    pub loa_finn: FinnHealth,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_corpus: Option<CorpusHealth>,
}

#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct InfraProbe {
    pub status: ProbeStatus,
    /// The probe's round trip (0 for NATS, whose probe is its connection's state).
    pub latency_ms: u64,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct Infrastructure {
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgresql: Option<InfraProbe>,
    /// Present when the replicas share Redis (`REDIS_URL`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<InfraProbe>,
    /// Present when signals go to NATS (`NATS_URL`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats: Option<InfraProbe>,
}

#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReputationServiceHealth {
    pub initialized: bool,
    pub store_type: StoreType,
    /// Number of stored aggregates; -1 when the store could not be counted.
    pub aggregate_count: i64,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_total: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_idle: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_waiting: Option<u32>,
}

/// Aggregated health (always HTTP 200).
#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct HealthResponse {
    pub status: HealthStatus,
    pub version: String,
    pub uptime_seconds: u64,
    pub services: Services,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<Infrastructure>,
    pub reputation_service: ReputationServiceHealth,
    pub timestamp: Timestamp,
}

pub struct HealthApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> HealthApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        HealthApi { state }
    }
}

#[OpenApi]
impl<A: Adapters> HealthApi<A> {
    /// Service health
    ///
    /// Always 200; `status` is `healthy`, `degraded` (PostgreSQL unreachable) or `unhealthy`
    /// (Finn unreachable). Cached for one second.
    #[oai(
        path = "/api/health",
        method = "get",
        tag = "ApiTags::Service",
        operation_id = "getHealth"
    )]
    async fn health(&self, _public: super::auth::Public) -> PreEncoded<HealthResponse> {
        cached_health(&self.state).await
    }
}

fn fresh_body<A: Adapters>(state: &Shared<A>) -> Option<PreEncoded<HealthResponse>> {
    let guard = state.health.body.read().ok()?;
    guard
        .as_ref()
        .filter(|(at, _)| at.elapsed() < HEALTH_BODY_TTL)
        .map(|(_, body)| PreEncoded::from_bytes(body.clone()))
}

fn any_body<A: Adapters>(state: &Shared<A>) -> Option<PreEncoded<HealthResponse>> {
    let guard = state.health.body.read().ok()?;
    guard
        .as_ref()
        .map(|(_, body)| PreEncoded::from_bytes(body.clone()))
}

async fn cached_health<A: Adapters>(state: &Shared<A>) -> PreEncoded<HealthResponse> {
    if let Some(body) = fresh_body(state) {
        return body;
    }
    let _refreshing = match state.health.refresh.try_lock() {
        Ok(guard) => guard,
        Err(_) => {
            if let Some(stale) = any_body(state) {
                return stale;
            }
            state.health.refresh.lock().await
        }
    };
    if let Some(body) = fresh_body(state) {
        return body;
    }
    let body = PreEncoded::encode(&compute(state).await);
    if let Ok(mut slot) = state.health.body.write() {
        *slot = Some((Instant::now(), body.bytes().clone()));
    }
    body
}

async fn finn_health<A: Adapters>(state: &Shared<A>) -> crate::core::ownership::UpstreamHealth {
    if let Ok(guard) = state.health.finn.lock()
        && let Some((at, h)) = guard.as_ref()
    {
        let ttl = if h.reachable {
            FINN_OK_TTL
        } else {
            FINN_FAIL_TTL
        };
        if at.elapsed() < ttl {
            return h.clone();
        }
    }
    let h = state.finn.probe_upstream().await;
    if let Ok(mut guard) = state.health.finn.lock() {
        *guard = Some((Instant::now(), h.clone()));
    }
    h
}

/// A probe's result and how long it took, in milliseconds.
async fn timed<T>(probe: impl std::future::Future<Output = T>) -> (T, u64) {
    let start = Instant::now();
    let result = probe.await;
    (result, start.elapsed().as_millis() as u64)
}

/// One infrastructure probe as health reports it; a failure's detail goes to the log only,
/// the client sees the status and message `classify` gives it.
fn infra_probe(
    component: &'static str,
    (result, latency_ms): (Result<(), PortError>, u64),
    classify: impl FnOnce(&PortError) -> (ProbeStatus, &'static str),
) -> InfraProbe {
    match result {
        Ok(()) => InfraProbe {
            status: ProbeStatus::Healthy,
            latency_ms,
            error: None,
        },
        Err(err) => {
            tracing::warn!(event = "health_probe_failed", component, detail = %err);
            let (status, message) = classify(&err);
            InfraProbe {
                status,
                latency_ms,
                error: Some(message.to_owned()),
            }
        }
    }
}

async fn compute<A: Adapters>(state: &Shared<A>) -> HealthResponse {
    let info = state.db.reputation().describe();
    let postgres = info.kind == StoreKind::Postgres;
    let pg_probe = async {
        if !postgres {
            return None;
        }
        let timed = timed(state.db.reputation().probe()).await;
        Some(infra_probe("postgresql", timed, |_| {
            (ProbeStatus::Unreachable, "PostgreSQL unreachable")
        }))
    };
    let redis_probe = async {
        let (result, latency_ms) = timed(state.fleet.probe()).await;
        let result = result?;
        Some(infra_probe(
            "redis",
            (result, latency_ms),
            |err| match err {
                // A server that answers PING with something else is up but not well (§9).
                PortError::Unexpected(_) => {
                    (ProbeStatus::Degraded, "Redis answered PING unexpectedly")
                }
                _ => (ProbeStatus::Unreachable, "Redis unreachable"),
            },
        ))
    };
    let nats = state.fleet.signals().connected().map(|up| InfraProbe {
        status: if up {
            ProbeStatus::Healthy
        } else {
            ProbeStatus::Unreachable
        },
        latency_ms: 0,
        error: (!up).then(|| "NATS not connected".to_owned()),
    });
    let (finn, pg, redis, count, corpus) = tokio::join!(
        finn_health(state),
        pg_probe,
        redis_probe,
        state.db.reputation().count(),
        state.corpus.metadata()
    );
    let knowledge_corpus = corpus.map(|meta| {
        let f = meta.freshness(time::OffsetDateTime::now_utc().date());
        CorpusHealth {
            status: if f.stale == 0 {
                HealthStatus::Healthy
            } else {
                HealthStatus::Degraded
            },
            corpus_version: meta.corpus_version,
            sources: f.total,
            stale_sources: f.stale,
        }
    });

    let aggregate_count = match count {
        Ok(n) => i64::try_from(n).unwrap_or(i64::MAX),
        Err(err) => {
            tracing::warn!(event = "health_count_failed", detail = %err);
            -1
        }
    };
    // Only an unreachable service degrades the whole; a Redis that answers oddly does not (§9).
    let infra_ok = [&pg, &redis, &nats]
        .into_iter()
        .flatten()
        .map(|p| p.status != ProbeStatus::Unreachable);
    let status = overall_status(finn.reachable, infra_ok);
    // Pool metrics are read after the probe and count: the pool connects lazily, so metrics
    // taken before them would show the pool as it was, not as it is.
    let pool = state.db.reputation().describe().pool;

    HealthResponse {
        status: status.into(),
        version: crate::VERSION.to_owned(),
        uptime_seconds: state.started.elapsed().as_secs(),
        services: Services {
            dixie: DixieHealth {
                status: HealthStatus::Healthy,
            },
            loa_finn: FinnHealth {
                status: if finn.reachable {
                    ProbeStatus::Healthy
                } else {
                    ProbeStatus::Unreachable
                },
                latency_ms: finn.latency_ms,
                error: (!finn.reachable).then(|| "Failed to reach loa-finn".to_owned()),
                circuit_state: match finn.circuit {
                    crate::core::ownership::CircuitState::Closed => CircuitStateDto::Closed,
                    crate::core::ownership::CircuitState::Open => CircuitStateDto::Open,
                    crate::core::ownership::CircuitState::HalfOpen => CircuitStateDto::HalfOpen,
                },
            },
            knowledge_corpus,
        },
        infrastructure: (pg.is_some() || redis.is_some() || nats.is_some()).then_some(
            Infrastructure {
                postgresql: pg,
                redis,
                nats,
            },
        ),
        reputation_service: ReputationServiceHealth {
            initialized: true,
            store_type: match info.kind {
                StoreKind::Memory => StoreType::Memory,
                StoreKind::Postgres => StoreType::Postgres,
            },
            aggregate_count,
            pool_total: pool.map(|p| p.total),
            pool_idle: pool.map(|p| p.idle),
            pool_waiting: pool.map(|p| p.waiting),
        },
        timestamp: Timestamp(now_iso()),
    }
}
