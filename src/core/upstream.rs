//! Calling the agent runtime (Finn): the circuit breaker, the error mapping and the request
//! context every call carries (contract §6, D4, D11).

use std::time::Duration;

use crate::core::ownership::CircuitState;

/// What identifies a call upstream: the effective request id (D4) and, when known, the
/// verified wallet (D3: never a client-sent header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallContext {
    pub request_id: String,
    pub wallet: Option<String>,
    /// The memory context for a chat (D10), sent as `x-memory-context`.
    pub memory_context: Option<String>,
    /// W3C `traceparent` of the span making the call (its parent upstream).
    pub traceparent: Option<String>,
}

impl CallContext {
    /// A context that carries only correlation (a lookup made for a request).
    pub fn correlated(request_id: &str, traceparent: Option<&str>) -> Self {
        CallContext {
            request_id: request_id.to_owned(),
            traceparent: traceparent.map(str::to_owned),
            ..CallContext::default()
        }
    }
}

/// A failed upstream call as the client will see it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream answered with an error; `status`/`error`/`message` follow §6.2.
    #[error("upstream answered {status} {error}")]
    Answered {
        status: u16,
        error: &'static str,
        message: String,
        retry_after: Option<u64>,
    },
    /// Network failure, timeout or an unreadable body (503 `upstream_error`).
    #[error("upstream unavailable")]
    Unavailable,
    /// The breaker is open; no request was made (503 `circuit_open`).
    #[error("circuit open")]
    CircuitOpen,
}

impl UpstreamError {
    /// Status, `error` code, message and `retry_after` of the response for this failure.
    pub fn response(&self) -> (u16, &'static str, String, Option<u64>) {
        match self {
            UpstreamError::Answered {
                status,
                error,
                message,
                retry_after,
            } => (*status, error, message.clone(), *retry_after),
            UpstreamError::Unavailable => (
                503,
                "upstream_error",
                "Backend service unavailable".to_owned(),
                None,
            ),
            UpstreamError::CircuitOpen => (
                503,
                "circuit_open",
                "Service temporarily unavailable (circuit breaker open)".to_owned(),
                None,
            ),
        }
    }
}

/// Maps a non-2xx answer of Finn (its status and JSON `code`/`message`) per §6.2.
pub fn map_finn_error(status: u16, code: Option<&str>, message: Option<&str>) -> UpstreamError {
    let answered = |status, error, message: &str, retry_after| UpstreamError::Answered {
        status,
        error,
        message: message.to_owned(),
        retry_after,
    };
    match code {
        Some("BUDGET_EXCEEDED") => answered(402, "usage_limit", "Usage limit reached", None),
        Some("RATE_LIMITED") => answered(429, "rate_limited", "Too many requests", Some(60)),
        Some("ORACLE_MODEL_UNAVAILABLE") => answered(
            503,
            "service_unavailable",
            "Oracle temporarily unavailable",
            None,
        ),
        Some("PROVIDER_UNAVAILABLE") => answered(
            502,
            "service_unavailable",
            "Provider temporarily unavailable",
            None,
        ),
        // Finn refusing Dixie's own token (`FINN_AUTH_TOKEN`) is a deployment fault, never the
        // client's: not a 401 the client would act on.
        Some("AUTH_REQUIRED" | "AUTH_INVALID") => answered(
            503,
            "upstream_error",
            "Upstream refused this service's credentials",
            None,
        ),
        _ => {
            let status = if (400..=599).contains(&status) {
                status
            } else {
                502
            };
            let message = message
                .filter(|m| !m.is_empty() && m.len() <= 500)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Upstream error (HTTP {status})"));
            UpstreamError::Answered {
                status,
                error: "upstream_error",
                message,
                retry_after: None,
            }
        }
    }
}

/// Breaker thresholds (§6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// A failure older than this no longer counts towards the threshold.
    pub failure_window: Duration,
    /// How long the breaker stays open before one probe is let through.
    pub open_for: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            failure_threshold: 5,
            failure_window: Duration::from_secs(30),
            open_for: Duration::from_secs(10),
        }
    }
}

/// Whether a call may go upstream now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Call,
    /// The single call let through in half-open; its outcome closes or re-opens the breaker.
    Probe,
    Refuse,
}

/// A state change, for the transition log line.
pub type Transition = (CircuitState, CircuitState);

/// A circuit breaker as a pure state machine; `now` is a monotonic time since any origin.
#[derive(Clone, Debug)]
pub struct Breaker {
    policy: BreakerPolicy,
    state: CircuitState,
    failures: u32,
    last_failure: Option<Duration>,
    opened_at: Duration,
    probe_started: Option<Duration>,
}

impl Breaker {
    pub fn new(policy: BreakerPolicy) -> Self {
        Breaker {
            policy,
            state: CircuitState::Closed,
            failures: 0,
            last_failure: None,
            opened_at: Duration::ZERO,
            probe_started: None,
        }
    }

