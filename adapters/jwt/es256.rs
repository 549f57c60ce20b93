//! ES256 signer: a P-256 private key (PKCS#8 or SEC1 PEM); tokens carry the key's `kid`.
//!
//! The `kid` is the key's RFC 7638 JWK thumbprint, so it names the key itself: after a
//! rotation the old key keeps its `kid`, and tokens it signed still find it in the keyring.

use std::sync::Arc;

use jwt_simple::prelude::{ECDSAP256KeyPairLike, ES256KeyPair, ES256PublicKey};

use super::keyring::Keyring;
use super::{VerifyKeys, new_claims};
use crate::core::auth::{Claims, Jwk, JwtAlgorithm, TokenError, TokenRequest};
use crate::core::ports::TokenSigner;

/// Why a configured key could not be used. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "not a P-256 private key in PKCS#8 (BEGIN PRIVATE KEY) or SEC1 (BEGIN EC PRIVATE KEY) PEM"
    )]
    BadPrivateKey,
    #[error("not a P-256 key in PEM (BEGIN PUBLIC KEY, PRIVATE KEY or EC PRIVATE KEY)")]
    BadPublicKey,
}

/// Loads a P-256 private key from PKCS#8 or SEC1 PEM.
pub fn load_private_pem(pem: &str) -> Result<ES256KeyPair, KeyError> {
    let pem = pem.trim();
    if pem.starts_with("-----BEGIN EC PRIVATE KEY-----") {
        let secret = p256::SecretKey::from_sec1_pem(pem).map_err(|_| KeyError::BadPrivateKey)?;
        ES256KeyPair::from_bytes(&secret.to_bytes()).map_err(|_| KeyError::BadPrivateKey)
    } else {
        ES256KeyPair::from_pem(pem).map_err(|_| KeyError::BadPrivateKey)
    }
}

/// Loads a P-256 public key from a public or private PEM.
pub fn load_public_pem(pem: &str) -> Result<ES256PublicKey, KeyError> {
    if pem.trim().starts_with("-----BEGIN PUBLIC KEY-----") {
        ES256PublicKey::from_pem(pem.trim()).map_err(|_| KeyError::BadPublicKey)
    } else {
        load_private_pem(pem)
            .map(|k| k.public_key())
            .map_err(|_| KeyError::BadPublicKey)
    }
}

/// The `kid` Dixie gives a P-256 key: its JWK thumbprint.
pub fn key_id(key: &ES256PublicKey) -> String {
    key.jwk_thumbprint()
}

#[derive(Clone)]
pub struct Es256Signer {
    key: Arc<ES256KeyPair>,
    keyring: Arc<Keyring>,
}

impl Es256Signer {
    /// Signs with `active`; verifies with it and with `extra` (previous keys, legacy secret).
    pub fn new(active: ES256KeyPair, extra: VerifyKeys) -> Self {
        let public = active.public_key();
        let kid = key_id(&public);
        let key = active.with_key_id(&kid);
        let keyring = extra.into_keyring(Keyring::default().with_es256(kid, public));
        Es256Signer {
            key: Arc::new(key),
            keyring: Arc::new(keyring),
        }
    }

    /// The `kid` new tokens carry.
    pub fn key_id(&self) -> Option<&str> {
        self.key.key_id().as_deref()
    }
}

impl TokenSigner for Es256Signer {
    fn algorithm(&self) -> JwtAlgorithm {
        JwtAlgorithm::Es256
    }

    fn issue(&self, request: &TokenRequest) -> Result<String, TokenError> {
        self.key
            .sign(new_claims(request))
            .map_err(|_| TokenError::Signing)
    }

    fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.keyring.verify(token)
    }

    fn jwks(&self) -> Vec<Jwk> {
        self.keyring.jwks()
    }
}
