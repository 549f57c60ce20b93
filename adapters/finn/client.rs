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

use super::lookups::HoldingsCache;
use super::metrics::FinnMetrics;
use super::stream::{StreamTarget, default_ws_url};
use crate::adapters::redis::SharedCache;
use crate::core::autonomous::Permissions;
use crate::core::identity::OracleIdentity;
use crate::core::memory::{HistoryQuery, MemoryProjection, SealingPolicy};
use crate::core::ownership::{CircuitState, Ownership, UpstreamHealth};
use crate::core::personality::{Evolution, Personality};
use crate::core::ports::{
    AgentRuntime, CronRegistry, OracleSource, OwnershipResolver, PermissionSync, PersonalitySource,
    SoulMemory, StakingLookup, UpstreamProbe,
};
use crate::core::schedule::CronRegistration;
use crate::core::sessions::{SessionDetail, SessionList};
use crate::core::upstream::{
    Admission, Breaker, BreakerPolicy, CallContext, Transition, UpstreamError, map_finn_error,
};
use crate::telemetry::CallSpan;

#[derive(Debug, thiserror::Error)]
pub enum FinnInitError {
    #[error("FINN_URL is not a valid URL")]
    BadUrl,
    #[error("FINN_AUTH_TOKEN is not a valid header value")]
    BadToken,
    #[error("FINN_WS_URL is not a ws:// or wss:// URL")]
    BadStreamUrl,
    #[error("HTTP client could not be built: {0}")]
    Client(String),
}

/// Why one Finn call failed (logged; callers see `None` or an [`UpstreamError`]).
#[derive(Debug, thiserror::Error)]
pub(super) enum CallError {
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

/// One request to Finn.
#[derive(Clone, Copy)]
pub(super) struct Call<'a> {
    /// What the call is, for metrics (`sessions.create`, `beauvoir`, …).
    pub(super) op: &'static str,
    pub(super) method: &'a Method,
    pub(super) segments: &'a [&'a str],
    pub(super) query: &'a [(&'a str, &'a str)],
    pub(super) body: Option<&'a Value>,
    pub(super) ctx: Option<&'a CallContext>,
    /// Send the caller's wallet and memory context (session calls).
    pub(super) as_caller: bool,
}

