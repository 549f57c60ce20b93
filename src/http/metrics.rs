//! Prometheus metrics (`GET /metrics`, OpenMetrics text): requests by route template, method
//! and status with their latency; rate-limit refusals; and, read when scraped, open chat
//! streams, the PostgreSQL pool, Redis and NATS, dropped signals and log lines. Finn's call
//! metrics are registered by its adapter into the same registry.
//!
//! Recording a request costs one counter increment and one histogram observation on handles
//! resolved once per route, method and status ([`RouteRecorder`]): no label hashing and no
//! registry lock on the request path. Nothing is recorded when metrics are off.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::telemetry::latency_histogram;

/// The route label of a path no route template matches (keeps the label set bounded).
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: Arc<String>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: Arc<String>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// Which shared services the deployment has.
#[derive(Clone, Copy, Debug, Default)]
pub struct Configured {
    pub redis: bool,
    pub nats: bool,
}

/// What is read from the rest of the process when `/metrics` is scraped.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    pub streams_open: usize,
    /// The PostgreSQL pool's (total, idle) connections, when there is one.
    pub pool: Option<(u32, u32)>,
    /// Whether Redis answered its last call, when it is configured.
    pub redis_up: Option<bool>,
    /// Whether NATS is connected, when it is configured.
    pub nats_up: Option<bool>,
    pub signals_dropped: u64,
    pub log_lines_dropped: u64,
}

pub struct Metrics {
    enabled: bool,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    rate_limited: Counter,
    streams_open: Gauge,
    pool: Family<PoolLabels, Gauge>,
    redis_up: Gauge,
    nats_up: Gauge,
    signals_dropped: Counter,
    log_lines_dropped: Counter,
    /// One scrape at a time: the read values are set, then everything is encoded.
    scraping: Mutex<()>,
}

impl Metrics {
    /// The HTTP layer's metrics, registered into `registry` (which may hold adapters'
    /// metrics already); Redis's and NATS's state only when they are `configured`. Off:
    /// nothing is recorded and `/metrics` answers 404.
    pub fn new(mut registry: Registry, enabled: bool, configured: Configured) -> Self {
        let m = Metrics {
            enabled,
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            rate_limited: Counter::default(),
            streams_open: Gauge::default(),
            pool: Family::default(),
            redis_up: Gauge::default(),
            nats_up: Gauge::default(),
            signals_dropped: Counter::default(),
            log_lines_dropped: Counter::default(),
            scraping: Mutex::new(()),
        };
        let r = &mut registry;
        r.register(
            "dixie_http_requests",
            "Responses by method, route template and status",
            m.requests.clone(),
        );
        r.register(
            "dixie_http_request_duration_seconds",
            "Time to the response head by method and route template",
            m.latency.clone(),
        );
        r.register(
            "dixie_rate_limited",
            "Requests refused by the rate limit (429)",
            m.rate_limited.clone(),
        );
        r.register(
            "dixie_ws_streams_open",
            "Chat streams open in this process",
            m.streams_open.clone(),
        );
        r.register(
            "dixie_db_pool_connections",
            "PostgreSQL pool connections by state (total, idle)",
            m.pool.clone(),
        );
        if configured.redis {
            r.register(
                "dixie_redis_up",
                "1 while Redis answers (its last call succeeded), 0 while it does not",
                m.redis_up.clone(),
            );
        }
        if configured.nats {
            r.register(
                "dixie_nats_up",
                "1 while NATS is connected, 0 while it is not",
                m.nats_up.clone(),
            );
        }
        r.register(
            "dixie_signals_dropped",
            "Interaction signals dropped (a full queue, a publish NATS did not confirm)",
            m.signals_dropped.clone(),
        );
        r.register(
            "dixie_log_lines_dropped",
            "Log lines dropped because the writer fell behind",
            m.log_lines_dropped.clone(),
        );
        Metrics { registry, ..m }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn request_counter(&self, method: &'static str, route: &Arc<String>, status: u16) -> Counter {
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.clone(),
                status,
            })
            .clone()
    }

    fn latency_histogram(&self, method: &'static str, route: &Arc<String>) -> Histogram {
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .clone()
    }

    pub fn rate_limited(&self) {
        if self.enabled {
            self.rate_limited.inc();
        }
    }

    /// The OpenMetrics text of everything registered, with `snapshot`'s values.
    pub fn scrape(&self, snapshot: Snapshot) -> String {
        let _one = self.scraping.lock();
        self.streams_open
            .set(i64::try_from(snapshot.streams_open).unwrap_or(i64::MAX));
        if let Some((total, idle)) = snapshot.pool {
            self.pool
                .get_or_create(&PoolLabels { state: "total" })
                .set(total.into());
            self.pool
                .get_or_create(&PoolLabels { state: "idle" })
                .set(idle.into());
        }
        self.redis_up.set(snapshot.redis_up.map_or(0, i64::from));
        self.nats_up.set(snapshot.nats_up.map_or(0, i64::from));
        catch_up(&self.signals_dropped, snapshot.signals_dropped);
        catch_up(&self.log_lines_dropped, snapshot.log_lines_dropped);
        let mut out = String::with_capacity(16 << 10);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Moves `counter` up to `total` (a count kept elsewhere).
fn catch_up(counter: &Counter, total: u64) {
    let seen = counter.get();
    if total > seen {
        counter.inc_by(total - seen);
    }
}

/// Method labels; an unusual method is `OTHER`, so the label set stays bounded.
const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "OTHER",
];

