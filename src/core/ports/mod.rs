//! The driven ports of Dixie. Adapters implement them; the HTTP layer is generic over them.
//!
//! Every port is `Clone + Send + Sync + 'static` (adapters are cheap handles to shared state)
//! and its async methods return `Send` futures, so that handlers generic over the ports can be
//! served by a multi-threaded runtime without boxing.

mod agent;
mod streaming;

pub use agent::{AgentGateway, AgentQuota, PriorityVotes};
pub use streaming::{AgentStream, AgentStreams, PromptHandoff, TicketStore};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::core::auth::allowlist::Allowlist;
use crate::core::auth::{Claims, Jwk, JwtAlgorithm, TokenError, TokenRequest};
use crate::core::autonomous::{AuditEntry, Permissions, StoredAudit};
use crate::core::error::PortError;
use crate::core::identity::OracleIdentity;
use crate::core::knowledge::CorpusMeta;
use crate::core::memory::{HistoryQuery, MemoryProjection, SealingPolicy};
use crate::core::ownership::{Ownership, UpstreamHealth};
use crate::core::payment::PaymentVerdict;
use crate::core::personality::{Evolution, Personality};
use crate::core::ratelimit::Decision;
use crate::core::reputation::{
    Derived, RecordOutcome, ReputationAggregate, ReputationEvent, StateCounts, StoreInfo,
    StoredEvent, TaskTypeCohort,
};
use crate::core::schedule::{CronRegistration, Execution, Schedule};
use crate::core::sessions::{SessionDetail, SessionList};
use crate::core::signals::Signal;
use crate::core::upstream::{CallContext, UpstreamError};

