//! Who may use the service: allowlisted wallets and `dxk_` API keys (contract §8.2).

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

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
    pub updated_at: String,
    /// The informational access policy of the file, kept as it is.
    pub policy: Option<serde_json::Value>,
}

/// The file format: `{version, wallets, apiKeys, updated_at, policy?}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllowlistDocument {
    #[serde(default = "one")]
    pub version: u64,
    #[serde(default)]
    pub wallets: Vec<String>,
    #[serde(default, rename = "apiKeys")]
    pub api_keys: Vec<String>,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
}

fn one() -> u64 {
    1
}

/// Why an entry cannot be added.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("not an Ethereum address")]
    InvalidAddress,
    #[error("API keys must start with dxk_ and be 8 to 256 printable characters without spaces")]
    InvalidApiKey,
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
            updated_at: String::new(),
            policy: None,
        }
    }

    /// Parses the allowlist file's JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Allowlist, serde_json::Error> {
        let doc: AllowlistDocument = serde_json::from_slice(bytes)?;
        let mut list = Allowlist::new(doc.wallets, doc.api_keys);
        list.updated_at = doc.updated_at;
        list.policy = doc.policy;
        Ok(list)
    }

    /// The file form: wallets in EIP-55 and keys, each sorted.
    pub fn document(&self) -> AllowlistDocument {
        AllowlistDocument {
            version: 1,
            wallets: self
                .wallets
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            api_keys: self
                .api_keys
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            updated_at: self.updated_at.clone(),
            policy: self.policy.clone(),
        }
    }

    /// Adds a wallet (any case; stored EIP-55). `Ok(false)` when it was already there.
    pub fn add_wallet(&mut self, wallet: &str) -> Result<bool, EntryError> {
        let wallet = ethereum::normalize(wallet).ok_or(EntryError::InvalidAddress)?;
        Ok(self.wallets.insert(wallet))
    }

    /// Adds a `dxk_` API key. `Ok(false)` when it was already there.
    pub fn add_api_key(&mut self, key: &str) -> Result<bool, EntryError> {
        let printable = key.bytes().all(|b| b.is_ascii_graphic());
        if !key.starts_with(API_KEY_PREFIX) || !(8..=256).contains(&key.len()) || !printable {
            return Err(EntryError::InvalidApiKey);
        }
        Ok(self.api_keys.insert(key.to_owned()))
    }

    /// Removes a wallet (any case) or an API key (exact). `false` when neither was there.
    pub fn remove(&mut self, entry: &str) -> bool {
        if let Some(wallet) = ethereum::normalize(entry)
            && self.wallets.remove(&wallet)
        {
            return true;
        }
        self.api_keys.remove(entry)
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
    fn entries_are_added_normalized_and_removed() {
        let mut list = Allowlist::default();
        assert_eq!(
            list.add_wallet("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            Ok(true)
        );
        assert_eq!(
            list.add_wallet("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"),
            Ok(false)
        );
        assert_eq!(list.add_wallet("0x12"), Err(EntryError::InvalidAddress));
        assert_eq!(list.add_api_key("dxk_service_1"), Ok(true));
        assert_eq!(
            list.add_api_key("service_1"),
            Err(EntryError::InvalidApiKey)
        );
        assert_eq!(
            list.add_api_key("dxk_ spaced"),
            Err(EntryError::InvalidApiKey)
        );
        let doc = list.document();
        assert_eq!(
            doc.wallets,
            vec!["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]
        );
        assert_eq!(doc.api_keys, vec!["dxk_service_1"]);
        let round = Allowlist::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
        assert_eq!(round.document(), doc);
        assert!(list.remove("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assert!(list.remove("dxk_service_1"));
        assert!(!list.remove("dxk_service_1"));
    }

    #[test]
    fn open_access_has_no_api_keys() {
        assert!(Access::Open.allows_wallet("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(!Access::Open.allows_api_key("dxk_anything"));
        assert!(Allowlist::from_json(b"\"text\"").is_err());
        assert!(Allowlist::from_json(br#"{"wallets":"0x1"}"#).is_err());
    }
}
