//! A dNFT's personality as Finn keeps it (BEAUVOIR, §1.5.8), reused for
//! `DIXIE_PERSONALITY_TTL` (cache-aside: only answers Finn gave are kept).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::cache::Cached;
use crate::core::ports::{CacheStore, PersonalitySource};
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

/// The §1.8 cache key prefix of personalities (`personality:{nftId}`).
pub const PERSONALITY_PREFIX: &str = "personality:";

/// Personalities through `source`, each answer reused through `kept`.
#[derive(Clone)]
pub struct Personalities<S, C> {
    source: S,
    kept: Cached<C>,
}

impl<S: PersonalitySource, C: CacheStore> Personalities<S, C> {
    pub fn new(source: S, kept: Cached<C>) -> Self {
        Personalities { source, kept }
    }

    /// The dNFT's personality: reused, else Finn's answer (kept); `Ok(None)` when Finn knows
    /// none (never kept, so a new one shows at once).
    pub async fn personality(
        &self,
        ctx: &CallContext,
        nft_id: &str,
    ) -> Result<Option<Personality>, UpstreamError> {
        if let Some(kept) = self.kept.get(nft_id).await {
            return Ok(Some(kept));
        }
        let found = self.source.personality(ctx, nft_id).await?;
        if let Some(p) = &found {
            self.kept.put(nft_id, p).await;
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
