//! The `/api/*` guard, in the contract's order (§1.2 #8–#13): identity from the bearer
//! credential only (D3), rate limit per identity, allowlist gate, payment gate, conviction tier.
//!
//! - Identity: `Bearer dxk_…` is an API key; any other bearer is verified as a JWT (an invalid
//!   one leaves the caller anonymous, logged, never rejected here). The scheme name is
//!   case-insensitive (RFC 7235). A client-sent `x-wallet-address` header is removed before
//!   any handler sees the request.
//! - Rate limit (the `RateLimitStore`: this process's count, or Redis's shared by the
//!   replicas): `DIXIE_RATE_LIMIT_RPM` per verified identity — a wallet from a valid JWT, an
//!   allowlisted API key — else per client address. An unverified credential never makes an
//!   identity of its own. The client address is the peer's, or with
//!   `DIXIE_TRUSTED_PROXY_HOPS = n` the n-th `X-Forwarded-For` entry from the right (the one
//!   our outermost trusted proxy appended); a header with fewer entries, or one that is not an
//!   address, counts as the peer.
//!   `/api/health` and the JWKS are exempt: orchestrators poll the one, verifiers cache the
//!   other, and both cost no I/O.
//! - Allowlist gate: on every `/api/*` route except health, auth, admin and reputation (whose
//!   writes check their own service credentials); 401 without credentials, 403 when the
//!   wallet or key is not allowlisted (no allowlist file: any signed-in wallet passes).
//! - Payment: with the x402 scaffold on, responses carry `X-Payment-Status: scaffold` and
//!   `X-Payment-Wallet`.
//! - Conviction (§1.6, gated routes): the caller's tier, resolved through the staking lookup
//!   and cached, reaches the handler as a [`Conviction`] and the client as `X-Conviction-Tier`.

use std::net::IpAddr;

use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::core::auth::Caller;
use crate::core::auth::allowlist::{API_KEY_PREFIX, Access};
use crate::core::conviction::Conviction;
use crate::core::families::Coordination;
use crate::core::payment::PaymentVerdict;
use crate::core::ports::{PaymentGate, RateLimitStore, TokenSigner};
use crate::core::ratelimit::Decision;
use crate::http::conviction::conviction_of;
use crate::http::error::{ErrorBody, json_error};
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};

const RATE_EXEMPT: &[&str] = &["/api/health", "/api/auth/.well-known/"];
/// Whether requests to `path` count against the rate limit (the spec's 429s follow this).
pub fn is_rate_limited(path: &str) -> bool {
    path.starts_with("/api/") && !RATE_EXEMPT.iter().any(|p| path.starts_with(p))
}

const GATE_EXEMPT: &[&str] = &["/api/health", "/api/auth", "/api/admin", "/api/reputation"];

pub struct ApiGuard<A: Adapters>(pub Shared<A>);

impl<E: Endpoint, A: Adapters> Middleware<E> for ApiGuard<A> {
    type Output = ApiGuardEndpoint<E, A>;

    fn transform(&self, ep: E) -> Self::Output {
        ApiGuardEndpoint {
            inner: ep,
            state: self.0.clone(),
        }
    }
}

pub struct ApiGuardEndpoint<E, A: Adapters> {
    inner: E,
    state: Shared<A>,
}

/// Who the `Authorization` header says is calling.
pub fn identify<S: TokenSigner>(signer: &S, headers: &HeaderMap) -> Caller {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
    else {
        return Caller::Anonymous;
    };
    if token.starts_with(API_KEY_PREFIX) {
        return Caller::ApiKey(token.to_owned());
    }
    match signer.verify(token) {
        Ok(claims) => Caller::Wallet(claims),
        Err(reason) => {
            // A bearer that is not even JWT-shaped (an admin key, say) is not worth a warning.
            if token.bytes().filter(|b| *b == b'.').count() == 2 {
                tracing::warn!(event = "jwt_verification_failed", reason = %reason);
            } else {
                tracing::debug!(event = "bearer_not_a_jwt");
            }
            Caller::Anonymous
        }
    }
}

