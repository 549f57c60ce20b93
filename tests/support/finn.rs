//! A Finn stand-in: a real poem HTTP and WebSocket server on a loopback port speaking Finn's
//! wire as it is (CONTRACT §14), with per-endpoint failure injection.
//!
//! One file for the whole stand-in (so that the bench example can include it by path).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json, Path};
use poem::{EndpointExt, IntoResponse, Response, Route, Server, get, handler};
use serde_json::json;

/// What an endpoint does on its next calls.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Normal,
    Status(u16),
    /// An error answer with Finn's JSON `code`.
    Code(u16, &'static str),
    DelayMs(u64),
}

/// What the stand-in received on one endpoint's last call.
#[derive(Clone, Debug, Default)]
pub struct Received {
    pub headers: poem::http::HeaderMap,
    pub body: Vec<u8>,
}

/// What Finn knows about one wallet's dNFT.
#[derive(Clone, Debug)]
pub struct Owned {
    pub nft_id: String,
    pub owner_wallet: String,
    pub delegated_wallets: Vec<String>,
}

#[derive(Default)]
pub struct StandinState {
    modes: Mutex<HashMap<&'static str, Mode>>,
    /// keyed by lowercase wallet: its dNFTs, primary first
    owners: Mutex<HashMap<String, Vec<Owned>>>,
    /// `/nft` answers Finn 858dbf41's `{nft: {collection, tokenId, title}}` instead of `{nftId}`.
    deprecated_nft_shape: std::sync::atomic::AtomicBool,
    calls: Mutex<HashMap<&'static str, u64>>,
    received: Mutex<HashMap<&'static str, Received>>,
    /// BGT staked, keyed by lowercase wallet (unknown wallets: 404)
    stakes: Mutex<HashMap<String, f64>>,
    /// Memory projections by nftId (unknown: 404)
    projections: Mutex<HashMap<String, serde_json::Value>>,
    /// Finn's bearer token (§14): when set, every `/api/*` call must carry it.
    token: Mutex<Option<String>>,
    /// The stream's behaviour (`/ws/{id}`).
    ws: Mutex<WsBehaviour>,
    /// Prompt texts received over streams, in order.
    ws_prompts: Mutex<Vec<String>>,
    /// Streams open now.
    ws_open: std::sync::atomic::AtomicUsize,
    /// BEAUVOIR personalities and their evolution by nftId (unknown: 404).
    personalities: Mutex<HashMap<String, (serde_json::Value, serde_json::Value)>>,
    /// Model and cost a message reply reports (Finn 858dbf41 reports neither).
    economics: Mutex<Option<(String, u64)>>,
    /// Token-bound accounts by lowercase address: (nftContract, tokenId, owner wallet).
    tbas: Mutex<HashMap<String, (String, u64, String)>>,
    /// What `POST /api/chat` answers: model, input and output tokens.
    agent_answer: Mutex<Option<(String, u64, u64)>>,
}

/// How the stand-in's stream behaves.
#[derive(Clone, Debug, Default)]
pub struct WsBehaviour {
    /// The first this many prompts of each stream are answered "Session not initializing".
    pub not_ready: u32,
    /// Refuse the upgrade with this status.
    pub refuse: Option<u16>,
    /// Drop the connection after the first `text_delta` of a turn.
    pub drop_mid_turn: bool,
    /// Close each stream at once with this code (after an error frame).
    pub close_with: Option<u16>,
}

impl StandinState {
    /// Records a call to `endpoint` and applies its mode: `Some` is the injected answer.
    async fn enter(
        &self,
        endpoint: &'static str,
        headers: &poem::http::HeaderMap,
        body: &[u8],
    ) -> Option<Response> {
        self.record(endpoint, headers, body);
        apply(self.mode(endpoint)).await
    }

