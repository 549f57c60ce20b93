//! `sslmode` of `DATABASE_URL`, with libpq's meaning, on rustls (ring provider).
//!
//! | sslmode | connection |
//! |---|---|
//! | `disable` | plain TCP |
//! | `allow`, `prefer` (default) | TLS when the server offers it, certificate not verified |
//! | `require` | TLS or fail; certificate not verified (libpq's `require`) |
//! | `verify-ca`, `verify-full` | TLS, chain verified against the Mozilla roots plus `sslrootcert` (e.g. the RDS bundle); host name checked |
//!
//! `verify-ca` is treated as `verify-full` (stricter). `sslmode` and `sslrootcert` are taken out
//! of the URL before tokio-postgres parses the rest.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

/// The URL without `sslmode`/`sslrootcert`, the mode, and the extra root file if any.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedUrl {
    pub url: String,
    pub mode: SslMode,
    pub root_cert: Option<String>,
}

pub fn parse_url(url: &str) -> Result<ParsedUrl, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = SslMode::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => {
                mode = match value {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" | "verify-full" => SslMode::VerifyFull,
                    other => return Err(format!("unknown sslmode {other:?}")),
                }
            }
            Some(("sslrootcert", path)) => root_cert = Some(path.to_owned()),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(ParsedUrl {
        url,
        mode,
        root_cert,
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for `mode` (not used for `Disable`).
pub fn client_config(mode: SslMode, root_cert: Option<&str>) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = match mode {
        SslMode::VerifyFull => {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            if let Some(path) = root_cert {
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| format!("sslrootcert {path}: {e}"))?;
                for cert in certs {
                    let cert = cert.map_err(|e| format!("sslrootcert {path}: {e}"))?;
                    roots
                        .add(cert)
                        .map_err(|e| format!("sslrootcert {path}: {e}"))?;
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider())))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// libpq's `require`: the channel is encrypted and the handshake signature checked, but the
/// certificate chain is not verified.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_taken_out_of_the_url() {
        let p = parse_url("postgres://u@h/db?sslmode=require&application_name=x").unwrap();
        assert_eq!(p.url, "postgres://u@h/db?application_name=x");
        assert_eq!(p.mode, SslMode::Require);
        let p = parse_url("postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem").unwrap();
        assert_eq!(
            (p.url.as_str(), p.mode),
            ("postgres://u@h/db", SslMode::VerifyFull)
        );
        assert_eq!(p.root_cert.as_deref(), Some("/ca.pem"));
        assert_eq!(
            parse_url("postgres://u@h/db").unwrap().mode,
            SslMode::Prefer
        );
        assert!(parse_url("postgres://u@h/db?sslmode=sometimes").is_err());
    }
}
