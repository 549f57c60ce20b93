//! The one error shape of the API: status + `{"error": "<snake_case code>", "message": "…"}`.
//!
//! Handlers answer their documented errors as variants of their response enums. Everything the
//! framework produces (unknown route, wrong method, unparsable body or parameter) and every
//! panic goes through [`framework_error`] / [`PanicToJson`] so that no client ever sees a
//! plain-text or HTML error. 5xx bodies never carry internal detail; it goes to the log.

use poem::Response;
use poem::http::StatusCode;
use poem_openapi::Object;

use crate::core::error::PortError;

/// Error body of every non-2xx response: always `error` and `message`; a 429 adds `retry_after`,
/// a 403 for a conviction tier below the route's adds `actual_tier`, `required_tier`,
/// `denial_codes` and `evaluation_gap` (§2.2).
///
/// One schema for every error, so that a generated client has one error type per operation
/// (progenitor accepts no other).
#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct ErrorBody {
    /// Machine-readable snake_case code (see the README's error table).
    pub error: String,
    /// Human-readable explanation; never internal detail.
    pub message: String,
    /// 429 only: seconds until a retry can succeed (also sent as `Retry-After`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    // Tier denial only (no doc comments on these: poem-openapi would wrap the `$ref`s in an
    // `allOf` that generated clients cannot read).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_tier: Option<TierName>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_tier: Option<TierName>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denial_codes: Option<Vec<DenialCode>>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_gap: Option<Box<EvaluationGap>>,
}

/// A conviction tier, lowest first (§1.6).
#[derive(poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum TierName {
    Observer,
    Participant,
    Builder,
    Architect,
    Sovereign,
}

/// Why a tier fell short of a route's.
#[derive(poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[oai(rename_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DenialCode {
    TrustScoreBelowThreshold,
    TrustStateBelowThreshold,
}

/// How far a denied caller's tier is from the required one.
#[derive(Object, Clone, Debug, PartialEq, serde::Serialize)]
pub struct EvaluationGap {
    /// Trust score still missing (0..1).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_score_gap: Option<f64>,
    /// Reputation states still missing (cold → warming → established → authoritative).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reputation_state_gap: Option<u8>,
}

impl ErrorBody {
    pub fn new(error: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            error: error.to_owned(),
            message: message.into(),
            retry_after: None,
            actual_tier: None,
            required_tier: None,
            denial_codes: None,
            evaluation_gap: None,
        }
    }

    /// The body of a 429.
    pub fn rate_limited(retry_after: u64) -> Self {
        ErrorBody {
            retry_after: Some(retry_after),
            ..ErrorBody::new("rate_limited", "Too many requests")
        }
    }

    /// The body for a port failure, logging what the client must not see.
    pub fn from_port(err: &PortError) -> (StatusCode, Self) {
        match err {
            PortError::Unavailable(detail) => {
                tracing::warn!(event = "dependency_unavailable", detail = %detail);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorBody::new(
                        "service_unavailable",
                        "A backing service is unavailable; retry shortly",
                    ),
                )
            }
            PortError::Conflict(detail) => (
                StatusCode::CONFLICT,
                ErrorBody::new("conflict", detail.clone()),
            ),
            PortError::Unexpected(detail) => {
                tracing::error!(event = "internal_error", detail = %detail);
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorBody::new("internal_error", "Internal server error"),
                )
            }
        }
    }
}

/// A JSON error response with the given status; a body with `retry_after` also carries it as
/// `Retry-After`.
pub fn json_error(status: StatusCode, body: &ErrorBody) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| {
        b"{\"error\":\"internal_error\",\"message\":\"Internal server error\"}".to_vec()
    });
    let mut resp = Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(bytes);
    if let Some(secs) = body.retry_after {
        resp.headers_mut()
            .insert(poem::http::header::RETRY_AFTER, secs.into());
    }
    resp
}

/// Maps an error that left a handler or the router to the JSON error shape.
///
/// Errors built from one of our response enums already are JSON and pass through unchanged.
pub async fn framework_error(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let body = match status {
        StatusCode::NOT_FOUND => ErrorBody::new("not_found", "Route not found"),
        StatusCode::METHOD_NOT_ALLOWED => {
            ErrorBody::new("method_not_allowed", "Method not allowed on this route")
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            ErrorBody::new("payload_too_large", "Body exceeds the size limit")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ErrorBody::new("unsupported_media_type", err.to_string())
        }
        StatusCode::UNAUTHORIZED => ErrorBody::new("unauthorized", "Bearer token required"),
        s if s.is_server_error() => {
            tracing::error!(event = "internal_error", status = s.as_u16(), detail = %err);
            ErrorBody::new("internal_error", "Internal server error")
        }
        s if s.is_client_error() => ErrorBody::new("invalid_request", err.to_string()),
        s => {
            tracing::error!(event = "unexpected_error_status", status = s.as_u16(), detail = %err);
            ErrorBody::new("internal_error", "Internal server error")
        }
    };
    let status = if status.is_client_error() || status.is_server_error() {
        status
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    json_error(status, &body)
}

/// Turns a panic in a handler into a logged 500 with the JSON error body.
#[derive(Clone, Copy, Debug, Default)]
pub struct PanicToJson;

impl poem::middleware::PanicHandler for PanicToJson {
    type Response = Response;

    fn get_response(&self, err: Box<dyn std::any::Any + Send + 'static>) -> Response {
        let detail = err
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| err.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(event = "handler_panic", detail = %detail);
        json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ErrorBody::new("internal_error", "Internal server error"),
        )
    }
}

