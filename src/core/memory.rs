//! Soul memory (contract §1.5.9): the projection Finn keeps per dNFT, who may do what with
//! it, sealing-policy rules, and the context injected into chat (D10).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::auth::ethereum;

/// Finn's memory projection of one dNFT. Unknown fields are ignored; missing ones default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MemoryProjection {
    pub nft_id: String,
    pub active_context: ActiveContext,
    pub conversation_count: u64,
    pub sealed_conversation_count: u64,
    pub last_interaction: Option<String>,
    /// The hounfour access policy, passed through as Finn wrote it.
    pub access_policy: Value,
    pub personality_drift: PersonalityDrift,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActiveContext {
    pub summary: String,
    pub recent_topics: Vec<String>,
    pub unresolved_questions: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PersonalityDrift {
    pub formality: f64,
    pub technicality: f64,
    pub verbosity: f64,
    pub updated_at: Option<String>,
}

impl MemoryProjection {
    /// The projection of a dNFT Finn has no memory for yet: empty, policy `none`.
    pub fn empty(nft_id: &str) -> MemoryProjection {
        MemoryProjection {
            nft_id: nft_id.to_owned(),
            access_policy: serde_json::json!({"type": "none"}),
            ..MemoryProjection::default()
        }
    }
}

/// One page request of a dNFT's conversation history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    /// 1..=100
    pub limit: u32,
    pub cursor: Option<String>,
    pub include_sealed: bool,
}

/// What a caller wants to do with a dNFT's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryOp {
    Read,
    History,
    Seal,
    Delete,
}

impl MemoryOp {
    fn modifies(self) -> bool {
        matches!(self, MemoryOp::Seal | MemoryOp::Delete)
    }
}

/// Why access was granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    Owner,
    Delegated,
    Policy,
}

/// The owner and delegates of a dNFT, when known.
#[derive(Clone, Copy, Debug)]
pub struct Holders<'a> {
    pub owner: Option<&'a str>,
    pub delegates: &'a [String],
}

fn same_wallet(a: &str, b: &str) -> bool {
    const ZERO: &str = "0x0000000000000000000000000000000000000000";
    match (ethereum::normalize(a), ethereum::normalize(b)) {
        (Some(a), Some(b)) => a == b && a != ZERO,
        _ => false,
    }
}

/// Decides `op` by `wallet` (§1.5.9 access evaluation). `Err` carries the denial reason code.
/// `now` is Unix seconds, for `time_limited` policies with an `expires_at`.
pub fn evaluate_access(
    op: MemoryOp,
    wallet: &str,
    holders: Holders<'_>,
    policy: &Value,
    now: i64,
) -> Result<Grant, &'static str> {
    if holders
        .owner
        .is_some_and(|owner| same_wallet(owner, wallet))
    {
        return Ok(Grant::Owner);
    }
    if holders.delegates.iter().any(|d| same_wallet(d, wallet)) {
        return if op.modifies() {
            Err("delegated_wallets_cannot_modify")
        } else {
            Ok(Grant::Delegated)
        };
    }
    let read_only = |op: MemoryOp| {
        if op.modifies() {
            Err("access_policy_read_only")
        } else {
            Ok(Grant::Policy)
        }
    };
    match policy.get("type").and_then(Value::as_str) {
        Some("none") | None => Err("access_policy_none"),
        Some("read_only") => read_only(op),
        Some("time_limited") => {
            let expired = policy
                .get("expires_at")
                .and_then(Value::as_str)
                .and_then(|t| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .is_some_and(|t| t.unix_timestamp() <= now);
            if expired {
                Err("access_policy_expired")
            } else {
                read_only(op)
            }
        }
        Some("role_based") => Err("role_based_no_roles_provided"),
        Some("reputation_gated" | "compound") => Err("reputation_context_required"),
        Some(_) => Err("unknown_access_policy_type"),
    }
}

