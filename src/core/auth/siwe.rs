//! Sign-In with Ethereum (ERC-4361): a strict parser for the message text and the checks a
//! verifier must always make.
//!
//! The parser accepts exactly the ABNF of ERC-4361 (LF line ends, fields in their fixed order,
//! no trailing newline), an EIP-55 address, version `1`, a nonce of at least 8 alphanumerics
//! and RFC 3339 times, with every part bounded in length. [`SiwePolicy::check`] then binds the
//! message to this deployment (domain, chain) and to now (issued-at, expiry, not-before).

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::ethereum::{self, EthError};

/// Longest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;
const MAX_DOMAIN: usize = 255;
const MAX_STATEMENT: usize = 1024;
const MAX_URI: usize = 1024;
const MAX_NONCE: usize = 128;
const MAX_REQUEST_ID: usize = 256;
const MAX_RESOURCES: usize = 32;
const HEADER_SUFFIX: &str = " wants you to sign in with your Ethereum account:";

/// A parsed ERC-4361 message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiweMessage {
    pub scheme: Option<String>,
    pub domain: String,
    /// EIP-55 form, exactly as written in the message.
    pub address: String,
    pub statement: Option<String>,
    pub uri: String,
    pub chain_id: u64,
    pub nonce: String,
    pub issued_at: OffsetDateTime,
    pub expiration_time: Option<OffsetDateTime>,
    pub not_before: Option<OffsetDateTime>,
    pub request_id: Option<String>,
    pub resources: Vec<String>,
}

/// Why a login message was refused. The text is safe to show the client.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SiweError {
    #[error("message is not a valid ERC-4361 message: {0}")]
    Malformed(String),
    #[error("domain is not accepted by this service")]
    DomainNotAllowed,
    #[error("chain ID is not accepted by this service")]
    ChainNotAllowed,
    #[error("message has expired")]
    Expired,
    #[error("message is not valid yet")]
    NotYetValid,
    #[error("issued-at is in the future")]
    IssuedInFuture,
    #[error("message is too old; request a new one")]
    TooOld,
    #[error("signature is malformed")]
    MalformedSignature,
    #[error("signature does not match the address")]
    SignerMismatch,
    #[error("nonce was already used, has expired, or was not issued by this service")]
    NonceRefused,
}

fn malformed(what: impl fmt::Display) -> SiweError {
    SiweError::Malformed(what.to_string())
}

