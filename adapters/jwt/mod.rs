//! [`TokenSigner`](crate::core::ports::TokenSigner) adapters on jwt-simple.
//!
//! jwt-simple's defaults are loose (15 min clock tolerance, no issuer check); every verifier
//! here uses [`verification_options`] instead, and [`to_claims`] insists on `sub`, `iss`,
//! `iat` and `exp`, and on `aud` being Dixie's when present (tokens are issued with it).

mod es256;
mod hs256;
mod keyring;

pub use es256::{Es256Signer, KeyError, key_id, load_private_pem, load_public_pem};
pub use hs256::Hs256Signer;
pub use keyring::jwk;

use std::collections::HashSet;

use jwt_simple::JWTError;
use jwt_simple::prelude::{Duration, ES256PublicKey, HS256Key, JWTClaims, VerificationOptions};
use serde::{Deserialize, Serialize};

use crate::core::auth::{AUDIENCE, Claims, ISSUER, TokenError, TokenRequest};

/// Clock leeway allowed on `exp`/`nbf`/`iat`.
pub const LEEWAY_SECS: u64 = 60;
/// Longest token accepted, in bytes; anything longer is refused before parsing.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// Keys accepted for verification besides the signing key: previous ES256 public keys (kept
/// published during a rotation) and legacy HS256 secrets (the HS256 → ES256 migration window).
#[derive(Default)]
pub struct VerifyKeys {
    pub previous_es256: Vec<ES256PublicKey>,
    pub legacy_hs256: Vec<Vec<u8>>,
}

impl VerifyKeys {
    fn into_keyring(self, mut keyring: keyring::Keyring) -> keyring::Keyring {
        for key in self.previous_es256 {
            keyring = keyring.with_es256(key_id(&key), key);
        }
        for secret in self.legacy_hs256 {
            keyring = keyring.with_hs256(HS256Key::from_bytes(&secret));
        }
        keyring
    }
}

/// Dixie's claim beyond the registered ones.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RoleClaim {
    pub role: String,
}

pub(crate) fn verification_options(key_id: Option<&str>) -> VerificationOptions {
    VerificationOptions {
        allowed_issuers: Some(HashSet::from([ISSUER.to_owned()])),
        time_tolerance: Some(Duration::from_secs(LEEWAY_SECS)),
        max_token_length: Some(MAX_TOKEN_BYTES),
        required_key_id: key_id.map(str::to_owned),
        ..VerificationOptions::default()
    }
}

pub(crate) fn new_claims(request: &TokenRequest) -> JWTClaims<RoleClaim> {
    jwt_simple::prelude::Claims::with_custom_claims(
        RoleClaim {
            role: request.role.clone(),
        },
        Duration::from_secs(request.ttl_secs),
    )
    .with_subject(&request.wallet)
    .with_issuer(ISSUER)
    .with_audience(AUDIENCE)
}

pub(crate) fn to_claims(claims: JWTClaims<RoleClaim>) -> Result<Claims, TokenError> {
    if let Some(audiences) = &claims.audiences
        && !audiences.contains(&HashSet::from([AUDIENCE.to_owned()]))
    {
        return Err(TokenError::InvalidClaims("audience"));
    }
    let sub = claims
        .subject
        .ok_or(TokenError::InvalidClaims("sub missing"))?;
    let iss = claims
        .issuer
        .ok_or(TokenError::InvalidClaims("iss missing"))?;
    let iat = claims
        .issued_at
        .ok_or(TokenError::InvalidClaims("iat missing"))?;
    let exp = claims
        .expires_at
        .ok_or(TokenError::InvalidClaims("exp missing"))?;
    Ok(Claims {
        sub,
        iss,
        iat: iat.as_secs(),
        exp: exp.as_secs(),
        role: claims.custom.role,
    })
}

/// Classifies a jwt-simple failure (the detail stays in the log, not in the response).
pub(crate) fn classify(err: &jwt_simple::Error) -> TokenError {
    match err.downcast_ref::<JWTError>() {
        Some(JWTError::TokenHasExpired) => TokenError::Expired,
        Some(JWTError::TokenTooLong | JWTError::HeaderTooLarge) => TokenError::TooLarge,
        Some(JWTError::InvalidSignature | JWTError::InvalidAuthenticationTag) => {
            TokenError::InvalidSignature
        }
        Some(JWTError::RequiredIssuerMismatch | JWTError::RequiredIssuerMissing) => {
            TokenError::InvalidClaims("issuer")
        }
        Some(JWTError::TokenNotValidYet | JWTError::ClockDrift) => {
            TokenError::InvalidClaims("not yet valid")
        }
        Some(
            JWTError::AlgorithmMismatch
            | JWTError::KeyIdentifierMismatch
            | JWTError::RequiredKeyIdMismatch
            | JWTError::RequiredKeyIdMissing
            | JWTError::MissingJWTKeyIdentifier,
        ) => TokenError::InvalidSignature,
        _ => TokenError::Malformed,
    }
}
