//! SIWE login: nonce issuance and the ordered checks that turn a signed message into a token.

use time::{Duration, OffsetDateTime};

use super::allowlist::Access;
use super::siwe::{SiweError, SiweMessage, SiwePolicy, verify_signature};
use super::{DEFAULT_ROLE, NonceUse, TOKEN_TTL_SECS, TokenError, TokenRequest};
use crate::core::error::PortError;
use crate::core::ports::{NonceStore, TokenSigner};

/// What login accepts beyond the message rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginPolicy {
    pub siwe: SiwePolicy,
    /// Lifetime of a nonce from `POST /api/auth/nonce`.
    pub nonce_ttl: Duration,
    /// When true, only nonces this service issued are accepted.
    pub require_server_nonce: bool,
    /// Signs issued nonces; every replica must hold the same key.
    pub nonce_key: NonceKey,
}

/// The HMAC-SHA256 key of stateless server nonces.
///
/// A server nonce is `random (32 hex) ‖ expiry (12 hex, Unix seconds) ‖ tag (32 hex)`, the tag
/// being the first 16 bytes of HMAC-SHA256 over the first two parts. Issuing one stores
/// nothing, so nonce requests cannot fill any store; a nonce is remembered only once a login
/// that passed every other check claims it.
#[derive(Clone, PartialEq, Eq)]
pub struct NonceKey([u8; 32]);

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceKey(***)")
    }
}

const NONCE_KEY_LABEL: &[u8] = b"dixie/siwe-nonce/v1";
const NONCE_RANDOM_HEX: usize = 32;
const NONCE_EXPIRY_HEX: usize = 12;
const NONCE_TAG_HEX: usize = 32;
const SERVER_NONCE_LEN: usize = NONCE_RANDOM_HEX + NONCE_EXPIRY_HEX + NONCE_TAG_HEX;

impl NonceKey {
    pub fn new(key: [u8; 32]) -> Self {
        NonceKey(key)
    }

    /// A key derived from a secret every replica shares (the JWT signing key).
    pub fn derive(secret: &[u8]) -> Self {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let tag = ring::hmac::sign(&key, NONCE_KEY_LABEL);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        NonceKey(out)
    }

    fn tag(&self, body: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let tag = ring::hmac::sign(&key, body.as_bytes());
        super::hex(&tag.as_ref()[..NONCE_TAG_HEX / 2])
    }

    /// A server nonce valid until `expires_at`.
    pub fn mint(&self, random: [u8; 16], expires_at: i64) -> String {
        let body = format!("{}{:012x}", super::hex(&random), expires_at.max(0));
        let tag = self.tag(&body);
        body + &tag
    }

    /// What `nonce` is: one of ours (and until when), or not.
    pub fn read(&self, nonce: &str) -> Option<i64> {
        if nonce.len() != SERVER_NONCE_LEN || !nonce.is_ascii() {
            return None;
        }
        let (body, tag) = nonce.split_at(NONCE_RANDOM_HEX + NONCE_EXPIRY_HEX);
        if !super::constant_time_eq(self.tag(body).as_bytes(), tag.as_bytes()) {
            return None;
        }
        i64::from_str_radix(&body[NONCE_RANDOM_HEX..], 16).ok()
    }
}

/// A nonce handed to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedNonce {
    pub nonce: String,
    pub expires_at: OffsetDateTime,
}

