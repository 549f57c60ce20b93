//! Correlation of a request: `x-request-id` (a well-formed incoming id is echoed, else a UUIDv4
//! is generated) and W3C trace context (a well-formed incoming `traceparent` is continued, else
//! a trace starts; this request is a new span of it). Both go in the request extensions (for
//! logs and upstream calls) and on every response as `x-request-id`, `traceparent`,
//! `x-trace-id` and `x-span-id`.

use std::sync::Arc;

use poem::http::{HeaderName, HeaderValue};
use poem::{Endpoint, Middleware, Request, Response, Result};

use crate::core::trace::TraceParent;
use crate::core::upstream::CallContext;

pub const HEADER: &str = "x-request-id";
const MAX_LEN: usize = 128;
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACE_ID: HeaderName = HeaderName::from_static("x-trace-id");
const SPAN_ID: HeaderName = HeaderName::from_static("x-span-id");

/// The effective request id of the request being served, and the `traceparent` of its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId {
    id: Arc<str>,
    traceparent: Arc<str>,
    span: TraceParent,
    parent: Option<TraceParent>,
}

impl RequestId {
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// `00-<trace id>-<span id>-<flags>`: what upstream calls carry, the span being their parent.
    pub fn traceparent(&self) -> &str {
        &self.traceparent
    }

    /// This request's span, and the caller's it continues (if any).
    pub fn spans(&self) -> (&TraceParent, Option<&TraceParent>) {
        (&self.span, self.parent.as_ref())
    }

    /// The context of an upstream call made for this request on behalf of `wallet`.
    pub fn call_context(&self, wallet: Option<&str>) -> CallContext {
        CallContext {
            wallet: wallet.map(str::to_owned),
            ..CallContext::correlated(&self.id, Some(&self.traceparent))
        }
    }
}

/// Ids we echo: 1..=128 characters of `[A-Za-z0-9._:-]`; anything else is replaced.
fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// This request's span: a child of a well-formed incoming `traceparent` (returned too), else
/// a new trace.
fn span_of(req: &Request) -> (TraceParent, Option<TraceParent>) {
    let parent = req
        .headers()
        .get(TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(TraceParent::parse);
    // UUIDv4 bytes are random but for the version (byte 6) and variant (byte 8) bits.
    let random = *uuid::Uuid::new_v4().as_bytes();
    let mut span = [0u8; 8];
    span[..6].copy_from_slice(&random[..6]);
    span[6..].copy_from_slice(&random[9..11]);
    let fresh = match parent {
        Some(_) => [0; 16],
        None => *uuid::Uuid::new_v4().as_bytes(),
    };
    (TraceParent::child(parent, fresh, span), parent)
}

pub struct RequestIds;

impl<E: Endpoint> Middleware<E> for RequestIds {
    type Output = RequestIdEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestIdEndpoint(ep)
    }
}

pub struct RequestIdEndpoint<E>(E);

impl<E: Endpoint> Endpoint for RequestIdEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let id: Arc<str> = match req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
            Some(incoming) if acceptable(incoming) => Arc::from(incoming),
            _ => Arc::from(uuid::Uuid::new_v4().to_string()),
        };
        let (span, parent) = span_of(&req);
        let traceparent: Arc<str> = Arc::from(span.header());
        req.extensions_mut().insert(RequestId {
            id: id.clone(),
            traceparent: traceparent.clone(),
            span,
            parent,
        });
        let mut resp = self.0.get_response(req).await;
        let headers = resp.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&id) {
            headers.insert(HEADER, value);
        }
        // Lowercase hex only: always valid header values.
        for (name, value) in [
            (TRACEPARENT, &traceparent[..]),
            (TRACE_ID, &traceparent[3..35]),
            (SPAN_ID, &traceparent[36..52]),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_tame_ids_are_echoed() {
        assert!(acceptable("abc-123_x.y:z"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable("new\nline"));
        assert!(!acceptable(&"a".repeat(129)));
        assert!(acceptable(&"a".repeat(128)));
    }
}