    pub fn state(&self) -> CircuitState {
        self.state
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// Decides whether a call may start. Half-open admits exactly one probe at a time; a probe
    /// that never reports back (its caller went away) is replaced after `open_for`.
    pub fn admit(&mut self, now: Duration) -> (Admission, Option<Transition>) {
        match self.state {
            CircuitState::Closed => (Admission::Call, None),
            CircuitState::Open if now.saturating_sub(self.opened_at) >= self.policy.open_for => {
                self.state = CircuitState::HalfOpen;
                self.probe_started = Some(now);
                (
                    Admission::Probe,
                    Some((CircuitState::Open, CircuitState::HalfOpen)),
                )
            }
            CircuitState::Open => (Admission::Refuse, None),
            CircuitState::HalfOpen => match self.probe_started {
                Some(started) if now.saturating_sub(started) < self.policy.open_for => {
                    (Admission::Refuse, None)
                }
                _ => {
                    self.probe_started = Some(now);
                    (Admission::Probe, None)
                }
            },
        }
    }

    /// The upstream answered (an answer includes "not found" on a lookup).
    pub fn on_success(&mut self) -> Option<Transition> {
        let before = self.state;
        self.state = CircuitState::Closed;
        self.failures = 0;
        self.last_failure = None;
        self.probe_started = None;
        (before != CircuitState::Closed).then_some((before, CircuitState::Closed))
    }

    /// The upstream failed (network, timeout, 5xx or other non-answer).
    pub fn on_failure(&mut self, now: Duration) -> Option<Transition> {
        let before = self.state;
        if before == CircuitState::HalfOpen {
            self.state = CircuitState::Open;
            self.opened_at = now;
            self.probe_started = None;
            self.failures = self.failures.max(self.policy.failure_threshold);
            self.last_failure = Some(now);
            return Some((before, CircuitState::Open));
        }
        if self
            .last_failure
            .is_some_and(|at| now.saturating_sub(at) > self.policy.failure_window)
        {
            self.failures = 0;
        }
        self.failures += 1;
        self.last_failure = Some(now);
        if before == CircuitState::Closed && self.failures >= self.policy.failure_threshold {
            self.state = CircuitState::Open;
            self.opened_at = now;
            return Some((before, CircuitState::Open));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn opens_after_five_consecutive_failures() {
        let mut b = Breaker::new(BreakerPolicy::default());
        for i in 0..4 {
            assert_eq!(b.on_failure(s(i)), None);
        }
        assert_eq!(
            b.on_failure(s(4)),
            Some((CircuitState::Closed, CircuitState::Open))
        );
        assert_eq!(b.admit(s(5)).0, Admission::Refuse);
    }

    #[test]
    fn a_success_or_a_quiet_spell_resets_the_count() {
        let mut b = Breaker::new(BreakerPolicy::default());
        for i in 0..4 {
            b.on_failure(s(i));
        }
        b.on_success();
        for i in 0..4 {
            assert_eq!(b.on_failure(s(10 + i)), None);
        }
        assert_eq!(b.on_failure(s(60)), None, "previous failure over 30 s ago");
        assert_eq!(b.consecutive_failures(), 1);
    }

    #[test]
    fn half_open_admits_one_probe_and_its_outcome_decides() {
        let mut b = Breaker::new(BreakerPolicy::default());
        for i in 0..5 {
            b.on_failure(s(i));
        }
        assert_eq!(b.admit(s(13)).0, Admission::Refuse, "open for 10 s");
        assert_eq!(
            b.admit(s(14)),
            (
                Admission::Probe,
                Some((CircuitState::Open, CircuitState::HalfOpen))
            )
        );
        assert_eq!(b.admit(s(14)).0, Admission::Refuse, "one probe at a time");
        assert_eq!(
            b.on_failure(s(15)),
            Some((CircuitState::HalfOpen, CircuitState::Open))
        );
        assert_eq!(b.admit(s(20)).0, Admission::Refuse);
        assert_eq!(b.admit(s(25)).0, Admission::Probe);
        assert_eq!(
            b.on_success(),
            Some((CircuitState::HalfOpen, CircuitState::Closed))
        );
        assert_eq!(b.admit(s(25)).0, Admission::Call);
    }

    #[test]
    fn an_abandoned_probe_is_replaced() {
        let mut b = Breaker::new(BreakerPolicy::default());
        for i in 0..5 {
            b.on_failure(s(i));
        }
        assert_eq!(b.admit(s(14)).0, Admission::Probe);
        assert_eq!(b.admit(s(23)).0, Admission::Refuse);
        assert_eq!(b.admit(s(24)).0, Admission::Probe);
    }

    #[test]
    fn finn_codes_map_per_the_contract() {
        let r = |s, c: Option<&str>, m: Option<&str>| map_finn_error(s, c, m).response();
        assert_eq!(r(400, Some("BUDGET_EXCEEDED"), None).0, 402);
        assert_eq!(r(400, Some("BUDGET_EXCEEDED"), None).1, "usage_limit");
        assert_eq!(r(503, Some("RATE_LIMITED"), None).3, Some(60));
        assert_eq!(r(500, Some("ORACLE_MODEL_UNAVAILABLE"), None).0, 503);
        assert_eq!(r(500, Some("PROVIDER_UNAVAILABLE"), None).0, 502);
        for code in ["AUTH_REQUIRED", "AUTH_INVALID"] {
            assert_eq!(
                r(401, Some(code), Some("Invalid token")).0,
                503,
                "Finn refusing Dixie's token is not the client's 401"
            );
        }
        assert_eq!(
            r(418, Some("X"), Some("teapot")),
            (418, "upstream_error", "teapot".to_owned(), None)
        );
        assert_eq!(r(500, None, None).2, "Upstream error (HTTP 500)".to_owned());
        assert_eq!(
            r(302, None, None).0,
            502,
            "a non-error status is a bad gateway"
        );
    }
}
