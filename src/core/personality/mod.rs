//! A dNFT's personality as Finn keeps it (BEAUVOIR, §1.5.8), reused for
//! `DIXIE_PERSONALITY_TTL` (cache-aside: only answers Finn gave are kept).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::core::ports::PersonalitySource;
use crate::core::ttl::TtlMap;
use crate::core::upstream::{CallContext, UpstreamError};

#[cfg(test)]
mod tests;

/// PersonalityData (§1.5.8).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Personality {
    pub nft_id: String,
    pub name: String,
    #[serde(default)]
    pub traits: Vec<String>,
    #[serde(default)]
    pub anti_narration: Vec<String>,
    /// dAMP-96 dial values by name.
    #[serde(default)]
    pub damp96_summary: BTreeMap<String, f64>,
    pub version: serde_json::Value,
    #[serde(default)]
    pub last_evolved: Option<String>,
}

/// What started one step of a personality's evolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvolutionTrigger {
    InteractionPattern,
    Manual,
    CompoundLearning,
}

/// One step of a personality's evolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evolution {
    pub version: serde_json::Value,
    pub timestamp: String,
    #[serde(default)]
    pub changes: Vec<String>,
    pub trigger: EvolutionTrigger,
}

/// Personalities kept at most.
const CAPACITY: usize = 10_000;

/// Personalities through `source`, each answer reused for `ttl` (zero: never).
#[derive(Clone)]
pub struct Personalities<S> {
    source: S,
    ttl: Duration,
    kept: Arc<TtlMap<Personality>>,
}

impl<S: PersonalitySource> Personalities<S> {
    pub fn new(source: S, ttl: Duration) -> Self {
        Personalities {
            source,
            ttl,
            kept: Arc::new(TtlMap::new(CAPACITY)),
        }
    }

    /// The dNFT's personality: reused, else Finn's answer (kept); `Ok(None)` when Finn knows
    /// none (never kept, so a new one shows at once).
    pub async fn personality(
        &self,
        ctx: &CallContext,
        nft_id: &str,
        now: Instant,
    ) -> Result<Option<Personality>, UpstreamError> {
        if let Some(kept) = self.kept.get(nft_id, now) {
            return Ok(Some(kept));
        }
        let found = self.source.personality(ctx, nft_id).await?;
        if let Some(p) = found.as_ref().filter(|_| !self.ttl.is_zero()) {
            self.kept
                .put(nft_id.to_owned(), p.clone(), now + self.ttl, now);
        }
        Ok(found)
    }

    /// The dNFT's evolution, oldest first; empty when Finn cannot say (§1.5.8: never an error).
    pub async fn evolution(&self, ctx: &CallContext, nft_id: &str) -> Vec<Evolution> {
        self.source
            .evolution(ctx, nft_id)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }
}
