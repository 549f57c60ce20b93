//! `x-request-id`: echo a well-formed incoming id, else generate a UUIDv4; the effective id is
//! put in the request extensions (for logs and upstream calls) and on every response.

use std::sync::Arc;

use poem::http::HeaderValue;
use poem::{Endpoint, Middleware, Request, Response, Result};

pub const HEADER: &str = "x-request-id";
const MAX_LEN: usize = 128;

/// The effective request id of the request being served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub Arc<str>);

impl RequestId {
    pub fn as_str(&self) -> &str {
        &self.0
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
        req.extensions_mut().insert(RequestId(id.clone()));
        let mut resp = self.0.get_response(req).await;
        if let Ok(value) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert(HEADER, value);
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
