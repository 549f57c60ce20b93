//! PostgreSQL adapters: the reputation store on a bb8 pool of diesel-async connections, the
//! embedded migrations, and `sslmode` handling.

mod autonomous;
mod codec;
mod handoffs;
pub mod migrate;
mod nonces;
mod pool;
mod purge;
mod schedules;
mod schema;
mod store;
mod tickets;
pub mod tls;
mod votes;

pub use autonomous::PostgresAutonomousStore;
pub use handoffs::PostgresPromptHandoff;
pub use nonces::PostgresNonceStore;
pub use pool::{PgPool, PoolSettings};
pub use schedules::PostgresScheduleStore;
pub use store::PostgresReputationStore;
pub use tickets::PostgresTicketStore;
pub use votes::PostgresPriorityVotes;

use crate::core::families::Persistence;

/// The PostgreSQL backend of the persistence family: every store on one pool.
#[derive(Clone)]
pub struct PostgresPersistence {
    pub reputation: PostgresReputationStore,
    pub nonces: PostgresNonceStore,
    pub schedules: PostgresScheduleStore,
    pub tickets: PostgresTicketStore,
    pub handoffs: PostgresPromptHandoff,
    pub autonomous: PostgresAutonomousStore,
    pub votes: PostgresPriorityVotes,
}

impl PostgresPersistence {
    pub fn new(pool: PgPool) -> Self {
        PostgresPersistence {
            reputation: PostgresReputationStore::new(pool.clone()),
            nonces: PostgresNonceStore::new(pool.clone()),
            schedules: PostgresScheduleStore::new(pool.clone()),
            tickets: PostgresTicketStore::new(pool.clone()),
            handoffs: PostgresPromptHandoff::new(pool.clone()),
            autonomous: PostgresAutonomousStore::new(pool.clone()),
            votes: PostgresPriorityVotes::new(pool),
        }
    }
}

impl Persistence for PostgresPersistence {
    type Reputation = PostgresReputationStore;
    type Nonces = PostgresNonceStore;
    type Schedules = PostgresScheduleStore;
    type Tickets = PostgresTicketStore;
    type Handoffs = PostgresPromptHandoff;
    type Autonomous = PostgresAutonomousStore;
    type Votes = PostgresPriorityVotes;

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
