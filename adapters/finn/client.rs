//! HTTP client for Finn (`FINN_URL`), with a per-call timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::core::ownership::{CircuitState, Ownership, UpstreamHealth};
use crate::core::ports::{OwnershipResolver, UpstreamProbe};

#[derive(Debug, thiserror::Error)]
pub enum FinnInitError {
    #[error("FINN_URL is not a valid URL")]
    BadUrl,
    #[error("HTTP client could not be built: {0}")]
    Client(String),
}

/// Why one Finn call failed (logged; callers see `None` or a mapped error).
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("network or timeout: {0}")]
    Transport(String),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("body is not the expected JSON: {0}")]
    Body(String),
}

#[derive(Clone)]
pub struct FinnClient {
    http: reqwest::Client,
    base: Arc<Url>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NftBody {
    nft_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnershipBody {
    nft_id: String,
    owner_wallet: String,
    #[serde(default)]
    delegated_wallets: Vec<String>,
}

impl FinnClient {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, FinnInitError> {
        let base = Url::parse(base_url).map_err(|_| FinnInitError::BadUrl)?;
        if base.cannot_be_a_base() {
            return Err(FinnInitError::BadUrl);
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .build()
            .map_err(|e| FinnInitError::Client(e.to_string()))?;
        Ok(FinnClient {
            http,
            base: Arc::new(base),
        })
    }

    /// `base` + the given path segments, each percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = (*self.base).clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    async fn get_json<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T, CallError> {
        let resp = self
            .http
            .get(self.url(segments))
            .send()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(CallError::Status(status.as_u16()));
        }
        resp.json::<T>()
            .await
            .map_err(|e| CallError::Body(e.to_string()))
    }
}

impl OwnershipResolver for FinnClient {
    async fn resolve_nft_id(&self, wallet: &str) -> Option<String> {
        match self
            .get_json::<NftBody>(&["api", "identity", "wallet", wallet, "nft"])
            .await
        {
            Ok(body) => body.nft_id.filter(|id| !id.is_empty()),
            Err(CallError::Status(404)) => None,
            Err(err) => {
                tracing::warn!(event = "finn_lookup_failed", lookup = "nft", detail = %err);
                None
            }
        }
    }

    async fn resolve_ownership(&self, wallet: &str) -> Option<Ownership> {
        match self
            .get_json::<OwnershipBody>(&["api", "identity", "wallet", wallet, "ownership"])
            .await
        {
            Ok(body) => Some(Ownership {
                nft_id: body.nft_id,
                owner_wallet: body.owner_wallet,
                delegated_wallets: body.delegated_wallets,
            }),
            Err(CallError::Status(404)) => None,
            Err(err) => {
                tracing::warn!(event = "finn_lookup_failed", lookup = "ownership", detail = %err);
                None
            }
        }
    }
}

impl UpstreamProbe for FinnClient {
    async fn probe_upstream(&self) -> UpstreamHealth {
        let start = Instant::now();
        let result = self.get_json::<serde_json::Value>(&["health"]).await;
        let latency_ms = start.elapsed().as_millis() as u64;
        if let Err(err) = &result {
            tracing::warn!(event = "finn_health_failed", detail = %err);
        }
        UpstreamHealth {
            reachable: result.is_ok(),
            latency_ms,
            circuit: CircuitState::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_and_base_path_kept() {
        let c = FinnClient::new("http://finn.local:3000/prefix/", Duration::from_secs(1)).unwrap();
        assert_eq!(
            c.url(&["api", "identity", "wallet", "0xAb/../x?y", "nft"])
                .as_str(),
            "http://finn.local:3000/prefix/api/identity/wallet/0xAb%2F..%2Fx%3Fy/nft"
        );
    }
}
