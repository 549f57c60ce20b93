//! Chat: the turn a client asks for (`POST /api/chat`), the tickets that open its stream, and
//! the prompt handed from the one to the other (contract §1.5.4–1.5.6, §14, §15).
//!
//! [`ChatService`] is the application logic of a chat call: the caller's dNFT → its memory
//! context → a session (with the dNFT's personality) → the prompt, delivered with the message
//! call or parked for the caller's stream.

pub mod frames;
pub mod pricing;

use serde_json::Value;

use crate::core::cache::Cached;
use crate::core::clock::now_iso;
use crate::core::error::PortError;
use crate::core::memory::{MemoryProjection, injection_context};
use crate::core::ports::{
    AgentRuntime, CacheStore, OwnershipResolver, PromptHandoff, SignalSink, SoulMemory,
};
use crate::core::signals::{Interaction, ReplyCost, Signal};
use crate::core::upstream::{CallContext, UpstreamError};
use frames::ReplyEnded;

/// Tickets live this long (§1.5.6).
pub const TICKET_TTL_SECS: i64 = 30;
/// Unexpired tickets one wallet may hold.
pub const TICKETS_PER_WALLET: u32 = 5;

/// A WebSocket ticket from 24 random bytes: `wst_` + 48 lowercase hex.
pub fn mint_ticket(random: [u8; 24]) -> String {
    format!("wst_{}", crate::core::auth::hex(&random))
}

/// The stored form of a ticket (SHA-256, hex), or `None` when `ticket` is not shaped like one.
pub fn ticket_digest(ticket: &str) -> Option<String> {
    let hex = ticket.strip_prefix("wst_")?;
    let shaped = hex.len() == 48 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    shaped.then(|| {
        crate::core::auth::hex(
            ring::digest::digest(&ring::digest::SHA256, ticket.as_bytes()).as_ref(),
        )
    })
}

/// The first characters of a ticket, enough to find it in logs and too few to use it.
pub fn ticket_hint(ticket: &str) -> &str {
    ticket.get(..10).unwrap_or("")
}

/// A prompt waiting for the caller's stream of `session_id`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParkedPrompt {
    /// Unique id of this handoff.
    pub id: String,
    pub session_id: String,
    pub wallet: String,
    pub prompt: String,
    /// The `messageId` the chat call answered (its request id).
    pub message_id: String,
    /// Unix seconds after which the chat call delivers the prompt itself.
    pub expires_at: i64,
}

/// What a chat call asks for.
#[derive(Clone, Copy, Debug)]
pub struct ChatTurn<'a> {
    pub prompt: &'a str,
    pub session_id: Option<&'a str>,
    /// `None`: stream a new session of a wallet, answer whole otherwise.
    pub stream: Option<bool>,
}

impl ChatTurn<'_> {
    /// Whether this turn streams (`stream`'s default for a caller with or without a wallet).
    pub fn streams(&self, has_wallet: bool) -> bool {
        self.stream
            .unwrap_or(self.session_id.is_none() && has_wallet)
    }
}

/// What a chat call answers.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatOutcome {
    /// The whole turn ran; `reply` is the runtime's `{response, toolCalls}`.
    Answered {
        session_id: String,
        message_id: String,
        reply: Value,
    },
    /// The prompt waits for the caller's stream; whoever runs the service calls
    /// [`ChatService::deliver_unclaimed`] at `parked.expires_at`.
    Parked(ParkedPrompt),
}

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// A stream was asked for by a caller without a wallet (an API key cannot open one).
    #[error("streaming needs a wallet")]
    StreamNeedsWallet,
    #[error("handoff store: {0}")]
    Handoff(#[from] PortError),
}

/// The §1.8 cache key prefix of memory projections (`memory:projection:{nftId}`).
pub const PROJECTION_PREFIX: &str = "memory:projection:";

/// The chat use case over the agent runtime `F`, the handoff store `H`, the cache `C` and the
/// signal sink `G`.
#[derive(Clone)]
pub struct ChatService<F, H, C, G> {
    runtime: F,
    handoffs: H,
    signals: G,
    handoff_secs: i64,
    /// Memory projections by dNFT (`None`: it has none): a repeat chat then costs one runtime
    /// call (the message). Dixie's own seal and delete forget them at once.
    memories: Cached<C>,
}

