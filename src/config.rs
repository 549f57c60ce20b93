//! Environment → typed, validated [`Config`].
//!
//! Every variable is listed once in [`VARS`]; `dixie --help` prints that table. Parsing is a
//! pure function of a lookup, so it is tested without touching the process environment. A bad
//! value is a [`ConfigError`] naming the variable (never echoing a secret); `main` prints it and
//! exits 2 before anything starts.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::core::auth::siwe::AllowedDomain;

/// One environment variable: its name, default and meaning, as `dixie --help` prints them.
pub struct VarSpec {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

/// Every variable Dixie reads.
pub const VARS: &[VarSpec] = &[
    VarSpec {
        name: "DIXIE_ENV",
        default: "development",
        help: "production | development | test (NODE_ENV is read when unset)",
    },
    VarSpec {
        name: "DIXIE_HOST",
        default: "127.0.0.1",
        help: "address to listen on (the container sets 0.0.0.0)",
    },
    VarSpec {
        name: "DIXIE_PORT",
        default: "3001",
        help: "TCP port, 1..65535 (0 = any free port)",
    },
    VarSpec {
        name: "LOG_LEVEL",
        default: "info",
        help: "error | warn | info | debug | trace",
    },
    VarSpec {
        name: "FINN_URL",
        default: "http://127.0.0.1:4000",
        help: "base URL of the Finn runtime (required in production)",
    },
    VarSpec {
        name: "FINN_TIMEOUT_MS",
        default: "5000",
        help: "per-call timeout for Finn, 1..60000 ms",
    },
    VarSpec {
        name: "DIXIE_JWT_PRIVATE_KEY",
        default: "(generated, outside production)",
        help: "PKCS#8 PEM → ES256 with kid; anything else → HS256 secret of at least 32 bytes",
    },
    VarSpec {
        name: "DIXIE_JWT_PREVIOUS_KEY",
        default: "(unset)",
        help: "previous ES256 key (PEM) still accepted and published during a rotation",
    },
    VarSpec {
        name: "DIXIE_HS256_FALLBACK_SECRET",
        default: "(unset)",
        help: "legacy HS256 secret accepted for verification only, during the ES256 migration",
    },
    VarSpec {
        name: "DIXIE_SIWE_DOMAINS",
        default: "(the origins in DIXIE_CORS_ORIGINS)",
        help: "comma-separated domains a SIWE message may name: host[:port] or scheme://host[:port]",
    },
    VarSpec {
        name: "DIXIE_SIWE_CHAIN_IDS",
        default: "1",
        help: "comma-separated EIP-155 chain IDs a SIWE message may name",
    },
    VarSpec {
        name: "DIXIE_SIWE_MAX_AGE_SECS",
        default: "600",
        help: "how long after its Issued At a SIWE message may log in, 30..86400",
    },
    VarSpec {
        name: "DIXIE_SIWE_NONCE_TTL_SECS",
        default: "300",
        help: "lifetime of a nonce from POST /api/auth/nonce, 30..3600",
    },
    VarSpec {
        name: "DIXIE_SIWE_REQUIRE_SERVER_NONCE",
        default: "false",
        help: "true | false: accept only nonces from POST /api/auth/nonce (false also accepts client-chosen ones, each once)",
    },
    VarSpec {
        name: "DIXIE_ADMIN_KEY",
        default: "(unset: admin API off)",
        help: "admin API key (required in production: at least 32 characters and about 128 bits of entropy)",
    },
    VarSpec {
        name: "DIXIE_CORS_ORIGINS",
        default: "http://localhost:<port>",
        help: "comma-separated allowed origins; * = any origin, without credentials",
    },
    VarSpec {
        name: "DIXIE_ALLOWLIST_PATH",
        default: "/data/allowlist.json",
        help: "allowlist file (wallets, API keys)",
    },
    VarSpec {
        name: "DIXIE_RATE_LIMIT_RPM",
        default: "100",
        help: "requests per minute per identity, 1..1000000000",
    },
    VarSpec {
        name: "DIXIE_SCHEDULE_CALLBACK_SECRET",
        default: "(unset: every schedule callback is refused)",
        help: "HMAC-SHA256 key Finn signs schedule callbacks with",
    },
    VarSpec {
        name: "DIXIE_CONVICTION_TIER_TTL",
        default: "300",
        help: "seconds a wallet's conviction tier is reused, 0..86400 (0 = ask Finn every request)",
    },
    VarSpec {
        name: "DIXIE_X402_ENABLED",
        default: "false",
        help: "true | false: x402 payment scaffold headers",
    },
    VarSpec {
        name: "DATABASE_URL",
        default: "(unset: in-memory store)",
        help: "PostgreSQL URL; sslmode=disable|prefer|require|verify-full honoured",
    },
    VarSpec {
        name: "DIXIE_DB_POOL_MAX",
        default: "10",
        help: "PostgreSQL pool size, 1..100",
    },
    VarSpec {
        name: "DIXIE_DB_CONNECT_TIMEOUT_MS",
        default: "2000",
        help: "pool checkout / connect timeout, 100..60000 ms",
    },
    VarSpec {
        name: "DIXIE_MIGRATE_ON_START",
        default: "false",
        help: "true | false: run embedded migrations before serving",
    },
    VarSpec {
        name: "DIXIE_SHUTDOWN_GRACE_SECS",
        default: "25",
        help: "drain time for in-flight requests on SIGTERM/SIGINT, 0..300",
    },
    VarSpec {
        name: "DIXIE_DB_QUERY_TIMEOUT_MS",
        default: "5000",
        help: "longest a query may run, server-side (statement_timeout) and client-side, 100..60000 ms",
    },
    VarSpec {
        name: "DIXIE_HEADER_READ_TIMEOUT_SECS",
        default: "10",
        help: "a request's headers (and then its body) must arrive within this, 1..300 s; it also ends a kept-alive connection idle between requests, so keep it above a load balancer's idle timeout",
    },
    VarSpec {
        name: "DIXIE_IDLE_TIMEOUT_SECS",
        default: "120",
        help: "a connection with no byte either way for this long while the server waits on it is closed, 1..3600 s",
    },
    VarSpec {
        name: "DIXIE_TRUSTED_PROXY_HOPS",
        default: "0",
        help: "proxies in front of Dixie that append to X-Forwarded-For, 0..10; the client address is the hop that many from the right (0: the peer address, the header ignored)",
    },
    VarSpec {
        name: "REDIS_URL",
        default: "(unset)",
        help: "accepted for deployment parity; this build does not use Redis",
    },
    VarSpec {
        name: "NATS_URL",
        default: "(unset)",
        help: "accepted for deployment parity; this build does not use NATS",
    },
];

/// A value that must never reach a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Production,
    Development,
    Test,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub url: Secret,
    pub pool_max: u32,
    pub connect_timeout: Duration,
    /// Longest a query may take, enforced by the server and by the client.
    pub query_timeout: Duration,
    pub migrate_on_start: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub env: Environment,
    pub host: IpAddr,
    pub port: u16,
    pub log_level: LogLevel,
    pub finn_url: String,
    pub finn_timeout: Duration,
    /// `None` only outside production: wiring then generates an ephemeral key.
    pub jwt_key: Option<JwtKey>,
    pub jwt_previous_key: Option<Secret>,
    pub hs256_fallback_secret: Option<Secret>,
    pub admin_key: Option<Secret>,
    pub siwe: SiweConfig,
    pub cors_origins: Vec<String>,
    pub allowlist_path: PathBuf,
    pub rate_limit_rpm: u32,
    pub schedule_callback_secret: Option<Secret>,
    pub conviction_tier_ttl: Duration,
    pub x402_enabled: bool,
    pub database: Option<DatabaseConfig>,
    pub shutdown_grace: Duration,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub trusted_proxy_hops: u8,
    pub redis_url: Option<String>,
    pub nats_url: Option<String>,
}