impl SiweMessage {
    /// Parses `text` strictly (see the module documentation).
    pub fn parse(text: &str) -> Result<SiweMessage, SiweError> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(malformed(format_args!(
                "longer than {MAX_MESSAGE_BYTES} bytes"
            )));
        }
        if text.contains('\r') {
            return Err(malformed("lines must end with LF, not CRLF"));
        }
        let mut lines = Lines(text.split('\n').collect(), 0);

        let header = lines.next("header")?;
        let origin = header.strip_suffix(HEADER_SUFFIX).ok_or_else(|| {
            malformed(
                "first line must end with \"wants you to sign in with your Ethereum account:\"",
            )
        })?;
        let (scheme, domain) = match origin.split_once("://") {
            Some((scheme, domain)) => (Some(scheme), domain),
            None => (None, origin),
        };
        if let Some(s) = scheme
            && !is_scheme(s)
        {
            return Err(malformed("scheme is not valid"));
        }
        if domain.is_empty() || domain.len() > MAX_DOMAIN || !domain.bytes().all(is_authority_byte)
        {
            return Err(malformed("domain is not a valid authority"));
        }

        let address = lines.next("address")?;
        ethereum::require_checksummed(address).map_err(|e| match e {
            EthError::BadChecksum => malformed("address is not EIP-55 checksummed"),
            _ => malformed("address is not a 0x-prefixed 20-byte hex address"),
        })?;
        lines.expect_empty("blank line after the address")?;

        let statement = match lines.next("statement or blank line")? {
            "" => None,
            s => {
                if s.len() > MAX_STATEMENT || !s.bytes().all(is_statement_byte) {
                    return Err(malformed(
                        "statement has characters ERC-4361 does not allow",
                    ));
                }
                lines.expect_empty("blank line after the statement")?;
                Some(s.to_owned())
            }
        };

        let uri = lines.field("URI: ")?;
        if !is_uri(uri) {
            return Err(malformed("URI is not a valid RFC 3986 URI"));
        }
        if lines.field("Version: ")? != "1" {
            return Err(malformed("Version must be 1"));
        }
        let chain = lines.field("Chain ID: ")?;
        if chain.is_empty() || chain.len() > 20 || !chain.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("Chain ID must be a decimal integer"));
        }
        let chain_id = chain
            .parse::<u64>()
            .map_err(|_| malformed("Chain ID is out of range"))?;
        let nonce = lines.field("Nonce: ")?;
        if nonce.len() < 8
            || nonce.len() > MAX_NONCE
            || !nonce.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(malformed(format_args!(
                "Nonce must be 8 to {MAX_NONCE} letters or digits"
            )));
        }
        let issued_at = parse_time("Issued At", lines.field("Issued At: ")?)?;
        let expiration_time = match lines.optional_field("Expiration Time: ") {
            Some(v) => Some(parse_time("Expiration Time", v)?),
            None => None,
        };
        let not_before = match lines.optional_field("Not Before: ") {
            Some(v) => Some(parse_time("Not Before", v)?),
            None => None,
        };
        let request_id = match lines.optional_field("Request ID: ") {
            Some(v) if v.len() <= MAX_REQUEST_ID && v.bytes().all(is_pchar_byte) => {
                Some(v.to_owned())
            }
            Some(_) => {
                return Err(malformed(
                    "Request ID has characters ERC-4361 does not allow",
                ));
            }
            None => None,
        };
        let mut resources = Vec::new();
        if lines.peek() == Some("Resources:") {
            lines.1 += 1;
            while let Some(line) = lines.peek() {
                let resource = line
                    .strip_prefix("- ")
                    .ok_or_else(|| malformed("each resource line must start with \"- \""))?;
                if !is_uri(resource) {
                    return Err(malformed("a resource is not a valid RFC 3986 URI"));
                }
                if resources.len() == MAX_RESOURCES {
                    return Err(malformed(format_args!(
                        "more than {MAX_RESOURCES} resources"
                    )));
                }
                resources.push(resource.to_owned());
                lines.1 += 1;
            }
        }
        if let Some(extra) = lines.peek() {
            return Err(malformed(format_args!(
                "unexpected line {}: fields must appear once, in ERC-4361 order, with no trailing newline",
                if extra.is_empty() {
                    "(empty)"
                } else {
                    extra.split(':').next().unwrap_or("")
                }
            )));
        }
        if let Some(exp) = expiration_time
            && exp <= issued_at
        {
            return Err(malformed("Expiration Time must be after Issued At"));
        }

        Ok(SiweMessage {
            scheme: scheme.map(str::to_owned),
            domain: domain.to_owned(),
            address: address.to_owned(),
            statement,
            uri: uri.to_owned(),
            chain_id,
            nonce: nonce.to_owned(),
            issued_at,
            expiration_time,
            not_before,
            request_id,
            resources,
        })
    }
}

struct Lines<'a>(Vec<&'a str>, usize);

impl<'a> Lines<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.0.get(self.1).copied()
    }

    fn next(&mut self, what: &str) -> Result<&'a str, SiweError> {
        let line = self
            .peek()
            .ok_or_else(|| malformed(format_args!("message ends before the {what}")))?;
        self.1 += 1;
        Ok(line)
    }

    fn expect_empty(&mut self, what: &str) -> Result<(), SiweError> {
        match self.next(what)? {
            "" => Ok(()),
            _ => Err(malformed(format_args!("expected a {what}"))),
        }
    }

    fn field(&mut self, prefix: &str) -> Result<&'a str, SiweError> {
        let name = prefix.trim_end_matches(": ");
        self.next(name)?
            .strip_prefix(prefix)
            .ok_or_else(|| malformed(format_args!("expected the {name} field here")))
    }

    fn optional_field(&mut self, prefix: &str) -> Option<&'a str> {
        let value = self.peek()?.strip_prefix(prefix)?;
        self.1 += 1;
        Some(value)
    }
}

fn parse_time(name: &str, value: &str) -> Result<OffsetDateTime, SiweError> {
    if value.len() > 64 {
        return Err(malformed(format_args!("{name} is too long")));
    }
    OffsetDateTime::parse(value, &Rfc3339)
        .map_err(|_| malformed(format_args!("{name} is not an RFC 3339 date-time")))
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

fn is_gen_delim(b: u8) -> bool {
    matches!(b, b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
}

fn is_statement_byte(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b) || is_gen_delim(b) || b == b' '
}

fn is_pchar_byte(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b) || matches!(b, b':' | b'@' | b'%')
}

