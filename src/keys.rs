//! Key tooling for `dixie keygen`.

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

/// A new P-256 private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), ready for
/// `DIXIE_JWT_PRIVATE_KEY`.
pub fn generate_es256_pem() -> Result<String, String> {
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .map_err(|_| "key generation failed".to_owned())?;
    Ok(pem("PRIVATE KEY", doc.as_ref()))
}

/// PEM armour: base64 in 64-column lines between BEGIN/END labels.
pub fn pem(label: &str, der: &[u8]) -> String {
    use jwt_simple::reexports::ct_codecs::{Base64, Encoder};
    let b64 = Base64::encode_to_string(der).unwrap_or_default();
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use jwt_simple::prelude::ES256KeyPair;

    #[test]
    fn keygen_output_is_a_pkcs8_pem_that_jwt_simple_loads() {
        let pem = super::generate_es256_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert!(ES256KeyPair::from_pem(&pem).is_ok());
        assert_ne!(
            pem,
            super::generate_es256_pem().unwrap(),
            "fresh randomness"
        );
    }
}
