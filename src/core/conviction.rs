//! Conviction tiers (contract §1.6) and the conviction denial (§2.2).
//!
//! A wallet's tier follows from the BGT it stakes; when the staking lookup fails, an
//! allowlisted wallet falls back to `architect` and anyone else to `observer`.

use serde::{Deserialize, Serialize};

use crate::core::auth::ethereum;
use crate::core::cache::Cached;
use crate::core::ports::{CacheStore, StakingLookup};
use crate::core::upstream::CallContext;

/// Conviction tiers, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Observer,
    Participant,
    Builder,
    Architect,
    Sovereign,
}

impl Tier {
    /// The tier `bgt_staked` earns: ≥10000 sovereign, ≥1000 architect, ≥100 builder,
    /// ≥1 participant, else observer.
    pub fn from_bgt(bgt_staked: f64) -> Tier {
        match bgt_staked {
            b if b >= 10_000.0 => Tier::Sovereign,
            b if b >= 1_000.0 => Tier::Architect,
            b if b >= 100.0 => Tier::Builder,
            b if b >= 1.0 => Tier::Participant,
            _ => Tier::Observer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Observer => "observer",
            Tier::Participant => "participant",
            Tier::Builder => "builder",
            Tier::Architect => "architect",
            Tier::Sovereign => "sovereign",
        }
    }

    pub fn model_pool(self) -> &'static str {
        match self {
            Tier::Observer => "pool_observer",
            Tier::Participant | Tier::Builder => "pool_standard",
            Tier::Architect | Tier::Sovereign => "pool_premium",
        }
    }

    /// Cumulative capabilities (reported, not enforced by routes).
    pub fn capabilities(self) -> Vec<&'static str> {
        let steps: [(Tier, &[&'static str]); 5] = [
            (Tier::Observer, &["chat", "personality_view"]),
            (Tier::Participant, &["memory", "tool_events"]),
            (Tier::Builder, &["economic_metadata", "scheduling"]),
            (Tier::Architect, &["agent_api"]),
            (Tier::Sovereign, &["autonomous_mode"]),
        ];
        steps
            .iter()
            .filter(|(tier, _)| *tier <= self)
            .flat_map(|(_, caps)| caps.iter().copied())
            .collect()
    }

    /// The fixed profile a tier is compared by: (blended trust score, reputation state index
    /// in cold < warming < established < authoritative).
    fn profile(self) -> (f64, u8) {
        match self {
            Tier::Observer => (0.0, 0),
            Tier::Participant => (0.2, 1),
            Tier::Builder => (0.5, 2),
            Tier::Architect => (0.8, 2),
            Tier::Sovereign => (1.0, 3),
        }
    }
}

/// Where a tier came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierSource {
    /// The staking lookup answered.
    Freeside,
    /// The lookup failed and the wallet is on the allowlist.
    LegacyAllowlist,
    /// No wallet, or the lookup failed for a wallet not on the allowlist.
    Default,
}

/// The §1.8 cache key prefix of resolved convictions (`conviction:{EIP-55 wallet}`).
pub const CONVICTION_PREFIX: &str = "conviction:";

/// A resolved conviction (cached as `{tier, bgtStaked, source}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conviction {
    pub tier: Tier,
    pub bgt_staked: f64,
    pub source: TierSource,
}

impl Conviction {
    pub fn observer() -> Conviction {
        Conviction {
            tier: Tier::Observer,
            bgt_staked: 0.0,
            source: TierSource::Default,
        }
    }

    /// From a staking lookup: `Some(bgt)` when it answered, `None` when it failed.
    pub fn resolve(staked: Option<f64>, allowlisted: bool) -> Conviction {
        match staked {
            Some(bgt) => Conviction {
                tier: Tier::from_bgt(bgt),
                bgt_staked: bgt,
                source: TierSource::Freeside,
            },
            None if allowlisted => Conviction {
                tier: Tier::Architect,
                bgt_staked: 0.0,
                source: TierSource::LegacyAllowlist,
            },
            None => Conviction::observer(),
        }
    }

