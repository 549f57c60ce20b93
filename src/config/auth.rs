//! Credentials and login: the JWT signing key and the keys accepted besides it, the admin key,
//! SIWE.

use std::time::Duration;

use super::{ConfigError, Env, Secret, bad};
use crate::core::auth::siwe::AllowedDomain;

/// Minimum length of an HS256 secret, in bytes.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// The configured signing key, classified by its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtKey {
    /// Text starting with `-----BEGIN`: an ES256 private key.
    Pem(Secret),
    /// Anything else: an HS256 secret (at least [`MIN_HS256_SECRET_BYTES`]).
    Hs256(Secret),
}

/// What SIWE login accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiweConfig {
    pub domains: Vec<AllowedDomain>,
    pub chain_ids: Vec<u64>,
    pub max_age: Duration,
    pub nonce_ttl: Duration,
    pub require_server_nonce: bool,
}

/// The signing key and the keys accepted besides it.
pub(super) struct Keys {
    pub jwt_key: Option<JwtKey>,
    pub jwt_previous_key: Option<Secret>,
    pub hs256_fallback_secret: Option<Secret>,
}

pub(super) fn keys<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    production: bool,
) -> Result<Keys, ConfigError> {
    let jwt_key = match env.get("DIXIE_JWT_PRIVATE_KEY") {
        Some(text) if text.starts_with("-----BEGIN") => Some(JwtKey::Pem(Secret(text))),
        Some(text) if text.len() < MIN_HS256_SECRET_BYTES => {
            return Err(bad(
                "DIXIE_JWT_PRIVATE_KEY",
                format!(
                    "an HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes (got {})",
                    text.len()
                ),
            ));
        }
        Some(text) => Some(JwtKey::Hs256(Secret(text))),
        None if production => {
            return Err(bad("DIXIE_JWT_PRIVATE_KEY", "is required in production"));
        }
        None => None,
    };
    let jwt_previous_key = match env.get("DIXIE_JWT_PREVIOUS_KEY") {
        Some(text) if !text.starts_with("-----BEGIN") => {
            return Err(bad("DIXIE_JWT_PREVIOUS_KEY", "must be a PEM key"));
        }
        other => other.map(Secret),
    };
    // Upstream main's name for the same secret (§16) is an alias.
    let (fallback_var, fallback) = match (
        env.get("DIXIE_HS256_FALLBACK_SECRET"),
        env.get("DIXIE_JWT_LEGACY_HS256_SECRET"),
    ) {
        (Some(a), Some(b)) if a != b => {
            return Err(bad(
                "DIXIE_JWT_LEGACY_HS256_SECRET",
                "names the same secret as DIXIE_HS256_FALLBACK_SECRET with another value: set one",
            ));
        }
        (Some(a), _) => ("DIXIE_HS256_FALLBACK_SECRET", Some(a)),
        (None, b) => ("DIXIE_JWT_LEGACY_HS256_SECRET", b),
    };
    let hs256_fallback_secret = match fallback {
        Some(text) if text.len() < MIN_HS256_SECRET_BYTES => {
            return Err(bad(
                fallback_var,
                format!(
                    "must be at least {MIN_HS256_SECRET_BYTES} bytes (got {})",
                    text.len()
                ),
            ));
        }
        other => other.map(Secret),
    };

    Ok(Keys {
        jwt_key,
        jwt_previous_key,
        hs256_fallback_secret,
    })
}

pub(super) fn admin_key<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    production: bool,
) -> Result<Option<Secret>, ConfigError> {
    let admin_key = env.get("DIXIE_ADMIN_KEY").map(Secret);
    match &admin_key {
        None if production => {
            return Err(bad("DIXIE_ADMIN_KEY", "is required in production"));
        }
        Some(key) if production => check_admin_key(key.expose())?,
        _ => {}
    }

    Ok(admin_key)
}

pub(super) fn siwe<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    cors_origins: &[String],
) -> Result<SiweConfig, ConfigError> {
    let siwe = SiweConfig {
        domains: match env.get("DIXIE_SIWE_DOMAINS") {
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|d| {
                    AllowedDomain::parse(d).ok_or_else(|| {
                        bad(
                            "DIXIE_SIWE_DOMAINS",
                            format!("{d:?} is not host[:port] or scheme://host[:port]"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            None => cors_origins
                .iter()
                .filter_map(|o| AllowedDomain::parse(o))
                .collect(),
        },
        chain_ids: match env.get("DIXIE_SIWE_CHAIN_IDS") {
            None => vec![1],
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|c| {
                    c.parse::<u64>().map_err(|_| {
                        bad(
                            "DIXIE_SIWE_CHAIN_IDS",
                            format!("{c:?} is not a decimal chain ID"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        },
        max_age: Duration::from_secs(env.int("DIXIE_SIWE_MAX_AGE_SECS", 600u64, 30, 86_400)?),
        nonce_ttl: Duration::from_secs(env.int("DIXIE_SIWE_NONCE_TTL_SECS", 300u64, 30, 3600)?),
        require_server_nonce: env.flag("DIXIE_SIWE_REQUIRE_SERVER_NONCE")?,
    };
    if siwe.domains.is_empty() {
        return Err(bad(
            "DIXIE_SIWE_DOMAINS",
            "names no domain (and DIXIE_CORS_ORIGINS gives none to derive): SIWE login needs at least one",
        ));
    }
    if siwe.chain_ids.is_empty() {
        return Err(bad("DIXIE_SIWE_CHAIN_IDS", "names no chain ID"));
    }

    Ok(siwe)
}

/// Shortest production admin key, in characters.
pub const MIN_ADMIN_KEY_CHARS: usize = 32;
/// Least estimated entropy of a production admin key, in bits.
pub const MIN_ADMIN_KEY_BITS: f64 = 96.0;

/// A production admin key must be long and not repetitive: at least [`MIN_ADMIN_KEY_CHARS`]
/// characters whose estimated entropy (length × the Shannon entropy of its character
/// frequencies) is at least [`MIN_ADMIN_KEY_BITS`], and that is not one string repeated.
/// 32 random hex digits or base64 characters pass; `aaaa…` or a word repeated do not.
fn check_admin_key(key: &str) -> Result<(), ConfigError> {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < MIN_ADMIN_KEY_CHARS {
        return Err(bad(
            "DIXIE_ADMIN_KEY",
            format!(
                "must be at least {MIN_ADMIN_KEY_CHARS} characters in production (got {}); `openssl rand -hex 32` makes one",
                chars.len()
            ),
        ));
    }
    let mut counts = std::collections::HashMap::new();
    for c in &chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let n = chars.len() as f64;
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    let periodic =
        (1..=chars.len() / 2).any(|p| chars.iter().zip(&chars[p..]).all(|(a, b)| a == b));
    if periodic || per_char * n < MIN_ADMIN_KEY_BITS {
        return Err(bad(
            "DIXIE_ADMIN_KEY",
            "is too repetitive for production (estimated entropy under 96 bits); `openssl rand -hex 32` makes one",
        ));
    }
    Ok(())
}