/// A successful login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginGrant {
    pub token: String,
    /// EIP-55 wallet, the token's `sub`.
    pub wallet: String,
    pub nonce_use: NonceUse,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The message, its signature or its nonce is not acceptable (401).
    #[error(transparent)]
    Refused(#[from] SiweError),
    /// The wallet proved itself but is not allowlisted (403).
    #[error("wallet not authorized")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] PortError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Issues a single-use nonce valid for the policy's TTL (76 hex digits: alphanumeric, as
/// ERC-4361 requires). Nothing is stored.
pub fn issue_nonce(policy: &LoginPolicy, random: [u8; 16], now: OffsetDateTime) -> IssuedNonce {
    let expires_at = now + policy.nonce_ttl;
    IssuedNonce {
        nonce: policy.nonce_key.mint(random, expires_at.unix_timestamp()),
        expires_at,
    }
}

/// Verifies a SIWE login and issues a token.
///
/// Order: parse, domain/chain/time, signature, allowlist, then the nonce is claimed — so a
/// message that fails any check never uses up its nonce, and a message that passes them all
/// logs in at most once. A server nonce must carry our tag and be unexpired; any other nonce is
/// client-chosen, accepted unless the policy requires server nonces.
pub async fn login<N: NonceStore, S: TokenSigner>(
    nonces: &N,
    signer: &S,
    policy: &LoginPolicy,
    access: &Access,
    text: &str,
    signature: &str,
    now: OffsetDateTime,
) -> Result<LoginGrant, LoginError> {
    let message = SiweMessage::parse(text)?;
    let valid_until = policy.siwe.check(&message, now)?;
    verify_signature(text, &message, signature)?;
    if !access.allows_wallet(&message.address) {
        return Err(LoginError::Forbidden);
    }
    let now_secs = now.unix_timestamp();
    let retain_until = valid_until.unix_timestamp() + 1;
    let (nonce_use, retain_until) = match policy.nonce_key.read(&message.nonce) {
        Some(expires_at) if expires_at > now_secs => {
            (NonceUse::ServerIssued, retain_until.max(expires_at + 1))
        }
        Some(_) => return Err(SiweError::NonceRefused.into()),
        None if policy.require_server_nonce => return Err(SiweError::NonceRefused.into()),
        None => (NonceUse::ClientChosen, retain_until),
    };
    if !nonces.claim(&message.nonce, now_secs, retain_until).await? {
        return Err(SiweError::NonceRefused.into());
    }
    let token = signer.issue(&TokenRequest {
        wallet: message.address.clone(),
        role: DEFAULT_ROLE.to_owned(),
        ttl_secs: TOKEN_TTL_SECS,
    })?;
    Ok(LoginGrant {
        token,
        wallet: message.address,
        nonce_use,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::auth::allowlist::Allowlist;
    use crate::core::auth::ethereum::{address_of, checksum, personal_message_hash};
    use crate::core::auth::siwe::AllowedDomain;
    use crate::core::ports::mocks::{MockNonceStore, MockTokenSigner};
    use k256::ecdsa::SigningKey;
    use mockall::predicate::eq;
    use time::macros::datetime;

    use crate::core::testing::block_on;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:01:00 UTC);

    fn policy(require_server_nonce: bool) -> LoginPolicy {
        LoginPolicy {
            siwe: SiwePolicy {
                domains: vec![AllowedDomain::parse("app.dixie.test").unwrap()],
                chain_ids: vec![1],
                max_age: Duration::minutes(10),
                skew: Duration::seconds(60),
            },
            nonce_ttl: Duration::minutes(5),
            require_server_nonce,
            nonce_key: NonceKey::new([7u8; 32]),
        }
    }

    fn signed(domain: &str) -> (String, String, String) {
        signed_with(domain, "n0nce0001")
    }

    fn signed_with(domain: &str, nonce: &str) -> (String, String, String) {
        let key = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let address = checksum(&address_of(key.verifying_key()));
        let text = format!(
            "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\n\
             URI: https://{domain}\nVersion: 1\nChain ID: 1\nNonce: {nonce}\n\
             Issued At: 2026-11-22T10:00:00Z"
        );
        let (sig, rec) = key.sign_prehash_recoverable(&personal_message_hash(text.as_bytes()));
        let mut hex = String::from("0x");
        for b in sig.to_bytes().iter().chain([rec.to_byte() + 27].iter()) {
            hex.push_str(&format!("{b:02x}"));
        }
        (text, hex, address)
    }

    fn signer_issuing(wallet: &str) -> MockTokenSigner {
        let mut signer = MockTokenSigner::new();
        let wallet = wallet.to_owned();
        signer
            .expect_issue()
            .withf(move |r| r.wallet == wallet && r.role == "team" && r.ttl_secs == 3600)
            .times(1)
            .returning(|_| Ok("token".to_owned()));
        signer
    }

    #[test]
    fn consumes_the_nonce_until_the_message_dies_then_issues() {
        let (text, sig, address) = signed("app.dixie.test");
        let mut nonces = MockNonceStore::new();
        // valid until issued-at + 10 min = 10:10:00, remembered one second beyond.
        let retain = datetime!(2026-11-22 10:10:01 UTC).unix_timestamp();
        nonces
            .expect_claim()
            .with(eq("n0nce0001"), eq(NOW.unix_timestamp()), eq(retain))
            .times(1)
            .returning(|_, _, _| Box::pin(async { Ok(true) }));
        let grant = block_on(login(
            &nonces,
            &signer_issuing(&address),
            &policy(false),
            &Access::Open,
            &text,
            &sig,
            NOW,
        ))
        .unwrap();
        assert_eq!(grant.wallet, address);
        assert_eq!(grant.token, "token");
    }

    #[test]
    fn a_refused_nonce_issues_no_token() {
        let (text, sig, _) = signed("app.dixie.test");
        let mut nonces = MockNonceStore::new();
        nonces
            .expect_claim()
            .with(
                eq("n0nce0001"),
                mockall::predicate::always(),
                mockall::predicate::always(),
            )
            .returning(|_, _, _| Box::pin(async { Ok(false) }));
        let mut signer = MockTokenSigner::new();
        signer.expect_issue().never();
        let err = block_on(login(
            &nonces,
            &signer,
            &policy(false),
            &Access::Open,
            &text,
            &sig,
            NOW,
        ))
        .unwrap_err();
        assert!(matches!(err, LoginError::Refused(SiweError::NonceRefused)));
    }

    #[test]
    fn failed_checks_never_touch_the_nonce() {
        let (text, sig, _) = signed("app.dixie.test");
        let (foreign, foreign_sig, _) = signed("evil.test");
        let other_list = Access::Restricted(Allowlist::new(
            ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"],
            Vec::<String>::new(),
        ));
        let tampered = text.replace("Chain ID: 1", "Chain ID: 1\n");
        let cases: Vec<(&str, &str, &Access, &str)> = vec![
            (&foreign, &foreign_sig, &Access::Open, "domain"),
            (
                &text,
                &foreign_sig,
                &Access::Open,
                "signature of another message",
            ),
            (&tampered, &sig, &Access::Open, "malformed"),
            (&text, &sig, &other_list, "not allowlisted"),
        ];
        for (text, sig, access, name) in cases {
            let mut nonces = MockNonceStore::new();
            nonces.expect_claim().never();
            let mut signer = MockTokenSigner::new();
            signer.expect_issue().never();
            let result = block_on(login(
                &nonces,
                &signer,
                &policy(false),
                access,
                text,
                sig,
                NOW,
            ));
            assert!(result.is_err(), "{name}");
        }
    }

    #[test]
    fn issues_signed_alphanumeric_nonces_without_storing_them() {
        let random: [u8; 16] = std::array::from_fn(|i| i as u8);
        let issued = issue_nonce(&policy(false), random, NOW);
        assert_eq!(issued.nonce.len(), 76);
        assert!(issued.nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(issued.nonce.starts_with("000102030405060708090a0b0c0d0e0f"));
        assert_eq!(issued.expires_at, NOW + Duration::minutes(5));
        let key = &policy(false).nonce_key;
        assert_eq!(
            key.read(&issued.nonce),
            Some(issued.expires_at.unix_timestamp())
        );
        // Another key's nonce, or a tampered expiry, is not ours.
        assert_eq!(NonceKey::new([8u8; 32]).read(&issued.nonce), None);
        let mut tampered = issued.nonce.clone().into_bytes();
        tampered[40] = if tampered[40] == b'f' { b'e' } else { b'f' };
        assert_eq!(key.read(&String::from_utf8(tampered).unwrap()), None);
    }

    #[test]
    fn a_server_nonce_is_claimed_until_it_and_the_message_die() {
        let key = policy(true).nonce_key;
        let expires = NOW + Duration::minutes(20);
        let nonce = key.mint([1u8; 16], expires.unix_timestamp());
        let (text, sig, address) = signed_with("app.dixie.test", &nonce);
        let mut nonces = MockNonceStore::new();
        let retain = expires.unix_timestamp() + 1;
        nonces
            .expect_claim()
            .with(eq(nonce.clone()), eq(NOW.unix_timestamp()), eq(retain))
            .times(1)
            .returning(|_, _, _| Box::pin(async { Ok(true) }));
        let grant = block_on(login(
            &nonces,
            &signer_issuing(&address),
            &policy(true),
            &Access::Open,
            &text,
            &sig,
            NOW,
        ))
        .unwrap();
        assert_eq!(grant.nonce_use, NonceUse::ServerIssued);
    }

    #[test]
    fn expired_or_foreign_nonces_are_refused_without_a_claim() {
        let key = policy(true).nonce_key;
        let expired = key.mint([1u8; 16], NOW.unix_timestamp());
        let foreign = NonceKey::new([9u8; 32]).mint([1u8; 16], NOW.unix_timestamp() + 60);
        for (nonce, require_server) in [
            (expired.as_str(), false),
            (foreign.as_str(), true),
            ("n0nce0001", true),
        ] {
            let (text, sig, _) = signed_with("app.dixie.test", nonce);
            let mut nonces = MockNonceStore::new();
            nonces.expect_claim().never();
            let mut signer = MockTokenSigner::new();
            signer.expect_issue().never();
            let err = block_on(login(
                &nonces,
                &signer,
                &policy(require_server),
                &Access::Open,
                &text,
                &sig,
                NOW,
            ))
            .unwrap_err();
            assert!(
                matches!(err, LoginError::Refused(SiweError::NonceRefused)),
                "{nonce}"
            );
        }
    }
}
