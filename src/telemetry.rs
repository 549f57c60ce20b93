//! What the metrics of every layer share: the latency buckets and the registry they are
//! registered in at startup (served by `GET /metrics`).

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

/// Latency buckets in seconds: 0.5 ms to ~8 s, doubling.
pub fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}
