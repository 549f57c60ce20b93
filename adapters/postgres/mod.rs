//! PostgreSQL adapters: the reputation store on a bb8 pool of diesel-async connections, the
//! embedded migrations, and `sslmode` handling.

pub mod migrate;
mod nonces;
mod pool;
mod schedules;
mod schema;
mod store;
pub mod tls;

pub use nonces::PostgresNonceStore;
pub use pool::{PgPool, PoolSettings};
pub use schedules::PostgresScheduleStore;
pub use store::PostgresReputationStore;

use crate::core::families::Persistence;

/// The PostgreSQL backend of the persistence family: every store on one pool.
#[derive(Clone)]
pub struct PostgresPersistence {
    pub reputation: PostgresReputationStore,
    pub nonces: PostgresNonceStore,
    pub schedules: PostgresScheduleStore,
}

impl PostgresPersistence {
    pub fn new(pool: PgPool) -> Self {
        PostgresPersistence {
            reputation: PostgresReputationStore::new(pool.clone()),
            nonces: PostgresNonceStore::new(pool.clone()),
            schedules: PostgresScheduleStore::new(pool),
        }
    }
}

impl Persistence for PostgresPersistence {
    type Reputation = PostgresReputationStore;
    type Nonces = PostgresNonceStore;
    type Schedules = PostgresScheduleStore;

    fn reputation(&self) -> &Self::Reputation {
        &self.reputation
    }
    fn nonces(&self) -> &Self::Nonces {
        &self.nonces
    }
    fn schedules(&self) -> &Self::Schedules {
        &self.schedules
    }
}
