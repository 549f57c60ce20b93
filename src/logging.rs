//! JSON log lines on stdout through a non-blocking writer (a slow stdout never stalls a
//! request; under extreme backlog lines are dropped rather than requests delayed).

use tracing_appender::non_blocking::WorkerGuard;

use crate::config::LogLevel;

/// Lines buffered for the writer thread. The channel is allocated up front, so this bounds idle
/// memory too (the crate's default of 128k lines costs ~4 MB resident).
const BUFFERED_LINES: usize = 16_384;

/// Installs the global subscriber. Keep the guard alive until exit so buffered lines flush.
pub fn init(level: LogLevel) -> WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .lossy(true)
        .finish(std::io::stdout());
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
