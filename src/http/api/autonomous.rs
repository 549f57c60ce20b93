//! `/api/autonomous/{nftId}/permissions|audit|summary` (§1.5.12): HTTP ↔ the
//! [`AutonomousService`](crate::core::autonomous::AutonomousService).

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerToken;
use crate::core::auth::Caller;
use crate::core::auth::ethereum::normalize;
use crate::core::autonomous::{
    AUDIT_DEFAULT, AUDIT_MAX, AuditAction, AutonomousError, BudgetPatch, CapabilitiesPatch, Change,
    Permissions, PermissionsPatch, StoredAudit,
};
use crate::core::clock::iso_of_unix;
use crate::core::conviction::Conviction;
use crate::http::body::JsonBody;
use crate::http::error::{RouteError, route_errors};
use crate::http::ids::NftId;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;
use crate::http::unix_now;

/// What the agent may do on its own.
#[derive(Object, Debug, Clone)]
pub struct AutonomousCapabilities {
    pub chat_initiate: bool,
    pub knowledge_search: bool,
    pub schedule_manage: bool,
    pub memory_write: bool,
    pub tool_execute: bool,
    pub agent_communicate: bool,
}

/// What the agent may spend.
#[derive(Object, Debug, Clone)]
pub struct AutonomousBudget {
    #[oai(rename = "dailyCapMicroUsd")]
    pub daily_cap_micro_usd: u64,
    #[oai(rename = "hourlyRateLimit")]
    pub hourly_rate_limit: u32,
    #[oai(rename = "requireConfirmationAboveUsd")]
    pub require_confirmation_above_usd: u64,
}

/// A dNFT's autonomous permissions. `ownerWallet` is empty until its owner first sets them.
#[derive(Object, Debug)]
pub struct AutonomousPermissions {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub enabled: bool,
    #[oai(rename = "ownerWallet")]
    pub owner_wallet: String,
    #[oai(rename = "delegatedWallets")]
    pub delegated_wallets: Vec<String>,
    pub capabilities: AutonomousCapabilities,
    pub budget: AutonomousBudget,
    #[oai(rename = "toolWhitelist")]
    pub tool_whitelist: Vec<String>,
    #[oai(rename = "updatedAt")]
    pub updated_at: Timestamp,
}

impl From<Permissions> for AutonomousPermissions {
    fn from(p: Permissions) -> Self {
        let c = p.capabilities;
        AutonomousPermissions {
            nft_id: p.nft_id,
            enabled: p.enabled,
            owner_wallet: p.owner_wallet,
            delegated_wallets: p.delegated_wallets,
            capabilities: AutonomousCapabilities {
                chat_initiate: c.chat_initiate,
                knowledge_search: c.knowledge_search,
                schedule_manage: c.schedule_manage,
                memory_write: c.memory_write,
                tool_execute: c.tool_execute,
                agent_communicate: c.agent_communicate,
            },
            budget: AutonomousBudget {
                daily_cap_micro_usd: p.budget.daily_cap_micro_usd,
                hourly_rate_limit: p.budget.hourly_rate_limit,
                require_confirmation_above_usd: p.budget.require_confirmation_above_usd,
            },
            tool_whitelist: p.tool_whitelist,
            updated_at: Timestamp(p.updated_at),
        }
    }
}

/// Capabilities to change; those absent keep their value.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct CapabilitiesChange {
    pub chat_initiate: Option<bool>,
    pub knowledge_search: Option<bool>,
    pub schedule_manage: Option<bool>,
    pub memory_write: Option<bool>,
    pub tool_execute: Option<bool>,
    pub agent_communicate: Option<bool>,
}

/// Budget fields to change; those absent keep their value.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct BudgetChange {
    #[oai(rename = "dailyCapMicroUsd")]
    pub daily_cap_micro_usd: Option<u64>,
    #[oai(rename = "hourlyRateLimit")]
    pub hourly_rate_limit: Option<u32>,
    #[oai(rename = "requireConfirmationAboveUsd")]
    pub require_confirmation_above_usd: Option<u64>,
}