impl<'a> Call<'a> {
    pub(super) fn get(op: &'static str, segments: &'a [&'a str]) -> Self {
        Call {
            op,
            method: &Method::GET,
            segments,
            query: &[],
            body: None,
            ctx: None,
            as_caller: false,
        }
    }

    pub(super) fn with(self, ctx: &'a CallContext) -> Self {
        Call {
            ctx: Some(ctx),
            ..self
        }
    }
}

#[derive(Clone)]
pub struct FinnClient {
    http: reqwest::Client,
    /// `Authorization: Bearer <FINN_AUTH_TOKEN>`, marked sensitive (never logged).
    auth: Option<reqwest::header::HeaderValue>,
    base: Arc<Url>,
    breaker: Arc<Mutex<Breaker>>,
    epoch: Instant,
    /// Each wallet's holdings, reused (by the clones of one client, and by the replicas when
    /// the cache is Redis's).
    holdings: HoldingsCache,
    /// Where and how the stream connects (token included: never logged).
    stream: Arc<StreamTarget>,
    metrics: FinnMetrics,
}

/// `/nft`: an older Finn's `{nftId}`, or Finn's deprecated `{nft: {collection, tokenId}}`
/// (whose canonical id is `collection:tokenId`, §14).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NftBody {
    nft_id: Option<String>,
    nft: Option<NftRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NftRef {
    collection: String,
    token_id: Value,
}

impl NftBody {
    fn id(self) -> Option<String> {
        let canonical = self.nft.and_then(|n| {
            let token = match n.token_id {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s,
                _ => return None,
            };
            (!n.collection.is_empty() && !token.is_empty())
                .then(|| format!("{}:{token}", n.collection))
        });
        self.nft_id.filter(|id| !id.is_empty()).or(canonical)
    }
}

/// `/nfts` (§14, §16): every dNFT of the wallet.
#[derive(Deserialize)]
struct NftsBody {
    nfts: Vec<NftEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NftEntry {
    nft_id: String,
    owner_wallet: Option<String>,
    #[serde(default)]
    delegated_wallets: Vec<String>,
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
/// A request body as JSON; a value that does not serialize (never expected) is logged and
/// answered as unavailability.
pub(super) fn json_body<T: serde::Serialize>(value: &T) -> Result<Value, UpstreamError> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(event = "finn_call_failed", detail = %e);
        UpstreamError::Unavailable
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::core::auth::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
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
        let stream = StreamTarget {
            base: default_ws_url(base_url)
                .and_then(|u| Url::parse(&u).ok())
                .ok_or(FinnInitError::BadUrl)?,
            token: None,
            timeout,
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .build()
            .map_err(|e| FinnInitError::Client(e.to_string()))?;
        Ok(FinnClient {
            http,
            auth: None,
            base: Arc::new(base),
            breaker: Arc::new(Mutex::new(Breaker::new(policy))),
            epoch: Instant::now(),
            holdings: HoldingsCache::default(),
            stream: Arc::new(stream),
            metrics: FinnMetrics::default(),
        })
    }

    /// Opens streams on `ws_url` (`FINN_WS_URL`) instead of the one derived from `FINN_URL`.
    pub fn with_stream_url(mut self, ws_url: Option<&str>) -> Result<Self, FinnInitError> {
        if let Some(ws_url) = ws_url {
            let base = Url::parse(ws_url).map_err(|_| FinnInitError::BadStreamUrl)?;
            if !matches!(base.scheme(), "ws" | "wss") || base.cannot_be_a_base() {
                return Err(FinnInitError::BadStreamUrl);
            }
            Arc::make_mut(&mut self.stream).base = base;
        }
        Ok(self)
    }

    pub(super) fn stream_target(&self) -> &StreamTarget {
        &self.stream
    }

    /// Sends `Authorization: Bearer <token>` on every call (Finn's `FINN_AUTH_TOKEN`, §14).
    pub fn with_auth_token(mut self, token: Option<&str>) -> Result<Self, FinnInitError> {
        self.auth = match token {
            None => None,
            Some(token) => {
                let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| FinnInitError::BadToken)?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Arc::make_mut(&mut self.stream).token = token.map(str::to_owned);
        Ok(self)
    }

    /// `base` + the given path segments, each percent-encoded (all but RFC 3986's unreserved
    /// characters, so a canonical `collection:tokenId` goes as `collection%3AtokenId`).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = (*self.base).clone();
        let mut path = url.path().trim_end_matches('/').to_owned();
        for segment in segments {
            path.push('/');
            for b in segment.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    path.push(char::from(b));
                } else {
                    path.push_str(&format!("%{b:02X}"));
                }
            }
        }
        url.set_path(&path);
        url
    }

    /// Reuses holdings through `cache` (the replicas' when it is Redis's).
    pub fn with_holdings_cache(mut self, cache: SharedCache) -> Self {
        self.holdings = HoldingsCache::on(cache);
        self
    }

