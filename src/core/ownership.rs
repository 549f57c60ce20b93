//! Wallet → dNFT ownership as the upstream (Finn) reports it.

/// Who owns a dNFT and who may act for the owner.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ownership {
    /// Finn's id of the dNFT: canonical `collection:tokenId`, or an older plain id.
    pub nft_id: String,
    pub owner_wallet: String,
    pub delegated_wallets: Vec<String>,
}

/// Whether `text` is a dNFT id: a plain id (`^[A-Za-z0-9_-]{1,128}$`) or Finn's canonical
/// `collection:tokenId` (two such parts joined by one colon, §14).
pub fn valid_nft_id(text: &str) -> bool {
    let part = |p: &str| {
        (1..=128).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    match text.split_once(':') {
        Some((collection, token)) => part(collection) && part(token),
        None => part(text),
    }
}

/// The record of `nft_id` among a wallet's holdings (owned or delegated to it).
pub fn holding<'a>(holdings: &'a [Ownership], nft_id: &str) -> Option<&'a Ownership> {
    holdings.iter().find(|o| o.nft_id == nft_id)
}

/// Whether `wallet` owns `nft_id` according to its holdings (delegates do not).
pub fn owns(holdings: &[Ownership], wallet: &str, nft_id: &str) -> bool {
    holding(holdings, nft_id).is_some_and(|o| o.owner_wallet.eq_ignore_ascii_case(wallet))
}

/// Circuit-breaker position of an upstream client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
        }
    }
}

/// One reachability probe of an upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamHealth {
    pub reachable: bool,
    pub latency_ms: u64,
    pub circuit: CircuitState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nft_ids_are_plain_or_canonical() {
        for ok in ["nft-1", "mibera:42", "honey_jar:0x1f", &"a".repeat(128)] {
            assert!(valid_nft_id(ok), "{ok}");
        }
        for bad in [
            "",
            ":",
            "mibera:",
            ":42",
            "a:b:c",
            "mibera 42",
            "../x",
            &"a".repeat(129),
        ] {
            assert!(!valid_nft_id(bad), "{bad}");
        }
    }

    #[test]
    fn only_the_owner_owns_and_every_holding_counts() {
        let holdings = [
            Ownership {
                nft_id: "mibera:1".into(),
                owner_wallet: "0xAb".into(),
                delegated_wallets: vec![],
            },
            Ownership {
                nft_id: "mibera:2".into(),
                owner_wallet: "0xAb".into(),
                delegated_wallets: vec!["0xCd".into()],
            },
        ];
        assert!(
            owns(&holdings, "0xab", "mibera:2"),
            "the second dNFT counts"
        );
        assert!(
            !owns(&holdings, "0xcd", "mibera:2"),
            "a delegate does not own"
        );
        assert!(!owns(&holdings, "0xab", "mibera:3"));
        assert_eq!(
            holding(&holdings, "mibera:2").map(|o| o.delegated_wallets.len()),
            Some(1)
        );
    }
}
