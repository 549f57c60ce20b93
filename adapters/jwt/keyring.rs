//! The keys a token may be verified with, each bound to exactly one algorithm (RFC 8725 §3.1).
//!
//! The header's `alg` picks the key family and nothing else: `ES256` tokens must name the `kid`
//! of one of our P-256 public keys and verify with that key alone; `HS256` tokens verify with
//! one of the configured HMAC secrets; every other `alg` (including `none`) is refused before
//! any cryptography. So an HS256 token MACed with our public key (PEM or JWK bytes) never meets
//! a key that would accept it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use jwt_simple::prelude::{ECDSAP256PublicKeyLike, ES256PublicKey, HS256Key, MACLike, Token};
use jwt_simple::reexports::ct_codecs::{Base64UrlSafeNoPadding, Encoder};

use super::{LEEWAY_SECS, MAX_TOKEN_BYTES, RoleClaim, classify, to_claims, verification_options};
use crate::core::auth::{Claims, Jwk, TokenError};

/// Verified ES256 tokens remembered (by SHA-256 of the token) so that a client presenting the
/// same token again costs a hash, not a P-256 verification.
const CACHE_CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct Keyring {
    es256: Vec<(String, ES256PublicKey)>,
    hs256: Vec<HS256Key>,
    cache: Mutex<HashMap<[u8; 32], Claims>>,
}

impl Keyring {
    /// Adds a P-256 public key under `kid` (the first key added is the one published first).
    pub fn with_es256(mut self, kid: String, key: ES256PublicKey) -> Self {
        if !self.es256.iter().any(|(k, _)| *k == kid) {
            self.es256.push((kid, key));
        }
        self
    }

    pub fn with_hs256(mut self, key: HS256Key) -> Self {
        self.hs256.push(key);
        self
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let meta = Token::decode_metadata(token).map_err(|_| TokenError::Malformed)?;
        match meta.algorithm() {
            "ES256" => self.verify_es256(token, meta.key_id()),
            "HS256" => self.verify_hs256(token),
            _ => Err(TokenError::AlgorithmNotAccepted),
        }
    }

    fn verify_es256(&self, token: &str, kid: Option<&str>) -> Result<Claims, TokenError> {
        let kid = kid.ok_or(TokenError::UnknownKey)?;
        let (_, key) = self
            .es256
            .iter()
            .find(|(k, _)| k == kid)
            .ok_or(TokenError::UnknownKey)?;
        let digest = token_digest(token);
        if let Some(claims) = self.cached(&digest) {
            return Ok(claims);
        }
        let claims = key
            .verify_token::<RoleClaim>(token, Some(verification_options(Some(kid))))
            .map_err(|e| classify(&e))
            .and_then(to_claims)?;
        self.remember(digest, &claims);
        Ok(claims)
    }

    fn verify_hs256(&self, token: &str) -> Result<Claims, TokenError> {
        for key in &self.hs256 {
            match key.verify_token::<RoleClaim>(token, Some(verification_options(None))) {
                Ok(claims) => return to_claims(claims),
                Err(e) => match classify(&e) {
                    TokenError::InvalidSignature => continue,
                    other => return Err(other),
                },
            }
        }
        Err(TokenError::InvalidSignature)
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<Claims> {
        let claims = self.cache.lock().ok()?.get(digest).cloned()?;
        (now_secs() <= claims.exp + LEEWAY_SECS).then_some(claims)
    }

    fn remember(&self, digest: [u8; 32], claims: &Claims) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                let now = now_secs();
                cache.retain(|_, c| now <= c.exp + LEEWAY_SECS);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert(digest, claims.clone());
        }
    }

    /// The public keys, as JWKs (never with `d`).
    pub fn jwks(&self) -> Vec<Jwk> {
        self.es256.iter().map(|(kid, key)| jwk(kid, key)).collect()
    }
}

fn token_digest(token: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The JWK of a P-256 public key, built from its uncompressed point.
pub fn jwk(kid: &str, key: &ES256PublicKey) -> Jwk {
    let point = key.public_key().to_bytes_uncompressed();
    let b64 = |bytes: &[u8]| Base64UrlSafeNoPadding::encode_to_string(bytes).unwrap_or_default();
    Jwk {
        kty: "EC".to_owned(),
        crv: "P-256".to_owned(),
        x: b64(&point[1..33]),
        y: b64(&point[33..65]),
        kid: kid.to_owned(),
        alg: "ES256".to_owned(),
        use_: "sig".to_owned(),
    }
}
