//! `GET /api/personality/{nftId}` and `/evolution` (§1.5.8): a dNFT's BEAUVOIR personality
//! through the [`Personalities`](crate::core::personality::Personalities) service.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::auth::Caller;
use crate::core::personality::{Evolution, EvolutionTrigger, Personality};
use crate::http::error::{RouteError, route_errors};
use crate::http::ids::NftId;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

/// A dNFT's personality.
#[derive(Object, Debug)]
#[oai(rename = "Personality")]
pub struct PersonalityView {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub name: String,
    pub traits: Vec<String>,
    /// What the agent never narrates.
    #[oai(rename = "antiNarration")]
    pub anti_narration: Vec<String>,
    /// dAMP-96 dial values by name.
    #[oai(rename = "damp96Summary")]
    pub damp96_summary: BTreeMap<String, f64>,
    pub version: String,
    /// When the personality last changed (as Finn reports it), or null.
    #[oai(rename = "lastEvolved")]
    pub last_evolved: Option<Timestamp>,
}

/// Finn's version as text, whether Finn sent a number or a string.
fn version_text(version: Value) -> String {
    match version {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

impl From<Personality> for PersonalityView {
    fn from(p: Personality) -> Self {
        PersonalityView {
            nft_id: p.nft_id,
            name: p.name,
            traits: p.traits,
            anti_narration: p.anti_narration,
            damp96_summary: p.damp96_summary,
            version: version_text(p.version),
            last_evolved: p.last_evolved.map(Timestamp),
        }
    }
}

/// What started a step of the evolution.
#[derive(Enum, Debug, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum Trigger {
    InteractionPattern,
    Manual,
    CompoundLearning,
}

/// One step of a personality's evolution.
#[derive(Object, Debug)]
pub struct EvolutionStep {
    pub version: String,
    pub timestamp: Timestamp,
    pub changes: Vec<String>,
    pub trigger: Trigger,
}

impl From<Evolution> for EvolutionStep {
    fn from(e: Evolution) -> Self {
        EvolutionStep {
            version: version_text(e.version),
            timestamp: Timestamp(e.timestamp),
            changes: e.changes,
            trigger: match e.trigger {
                EvolutionTrigger::InteractionPattern => Trigger::InteractionPattern,
                EvolutionTrigger::Manual => Trigger::Manual,
                EvolutionTrigger::CompoundLearning => Trigger::CompoundLearning,
            },
        }
    }
}

/// A personality's evolution, oldest first.
#[derive(Object, Debug)]
pub struct EvolutionHistory {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub evolution: Vec<EvolutionStep>,
    pub count: u32,
}

route_errors!(
    /// The failures of `GET /api/personality/{nftId}`.
    PersonalityFailure,
    [
        (400, "Invalid `nftId` (`invalid_request`)"),
        (401, "No credentials (`unauthorized`)"),
        (403, "Wallet or API key not allowlisted (`forbidden`)"),
        (404, "Finn knows no personality for this dNFT (`not_found`)"),
        (
            503,
            "Finn unreachable, timed out or answering another shape (`upstream_error`), breaker open (`circuit_open`)",
        ),
    ]
);

route_errors!(
    /// The failures of `GET /api/personality/{nftId}/evolution`.
    EvolutionFailure,
    [
        (400, "Invalid `nftId` (`invalid_request`)"),
        (401, "No credentials, or an API key (this view needs a wallet) (`unauthorized`)"),
        (403, "Wallet not allowlisted (`forbidden`)"),
    ]
);

pub struct PersonalityApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> PersonalityApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        PersonalityApi { state }
    }
}

#[OpenApi(tag = "ApiTags::Personality")]
impl<A: Adapters> PersonalityApi<A> {
    /// A dNFT's personality
    ///
    /// Finn's BEAUVOIR answer, reused for `DIXIE_PERSONALITY_TTL` seconds (1800). Needs an
    /// allowlisted JWT or API key; any dNFT may be read.
    #[oai(
        path = "/api/personality/:nftId",
        method = "get",
        operation_id = "getPersonality"
    )]
    async fn personality(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<PersonalityView>, PersonalityFailure> {
        let ctx = request_id.call_context(None);
        match self.state.personalities.personality(&ctx, &nft_id).await? {
            Some(p) => Ok(Json(p.into())),
            None => Err(RouteError::not_found("Personality not found for this NFT").into()),
        }
    }

    /// How a dNFT's personality evolved
    ///
    /// Oldest first; empty when Finn cannot say. Needs the JWT of an allowlisted wallet (any
    /// dNFT may be read).
    #[oai(
        path = "/api/personality/:nftId/evolution",
        method = "get",
        operation_id = "getPersonalityEvolution"
    )]
    async fn evolution(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<EvolutionHistory>, EvolutionFailure> {
        if caller.wallet().is_none() {
            return Err(RouteError::unauthorized("This view needs a wallet session (JWT)").into());
        }
        let ctx = request_id.call_context(None);
        let steps = self.state.personalities.evolution(&ctx, &nft_id).await;
        let evolution: Vec<EvolutionStep> = steps.into_iter().map(Into::into).collect();
        Ok(Json(EvolutionHistory {
            nft_id: nft_id.0.0,
            count: evolution.len() as u32,
            evolution,
        }))
    }
}