impl<F, H, C, G> ChatService<F, H, C, G>
where
    F: AgentRuntime + OwnershipResolver + SoulMemory,
    H: PromptHandoff,
    C: CacheStore,
    G: SignalSink,
{
    pub fn new(
        runtime: F,
        handoffs: H,
        memories: Cached<C>,
        signals: G,
        handoff_secs: i64,
    ) -> Self {
        ChatService {
            runtime,
            handoffs,
            signals,
            handoff_secs,
            memories,
        }
    }

    /// Forgets the reused memory of `nft_id` (after a seal or a deletion).
    pub async fn forget_memory(&self, nft_id: &str) {
        self.memories.forget(nft_id).await;
    }

    /// The dNFT's projection, reused; a failure is not kept.
    async fn projection(&self, ctx: &CallContext, nft_id: &str) -> Option<MemoryProjection> {
        if let Some(kept) = self.memories.get(nft_id).await {
            return kept;
        }
        let projection = self.runtime.projection(ctx, nft_id).await.ok()?;
        self.memories.put(nft_id, &projection).await;
        projection
    }

    /// The wallet's primary dNFT and its memory projection (reused): best
    /// effort, an outage leaves either unknown. Chat context and stream enrichment both read it.
    pub async fn memory(
        &self,
        ctx: &CallContext,
        wallet: &str,
    ) -> (Option<String>, Option<MemoryProjection>) {
        let Ok(Some(nft_id)) = self.runtime.primary_nft(ctx, wallet).await else {
            return (None, None);
        };
        let projection = self.projection(ctx, &nft_id).await;
        (Some(nft_id), projection)
    }

    /// Runs one chat call. `handoff_id` names the handoff if the turn streams; `now` is Unix
    /// seconds. The prompt is never dropped: it goes with the message call, or is parked for
    /// the stream (and delivered by [`ChatService::deliver_unclaimed`] if none takes it).
    pub async fn chat(
        &self,
        mut ctx: CallContext,
        turn: ChatTurn<'_>,
        handoff_id: String,
        now: i64,
    ) -> Result<ChatOutcome, ChatError> {
        let stream = turn.streams(ctx.wallet.is_some());
        let parked_for = match (stream, &ctx.wallet) {
            (true, None) => return Err(ChatError::StreamNeedsWallet),
            (true, Some(wallet)) => Some(wallet.clone()),
            (false, _) => None,
        };
        // The dNFT and its memory go with a new session and with a message; a prompt parked for
        // an existing session's stream needs neither.
        let mut nft_id = None;
        if let Some(wallet) = ctx.wallet.clone()
            && (turn.session_id.is_none() || parked_for.is_none())
        {
            let (nft, projection) = self.memory(&ctx, &wallet).await;
            ctx.memory_context = projection.map(|p| injection_context(&wallet, &p));
            nft_id = nft;
        }
        let session_id = match turn.session_id {
            Some(id) => id.to_owned(),
            None => self.runtime.start_session(&ctx, nft_id.as_deref()).await?,
        };
        let message_id = ctx.request_id.clone();
        if let Some(wallet) = &ctx.wallet {
            self.signals.emit(Signal::Interaction(Interaction {
                wallet: wallet.clone(),
                session_id: session_id.clone(),
                message_id: message_id.clone(),
                timestamp: now_iso(),
            }));
        }
        match parked_for {
            Some(wallet) => {
                let parked = ParkedPrompt {
                    id: handoff_id,
                    session_id,
                    wallet,
                    prompt: turn.prompt.to_owned(),
                    message_id,
                    expires_at: now + self.handoff_secs,
                };
                self.handoffs.park(&parked).await?;
                Ok(ChatOutcome::Parked(parked))
            }
            None => {
                let reply = self
                    .runtime
                    .send_message(&ctx, &session_id, turn.prompt)
                    .await?;
                Ok(ChatOutcome::Answered {
                    session_id,
                    message_id,
                    reply,
                })
            }
        }
    }

    /// Delivers a parked prompt with a message call if no stream took it. Answers whether
    /// this call delivered it.
    pub async fn deliver_unclaimed(&self, id: &str) -> Result<bool, ChatError> {
        let Some(parked) = self.handoffs.take(id).await? else {
            return Ok(false);
        };
        let ctx = CallContext {
            wallet: Some(parked.wallet.clone()),
            ..CallContext::correlated(&parked.message_id, None)
        };
        self.runtime
            .send_message(&ctx, &parked.session_id, &parked.prompt)
            .await?;
        Ok(true)
    }

    /// Signals a reply streamed to `wallet` on `session_id`, with what it cost.
    pub fn reply_ended(&self, wallet: &str, session_id: &str, ended: ReplyEnded) {
        self.signals.emit(Signal::ReplyCost(ReplyCost {
            wallet: wallet.to_owned(),
            session_id: session_id.to_owned(),
            timestamp: now_iso(),
            model: ended.model,
            cost_micro_usd: ended.cost_micro_usd,
            prompt_tokens: ended.prompt_tokens,
            completion_tokens: ended.completion_tokens,
        }));
    }

    /// The prompt parked for the stream `wallet` opens on `session_id`, if any.
    pub async fn claim_for_stream(
        &self,
        session_id: &str,
        wallet: &str,
        now: i64,
    ) -> Result<Option<ParkedPrompt>, PortError> {
        self.handoffs.take_for_stream(session_id, wallet, now).await
    }
}

#[cfg(test)]
mod tests;
