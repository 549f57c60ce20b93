//! A test wallet: a real secp256k1 key that writes and signs ERC-4361 messages.

use dixie::core::auth::ethereum::{address_of, checksum, personal_message_hash};
use k256::ecdsa::SigningKey;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The domain and chain the test apps accept (see `spawn_app`).
pub const DOMAIN: &str = "app.dixie.test";
pub const CHAIN_ID: u64 = 1;

pub struct Wallet {
    key: SigningKey,
    pub address: String,
}

impl Wallet {
    /// A deterministic wallet per seed (seed 0 is not a valid key).
    pub fn new(seed: u8) -> Wallet {
        let key = SigningKey::from_slice(&[seed; 32]).expect("seed is a valid secp256k1 scalar");
        let address = checksum(&address_of(key.verifying_key()));
        Wallet { key, address }
    }

    /// `personal_sign` of `text`: 0x + r ‖ s ‖ v (27/28).
    pub fn sign(&self, text: &str) -> String {
        let (sig, rec) = self
            .key
            .sign_prehash_recoverable(&personal_message_hash(text.as_bytes()));
        let mut out = String::from("0x");
        for b in sig.to_bytes().iter().chain([rec.to_byte() + 27].iter()) {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// A message for the test domain and chain, issued now.
    pub fn message(&self, nonce: &str) -> Message {
        Message {
            domain: DOMAIN.to_owned(),
            address: self.address.clone(),
            chain_id: CHAIN_ID,
            nonce: nonce.to_owned(),
            issued_at: OffsetDateTime::now_utc(),
            expiration: None,
        }
    }
}

/// The fields of an ERC-4361 message a test varies.
#[derive(Clone)]
pub struct Message {
    pub domain: String,
    pub address: String,
    pub chain_id: u64,
    pub nonce: String,
    pub issued_at: OffsetDateTime,
    pub expiration: Option<OffsetDateTime>,
}

impl Message {
    pub fn issued(mut self, offset: Duration) -> Self {
        self.issued_at += offset;
        self
    }

    pub fn text(&self) -> String {
        let fmt = |t: OffsetDateTime| t.format(&Rfc3339).expect("formats");
        let mut text = format!(
            "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\
             Sign in to Dixie.\n\nURI: https://{domain}/login\nVersion: 1\nChain ID: {chain}\n\
             Nonce: {nonce}\nIssued At: {issued}",
            domain = self.domain,
            address = self.address,
            chain = self.chain_id,
            nonce = self.nonce,
            issued = fmt(self.issued_at),
        );
        if let Some(exp) = self.expiration {
            text.push_str(&format!("\nExpiration Time: {}", fmt(exp)));
        }
        text
    }
}

/// A fresh client-chosen nonce.
pub fn client_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
