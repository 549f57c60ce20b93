//! Conviction tiers per request (§1.6): the core's [`Convictions`](crate::core::conviction::Convictions)
//! with the allowlist in force as the fallback's list.

use crate::core::auth::allowlist::Access;
use crate::core::conviction::Conviction;
use crate::core::upstream::CallContext;
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, AppState};

/// Whether `wallet` is on the allowlist in force of `state` (read only when asked: a cached
/// tier never needs it).
pub fn allowlisted<A: Adapters>(state: &AppState<A>) -> impl FnOnce(&str) -> bool + '_ {
    move |wallet| matches!(&*state.access(), Access::Restricted(list) if list.allows_wallet(wallet))
}

/// The conviction of `wallet`: cached, else from the staking lookup, else the fallback.
pub async fn conviction_of<A: Adapters>(
    state: &AppState<A>,
    request_id: Option<&RequestId>,
    wallet: &str,
) -> Conviction {
    let ctx = request_id.map_or_else(CallContext::default, |id| id.call_context(None));
    state.convictions.of(&ctx, wallet, allowlisted(state)).await
}