fn is_authority_byte(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b) || matches!(b, b':' | b'@' | b'%' | b'[' | b']')
}

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// `scheme ":" rest` with only characters a URI may hold.
fn is_uri(s: &str) -> bool {
    s.len() <= MAX_URI
        && s.split_once(':').is_some_and(|(scheme, rest)| {
            is_scheme(scheme)
                && !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| is_unreserved(b) || is_sub_delim(b) || is_gen_delim(b) || b == b'%')
        })
}

/// An origin a message may name: an authority (`host[:port]`), optionally with its scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedDomain {
    pub scheme: Option<String>,
    pub authority: String,
}

impl AllowedDomain {
    /// Parses `host[:port]` or `scheme://host[:port]` (a trailing `/` is ignored).
    pub fn parse(text: &str) -> Option<AllowedDomain> {
        let text = text.trim().trim_end_matches('/');
        let (scheme, authority) = match text.split_once("://") {
            Some((s, a)) => (Some(s.to_ascii_lowercase()), a),
            None => (None, text),
        };
        if authority.is_empty()
            || authority.contains(['/', '*'])
            || !authority.bytes().all(is_authority_byte)
            || scheme.as_deref().is_some_and(|s| !is_scheme(s))
        {
            return None;
        }
        Some(AllowedDomain {
            scheme,
            authority: authority.to_ascii_lowercase(),
        })
    }

    /// The authority must match; a message's scheme must be the configured one, or `http` or
    /// `https` when none is configured (never `javascript:` or another scheme).
    fn matches(&self, message: &SiweMessage) -> bool {
        self.authority.eq_ignore_ascii_case(&message.domain)
            && match (&self.scheme, &message.scheme) {
                (Some(want), Some(got)) => want.eq_ignore_ascii_case(got),
                (None, Some(got)) => {
                    got.eq_ignore_ascii_case("https") || got.eq_ignore_ascii_case("http")
                }
                (_, None) => true,
            }
    }
}

/// What this deployment accepts in a login message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiwePolicy {
    pub domains: Vec<AllowedDomain>,
    pub chain_ids: Vec<u64>,
    /// How long after its issued-at a message may still be used.
    pub max_age: Duration,
    /// Clock difference tolerated between the signer and this service.
    pub skew: Duration,
}

