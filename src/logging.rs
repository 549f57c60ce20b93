//! JSON log lines on stdout, written in batches by one background thread.
//!
//! A request formats its line and appends it to a shared buffer under a short lock; it never
//! makes a syscall and never wakes a thread. The writer thread drains the buffer every
//! [`FLUSH_EVERY`]. A slow or blocked stdout therefore never stalls a request: past
//! [`MAX_PENDING_BYTES`] lines are dropped and the count is logged at the next flush.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogLevel;

/// How often the writer thread writes out what accumulated.
pub const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// Bytes held for the writer at most (about 40k access lines).
pub const MAX_PENDING_BYTES: usize = 8 << 20;

/// Log lines dropped since the process started (for `/metrics`).
pub static LINES_DROPPED: AtomicU64 = AtomicU64::new(0);

struct Shared {
    pending: Mutex<Vec<u8>>,
    dropped: AtomicU64,
    stop: AtomicBool,
}

/// The `MakeWriter` of the subscriber: each event's line goes into the shared buffer.
#[derive(Clone)]
pub struct BatchWriter(Arc<Shared>);

/// Flushes what is pending and stops the writer thread when dropped (keep it alive in `main`).
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl BatchWriter {
    /// A writer and the thread that drains it into `out`.
    pub fn spawn<W: Write + Send + 'static>(out: W) -> (BatchWriter, FlushGuard) {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::with_capacity(64 << 10)),
            dropped: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let drain = shared.clone();
        let thread = std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                let mut out = out;
                let mut spare = Vec::with_capacity(64 << 10);
                loop {
                    let stopping = drain.stop.load(Ordering::Acquire);
                    flush(&drain, &mut spare, &mut out);
                    if stopping {
                        break;
                    }
                    std::thread::park_timeout(FLUSH_EVERY);
                }
            })
            .ok();
        (BatchWriter(shared.clone()), FlushGuard { shared, thread })
    }
}

/// Swaps the pending buffer out under the lock and writes it without holding the lock.
fn flush(shared: &Shared, spare: &mut Vec<u8>, out: &mut impl Write) {
    if let Ok(mut pending) = shared.pending.lock() {
        std::mem::swap(&mut *pending, spare);
    }
    let dropped = shared.dropped.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let _ = writeln!(
            out,
            "{{\"level\":\"WARN\",\"event\":\"log_lines_dropped\",\"count\":{dropped}}}"
        );
    }
    if !spare.is_empty() {
        let _ = out.write_all(spare);
        spare.clear();
    }
    let _ = out.flush();
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// One event's line, appended to the shared buffer in one piece.
pub struct LineWriter<'a>(&'a Shared);

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.pending.lock() {
            Ok(mut pending) if pending.len() + buf.len() <= MAX_PENDING_BYTES => {
                pending.extend_from_slice(buf);
            }
            _ => {
                self.0.dropped.fetch_add(1, Ordering::Relaxed);
                LINES_DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(&self.0)
    }
}

/// Installs the global subscriber. Keep the guard alive until exit so pending lines flush.
pub fn init(level: LogLevel) -> FlushGuard {
    let (writer, guard) = BatchWriter::spawn(std::io::stdout());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_arrive_whole_and_in_order_and_flush_on_drop() {
        let sink = Sink::default();
        let (writer, guard) = BatchWriter::spawn(sink.clone());
        for i in 0..1000 {
            writer
                .make_writer()
                .write_all(format!("line {i}\n").as_bytes())
                .unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        assert_eq!(lines[999], "line 999");
    }

    #[test]
    fn beyond_the_cap_lines_are_dropped_and_counted() {
        let shared = Arc::new(Shared {
            pending: Mutex::new(vec![b'x'; MAX_PENDING_BYTES]),
            dropped: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let writer = BatchWriter(shared.clone());
        writer.make_writer().write_all(b"lost\n").unwrap();
        let mut sink = Sink::default();
        flush(&shared, &mut Vec::new(), &mut sink);
        let out = sink.0.lock().unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("\"event\":\"log_lines_dropped\",\"count\":1"));
        assert!(!text.contains("lost"));
    }
}
