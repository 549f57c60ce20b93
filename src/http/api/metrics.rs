//! `GET /metrics`: Prometheus metrics, OpenMetrics text (see [`crate::http::metrics`]).

use poem_openapi::auth::Bearer;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi, SecurityScheme};

use super::ApiTags;
use super::constant_time_eq;
use crate::core::families::{Coordination, Persistence};
use crate::core::ports::{ReputationStore, SignalSink};
use crate::http::error::ErrorBody;
use crate::http::metrics::Snapshot;
use crate::http::state::{Adapters, Shared};

/// `DIXIE_METRICS_TOKEN` as a bearer token (only asked for when it is set).
#[derive(SecurityScheme)]
#[oai(rename = "MetricsToken", ty = "bearer", key_name = "Authorization")]
pub struct MetricsTokenHeader(Bearer);

/// The metrics token when sent; without one the handler decides (open when none is set).
#[derive(SecurityScheme)]
pub enum MetricsToken {
    Sent(MetricsTokenHeader),
    #[oai(fallback)]
    Missing,
}

#[derive(ApiResponse)]
pub enum MetricsResponse {
    /// The metrics (OpenMetrics text exposition, which Prometheus scrapes)
    #[oai(
        status = 200,
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    )]
    Ok(PlainText<String>),
}

#[derive(ApiResponse)]
pub enum MetricsFailure {
    /// `DIXIE_METRICS_TOKEN` is set and the request did not bear it (`unauthorized`)
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Metrics are off (`DIXIE_METRICS=false`; `not_found`)
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

pub struct MetricsApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> MetricsApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        MetricsApi { state }
    }
}

#[OpenApi]
impl<A: Adapters> MetricsApi<A> {
    /// Prometheus metrics
    ///
    /// Requests by route template, method and status with their latency; Finn calls by
    /// operation and outcome with their latency and the breaker's state; rate-limit refusals;
    /// open chat streams; the PostgreSQL pool; Redis and NATS (when configured); dropped
    /// signals and log lines. Not rate limited. With `DIXIE_METRICS_TOKEN` set, send it as a
    /// bearer token.
    #[oai(
        path = "/metrics",
        method = "get",
        tag = "ApiTags::Service",
        operation_id = "getMetrics"
    )]
    async fn metrics(&self, token: MetricsToken) -> Result<MetricsResponse, MetricsFailure> {
        let state = &self.state;
        if !state.metrics.enabled() {
            return Err(MetricsFailure::NotFound(Json(ErrorBody::new(
                "not_found",
                "Metrics are off",
            ))));
        }
        if let Some(want) = &state.settings.metrics_token {
            let sent = match &token {
                MetricsToken::Sent(header) => header.0.token.as_str(),
                MetricsToken::Missing => "",
            };
            if !constant_time_eq(sent.as_bytes(), want.expose().as_bytes()) {
                return Err(MetricsFailure::Unauthorized(Json(ErrorBody::new(
                    "unauthorized",
                    "Metrics token required",
                ))));
            }
        }
        let signals = state.fleet.signals();
        let snapshot = Snapshot {
            streams_open: state.streams.open(),
            pool: state
                .db
                .reputation()
                .describe()
                .pool
                .map(|p| (p.total, p.idle)),
            redis_up: state.fleet.store_up(),
            nats_up: signals.connected(),
            signals_dropped: signals.dropped(),
            log_lines_dropped: crate::logging::LINES_DROPPED
                .load(std::sync::atomic::Ordering::Relaxed),
        };
        Ok(MetricsResponse::Ok(PlainText(
            state.metrics.scrape(snapshot),
        )))
    }
}
