//! Who may use the service: allowlisted wallets and `dxk_` API keys (contract §8.2).

use std::collections::HashSet;

use serde::Deserialize;

use super::ethereum;

/// Prefix that marks a bearer credential as an API key rather than a JWT.
pub const API_KEY_PREFIX: &str = "dxk_";

/// The allowlist as read from its file. Wallets compare EIP-55-insensitively, API keys exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowlist {
    wallets: HashSet<String>,
    api_keys: HashSet<String>,
    /// Stored wallet entries that are not addresses (never match anything).
    pub ignored_entries: usize,
}

/// The file format: `{version, wallets, apiKeys, updated_at, policy?}`.
#[derive(Deserialize)]
struct AllowlistFile {
    #[serde(default)]
    wallets: Vec<String>,
    #[serde(default, rename = "apiKeys")]
    api_keys: Vec<String>,
}

impl Allowlist {
    pub fn new<W, K>(wallets: W, api_keys: K) -> Allowlist
    where
        W: IntoIterator,
        W::Item: AsRef<str>,
        K: IntoIterator,
        K::Item: Into<String>,
    {
        let mut ignored_entries = 0;
        let wallets = wallets
            .into_iter()
            .filter_map(|w| {
                let normalized = ethereum::normalize(w.as_ref());
                ignored_entries += usize::from(normalized.is_none());
                normalized
            })
            .collect();
        Allowlist {
            wallets,
            api_keys: api_keys.into_iter().map(Into::into).collect(),
            ignored_entries,
        }
    }

    /// Parses the allowlist file's JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Allowlist, serde_json::Error> {
        let file: AllowlistFile = serde_json::from_slice(bytes)?;
        Ok(Allowlist::new(file.wallets, file.api_keys))
    }

    pub fn allows_wallet(&self, wallet: &str) -> bool {
        ethereum::normalize(wallet).is_some_and(|w| self.wallets.contains(&w))
    }

    pub fn allows_api_key(&self, key: &str) -> bool {
        key.starts_with(API_KEY_PREFIX) && self.api_keys.contains(key)
    }
}

/// Whether an allowlist is in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No allowlist file: any wallet that proves itself may sign in; no API key exists.
    Open,
    Restricted(Allowlist),
}

impl Access {
    pub fn allows_wallet(&self, wallet: &str) -> bool {
        match self {
            Access::Open => true,
            Access::Restricted(list) => list.allows_wallet(wallet),
        }
    }

    pub fn allows_api_key(&self, key: &str) -> bool {
        match self {
            Access::Open => false,
            Access::Restricted(list) => list.allows_api_key(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallets_match_in_any_case_and_keys_exactly() {
        let list = Allowlist::from_json(
            br#"{"version":1,"wallets":["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","nonsense"],
                 "apiKeys":["dxk_alpha","beta"],"updated_at":"2026-11-22T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(list.allows_wallet("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(list.allows_wallet("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"));
        assert!(!list.allows_wallet("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"));
        assert!(!list.allows_wallet("nonsense"));
        assert_eq!(list.ignored_entries, 1);
        assert!(list.allows_api_key("dxk_alpha"));
        assert!(!list.allows_api_key("dxk_ALPHA"));
        assert!(
            !list.allows_api_key("beta"),
            "a key without the prefix is never an API key"
        );
    }

    #[test]
    fn open_access_has_no_api_keys() {
        assert!(Access::Open.allows_wallet("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(!Access::Open.allows_api_key("dxk_anything"));
        assert!(Allowlist::from_json(b"\"text\"").is_err());
        assert!(Allowlist::from_json(br#"{"wallets":"0x1"}"#).is_err());
    }
}
