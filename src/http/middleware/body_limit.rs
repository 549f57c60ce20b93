//! Every request body is at most [`MAX_BODY_BYTES`] and must arrive within the read timeout.
//!
//! The body is counted as it streams, whatever the request declares: a `Content-Length` over the
//! limit is refused before a byte is read, and any other body (chunked, or undeclared) is read up
//! to the limit and refused beyond it, so no handler ever buffers more. A body that trickles in
//! slower than the timeout is refused with 408. A refusal leaves the rest of the body unread, so
//! it says `Connection: close`: the server closes the connection and no client reuses it.

use std::time::Duration;

use poem::error::ReadBodyError;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, Middleware, Request, Response, Result};

use crate::http::error::{ErrorBody, json_error};

pub const MAX_BODY_BYTES: usize = 102_400;

fn too_large() -> Response {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &ErrorBody::new(
            "payload_too_large",
            format!("Body exceeds {MAX_BODY_BYTES} bytes"),
        ),
    )
}

fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The limit, with how long a body may take to arrive.
pub struct BodyLimit {
    pub read_timeout: Duration,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            read_timeout: self.read_timeout,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    read_timeout: Duration,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Ok(closing(too_large()));
        }
        let read = req.take_body().into_bytes_limit(MAX_BODY_BYTES);
        let refusal = match tokio::time::timeout(self.read_timeout, read).await {
            Ok(Ok(bytes)) => {
                req.set_body(bytes);
                return Ok(self.inner.get_response(req).await);
            }
            Ok(Err(ReadBodyError::PayloadTooLarge)) => too_large(),
            Ok(Err(_)) => json_error(
                StatusCode::BAD_REQUEST,
                &ErrorBody::new("invalid_request", "Request body could not be read"),
            ),
            Err(_) => json_error(
                StatusCode::REQUEST_TIMEOUT,
                &ErrorBody::new("request_timeout", "Request body did not arrive in time"),
            ),
        };
        Ok(closing(refusal))
    }
}