/// The index in [`METHODS`] of a request method.
pub fn method_index(method: &poem::http::Method) -> usize {
    use poem::http::Method;
    match *method {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::DELETE => 3,
        Method::PATCH => 4,
        Method::HEAD => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// The label of the method of index `i`.
pub fn method_name(i: usize) -> &'static str {
    METHODS[i.min(METHODS.len() - 1)]
}

/// Statuses whose counters are kept resolved; another goes through the registry.
const STATUSES: [u16; 16] = [
    200, 201, 204, 301, 304, 400, 401, 403, 404, 405, 409, 413, 429, 500, 502, 503,
];

/// Every route's metric handles, resolved on first use and kept, so that recording a response
/// is an array index and two atomic updates. Routes are indexed as the route table indexes
/// them; the last index is [`UNMATCHED`].
pub struct RouteRecorder {
    metrics: Arc<Metrics>,
    labels: Vec<Arc<String>>,
    /// By (route, method).
    latency: Vec<OnceLock<Histogram>>,
    /// By (route, method, status in [`STATUSES`]).
    counts: Vec<OnceLock<Counter>>,
}

impl RouteRecorder {
    /// Handles for `templates` (the route table's labels, in its order) and [`UNMATCHED`].
    pub fn new(metrics: Arc<Metrics>, mut templates: Vec<Arc<String>>) -> Self {
        templates.push(Arc::new(UNMATCHED.to_owned()));
        let pairs = templates.len() * METHODS.len();
        RouteRecorder {
            metrics,
            latency: (0..pairs).map(|_| OnceLock::new()).collect(),
            counts: (0..pairs * STATUSES.len())
                .map(|_| OnceLock::new())
                .collect(),
            labels: templates,
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The index of unmatched paths.
    pub fn unmatched(&self) -> usize {
        self.labels.len() - 1
    }

    /// The label of route `route`.
    pub fn label(&self, route: usize) -> &str {
        self.labels.get(route).map_or(UNMATCHED, |l| l.as_str())
    }

    /// One response of route `route` (an index of [`RouteRecorder::new`]'s templates).
    pub fn record(&self, route: usize, method: usize, status: u16, took: Duration) {
        let m = &self.metrics;
        if !m.enabled {
            return;
        }
        let route = route.min(self.unmatched());
        let method = method.min(METHODS.len() - 1);
        let (name, label) = (METHODS[method], &self.labels[route]);
        let pair = route * METHODS.len() + method;
        self.latency[pair]
            .get_or_init(|| m.latency_histogram(name, label))
            .observe(took.as_secs_f64());
        match STATUSES.iter().position(|s| *s == status) {
            Some(i) => self.counts[pair * STATUSES.len() + i]
                .get_or_init(|| m.request_counter(name, label, status))
                .inc(),
            None => m.request_counter(name, label, status).inc(),
        };
    }
}
