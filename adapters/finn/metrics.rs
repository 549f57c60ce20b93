//! Finn calls for `/metrics`: how many by operation and outcome, how long, and the breaker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::core::ownership::CircuitState;
use crate::telemetry::latency_histogram;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    operation: &'static str,
    /// `ok`, `error` (no answer, or a status that counts against the breaker), `refused`
    /// (the breaker was open).
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

/// Shared by the clones of one client. Records nothing until registered.
#[derive(Clone)]
pub struct FinnMetrics {
    on: Arc<AtomicBool>,
    calls: Family<CallLabels, Counter>,
    latency: Family<OperationLabels, Histogram, fn() -> Histogram>,
    circuit: Gauge,
}

impl Default for FinnMetrics {
    fn default() -> Self {
        FinnMetrics {
            on: Arc::new(AtomicBool::new(false)),
            calls: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            circuit: Gauge::default(),
        }
    }
}

impl FinnMetrics {
    /// Registers the families in `registry` and starts recording.
    pub fn register(&self, registry: &mut Registry) {
        self.on.store(true, Ordering::Relaxed);
        registry.register(
            "dixie_finn_requests",
            "Finn calls by operation and outcome",
            self.calls.clone(),
        );
        registry.register(
            "dixie_finn_request_duration_seconds",
            "Finn call latency by operation (calls the breaker refused are not timed)",
            self.latency.clone(),
        );
        registry.register(
            "dixie_finn_circuit_state",
            "The Finn circuit breaker: 0 closed, 1 half-open, 2 open",
            self.circuit.clone(),
        );
    }

    pub(super) fn call(
        &self,
        operation: &'static str,
        outcome: &'static str,
        took: Option<Duration>,
    ) {
        if !self.on.load(Ordering::Relaxed) {
            return;
        }
        self.calls
            .get_or_create(&CallLabels { operation, outcome })
            .inc();
        if let Some(took) = took {
            self.latency
                .get_or_create(&OperationLabels { operation })
                .observe(took.as_secs_f64());
        }
    }

    pub(super) fn circuit(&self, state: CircuitState) {
        self.circuit.set(match state {
            CircuitState::Closed => 0,
            CircuitState::HalfOpen => 1,
            CircuitState::Open => 2,
        });
    }
}
