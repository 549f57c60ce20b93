//! Response headers every route gets: security headers (§1.2 #3) and CORS (§1.2 #4, D7).

use std::collections::HashSet;
use std::sync::Arc;

use poem::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, Middleware, Request, Response, Result};

const fn pair(name: &'static str, value: &'static str) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    )
}

/// Built at compile time: a response pays for the inserts, not for parsing names.
const SECURITY: [(HeaderName, HeaderValue); 11] = [
    pair(
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    pair("x-frame-options", "DENY"),
    pair("referrer-policy", "strict-origin-when-cross-origin"),
    pair("cross-origin-resource-policy", "same-origin"),
    pair("cross-origin-opener-policy", "same-origin"),
    pair("origin-agent-cluster", "?1"),
    pair("x-content-type-options", "nosniff"),
    pair("x-dns-prefetch-control", "off"),
    pair("x-download-options", "noopen"),
    pair("x-permitted-cross-domain-policies", "none"),
    pair("x-xss-protection", "0"),
];
/// The API's CSP. `/docs` (Swagger UI) runs inline script, so it gets no CSP header.
const CSP: (HeaderName, HeaderValue) = pair(
    "content-security-policy",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' wss:",
);

pub struct SecurityHeaders;

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        SecurityHeadersEndpoint(ep)
    }
}

pub struct SecurityHeadersEndpoint<E>(E);

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let docs = req.uri().path().starts_with("/docs");
        let mut resp = self.0.get_response(req).await;
        let headers = resp.headers_mut();
        headers.reserve(SECURITY.len() + 1);
        for (name, value) in SECURITY {
            headers.insert(name, value);
        }
        if !docs {
            let (name, value) = CSP;
            headers.insert(name, value);
        }
        Ok(resp)
    }
}

/// Which browser origins may call the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*`: any origin, never with credentials (D7).
    Any,
    /// Exactly these origins, with credentials.
    List(HashSet<String>),
}

impl CorsOrigins {
    pub fn from_config(origins: &[String]) -> Self {
        if origins.iter().any(|o| o == "*") {
            CorsOrigins::Any
        } else {
            CorsOrigins::List(origins.iter().cloned().collect())
        }
    }

    /// Whether a request from `origin` is allowed (`*` allows every origin).
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            CorsOrigins::Any => true,
            CorsOrigins::List(list) => list.contains(origin),
        }
    }
}

/// What a browser may send (preflight): the original's three, W3C trace context and
/// conditional requests.
const ALLOWED_HEADERS: &str =
    "Content-Type, Authorization, X-Request-Id, traceparent, tracestate, If-None-Match";
/// What a browser client may read from an answer: correlation, timing, economics, tier and
/// rate-limit state, and the validators it revalidates with.
const EXPOSED_HEADERS: &str = "X-Request-Id, X-Response-Time, X-Duration-Ms, traceparent, \
X-Trace-Id, X-Span-Id, X-Cost-Micro-USD, X-Model-Used, X-Model-Pool, X-Conviction-Tier, \
X-Enrichment-Latency-Ms, X-RateLimit-Limit, X-RateLimit-Remaining, Retry-After, ETag";

/// CORS on `/api/*`. An origin that is not allowed gets no `Access-Control-Allow-Origin` (the
/// browser then refuses the response); the request itself is served, as in the original.
pub struct Cors(pub Arc<CorsOrigins>);

impl<E: Endpoint> Middleware<E> for Cors {
    type Output = CorsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        CorsEndpoint(ep, self.0.clone())
    }
}

pub struct CorsEndpoint<E>(E, Arc<CorsOrigins>);

impl<E> CorsEndpoint<E> {
    fn allow(&self, origin: &HeaderValue, headers: &mut HeaderMap) {
        let allowed = match &*self.1 {
            CorsOrigins::Any => {
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
                return;
            }
            CorsOrigins::List(_) => origin.to_str().is_ok_and(|o| self.1.allows(o)),
        };
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if allowed {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }
}

impl<E: Endpoint> Endpoint for CorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let origin = match req.headers().get(header::ORIGIN) {
            Some(origin) if req.uri().path().starts_with("/api/") => origin.clone(),
            _ => return Ok(self.0.get_response(req).await),
        };
        if req.method() == Method::OPTIONS {
            let mut resp = Response::builder().status(StatusCode::NO_CONTENT).finish();
            let headers = resp.headers_mut();
            self.allow(&origin, headers);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOWED_HEADERS),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("3600"),
            );
            return Ok(resp);
        }
        let mut resp = self.0.get_response(req).await;
        let headers = resp.headers_mut();
        self.allow(&origin, headers);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
        Ok(resp)
    }
}