    /// Whether the result may be cached: every answer but the no-information default.
    pub fn cacheable(&self) -> bool {
        self.source != TierSource::Default
    }
}

/// Conviction tiers per wallet: resolved through the staking lookup `F` and reused through
/// the cache `C` (`conviction:{EIP-55 wallet}`, shared by the replicas when the cache is), so
/// that a wallet costs one lookup per TTL, not per request.
#[derive(Clone)]
pub struct Convictions<F, C> {
    staking: F,
    cache: Cached<C>,
}

impl<F: StakingLookup, C: CacheStore> Convictions<F, C> {
    pub fn new(staking: F, cache: Cached<C>) -> Self {
        Convictions { staking, cache }
    }

    /// The conviction of `wallet`: cached, else from the staking lookup, else the fallback
    /// (`allowlisted` says whether the wallet is on the allowlist).
    pub async fn of(
        &self,
        ctx: &CallContext,
        wallet: &str,
        allowlisted: impl FnOnce(&str) -> bool,
    ) -> Conviction {
        let key = ethereum::normalize(wallet).unwrap_or_else(|| wallet.to_owned());
        if let Some(hit) = self.cache.get(&key).await {
            return hit;
        }
        let staked = self.staking.bgt_staked(ctx, wallet).await;
        let conviction = Conviction::resolve(staked, allowlisted(wallet));
        if conviction.cacheable() {
            self.cache.put(&key, &conviction).await;
        }
        conviction
    }
}

/// The body of a 403 for a tier below what a route needs (§2.2).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConvictionDenial {
    pub error: &'static str,
    pub message: String,
    pub actual_tier: Tier,
    pub required_tier: Tier,
    pub denial_codes: Vec<&'static str>,
    pub evaluation_gap: EvaluationGap,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluationGap {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_score_gap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reputation_state_gap: Option<u8>,
}

