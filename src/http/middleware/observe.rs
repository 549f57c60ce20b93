//! Observes every response: counts it by method, route template and status and times it (see
//! [`crate::http::metrics`]), and makes it an OpenTelemetry server span when tracing is on
//! (see [`crate::telemetry`]), the calls made while serving it being its children.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::trace::FutureExt;
use poem::{Endpoint, Middleware, Request, Response, Result};

use super::{AllowTable, RequestId};
use crate::http::metrics::{Metrics, UNMATCHED, method_label};
use crate::telemetry;

pub struct Observe {
    pub metrics: Arc<Metrics>,
    pub routes: Arc<AllowTable>,
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint {
            inner: ep,
            metrics: self.metrics.clone(),
            routes: self.routes.clone(),
            unmatched: Arc::new(UNMATCHED.to_owned()),
        }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
    routes: Arc<AllowTable>,
    unmatched: Arc<String>,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let tracing = telemetry::tracing_enabled();
        if !self.metrics.enabled() && !tracing {
            return Ok(self.inner.get_response(req).await);
        }
        let start = Instant::now();
        let method = method_label(req.method());
        let route = self
            .routes
            .template(req.uri().path())
            .unwrap_or(&self.unmatched)
            .clone();
        let span = if tracing {
            req.extensions().get::<RequestId>().and_then(|id| {
                let (span, parent) = id.spans();
                telemetry::request_span(format!("{method} {route}"), span, parent)
            })
        } else {
            None
        };
        let resp = match &span {
            Some(cx) => self.inner.get_response(req).with_context(cx.clone()).await,
            None => self.inner.get_response(req).await,
        };
        let status = resp.status().as_u16();
        self.metrics
            .request(method, &route, status, start.elapsed());
        if let Some(cx) = &span {
            telemetry::end_request_span(cx, method, &route, status);
        }
        Ok(resp)
    }
}
