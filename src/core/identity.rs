//! The oracle's identity as Finn reports it (§1.5.7).

use serde::Deserialize;
use serde_json::Value;

/// Who the oracle is.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OracleIdentity {
    #[serde(rename = "nftId")]
    pub nft_id: String,
    pub name: String,
    #[serde(default)]
    pub damp96_summary: Option<Value>,
    #[serde(default)]
    pub beauvoir_hash: Option<String>,
}

impl OracleIdentity {
    /// What clients get whenever Finn cannot say (never cached).
    pub fn fallback() -> Self {
        OracleIdentity {
            nft_id: "oracle".to_owned(),
            name: "The Oracle".to_owned(),
            damp96_summary: None,
            beauvoir_hash: None,
        }
    }
}
