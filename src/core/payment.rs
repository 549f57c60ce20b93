//! Payment decisions (x402 scaffold: nothing is charged yet).

/// What the payment gate says about one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentVerdict {
    /// Payments are off: the request passes untouched.
    Pass,
    /// Scaffold mode: the request passes and is annotated with the payer, if known.
    Scaffold { wallet: Option<String> },
}
