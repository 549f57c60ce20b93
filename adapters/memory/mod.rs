//! In-memory adapters: the default when no `DATABASE_URL` is set. State lives for the process.

mod agent_quota;
mod autonomous;
mod cache;
mod handoffs;
mod nonces;
mod ratelimit;
mod reputation;
mod schedules;
mod tickets;
mod votes;

pub use agent_quota::{AGENT_KEYS, MemoryAgentQuota};
pub use autonomous::MemoryAutonomousStore;
pub use cache::{CACHE_CAPACITY, MemoryCache};
pub use handoffs::MemoryPromptHandoff;
pub use nonces::MemoryNonceStore;
pub use ratelimit::{MemoryRateLimit, RATE_LIMIT_KEYS};
pub use reputation::MemoryReputationStore;
pub use schedules::MemoryScheduleStore;
pub use tickets::MemoryTicketStore;
pub use votes::MemoryPriorityVotes;

use crate::core::families::Persistence;

/// The memory backend of the persistence family.
#[derive(Clone, Default)]
pub struct MemoryPersistence {
    pub reputation: MemoryReputationStore,
    pub nonces: MemoryNonceStore,
    pub schedules: MemoryScheduleStore,
    pub tickets: MemoryTicketStore,
    pub handoffs: MemoryPromptHandoff,
    pub autonomous: MemoryAutonomousStore,
    pub votes: MemoryPriorityVotes,
}

impl MemoryPersistence {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Persistence for MemoryPersistence {
    type Reputation = MemoryReputationStore;
    type Nonces = MemoryNonceStore;
    type Schedules = MemoryScheduleStore;
    type Tickets = MemoryTicketStore;
    type Handoffs = MemoryPromptHandoff;
    type Autonomous = MemoryAutonomousStore;
    type Votes = MemoryPriorityVotes;

    fn reputation(&self) -> &Self::Reputation {
        &self.reputation
    }
    fn nonces(&self) -> &Self::Nonces {
        &self.nonces
    }
    fn schedules(&self) -> &Self::Schedules {
        &self.schedules
    }
    fn tickets(&self) -> &Self::Tickets {
        &self.tickets
    }
    fn handoffs(&self) -> &Self::Handoffs {
        &self.handoffs
    }
    fn autonomous(&self) -> &Self::Autonomous {
        &self.autonomous
    }
    fn votes(&self) -> &Self::Votes {
        &self.votes
    }
}