    /// This client's call metrics (registered by wiring).
    pub fn metrics(&self) -> &FinnMetrics {
        &self.metrics
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
        self.metrics.circuit(to);
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
    pub(super) async fn call(
        &self,
        call: Call<'_>,
        answered: fn(u16) -> bool,
    ) -> Result<Value, CallError> {
        let (admission, transition) = self.with_breaker_state(|b, now| b.admit(now));
        self.log_transition(transition);
        if admission == Admission::Refuse {
            self.metrics.call(call.op, "refused", None);
            return Err(CallError::Open);
        }
        let started = Instant::now();
        let mut span = CallSpan::start(call.op, "loa-finn");
        let result = self.send(call).await;
        let failed = match &result {
            Ok(_) => false,
            Err(CallError::Status { status, .. }) => !answered(*status),
            Err(_) => true,
        };
        if failed {
            span.failed();
        }
        drop(span);
        let outcome = if failed { "error" } else { "ok" };
        self.metrics.call(call.op, outcome, Some(started.elapsed()));
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

    async fn send(&self, call: Call<'_>) -> Result<Value, CallError> {
        let mut url = self.url(call.segments);
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query);
        }
        let mut req = self
            .http
            .request(call.method.clone(), url.clone())
            .header("content-type", "application/json");
        if let Some(auth) = &self.auth {
            req = req.header(reqwest::header::AUTHORIZATION, auth.clone());
        }
        if let Some(ctx) = call.ctx {
            req = req.header("x-request-id", &ctx.request_id);
            if let Some(traceparent) = &ctx.traceparent {
                req = req.header("traceparent", traceparent);
            }
        }
        if let Some(ctx) = call.ctx.filter(|_| call.as_caller) {
            if let Some(wallet) = &ctx.wallet {
                req = req.header("x-wallet-address", wallet);
            }
            if let Some(memory) = &ctx.memory_context {
                req = req.header("x-memory-context", memory);
            }
        }
        if let Some(body) = call.body {
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

    /// A lookup: `Ok(None)` on 404, an error (logged) when Finn could not answer.
    pub(super) async fn lookup<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        ctx: &CallContext,
        what: &'static str,
    ) -> Result<Option<T>, UpstreamError> {
        let not_found = |s: u16| s == 404;
        let failed = |detail: &dyn std::fmt::Display| {
            tracing::warn!(event = "finn_lookup_failed", lookup = what, request_id = %ctx.request_id, detail = %detail);
        };
        match self
            .call(Call::get(what, segments).with(ctx), not_found)
            .await
        {
            Ok(value) => serde_json::from_value(value).map(Some).map_err(|e| {
                failed(&e);
                UpstreamError::Unavailable
            }),
            Err(CallError::Status { status: 404, .. }) => Ok(None),
            Err(CallError::Open) => Err(UpstreamError::CircuitOpen),
            Err(err) => {
                failed(&err);
                Err(UpstreamError::Unavailable)
            }
        }
    }

    /// A call on behalf of a client: a 4xx is Finn's answer, mapped per §6.2.
    async fn client_call(&self, call: Call<'_>) -> Result<Value, UpstreamError> {
        let client_error = |s: u16| (400..500).contains(&s);
        self.call(call, client_error).await.map_err(|err| {
            let request_id = call.ctx.map_or("", |c| c.request_id.as_str());
            tracing::warn!(event = "finn_call_failed", request_id, detail = %err);
            err.into_upstream()
        })
    }

    pub(super) async fn session_call(
        &self,
        op: &'static str,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        ctx: &CallContext,
        as_caller: bool,
    ) -> Result<Value, UpstreamError> {
        self.client_call(Call {
            op,
            method: &method,
            segments,
            query: &[],
            body,
            ctx: Some(ctx),
            as_caller,
        })
        .await
    }

    /// A Finn answer that must have the shape `T`; anything else is unavailability.
    pub(super) fn shaped<T: serde::de::DeserializeOwned>(
        value: Value,
        ctx: &CallContext,
    ) -> Result<T, UpstreamError> {
        serde_json::from_value(value).map_err(|e| {
            tracing::warn!(event = "finn_call_failed", request_id = %ctx.request_id, detail = %e);
            UpstreamError::Unavailable
        })
    }
}

impl FinnClient {
    /// A wallet's holdings from Finn: `/nfts` (§16), else (an older Finn, or one that does not
    /// mount it) `/ownership` (§6.3), else `/nft` — whose answer makes the wallet the owner.
    async fn ask_holdings(
        &self,
        ctx: &CallContext,
        wallet: &str,
    ) -> Result<Vec<Ownership>, UpstreamError> {
        let at = |leaf: &'static str| ["api", "identity", "wallet", wallet, leaf];
        if let Some(body) = self.lookup::<NftsBody>(&at("nfts"), ctx, "nfts").await? {
            return Ok(body
                .nfts
                .into_iter()
                .filter(|n| !n.nft_id.is_empty())
                .map(|n| Ownership {
                    nft_id: n.nft_id,
                    owner_wallet: n.owner_wallet.unwrap_or_else(|| wallet.to_owned()),
                    delegated_wallets: n.delegated_wallets,
                })
                .collect());
        }
        if let Some(o) = self
            .lookup::<OwnershipBody>(&at("ownership"), ctx, "ownership")
            .await?
        {
            return Ok(vec![Ownership {
                nft_id: o.nft_id,
                owner_wallet: o.owner_wallet,
                delegated_wallets: o.delegated_wallets,
            }]);
        }
        let nft = self.lookup::<NftBody>(&at("nft"), ctx, "nft").await?;
        Ok(nft
            .and_then(NftBody::id)
            .map(|nft_id| Ownership {
                nft_id,
                owner_wallet: wallet.to_owned(),
                delegated_wallets: Vec::new(),
            })
            .into_iter()
            .collect())
    }
}

impl OwnershipResolver for FinnClient {
    /// Reused per wallet: an answer 5 minutes, "none" 1 minute, a failure never.
    async fn holdings(
        &self,
        ctx: &CallContext,
        wallet: &str,
    ) -> Result<Vec<Ownership>, UpstreamError> {
        if let Some(answer) = self.holdings.get(wallet).await {
            return Ok(answer);
        }
        let holdings = self.ask_holdings(ctx, wallet).await?;
        self.holdings.put(wallet, &holdings).await;
        Ok(holdings)
    }
}

impl AgentRuntime for FinnClient {
    async fn start_session(
        &self,
        ctx: &CallContext,
        token_id: Option<&str>,
    ) -> Result<String, UpstreamError> {
        // Finn reads `token_id` only (201, or 200 from an older Finn; §14).
        let body = match token_id {
            Some(id) => serde_json::json!({ "token_id": id }),
            None => serde_json::json!({}),
        };
        let value = self
            .session_call(
                "sessions.create",
                Method::POST,
                &["api", "sessions"],
                Some(&body),
                ctx,
                true,
            )
            .await?;
        Self::shaped::<SessionStarted>(value, ctx).map(|s| s.session_id)
    }

