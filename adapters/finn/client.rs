//! HTTP client for Finn (`FINN_URL`): per-call timeout, circuit breaker, error mapping,
//! request-id propagation and idempotency headers on writes (contract §6).
//!
//! Every call except the health probe goes through the breaker. What counts as a failure:
//! a network error, a timeout, a 5xx, or a 2xx whose body is not JSON. Any other answer —
//! including 404 on a lookup and 4xx on a session call — is an answer, not a failure (D11).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;

use crate::core::ownership::{CircuitState, Ownership, UpstreamHealth};
use crate::core::ports::{AgentRuntime, OwnershipResolver, UpstreamProbe};
use crate::core::upstream::{
    Admission, Breaker, BreakerPolicy, CallContext, Transition, UpstreamError, map_finn_error,
};

#[derive(Debug, thiserror::Error)]
pub enum FinnInitError {
    #[error("FINN_URL is not a valid URL")]
    BadUrl,
    #[error("HTTP client could not be built: {0}")]
    Client(String),
}

/// Why one Finn call failed (logged; callers see `None` or an [`UpstreamError`]).
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("circuit open")]
    Open,
    #[error("network or timeout: {0}")]
    Transport(String),
    #[error("HTTP {status}")]
    Status { status: u16, body: Option<Value> },
    #[error("body is not the expected JSON: {0}")]
    Body(String),
}

impl CallError {
    fn into_upstream(self) -> UpstreamError {
        match self {
            CallError::Open => UpstreamError::CircuitOpen,
            CallError::Transport(_) | CallError::Body(_) => UpstreamError::Unavailable,
            CallError::Status { status, body } => {
                let field = |name: &str| {
                    body.as_ref()
                        .and_then(|b| b.get(name))
                        .and_then(Value::as_str)
                };
                map_finn_error(status, field("code"), field("message"))
            }
        }
    }
}

#[derive(Clone)]
pub struct FinnClient {
    http: reqwest::Client,
    base: Arc<Url>,
    breaker: Arc<Mutex<Breaker>>,
    epoch: Instant,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NftBody {
    nft_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnershipBody {
    nft_id: String,
    owner_wallet: String,
    #[serde(default)]
    delegated_wallets: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionStarted {
    session_id: String,
}

/// Lowercase hex of SHA-256.
fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `X-Req-Hash` and `X-Idempotency-Key` of a write (§6.1; tenant `anonymous`).
fn idempotency_headers(path: &str, body: &[u8]) -> (String, String) {
    let req_hash = format!("sha256:{}", sha256_hex(body));
    let key_input = serde_json::json!(["anonymous", req_hash, "loa-finn", path]).to_string();
    (req_hash, sha256_hex(key_input.as_bytes()))
}

impl FinnClient {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, FinnInitError> {
        FinnClient::with_breaker(base_url, timeout, BreakerPolicy::default())
    }

    pub fn with_breaker(
        base_url: &str,
        timeout: Duration,
        policy: BreakerPolicy,
    ) -> Result<Self, FinnInitError> {
        let base = Url::parse(base_url).map_err(|_| FinnInitError::BadUrl)?;
        if base.cannot_be_a_base() {
            return Err(FinnInitError::BadUrl);
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .build()
            .map_err(|e| FinnInitError::Client(e.to_string()))?;
        Ok(FinnClient {
            http,
            base: Arc::new(base),
            breaker: Arc::new(Mutex::new(Breaker::new(policy))),
            epoch: Instant::now(),
        })
    }

    /// `base` + the given path segments, each percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = (*self.base).clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    pub fn circuit_state(&self) -> CircuitState {
        self.breaker
            .lock()
            .map(|b| b.state())
            .unwrap_or(CircuitState::Open)
    }

    fn with_breaker_state<T>(&self, f: impl FnOnce(&mut Breaker, Duration) -> T) -> T {
        let now = self.epoch.elapsed();
        match self.breaker.lock() {
            Ok(mut b) => f(&mut b, now),
            Err(poisoned) => f(&mut poisoned.into_inner(), now),
        }
    }

    fn log_transition(&self, transition: Option<Transition>) {
        let Some((from, to)) = transition else { return };
        let failures = self.with_breaker_state(|b, _| b.consecutive_failures());
        let (from, to) = (from.as_str(), to.as_str());
        match to {
            "open" => tracing::error!(
                event = "circuit_breaker_transition",
                service = "loa-finn",
                from,
                to,
                consecutive_failures = failures
            ),
            "half_open" => tracing::warn!(
                event = "circuit_breaker_transition",
                service = "loa-finn",
                from,
                to,
                consecutive_failures = failures
            ),
            _ => tracing::info!(
                event = "circuit_breaker_transition",
                service = "loa-finn",
                from,
                to,
                consecutive_failures = failures
            ),
        }
    }

    /// One call through the breaker. `answered(status)` says which non-2xx statuses are
    /// answers rather than failures.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        ctx: Option<&CallContext>,
        forward_wallet: bool,
        answered: fn(u16) -> bool,
    ) -> Result<Value, CallError> {
        let (admission, transition) = self.with_breaker_state(|b, now| b.admit(now));
        self.log_transition(transition);
        if admission == Admission::Refuse {
            return Err(CallError::Open);
        }
        let result = self.send(method, segments, body, ctx, forward_wallet).await;
        let failed = match &result {
            Ok(_) => false,
            Err(CallError::Status { status, .. }) => !answered(*status),
            Err(_) => true,
        };
        let transition = self.with_breaker_state(|b, now| {
            if failed {
                b.on_failure(now)
            } else {
                b.on_success()
            }
        });
        self.log_transition(transition);
        result
    }

    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        ctx: Option<&CallContext>,
        forward_wallet: bool,
    ) -> Result<Value, CallError> {
        let url = self.url(segments);
        let mut req = self
            .http
            .request(method, url.clone())
            .header("content-type", "application/json");
        if let Some(ctx) = ctx {
            req = req.header("x-request-id", &ctx.request_id);
            if forward_wallet && let Some(wallet) = &ctx.wallet {
                req = req.header("x-wallet-address", wallet);
            }
        }
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| CallError::Body(e.to_string()))?;
            let (req_hash, key) = idempotency_headers(url.path(), &bytes);
            req = req
                .header("x-req-hash", req_hash)
                .header("x-idempotency-key", key)
                .body(bytes);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        if !status.is_success() {
            return Err(CallError::Status {
                status: status.as_u16(),
                body: serde_json::from_slice(&bytes).ok(),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| CallError::Body(e.to_string()))
    }

    async fn lookup<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        what: &'static str,
    ) -> Option<T> {
        let not_found = |s: u16| s == 404;
        match self
            .call(Method::GET, segments, None, None, false, not_found)
            .await
        {
            Ok(value) => match serde_json::from_value(value) {
                Ok(body) => Some(body),
                Err(e) => {
                    tracing::warn!(event = "finn_lookup_failed", lookup = what, detail = %e);
                    None
                }
            },
            Err(CallError::Status { status: 404, .. }) => None,
            Err(err) => {
                tracing::warn!(event = "finn_lookup_failed", lookup = what, detail = %err);
                None
            }
        }
    }

    async fn session_call(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        ctx: &CallContext,
        forward_wallet: bool,
    ) -> Result<Value, UpstreamError> {
        let client_error = |s: u16| (400..500).contains(&s);
        self.call(
            method,
            segments,
            body,
            Some(ctx),
            forward_wallet,
            client_error,
        )
        .await
        .map_err(|err| {
            tracing::warn!(event = "finn_call_failed", request_id = %ctx.request_id, detail = %err);
            err.into_upstream()
        })
    }
}

impl OwnershipResolver for FinnClient {
    async fn resolve_nft_id(&self, wallet: &str) -> Option<String> {
        self.lookup::<NftBody>(&["api", "identity", "wallet", wallet, "nft"], "nft")
            .await
            .and_then(|b| b.nft_id)
            .filter(|id| !id.is_empty())
    }

