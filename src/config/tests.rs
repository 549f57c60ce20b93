//! Parsing and validation of every concern.
use super::*;
use crate::core::auth::siwe::AllowedDomain;
use std::collections::HashMap;

fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

const PROD_OK: &[(&str, &str)] = &[
    ("DIXIE_ENV", "production"),
    ("FINN_URL", "http://finn.internal:3000/"),
    ("DIXIE_JWT_PRIVATE_KEY", "0123456789abcdef0123456789abcdef"),
    ("DIXIE_ADMIN_KEY", "9f2c4e7a1b8d3f6e0a5c2b9d4e7f1a3c"),
];

#[test]
fn defaults_start_a_development_server() {
    let cfg = parse(&[]).unwrap();
    assert_eq!(cfg.env, Environment::Development);
    assert_eq!(cfg.port, 3001);
    assert_eq!(cfg.host, IpAddr::from([127, 0, 0, 1]));
    assert_eq!(cfg.finn_url, "http://127.0.0.1:4000");
    assert_eq!(cfg.jwt_key, None);
    assert_eq!(cfg.cors_origins, vec!["http://localhost:3001".to_owned()]);
    assert_eq!(cfg.database, None);
    assert!(!cfg.x402_enabled);
}

#[test]
fn production_needs_a_key_an_admin_key_and_finn() {
    let cfg = parse(PROD_OK).unwrap();
    assert_eq!(cfg.finn_url, "http://finn.internal:3000");
    for missing in ["DIXIE_JWT_PRIVATE_KEY", "DIXIE_ADMIN_KEY", "FINN_URL"] {
        let pairs: Vec<_> = PROD_OK
            .iter()
            .copied()
            .filter(|(k, _)| *k != missing)
            .collect();
        let err = parse(&pairs).unwrap_err();
        assert_eq!(err.var, missing);
        assert_eq!(err.reason, "is required in production");
    }
}

/// The production config with another admin key.
fn with_admin_key(key: &str) -> Vec<(&str, &str)> {
    PROD_OK
        .iter()
        .map(|&(k, v)| (k, if k == "DIXIE_ADMIN_KEY" { key } else { v }))
        .collect()
}

#[test]
fn production_refuses_a_weak_admin_key_without_echoing_it() {
    for weak in [
        "a",
        "admin",
        &"a".repeat(64),
        &"admin".repeat(10),
        "admin-admin-admin-admin-admin-admin-admin",
        "0123456789abcdef0123456789abcdef",
    ] {
        let pairs = with_admin_key(weak);
        let err = parse(&pairs).unwrap_err();
        assert_eq!(err.var, "DIXIE_ADMIN_KEY", "{weak}");
        if weak.len() > 3 {
            assert!(!err.to_string().contains(weak), "{err}");
        }
    }
    // Outside production a short key is fine (tests, local runs).
    assert!(parse(&[("DIXIE_ADMIN_KEY", "a")]).is_ok());
    // Random keys of the documented sizes pass.
    for strong in [
        "4f1c9a7e2b6d8c3a5e0f7b1d9c4a6e2f",
        "q3ZP9xL0vR7mT2kB8nY5wC1aJ6uH4eGs",
    ] {
        let pairs = with_admin_key(strong);
        assert!(parse(&pairs).is_ok(), "{strong}");
    }
}

#[test]
fn node_env_is_read_when_dixie_env_is_unset() {
    let err = parse(&[("NODE_ENV", "production")]).unwrap_err();
    assert_eq!(err.var, "FINN_URL");
    let cfg = parse(&[("NODE_ENV", "production"), ("DIXIE_ENV", "test")]).unwrap();
    assert_eq!(cfg.env, Environment::Test);
}

