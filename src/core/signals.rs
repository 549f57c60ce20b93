//! Interaction signals (§1.8): what Dixie publishes for analytics consumers on the
//! `DIXIE_SIGNALS` JetStream stream, one message per event, JSON.

use serde::Serialize;

/// The stream signals go to, created if missing with the §1.8 limits.
pub const STREAM: &str = "DIXIE_SIGNALS";
/// The subjects the stream holds.
pub const SUBJECTS: &str = "dixie.signal.>";
/// Messages the stream keeps at most.
pub const MAX_MESSAGES: i64 = 100_000;
/// How long the stream keeps a message.
pub const MAX_AGE_SECS: u64 = 7 * 24 * 3600;

/// One chat turn a wallet asked for (`dixie.signal.interaction`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    pub wallet: String,
    pub session_id: String,
    pub message_id: String,
    /// ISO-8601 UTC with milliseconds.
    pub timestamp: String,
}

/// One reply streamed to a wallet, with what it cost (`dixie.signal.economic`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyCost {
    pub wallet: String,
    pub session_id: String,
    pub timestamp: String,
    pub model: String,
    pub cost_micro_usd: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A signal and its subject.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    Interaction(Interaction),
    ReplyCost(ReplyCost),
}

impl Signal {
    pub fn subject(&self) -> &'static str {
        match self {
            Signal::Interaction(_) => "dixie.signal.interaction",
            Signal::ReplyCost(_) => "dixie.signal.economic",
        }
    }

    /// The message body.
    pub fn payload(&self) -> Vec<u8> {
        let encoded = match self {
            Signal::Interaction(s) => serde_json::to_vec(s),
            Signal::ReplyCost(s) => serde_json::to_vec(s),
        };
        encoded.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interaction_is_the_contracts_shape_on_its_subject() {
        let signal = Signal::Interaction(Interaction {
            wallet: "0xA".into(),
            session_id: "s-1".into(),
            message_id: "m-1".into(),
            timestamp: "2026-12-02T10:00:00.000Z".into(),
        });
        assert_eq!(signal.subject(), "dixie.signal.interaction");
        let body: serde_json::Value = serde_json::from_slice(&signal.payload()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"wallet": "0xA", "sessionId": "s-1", "messageId": "m-1",
                "timestamp": "2026-12-02T10:00:00.000Z"})
        );
    }
}
