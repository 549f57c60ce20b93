//! `GET /api/identity/oracle` (§1.5.7): Finn's answer, reused for 5 minutes; when Finn cannot
//! answer, the documented fallback (never cached, never an error).

use std::time::Instant;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::identity::OracleIdentity;
use crate::core::ports::OracleSource;
use crate::http::error::route_errors;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};

/// The oracle's identity.
#[derive(Object, Debug)]
pub struct Oracle {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub name: String,
    /// Finn's dAMP-96 summary (an object, as Finn gives it), or null
    pub damp96_summary: Option<std::collections::BTreeMap<String, Value>>,
    /// Hash of the oracle's BEAUVOIR document, or null
    pub beauvoir_hash: Option<String>,
}

impl From<OracleIdentity> for Oracle {
    fn from(o: OracleIdentity) -> Self {
        Oracle {
            nft_id: o.nft_id,
            name: o.name,
            damp96_summary: match o.damp96_summary {
                Some(Value::Object(summary)) => Some(summary.into_iter().collect()),
                _ => None,
            },
            beauvoir_hash: o.beauvoir_hash,
        }
    }
}

route_errors!(
    /// What the guard in front of `GET /api/identity/oracle` answers (the route itself
    /// always answers 200).
    OracleRefusal,
    [
        (401, "No credentials (`unauthorized`)"),
        (403, "Wallet or API key not allowlisted (`forbidden`)"),
    ]
);

pub struct IdentityApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> IdentityApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        IdentityApi { state }
    }
}

#[OpenApi(tag = "ApiTags::Identity")]
impl<A: Adapters> IdentityApi<A> {
    /// The oracle's identity
    ///
    /// Finn's answer, reused for 5 minutes. When Finn cannot answer (down, timed out, or not
    /// serving it) the answer is still 200: `{nftId: "oracle", name: "The Oracle",
    /// damp96_summary: null, beauvoir_hash: null}`, not reused. Needs an allowlisted JWT or
    /// API key.
    #[oai(
        path = "/api/identity/oracle",
        method = "get",
        operation_id = "getOracleIdentity"
    )]
    async fn oracle(
        &self,
        _auth: BearerToken,
        request_id: Data<&RequestId>,
    ) -> Result<Json<Oracle>, OracleRefusal> {
        let now = Instant::now();
        if let Some(kept) = self.state.oracle.get(now) {
            return Ok(Json(kept.into()));
        }
        let identity = match self
            .state
            .finn
            .oracle_identity(&request_id.call_context(None))
            .await
        {
            Ok(identity) => {
                self.state.oracle.put(identity.clone(), now);
                identity
            }
            Err(_) => OracleIdentity::fallback(),
        };
        Ok(Json(identity.into()))
    }
}
