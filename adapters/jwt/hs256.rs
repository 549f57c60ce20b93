//! HS256 signer: a shared secret of at least 32 bytes.

use std::sync::Arc;

use jwt_simple::prelude::{HS256Key, MACLike};
use ring::rand::{SecureRandom, SystemRandom};

use super::keyring::Keyring;
use super::{VerifyKeys, new_claims};
use crate::core::auth::{Claims, Jwk, JwtAlgorithm, TokenError, TokenRequest};
use crate::core::ports::TokenSigner;

#[derive(Clone)]
pub struct Hs256Signer {
    key: Arc<HS256Key>,
    keyring: Arc<Keyring>,
}

impl Hs256Signer {
    /// Signs and verifies with `secret` only.
    pub fn new(secret: &[u8]) -> Self {
        Hs256Signer::with_keys(secret, VerifyKeys::default())
    }

    /// Signs with `secret`; verifies with it and with `extra`.
    pub fn with_keys(secret: &[u8], extra: VerifyKeys) -> Self {
        let key = HS256Key::from_bytes(secret);
        let keyring = extra.into_keyring(Keyring::default().with_hs256(key.clone()));
        Hs256Signer {
            key: Arc::new(key),
            keyring: Arc::new(keyring),
        }
    }

    /// A random 32-byte secret for development runs; tokens die with the process.
    pub fn ephemeral() -> Result<Self, ring::error::Unspecified> {
        let mut secret = [0u8; 32];
        SystemRandom::new().fill(&mut secret)?;
        Ok(Hs256Signer::new(&secret))
    }
}

impl TokenSigner for Hs256Signer {
    fn algorithm(&self) -> JwtAlgorithm {
        JwtAlgorithm::Hs256
    }

    fn issue(&self, request: &TokenRequest) -> Result<String, TokenError> {
        self.key
            .authenticate(new_claims(request))
            .map_err(|_| TokenError::Signing)
    }

    fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.keyring.verify(token)
    }

    fn jwks(&self) -> Vec<Jwk> {
        self.keyring.jwks()
    }
}
