//! Request bodies on `/api/*` are at most [`MAX_BODY_BYTES`], whether or not they declare a
//! `Content-Length` (a chunked body is read up to the limit and refused beyond it).

use poem::http::{StatusCode, header};
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

pub struct BodyLimit;

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint(ep)
    }
}

pub struct BodyLimitEndpoint<E>(E);

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        if req.uri().path().starts_with("/api/") {
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            match declared {
                Some(len) if len > MAX_BODY_BYTES as u64 => return Ok(too_large()),
                Some(_) => {}
                None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
                    match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
                        Ok(bytes) => req.set_body(bytes),
                        Err(poem::error::ReadBodyError::PayloadTooLarge) => {
                            return Ok(too_large());
                        }
                        Err(_) => {
                            return Ok(json_error(
                                StatusCode::BAD_REQUEST,
                                &ErrorBody::new(
                                    "invalid_request",
                                    "Request body could not be read",
                                ),
                            ));
                        }
                    }
                }
                None => {}
            }
        }
        Ok(self.0.get_response(req).await)
    }
}
