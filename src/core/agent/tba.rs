//! TBA authentication: the three `x-tba-*` headers, the freshness window and the exact
//! message an agent signs.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::core::auth::ethereum::parse_address;

/// How far a TBA timestamp may be from now, either way (seconds).
pub const WINDOW_SECS: i64 = 300;
/// Cache prefix of verified TBA signatures (§1.8), keyed by address, timestamp and signature.
pub const TBA_PREFIX: &str = "tba:";
/// How long a verified signature is reused (the window is checked on every request first).
pub const TBA_CACHE_TTL: Duration = Duration::from_secs(60);
/// Longest signature accepted (a 65-byte signature is 132 characters; contract wallets may
/// sign longer).
const MAX_SIGNATURE: usize = 1024;

/// The headers as sent (`None`: absent).
#[derive(Clone, Copy, Debug, Default)]
pub struct TbaHeaders<'a> {
    pub address: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
}

/// Why TBA authentication refused a request (every one a 401 `unauthorized`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TbaRefusal {
    MissingAddress,
    MissingSignature,
    MissingTimestamp,
    InvalidAddress,
    InvalidTimestamp,
    /// Outside the window: stale, or too far ahead.
    Expired,
    /// Finn refused the signature, or verified another account.
    InvalidSignature,
}

impl TbaRefusal {
    pub fn message(self) -> &'static str {
        match self {
            TbaRefusal::MissingAddress => "Missing x-tba-address header",
            TbaRefusal::MissingSignature => "Missing x-tba-signature header",
            TbaRefusal::MissingTimestamp => "Missing x-tba-timestamp header",
            TbaRefusal::InvalidAddress => "Invalid TBA address",
            TbaRefusal::InvalidTimestamp => "Invalid TBA timestamp",
            TbaRefusal::Expired => "TBA signature expired",
            TbaRefusal::InvalidSignature => "Invalid TBA signature",
        }
    }
}

/// What an agent claims: its account, the signature and the signed message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TbaClaim {
    pub tba_address: String,
    pub signature: String,
    pub message: String,
    #[serde(skip)]
    pub timestamp: i64,
}

impl TbaClaim {
    /// The claim of `headers` at `now` (Unix seconds), or why it is refused before anyone
    /// verifies it.
    pub fn from_headers(headers: TbaHeaders<'_>, now: i64) -> Result<TbaClaim, TbaRefusal> {
        let address = headers.address.ok_or(TbaRefusal::MissingAddress)?;
        let signature = headers.signature.ok_or(TbaRefusal::MissingSignature)?;
        let timestamp = headers.timestamp.ok_or(TbaRefusal::MissingTimestamp)?;
        parse_address(address).map_err(|_| TbaRefusal::InvalidAddress)?;
        let timestamp: i64 = match timestamp.parse() {
            Ok(t) if !timestamp.starts_with('+') => t,
            _ => return Err(TbaRefusal::InvalidTimestamp),
        };
        if (now - timestamp).abs() > WINDOW_SECS {
            return Err(TbaRefusal::Expired);
        }
        if signature.is_empty() || signature.len() > MAX_SIGNATURE {
            return Err(TbaRefusal::InvalidSignature);
        }
        Ok(TbaClaim {
            tba_address: address.to_owned(),
            signature: signature.to_owned(),
            message: format!("dixie-agent-auth:{address}:{timestamp}"),
            timestamp,
        })
    }

    /// The cache id of this exact claim: a hit needs the same account, timestamp and
    /// signature that Finn verified.
    pub fn cache_id(&self) -> String {
        format!(
            "{}:{}:{}",
            self.tba_address.to_ascii_lowercase(),
            self.timestamp,
            self.signature
        )
    }
}

/// A verified TBA: the account, its dNFT and the owner wallet (EIP-55).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TbaIdentity {
    pub tba_address: String,
    pub nft_contract: String,
    pub token_id: String,
    pub owner_wallet: String,
    pub verified_at: String,
}