/// The documented error responses of the API's handlers.
#[derive(poem_openapi::ApiResponse, Debug)]
pub enum ApiError {
    /// Invalid input (`invalid_request`)
    #[oai(status = 400)]
    BadRequest(poem_openapi::payload::Json<ErrorBody>),
    /// Credentials missing (`unauthorized`)
    #[oai(status = 401)]
    Unauthorized(poem_openapi::payload::Json<ErrorBody>),
    /// Credentials not allowed (`forbidden`)
    #[oai(status = 403)]
    Forbidden(poem_openapi::payload::Json<ErrorBody>),
    /// No such resource (`not_found`)
    #[oai(status = 404)]
    NotFound(poem_openapi::payload::Json<ErrorBody>),
    /// Contradicts stored state (`conflict`)
    #[oai(status = 409)]
    Conflict(poem_openapi::payload::Json<ErrorBody>),
    /// Unexpected failure (`internal_error`; detail only in the log)
    #[oai(status = 500)]
    Internal(poem_openapi::payload::Json<ErrorBody>),
    /// A backing service is down or timed out (`service_unavailable`)
    #[oai(status = 503)]
    Unavailable(poem_openapi::payload::Json<ErrorBody>),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest(poem_openapi::payload::Json(ErrorBody::new(
            "invalid_request",
            message,
        )))
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::Unauthorized(poem_openapi::payload::Json(ErrorBody::new(
            "unauthorized",
            message,
        )))
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(poem_openapi::payload::Json(ErrorBody::new(
            "forbidden",
            message,
        )))
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(poem_openapi::payload::Json(ErrorBody::new(
            "not_found",
            message,
        )))
    }
}

impl From<PortError> for ApiError {
    fn from(err: PortError) -> Self {
        let (status, body) = ErrorBody::from_port(&err);
        let body = poem_openapi::payload::Json(body);
        match status {
            StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable(body),
            StatusCode::CONFLICT => ApiError::Conflict(body),
            _ => ApiError::Internal(body),
        }
    }
}

/// OpenAPI responses with the [`ErrorBody`] schema, one per `(status, description)` row.
pub(crate) fn error_responses(
    rows: &[(u16, &'static str)],
) -> poem_openapi::registry::MetaResponses {
    use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses};
    use poem_openapi::types::Type;
    MetaResponses {
        responses: rows
            .iter()
            .map(|&(status, description)| MetaResponse {
                description,
                status: Some(status),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: "application/json; charset=utf-8",
                    schema: ErrorBody::schema_ref(),
                }],
                headers: vec![],
            })
            .collect(),
    }
}

/// A failed upstream (Finn) call: the status and body the contract's §6.2 gives it.
#[derive(Debug)]
pub struct UpstreamFailure(pub crate::core::upstream::UpstreamError);

impl poem::IntoResponse for UpstreamFailure {
    fn into_response(self) -> Response {
        let (status, error, message, retry_after) = self.0.response();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        let body = ErrorBody {
            retry_after,
            ..ErrorBody::new(error, message)
        };
        json_error(status, &body)
    }
}

impl From<UpstreamFailure> for poem::Error {
    fn from(failure: UpstreamFailure) -> Self {
        poem::Error::from_response(poem::IntoResponse::into_response(failure))
    }
}