/// A sealing policy as the seal route receives it (schema already checked).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SealingPolicy {
    pub encryption_scheme: String,
    pub key_derivation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_reference: Option<String>,
    pub access_audit: bool,
    pub access_policy: SealAccessPolicy,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SealAccessPolicy {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    pub audit_required: bool,
    pub revocable: bool,
}

/// Cross-field rules of a sealing policy (hounfour); every broken rule is reported.
pub fn validate_sealing(policy: &SealingPolicy) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if policy.encryption_scheme != "none"
        && policy
            .key_reference
            .as_deref()
            .is_none_or(|k| k.trim().is_empty())
    {
        errors.push("key_reference is required when encryption_scheme is not none".to_owned());
    }
    let access = &policy.access_policy;
    if access.kind == "time_limited" {
        match access.duration_hours {
            Some(h) if h.fract() == 0.0 && (1.0..=8760.0).contains(&h) => {}
            _ => errors.push(
                "time_limited access_policy requires duration_hours, an integer in 1..8760"
                    .to_owned(),
            ),
        }
    }
    if access.kind == "role_based" && access.roles.as_ref().is_none_or(|r| r.is_empty()) {
        errors.push("role_based access_policy requires at least one role".to_owned());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Tokens of memory context a chat may carry.
pub const CONTEXT_TOKEN_BUDGET: u32 = 500;

/// The memory context forwarded to Finn with a chat as `x-memory-context` (D10): JSON with
/// every non-ASCII character escaped, so that it is a valid header value.
pub fn injection_context(wallet: &str, projection: &MemoryProjection) -> String {
    let ctx = &projection.active_context;
    let value = serde_json::json!({
        "nftId": projection.nft_id,
        "ownerWallet": wallet,
        "memorySummary": ctx.summary,
        "recentTopics": ctx.recent_topics,
        "unresolvedQuestions": ctx.unresolved_questions,
        "personalityHints": projection.personality_drift,
        "tokenBudget": CONTEXT_TOKEN_BUDGET,
    });
    ascii_json(&value.to_string())
}

/// `json` with each non-ASCII character written as `\uXXXX` (UTF-16, as JSON allows).
fn ascii_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OWNER: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    const OTHER: &str = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";

    fn holders<'a>(owner: Option<&'a str>, delegates: &'a [String]) -> Holders<'a> {
        Holders { owner, delegates }
    }

    #[test]
    fn owners_may_do_anything_delegates_only_read() {
        let delegates = vec![OTHER.to_lowercase()];
        let none = json!({"type": "none"});
        for op in [
            MemoryOp::Read,
            MemoryOp::History,
            MemoryOp::Seal,
            MemoryOp::Delete,
        ] {
            let lower = OWNER.to_lowercase();
            assert_eq!(
                evaluate_access(op, &lower, holders(Some(OWNER), &delegates), &none, 0),
                Ok(Grant::Owner)
            );
        }
        let h = holders(Some(OWNER), &delegates);
        assert_eq!(
            evaluate_access(MemoryOp::History, OTHER, h, &none, 0),
            Ok(Grant::Delegated)
        );
        assert_eq!(
            evaluate_access(MemoryOp::Seal, OTHER, h, &none, 0),
            Err("delegated_wallets_cannot_modify")
        );
    }

    #[test]
    fn zero_or_empty_owners_never_match() {
        let zero = "0x0000000000000000000000000000000000000000";
        let none = json!({"type": "none"});
        assert_eq!(
            evaluate_access(MemoryOp::Read, zero, holders(Some(zero), &[]), &none, 0),
            Err("access_policy_none")
        );
        assert_eq!(
            evaluate_access(MemoryOp::Read, "", holders(Some(""), &[]), &none, 0),
            Err("access_policy_none")
        );
    }

    #[test]
    fn policies_decide_for_everyone_else() {
        let h = holders(None, &[]);
        let case = |op, policy: Value| evaluate_access(op, OTHER, h, &policy, 1_800_000_000);
        assert_eq!(
            case(MemoryOp::Read, json!({"type": "read_only"})),
            Ok(Grant::Policy)
        );
        assert_eq!(
            case(MemoryOp::Delete, json!({"type": "read_only"})),
            Err("access_policy_read_only")
        );
        assert_eq!(
            case(
                MemoryOp::Read,
                json!({"type": "time_limited", "expires_at": "2020-01-01T00:00:00Z"})
            ),
            Err("access_policy_expired")
        );
        assert_eq!(
            case(
                MemoryOp::Read,
                json!({"type": "time_limited", "expires_at": "2099-01-01T00:00:00Z"})
            ),
            Ok(Grant::Policy)
        );
        assert_eq!(
            case(
                MemoryOp::Read,
                json!({"type": "role_based", "roles": ["x"]})
            ),
            Err("role_based_no_roles_provided")
        );
        assert_eq!(
            case(MemoryOp::Read, json!({"type": "compound"})),
            Err("reputation_context_required")
        );
        assert_eq!(
            case(MemoryOp::Read, json!({"type": "telepathy"})),
            Err("unknown_access_policy_type")
        );
        assert_eq!(case(MemoryOp::Read, Value::Null), Err("access_policy_none"));
    }

    fn policy(kind: &str) -> SealingPolicy {
        SealingPolicy {
            encryption_scheme: "aes-256-gcm".into(),
            key_derivation: "hkdf-sha256".into(),
            key_reference: Some("kms://key/1".into()),
            access_audit: true,
            access_policy: SealAccessPolicy {
                kind: kind.into(),
                duration_hours: None,
                roles: None,
                audit_required: true,
                revocable: false,
            },
        }
    }

    #[test]
    fn sealing_rules_report_every_broken_rule() {
        assert_eq!(validate_sealing(&policy("none")), Ok(()));
        let mut p = policy("time_limited");
        p.key_reference = None;
        p.access_policy.duration_hours = Some(1.5);
        assert_eq!(validate_sealing(&p).unwrap_err().len(), 2);
        p.key_reference = Some("k".into());
        for (hours, ok) in [(1.0, true), (8760.0, true), (8761.0, false), (0.0, false)] {
            p.access_policy.duration_hours = Some(hours);
            assert_eq!(validate_sealing(&p).is_ok(), ok, "{hours}");
        }
        let mut p = policy("role_based");
        p.access_policy.roles = Some(vec![]);
        assert!(validate_sealing(&p).is_err());
        p.access_policy.roles = Some(vec!["team".into()]);
        assert_eq!(validate_sealing(&p), Ok(()));
    }

    #[test]
    fn injection_context_is_ascii_json_with_the_contract_fields() {
        let mut p = MemoryProjection::empty("nft-1");
        p.active_context.summary = "café 🚀 \"quoted\"".into();
        p.active_context.recent_topics = vec!["rust".into()];
        let text = injection_context(OWNER, &p);
        assert!(text.is_ascii(), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["memorySummary"], "café 🚀 \"quoted\"");
        assert_eq!(back["nftId"], "nft-1");
        assert_eq!(back["ownerWallet"], OWNER);
        assert_eq!(back["recentTopics"], json!(["rust"]));
        assert_eq!(back["tokenBudget"], 500);
        assert_eq!(back["personalityHints"]["formality"], 0.0);
    }

    #[test]
    fn projections_parse_leniently() {
        let p: MemoryProjection = serde_json::from_value(json!({
            "nftId": "n", "conversationCount": 3, "topicClusters": [],
            "activeContext": {"summary": "s", "interactionCount": 9},
            "accessPolicy": {"type": "read_only"}
        }))
        .unwrap();
        assert_eq!(p.conversation_count, 3);
        assert_eq!(p.active_context.summary, "s");
        assert_eq!(p.access_policy["type"], "read_only");
    }
}