    /// The dNFTs `wallet` holds, primary first.
    fn owned(&self, wallet: &str) -> Vec<Owned> {
        let owners = self.owners.lock().unwrap();
        owners
            .get(&wallet.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    fn record(&self, endpoint: &'static str, headers: &poem::http::HeaderMap, body: &[u8]) {
        self.received.lock().unwrap().insert(
            endpoint,
            Received {
                headers: headers.clone(),
                body: body.to_vec(),
            },
        );
    }

    fn mode(&self, endpoint: &'static str) -> Mode {
        *self.calls.lock().unwrap().entry(endpoint).or_default() += 1;
        self.modes
            .lock()
            .unwrap()
            .get(endpoint)
            .cloned()
            .unwrap_or(Mode::Normal)
    }
}

#[derive(Clone)]
pub struct FinnStandin {
    pub addr: SocketAddr,
    pub state: Arc<StandinState>,
}

impl FinnStandin {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_mode(&self, endpoint: &'static str, mode: Mode) {
        self.state.modes.lock().unwrap().insert(endpoint, mode);
    }

    pub fn calls(&self, endpoint: &'static str) -> u64 {
        self.state
            .calls
            .lock()
            .unwrap()
            .get(endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Requires `Authorization: Bearer <token>` on every `/api/*` call, as Finn does when it has
    /// a token configured (401 `AUTH_REQUIRED` / `AUTH_INVALID` otherwise).
    pub fn require_token(&self, token: &str) {
        *self.state.token.lock().unwrap() = Some(token.to_owned());
    }

    pub fn set_ws(&self, behaviour: WsBehaviour) {
        *self.state.ws.lock().unwrap() = behaviour;
    }

    /// Prompt texts Finn received over streams, in order.
    pub fn ws_prompts(&self) -> Vec<String> {
        self.state.ws_prompts.lock().unwrap().clone()
    }

    /// Streams open on the stand-in now.
    pub fn ws_open(&self) -> usize {
        self.state.ws_open.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Headers and body of the last call to `endpoint`.
    pub fn received(&self, endpoint: &'static str) -> Option<Received> {
        self.state.received.lock().unwrap().get(endpoint).cloned()
    }

    pub fn set_stake(&self, wallet: &str, bgt: f64) {
        self.state
            .stakes
            .lock()
            .unwrap()
            .insert(wallet.to_lowercase(), bgt);
    }

    /// Stores a projection for `nft_id` with the given access policy type and summary.
    pub fn set_projection(&self, nft_id: &str, policy: serde_json::Value, summary: &str) {
        self.state.projections.lock().unwrap().insert(
            nft_id.to_owned(),
            json!({
                "nftId": nft_id,
                "activeContext": {
                    "summary": summary,
                    "recentTopics": ["rust", "cron"],
                    "unresolvedQuestions": ["what next?"],
                    "interactionCount": 7,
                    "lastInteraction": "2026-11-20T10:00:00.000Z"
                },
                "conversationCount": 4,
                "sealedConversationCount": 1,
                "lastInteraction": "2026-11-20T10:00:00.000Z",
                "accessPolicy": policy,
                "personalityDrift": {
                    "formality": 0.25, "technicality": 0.75, "verbosity": 0.5,
                    "updatedAt": "2026-11-19T00:00:00.000Z"
                },
                "topicClusters": [],
                "updatedAt": "2026-11-20T10:00:00.000Z"
            }),
        );
    }

    /// Makes `delegate`'s lookups answer `owner`'s dNFTs (owner and delegates as `owner`'s).
    pub fn add_delegate(&self, delegate: &str, owner: &str) {
        let mut owners = self.state.owners.lock().unwrap();
        let owned = owners
            .get(&owner.to_lowercase())
            .cloned()
            .expect("owner added first");
        owners.insert(delegate.to_lowercase(), owned);
    }

    /// Gives `wallet` one more dNFT (its first is its primary).
    pub fn add_owner(&self, wallet: &str, nft_id: &str, delegates: &[&str]) {
        self.state
            .owners
            .lock()
            .unwrap()
            .entry(wallet.to_lowercase())
            .or_default()
            .push(Owned {
                nft_id: nft_id.to_owned(),
                owner_wallet: wallet.to_owned(),
                delegated_wallets: delegates.iter().map(|d| (*d).to_owned()).collect(),
            });
    }

    /// Finn knows a personality for `nft_id` (version 3, two evolution steps).
    pub fn set_personality(&self, nft_id: &str, name: &str) {
        let personality = json!({
            "nftId": nft_id, "name": name, "traits": ["curious", "warm"],
            "antiNarration": ["never narrates its own actions"],
            "damp96Summary": {"warmth": 0.7, "formality": 0.2},
            "version": 3, "lastEvolved": "2026-11-30T12:00:00Z"
        });
        let evolution = json!([
            {"version": 2, "timestamp": "2026-11-01T00:00:00Z", "changes": ["warmer"],
             "trigger": "interaction_pattern"},
            {"version": 3, "timestamp": "2026-11-30T12:00:00Z", "changes": ["more curious"],
             "trigger": "compound_learning"}
        ]);
        self.state
            .personalities
            .lock()
            .unwrap()
            .insert(nft_id.to_owned(), (personality, evolution));
    }

    /// Message replies report `model` and `cost_micro_usd`.
    pub fn report_economics(&self, model: &str, cost_micro_usd: u64) {
        *self.state.economics.lock().unwrap() = Some((model.to_owned(), cost_micro_usd));
    }

    /// Makes `tba` the token-bound account of `nft_contract`/`token_id`, owned by `owner`:
    /// `verify-tba` accepts a signature of `owner` (and only of `owner`) for it.
    pub fn add_tba(&self, tba: &str, nft_contract: &str, token_id: u64, owner: &str) {
        self.state.tbas.lock().unwrap().insert(
            tba.to_lowercase(),
            (nft_contract.to_owned(), token_id, owner.to_owned()),
        );
    }

    /// The model and token counts `POST /api/chat` reports.
    pub fn set_agent_answer(&self, model: &str, input_tokens: u64, output_tokens: u64) {
        *self.state.agent_answer.lock().unwrap() =
            Some((model.to_owned(), input_tokens, output_tokens));
    }

    /// Speaks like Finn at 858dbf41: `/nfts` and `/ownership` are not mounted (404) and `/nft`
    /// answers `{nft: {collection, tokenId, title}}` (the canonical id must be built).
    pub fn speak_like_finn_858dbf41(&self) {
        self.set_mode("nfts", Mode::Status(404));
        self.set_mode("ownership", Mode::Status(404));
        self.state
            .deprecated_nft_shape
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn apply(mode: Mode) -> Option<Response> {
    match mode {
        Mode::Normal => None,
        Mode::Status(code) => Some(
            (
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                Json(json!({"code": "INJECTED", "message": "injected failure"})),
            )
                .into_response(),
        ),
        Mode::Code(code, finn_code) => Some(
            (
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                Json(json!({"code": finn_code, "message": "injected failure"})),
            )
                .into_response(),
        ),
        Mode::DelayMs(ms) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            None
        }
    }
}

#[handler]
async fn health(state: Data<&Arc<StandinState>>) -> Response {
    if let Some(r) = apply(state.mode("health")).await {
        return r;
    }
    Json(json!({"status": "ok", "version": "standin"})).into_response()
}

#[handler]
async fn wallet_nft(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(wallet): Path<String>,
) -> Response {
    if let Some(r) = state.enter("nft", req.headers(), b"").await {
        return r;
    }
    let first = state.owned(&wallet).into_iter().next();
    if state
        .deprecated_nft_shape
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        // Finn 858dbf41: 200 with `nft` or null, never an `nftId`.
        let nft = first.map(|o| {
            let (collection, token) = o.nft_id.split_once(':').unwrap_or(("unknown", "0"));
            json!({"collection": collection, "tokenId": token.parse::<u64>().unwrap_or(0),
                   "title": format!("{collection} #{token}")})
        });
        return Json(json!({ "nft": nft }))
            .with_header("deprecation", "true")
            .with_header("sunset", "2026-09-01")
            .into_response();
    }
    match first {
        Some(owned) => Json(json!({ "nftId": owned.nft_id })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND"}))).into_response(),
    }
}

/// `/api/identity/oracle` (§1.5.7; not served by Finn 858dbf41, which answers 404).
#[handler]
async fn oracle(state: Data<&Arc<StandinState>>, req: &poem::Request) -> Response {
    if let Some(r) = state.enter("oracle", req.headers(), b"").await {
        return r;
    }
    Json(json!({"nftId": "mibera:1", "name": "The Honey Oracle",
        "damp96_summary": {"traits": 96}, "beauvoir_hash": "sha256:beauvoir"}))
    .into_response()
}

/// `/nfts` (§14, §16): every dNFT of the wallet.
#[handler]
async fn wallet_nfts(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(wallet): Path<String>,
) -> Response {
    if let Some(r) = state.enter("nfts", req.headers(), b"").await {
        return r;
    }
    let all = state.owned(&wallet);
    let nfts: Vec<_> = all
        .iter()
        .map(|o| {
            let token = o.nft_id.split_once(':').map_or("0", |(_, t)| t);
            json!({"nftId": o.nft_id, "contractAddress": "0x00000000000000000000000000000000000000c0",
                   "tokenId": token.parse::<u64>().unwrap_or(0), "ownerWallet": o.owner_wallet,
                   "delegatedWallets": o.delegated_wallets})
        })
        .collect();
    Json(json!({ "nfts": nfts })).into_response()
}

#[handler]
async fn wallet_ownership(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(wallet): Path<String>,
) -> Response {
    if let Some(r) = state.enter("ownership", req.headers(), b"").await {
        return r;
    }
    let first = state.owned(&wallet).into_iter().next();
    match first {
        Some(owned) => Json(json!({
            "nftId": owned.nft_id,
            "ownerWallet": owned.owner_wallet,
            "delegatedWallets": owned.delegated_wallets,
        }))
        .into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND"}))).into_response(),
    }
}

#[handler]
async fn session_create(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    if let Some(r) = state
        .enter(
            "sessions.create",
            req.headers(),
            body.0.to_string().as_bytes(),
        )
        .await
    {
        return r;
    }
    // Finn reads `token_id` only and ignores a prompt; it answers 201 (§14).
    let n = state.calls.lock().unwrap()["sessions.create"];
    let id = format!("sess-{n}");
    let mut body = json!({"sessionId": id, "created": true, "wsUrl": format!("/ws/{id}")});
    if let Some(token_id) = body_token_id(&body_of(&state, "sessions.create")) {
        body["personality"] = json!({"agent_name": format!("agent of {token_id}"),
            "archetype": "oracle", "era": "first"});
    }
    (StatusCode::CREATED, Json(body)).into_response()
}

fn body_of(state: &StandinState, endpoint: &'static str) -> serde_json::Value {
    let received = state.received.lock().unwrap();
    received
        .get(endpoint)
        .and_then(|r| serde_json::from_slice(&r.body).ok())
        .unwrap_or_default()
}

fn body_token_id(body: &serde_json::Value) -> Option<String> {
    body.get("token_id")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
}

/// `/ws/{id}?token=`: Finn's stream (§14). Token only in the query; a bad one is a raw 401.
#[handler]
async fn stream(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(id): Path<String>,
    socket: poem::web::websocket::WebSocket,
) -> Response {
    state.record("ws", req.headers(), b"");
    let wanted = state.token.lock().unwrap().clone();
    let sent = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")))
        .map(str::to_owned);
    if wanted.is_some() && sent != wanted {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let behaviour = state.ws.lock().unwrap().clone();
    if let Some(status) = behaviour.refuse {
        return StatusCode::from_u16(status)
            .unwrap_or(StatusCode::BAD_GATEWAY)
            .into_response();
    }
    let state = state.0.clone();
    socket
        .on_upgrade(move |ws| serve_stream(state, id, behaviour, ws))
        .into_response()
}

async fn serve_stream(
    state: Arc<StandinState>,
    _id: String,
    behaviour: WsBehaviour,
    mut ws: poem::web::websocket::WebSocketStream,
) {
    use futures_util::{SinkExt, StreamExt};
    use poem::web::websocket::{CloseCode, Message};
    use std::sync::atomic::Ordering;
    state.ws_open.fetch_add(1, Ordering::SeqCst);
    let send = |kind: &str, data: serde_json::Value| {
        Message::Text(json!({"type": kind, "data": data}).to_string())
    };
    let mut not_ready = behaviour.not_ready;
    if let Some(code) = behaviour.close_with {
        let _ = ws
            .send(send(
                "error",
                json!({"message": "Session not found", "recoverable": false}),
            ))
            .await;
        let _ = ws
            .send(Message::close_with(CloseCode::from(code), "closed"))
            .await;
    }
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let frame: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        match frame["type"].as_str().unwrap_or("") {
            "ping" => {
                let _ = ws.send(send("pong", json!({}))).await;
            }
            "prompt" => {
                let text = frame["data"]["text"].as_str().unwrap_or("").to_owned();
                if not_ready > 0 {
                    not_ready -= 1;
                    let _ = ws
                        .send(send(
                            "error",
                            json!({"message": "Session not initializing",
                            "recoverable": true}),
                        ))
                        .await;
                    continue;
                }
                state.ws_prompts.lock().unwrap().push(text.clone());
                // A turn's frames go out together (feed, then one flush), as a runtime with
                // TCP_NODELAY would send them; the stand-in's listener cannot set it.
                if text.contains("tool") {
                    let _ = ws
                        .feed(send(
                            "tool_start",
                            json!({"toolName": "search", "args": {"q": text}}),
                        ))
                        .await;
                    let _ = ws
                        .feed(send(
                            "tool_end",
                            json!({"toolName": "search", "result": "1 hit",
                            "isError": false}),
                        ))
                        .await;
                }
                // One whole-message delta per assistant message (§14), or many for "flood".
                if text.starts_with("flood") {
                    for _ in 0..4000 {
                        let delta = json!({"delta": "x".repeat(16_384)});
                        if ws.send(send("text_delta", delta)).await.is_err() {
                            break;
                        }
                    }
                } else {
                    let _ = ws
                        .feed(send(
                            "text_delta",
                            json!({"delta": format!("echo: {text}")}),
                        ))
                        .await;
                }
                if behaviour.drop_mid_turn {
                    let _ = ws.flush().await;
                    break;
                }
                let _ = ws.feed(send("turn_end", json!({}))).await;
                let _ = ws.send(send("agent_end", json!({}))).await;
            }
            _ => {}
        }
    }
    state.ws_open.fetch_sub(1, Ordering::SeqCst);
}

#[handler]
async fn session_message(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(id): Path<String>,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    if let Some(r) = state
        .enter(
            "sessions.message",
            req.headers(),
            body.0.to_string().as_bytes(),
        )
        .await
    {
        return r;
    }
    // Finn reads `text` only (§14): a message without it is 400 INVALID_REQUEST.
    let Some(text) = body.0["text"].as_str().filter(|t| !t.trim().is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "text is required", "code": "INVALID_REQUEST"})),
        )
            .into_response();
    };
    let n = state.calls.lock().unwrap()["sessions.message"];
    // `search <query>` makes the turn call a tool: Finn reports `{name, args, result}` with the
    // result as text (§14).
    let tool_calls = match text.strip_prefix("search ") {
        Some(query) => json!([{"name": "search", "args": {"query": query}, "result": "1 hit"}]),
        None => json!([]),
    };
    let mut reply = json!({
        "sessionId": id,
        "messageId": format!("msg-{n}"),
        "response": format!("echo: {text}"),
        "toolCalls": tool_calls,
    });
    if let Some((model, cost)) = state.economics.lock().unwrap().clone() {
        reply["model"] = json!(model);
        reply["cost_micro_usd"] = json!(cost);
    }
    Json(reply).into_response()
}

#[handler]
async fn session_list(state: Data<&Arc<StandinState>>, req: &poem::Request) -> Response {
    if let Some(r) = state.enter("sessions.list", req.headers(), b"").await {
        return r;
    }
    // Finn's SessionRouter.list(): Unix-millisecond times, most recently active first (§14).
    Json(json!({ "sessions": [
        {"id": "sess-2", "created": 1_764_000_060_000_i64, "lastActivity": 1_764_000_120_000_i64},
        {"id": "sess-1", "created": 1_764_000_000_000_i64, "lastActivity": 1_764_000_090_000_i64},
    ] }))
    .into_response()
}

#[handler]
async fn session_get(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = state.enter("sessions.get", req.headers(), b"").await {
        return r;
    }
    if id == "unknown" {
        let body = json!({"error": "Session not found", "code": "SESSION_NOT_FOUND"});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    // Finn's session info: the agent's own state, whether a turn runs, the message count (§14).
    Json(json!({
        "id": id,
        "state": {"systemPrompt": "You are the oracle.", "model": "standin-model",
                  "thinkingLevel": "off", "messages": [
                      {"role": "user", "content": "hi"},
                      {"role": "assistant", "content": [{"type": "text", "text": "echo: hi"}]}]},
        "isStreaming": false,
        "messageCount": 2,
    }))
    .into_response()
}

#[handler]
async fn staking(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(wallet): Path<String>,
) -> Response {
    if let Some(r) = state.enter("staking", req.headers(), b"").await {
        return r;
    }
    match state.stakes.lock().unwrap().get(&wallet.to_lowercase()) {
        Some(bgt) => Json(json!({ "wallet": wallet, "bgtStaked": bgt })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND"}))).into_response(),
    }
}

/// `/api/identity/{nftId}/beauvoir` and `/evolution` (§1.5.8; not served by Finn 858dbf41).
#[handler]
async fn beauvoir(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(nft_id): Path<String>,
) -> Response {
    if let Some(r) = state.enter("beauvoir", req.headers(), b"").await {
        return r;
    }
    match state.personalities.lock().unwrap().get(&nft_id) {
        Some((personality, _)) => Json(personality.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND"}))).into_response(),
    }
}

#[handler]
async fn beauvoir_evolution(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(nft_id): Path<String>,
) -> Response {
    if let Some(r) = state.enter("evolution", req.headers(), b"").await {
        return r;
    }
    match state.personalities.lock().unwrap().get(&nft_id) {
        Some((_, evolution)) => Json(evolution.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND"}))).into_response(),
    }
}

/// `PUT /api/autonomous/{nftId}/permissions` (§6.3; not served by Finn 858dbf41): Finn's copy.
#[handler]
async fn autonomous_put(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    let bytes = body.0.to_string();
    if let Some(r) = state
        .enter("autonomous.put", req.headers(), bytes.as_bytes())
        .await
    {
        return r;
    }
    Json(body.0).into_response()
}

#[handler]
async fn projection(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(nft_id): Path<String>,
) -> Response {
    if let Some(r) = state.enter("memory.projection", req.headers(), b"").await {
        return r;
    }
    match state.projections.lock().unwrap().get(&nft_id) {
        Some(p) => Json(p.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND"}))).into_response(),
    }
}

#[handler]
async fn seal(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    if let Some(r) = state
        .enter("memory.seal", req.headers(), body.0.to_string().as_bytes())
        .await
    {
        return r;
    }
    let n = state.calls.lock().unwrap()["memory.seal"];
    Json(json!({
        "sealed": true,
        "conversationId": body.0["conversationId"],
        "expiresAt": "2026-12-01T00:00:00.000Z",
        "eventId": format!("evt-{n}"),
    }))
    .into_response()
}

#[handler]
async fn history(state: Data<&Arc<StandinState>>, req: &poem::Request) -> Response {
    let query = req.uri().query().unwrap_or_default().to_owned();
    if let Some(r) = state
        .enter("memory.history", req.headers(), query.as_bytes())
        .await
    {
        return r;
    }
    Json(json!([
        {"conversationId": "conv-1", "title": "first", "messageCount": 3, "sealed": false,
         "lastMessageAt": "2026-11-20T10:00:00.000Z"}
    ]))
    .into_response()
}

#[handler]
async fn delete_conversation(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path((_nft, conversation)): Path<(String, String)>,
) -> Response {
    if let Some(r) = state
        .enter("memory.delete", req.headers(), conversation.as_bytes())
        .await
    {
        return r;
    }
    Json(json!({ "deleted": true })).into_response()
}

#[handler]
async fn cron_register(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    if let Some(r) = state
        .enter(
            "cron.register",
            req.headers(),
            body.0.to_string().as_bytes(),
        )
        .await
    {
        return r;
    }
    let n = state.calls.lock().unwrap()["cron.register"];
    Json(json!({ "cronId": format!("cron-{n}") })).into_response()
}

#[handler]
async fn cron_cancel(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = state
        .enter("cron.cancel", req.headers(), id.as_bytes())
        .await
    {
        return r;
    }
    Json(json!({ "cancelled": true })).into_response()
}

/// `POST /api/auth/verify-tba` (§6.3): the signature must recover to the TBA's owner over
/// `dixie-agent-auth:<tbaAddress>:<timestamp>`; anything else is a 401.
#[handler]
async fn verify_tba(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    let raw = body.0.to_string();
    if let Some(r) = state
        .enter("verify_tba", req.headers(), raw.as_bytes())
        .await
    {
        return r;
    }
    let field = |name: &str| body.0[name].as_str().unwrap_or_default().to_owned();
    let (tba, signature, message) = (field("tbaAddress"), field("signature"), field("message"));
    let known = state.tbas.lock().unwrap().get(&tba.to_lowercase()).cloned();
    let prefix = format!("dixie-agent-auth:{tba}:");
    let signer =
        dixie::core::auth::ethereum::recover_personal_signer(message.as_bytes(), &signature)
            .map(|a| dixie::core::auth::ethereum::checksum(&a));
    match (known, signer) {
        (Some((contract, token_id, owner)), Ok(signer))
            if message.starts_with(&prefix) && signer.eq_ignore_ascii_case(&owner) =>
        {
            Json(json!({
                "tbaAddress": tba, "nftContract": contract, "tokenId": token_id.to_string(),
                "ownerWallet": owner.to_lowercase(), "verifiedAt": "2026-12-02T00:00:00.000Z",
                "cached": false,
            }))
            .into_response()
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Invalid TBA signature", "code": "TBA_INVALID"})),
        )
            .into_response(),
    }
}

/// `POST /api/chat` (the agent query, §6.3).
#[handler]
async fn agent_chat(
    state: Data<&Arc<StandinState>>,
    req: &poem::Request,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    let raw = body.0.to_string();
    if let Some(r) = state
        .enter("agent_chat", req.headers(), raw.as_bytes())
        .await
    {
        return r;
    }
    let (model, input, output) = state
        .agent_answer
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_else(|| ("claude-sonnet-4-6".to_owned(), 1000, 500));
    Json(json!({
        "response": format!("oracle: {}", body.0["message"].as_str().unwrap_or_default()),
        "model": model, "input_tokens": input, "output_tokens": output,
        "sources": [{"id": "glossary", "title": "Glossary", "relevance": 0.9}],
    }))
    .into_response()
}

/// `GET /api/knowledge/metadata` (§6.3).
#[handler]
async fn knowledge_metadata(state: Data<&Arc<StandinState>>, req: &poem::Request) -> Response {
    if let Some(r) = state.enter("knowledge", req.headers(), b"").await {
        return r;
    }
    Json(json!({
        "domains": [{"name": "berachain", "documentCount": 12, "lastUpdated": "2026-11-30"}],
        "totalDocuments": 12,
    }))
    .into_response()
}

/// `GET /_stats`: calls per endpoint so far (the bench's count of Finn calls per request).
#[handler]
async fn stats(state: Data<&Arc<StandinState>>) -> Response {
    let calls = state.calls.lock().unwrap().clone();
    let total: u64 = calls.values().sum();
    Json(json!({"total": total, "calls": calls})).into_response()
}

/// `POST /_standin/holders {wallet, nftId, bgtStaked?}`: makes `wallet` hold `nftId` (with a
/// personality and a memory projection) and stake `bgtStaked` BGT — how a process outside
/// this one (the end-to-end suite, a newcomer's quickstart) sets up a dNFT holder.
#[handler]
async fn add_holder(
    standin: Data<&FinnStandin>,
    body: poem::web::Json<serde_json::Value>,
) -> Response {
    let (Some(wallet), Some(nft_id)) = (body.0["wallet"].as_str(), body.0["nftId"].as_str()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": "INVALID_REQUEST"})),
        )
            .into_response();
    };
    standin.add_owner(wallet, nft_id, &[]);
    standin.set_personality(nft_id, "Sample Bera");
    standin.set_projection(nft_id, json!({"type": "none"}), "stand-in memory");
    if let Some(bgt) = body.0["bgtStaked"].as_f64() {
        standin.set_stake(wallet, bgt);
    }
    (
        StatusCode::CREATED,
        Json(json!({"wallet": wallet, "nftId": nft_id})),
    )
        .into_response()
}

/// Finn's token check (§14): `/api/*` needs the configured bearer token, when one is set.
async fn check_token<E: poem::Endpoint>(ep: Arc<E>, req: poem::Request) -> poem::Result<Response> {
    let state = req.data::<Arc<StandinState>>().cloned();
    let wanted = state.and_then(|s| s.token.lock().unwrap().clone());
    if let Some(token) = wanted
        && req.uri().path().starts_with("/api/")
    {
        let sent = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let code = match sent {
            None => Some("AUTH_REQUIRED"),
            Some(t) if t != token => Some("AUTH_INVALID"),
            Some(_) => None,
        };
        if let Some(code) = code {
            return Ok((
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "Unauthorized", "code": code})),
            )
                .into_response());
        }
    }
    Ok(ep.call(req).await?.into_response())
}

/// Starts the stand-in on a free loopback port; it runs until the test's runtime ends.
pub async fn spawn() -> FinnStandin {
    spawn_on("127.0.0.1:0").await
}

/// Starts the stand-in on `addr` (`host:port`; port 0 picks a free one).
pub async fn spawn_on(addr: &str) -> FinnStandin {
    let state = Arc::new(StandinState::default());
    let acceptor = TcpListener::bind(addr.to_owned())
        .into_acceptor()
        .await
        .expect("stand-in binds");
    let addr = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("tcp address");
    let app = Route::new()
        .at("/health", get(health))
        .at("/api/identity/wallet/:wallet/nft", get(wallet_nft))
        .at("/api/identity/wallet/:wallet/nfts", get(wallet_nfts))
        .at("/api/identity/oracle", get(oracle))
        .at("/api/identity/:nft/beauvoir", get(beauvoir))
        .at("/api/identity/:nft/evolution", get(beauvoir_evolution))
        .at(
            "/api/identity/wallet/:wallet/ownership",
            get(wallet_ownership),
        )
        .at("/api/sessions", get(session_list).post(session_create))
        .at("/api/sessions/:id", get(session_get))
        .at("/api/sessions/:id/message", poem::post(session_message))
        .at("/api/conviction/:wallet/staking", get(staking))
        .at(
            "/api/autonomous/:nft/permissions",
            poem::put(autonomous_put),
        )
        .at("/api/memory/:nft/projection", get(projection))
        .at("/api/memory/:nft/seal", poem::post(seal))
        .at("/api/memory/:nft/history", get(history))
        .at(
            "/api/memory/:nft/:conversation",
            poem::delete(delete_conversation),
        )
        .at("/api/cron/register", poem::post(cron_register))
        .at("/api/auth/verify-tba", poem::post(verify_tba))
        .at("/api/chat", poem::post(agent_chat))
        .at("/api/knowledge/metadata", get(knowledge_metadata))
        .at("/api/cron/:id", poem::delete(cron_cancel))
        .at("/ws/:id", get(stream))
        .at("/_stats", get(stats))
        .at("/_standin/holders", poem::post(add_holder))
        .around(check_token)
        .data(state.clone());
    let standin = FinnStandin { addr, state };
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app.data(standin.clone())));
    standin
}