    async fn resolve_ownership(&self, wallet: &str) -> Option<Ownership> {
        self.lookup::<OwnershipBody>(
            &["api", "identity", "wallet", wallet, "ownership"],
            "ownership",
        )
        .await
        .map(|body| Ownership {
            nft_id: body.nft_id,
            owner_wallet: body.owner_wallet,
            delegated_wallets: body.delegated_wallets,
        })
    }
}

impl AgentRuntime for FinnClient {
    async fn start_session(
        &self,
        ctx: &CallContext,
        prompt: &str,
    ) -> Result<String, UpstreamError> {
        let body = serde_json::json!({"agentId": "oracle", "prompt": prompt});
        let value = self
            .session_call(Method::POST, &["api", "sessions"], Some(&body), ctx, true)
            .await?;
        serde_json::from_value::<SessionStarted>(value)
            .map(|s| s.session_id)
            .map_err(|e| {
                tracing::warn!(event = "finn_call_failed", request_id = %ctx.request_id, detail = %e);
                UpstreamError::Unavailable
            })
    }

    async fn send_message(
        &self,
        ctx: &CallContext,
        session_id: &str,
        prompt: &str,
    ) -> Result<Value, UpstreamError> {
        let body = serde_json::json!({ "prompt": prompt });
        self.session_call(
            Method::POST,
            &["api", "sessions", session_id, "message"],
            Some(&body),
            ctx,
            true,
        )
        .await
    }

    async fn list_sessions(&self, ctx: &CallContext) -> Result<Value, UpstreamError> {
        self.session_call(Method::GET, &["api", "sessions"], None, ctx, true)
            .await
    }

    async fn get_session(
        &self,
        ctx: &CallContext,
        session_id: &str,
    ) -> Result<Value, UpstreamError> {
        self.session_call(
            Method::GET,
            &["api", "sessions", session_id],
            None,
            ctx,
            false,
        )
        .await
    }
}

impl UpstreamProbe for FinnClient {
    async fn probe_upstream(&self) -> UpstreamHealth {
        let start = Instant::now();
        let result = self.send(Method::GET, &["health"], None, None, false).await;
        let latency_ms = start.elapsed().as_millis() as u64;
        if let Err(err) = &result {
            tracing::warn!(event = "finn_health_failed", detail = %err);
        }
        UpstreamHealth {
            reachable: result.is_ok(),
            latency_ms,
            circuit: self.circuit_state(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_and_base_path_kept() {
        let c = FinnClient::new("http://finn.local:3000/prefix/", Duration::from_secs(1)).unwrap();
        assert_eq!(
            c.url(&["api", "identity", "wallet", "0xAb/../x?y", "nft"])
                .as_str(),
            "http://finn.local:3000/prefix/api/identity/wallet/0xAb%2F..%2Fx%3Fy/nft"
        );
    }

    #[test]
    fn idempotency_key_hashes_tenant_body_hash_service_and_path() {
        let (req_hash, key) = idempotency_headers("/api/sessions", br#"{"prompt":"hi"}"#);
        assert_eq!(
            req_hash,
            format!("sha256:{}", sha256_hex(br#"{"prompt":"hi"}"#))
        );
        let input = format!(r#"["anonymous","{req_hash}","loa-finn","/api/sessions"]"#);
        assert_eq!(key, sha256_hex(input.as_bytes()));
        assert_eq!(key.len(), 64);
    }
}
