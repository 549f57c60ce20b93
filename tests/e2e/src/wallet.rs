//! A client-side Ethereum wallet for SIWE, written against the standards (EIP-55, EIP-191,
//! ERC-4361) rather than against Dixie's code, so the suite checks Dixie from the outside.

use k256::ecdsa::SigningKey;
use sha3::{Digest, Keccak256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub struct Wallet {
    key: SigningKey,
    /// EIP-55 checksummed address.
    pub address: String,
}

impl Wallet {
    /// A fresh random wallet, so runs against a shared deployment never collide.
    pub fn random() -> Wallet {
        loop {
            let a = uuid::Uuid::new_v4();
            let b = uuid::Uuid::new_v4();
            let mut seed = [0u8; 32];
            seed[..16].copy_from_slice(a.as_bytes());
            seed[16..].copy_from_slice(b.as_bytes());
            if let Ok(key) = SigningKey::from_slice(&seed) {
                let point = key.verifying_key().to_sec1_point(false);
                let hash = Keccak256::digest(&point.as_bytes()[1..]);
                let address = eip55(&hash[12..]);
                return Wallet { key, address };
            }
        }
    }

    /// EIP-191 `personal_sign`: 0x + r ‖ s ‖ v (27/28).
    pub fn personal_sign(&self, text: &str) -> String {
        let mut hasher = Keccak256::new();
        hasher.update(format!("\x19Ethereum Signed Message:\n{}", text.len()).as_bytes());
        hasher.update(text.as_bytes());
        let (sig, rec) = self.key.sign_prehash_recoverable(&hasher.finalize());
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(rec.to_byte() + 27);
        format!("0x{}", hex(&bytes))
    }

    /// An ERC-4361 message for `domain` and `chain_id`, issued now.
    pub fn siwe_message(&self, domain: &str, chain_id: u64, nonce: &str) -> String {
        let issued = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .expect("now formats as RFC 3339");
        format!(
            "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\
             End-to-end check.\n\nURI: https://{domain}/login\nVersion: 1\nChain ID: {chain_id}\n\
             Nonce: {nonce}\nIssued At: {issued}",
            address = self.address,
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// EIP-55: a hex digit is upper case when the matching nibble of keccak(lower hex) is ≥ 8.
fn eip55(address: &[u8]) -> String {
    let lower = hex(address);
    let hash = Keccak256::digest(lower.as_bytes());
    let mut out = String::from("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_matches_the_eip_examples() {
        for want in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        ] {
            let bytes: Vec<u8> = (0..20)
                .map(|i| u8::from_str_radix(&want[2 + 2 * i..4 + 2 * i], 16).unwrap())
                .collect();
            assert_eq!(eip55(&bytes), want);
        }
    }
}
