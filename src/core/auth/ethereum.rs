//! Ethereum identities: EIP-55 checksummed addresses and EIP-191 `personal_sign` recovery.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest, Keccak256};

/// Why an address or signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EthError {
    #[error("not a 0x-prefixed 20-byte hex address")]
    NotAnAddress,
    #[error("address is not EIP-55 checksummed")]
    BadChecksum,
    #[error("signature is not 65 bytes of 0x-prefixed hex")]
    MalformedSignature,
    #[error("signature does not recover a public key")]
    Unrecoverable,
}

fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The EIP-55 form of a 20-byte address.
pub fn checksum(address: &[u8; 20]) -> String {
    let lower = super::hex(address);
    let hash = keccak256(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        out.push(if c.is_ascii_alphabetic() && nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// Parses `0x` + 40 hex digits in any case.
pub fn parse_address(text: &str) -> Result<[u8; 20], EthError> {
    let hex = text.strip_prefix("0x").ok_or(EthError::NotAnAddress)?;
    let bytes = decode_hex(hex).ok_or(EthError::NotAnAddress)?;
    bytes.try_into().map_err(|_| EthError::NotAnAddress)
}

/// Accepts only an address written exactly in its EIP-55 form.
pub fn require_checksummed(text: &str) -> Result<[u8; 20], EthError> {
    let bytes = parse_address(text)?;
    if checksum(&bytes) == text {
        Ok(bytes)
    } else {
        Err(EthError::BadChecksum)
    }
}

/// The EIP-55 form of `text` if it is an address in any case (for comparisons that ignore case).
pub fn normalize(text: &str) -> Option<String> {
    parse_address(text).ok().map(|b| checksum(&b))
}

/// The EIP-191 version 0x45 digest that `personal_sign` signs.
pub fn personal_message_hash(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// The address whose key produced `signature` (65 bytes `r‖s‖v`, `v` ∈ {0, 1, 27, 28}) over
/// `message` with `personal_sign`.
pub fn recover_personal_signer(message: &[u8], signature: &str) -> Result<[u8; 20], EthError> {
    let hex = signature
        .strip_prefix("0x")
        .ok_or(EthError::MalformedSignature)?;
    let raw = decode_hex(hex).ok_or(EthError::MalformedSignature)?;
    let raw: [u8; 65] = raw.try_into().map_err(|_| EthError::MalformedSignature)?;
    let v = match raw[64] {
        0 | 27 => 0,
        1 | 28 => 1,
        _ => return Err(EthError::MalformedSignature),
    };
    let sig = Signature::from_slice(&raw[..64]).map_err(|_| EthError::MalformedSignature)?;
    let recovery = RecoveryId::from_byte(v).ok_or(EthError::MalformedSignature)?;
    let key = VerifyingKey::recover_from_prehash(&personal_message_hash(message), &sig, recovery)
        .map_err(|_| EthError::Unrecoverable)?;
    Ok(address_of(&key))
}

/// The address of a secp256k1 public key: the last 20 bytes of keccak256 of its raw point.
pub fn address_of(key: &VerifyingKey) -> [u8; 20] {
    let point = key.to_sec1_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    out
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    hex.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    #[test]
    fn checksums_the_eip55_vectors() {
        for vector in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(require_checksummed(vector), parse_address(vector));
            assert_eq!(
                normalize(&vector.to_lowercase()).as_deref(),
                Some(vector),
                "{vector}"
            );
        }
    }

    #[test]
    fn refuses_wrong_case_and_shape() {
        let lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        assert_eq!(require_checksummed(lower), Err(EthError::BadChecksum));
        for bad in [
            "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd0",
            "0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x",
        ] {
            assert_eq!(parse_address(bad), Err(EthError::NotAnAddress), "{bad}");
        }
    }

    #[test]
    fn hashes_like_personal_sign() {
        // keccak256("\x19Ethereum Signed Message:\n11hello world"), as ethers' hashMessage gives.
        let expected = "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68";
        let got: String = personal_message_hash(b"hello world")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, expected);
    }

    fn sign(key: &SigningKey, message: &[u8], v_offset: u8) -> String {
        let (sig, rec) = key.sign_prehash_recoverable(&personal_message_hash(message));
        let mut out = String::from("0x");
        for b in sig.to_bytes().iter() {
            out.push_str(&format!("{b:02x}"));
        }
        out.push_str(&format!("{:02x}", rec.to_byte() + v_offset));
        out
    }

    #[test]
    fn recovers_the_signer_with_either_v_convention() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let expected = address_of(key.verifying_key());
        for offset in [0, 27] {
            let sig = sign(&key, b"hello", offset);
            assert_eq!(recover_personal_signer(b"hello", &sig), Ok(expected));
            assert_ne!(recover_personal_signer(b"hellp", &sig), Ok(expected));
        }
    }

    #[test]
    fn the_well_known_key_one_has_its_well_known_address() {
        let mut secret = [0u8; 32];
        secret[31] = 1;
        let key = SigningKey::from_slice(&secret).unwrap();
        assert_eq!(
            checksum(&address_of(key.verifying_key())),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
        );
    }

    #[test]
    fn refuses_malformed_signatures() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let good = sign(&key, b"m", 27);
        let cases = [
            good.trim_start_matches("0x").to_owned(),
            good[..good.len() - 2].to_owned(),
            format!("{}1d", &good[..good.len() - 2]),
            format!("{}00", good),
            format!("0x{}", "00".repeat(65)),
        ];
        for bad in cases {
            assert!(recover_personal_signer(b"m", &bad).is_err(), "{bad}");
        }
    }
}
