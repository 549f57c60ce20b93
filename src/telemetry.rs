//! What the observability of every layer shares: the latency buckets of the metrics, and
//! OpenTelemetry tracing — a span per request and per Finn, PostgreSQL and Redis call,
//! exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Unset, no span is ever
//! created: every entry point checks one flag first.
//!
//! A request's span carries the ids its W3C `traceparent` answer already names (so what a
//! client sees is what the trace store holds); the calls made while serving it are its
//! children through the OpenTelemetry context the request future carries.

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider,
};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use crate::core::trace::TraceParent;

/// Latency buckets in seconds: 0.5 ms to ~8 s, doubling.
pub fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static TRACER: RwLock<Option<SdkTracer>> = RwLock::new(None);

/// Whether spans are made (an OTLP endpoint is configured and its exporter runs).
pub fn tracing_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// How spans leave the process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtlpConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`/v1/traces` is appended).
    pub endpoint: String,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (false) or `http/json` (true).
    pub json: bool,
    /// `OTEL_BSP_SCHEDULE_DELAY`: how long spans wait to be sent in a batch.
    pub batch_delay: Duration,
}

/// Exports until dropped; dropping flushes what is pending (off the async workers).
pub struct TracingGuard(Option<SdkTracerProvider>);

impl Drop for TracingGuard {
    fn drop(&mut self) {
        ENABLED.store(false, Ordering::Relaxed);
        if let Ok(mut tracer) = TRACER.write() {
            *tracer = None;
        }
        if let Some(provider) = self.0.take() {
            let flush = move || {
                if let Err(e) = provider.shutdown() {
                    tracing::warn!(event = "otlp_shutdown_failed", detail = %e);
                }
            };
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => drop(handle.spawn_blocking(flush)),
                Err(_) => flush(),
            }
        }
    }
}

/// Starts the OTLP exporter (a batch processor on its own thread) and turns spans on.
pub fn start_tracing(config: &OtlpConfig) -> Result<TracingGuard, String> {
    let endpoint = format!("{}/v1/traces", config.endpoint.trim_end_matches('/'));
    let protocol = if config.json {
        Protocol::HttpJson
    } else {
        Protocol::HttpBinary
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}"))?;
    let batch = BatchConfigBuilder::default()
        .with_scheduled_delay(config.batch_delay)
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            BatchSpanProcessor::builder(exporter)
                .with_batch_config(batch)
                .build(),
        )
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name("dixie-bff")
                .with_attribute(KeyValue::new("service.version", crate::VERSION))
                .build(),
        )
        .build();
    if let Ok(mut tracer) = TRACER.write() {
        *tracer = Some(provider.tracer("dixie"));
    }
    ENABLED.store(true, Ordering::Relaxed);
    Ok(TracingGuard(Some(provider)))
}

fn tracer() -> Option<SdkTracer> {
    TRACER.read().ok()?.clone()
}

/// The server span of one request: `span` (the ids its answer names) under `parent` (the
/// caller's span, when it sent a well-formed `traceparent`). `None` when tracing is off.
pub fn request_span(
    name: String,
    span: &TraceParent,
    parent: Option<&TraceParent>,
) -> Option<Context> {
    if !tracing_enabled() {
        return None;
    }
    let tracer = tracer()?;
    let parent_cx = match parent {
        Some(p) => Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from_bytes(p.trace_id),
            SpanId::from_bytes(p.span_id),
            TraceFlags::new(p.flags),
            true,
            TraceState::default(),
        )),
        None => Context::new(),
    };
    let started = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_trace_id(TraceId::from_bytes(span.trace_id))
        .with_span_id(SpanId::from_bytes(span.span_id))
        .start_with_context(&tracer, &parent_cx);
    Some(parent_cx.with_span(started))
}

/// Ends the request span of `cx` with the response status.
pub fn end_request_span(cx: &Context, method: &'static str, route: &str, status: u16) {
    let span = cx.span();
    span.set_attribute(KeyValue::new("http.request.method", method));
    span.set_attribute(KeyValue::new("http.route", route.to_owned()));
    span.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status),
    ));
    if status >= 500 {
        span.set_status(Status::error(""));
    }
    span.end();
}

/// A client span (a call to Finn, PostgreSQL or Redis) under the current request's span;
/// ended when dropped. Does nothing while tracing is off.
pub struct CallSpan(Option<opentelemetry_sdk::trace::Span>);

impl CallSpan {
    pub fn start(name: &'static str, system: &'static str) -> CallSpan {
        if !tracing_enabled() {
            return CallSpan(None);
        }
        let Some(tracer) = tracer() else {
            return CallSpan(None);
        };
        let span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_attributes([KeyValue::new("peer.service", system)])
            .start(&tracer);
        CallSpan(Some(span))
    }

    /// Marks the call failed.
    pub fn failed(&mut self) {
        if let Some(span) = &mut self.0 {
            span.set_status(Status::error(""));
        }
    }
}

impl Drop for CallSpan {
    fn drop(&mut self) {
        if let Some(span) = &mut self.0 {
            span.end();
        }
    }
}
