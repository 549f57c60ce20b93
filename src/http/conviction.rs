//! Conviction tiers per request (§1.6): resolved through the staking lookup and reused for
//! `DIXIE_CONVICTION_TIER_TTL` (shared by the replicas when Redis is configured), so that a
//! wallet costs one Finn call per TTL, not per request.

use crate::core::auth::allowlist::Access;
use crate::core::auth::ethereum;
use crate::core::conviction::Conviction;
use crate::core::ports::StakingLookup;
use crate::core::upstream::CallContext;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, AppState};

/// The conviction of `wallet`: cached, else from the staking lookup, else the fallback.
pub async fn conviction_of<A: Adapters>(
    state: &AppState<A>,
    request_id: Option<&RequestId>,
    wallet: &str,
) -> Conviction {
    let key = ethereum::normalize(wallet).unwrap_or_else(|| wallet.to_owned());
    if let Some(hit) = state.convictions.get(&key).await {
        return hit;
    }
    let ctx = request_id.map_or_else(CallContext::default, |id| id.call_context(None));
    let staked = state.finn.bgt_staked(&ctx, wallet).await;
    let listed = matches!(&*state.access(), Access::Restricted(list) if list.allows_wallet(wallet));
    let conviction = Conviction::resolve(staked, listed);
    if conviction.cacheable() {
        state.convictions.put(&key, &conviction).await;
    }
    conviction
}
