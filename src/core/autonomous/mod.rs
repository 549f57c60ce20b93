//! Autonomous mode of a dNFT (§1.5.12): what its agent may do on its own, who may see and
//! change that, and the audit trail every change and every refused attempt leaves.
//!
//! Unlike the original (process memory, tables unused, an audit log nothing appended to),
//! permissions and the trail live behind [`AutonomousStore`](crate::core::ports::AutonomousStore)
//! and the daily summary is computed from the trail.

mod service;
#[cfg(test)]
mod tests;

pub use service::{AutonomousError, AutonomousService, Change};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// What the agent may do on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub chat_initiate: bool,
    pub knowledge_search: bool,
    pub schedule_manage: bool,
    pub memory_write: bool,
    pub tool_execute: bool,
    pub agent_communicate: bool,
}

/// Some capabilities, to merge over the stored ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapabilitiesPatch {
    pub chat_initiate: Option<bool>,
    pub knowledge_search: Option<bool>,
    pub schedule_manage: Option<bool>,
    pub memory_write: Option<bool>,
    pub tool_execute: Option<bool>,
    pub agent_communicate: Option<bool>,
}

/// What the agent may spend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub daily_cap_micro_usd: u64,
    pub hourly_rate_limit: u32,
    pub require_confirmation_above_usd: u64,
}

/// Some budget fields, to merge over the stored ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetPatch {
    pub daily_cap_micro_usd: Option<u64>,
    pub hourly_rate_limit: Option<u32>,
    pub require_confirmation_above_usd: Option<u64>,
}

/// AutonomousPermissions (§1.5.12). `owner_wallet` is empty until an owner first sets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    pub nft_id: String,
    pub enabled: bool,
    pub owner_wallet: String,
    pub delegated_wallets: Vec<String>,
    pub capabilities: Capabilities,
    pub budget: Budget,
    pub tool_whitelist: Vec<String>,
    pub updated_at: String,
}

impl Permissions {
    /// What a dNFT nobody configured has: nothing enabled, the default daily cap.
    pub fn defaults(nft_id: &str, daily_cap_micro_usd: u64, now_iso: String) -> Self {
        Permissions {
            nft_id: nft_id.to_owned(),
            enabled: false,
            owner_wallet: String::new(),
            delegated_wallets: Vec::new(),
            capabilities: Capabilities::default(),
            budget: Budget {
                daily_cap_micro_usd,
                hourly_rate_limit: 60,
                require_confirmation_above_usd: 1_000_000,
            },
            tool_whitelist: Vec::new(),
            updated_at: now_iso,
        }
    }

    /// Whether `wallet` is one of the delegates set here (any letter case).
    pub fn delegates_to(&self, wallet: &str) -> bool {
        self.delegated_wallets
            .iter()
            .any(|d| d.eq_ignore_ascii_case(wallet))
    }
}

/// A change to permissions: the fields present replace (lists) or merge into (capabilities,
/// budget) the stored ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionsPatch {
    pub enabled: Option<bool>,
    pub capabilities: Option<CapabilitiesPatch>,
    /// EIP-55 addresses.
    pub delegated_wallets: Option<Vec<String>>,
    pub tool_whitelist: Option<Vec<String>>,
    pub budget: Option<BudgetPatch>,
}

impl PermissionsPatch {
    /// `current` with this patch applied, owned by `owner` as of `now_iso`.
    pub fn apply(&self, mut current: Permissions, owner: &str, now_iso: String) -> Permissions {
        if let Some(enabled) = self.enabled {
            current.enabled = enabled;
        }
        if let Some(c) = &self.capabilities {
            let caps = &mut current.capabilities;
            for (field, value) in [
                (&mut caps.chat_initiate, c.chat_initiate),
                (&mut caps.knowledge_search, c.knowledge_search),
                (&mut caps.schedule_manage, c.schedule_manage),
                (&mut caps.memory_write, c.memory_write),
                (&mut caps.tool_execute, c.tool_execute),
                (&mut caps.agent_communicate, c.agent_communicate),
            ] {
                if let Some(value) = value {
                    *field = value;
                }
            }
        }
        if let Some(d) = &self.delegated_wallets {
            current.delegated_wallets = d.clone();
        }
        if let Some(t) = &self.tool_whitelist {
            current.tool_whitelist = t.clone();
        }
        if let Some(b) = &self.budget {
            let budget = &mut current.budget;
            if let Some(v) = b.daily_cap_micro_usd {
                budget.daily_cap_micro_usd = v;
            }
            if let Some(v) = b.hourly_rate_limit {
                budget.hourly_rate_limit = v;
            }
            if let Some(v) = b.require_confirmation_above_usd {
                budget.require_confirmation_above_usd = v;
            }
        }
        current.owner_wallet = owner.to_owned();
        current.updated_at = now_iso;
        current
    }
}

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The owner changed the permissions.
    PermissionsUpdated,
    /// A change was refused (not the owner, or a tier below sovereign).
    PermissionsUpdateRefused,
    /// Reading permissions, audit or summary was refused (neither owner nor delegate).
    AccessRefused,
    /// The agent acted on its own (reported by the runtime; nothing records these yet).
    AgentAction,
}

/// One entry of a dNFT's audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub nft_id: String,
    /// Unix seconds.
    pub at: i64,
    pub action: AuditAction,
    /// Who acted or tried to.
    pub wallet: String,
    pub allowed: bool,
    /// Why it was refused, or what changed.
    pub reason: Option<String>,
    pub capability: Option<String>,
    pub tool: Option<String>,
    pub cost_micro_usd: u64,
    pub confirmation_required: bool,
}

impl AuditEntry {
    /// An entry of `action` by `wallet` at `at`, with nothing spent or used.
    pub fn new(nft_id: &str, at: i64, action: AuditAction, wallet: &str, allowed: bool) -> Self {
        AuditEntry {
            nft_id: nft_id.to_owned(),
            at,
            action,
            wallet: wallet.to_owned(),
            allowed,
            reason: None,
            capability: None,
            tool: None,
            cost_micro_usd: 0,
            confirmation_required: false,
        }
    }

    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// An entry as stored: its place in the trail (increasing with time).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAudit {
    pub seq: i64,
    pub entry: AuditEntry,
}

/// One UTC day of a dNFT's trail, summed up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DailySummary {
    pub total_actions: u64,
    pub allowed_actions: u64,
    pub denied_actions: u64,
    pub total_spend_micro_usd: u64,
    pub capabilities_used: Vec<String>,
    pub tools_used: Vec<String>,
    pub confirmations_required: u64,
}

impl DailySummary {
    /// The summary of `entries` (one day's).
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Self {
        let mut s = DailySummary::default();
        let (mut caps, mut tools) = (BTreeSet::new(), BTreeSet::new());
        for e in entries {
            s.total_actions += 1;
            if e.allowed {
                s.allowed_actions += 1;
                s.total_spend_micro_usd = s.total_spend_micro_usd.saturating_add(e.cost_micro_usd);
                caps.extend(e.capability.clone());
                tools.extend(e.tool.clone());
            } else {
                s.denied_actions += 1;
            }
            s.confirmations_required += u64::from(e.confirmation_required);
        }
        s.capabilities_used = caps.into_iter().collect();
        s.tools_used = tools.into_iter().collect();
        s
    }
}

/// Audit entries a page holds at most, and by default.
pub const AUDIT_MAX: usize = 500;
pub const AUDIT_DEFAULT: usize = 100;
/// A day's entries the summary reads at most (a busier day is summed over its newest).
pub const SUMMARY_MAX: usize = 100_000;