/// Durable reputation state: aggregates, task cohorts and the append-only event history.
///
/// Contract every adapter meets (checked by the shared contract suite in `tests/`):
/// - `put` is an upsert: a later `get` returns exactly the aggregate last put (JSON-equal).
/// - `list_cold` returns exactly the aggregates whose `state` is `cold`, in no set order.
/// - `count` equals `list_all().len()`.
/// - `put_task_cohort` upserts on (nft_id, cohort.model_id, cohort.task_type).
/// - Events are append-only; each gets a sequence number greater than every earlier one, and
///   `get_event_history` returns them in that order (a total order, ties impossible);
///   `recent_events` the newest of them, in the same order.
/// - `record_event` is atomic: the event, the aggregate and the cohort are all written or none
///   is; recordings for one NFT are serialized, so concurrent writers never lose an update and
///   never see an error because of each other.
/// - A dependency failure is `PortError::Unavailable`, returned within the adapter's timeout.
pub trait ReputationStore: Clone + Send + Sync + 'static {
    fn get(
        &self,
        nft_id: &str,
    ) -> impl Future<Output = Result<Option<ReputationAggregate>, PortError>> + Send;

    fn put(
        &self,
        nft_id: &str,
        aggregate: &ReputationAggregate,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    fn list_cold(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, ReputationAggregate)>, PortError>> + Send;

    fn count(&self) -> impl Future<Output = Result<u64, PortError>> + Send;

    fn list_all(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, ReputationAggregate)>, PortError>> + Send;

    fn get_task_cohort(
        &self,
        nft_id: &str,
        model_id: &str,
        task_type: &str,
    ) -> impl Future<Output = Result<Option<TaskTypeCohort>, PortError>> + Send;

    fn put_task_cohort(
        &self,
        nft_id: &str,
        cohort: &TaskTypeCohort,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// All task cohorts of one NFT, ordered by (model_id, task_type).
    fn list_task_cohorts(
        &self,
        nft_id: &str,
    ) -> impl Future<Output = Result<Vec<TaskTypeCohort>, PortError>> + Send;

    /// Number of aggregates per state.
    fn count_by_state(&self) -> impl Future<Output = Result<StateCounts, PortError>> + Send;

    /// Appends one event to the NFT's history and returns its sequence number.
    fn append_event(
        &self,
        nft_id: &str,
        event: &ReputationEvent,
    ) -> impl Future<Output = Result<i64, PortError>> + Send;

    /// Up to `limit` events of the NFT with a sequence number above `after`, oldest first.
    fn get_event_history(
        &self,
        nft_id: &str,
        after: Option<i64>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, PortError>> + Send;

    /// The newest `limit` events of the NFT, oldest first.
    fn recent_events(
        &self,
        nft_id: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, PortError>> + Send;

    /// Records `event` for `nft_id` in one atomic step: refuses a reused `event_id` with a
    /// different NFT or payload (`PortError::Conflict`), reports an exact repeat as
    /// [`RecordOutcome::Duplicate`], otherwise appends the event and stores what `derive`
    /// computes from the current aggregate and the current (model_id, task_type) cohort.
    /// `cohort_key` is `Some((model_id, task_type))` when a cohort is concerned.
    fn record_event<F>(
        &self,
        nft_id: &str,
        cohort_key: Option<(&str, &str)>,
        event: &ReputationEvent,
        derive: F,
    ) -> impl Future<Output = Result<RecordOutcome, PortError>> + Send
    where
        F: FnOnce(Option<&ReputationAggregate>, Option<&TaskTypeCohort>) -> Derived + Send;

    /// Store kind and, when pooled, the pool's current metrics. Never does I/O.
    fn describe(&self) -> StoreInfo;

    /// One round trip to the backing service; `Ok` when it answers.
    fn probe(&self) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// Issues and verifies Dixie's JWTs. Pure CPU work, hence synchronous.
///
/// Contract: each key is bound to exactly one algorithm (RFC 8725 §3.1); `verify` accepts only
/// tokens with `iss` = [`crate::core::auth::ISSUER`], an unexpired `exp` (leeway ≤ 60 s) and a
/// signature by one of the signer's keys; `jwks` never contains private material.
pub trait TokenSigner: Clone + Send + Sync + 'static {
    /// The algorithm new tokens are signed with.
    fn algorithm(&self) -> JwtAlgorithm;

    fn issue(&self, request: &TokenRequest) -> Result<String, TokenError>;

    fn verify(&self, token: &str) -> Result<Claims, TokenError>;

    /// Public keys to publish; empty when only symmetric keys are in use.
    fn jwks(&self) -> Vec<Jwk>;
}

/// Values that may be used once — SIWE nonces, signed schedule callbacks — shared by every
/// replica that uses the same backing store.
///
/// Times are Unix seconds. Contract every adapter meets (checked by the shared contract suite):
/// - `claim` is atomic: of any number of concurrent claims of one value, at most one answers
///   `true`; a value claimed before answers `false` while it is remembered.
/// - A claimed value is remembered at least until `retain_until`; once `now` is past that it
///   may be forgotten (and claimed again) at any moment.
/// - A store that cannot remember one more value answers `PortError::Unavailable`; it never
///   answers `true` without remembering.
pub trait NonceStore: Clone + Send + Sync + 'static {
    fn claim(
        &self,
        value: &str,
        now: i64,
        retain_until: i64,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;
}

/// The durable home of the allowlist (contract §8.2).
///
/// Contract: `load` answers `Ok(None)` when no allowlist exists and an error when one exists
/// but cannot be read; `save` replaces the stored allowlist atomically — a concurrent `load`
/// sees the old or the new one, never a mix — creating whatever it needs.
pub trait AllowlistStore: Clone + Send + Sync + 'static {
    fn load(&self) -> impl Future<Output = Result<Option<Allowlist>, PortError>> + Send;

    fn save(&self, list: &Allowlist) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// Resolves which dNFTs a wallet holds, through the upstream that knows (§16: a wallet may
/// hold several; authorization considers every one).
///
/// Contract: "holds none" is `Ok(vec![])`; an upstream failure (network, timeout, open
/// breaker, 5xx, bad body) is an [`UpstreamError`] plus a log line, so that a caller never
/// mistakes an outage for "not the owner". Every call carries the context's request id and
/// trace (never its wallet).
pub trait OwnershipResolver: Clone + Send + Sync + 'static {
    /// Every dNFT `wallet` owns or is a delegate of, its primary (first) one first.
    fn holdings(
        &self,
        ctx: &CallContext,
        wallet: &str,
    ) -> impl Future<Output = Result<Vec<Ownership>, UpstreamError>> + Send;

    /// The wallet's primary dNFT (its first holding), with the same answers.
    fn primary_nft(
        &self,
        ctx: &CallContext,
        wallet: &str,
    ) -> impl Future<Output = Result<Option<String>, UpstreamError>> + Send {
        async move {
            let holdings = self.holdings(ctx, wallet).await?;
            Ok(holdings.into_iter().next().map(|o| o.nft_id))
        }
    }
}

/// The oracle's identity (Finn `GET /api/identity/oracle`, §1.5.7).
///
/// Contract: an answer of the documented shape is `Ok`; anything else — a failure, a 404 (Finn
/// 858dbf41 does not serve it), another shape — is an [`UpstreamError`] plus a log line.
pub trait OracleSource: Clone + Send + Sync + 'static {
    fn oracle_identity(
        &self,
        ctx: &CallContext,
    ) -> impl Future<Output = Result<OracleIdentity, UpstreamError>> + Send;
}

/// A dNFT's personality (Finn `GET /api/identity/{nftId}/beauvoir` and `/evolution`, §1.5.8).
///
/// Contract: `Ok(None)` when the runtime knows none (404); a failure or an answer of another
/// shape is an [`UpstreamError`] plus a log line. Calls carry the context's request id and
/// trace, never its wallet.
pub trait PersonalitySource: Clone + Send + Sync + 'static {
    fn personality(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> impl Future<Output = Result<Option<Personality>, UpstreamError>> + Send;

    /// The evolution, oldest first.
    fn evolution(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> impl Future<Output = Result<Option<Vec<Evolution>>, UpstreamError>> + Send;
}

/// The agent runtime's chat sessions (Finn `/api/sessions*`).
///
/// Contract: every call carries `ctx.request_id` and `ctx.traceparent` upstream and the wallet
/// only where noted; an
/// upstream error answer is mapped per the contract's §6.2 into [`UpstreamError::Answered`];
/// network failures and timeouts are [`UpstreamError::Unavailable`] within the adapter's
/// timeout; while the adapter's breaker is open no call is made
/// ([`UpstreamError::CircuitOpen`]). A reply turn's body passes through as a JSON value.
pub trait AgentRuntime: Clone + Send + Sync + 'static {
    /// Starts a session (with the personality of dNFT `token_id`, when given) and returns its
    /// id (wallet forwarded). No prompt goes with it: the runtime ignores one (§14).
    fn start_session(
        &self,
        ctx: &CallContext,
        token_id: Option<&str>,
    ) -> impl Future<Output = Result<String, UpstreamError>> + Send;

    /// Sends a message to a session and waits for the whole turn; returns the upstream body
    /// `{response, toolCalls}` (wallet forwarded).
    fn send_message(
        &self,
        ctx: &CallContext,
        session_id: &str,
        prompt: &str,
    ) -> impl Future<Output = Result<serde_json::Value, UpstreamError>> + Send;

    /// The caller's sessions (wallet forwarded); a body of another shape is `Unavailable`.
    fn list_sessions(
        &self,
        ctx: &CallContext,
    ) -> impl Future<Output = Result<SessionList, UpstreamError>> + Send;

    /// One session (the wallet is not forwarded, as in the original); a body of another shape
    /// is `Unavailable`.
    fn get_session(
        &self,
        ctx: &CallContext,
        session_id: &str,
    ) -> impl Future<Output = Result<SessionDetail, UpstreamError>> + Send;
}

/// A dNFT's soul memory as the agent runtime keeps it (Finn `/api/memory/*`).
///
/// Contract: as [`AgentRuntime`] for errors, breaker and request id; bodies other than the
/// projection pass through as JSON values.
pub trait SoulMemory: Clone + Send + Sync + 'static {
    /// The dNFT's projection; `Ok(None)` when the runtime holds no memory for it (404).
    fn projection(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> impl Future<Output = Result<Option<MemoryProjection>, UpstreamError>> + Send;

    /// Seals one conversation under `policy`; returns the runtime's answer.
    fn seal(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        conversation_id: &str,
        policy: &SealingPolicy,
    ) -> impl Future<Output = Result<serde_json::Value, UpstreamError>> + Send;

    /// One page of the dNFT's conversations (the runtime's JSON array).
    fn history(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        query: &HistoryQuery,
    ) -> impl Future<Output = Result<serde_json::Value, UpstreamError>> + Send;

    /// Deletes one conversation.
    fn delete_conversation(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        conversation_id: &str,
    ) -> impl Future<Output = Result<(), UpstreamError>> + Send;
}

/// The agent runtime's cron (Finn `/api/cron/*`), which fires schedule callbacks.
///
/// Contract: as [`AgentRuntime`] for errors, breaker and request id.
pub trait CronRegistry: Clone + Send + Sync + 'static {
    /// Registers a cron and returns its id.
    fn register_cron(
        &self,
        ctx: &CallContext,
        registration: &CronRegistration,
    ) -> impl Future<Output = Result<String, UpstreamError>> + Send;

    fn cancel_cron(
        &self,
        ctx: &CallContext,
        cron_id: &str,
    ) -> impl Future<Output = Result<(), UpstreamError>> + Send;
}