    async fn send_message(
        &self,
        ctx: &CallContext,
        session_id: &str,
        prompt: &str,
    ) -> Result<Value, UpstreamError> {
        // Finn reads `text` (a `prompt` field is 400 INVALID_REQUEST there, §14).
        let body = serde_json::json!({ "text": prompt });
        self.session_call(
            "sessions.message",
            Method::POST,
            &["api", "sessions", session_id, "message"],
            Some(&body),
            ctx,
            true,
        )
        .await
    }

    async fn list_sessions(&self, ctx: &CallContext) -> Result<SessionList, UpstreamError> {
        let value = self
            .session_call(
                "sessions.list",
                Method::GET,
                &["api", "sessions"],
                None,
                ctx,
                true,
            )
            .await?;
        Self::shaped(value, ctx)
    }

    async fn get_session(
        &self,
        ctx: &CallContext,
        session_id: &str,
    ) -> Result<SessionDetail, UpstreamError> {
        let segments = ["api", "sessions", session_id];
        let value = self
            .session_call("sessions.get", Method::GET, &segments, None, ctx, false)
            .await?;
        Self::shaped(value, ctx)
    }
}

impl SoulMemory for FinnClient {
    async fn projection(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> Result<Option<MemoryProjection>, UpstreamError> {
        let segments = ["api", "memory", nft_id, "projection"];
        match self
            .client_call(Call::get("memory.projection", &segments).with(ctx))
            .await
        {
            Ok(value) => Self::shaped(value, ctx).map(Some),
            Err(UpstreamError::Answered { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn seal(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        conversation_id: &str,
        policy: &SealingPolicy,
    ) -> Result<Value, UpstreamError> {
        let body = serde_json::json!({"conversationId": conversation_id, "sealingPolicy": policy});
        self.session_call(
            "memory.seal",
            Method::POST,
            &["api", "memory", nft_id, "seal"],
            Some(&body),
            ctx,
            false,
        )
        .await
    }

    async fn history(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        query: &HistoryQuery,
    ) -> Result<Value, UpstreamError> {
        let limit = query.limit.to_string();
        let include = if query.include_sealed {
            "true"
        } else {
            "false"
        };
        let mut params = vec![("limit", limit.as_str()), ("includeSealed", include)];
        if let Some(cursor) = &query.cursor {
            params.push(("cursor", cursor));
        }
        let segments = ["api", "memory", nft_id, "history"];
        self.client_call(Call {
            query: &params,
            ..Call::get("memory.history", &segments).with(ctx)
        })
        .await
    }

    async fn delete_conversation(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        conversation_id: &str,
    ) -> Result<(), UpstreamError> {
        self.session_call(
            "memory.delete",
            Method::DELETE,
            &["api", "memory", nft_id, conversation_id],
            None,
            ctx,
            false,
        )
        .await
        .map(|_| ())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CronRegistered {
    cron_id: String,
}

impl CronRegistry for FinnClient {
    async fn register_cron(
        &self,
        ctx: &CallContext,
        registration: &CronRegistration,
    ) -> Result<String, UpstreamError> {
        let body = json_body(registration)?;
        let value = self
            .session_call(
                "cron.register",
                Method::POST,
                &["api", "cron", "register"],
                Some(&body),
                ctx,
                false,
            )
            .await?;
        Self::shaped::<CronRegistered>(value, ctx).map(|r| r.cron_id)
    }

    async fn cancel_cron(&self, ctx: &CallContext, cron_id: &str) -> Result<(), UpstreamError> {
        self.session_call(
            "cron.cancel",
            Method::DELETE,
            &["api", "cron", cron_id],
            None,
            ctx,
            false,
        )
        .await
        .map(|_| ())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StakingBody {
    bgt_staked: Value,
}

impl StakingLookup for FinnClient {
    async fn bgt_staked(&self, ctx: &CallContext, wallet: &str) -> Option<f64> {
        let segments = ["api", "conviction", wallet, "staking"];
        let call = Call::get("staking", &segments).with(ctx);
        match self.call(call, |s| s == 404).await {
            Ok(value) => {
                let staked = serde_json::from_value::<StakingBody>(value)
                    .ok()
                    .and_then(|b| match b.bgt_staked {
                        Value::Number(n) => n.as_f64(),
                        Value::String(s) => s.parse::<f64>().ok(),
                        _ => None,
                    })
                    .filter(|b| b.is_finite() && *b >= 0.0);
                if staked.is_none() {
                    tracing::warn!(
                        event = "finn_lookup_failed",
                        lookup = "staking",
                        detail = "bgtStaked is not a number"
                    );
                }
                staked
            }
            Err(CallError::Status { status: 404, .. }) => Some(0.0),
            Err(err) => {
                tracing::warn!(event = "finn_lookup_failed", lookup = "staking", detail = %err);
                None
            }
        }
    }
}

impl OracleSource for FinnClient {
    async fn oracle_identity(&self, ctx: &CallContext) -> Result<OracleIdentity, UpstreamError> {
        let segments = ["api", "identity", "oracle"];
        match self
            .lookup::<OracleIdentity>(&segments, ctx, "oracle")
            .await?
        {
            Some(identity) => Ok(identity),
            None => {
                tracing::warn!(
                    event = "finn_lookup_failed",
                    lookup = "oracle",
                    request_id = %ctx.request_id,
                    detail = "404"
                );
                Err(UpstreamError::Unavailable)
            }
        }
    }
}

impl PermissionSync for FinnClient {
    async fn push_permissions(
        &self,
        ctx: &CallContext,
        permissions: &Permissions,
    ) -> Result<(), UpstreamError> {
        let body = json_body(permissions)?;
        let segments = [
            "api",
            "autonomous",
            permissions.nft_id.as_str(),
            "permissions",
        ];
        self.session_call(
            "autonomous.permissions",
            Method::PUT,
            &segments,
            Some(&body),
            ctx,
            false,
        )
        .await
        .map(|_| ())
    }
}

impl PersonalitySource for FinnClient {
    async fn personality(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> Result<Option<Personality>, UpstreamError> {
        let segments = ["api", "identity", nft_id, "beauvoir"];
        self.lookup(&segments, ctx, "beauvoir").await
    }

    async fn evolution(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> Result<Option<Vec<Evolution>>, UpstreamError> {
        let segments = ["api", "identity", nft_id, "evolution"];
        self.lookup(&segments, ctx, "evolution").await
    }
}

impl UpstreamProbe for FinnClient {
    async fn probe_upstream(&self) -> UpstreamHealth {
        let start = Instant::now();
        let result = self.send(Call::get("health", &["health"])).await;
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
        assert_eq!(
            c.url(&["api", "memory", "mibera:42", "projection"]).path(),
            "/prefix/api/memory/mibera%3A42/projection"
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
