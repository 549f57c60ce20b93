//! [`PaymentGate`] adapters: payments off (default) or the x402 scaffold, chosen at startup as
//! one [`Payments`] value (an enum: static dispatch, no second copy of the app).

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

/// The configured payment mode.
#[derive(Clone, Copy, Debug)]
pub enum Payments {
    Off(NoopGate),
    Scaffold(ScaffoldGate),
}

impl Payments {
    /// `DIXIE_X402_ENABLED`.
    pub fn new(x402_enabled: bool) -> Self {
        if x402_enabled {
            Payments::Scaffold(ScaffoldGate)
        } else {
            Payments::Off(NoopGate)
        }
    }
}

impl PaymentGate for Payments {
    fn assess(&self, wallet: Option<&str>) -> PaymentVerdict {
        match self {
            Payments::Off(gate) => gate.assess(wallet),
            Payments::Scaffold(gate) => gate.assess(wallet),
        }
    }
}