/// `PUT /api/autonomous/{nftId}/permissions` body: every field optional; `capabilities` and
/// `budget` merge into the stored ones, the lists replace them.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct PermissionsChange {
    pub enabled: Option<bool>,
    pub capabilities: Option<CapabilitiesChange>,
    /// Wallets that may read the permissions, audit and summary (at most 20 addresses).
    #[oai(rename = "delegatedWallets", validator(max_items = 20))]
    pub delegated_wallets: Option<Vec<String>>,
    /// Tools the agent may run (at most 100 names of 1..128 characters).
    #[oai(
        rename = "toolWhitelist",
        validator(max_items = 100, min_length = 1, max_length = 128)
    )]
    pub tool_whitelist: Option<Vec<String>>,
    pub budget: Option<BudgetChange>,
}

impl PermissionsChange {
    fn into_patch(self) -> Result<PermissionsPatch, RouteError> {
        let delegated_wallets = match self.delegated_wallets {
            None => None,
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for text in &list {
                    let Some(address) = normalize(text) else {
                        return Err(RouteError::bad_request(
                            "invalid_address",
                            "delegatedWallets must be Ethereum addresses",
                        ));
                    };
                    if !out.contains(&address) {
                        out.push(address);
                    }
                }
                Some(out)
            }
        };
        Ok(PermissionsPatch {
            enabled: self.enabled,
            capabilities: self.capabilities.map(|c| CapabilitiesPatch {
                chat_initiate: c.chat_initiate,
                knowledge_search: c.knowledge_search,
                schedule_manage: c.schedule_manage,
                memory_write: c.memory_write,
                tool_execute: c.tool_execute,
                agent_communicate: c.agent_communicate,
            }),
            delegated_wallets,
            tool_whitelist: self.tool_whitelist,
            budget: self.budget.map(|b| BudgetPatch {
                daily_cap_micro_usd: b.daily_cap_micro_usd,
                hourly_rate_limit: b.hourly_rate_limit,
                require_confirmation_above_usd: b.require_confirmation_above_usd,
            }),
        })
    }
}

/// What an audit entry records.
#[derive(Enum, Debug, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum AuditKind {
    PermissionsUpdated,
    PermissionsUpdateRefused,
    AccessRefused,
    AgentAction,
}

/// One entry of the audit trail.
#[derive(Object, Debug)]
pub struct AuditRecord {
    /// Position in the trail (greater is later).
    pub seq: i64,
    pub timestamp: Timestamp,
    pub action: AuditKind,
    /// Who acted or tried to.
    pub wallet: String,
    pub allowed: bool,
    /// Why it was refused, or what changed.
    pub reason: Option<String>,
    pub capability: Option<String>,
    pub tool: Option<String>,
    #[oai(rename = "costMicroUsd")]
    pub cost_micro_usd: u64,
    #[oai(rename = "confirmationRequired")]
    pub confirmation_required: bool,
}

impl From<StoredAudit> for AuditRecord {
    fn from(s: StoredAudit) -> Self {
        let e = s.entry;
        AuditRecord {
            seq: s.seq,
            timestamp: Timestamp(iso_of_unix(e.at)),
            action: match e.action {
                AuditAction::PermissionsUpdated => AuditKind::PermissionsUpdated,
                AuditAction::PermissionsUpdateRefused => AuditKind::PermissionsUpdateRefused,
                AuditAction::AccessRefused => AuditKind::AccessRefused,
                AuditAction::AgentAction => AuditKind::AgentAction,
            },
            wallet: e.wallet,
            allowed: e.allowed,
            reason: e.reason,
            capability: e.capability,
            tool: e.tool,
            cost_micro_usd: e.cost_micro_usd,
            confirmation_required: e.confirmation_required,
        }
    }
}

/// A dNFT's audit trail, newest first.
#[derive(Object, Debug)]
pub struct AuditTrail {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub entries: Vec<AuditRecord>,
    pub count: u32,
}