/// How much BGT a wallet stakes (Finn `/api/conviction/{wallet}/staking`).
///
/// Contract: `Some(0.0)` when the upstream knows no staking for the wallet (404); `None`, plus
/// a log line, when the lookup failed — never an error for the caller.
pub trait StakingLookup: Clone + Send + Sync + 'static {
    fn bgt_staked(
        &self,
        ctx: &CallContext,
        wallet: &str,
    ) -> impl Future<Output = Option<f64>> + Send;
}

/// Durable schedules and their executions (D9).
///
/// Contract every adapter meets (checked by the shared contract suite):
/// - `create` counts the NFT's schedules of every status and the insert in one atomic step:
///   of concurrent creations, never more than `limit` are stored; over the limit it stores
///   nothing and answers `Ok(false)`. An existing id is `PortError::Conflict`.
/// - `list_for_nft` returns the NFT's schedules oldest first.
/// - `update` applies `change` under a lock on that schedule and stores the result when
///   `change` returns true; it answers the schedule as stored afterwards (`None`: unknown id).
/// - `record_fire` does the same with `fire` and appends the execution it returns in the
///   same step, keeping the newest [`crate::core::schedule::HISTORY_KEPT`].
/// - `history` returns those executions oldest first.
pub trait ScheduleStore: Clone + Send + Sync + 'static {
    fn create(
        &self,
        schedule: &Schedule,
        limit: usize,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    fn get(&self, id: &str) -> impl Future<Output = Result<Option<Schedule>, PortError>> + Send;

    fn list_for_nft(
        &self,
        nft_id: &str,
    ) -> impl Future<Output = Result<Vec<Schedule>, PortError>> + Send;

    fn update<F>(
        &self,
        id: &str,
        change: F,
    ) -> impl Future<Output = Result<Option<Schedule>, PortError>> + Send
    where
        F: FnOnce(&mut Schedule) -> bool + Send;

    fn record_fire<F>(
        &self,
        id: &str,
        fire: F,
    ) -> impl Future<Output = Result<Option<Execution>, PortError>> + Send
    where
        F: FnOnce(&mut Schedule) -> Execution + Send;

    fn history(&self, id: &str) -> impl Future<Output = Result<Vec<Execution>, PortError>> + Send;
}

