//! One choice per family from the configuration, and the settings the handlers read.

use crate::adapters::finn::FinnClient;
use crate::adapters::fleet::{Fleet, Limits};
use crate::adapters::jwt::{
    Es256Signer, Hs256Signer, VerifyKeys, key_id, load_private_pem, load_public_pem,
};
use crate::adapters::nats::{NatsSignals, Signals};
use crate::adapters::redis::Redis;
use crate::config::{Config, JwtKey, RateLimitBackend};
use crate::core::auth::login::{LoginPolicy, NonceKey};
use crate::core::auth::siwe::SiwePolicy;
use crate::http::metrics::{Configured, Metrics};
use crate::http::{self, state::Settings};

use super::StartupError;

/// The configured signer, one variant per signer type the app is monomorphized over.
pub(super) enum Signer {
    Hs256(Hs256Signer),
    Es256(Es256Signer),
}

/// The signer `DIXIE_JWT_PRIVATE_KEY` names (a generated HS256 key when unset), with the keys
/// accepted besides it.
pub(super) fn signer(config: &Config) -> Result<Signer, StartupError> {
    let extra = verify_keys(config)?;
    match &config.jwt_key {
        None => {
            tracing::warn!(
                event = "ephemeral_jwt_key",
                "DIXIE_JWT_PRIVATE_KEY is unset: using a generated HS256 key; tokens die with the process"
            );
            let signer = Hs256Signer::ephemeral().map_err(|e| StartupError::Key {
                var: "DIXIE_JWT_PRIVATE_KEY",
                reason: format!("cannot generate a key: {e}"),
            })?;
            Ok(Signer::Hs256(signer))
        }
        Some(JwtKey::Hs256(secret)) => Ok(Signer::Hs256(Hs256Signer::with_keys(
            secret.expose().as_bytes(),
            extra,
        ))),
        Some(JwtKey::Pem(pem)) => {
            let key = load_private_pem(pem.expose()).map_err(|e| StartupError::Key {
                var: "DIXIE_JWT_PRIVATE_KEY",
                reason: e.to_string(),
            })?;
            tracing::info!(event = "jwt_key", alg = "ES256", kid = %key_id(&key.public_key()));
            Ok(Signer::Es256(Es256Signer::new(key, extra)))
        }
    }
}

/// Keys accepted besides the signing key: the previous ES256 key and the legacy HS256 secret.
fn verify_keys(config: &Config) -> Result<VerifyKeys, StartupError> {
    let mut keys = VerifyKeys::default();
    if let Some(pem) = &config.jwt_previous_key {
        let key = load_public_pem(pem.expose()).map_err(|e| StartupError::Key {
            var: "DIXIE_JWT_PREVIOUS_KEY",
            reason: e.to_string(),
        })?;
        keys.previous_es256.push(key);
    }
    if let Some(secret) = &config.hs256_fallback_secret {
        keys.legacy_hs256.push(secret.expose().as_bytes().to_vec());
    }
    Ok(keys)
}

/// The key of stateless SIWE nonces: derived from the JWT signing key, which every replica
/// shares; random with the generated development key (which dies with the process anyway).
/// Without randomness startup fails, as it does for the generated signing key: a fixed key
/// would let anyone mint server nonces.
fn nonce_key(config: &Config) -> Result<NonceKey, StartupError> {
    match &config.jwt_key {
        Some(JwtKey::Pem(secret) | JwtKey::Hs256(secret)) => {
            Ok(NonceKey::derive(secret.expose().as_bytes()))
        }
        None => {
            let mut key = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key).map_err(
                |_| StartupError::Key {
                    var: "DIXIE_JWT_PRIVATE_KEY",
                    reason: "cannot generate a nonce key: no system randomness".into(),
                },
            )?;
            Ok(NonceKey::new(key))
        }
    }
}

/// What the handlers read from the configuration.
pub(super) fn settings(config: &Config) -> Result<Settings, StartupError> {
    let siwe = &config.siwe;
    let secs = |d: std::time::Duration| time::Duration::seconds(d.as_secs() as i64);
    Ok(Settings {
        admin_key: config.admin_key.clone(),
        login: LoginPolicy {
            siwe: SiwePolicy {
                domains: siwe.domains.clone(),
                chain_ids: siwe.chain_ids.clone(),
                max_age: secs(siwe.max_age),
                skew: time::Duration::seconds(crate::adapters::jwt::LEEWAY_SECS as i64),
            },
            nonce_ttl: secs(siwe.nonce_ttl),
            require_server_nonce: siwe.require_server_nonce,
            nonce_key: nonce_key(config)?,
        },
        cors: std::sync::Arc::new(http::middleware::CorsOrigins::from_config(
            &config.cors_origins,
        )),
        trusted_proxy_hops: config.trusted_proxy_hops,
        body_read_timeout: config.header_read_timeout,
        callback_secret: config.schedule_callback_secret.clone(),
        conviction_ttl: config.conviction_tier_ttl,
        personality_ttl: config.personality_ttl,
        projection_ttl: config.memory_projection_ttl,
        metrics_token: config.metrics_token.clone(),
        autonomous_budget: config.autonomous_budget,
        chat_handoff: config.chat_handoff,
        ws_max_streams: config.ws_max_streams,
        stream_timers: http::stream::Timers {
            idle: config.ws_idle_timeout,
            keepalive: (config.ws_idle_timeout / 2).min(std::time::Duration::from_secs(30)),
            send: config.ws_send_timeout,
            ..http::stream::Timers::default()
        },
    })
}

/// The Redis `REDIS_URL` names, connected lazily: a Redis that is down at startup delays
/// nothing.
pub(super) fn redis(config: &Config) -> Result<Option<Redis>, StartupError> {
    config
        .redis_url
        .as_ref()
        .map(|url| Redis::connect_lazy(url, &config.redis_prefix).map_err(StartupError::Redis))
        .transpose()
}

/// The limits the fleet enforces.
pub(super) fn limits(config: &Config) -> Limits {
    Limits {
        per_minute: config.rate_limit_rpm,
        agent_per_minute: config.agent_rate_limit_rpm,
        agent_per_day: config.agent_rate_limit_rpd,
    }
}

/// What the replicas share: Redis's cache (and its rate limits, unless
/// `DIXIE_RATE_LIMIT_BACKEND=memory`) when there is a Redis, else this process's own; signals
/// to NATS when `NATS_URL` is set (connected in the background).
pub(super) async fn fleet(config: &Config, redis: Option<Redis>) -> Result<Fleet, StartupError> {
    let limits = limits(config);
    let fleet = match redis {
        Some(redis) => {
            let shared_limit = config.rate_limit_backend == RateLimitBackend::Redis;
            Fleet::on_redis(redis, limits, shared_limit)
        }
        None => Fleet::local(limits),
    };
    let signals = match &config.nats_url {
        Some(url) => Signals::Nats(NatsSignals::start(url).await.map_err(StartupError::Nats)?),
        None => Signals::Off,
    };
    Ok(fleet.with_signals(signals))
}

/// The metrics registry: Finn's call metrics, then the HTTP layer's.
pub(super) fn metrics(config: &Config, finn: &FinnClient) -> Metrics {
    let mut registry = prometheus_client::registry::Registry::default();
    if config.metrics {
        finn.metrics().register(&mut registry);
    }
    let configured = Configured {
        redis: config.redis_url.is_some(),
        nats: config.nats_url.is_some(),
    };
    Metrics::new(registry, config.metrics, configured)
}