/// One UTC day of the trail, summed up.
#[derive(Object, Debug)]
pub struct AutonomousSummary {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    #[oai(rename = "totalActions")]
    pub total_actions: u64,
    #[oai(rename = "allowedActions")]
    pub allowed_actions: u64,
    #[oai(rename = "deniedActions")]
    pub denied_actions: u64,
    #[oai(rename = "totalSpendMicroUsd")]
    pub total_spend_micro_usd: u64,
    #[oai(rename = "capabilitiesUsed")]
    pub capabilities_used: Vec<String>,
    #[oai(rename = "toolsUsed")]
    pub tools_used: Vec<String>,
    #[oai(rename = "confirmationsRequired")]
    pub confirmations_required: u64,
}

route_errors!(
    /// The failures of the autonomous reads.
    AutonomousReadFailure,
    [
        (400, "Invalid `nftId`, `limit` or `date` (`invalid_request`)"),
        (401, "No credentials, or an API key (these views need a wallet) (`unauthorized`)"),
        (
            403,
            "Neither the dNFT's owner or delegate (per Finn) nor one of its autonomous delegates — audited — or not allowlisted (`forbidden`)",
        ),
        (500, "Unexpected failure (`internal_error`; detail only in the log)"),
        (
            503,
            "Finn could not say who holds the dNFT (`upstream_error`, `circuit_open`) or the store is down (`service_unavailable`)",
        ),
    ]
);

route_errors!(
    /// The failures of `PUT /api/autonomous/{nftId}/permissions`.
    AutonomousWriteFailure,
    [
        (
            400,
            "Invalid `nftId` or body: not an object, an unknown field, a wrong type (`invalid_request`), a delegate that is not an address (`invalid_address`)",
        ),
        (401, "No credentials, or an API key (`unauthorized`)"),
        (
            403,
            "A tier below sovereign (`forbidden` with `actual_tier`, `required_tier`, `denial_codes`, `evaluation_gap`), not the dNFT's owner (`Only the owner can update permissions`) — both audited — or not allowlisted",
        ),
        (500, "Unexpected failure (`internal_error`; detail only in the log)"),
        (
            503,
            "Finn could not say who holds the dNFT (`upstream_error`, `circuit_open`) or the store is down (`service_unavailable`)",
        ),
    ]
);

impl From<AutonomousError> for RouteError {
    fn from(err: AutonomousError) -> Self {
        match err {
            AutonomousError::NotAuthorized => RouteError::forbidden("Not authorized for this NFT"),
            AutonomousError::NotOwner => {
                RouteError::forbidden("Only the owner can update permissions")
            }
            AutonomousError::Denied(denial) => RouteError::Denied(denial),
            AutonomousError::Upstream(e) => RouteError::Upstream(e),
            AutonomousError::Store(e) => RouteError::Port(e),
        }
    }
}

/// The caller as the service sees it: a wallet session (an API key is 401), its tier, now.
fn change_by<'a>(
    caller: &'a Caller,
    conviction: &Conviction,
    request_id: &RequestId,
    now: i64,
) -> Result<Change<'a>, RouteError> {
    let wallet = caller
        .wallet()
        .ok_or_else(|| RouteError::unauthorized("Wallet required"))?;
    Ok(Change {
        ctx: request_id.call_context(None),
        wallet,
        tier: conviction.tier,
        now,
    })
}

/// Unix seconds at the start of `date` (`YYYY-MM-DD`), or of today (UTC).
fn day_start(date: Option<&str>, now: i64) -> Result<(i64, String), RouteError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = match date {
        Some(text) => time::Date::parse(text, &fmt)
            .map_err(|_| RouteError::bad_request("invalid_request", "date must be YYYY-MM-DD"))?,
        None => time::OffsetDateTime::from_unix_timestamp(now)
            .map(|t| t.date())
            .unwrap_or(time::Date::MIN),
    };
    let start = day.midnight().assume_utc().unix_timestamp();
    Ok((start, day.format(&fmt).unwrap_or_default()))
}

pub struct AutonomousApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> AutonomousApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        AutonomousApi { state }
    }
}

