//! The autonomous use case: ownership (through the one `OwnershipResolver`) → permissions and
//! trail (the store) → Finn's copy (best effort).

use crate::core::clock::iso_of_unix as iso;
use crate::core::conviction::{ConvictionDenial, Tier, require_tier};
use crate::core::error::PortError;
use crate::core::ownership::{holding, owns};
use crate::core::ports::{AutonomousStore, OwnershipResolver, PermissionSync};
use crate::core::upstream::{CallContext, UpstreamError};

use super::{AuditAction, AuditEntry, DailySummary, Permissions, PermissionsPatch, StoredAudit};

/// Why an autonomous request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AutonomousError {
    /// The wallet neither holds the dNFT nor is one of its autonomous delegates (audited).
    #[error("not the owner or a delegate")]
    NotAuthorized,
    /// Only the dNFT's owner changes its permissions (audited).
    #[error("not the owner")]
    NotOwner,
    /// Changing permissions needs the sovereign tier (audited).
    #[error("tier below sovereign")]
    Denied(Box<ConvictionDenial>),
    /// Finn could not say who holds the dNFT.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    #[error(transparent)]
    Store(#[from] PortError),
}

/// Who asks, when, and on which request.
pub struct Change<'a> {
    pub ctx: CallContext,
    pub wallet: &'a str,
    pub tier: Tier,
    /// Unix seconds.
    pub now: i64,
}

/// Autonomous permissions and their audit trail over ownership `F` and storage `S`.
#[derive(Clone)]
pub struct AutonomousService<F, S> {
    runtime: F,
    store: S,
    /// `DIXIE_AUTONOMOUS_BUDGET`: the daily cap of a dNFT nobody configured.
    default_daily_cap: u64,
}

impl<F, S> AutonomousService<F, S>
where
    F: OwnershipResolver + PermissionSync,
    S: AutonomousStore,
{
    pub fn new(runtime: F, store: S, default_daily_cap: u64) -> Self {
        AutonomousService {
            runtime,
            store,
            default_daily_cap,
        }
    }

    /// Refuses (and audits) a wallet that neither holds `nft_id` (owner or Finn delegate) nor
    /// is one of its autonomous delegates. Answers the stored permissions, or the defaults.
    async fn readable(
        &self,
        who: &Change<'_>,
        nft_id: &str,
    ) -> Result<Permissions, AutonomousError> {
        let stored = self.store.get(nft_id).await?;
        let permissions = stored
            .unwrap_or_else(|| Permissions::defaults(nft_id, self.default_daily_cap, iso(who.now)));
        if permissions.delegates_to(who.wallet) {
            return Ok(permissions);
        }
        let holdings = self.runtime.holdings(&who.ctx, who.wallet).await?;
        if holding(&holdings, nft_id).is_some() {
            return Ok(permissions);
        }
        let entry = AuditEntry::new(
            nft_id,
            who.now,
            AuditAction::AccessRefused,
            who.wallet,
            false,
        )
        .because("neither the owner nor a delegate");
        self.store.append(&entry).await?;
        Err(AutonomousError::NotAuthorized)
    }

    /// The dNFT's permissions (the defaults when nobody set any).
    pub async fn permissions(
        &self,
        who: &Change<'_>,
        nft_id: &str,
    ) -> Result<Permissions, AutonomousError> {
        self.readable(who, nft_id).await
    }

    /// Applies `patch` for the dNFT's owner at the sovereign tier: stored with its audit entry
    /// in one step, then pushed to Finn — best effort: the answer carries Finn's failure, if
    /// any, for the caller to log. Every refusal is an audit entry.
    pub async fn update(
        &self,
        who: &Change<'_>,
        nft_id: &str,
        patch: &PermissionsPatch,
    ) -> Result<(Permissions, Option<UpstreamError>), AutonomousError> {
        let refuse = |reason: &str| {
            AuditEntry::new(
                nft_id,
                who.now,
                AuditAction::PermissionsUpdateRefused,
                who.wallet,
                false,
            )
            .because(reason)
        };
        if let Err(denial) = require_tier(who.tier, Tier::Sovereign) {
            self.store.append(&refuse("tier below sovereign")).await?;
            return Err(AutonomousError::Denied(Box::new(denial)));
        }
        let holdings = self.runtime.holdings(&who.ctx, who.wallet).await?;
        if !owns(&holdings, who.wallet, nft_id) {
            self.store.append(&refuse("not the owner")).await?;
            return Err(AutonomousError::NotOwner);
        }
        let (default_cap, now_iso) = (self.default_daily_cap, iso(who.now));
        let stored = self
            .store
            .update(nft_id, |current| {
                let base = current
                    .unwrap_or_else(|| Permissions::defaults(nft_id, default_cap, now_iso.clone()));
                let next = patch.apply(base, who.wallet, now_iso);
                let entry = AuditEntry::new(
                    nft_id,
                    who.now,
                    AuditAction::PermissionsUpdated,
                    who.wallet,
                    true,
                )
                .because(patch.describe());
                (next, entry)
            })
            .await?;
        let synced = self.runtime.push_permissions(&who.ctx, &stored).await;
        Ok((stored, synced.err()))
    }

    /// The newest `limit` entries of the dNFT's trail, newest first.
    pub async fn audit(
        &self,
        who: &Change<'_>,
        nft_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredAudit>, AutonomousError> {
        self.readable(who, nft_id).await?;
        Ok(self.store.audit(nft_id, limit).await?)
    }

    /// The summary of the UTC day starting at `day_start` (Unix seconds).
    pub async fn summary(
        &self,
        who: &Change<'_>,
        nft_id: &str,
        day_start: i64,
    ) -> Result<DailySummary, AutonomousError> {
        self.readable(who, nft_id).await?;
        let entries = self
            .store
            .audit_between(nft_id, day_start, day_start + 86_400, super::SUMMARY_MAX)
            .await?;
        Ok(DailySummary::of(entries.iter().map(|s| &s.entry)))
    }
}

impl PermissionsPatch {
    /// Which fields the patch sets, for the audit trail.
    pub fn describe(&self) -> String {
        let fields: Vec<&str> = [
            (self.enabled.is_some(), "enabled"),
            (self.capabilities.is_some(), "capabilities"),
            (self.delegated_wallets.is_some(), "delegatedWallets"),
            (self.tool_whitelist.is_some(), "toolWhitelist"),
            (self.budget.is_some(), "budget"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect();
        if fields.is_empty() {
            "nothing changed".to_owned()
        } else {
            format!("set {}", fields.join(", "))
        }
    }
}