/// The credential of an `Authorization: Bearer <token>` value; the scheme is case-insensitive.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The client's address: the peer, or through `hops` trusted proxies the entry the outermost
/// of them appended to `X-Forwarded-For`.
pub fn client_ip(req: &Request, hops: u8) -> Option<IpAddr> {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    if hops == 0 {
        return peer;
    }
    req.headers()
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','))
        .nth(usize::from(hops) - 1)
        .and_then(|entry| entry.trim().parse::<IpAddr>().ok())
        .or(peer)
}

/// The identity the rate limit counts, hashed (no allocation per request): a verified wallet
/// (case-insensitive) or allowlisted API key, else the client address.
fn rate_key(caller: &Caller, access: &Access, req: &Request, hops: u8) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match caller {
        Caller::Wallet(claims) => {
            0u8.hash(&mut h);
            for b in claims.sub.bytes() {
                b.to_ascii_lowercase().hash(&mut h);
            }
        }
        Caller::ApiKey(key) if access.allows_api_key(key) => {
            1u8.hash(&mut h);
            key.hash(&mut h);
        }
        Caller::ApiKey(_) | Caller::Anonymous => {
            2u8.hash(&mut h);
            client_ip(req, hops).hash(&mut h);
        }
    }
    h.finish()
}

fn denied(status: StatusCode, error: &str, message: &str) -> Response {
    json_error(status, &ErrorBody::new(error, message))
}

impl<E: Endpoint, A: Adapters> Endpoint for ApiGuardEndpoint<E, A> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let path = req.uri().path();
        if !path.starts_with("/api/") {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let rate_limited = is_rate_limited(path);
        let gated = !GATE_EXEMPT.iter().any(|p| path.starts_with(p));
        req.headers_mut().remove("x-wallet-address");
        let state = &self.state;
        let caller = identify(&state.signer, req.headers());
        let access = state.access();

        let mut quota = None;
        if rate_limited {
            let key = rate_key(&caller, &access, &req, state.settings.trusted_proxy_hops);
            let limiter = state.fleet.limiter();
            let decision = limiter.check(key).await;
            quota = Some((limiter.limit(), decision));
            if let Decision::Deny { retry_after } = decision {
                state.metrics.rate_limited();
                return Ok(json_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    &ErrorBody::rate_limited(retry_after),
                ));
            }
        }

        if gated {
            let admitted = match &caller {
                Caller::ApiKey(key) => access.allows_api_key(key),
                Caller::Wallet(claims) => access.allows_wallet(&claims.sub),
                Caller::Anonymous => {
                    return Ok(denied(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "Authentication required",
                    ));
                }
            };
            if !admitted {
                return Ok(denied(StatusCode::FORBIDDEN, "forbidden", "Not authorized"));
            }
        }

        let verdict = state.payment.assess(caller.wallet());
        let tier = if gated {
            let conviction = match caller.wallet() {
                Some(wallet) => {
                    let request_id = req.extensions().get::<RequestId>();
                    conviction_of(state, request_id, wallet).await
                }
                None => Conviction::observer(),
            };
            let tier = conviction.tier;
            req.extensions_mut().insert(conviction);
            Some(tier)
        } else {
            None
        };
        req.extensions_mut().insert(caller);
        // `call`, not `get_response`: errors must reach the JSON error mapping outside.
        let mut resp = self.inner.call(req).await?.into_response();
        let headers = resp.headers_mut();
        if let Some((limit, Decision::Allow { remaining })) = quota {
            headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        }
        if let Some(tier) = tier {
            headers.insert("x-conviction-tier", HeaderValue::from_static(tier.as_str()));
        }
        if let PaymentVerdict::Scaffold { wallet } = verdict {
            headers.insert("x-payment-status", HeaderValue::from_static("scaffold"));
            if let Some(v) = wallet.and_then(|w| HeaderValue::from_str(&w).ok()) {
                headers.insert("x-payment-wallet", v);
            }
        }
        Ok(resp)
    }
}
