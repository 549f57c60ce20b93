//! The persistence contracts (reputation, nonces, schedules, autonomous permissions, tickets
//! and handoffs, priority votes) against PostgreSQL.

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

mod votes {
    crate::votes_contract!(crate::support::pg::votes_store);
}
