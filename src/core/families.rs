//! Port families: the ports one backend serves together. Wiring picks a backend once per
//! family, so the app is monomorphized over families, not over every port.
//!
//! Adding a port that a family's backend serves costs the port's trait (in `ports`), one
//! associated type and accessor here, and its adapter in each backend's folder; wiring and the
//! HTTP state do not change.

use std::future::Future;

use crate::core::error::PortError;
use crate::core::ports::{
    AgentGateway, AgentQuota, AgentRuntime, AgentStreams, AutonomousStore, CacheStore,
    CronRegistry, NonceStore, OracleSource, OwnershipResolver, PermissionSync, PersonalitySource,
    PriorityVotes, PromptHandoff, RateLimitStore, ReputationStore, ScheduleStore, SignalSink,
    SoulMemory, StakingLookup, TicketStore, UpstreamProbe,
};

/// Everything kept in the service's own storage: one backend (memory | PostgreSQL) serves
/// all of it, so a deployment never mixes stores.
pub trait Persistence: Send + Sync + 'static {
    type Reputation: ReputationStore;
    type Nonces: NonceStore;
    type Schedules: ScheduleStore;
    type Tickets: TicketStore;
    type Handoffs: PromptHandoff;
    type Autonomous: AutonomousStore;
    type Votes: PriorityVotes;

    fn reputation(&self) -> &Self::Reputation;
    fn nonces(&self) -> &Self::Nonces;
    fn schedules(&self) -> &Self::Schedules;
    fn tickets(&self) -> &Self::Tickets;
    fn handoffs(&self) -> &Self::Handoffs;
    fn autonomous(&self) -> &Self::Autonomous;
    fn votes(&self) -> &Self::Votes;
}

/// What the replicas of one deployment share (through Redis when it is configured, else each
/// process keeps its own): the rate limits and the answers reused across requests; and where
/// their signals go (NATS).
pub trait Coordination: Send + Sync + 'static {
    type Limiter: RateLimitStore;
    type Cache: CacheStore;
    type Signals: SignalSink;
    /// The per-agent query quota (§1.5.13).
    type AgentQuota: AgentQuota;

    fn limiter(&self) -> &Self::Limiter;
    fn agent_quota(&self) -> &Self::AgentQuota;
    fn cache(&self) -> &Self::Cache;
    fn signals(&self) -> &Self::Signals;

    /// One round trip to the store the replicas share; `None` when there is none.
    fn probe(&self) -> impl Future<Output = Option<Result<(), PortError>>> + Send;

    /// Whether the shared store answered its last call (no I/O); `None` when there is none.
    fn store_up(&self) -> Option<bool>;
}

/// Every port the agent runtime (Finn) serves, as one bound.
pub trait Runtime:
    OwnershipResolver
    + UpstreamProbe
    + AgentRuntime
    + AgentStreams
    + SoulMemory
    + CronRegistry
    + StakingLookup
    + OracleSource
    + PersonalitySource
    + PermissionSync
    + AgentGateway
{
}

impl<T> Runtime for T where
    T: OwnershipResolver
        + UpstreamProbe
        + AgentRuntime
        + AgentStreams
        + SoulMemory
        + CronRegistry
        + StakingLookup
        + OracleSource
        + PersonalitySource
        + PermissionSync
        + AgentGateway
{
}
