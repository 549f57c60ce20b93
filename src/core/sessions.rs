//! What the agent runtime says about its sessions (Finn `GET /api/sessions*`, §14).

use serde::Deserialize;
use serde_json::{Map, Value};

/// One session in the runtime's list; times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub id: String,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub last_activity: Option<i64>,
}

/// The runtime's list of sessions, most recently active first.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// One session: the runtime's agent state (system prompt, model, messages, …; its shape is the
/// runtime's own), whether a turn is running, and how many messages it holds.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetail {
    pub id: String,
    #[serde(default)]
    pub state: Map<String, Value>,
    #[serde(default)]
    pub is_streaming: bool,
    #[serde(default)]
    pub message_count: u64,
}