/// A bad variable: which one and why, without its value when it is secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn bad(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The value of `name`; unset and empty are both "not given".
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.is_empty())
    }

    fn int<T>(&self, name: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => match raw.trim().parse::<T>() {
                Ok(v) if v >= min && v <= max => Ok(v),
                _ => Err(bad(
                    name,
                    format!("must be an integer in {min}..={max} (got {raw:?})"),
                )),
            },
        }
    }

    fn flag(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.get(name).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(bad(name, format!("must be true or false (got {other:?})"))),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses and validates every variable through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env(lookup);

        let environment = match env
            .get("DIXIE_ENV")
            .or_else(|| env.get("NODE_ENV"))
            .as_deref()
        {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some("test") => Environment::Test,
            Some(other) => {
                return Err(bad(
                    "DIXIE_ENV",
                    format!("must be production, development or test (got {other:?})"),
                ));
            }
        };
        let production = environment == Environment::Production;

        let host = match env.get("DIXIE_HOST") {
            None => IpAddr::from([127, 0, 0, 1]),
            Some(raw) => raw
                .parse()
                .map_err(|_| bad("DIXIE_HOST", format!("must be an IP address (got {raw:?})")))?,
        };
        let port = env.int("DIXIE_PORT", 3001u16, 0, u16::MAX)?;

        let log_level = match env.get("LOG_LEVEL").as_deref() {
            None | Some("info") => LogLevel::Info,
            Some("error") => LogLevel::Error,
            Some("warn") => LogLevel::Warn,
            Some("debug") => LogLevel::Debug,
            Some("trace") => LogLevel::Trace,
            Some(other) => {
                return Err(bad(
                    "LOG_LEVEL",
                    format!("must be error, warn, info, debug or trace (got {other:?})"),
                ));
            }
        };

        let finn_url = match env.get("FINN_URL") {
            Some(url) => parse_http_url("FINN_URL", &url)?,
            None if production => return Err(bad("FINN_URL", "is required in production")),
            None => "http://127.0.0.1:4000".to_owned(),
        };
        let finn_timeout = Duration::from_millis(env.int("FINN_TIMEOUT_MS", 5000u64, 1, 60_000)?);

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
        let hs256_fallback_secret = match env.get("DIXIE_HS256_FALLBACK_SECRET") {
            Some(text) if text.len() < MIN_HS256_SECRET_BYTES => {
                return Err(bad(
                    "DIXIE_HS256_FALLBACK_SECRET",
                    format!(
                        "must be at least {MIN_HS256_SECRET_BYTES} bytes (got {})",
                        text.len()
                    ),
                ));
            }
            other => other.map(Secret),
        };

        let admin_key = env.get("DIXIE_ADMIN_KEY").map(Secret);
        match &admin_key {
            None if production => {
                return Err(bad("DIXIE_ADMIN_KEY", "is required in production"));
            }
            Some(key) if production => check_admin_key(key.expose())?,
            _ => {}
        }

        let cors_origins = match env.get("DIXIE_CORS_ORIGINS") {
            None => vec![format!("http://localhost:{port}")],
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };

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
            nonce_ttl: Duration::from_secs(env.int(
                "DIXIE_SIWE_NONCE_TTL_SECS",
                300u64,
                30,
                3600,
            )?),
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

        let allowlist_path = PathBuf::from(
            env.get("DIXIE_ALLOWLIST_PATH")
                .unwrap_or_else(|| "/data/allowlist.json".to_owned()),
        );
        let rate_limit_rpm = env.int("DIXIE_RATE_LIMIT_RPM", 100u32, 1, 1_000_000_000)?;
        let x402_enabled = env.flag("DIXIE_X402_ENABLED")?;
        let schedule_callback_secret = env.get("DIXIE_SCHEDULE_CALLBACK_SECRET").map(Secret);
        let conviction_tier_ttl =
            Duration::from_secs(env.int("DIXIE_CONVICTION_TIER_TTL", 300u64, 0, 86_400)?);

        let pool_max = env.int("DIXIE_DB_POOL_MAX", 10u32, 1, 100)?;
        let connect_timeout =
            Duration::from_millis(env.int("DIXIE_DB_CONNECT_TIMEOUT_MS", 2000u64, 100, 60_000)?);
        let migrate_on_start = env.flag("DIXIE_MIGRATE_ON_START")?;
        let query_timeout =
            Duration::from_millis(env.int("DIXIE_DB_QUERY_TIMEOUT_MS", 5000u64, 100, 60_000)?);
        let database = match env.get("DATABASE_URL") {
            None => None,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Some(DatabaseConfig {
                    url: Secret(url),
                    pool_max,
                    connect_timeout,
                    query_timeout,
                    migrate_on_start,
                })
            }
            Some(_) => {
                return Err(bad(
                    "DATABASE_URL",
                    "must start with postgres:// or postgresql://",
                ));
            }
        };

        let shutdown_grace =
            Duration::from_secs(env.int("DIXIE_SHUTDOWN_GRACE_SECS", 25u64, 0, 300)?);

        Ok(Config {
            env: environment,
            host,
            port,
            log_level,
            finn_url,
            finn_timeout,
            jwt_key,
            jwt_previous_key,
            hs256_fallback_secret,
            admin_key,
            siwe,
            cors_origins,
            allowlist_path,
            rate_limit_rpm,
            schedule_callback_secret,
            conviction_tier_ttl,
            x402_enabled,
            database,
            shutdown_grace,
            header_read_timeout: Duration::from_secs(env.int(
                "DIXIE_HEADER_READ_TIMEOUT_SECS",
                10u64,
                1,
                300,
            )?),
            idle_timeout: Duration::from_secs(env.int(
                "DIXIE_IDLE_TIMEOUT_SECS",
                120u64,
                1,
                3600,
            )?),
            trusted_proxy_hops: env.int("DIXIE_TRUSTED_PROXY_HOPS", 0u8, 0, 10)?,
            redis_url: env.get("REDIS_URL"),
            nats_url: env.get("NATS_URL"),
        })
    }
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

