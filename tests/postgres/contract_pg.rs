//! The persistence contracts (reputation, nonces, schedules, tickets and handoffs) against
//! PostgreSQL.

mod reputation {
    crate::reputation_contract!(crate::support::pg::store);
}

mod nonces {
    crate::nonce_contract!(crate::support::pg::nonce_store);
}

mod schedules {
    crate::schedule_contract!(crate::support::pg::schedule_store);
}

mod autonomous {
    crate::autonomous_contract!(crate::support::pg::autonomous_store);
}

mod streams {
    crate::stream_contract!(crate::support::pg::stream_stores);
}