#[OpenApi(tag = "ApiTags::Autonomous")]
impl<A: Adapters> AutonomousApi<A> {
    /// A dNFT's autonomous permissions
    ///
    /// The stored permissions, or the defaults (nothing enabled) when nobody set any. For the
    /// dNFT's owner or a delegate (as Finn reports them) and its autonomous delegates; a
    /// refusal is an audit entry.
    #[oai(
        path = "/api/autonomous/:nftId/permissions",
        method = "get",
        operation_id = "getAutonomousPermissions"
    )]
    async fn permissions(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
    ) -> Result<Json<AutonomousPermissions>, AutonomousReadFailure> {
        let who = change_by(&caller, &conviction, &request_id, unix_now())?;
        let permissions = self
            .state
            .autonomous
            .permissions(&who, &nft_id)
            .await
            .map_err(RouteError::from)?;
        Ok(Json(permissions.into()))
    }

    /// Change a dNFT's autonomous permissions (owner, sovereign tier)
    ///
    /// Merges the body into the stored permissions, makes the caller their `ownerWallet`,
    /// appends an audit entry in the same step and sends the result to Finn (best effort: a
    /// failure there is logged, the change stands). A refusal is an audit entry.
    #[oai(
        path = "/api/autonomous/:nftId/permissions",
        method = "put",
        operation_id = "updateAutonomousPermissions"
    )]
    async fn update(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        body: JsonBody<PermissionsChange>,
    ) -> Result<Json<AutonomousPermissions>, AutonomousWriteFailure> {
        let mut who = change_by(&caller, &conviction, &request_id, unix_now())?;
        let patch = body.0.into_patch()?;
        who.ctx.wallet = Some(who.wallet.to_owned());
        let (stored, sync) = self
            .state
            .autonomous
            .update(&who, &nft_id, &patch)
            .await
            .map_err(RouteError::from)?;
        if let Some(e) = sync {
            tracing::warn!(
                event = "autonomous_sync_failed",
                request_id = request_id.as_str(),
                nft_id = &*nft_id.0.0,
                detail = %e
            );
        }
        Ok(Json(stored.into()))
    }

    /// A dNFT's audit trail, newest first
    #[oai(
        path = "/api/autonomous/:nftId/audit",
        method = "get",
        operation_id = "getAutonomousAudit"
    )]
    async fn audit(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        /// Entries, 1..500 (default 100)
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditTrail>, AutonomousReadFailure> {
        let who = change_by(&caller, &conviction, &request_id, unix_now())?;
        let limit = limit
            .0
            .map_or(AUDIT_DEFAULT, |l| (l as usize).min(AUDIT_MAX));
        let entries: Vec<AuditRecord> = self
            .state
            .autonomous
            .audit(&who, &nft_id, limit)
            .await
            .map_err(RouteError::from)?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(AuditTrail {
            nft_id: nft_id.0.0,
            count: entries.len() as u32,
            entries,
        }))
    }

    /// One UTC day of a dNFT's audit trail, summed up
    #[oai(
        path = "/api/autonomous/:nftId/summary",
        method = "get",
        operation_id = "getAutonomousSummary"
    )]
    async fn summary(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        #[oai(name = "nftId")] nft_id: Path<NftId>,
        /// The day, `YYYY-MM-DD` (default: today, UTC)
        date: Query<Option<String>>,
    ) -> Result<Json<AutonomousSummary>, AutonomousReadFailure> {
        let now = unix_now();
        let who = change_by(&caller, &conviction, &request_id, now)?;
        let (start, date) = day_start(date.0.as_deref(), now)?;
        let s = self
            .state
            .autonomous
            .summary(&who, &nft_id, start)
            .await
            .map_err(RouteError::from)?;
        Ok(Json(AutonomousSummary {
            nft_id: nft_id.0.0,
            date,
            total_actions: s.total_actions,
            allowed_actions: s.allowed_actions,
            denied_actions: s.denied_actions,
            total_spend_micro_usd: s.total_spend_micro_usd,
            capabilities_used: s.capabilities_used,
            tools_used: s.tools_used,
            confirmations_required: s.confirmations_required,
        }))
    }
}
