//! The ports of streaming chat: WebSocket tickets, prompts handed from a chat call to the
//! stream that opens for it, and the agent runtime's own stream.

use std::future::Future;

use crate::core::chat::ParkedPrompt;
use crate::core::error::PortError;
use crate::core::upstream::{CallContext, UpstreamError};

/// WebSocket tickets (§1.5.6), shared by every replica on the same backing store so that a
/// ticket issued by one replica opens a stream on another.
///
/// Tickets are stored by digest (never as issued). Times are Unix seconds. Contract every
/// adapter meets (checked by the shared contract suite):
/// - `issue` is atomic per wallet: of concurrent issues for one wallet, never more than
///   `max_outstanding` tickets unexpired at `now` exist; an issue over the limit answers
///   `false` and stores nothing.
/// - `redeem` answers the wallet of a ticket that is unexpired at `now`, and removes the
///   ticket whatever it answers: of concurrent redeems of one ticket at most one answers a
///   wallet.
pub trait TicketStore: Clone + Send + Sync + 'static {
    fn issue(
        &self,
        digest: &str,
        wallet: &str,
        now: i64,
        expires_at: i64,
        max_outstanding: u32,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    fn redeem(
        &self,
        digest: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<String>, PortError>> + Send;
}

/// Prompts a streaming chat call parks for the first stream of the same wallet that opens for
/// the session, shared by every replica on the same backing store.
///
/// Contract every adapter meets (checked by the shared contract suite):
/// - A parked prompt is taken at most once, by `take_for_stream` or `take`, whichever comes
///   first; concurrent takers never both get it.
/// - `take_for_stream` answers the earliest-parked prompt of `session_id` by `wallet` that is
///   unexpired at `now`, and nothing parked by another wallet or for another session.
/// - `take` answers the prompt `id` whatever its expiry (its deliverer of last resort).
pub trait PromptHandoff: Clone + Send + Sync + 'static {
    fn park(&self, prompt: &ParkedPrompt) -> impl Future<Output = Result<(), PortError>> + Send;

    fn take_for_stream(
        &self,
        session_id: &str,
        wallet: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<ParkedPrompt>, PortError>> + Send;

    fn take(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<ParkedPrompt>, PortError>> + Send;
}

/// The agent runtime's streaming endpoint (Finn's `/ws/{sessionId}`).
///
/// Contract: `open` answers within the adapter's timeout, an [`UpstreamError`] when the
/// runtime cannot be reached or refuses (logged by the adapter).
pub trait AgentStreams: Clone + Send + Sync + 'static {
    type Stream: AgentStream;

    fn open(
        &self,
        ctx: &CallContext,
        session_id: &str,
    ) -> impl Future<Output = Result<Self::Stream, UpstreamError>> + Send;
}

/// One open stream to the runtime: JSON text frames both ways.
pub trait AgentStream: Send + Sync + 'static {
    /// Sends one frame; `false` when the stream is gone.
    fn send(&mut self, frame: String) -> impl Future<Output = bool> + Send;

    /// The next text frame, or `None` once the stream is closed (with the runtime's close code
    /// when it gave one, in [`AgentStream::close_code`]). Cancel-safe.
    fn recv(&mut self) -> impl Future<Output = Option<String>> + Send;

    /// The close code the runtime closed with, once `recv` answered `None`.
    fn close_code(&self) -> Option<u16>;

    /// Closes the stream (normal closure).
    fn close(self) -> impl Future<Output = ()> + Send;
}
