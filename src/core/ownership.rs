//! Wallet → dNFT ownership as the upstream (Finn) reports it.

/// Who owns a dNFT and who may act for the owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ownership {
    pub nft_id: String,
    pub owner_wallet: String,
    pub delegated_wallets: Vec<String>,
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
