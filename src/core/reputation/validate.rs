//! Field rules of the §4.4 event union (the HTTP layer also declares them in the spec; these
//! are the domain's own checks and the source of truth).

use super::types::{EventKind, ReputationEvent};

pub const BUILTIN_TASK_TYPES: [&str; 5] = [
    "code_review",
    "creative_writing",
    "analysis",
    "summarization",
    "general",
];

/// A hyphenated UUID of any version, either case.
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `^[a-z][a-z0-9_-]+:[a-z][a-z0-9_]+$` or one of the built-in task types.
pub fn is_task_type(s: &str) -> bool {
    if BUILTIN_TASK_TYPES.contains(&s) {
        return true;
    }
    let Some((ns, name)) = s.split_once(':') else {
        return false;
    };
    let starts_lower = |t: &str| t.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    ns.len() >= 2
        && name.len() >= 2
        && starts_lower(ns)
        && starts_lower(name)
        && ns
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `^[a-z][a-z0-9_]{0,31}$`
fn is_dimension_key(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

/// Checks every field rule; the error names the first field that breaks one.
pub fn validate_event(event: &ReputationEvent) -> Result<(), String> {
    if !is_uuid(&event.event_id) {
        return Err("event_id must be a UUID".into());
    }
    for (name, value) in [
        ("agent_id", &event.agent_id),
        ("collection_id", &event.collection_id),
    ] {
        if value.is_empty() || value.chars().count() > 255 {
            return Err(format!("{name} must be 1..255 characters"));
        }
    }
    if time::OffsetDateTime::parse(
        &event.timestamp,
        &time::format_description::well_known::Rfc3339,
    )
    .is_err()
    {
        return Err("timestamp must be an RFC 3339 date-time".into());
    }
    match &event.kind {
        EventKind::QualitySignal {
            score,
            task_type,
            dimensions,
        } => {
            if !unit(*score) {
                return Err("score must be between 0 and 1".into());
            }
            if task_type.as_deref().is_some_and(|t| !is_task_type(t)) {
                return Err("task_type is not a known or community task type".into());
            }
            if let Some(dims) = dimensions {
                if dims.len() > 20 {
                    return Err("dimensions may have at most 20 entries".into());
                }
                for (k, v) in dims {
                    if !is_dimension_key(k) {
                        return Err(format!(
                            "dimension key {k:?} must match ^[a-z][a-z0-9_]{{0,31}}$"
                        ));
                    }
                    if !unit(*v) {
                        return Err(format!("dimension {k:?} must be between 0 and 1"));
                    }
                }
            }
        }
        EventKind::TaskCompleted {
            task_type,
            duration_ms,
            ..
        } => {
            if !is_task_type(task_type) {
                return Err("task_type is not a known or community task type".into());
            }
            if duration_ms.is_some_and(|d| d > 3_600_000) {
                return Err("duration_ms must be 0..3600000".into());
            }
        }
        EventKind::CredentialUpdate { credential_id, .. } => {
            if !is_uuid(credential_id) {
                return Err("credential_id must be a UUID".into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ok_event() -> ReputationEvent {
        ReputationEvent {
            event_id: "3f2b8c1e-9d4a-4e5b-8c7d-1a2b3c4d5e6f".into(),
            agent_id: "a".into(),
            collection_id: "c".into(),
            timestamp: "2026-11-21T10:00:00.000Z".into(),
            sequence: Some(0),
            kind: EventKind::QualitySignal {
                score: 0.5,
                task_type: Some("acme:deep_review".into()),
                dimensions: None,
            },
        }
    }

    #[test]
    fn a_good_event_passes() {
        assert_eq!(validate_event(&ok_event()), Ok(()));
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases: Vec<(ReputationEvent, &str)> = vec![
            (
                ReputationEvent {
                    event_id: "nope".into(),
                    ..ok_event()
                },
                "event_id",
            ),
            (
                ReputationEvent {
                    agent_id: String::new(),
                    ..ok_event()
                },
                "agent_id",
            ),
            (
                ReputationEvent {
                    collection_id: "x".repeat(256),
                    ..ok_event()
                },
                "collection_id",
            ),
            (
                ReputationEvent {
                    timestamp: "yesterday".into(),
                    ..ok_event()
                },
                "timestamp",
            ),
            (
                ReputationEvent {
                    kind: EventKind::QualitySignal {
                        score: 1.01,
                        task_type: None,
                        dimensions: None,
                    },
                    ..ok_event()
                },
                "score",
            ),
            (
                ReputationEvent {
                    kind: EventKind::QualitySignal {
                        score: 0.1,
                        task_type: Some("Bad:Type".into()),
                        dimensions: None,
                    },
                    ..ok_event()
                },
                "task_type",
            ),
            (
                ReputationEvent {
                    kind: EventKind::QualitySignal {
                        score: 0.1,
                        task_type: None,
                        dimensions: Some(BTreeMap::from([("Caps".into(), 0.1)])),
                    },
                    ..ok_event()
                },
                "dimension key",
            ),
            (
                ReputationEvent {
                    kind: EventKind::QualitySignal {
                        score: 0.1,
                        task_type: None,
                        dimensions: Some(BTreeMap::from([("ok".into(), 2.0)])),
                    },
                    ..ok_event()
                },
                "dimension \"ok\"",
            ),
            (
                ReputationEvent {
                    kind: EventKind::TaskCompleted {
                        task_type: "general".into(),
                        success: true,
                        duration_ms: Some(3_600_001),
                    },
                    ..ok_event()
                },
                "duration_ms",
            ),
            (
                ReputationEvent {
                    kind: EventKind::CredentialUpdate {
                        credential_id: "x".into(),
                        action: super::super::types::CredentialAction::Issued,
                    },
                    ..ok_event()
                },
                "credential_id",
            ),
        ];
        for (event, field) in cases {
            let err = validate_event(&event).unwrap_err();
            assert!(err.starts_with(field), "{field}: {err}");
        }
    }

    #[test]
    fn task_types() {
        for ok in ["general", "code_review", "ns:name", "a-b:c_d", "x1:y2"] {
            assert!(is_task_type(ok), "{ok}");
        }
        for bad in [
            "", "General", "ns:", ":name", "n:x", "ns:Na", "1s:name", "ns:na-me",
        ] {
            assert!(!is_task_type(bad), "{bad}");
        }
    }
}