/// Durable autonomous permissions and their audit trail (§1.5.12, D9).
///
/// Contract every adapter meets (checked by the shared contract suite):
/// - `update` runs `change` on the stored permissions (`None`: never set) under a lock on the
///   dNFT, then stores the permissions it returns and appends its audit entry in one atomic
///   step; concurrent updates of one dNFT never lose one another. It answers what it stored.
/// - `append` adds one entry; every entry gets a sequence number greater than every earlier.
/// - `audit` answers the newest `limit` entries of the dNFT, newest first; `audit_between`
///   those with `from <= at < to`, oldest first, at most `limit` (the newest of them).
/// - A dependency failure is `PortError::Unavailable`, within the adapter's timeout.
pub trait AutonomousStore: Clone + Send + Sync + 'static {
    fn get(
        &self,
        nft_id: &str,
    ) -> impl Future<Output = Result<Option<Permissions>, PortError>> + Send;

    fn update<F>(
        &self,
        nft_id: &str,
        change: F,
    ) -> impl Future<Output = Result<Permissions, PortError>> + Send
    where
        F: FnOnce(Option<Permissions>) -> (Permissions, AuditEntry) + Send;

    fn append(&self, entry: &AuditEntry) -> impl Future<Output = Result<i64, PortError>> + Send;

    fn audit(
        &self,
        nft_id: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredAudit>, PortError>> + Send;

    fn audit_between(
        &self,
        nft_id: &str,
        from: i64,
        to: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredAudit>, PortError>> + Send;
}

/// The agent runtime's copy of autonomous permissions (Finn `PUT
/// /api/autonomous/{nftId}/permissions`, §6.3; Finn 858dbf41 does not serve it).
///
/// Contract: as [`AgentRuntime`] for errors, breaker and correlation.
pub trait PermissionSync: Clone + Send + Sync + 'static {
    fn push_permissions(
        &self,
        ctx: &CallContext,
        permissions: &Permissions,
    ) -> impl Future<Output = Result<(), UpstreamError>> + Send;
}

