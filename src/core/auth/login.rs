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

/// Turns 16 random bytes into a nonce (32 hex digits: alphanumeric, as ERC-4361 requires).
pub fn nonce_from(random: [u8; 16]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues a single-use nonce valid for the policy's TTL.
pub async fn issue_nonce<N: NonceStore>(
    nonces: &N,
    policy: &LoginPolicy,
    random: [u8; 16],
    now: OffsetDateTime,
) -> Result<IssuedNonce, PortError> {
    let nonce = nonce_from(random);
    let expires_at = now + policy.nonce_ttl;
    nonces.issue(&nonce, expires_at.unix_timestamp()).await?;
    Ok(IssuedNonce { nonce, expires_at })
}

/// Verifies a SIWE login and issues a token.
///
/// Order: parse, domain/chain/time, signature, allowlist, then the nonce is consumed — so a
/// message that fails any check never uses up its nonce, and a message that passes them all
/// logs in at most once.
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
    let nonce_use = nonces
        .consume(
            &message.nonce,
            now.unix_timestamp(),
            valid_until.unix_timestamp() + 1,
            !policy.require_server_nonce,
        )
        .await?;
    if nonce_use == NonceUse::Refused {
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

    /// Polls a future that completes without waiting (the mocks answer at once).
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

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
        }
    }

    fn signed(domain: &str) -> (String, String, String) {
        let key = SigningKey::from_slice(&[9u8; 32]).unwrap();
        let address = checksum(&address_of(key.verifying_key()));
        let text = format!(
            "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n\n\
             URI: https://{domain}\nVersion: 1\nChain ID: 1\nNonce: n0nce0001\n\
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
            .expect_consume()
            .with(
                eq("n0nce0001"),
                eq(NOW.unix_timestamp()),
                eq(retain),
                eq(true),
            )
            .times(1)
            .returning(|_, _, _, _| Box::pin(async { Ok(NonceUse::ClientChosen) }));
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
            .expect_consume()
            .with(
                eq("n0nce0001"),
                mockall::predicate::always(),
                mockall::predicate::always(),
                eq(false),
            )
            .returning(|_, _, _, _| Box::pin(async { Ok(NonceUse::Refused) }));
        let mut signer = MockTokenSigner::new();
        signer.expect_issue().never();
        let err = block_on(login(
            &nonces,
            &signer,
            &policy(true),
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
            nonces.expect_consume().never();
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
    fn issues_alphanumeric_nonces_with_the_ttl() {
        let mut nonces = MockNonceStore::new();
        let expires = (NOW + Duration::minutes(5)).unix_timestamp();
        nonces
            .expect_issue()
            .with(eq("000102030405060708090a0b0c0d0e0f"), eq(expires))
            .times(1)
            .returning(|_, _| Box::pin(async { Ok(()) }));
        let random: [u8; 16] = std::array::from_fn(|i| i as u8);
        let issued = block_on(issue_nonce(&nonces, &policy(false), random, NOW)).unwrap();
        assert_eq!(issued.nonce.len(), 32);
        assert_eq!(issued.expires_at, NOW + Duration::minutes(5));
    }
}
