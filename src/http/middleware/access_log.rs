//! One JSON access-log line per response, `X-Response-Time` on every response and
//! `X-Duration-Ms` (whole milliseconds, §1.2 #15) on every `/api/*` one.
//!
//! Level follows the status: error for 5xx, warn for 4xx, info otherwise. The query string is
//! never logged (it can carry cursors or tickets).

use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, Middleware, Request, Response, Result};

use super::request_id::RequestId;

pub const SERVICE: &str = "dixie-bff";

pub struct AccessLog;

impl<E: Endpoint> Middleware<E> for AccessLog {
    type Output = AccessLogEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AccessLogEndpoint(ep)
    }
}

pub struct AccessLogEndpoint<E>(E);

impl<E: Endpoint> Endpoint for AccessLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let start = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let api = path.starts_with("/api/");
        let request_id = req.extensions().get::<RequestId>().cloned();
        let mut resp = self.0.get_response(req).await;
        let elapsed = start.elapsed();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let ms = elapsed.as_millis();
        if let Ok(value) = HeaderValue::from_str(&format!("{ms}ms")) {
            resp.headers_mut().insert("x-response-time", value);
        }
        if api {
            resp.headers_mut()
                .insert("x-duration-ms", HeaderValue::from(ms as u64));
        }
        let status = resp.status().as_u16();
        let rid = request_id.as_ref().map(RequestId::as_str).unwrap_or("");
        macro_rules! line {
            ($level:ident) => {
                tracing::$level!(
                    target: "access",
                    service = SERVICE,
                    request_id = rid,
                    method = method.as_str(),
                    path = path.as_str(),
                    status,
                    latency_ms,
                )
            };
        }
        match status {
            500.. => line!(error),
            400..=499 => line!(warn),
            _ => line!(info),
        }
        Ok(resp)
    }
}
