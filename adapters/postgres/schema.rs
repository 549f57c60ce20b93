//! Table definitions for diesel (see `migrations/`).

diesel::table! {
    reputation_aggregates (nft_id) {
        nft_id -> Text,
        state -> Text,
        aggregate -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reputation_task_cohorts (nft_id, model_id, task_type) {
        nft_id -> Text,
        model_id -> Text,
        task_type -> Text,
        cohort -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reputation_events (id) {
        id -> Uuid,
        nft_id -> Text,
        event_type -> Text,
        event -> Jsonb,
        created_at -> Timestamptz,
        seq -> BigInt,
        event_id -> Nullable<Text>,
    }
}

diesel::table! {
    siwe_nonces (nonce) {
        nonce -> Text,
        server_issued -> Bool,
        used -> Bool,
        expires_at -> Int8,
    }
}

diesel::table! {
    schedule_entries (id) {
        id -> Text,
        nft_id -> Text,
        seq -> BigInt,
        schedule -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    schedule_executions (seq) {
        seq -> BigInt,
        schedule_id -> Text,
        execution -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    autonomous_grants (nft_id) {
        nft_id -> Text,
        permissions -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    autonomous_audit (seq) {
        seq -> BigInt,
        nft_id -> Text,
        at -> BigInt,
        entry -> Jsonb,
    }
}
