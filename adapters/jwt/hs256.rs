//! HS256 signer: a shared secret of at least 32 bytes.

use std::sync::Arc;

use jwt_simple::prelude::{HS256Key, MACLike};
use ring::rand::{SecureRandom, SystemRandom};

use super::{MAX_TOKEN_BYTES, RoleClaim, classify, new_claims, to_claims, verification_options};
use crate::core::auth::{Claims, Jwk, JwtAlgorithm, TokenError, TokenRequest};
use crate::core::ports::TokenSigner;

#[derive(Clone)]
pub struct Hs256Signer {
    key: Arc<HS256Key>,
}

impl Hs256Signer {
    pub fn new(secret: &[u8]) -> Self {
        Hs256Signer {
            key: Arc::new(HS256Key::from_bytes(secret)),
        }
    }

    /// A random 32-byte secret for development runs; tokens die with the process.
    pub fn ephemeral() -> Result<Self, ring::error::Unspecified> {
        let mut secret = [0u8; 32];
        SystemRandom::new().fill(&mut secret)?;
        Ok(Hs256Signer::new(&secret))
    }

    /// Verifies with this secret only (used as the legacy fallback of the ES256 signer).
    pub fn verify_hs256(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let claims = self
            .key
            .verify_token::<RoleClaim>(token, Some(verification_options(None)))
            .map_err(|e| classify(&e))?;
        to_claims(claims)
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
        self.verify_hs256(token)
    }

    fn jwks(&self) -> Vec<Jwk> {
        Vec::new()
    }
}