/// The knowledge corpus's metadata (§1.5.16, §9).
///
/// Contract: `None` when no corpus is configured or its files cannot be read (the adapter
/// logs it); an answer may be reused for up to 60 s.
pub trait KnowledgeCorpus: Clone + Send + Sync + 'static {
    fn metadata(&self) -> impl Future<Output = Option<Arc<CorpusMeta>>> + Send;
}

/// Reports whether an upstream answers. Used by health; callers may cache the answer.
pub trait UpstreamProbe: Clone + Send + Sync + 'static {
    fn probe_upstream(&self) -> impl Future<Output = UpstreamHealth> + Send;
}

/// Per-identity request limits (§8.3), counted for one process or for every replica.
///
/// Contract: `check` counts one request of the identity `key` (a 64-bit hash of it) unless it
/// is over `limit()` per sliding minute, and answers within a bounded time; it never fails —
/// an adapter whose shared store cannot answer decides from a count of its own instead.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Requests per minute per identity.
    fn limit(&self) -> u32;

    fn check(&self, key: u64) -> impl Future<Output = Decision> + Send;
}

/// Answers reused across requests — and, on a store the replicas share, across replicas
/// (cache-aside: the caller asks the source on a miss and puts what it answered).
///
/// Contract every adapter meets (checked by the shared contract suite): `get` answers the
/// bytes last `put` under `key` until `ttl` has passed, then nothing; `forget` makes the next
/// `get` miss. A cache never fails its caller: a store that cannot answer is a miss, and a
/// `put` or `forget` it cannot take is dropped (the adapter logs it).
pub trait CacheStore: Clone + Send + Sync + 'static {
    fn get(&self, key: &str) -> impl Future<Output = Option<Vec<u8>>> + Send;

    fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> impl Future<Output = ()> + Send;

    fn forget(&self, key: &str) -> impl Future<Output = ()> + Send;
}

/// Where interaction signals go (NATS JetStream when configured).
///
/// Contract: `emit` never waits and never fails — a signal the adapter cannot take now is
/// dropped and counted in `dropped`; `connected` answers from what the adapter already knows
/// (no I/O): `None` when signals go nowhere.
pub trait SignalSink: Clone + Send + Sync + 'static {
    fn emit(&self, signal: Signal);

    fn connected(&self) -> Option<bool>;

    /// Signals dropped since startup (a full queue, a publish the server did not confirm).
    fn dropped(&self) -> u64;
}

/// Decides, per request, what payment means for it.
///
/// Contract: never blocks on I/O; with payments off it always answers
/// [`PaymentVerdict::Pass`].
pub trait PaymentGate: Clone + Send + Sync + 'static {
    fn assess(&self, wallet: Option<&str>) -> PaymentVerdict;
}

/// mockall doubles of the ports, for unit tests of core logic only.
#[cfg(test)]
pub mod mocks {
    use super::*;

    mockall::mock! {
        pub TokenSigner {}
        impl Clone for TokenSigner {
            fn clone(&self) -> Self;
        }
        impl TokenSigner for TokenSigner {
            fn algorithm(&self) -> JwtAlgorithm;
            fn issue(&self, request: &TokenRequest) -> Result<String, TokenError>;
            fn verify(&self, token: &str) -> Result<Claims, TokenError>;
            fn jwks(&self) -> Vec<Jwk>;
        }
    }

    mockall::mock! {
        pub NonceStore {}
        impl Clone for NonceStore {
            fn clone(&self) -> Self;
        }
        impl NonceStore for NonceStore {
            fn claim(&self, value: &str, now: i64, retain_until: i64)
                -> impl Future<Output = Result<bool, PortError>> + Send;
        }
    }

    mockall::mock! {
        pub StakingLookup {}
        impl Clone for StakingLookup {
            fn clone(&self) -> Self;
        }
        impl StakingLookup for StakingLookup {
            fn bgt_staked(&self, ctx: &CallContext, wallet: &str)
                -> impl Future<Output = Option<f64>> + Send;
        }
    }
}
