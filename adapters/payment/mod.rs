//! [`PaymentGate`] adapters: payments off (default) or the x402 scaffold.

use crate::core::payment::PaymentVerdict;
use crate::core::ports::PaymentGate;

/// Payments off: every request passes untouched.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopGate;

impl PaymentGate for NoopGate {
    fn assess(&self, _wallet: Option<&str>) -> PaymentVerdict {
        PaymentVerdict::Pass
    }
}

/// x402 scaffold (`DIXIE_X402_ENABLED=true`): nothing is charged; responses are annotated.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScaffoldGate;

impl PaymentGate for ScaffoldGate {
    fn assess(&self, wallet: Option<&str>) -> PaymentVerdict {
        PaymentVerdict::Scaffold {
            wallet: wallet.map(str::to_owned),
        }
    }
}
