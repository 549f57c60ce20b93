//! Environment → typed, validated [`Config`], by concern: credentials and login (`auth`), the
//! database (`database`), everything else here.
//!
//! Every variable is listed once in [`VARS`] (`vars`): `dixie --help` prints that table, the
//! README test checks it, and reading a variable that is not in it fails the tests. Parsing is
//! a pure function of a lookup, so it is tested without touching the process environment. A
//! bad value is a [`ConfigError`] naming the variable (never echoing a secret); `main` prints
//! it and exits 2 before anything starts.

mod auth;
mod database;
#[cfg(test)]
mod tests;
mod vars;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use auth::{
    JwtKey, MIN_ADMIN_KEY_BITS, MIN_ADMIN_KEY_CHARS, MIN_HS256_SECRET_BYTES, SiweConfig,
};
pub use database::DatabaseConfig;
pub use vars::{VARS, VarSpec, help_text};

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub env: Environment,
    pub host: IpAddr,
    pub port: u16,
    pub log_level: LogLevel,
    pub finn_url: String,
    pub finn_timeout: Duration,
    /// Finn's bearer token, when Finn has one configured.
    pub finn_auth_token: Option<Secret>,
    /// Finn's stream base (`ws://` or `wss://`); `None`: derived from `finn_url`.
    pub finn_ws_url: Option<String>,
    /// How long a streaming chat's prompt waits for the caller's stream.
    pub chat_handoff: Duration,
    /// Chat streams one process holds open at most.
    pub ws_max_streams: u32,
    /// A chat stream with no frame either way for this long is closed.
    pub ws_idle_timeout: Duration,
    /// A frame a stream's client has not taken within this long closes the stream.
    pub ws_send_timeout: Duration,
    /// `None` only outside production: wiring then generates an ephemeral key.
    pub jwt_key: Option<JwtKey>,
    pub jwt_previous_key: Option<Secret>,
    pub hs256_fallback_secret: Option<Secret>,
    pub admin_key: Option<Secret>,
    pub siwe: SiweConfig,
    pub cors_origins: Vec<String>,
    pub allowlist_path: PathBuf,
    /// The knowledge corpus's directory (`sources.json`, `corpus-events.json`), if any.
    pub knowledge_dir: Option<PathBuf>,
    pub rate_limit_rpm: u32,
    /// Per-TBA agent query limits (§1.5.13): per sliding minute, per UTC day.
    pub agent_rate_limit_rpm: u32,
    pub agent_rate_limit_rpd: u32,
    pub schedule_callback_secret: Option<Secret>,
    pub conviction_tier_ttl: Duration,
    pub personality_ttl: Duration,
    pub memory_projection_ttl: Duration,
    /// Daily cap (µUSD) of a dNFT whose autonomous permissions nobody set.
    pub autonomous_budget: u64,
    pub x402_enabled: bool,
    pub database: Option<DatabaseConfig>,
    pub shutdown_grace: Duration,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub trusted_proxy_hops: u8,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key Dixie writes.
    pub redis_prefix: String,
    pub rate_limit_backend: RateLimitBackend,
    pub nats_url: Option<String>,
    /// `GET /metrics` and the recording behind it (`DIXIE_METRICS`).
    pub metrics: bool,
    /// The bearer token `/metrics` asks for, if any.
    pub metrics_token: Option<Secret>,
    /// Where spans go (`OTEL_EXPORTER_OTLP_ENDPOINT`); none: no span is made.
    pub otlp: Option<crate::telemetry::OtlpConfig>,
}