/// `Ok` when `actual` reaches `required`, else the denial body.
pub fn require_tier(actual: Tier, required: Tier) -> Result<(), ConvictionDenial> {
    if actual >= required {
        return Ok(());
    }
    let (have_score, have_state) = actual.profile();
    let (need_score, need_state) = required.profile();
    let mut codes = Vec::new();
    let mut gap = EvaluationGap {
        trust_score_gap: None,
        reputation_state_gap: None,
    };
    if have_score < need_score {
        codes.push("TRUST_SCORE_BELOW_THRESHOLD");
        gap.trust_score_gap = Some(need_score - have_score);
    }
    if have_state < need_state {
        codes.push("TRUST_STATE_BELOW_THRESHOLD");
        gap.reputation_state_gap = Some(need_state - have_state);
    }
    Err(ConvictionDenial {
        error: "forbidden",
        message: format!(
            "This action requires the {} tier (you have {})",
            required.as_str(),
            actual.as_str()
        ),
        actual_tier: actual,
        required_tier: required,
        denial_codes: codes,
        evaluation_gap: gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ports::mocks::MockStakingLookup;
    use crate::core::testing::{KeptCache, block_on};

    #[test]
    fn a_wallet_costs_one_lookup_per_ttl_and_only_informed_answers_are_kept() {
        const STAKER: &str = "0x00000000000000000000000000000000000000a1";
        const LISTED: &str = "0x00000000000000000000000000000000000000a2";
        const UNKNOWN: &str = "0x00000000000000000000000000000000000000a3";
        let mut staking = MockStakingLookup::new();
        let answers = [
            (STAKER, Some(1500.0), 1),
            (LISTED, None, 1),
            (UNKNOWN, None, 2),
        ];
        for (wallet, answer, times) in answers {
            staking
                .expect_bgt_staked()
                .withf(move |_, w| w == wallet)
                .times(times)
                .returning(move |_, _| Box::pin(async move { answer }));
        }
        let cache = KeptCache::default();
        let tiers = Convictions::new(
            staking,
            cache.cached(CONVICTION_PREFIX, std::time::Duration::from_secs(60)),
        );
        let ctx = CallContext::default();
        let listed = |w: &str| w.eq_ignore_ascii_case(LISTED);
        for _ in 0..2 {
            let staker = block_on(tiers.of(&ctx, STAKER, listed));
            assert_eq!(
                (staker.tier, staker.source),
                (Tier::Architect, TierSource::Freeside)
            );
            let fallback = block_on(tiers.of(&ctx, LISTED, listed));
            assert_eq!(fallback.source, TierSource::LegacyAllowlist);
            let unknown = block_on(tiers.of(&ctx, UNKNOWN, listed));
            assert_eq!(
                (unknown.tier, unknown.source),
                (Tier::Observer, TierSource::Default)
            );
        }
        assert!(
            cache
                .0
                .lock()
                .unwrap()
                .contains_key("conviction:0x00000000000000000000000000000000000000A1")
        );
    }

    #[test]
    fn tiers_follow_the_bgt_thresholds() {
        let cases = [
            (0.0, Tier::Observer),
            (0.99, Tier::Observer),
            (1.0, Tier::Participant),
            (99.9, Tier::Participant),
            (100.0, Tier::Builder),
            (1_000.0, Tier::Architect),
            (10_000.0, Tier::Sovereign),
            (f64::NAN, Tier::Observer),
        ];
        for (bgt, tier) in cases {
            assert_eq!(Tier::from_bgt(bgt), tier, "{bgt}");
        }
    }

    #[test]
    fn capabilities_accumulate_and_pools_group_tiers() {
        assert_eq!(Tier::Observer.capabilities(), ["chat", "personality_view"]);
        assert_eq!(Tier::Builder.capabilities().len(), 6);
        assert!(Tier::Sovereign.capabilities().contains(&"autonomous_mode"));
        assert!(!Tier::Architect.capabilities().contains(&"autonomous_mode"));
        assert_eq!(Tier::Builder.model_pool(), "pool_standard");
        assert_eq!(Tier::Architect.model_pool(), "pool_premium");
    }

    #[test]
    fn a_failed_lookup_falls_back_by_allowlist() {
        let listed = Conviction::resolve(None, true);
        assert_eq!(listed.tier, Tier::Architect);
        assert_eq!(listed.source, TierSource::LegacyAllowlist);
        assert!(listed.cacheable());
        let unknown = Conviction::resolve(None, false);
        assert_eq!(unknown, Conviction::observer());
        assert!(!unknown.cacheable());
        let staked = Conviction::resolve(Some(150.0), false);
        assert_eq!(
            (staked.tier, staked.source),
            (Tier::Builder, TierSource::Freeside)
        );
    }

    #[test]
    fn denial_reports_score_and_state_gaps() {
        assert!(require_tier(Tier::Builder, Tier::Builder).is_ok());
        assert!(require_tier(Tier::Sovereign, Tier::Builder).is_ok());
        let denial = require_tier(Tier::Participant, Tier::Builder).unwrap_err();
        assert_eq!(
            denial.denial_codes,
            ["TRUST_SCORE_BELOW_THRESHOLD", "TRUST_STATE_BELOW_THRESHOLD"]
        );
        assert_eq!(denial.evaluation_gap.trust_score_gap, Some(0.5 - 0.2));
        assert_eq!(denial.evaluation_gap.reputation_state_gap, Some(1));
        // builder → architect: same reputation state, only the score differs.
        let denial = require_tier(Tier::Builder, Tier::Architect).unwrap_err();
        assert_eq!(denial.denial_codes, ["TRUST_SCORE_BELOW_THRESHOLD"]);
        assert_eq!(denial.evaluation_gap.reputation_state_gap, None);
    }
}
