//! A hounfour access policy as it is shown (a memory projection's, the allowlist file's).

use poem_openapi::Object;
use serde_json::Value;

use crate::http::timestamp::Timestamp;

/// A hounfour access policy: `type` is `none`, `read_only`, `time_limited` or `role_based` (any
/// other value is shown as stored and grants nothing); the rest is present when stored. Fields
/// beyond these are not shown.
#[derive(Object, Clone, Debug, PartialEq, serde::Deserialize)]
#[oai(rename = "AccessPolicy")]
pub struct AccessPolicyView {
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub duration_hours: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub audit_required: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub revocable: Option<bool>,
    /// A legacy expiry (ISO-8601), enforced for `time_limited`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

impl AccessPolicyView {
    /// The view of a stored policy; `None` when it is not a policy object (no string `type`, or
    /// a field of the wrong type).
    pub fn of(stored: &Value) -> Option<Self> {
        serde::Deserialize::deserialize(stored).ok()
    }

    /// The policy that grants nothing, which is how a missing or unreadable one is evaluated.
    pub fn none() -> Self {
        AccessPolicyView {
            kind: "none".to_owned(),
            duration_hours: None,
            roles: None,
            audit_required: None,
            revocable: None,
            expires_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_stored_policy_is_shown_with_its_known_fields() {
        let stored = json!({"type": "role_based", "roles": ["team"], "audit_required": true,
                            "revocable": false, "extra": 1});
        let view = AccessPolicyView::of(&stored).unwrap_or_else(AccessPolicyView::none);
        assert_eq!(view.kind, "role_based");
        assert_eq!(view.roles, Some(vec!["team".to_owned()]));
        assert_eq!(view.audit_required, Some(true));
        assert_eq!(AccessPolicyView::of(&json!({"roles": []})), None, "no type");
        assert_eq!(AccessPolicyView::of(&json!("none")), None, "not an object");
    }
}
