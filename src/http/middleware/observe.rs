//! Observes every response: counts it by method, route template and status and times it (see
//! [`crate::http::metrics`]), and makes it an OpenTelemetry server span when tracing is on
//! (see [`crate::telemetry`]), the calls made while serving it being its children.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::trace::FutureExt;
use poem::{Endpoint, Middleware, Request, Response, Result};

use super::{AllowTable, RequestId};
use crate::http::metrics::{RouteRecorder, method_index, method_name};
use crate::telemetry;

pub struct Observe {
    pub recorder: Arc<RouteRecorder>,
    pub routes: Arc<AllowTable>,
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint {
            inner: ep,
            recorder: self.recorder.clone(),
            routes: self.routes.clone(),
        }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    recorder: Arc<RouteRecorder>,
    routes: Arc<AllowTable>,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let tracing = telemetry::tracing_enabled();
        if !self.recorder.metrics().enabled() && !tracing {
            return Ok(self.inner.get_response(req).await);
        }
        let start = Instant::now();
        let method = method_index(req.method());
        let route = self
            .routes
            .index(req.uri().path())
            .unwrap_or(self.recorder.unmatched());
        let span = if tracing {
            req.extensions().get::<RequestId>().and_then(|id| {
                let (span, parent) = id.spans();
                let name = format!("{} {}", method_name(method), self.recorder.label(route));
                telemetry::request_span(name, span, parent)
            })
        } else {
            None
        };
        let resp = match &span {
            Some(cx) => self.inner.get_response(req).with_context(cx.clone()).await,
            None => self.inner.get_response(req).await,
        };
        let status = resp.status().as_u16();
        self.recorder.record(route, method, status, start.elapsed());
        if let Some(cx) = &span {
            let route = self.recorder.label(route);
            telemetry::end_request_span(cx, method_name(method), route, status);
        }
        Ok(resp)
    }
}
