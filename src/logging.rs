//! JSON log lines on stdout through a non-blocking writer (a slow stdout never stalls a
//! request; under extreme backlog lines are dropped rather than requests delayed).

use tracing_appender::non_blocking::WorkerGuard;

use crate::config::LogLevel;

/// Installs the global subscriber. Keep the guard alive until exit so buffered lines flush.
pub fn init(level: LogLevel) -> WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stdout());
    let quiet = ["hyper", "h2", "reqwest", "rustls", "tokio_postgres", "poem"]
        .iter()
        .map(|c| format!(",{c}=warn"))
        .collect::<String>();
    let filter = tracing_subscriber::EnvFilter::new(format!("{}{quiet}", level.as_str()));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .init();
    guard
}
