//! Counts every response by method, route template and status, and times it (see
//! [`crate::http::metrics`]).

use std::sync::Arc;
use std::time::Instant;

use poem::{Endpoint, Middleware, Request, Response, Result};

use super::AllowTable;
use crate::http::metrics::{Metrics, UNMATCHED, method_label};

pub struct RecordMetrics {
    pub metrics: Arc<Metrics>,
    pub routes: Arc<AllowTable>,
}

impl<E: Endpoint> Middleware<E> for RecordMetrics {
    type Output = RecordMetricsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RecordMetricsEndpoint {
            inner: ep,
            metrics: self.metrics.clone(),
            routes: self.routes.clone(),
            unmatched: Arc::new(UNMATCHED.to_owned()),
        }
    }
}

pub struct RecordMetricsEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
    routes: Arc<AllowTable>,
    unmatched: Arc<String>,
}

impl<E: Endpoint> Endpoint for RecordMetricsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        if !self.metrics.enabled() {
            return Ok(self.inner.get_response(req).await);
        }
        let start = Instant::now();
        let method = method_label(req.method());
        let route = self
            .routes
            .template(req.uri().path())
            .unwrap_or(&self.unmatched)
            .clone();
        let resp = self.inner.get_response(req).await;
        self.metrics
            .request(method, &route, resp.status().as_u16(), start.elapsed());
        Ok(resp)
    }
}