/// Accepts `http(s)://host[:port][/path]` and drops a trailing `/`.
fn parse_http_url(var: &'static str, raw: &str) -> Result<String, ConfigError> {
    let rest = raw
        .strip_prefix("http://")
        .or_else(|| raw.strip_prefix("https://"))
        .ok_or_else(|| {
            bad(
                var,
                format!("must start with http:// or https:// (got {raw:?})"),
            )
        })?;
    if rest.is_empty() || rest.starts_with('/') || rest.chars().any(char::is_whitespace) {
        return Err(bad(var, format!("must name a host (got {raw:?})")));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// The text of `dixie --help`.
pub fn help_text() -> String {
    let mut out = String::from(
        "dixie — backend-for-frontend between dNFT holders' web clients and the Finn runtime\n\n\
         USAGE:\n  dixie [serve]        start the HTTP server (default)\n  \
         dixie migrate        apply the embedded PostgreSQL migrations to DATABASE_URL\n  \
         dixie healthcheck    exit 0 when this config's /api/health answers 2xx (container probe)\n  \
         dixie keygen         print a new ES256 (P-256) PKCS#8 private key PEM\n  \
         dixie openapi [json|yaml]  print the OpenAPI document\n  \
         dixie --help         this text\n\nENVIRONMENT (empty counts as unset):\n",
    );
    let width = VARS.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for var in VARS {
        out.push_str(&format!(
            "  {:width$}  {}\n  {:width$}  default: {}\n",
            var.name, var.help, "", var.default
        ));
    }
    out.push_str("\nA bad value stops startup with exit code 2 and a one-line reason.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
