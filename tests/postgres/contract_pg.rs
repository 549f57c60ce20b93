//! The `ReputationStore` contract against PostgreSQL.

crate::reputation_contract!(crate::support::pg::store);
