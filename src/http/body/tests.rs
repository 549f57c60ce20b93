use serde_json::json;

use super::*;
use crate::http::api::auth::LoginRequest;
use crate::http::api::reputation::RecordEventRequest;

fn problem_of<T: Type>(value: Value) -> Option<String> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    check(&value, &T::schema_ref(), &registry, "")
        .err()
        .map(|p| p.to_string())
}

#[test]
fn a_number_or_boolean_where_a_string_belongs_is_refused_by_name() {
    assert_eq!(
        problem_of::<LoginRequest>(json!({"message": 1, "signature": "0x"})).as_deref(),
        Some("`message`: expected a string, found an integer")
    );
    assert_eq!(
        problem_of::<LoginRequest>(json!({"message": "m", "signature": true})).as_deref(),
        Some("`signature`: expected a string, found a boolean")
    );
    assert_eq!(
        problem_of::<LoginRequest>(json!({"signature": "0x"})).as_deref(),
        Some("`message`: is required")
    );
    assert_eq!(
        problem_of::<LoginRequest>(json!([1])).as_deref(),
        Some("The body expected an object, found an array")
    );
    assert_eq!(
        problem_of::<LoginRequest>(json!({"message": "", "signature": "0x"})).as_deref(),
        Some("`message`: must be at least 1 characters")
    );
    assert_eq!(
        problem_of::<LoginRequest>(json!({"message": "m", "signature": "0x"})),
        None
    );
}

#[test]
fn a_union_is_checked_as_the_variant_its_tag_names() {
    let event = |score: Value| {
        json!({"event": {"type": "quality_signal",
            "event_id": "4f1c2d3e-0000-4000-8000-000000000001", "agent_id": "a",
            "collection_id": "c", "timestamp": "2026-12-01T00:00:00Z", "score": score}})
    };
    assert_eq!(problem_of::<RecordEventRequest>(event(json!(0.5))), None);
    assert_eq!(
        problem_of::<RecordEventRequest>(event(json!("0.5"))).as_deref(),
        Some("`event.score`: expected a number, found a string")
    );
    assert_eq!(
        problem_of::<RecordEventRequest>(event(json!(2))).as_deref(),
        Some("`event.score`: must be at most 1")
    );
    assert_eq!(
        problem_of::<RecordEventRequest>(json!({"event": {"type": "vote"}})).as_deref(),
        Some("`event.type`: must be one of quality_signal, task_completed, credential_update")
    );
}
