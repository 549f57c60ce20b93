//! The `ReputationStore` and `NonceStore` contracts against PostgreSQL.

mod reputation {
    crate::reputation_contract!(crate::support::pg::store);
}

mod nonces {
    crate::nonce_contract!(crate::support::pg::nonce_store);
}