impl poem_openapi::ApiResponse for UpstreamFailure {
    fn meta() -> poem_openapi::registry::MetaResponses {
        let rows: [(u16, &'static str); 6] = [
            (400, "Invalid body or parameter (`invalid_request`)"),
            (401, "No credentials (`unauthorized`)"),
            (402, "Finn: usage limit reached (`usage_limit`)"),
            (403, "Wallet or API key not allowlisted (`forbidden`)"),
            (502, "Finn: provider unavailable (`service_unavailable`)"),
            (
                503,
                "Finn unreachable or timed out (`upstream_error`), breaker open (`circuit_open`), or oracle model unavailable (`service_unavailable`); any other Finn error status is passed through as `upstream_error`",
            ),
        ];
        error_responses(&rows)
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        use poem_openapi::types::Type;
        ErrorBody::register(registry);
    }
}

/// A failure of a route that combines its own checks with upstream calls (memory, schedule):
/// a local error, Finn's mapped error (§6.2), a conviction denial (§2.2) or a store failure.
#[derive(Debug)]
pub enum RouteError {
    Local(StatusCode, ErrorBody),
    Upstream(crate::core::upstream::UpstreamError),
    Denied(Box<crate::core::conviction::ConvictionDenial>),
    Port(PortError),
}

impl RouteError {
    pub fn bad_request(error: &str, message: impl Into<String>) -> Self {
        RouteError::Local(StatusCode::BAD_REQUEST, ErrorBody::new(error, message))
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        RouteError::Local(
            StatusCode::UNAUTHORIZED,
            ErrorBody::new("unauthorized", message),
        )
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        RouteError::Local(StatusCode::FORBIDDEN, ErrorBody::new("forbidden", message))
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        RouteError::Local(StatusCode::NOT_FOUND, ErrorBody::new("not_found", message))
    }
}

impl From<crate::core::upstream::UpstreamError> for RouteError {
    fn from(err: crate::core::upstream::UpstreamError) -> Self {
        RouteError::Upstream(err)
    }
}

impl From<PortError> for RouteError {
    fn from(err: PortError) -> Self {
        RouteError::Port(err)
    }
}

impl poem::IntoResponse for RouteError {
    fn into_response(self) -> Response {
        match self {
            RouteError::Local(status, body) => json_error(status, &body),
            RouteError::Upstream(err) => UpstreamFailure(err).into_response(),
            RouteError::Denied(denial) => Response::builder()
                .status(StatusCode::FORBIDDEN)
                .content_type("application/json; charset=utf-8")
                .body(serde_json::to_vec(&denial).unwrap_or_default()),
            RouteError::Port(err) => {
                let (status, body) = ErrorBody::from_port(&err);
                json_error(status, &body)
            }
        }
    }
}

impl From<RouteError> for poem::Error {
    fn from(err: RouteError) -> Self {
        poem::Error::from_response(poem::IntoResponse::into_response(err))
    }
}

impl poem_openapi::ApiResponse for RouteError {
    fn meta() -> poem_openapi::registry::MetaResponses {
        let rows: [(u16, &'static str); 8] = [
            (
                400,
                "Invalid body or parameter (`invalid_request`, or the route's own code: `invalid_sealing_policy`, `parse_error`, `limit_exceeded`)",
            ),
            (
                401,
                "No credentials, no wallet, or a bad or already used callback signature (`unauthorized`)",
            ),
            (402, "Finn: usage limit reached (`usage_limit`)"),
            (
                403,
                "Not allowlisted, not the dNFT's owner, access denied, or a conviction tier too low (`forbidden`; a tier denial adds `actual_tier`, `required_tier`, `denial_codes`, `evaluation_gap`)",
            ),
            (404, "No such memory or schedule (`not_found`)"),
            (
                500,
                "Unexpected failure (`internal_error`; detail only in the log)",
            ),
            (502, "Finn: provider unavailable (`service_unavailable`)"),
            (
                503,
                "Finn unreachable or timed out (`upstream_error`), breaker open (`circuit_open`), or the store is down (`service_unavailable`); any other Finn error status is passed through as `upstream_error`",
            ),
        ];
        error_responses(&rows)
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        use poem_openapi::types::Type;
        ErrorBody::register(registry);
    }
}

/// A [`RouteError`] documented with exactly the statuses one route returns: `$name(RouteError)`
/// answers as the error it wraps, and its spec lists the given `(status, description)` rows.
macro_rules! route_errors {
    ($(#[$doc:meta])* $name:ident, [$(($status:expr, $description:expr $(,)?)),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub $crate::http::error::RouteError);

        impl<E: Into<$crate::http::error::RouteError>> From<E> for $name {
            fn from(err: E) -> Self {
                $name(err.into())
            }
        }

        impl poem::IntoResponse for $name {
            fn into_response(self) -> poem::Response {
                self.0.into_response()
            }
        }

        impl From<$name> for poem::Error {
            fn from(err: $name) -> Self {
                err.0.into()
            }
        }

        impl poem_openapi::ApiResponse for $name {
            fn meta() -> poem_openapi::registry::MetaResponses {
                $crate::http::error::error_responses(&[$(($status, $description)),+])
            }

            fn register(registry: &mut poem_openapi::registry::Registry) {
                use poem_openapi::types::Type;
                $crate::http::error::ErrorBody::register(registry);
            }
        }
    };
}
pub(crate) use route_errors;

#[cfg(test)]
mod tests {
    use poem_openapi::types::ParseFromJSON;

    use super::*;
    use crate::core::conviction::{Tier, require_tier};

    #[test]
    fn a_tier_denial_on_the_wire_is_an_error_body_with_every_tier_field() {
        let Err(denial) = require_tier(Tier::Observer, Tier::Sovereign) else {
            panic!("observer must be denied a sovereign route");
        };
        let wire = serde_json::to_value(&denial).ok();
        let body = ErrorBody::parse_from_json(wire).unwrap_or_else(|e| panic!("{}", e.message()));
        assert_eq!(body.actual_tier, Some(TierName::Observer));
        assert_eq!(body.required_tier, Some(TierName::Sovereign));
        assert_eq!(
            body.denial_codes,
            Some(vec![
                DenialCode::TrustScoreBelowThreshold,
                DenialCode::TrustStateBelowThreshold
            ])
        );
        let gap = body
            .evaluation_gap
            .unwrap_or_else(|| panic!("no evaluation_gap"));
        assert!(gap.trust_score_gap.is_some() && gap.reputation_state_gap.is_some());
    }
}