/// Where the rate limit is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitBackend {
    /// In this process: N replicas admit N times the limit.
    Memory,
    /// In Redis, shared by every replica (this process's own count while Redis is down).
    Redis,
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
    /// The value of `name`; unset and empty are both "not given". Only variables of [`VARS`]
    /// (and `NODE_ENV`, the fallback of `DIXIE_ENV`) may be read.
    fn get(&self, name: &str) -> Option<String> {
        debug_assert!(
            name == "NODE_ENV" || VARS.iter().any(|v| v.name == name),
            "{name} is read but not listed in VARS"
        );
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
        // `PORT` (set by platforms) overrides `DIXIE_PORT`, as upstream main does (§16).
        let port = match env.get("PORT") {
            Some(_) => env.int("PORT", 3001u16, 0, u16::MAX)?,
            None => env.int("DIXIE_PORT", 3001u16, 0, u16::MAX)?,
        };

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
        let finn_auth_token = match env.get("FINN_AUTH_TOKEN") {
            Some(token) if !token.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(bad(
                    "FINN_AUTH_TOKEN",
                    "must be printable ASCII without spaces",
                ));
            }
            other => other.map(Secret),
        };

        let finn_ws_url = match env.get("FINN_WS_URL") {
            Some(url) if url.starts_with("ws://") || url.starts_with("wss://") => Some(url),
            Some(_) => return Err(bad("FINN_WS_URL", "must start with ws:// or wss://")),
            None => None,
        };
        let chat_handoff =
            Duration::from_secs(env.int("DIXIE_CHAT_HANDOFF_SECS", 30u64, 1, 600)?);
        let ws_max_streams = env.int("DIXIE_WS_MAX_STREAMS", 10_000u32, 1, 1_000_000)?;
        let ws_idle_timeout =
            Duration::from_secs(env.int("DIXIE_WS_IDLE_SECS", 300u64, 2, 3600)?);
        let ws_send_timeout =
            Duration::from_millis(env.int("DIXIE_WS_SEND_TIMEOUT_MS", 10_000u64, 100, 60_000)?);

        let auth::Keys {
            jwt_key,
            jwt_previous_key,
            hs256_fallback_secret,
        } = auth::keys(&env, production)?;
        let admin_key = auth::admin_key(&env, production)?;

        let cors_origins = match env.get("DIXIE_CORS_ORIGINS") {
            None => vec![format!("http://localhost:{port}")],
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };

        let siwe = auth::siwe(&env, &cors_origins)?;

        let allowlist_path = PathBuf::from(
            env.get("DIXIE_ALLOWLIST_PATH")
                .unwrap_or_else(|| "/data/allowlist.json".to_owned()),
        );
        let rate_limit_rpm = env.int("DIXIE_RATE_LIMIT_RPM", 100u32, 1, 1_000_000_000)?;
        let agent_rate_limit_rpm = env.int("DIXIE_AGENT_RATE_LIMIT_RPM", 30u32, 1, 1_000_000)?;
        let agent_rate_limit_rpd =
            env.int("DIXIE_AGENT_RATE_LIMIT_RPD", 1000u32, 1, 100_000_000)?;
        let redis_url = env.get("REDIS_URL");
        let rate_limit_backend = match (env.get("DIXIE_RATE_LIMIT_BACKEND").as_deref(), &redis_url)
        {
            (None, None) | (Some("memory"), _) => RateLimitBackend::Memory,
            (None, Some(_)) | (Some("redis"), Some(_)) => RateLimitBackend::Redis,
            (Some("redis"), None) => {
                return Err(bad("DIXIE_RATE_LIMIT_BACKEND", "redis needs REDIS_URL"));
            }
            (Some(other), _) => {
                return Err(bad(
                    "DIXIE_RATE_LIMIT_BACKEND",
                    format!("must be memory or redis (got {other:?})"),
                ));
            }
        };
        let x402_enabled = env.flag("DIXIE_X402_ENABLED")?;
        let metrics = match env.get("DIXIE_METRICS").as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(bad(
                    "DIXIE_METRICS",
                    format!("must be true or false (got {other:?})"),
                ));
            }
        };
        let metrics_token = env.get("DIXIE_METRICS_TOKEN").map(Secret);
        let otlp = match env.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
            None => None,
            Some(endpoint) => {
                if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                    return Err(bad(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "must be an http:// or https:// URL".to_owned(),
                    ));
                }
                let json = match env.get("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
                    None | Some("http/protobuf") => false,
                    Some("http/json") => true,
                    Some(other) => {
                        return Err(bad(
                            "OTEL_EXPORTER_OTLP_PROTOCOL",
                            format!(
                                "must be http/protobuf or http/json (got {other:?}; gRPC is not built in)"
                            ),
                        ));
                    }
                };
                let batch_delay = Duration::from_millis(env.int(
                    "OTEL_BSP_SCHEDULE_DELAY",
                    5000u64,
                    1,
                    60_000,
                )?);
                Some(crate::telemetry::OtlpConfig {
                    endpoint,
                    json,
                    batch_delay,
                })
            }
        };
        let schedule_callback_secret = env.get("DIXIE_SCHEDULE_CALLBACK_SECRET").map(Secret);
        let conviction_tier_ttl =
            Duration::from_secs(env.int("DIXIE_CONVICTION_TIER_TTL", 300u64, 0, 86_400)?);
        let autonomous_budget =
            env.int("DIXIE_AUTONOMOUS_BUDGET", 100_000u64, 0, 1_000_000_000_000)?;
        let personality_ttl =
            Duration::from_secs(env.int("DIXIE_PERSONALITY_TTL", 1800u64, 0, 86_400)?);
        let memory_projection_ttl =
            Duration::from_secs(env.int("DIXIE_MEMORY_PROJECTION_TTL", 300u64, 0, 86_400)?);

        let database = database::database(&env)?;

        let shutdown_grace =
            Duration::from_secs(env.int("DIXIE_SHUTDOWN_GRACE_SECS", 25u64, 0, 300)?);

        Ok(Config {
            env: environment,
            host,
            port,
            log_level,
            finn_url,
            finn_timeout,
            finn_auth_token,
            finn_ws_url,
            chat_handoff,
            ws_max_streams,
            ws_idle_timeout,
            ws_send_timeout,
            jwt_key,
            jwt_previous_key,
            hs256_fallback_secret,
            admin_key,
            siwe,
            cors_origins,
            allowlist_path,
            knowledge_dir: env.get("DIXIE_KNOWLEDGE_DIR").map(PathBuf::from),
            rate_limit_rpm,
            agent_rate_limit_rpm,
            agent_rate_limit_rpd,
            schedule_callback_secret,
            conviction_tier_ttl,
            personality_ttl,
            memory_projection_ttl,
            autonomous_budget,
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
            redis_url,
            redis_prefix: env
                .get("DIXIE_REDIS_PREFIX")
                .unwrap_or_else(|| "dixie:".to_owned()),
            rate_limit_backend,
            nats_url: env.get("NATS_URL"),
            metrics,
            metrics_token,
            otlp,
        })
    }
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
