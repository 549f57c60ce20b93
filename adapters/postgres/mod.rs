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
