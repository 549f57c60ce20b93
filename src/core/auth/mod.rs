//! Identity: SIWE login, JWT claims, algorithms, public keys, token failures and the allowlist.

pub mod allowlist;
pub mod ethereum;
pub mod login;
pub mod siwe;

use serde::{Deserialize, Serialize};

/// `iss` of every token Dixie issues and accepts.
pub const ISSUER: &str = "dixie-bff";
/// The audience Dixie issues tokens for and accepts (§16); a token without `aud` (the
/// original issued none) is accepted too, one with another audience is not.
pub const AUDIENCE: &str = "dixie-bff";
/// Role written into tokens issued by SIWE login.
pub const DEFAULT_ROLE: &str = "team";

/// Who is calling, as established from the `Authorization` header alone (D3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A verified token's claims (`sub` is the EIP-55 wallet).
    Wallet(Claims),
    /// A `dxk_` bearer key (whether it is allowlisted is the gate's question).
    ApiKey(String),
    Anonymous,
}

impl Caller {
    pub fn wallet(&self) -> Option<&str> {
        match self {
            Caller::Wallet(claims) => Some(&claims.sub),
            _ => None,
        }
    }
}

/// Lifetime of a token issued by SIWE login (the contract's `expiresIn: "1h"`).
pub const TOKEN_TTL_SECS: u64 = 3600;

/// How a successful login's nonce was accepted (reported in the login grant and logged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceUse {
    /// Issued by `POST /api/auth/nonce`, unexpired, and now used.
    ServerIssued,
    /// Never seen before, chosen by the client, and now remembered as used.
    ClientChosen,
}

/// Verified claims of a Dixie token. `sub` is the EIP-55 wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub iat: u64,
    pub exp: u64,
    pub role: String,
}

/// What a caller asks to have signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    pub wallet: String,
    pub role: String,
    pub ttl_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Es256,
    Hs256,
}

impl JwtAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::Es256 => "ES256",
            JwtAlgorithm::Hs256 => "HS256",
        }
    }
}

/// A public signing key as published in the JWKS (EC P-256 only; never carries `d`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub y: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

/// Why a token was refused. Every variant is a 401 at the edge; the kind goes to the log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("token too large")]
    TooLarge,
    #[error("token expired")]
    Expired,
    #[error("invalid signature")]
    InvalidSignature,
    #[error("invalid claims: {0}")]
    InvalidClaims(&'static str),
    #[error("algorithm not accepted")]
    AlgorithmNotAccepted,
    #[error("unknown key id")]
    UnknownKey,
    #[error("signing failed")]
    Signing,
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal-length comparison whose time does not depend on where the inputs differ (keys, MACs).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"abcd"));
    }
}