impl SiwePolicy {
    /// Checks domain, chain and time. On success returns the instant after which the message
    /// is refused by these checks alone — how long its nonce must be remembered.
    pub fn check(
        &self,
        message: &SiweMessage,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, SiweError> {
        if !self.domains.iter().any(|d| d.matches(message)) {
            return Err(SiweError::DomainNotAllowed);
        }
        if !self.chain_ids.contains(&message.chain_id) {
            return Err(SiweError::ChainNotAllowed);
        }
        if message.issued_at > now + self.skew {
            return Err(SiweError::IssuedInFuture);
        }
        let too_old_at = message.issued_at + self.max_age;
        if now > too_old_at {
            return Err(SiweError::TooOld);
        }
        if let Some(nbf) = message.not_before
            && now + self.skew < nbf
        {
            return Err(SiweError::NotYetValid);
        }
        let mut valid_until = too_old_at;
        if let Some(exp) = message.expiration_time {
            let exp = exp + self.skew;
            if now >= exp {
                return Err(SiweError::Expired);
            }
            valid_until = valid_until.min(exp);
        }
        Ok(valid_until)
    }
}

/// Recovers the signer of `message` from `signature` and requires it to be the message's
/// address.
pub fn verify_signature(
    text: &str,
    message: &SiweMessage,
    signature: &str,
) -> Result<(), SiweError> {
    let signer =
        ethereum::recover_personal_signer(text.as_bytes(), signature).map_err(|e| match e {
            EthError::Unrecoverable => SiweError::SignerMismatch,
            _ => SiweError::MalformedSignature,
        })?;
    if ethereum::checksum(&signer) == message.address {
        Ok(())
    } else {
        Err(SiweError::SignerMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const ADDRESS: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    fn full() -> String {
        format!(
            "https://app.dixie.test wants you to sign in with your Ethereum account:\n\
             {ADDRESS}\n\n\
             Sign in to Dixie.\n\n\
             URI: https://app.dixie.test/login\n\
             Version: 1\n\
             Chain ID: 80094\n\
             Nonce: abcDEF1234\n\
             Issued At: 2026-11-22T10:00:00.000Z\n\
             Expiration Time: 2026-11-22T10:10:00Z\n\
             Not Before: 2026-11-22T09:59:00+00:00\n\
             Request ID: req-1\n\
             Resources:\n\
             - ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n\
             - https://example.com/my-web2-claim.json"
        )
    }

    fn minimal() -> String {
        format!(
            "app.dixie.test wants you to sign in with your Ethereum account:\n\
             {ADDRESS}\n\n\n\
             URI: https://app.dixie.test\n\
             Version: 1\n\
             Chain ID: 1\n\
             Nonce: 12345678\n\
             Issued At: 2026-11-22T10:00:00Z"
        )
    }

    #[test]
    fn parses_every_field() {
        let m = SiweMessage::parse(&full()).unwrap();
        assert_eq!(m.scheme.as_deref(), Some("https"));
        assert_eq!(m.domain, "app.dixie.test");
        assert_eq!(m.address, ADDRESS);
        assert_eq!(m.statement.as_deref(), Some("Sign in to Dixie."));
        assert_eq!(m.uri, "https://app.dixie.test/login");
        assert_eq!(m.chain_id, 80094);
        assert_eq!(m.nonce, "abcDEF1234");
        assert_eq!(m.issued_at, datetime!(2026-11-22 10:00:00 UTC));
        assert_eq!(m.expiration_time, Some(datetime!(2026-11-22 10:10:00 UTC)));
        assert_eq!(m.not_before, Some(datetime!(2026-11-22 09:59:00 UTC)));
        assert_eq!(m.request_id.as_deref(), Some("req-1"));
        assert_eq!(m.resources.len(), 2);
    }

    #[test]
    fn parses_the_minimal_form() {
        let m = SiweMessage::parse(&minimal()).unwrap();
        assert_eq!(m.scheme, None);
        assert_eq!(m.statement, None);
        assert_eq!(m.expiration_time, None);
        assert!(m.resources.is_empty());
    }

    #[test]
    fn refuses_each_deviation_from_the_abnf() {
        let lower = ADDRESS.to_lowercase();
        let cases: Vec<(&str, String)> = vec![
            ("lowercase address", minimal().replace(ADDRESS, &lower)),
            ("version 2", minimal().replace("Version: 1", "Version: 2")),
            ("short nonce", minimal().replace("12345678", "1234567")),
            ("symbol in nonce", minimal().replace("12345678", "1234567!")),
            (
                "bad time",
                minimal().replace("2026-11-22T10:00:00Z", "2026-11-22 10:00"),
            ),
            ("trailing newline", format!("{}\n", minimal())),
            ("crlf", minimal().replace('\n', "\r\n")),
            ("one blank line", minimal().replace("\n\n\n", "\n\n")),
            (
                "reordered",
                minimal().replace("Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1"),
            ),
            ("unknown field", format!("{}\nColor: blue", minimal())),
            (
                "duplicate field",
                format!(
                    "{}\nExpiration Time: 2026-11-22T10:05:00Z\nExpiration Time: 2026-11-22T10:06:00Z",
                    minimal()
                ),
            ),
            (
                "no header",
                minimal().replace(" wants you to sign in", " wants to sign in"),
            ),
            (
                "space in domain",
                minimal().replace("app.dixie.test wants", "app dixie.test wants"),
            ),
            (
                "quote in statement",
                full().replace("Sign in to Dixie.", "Say \"hi\""),
            ),
            (
                "no uri scheme",
                minimal().replace("URI: https://app.dixie.test", "URI: app.dixie.test"),
            ),
            (
                "chain not a number",
                minimal().replace("Chain ID: 1", "Chain ID: 0x1"),
            ),
            (
                "expires before issued",
                format!("{}\nExpiration Time: 2026-11-22T09:00:00Z", minimal()),
            ),
            (
                "resource without dash",
                full().replace("- https://example.com", "https://example.com"),
            ),
            (
                "oversize",
                format!("{}\nResources:{}", minimal(), "\n- a:b".repeat(2000)),
            ),
            (
                "too many resources",
                format!("{}\nResources:{}", minimal(), "\n- a:b".repeat(33)),
            ),
            ("empty", String::new()),
        ];
        for (name, text) in cases {
            assert!(
                matches!(SiweMessage::parse(&text), Err(SiweError::Malformed(_))),
                "{name} was accepted"
            );
        }
    }

    fn policy() -> SiwePolicy {
        SiwePolicy {
            domains: vec![
                AllowedDomain::parse("https://app.dixie.test").unwrap(),
                AllowedDomain::parse("localhost:3000").unwrap(),
            ],
            chain_ids: vec![1, 80094],
            max_age: Duration::minutes(10),
            skew: Duration::seconds(60),
        }
    }

    #[test]
    fn policy_accepts_a_fresh_message_and_says_how_long_it_lives() {
        let m = SiweMessage::parse(&full()).unwrap();
        let now = datetime!(2026-11-22 10:01:00 UTC);
        assert_eq!(
            policy().check(&m, now),
            Ok(datetime!(2026-11-22 10:10:00 UTC))
        );
        let m = SiweMessage::parse(&minimal()).unwrap();
        assert_eq!(
            policy().check(&m, now),
            Ok(datetime!(2026-11-22 10:10:00 UTC))
        );
    }

    #[test]
    fn policy_refuses_foreign_domain_scheme_and_chain() {
        let now = datetime!(2026-11-22 10:01:00 UTC);
        let other = full().replace("https://app.dixie.test wants", "https://evil.test wants");
        let http = full().replace(
            "https://app.dixie.test wants",
            "http://app.dixie.test wants",
        );
        let chain = full().replace("Chain ID: 80094", "Chain ID: 5");
        for (text, want) in [
            (other, SiweError::DomainNotAllowed),
            (http, SiweError::DomainNotAllowed),
            (chain, SiweError::ChainNotAllowed),
        ] {
            let m = SiweMessage::parse(&text).unwrap();
            assert_eq!(policy().check(&m, now), Err(want));
        }
    }

    #[test]
    fn a_domain_without_a_scheme_admits_only_http_and_https() {
        let now = datetime!(2026-11-22 10:01:00 UTC);
        let mut p = policy();
        p.domains = vec![AllowedDomain::parse("app.dixie.test").unwrap()];
        for (scheme, ok) in [
            ("https://", true),
            ("HTTP://", true),
            ("", true),
            ("javascript://", false),
            ("ftp://", false),
        ] {
            let text = full().replace(
                "https://app.dixie.test wants",
                &format!("{scheme}app.dixie.test wants"),
            );
            let m = SiweMessage::parse(&text).unwrap();
            assert_eq!(p.check(&m, now).is_ok(), ok, "{scheme:?}");
        }
    }

    #[test]
    fn policy_enforces_time_with_skew() {
        let m = SiweMessage::parse(&full()).unwrap();
        let p = policy();
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 09:58:00 UTC)),
            Err(SiweError::IssuedInFuture)
        );
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 09:59:30 UTC)),
            Ok(datetime!(2026-11-22 10:10:00 UTC))
        );
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 10:10:59 UTC)),
            Err(SiweError::TooOld)
        );
        let long = full().replace("10:10:00Z", "11:00:00Z");
        let m = SiweMessage::parse(&long).unwrap();
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 10:10:01 UTC)),
            Err(SiweError::TooOld)
        );
        let short = full().replace(
            "Expiration Time: 2026-11-22T10:10:00Z",
            "Expiration Time: 2026-11-22T10:02:00Z",
        );
        let m = SiweMessage::parse(&short).unwrap();
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 10:02:59 UTC)),
            Ok(datetime!(2026-11-22 10:03:00 UTC))
        );
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 10:03:00 UTC)),
            Err(SiweError::Expired)
        );
        let later = full().replace(
            "Not Before: 2026-11-22T09:59:00+00:00",
            "Not Before: 2026-11-22T10:05:00Z",
        );
        let m = SiweMessage::parse(&later).unwrap();
        assert_eq!(
            p.check(&m, datetime!(2026-11-22 10:03:59 UTC)),
            Err(SiweError::NotYetValid)
        );
        assert!(p.check(&m, datetime!(2026-11-22 10:04:00 UTC)).is_ok());
    }

    #[test]
    fn allowed_domains_parse() {
        assert_eq!(
            AllowedDomain::parse("http://localhost:3001/"),
            Some(AllowedDomain {
                scheme: Some("http".into()),
                authority: "localhost:3001".into()
            })
        );
        assert_eq!(AllowedDomain::parse("*"), None);
        assert_eq!(AllowedDomain::parse("https://a.test/path"), None);
        assert_eq!(AllowedDomain::parse(""), None);
    }
}
