//! NATS JetStream (`NATS_URL`, the official async client): interaction signals published to
//! the `DIXIE_SIGNALS` stream (§1.8). A request only queues its signal; one task per process
//! publishes them, so a slow or absent NATS never delays or fails a request — what the queue
//! cannot take, or the server does not confirm, is dropped and counted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::{self, stream};
use tokio::sync::mpsc;

use crate::core::ports::SignalSink;
use crate::core::signals::{self, Signal};

/// Signals waiting for the publisher at most.
pub const QUEUE: usize = 1024;
/// How long the server may take to confirm one signal.
const ACK_BUDGET: Duration = Duration::from_secs(2);
/// How long between attempts to create the stream while NATS cannot.
const STREAM_RETRY: Duration = Duration::from_secs(2);

/// The publishing half of NATS: a bounded queue in front of one publisher task.
#[derive(Clone)]
pub struct NatsSignals {
    client: async_nats::Client,
    queue: mpsc::Sender<Signal>,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    dropped: AtomicU64,
    /// Whether the last signal was dropped, so that dropping is logged once per spell.
    dropping: AtomicBool,
}

impl Counts {
    fn drop_one(&self, why: &str) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        if !self.dropping.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                event = "signals_dropped",
                why,
                "interaction signals are being dropped"
            );
        }
    }

    fn delivered(&self) {
        if self.dropping.swap(false, Ordering::Relaxed) {
            tracing::info!(
                event = "signals_flowing",
                "interaction signals are published again"
            );
        }
    }
}

impl NatsSignals {
    /// Starts connecting to `url` (forever, in the background: a NATS that is down at startup
    /// delays nothing) and the publisher task. Fails only on a URL that cannot be used.
    pub async fn start(url: &str) -> Result<Self, String> {
        let client = async_nats::ConnectOptions::new()
            .name("dixie-bff")
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(2))
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis(100 * attempts as u64).min(Duration::from_secs(2))
            })
            .event_callback(|event| async move {
                match event {
                    async_nats::Event::Connected => tracing::info!(event = "nats_connected"),
                    async_nats::Event::Disconnected => tracing::warn!(event = "nats_disconnected"),
                    other => tracing::debug!(event = "nats_event", detail = %other),
                }
            })
            .connect(url)
            .await
            .map_err(|e| format!("NATS_URL: {e}"))?;
        let (queue, pending) = mpsc::channel(QUEUE);
        let counts = Arc::new(Counts::default());
        tokio::spawn(publish(
            jetstream::new(client.clone()),
            pending,
            counts.clone(),
        ));
        Ok(NatsSignals {
            client,
            queue,
            counts,
        })
    }
}

/// The stream as §1.8 declares it.
fn stream_config() -> stream::Config {
    stream::Config {
        name: signals::STREAM.to_owned(),
        subjects: vec![signals::SUBJECTS.to_owned()],
        retention: stream::RetentionPolicy::Limits,
        max_messages: signals::MAX_MESSAGES,
        max_age: Duration::from_secs(signals::MAX_AGE_SECS),
        storage: stream::StorageType::File,
        num_replicas: 1,
        ..Default::default()
    }
}

/// Creates the stream if missing (retrying until NATS lets it), then publishes each queued
/// signal and waits for the server to store it. Ends when every sender is gone.
async fn publish(js: jetstream::Context, mut pending: mpsc::Receiver<Signal>, counts: Arc<Counts>) {
    loop {
        match js.get_or_create_stream(stream_config()).await {
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(event = "nats_stream_unavailable", stream = signals::STREAM, detail = %e);
                tokio::time::sleep(STREAM_RETRY).await;
            }
        }
    }
    while let Some(signal) = pending.recv().await {
        let sent = js.publish(signal.subject(), signal.payload().into()).await;
        let stored = match sent {
            Ok(ack) => matches!(tokio::time::timeout(ACK_BUDGET, ack).await, Ok(Ok(_))),
            Err(_) => false,
        };
        if stored {
            counts.delivered();
        } else {
            counts.drop_one("not confirmed by NATS");
        }
    }
}

impl SignalSink for NatsSignals {
    fn emit(&self, signal: Signal) {
        if self.queue.try_send(signal).is_err() {
            self.counts.drop_one("the queue is full");
        }
    }

    fn connected(&self) -> Option<bool> {
        Some(self.client.connection_state() == State::Connected)
    }

    fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }
}

/// Where signals go: NATS when `NATS_URL` is set, else nowhere.
#[derive(Clone)]
pub enum Signals {
    Off,
    Nats(NatsSignals),
}

impl SignalSink for Signals {
    fn emit(&self, signal: Signal) {
        if let Signals::Nats(nats) = self {
            nats.emit(signal);
        }
    }

    fn connected(&self) -> Option<bool> {
        match self {
            Signals::Off => None,
            Signals::Nats(nats) => nats.connected(),
        }
    }

    fn dropped(&self) -> u64 {
        match self {
            Signals::Off => 0,
            Signals::Nats(nats) => nats.dropped(),
        }
    }
}