#[test]
fn short_hs256_secret_is_refused_without_echoing_it() {
    let err = parse(&[("DIXIE_JWT_PRIVATE_KEY", "hunter2")]).unwrap_err();
    assert_eq!(err.var, "DIXIE_JWT_PRIVATE_KEY");
    assert!(err.reason.contains("at least 32 bytes (got 7)"));
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn pem_text_selects_es256() {
    let cfg = parse(&[("DIXIE_JWT_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nx")]).unwrap();
    assert!(matches!(cfg.jwt_key, Some(JwtKey::Pem(_))));
}

#[test]
fn siwe_domains_default_to_the_cors_origins() {
    let cfg = parse(&[]).unwrap();
    assert_eq!(
        cfg.siwe.domains,
        vec![AllowedDomain::parse("http://localhost:3001").unwrap()]
    );
    assert_eq!(cfg.siwe.chain_ids, vec![1]);
    assert_eq!(cfg.siwe.max_age, Duration::from_secs(600));
    assert!(!cfg.siwe.require_server_nonce);
    let cfg = parse(&[
        (
            "DIXIE_SIWE_DOMAINS",
            "app.example.com, https://beta.example.com:8443",
        ),
        ("DIXIE_SIWE_CHAIN_IDS", "1,80094"),
        ("DIXIE_SIWE_REQUIRE_SERVER_NONCE", "true"),
    ])
    .unwrap();
    assert_eq!(cfg.siwe.domains.len(), 2);
    assert_eq!(cfg.siwe.chain_ids, vec![1, 80094]);
    assert!(cfg.siwe.require_server_nonce);
}

#[test]
fn siwe_needs_a_domain_and_valid_chain_ids() {
    let err = parse(&[("DIXIE_CORS_ORIGINS", "*")]).unwrap_err();
    assert_eq!(err.var, "DIXIE_SIWE_DOMAINS");
    let err = parse(&[("DIXIE_SIWE_DOMAINS", "https://a.test/path")]).unwrap_err();
    assert_eq!(err.var, "DIXIE_SIWE_DOMAINS");
    let err = parse(&[("DIXIE_SIWE_CHAIN_IDS", "mainnet")]).unwrap_err();
    assert_eq!(err.var, "DIXIE_SIWE_CHAIN_IDS");
    let err = parse(&[("DIXIE_SIWE_MAX_AGE_SECS", "5")]).unwrap_err();
    assert_eq!(err.var, "DIXIE_SIWE_MAX_AGE_SECS");
}

#[test]
fn numbers_are_range_checked() {
    for (var, value) in [
        ("DIXIE_PORT", "70000"),
        ("DIXIE_PORT", "abc"),
        ("DIXIE_RATE_LIMIT_RPM", "0"),
        ("FINN_TIMEOUT_MS", "-5"),
        ("DIXIE_DB_POOL_MAX", "1000"),
    ] {
        let err = parse(&[(var, value)]).unwrap_err();
        assert_eq!(err.var, var, "{var}={value}");
        assert!(err.reason.starts_with("must be an integer in"), "{err}");
    }
}

#[test]
fn enums_and_flags_refuse_unknown_words() {
    assert_eq!(
        parse(&[("LOG_LEVEL", "loud")]).unwrap_err().var,
        "LOG_LEVEL"
    );
    assert_eq!(
        parse(&[("DIXIE_X402_ENABLED", "yes")]).unwrap_err().var,
        "DIXIE_X402_ENABLED"
    );
    assert_eq!(
        parse(&[("DIXIE_ENV", "staging")]).unwrap_err().var,
        "DIXIE_ENV"
    );
    assert_eq!(
        parse(&[("DIXIE_HOST", "localhost")]).unwrap_err().var,
        "DIXIE_HOST"
    );
    assert!(
        parse(&[("DIXIE_X402_ENABLED", "true")])
            .unwrap()
            .x402_enabled
    );
}

#[test]
fn urls_are_checked() {
    assert_eq!(
        parse(&[("FINN_URL", "finn:3000")]).unwrap_err().var,
        "FINN_URL"
    );
    assert_eq!(
        parse(&[("FINN_URL", "http://")]).unwrap_err().var,
        "FINN_URL"
    );
    let err = parse(&[("DATABASE_URL", "mysql://u:pw@h/db")]).unwrap_err();
    assert_eq!(err.var, "DATABASE_URL");
    assert!(!err.to_string().contains("pw"));
}

#[test]
fn empty_counts_as_unset() {
    let cfg = parse(&[("DATABASE_URL", ""), ("DIXIE_PORT", "")]).unwrap();
    assert_eq!(cfg.database, None);
    assert_eq!(cfg.port, 3001);
}

#[test]
fn cors_list_is_split_and_trimmed() {
    let cfg = parse(&[(
        "DIXIE_CORS_ORIGINS",
        " https://a.example , https://b.example,",
    )])
    .unwrap();
    assert_eq!(
        cfg.cors_origins,
        vec!["https://a.example", "https://b.example"]
    );
}

#[test]
fn help_lists_every_variable() {
    let help = help_text();
    for var in VARS {
        assert!(help.contains(var.name), "{}", var.name);
    }
}

#[test]
fn secrets_do_not_debug_print() {
    let cfg = parse(PROD_OK).unwrap();
    assert!(!format!("{cfg:?}").contains("0123456789abcdef"));
}

#[test]
fn finn_auth_token_is_a_secret_of_printable_ascii() {
    let cfg = parse(&[("FINN_AUTH_TOKEN", "tok-123")]).unwrap();
    assert_eq!(
        cfg.finn_auth_token.as_ref().map(Secret::expose),
        Some("tok-123")
    );
    assert!(!format!("{cfg:?}").contains("tok-123"));
    let err = parse(&[("FINN_AUTH_TOKEN", "has space")]).unwrap_err();
    assert_eq!(err.var, "FINN_AUTH_TOKEN");
    assert!(!err.to_string().contains("has space"));
    assert_eq!(parse(&[]).unwrap().finn_auth_token, None);
}

#[test]
fn port_overrides_dixie_port_as_platforms_set_it() {
    let cfg = parse(&[("DIXIE_PORT", "3001"), ("PORT", "8080")]).unwrap();
    assert_eq!(cfg.port, 8080);
    assert_eq!(parse(&[("DIXIE_PORT", "3002")]).unwrap().port, 3002);
    assert_eq!(parse(&[("PORT", "x")]).unwrap_err().var, "PORT");
}

#[test]
fn the_legacy_hs256_secret_has_upstreams_name_as_an_alias() {
    const S: &str = "legacy-hs256-secret-of-32-bytes!!";
    for var in [
        "DIXIE_HS256_FALLBACK_SECRET",
        "DIXIE_JWT_LEGACY_HS256_SECRET",
    ] {
        let cfg = parse(&[(var, S)]).unwrap();
        assert_eq!(
            cfg.hs256_fallback_secret.as_ref().map(Secret::expose),
            Some(S),
            "{var}"
        );
    }
    let both = [
        ("DIXIE_HS256_FALLBACK_SECRET", S),
        ("DIXIE_JWT_LEGACY_HS256_SECRET", S),
    ];
    assert!(parse(&both).is_ok(), "the same value twice is fine");
    let other = "another-legacy-secret-of-32-bytes!";
    let err = parse(&[
        ("DIXIE_HS256_FALLBACK_SECRET", S),
        ("DIXIE_JWT_LEGACY_HS256_SECRET", other),
    ])
    .unwrap_err();
    assert_eq!(err.var, "DIXIE_JWT_LEGACY_HS256_SECRET");
    assert!(!err.to_string().contains(S), "never the value");
    let short = parse(&[("DIXIE_JWT_LEGACY_HS256_SECRET", "short")]).unwrap_err();
    assert_eq!(
        short.var, "DIXIE_JWT_LEGACY_HS256_SECRET",
        "the error names the variable used"
    );
}

#[test]
fn the_rate_limit_backend_follows_redis_unless_told() {
    use crate::config::RateLimitBackend::{Memory, Redis};
    let backend = |vars: &[(&str, &str)]| parse(vars).map(|c| c.rate_limit_backend);
    assert_eq!(backend(&[]), Ok(Memory));
    assert_eq!(backend(&[("REDIS_URL", "redis://r:6379")]), Ok(Redis));
    assert_eq!(
        backend(&[
            ("REDIS_URL", "redis://r:6379"),
            ("DIXIE_RATE_LIMIT_BACKEND", "memory")
        ]),
        Ok(Memory)
    );
    let err = parse(&[("DIXIE_RATE_LIMIT_BACKEND", "redis")]).unwrap_err();
    assert_eq!(err.var, "DIXIE_RATE_LIMIT_BACKEND");
    let err = parse(&[("DIXIE_RATE_LIMIT_BACKEND", "etcd")]).unwrap_err();
    assert!(err.reason.contains("memory or redis"), "{err}");
}
