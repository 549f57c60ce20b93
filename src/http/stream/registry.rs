//! The chat streams open in one process: the limits per wallet and per process, and the
//! shutdown signal every stream obeys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// Streams one wallet may hold open in one process.
pub const STREAMS_PER_WALLET: u32 = 5;

/// Why a stream was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Wallet,
    Process,
}

pub struct Streams {
    max: u32,
    /// Open streams by wallet (lowercase); absent when none.
    open: Mutex<HashMap<String, u32>>,
    /// Open streams in all (read by the drain).
    count: watch::Sender<usize>,
    /// Set once: every stream closes with 1001.
    closing: watch::Sender<bool>,
    /// Background work the drain waits for (handed-off prompts not yet delivered).
    pending: watch::Sender<usize>,
}

impl Streams {
    pub fn new(max: u32) -> Self {
        Streams {
            max,
            open: Mutex::default(),
            count: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            pending: watch::Sender::new(0),
        }
    }

    /// Marks background work the drain waits for until the guard is dropped.
    pub fn hold(self: &Arc<Self>) -> Held {
        self.pending.send_modify(|n| *n += 1);
        Held(self.clone())
    }

    /// A slot for one stream of `wallet`, released when dropped.
    pub fn admit(self: &Arc<Self>, wallet: &str) -> Result<Slot, Refusal> {
        let wallet = wallet.to_ascii_lowercase();
        let mut open = match self.open.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if *self.closing.borrow() || *self.count.borrow() >= self.max as usize {
            return Err(Refusal::Process);
        }
        let held = open.entry(wallet.clone()).or_default();
        if *held >= STREAMS_PER_WALLET {
            return Err(Refusal::Wallet);
        }
        *held += 1;
        self.count.send_modify(|n| *n += 1);
        Ok(Slot {
            streams: self.clone(),
            wallet,
        })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        *self.count.borrow()
    }

    /// Resolves once shutdown began.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Tells every stream to close (1001) and refuses new ones.
    pub fn begin_close(&self) {
        self.closing.send_replace(true);
    }

    /// [`Streams::begin_close`], then waits at most `grace` for the open streams to end.
    pub async fn close_all(&self, grace: Duration) {
        self.begin_close();
        let (mut count, mut pending) = (self.count.subscribe(), self.pending.subscribe());
        let drained = async {
            let _ = count.wait_for(|n| *n == 0).await;
            let _ = pending.wait_for(|n| *n == 0).await;
        };
        if tokio::time::timeout(grace, drained).await.is_err() {
            tracing::warn!(
                event = "stream_drain_timeout",
                open = self.open(),
                "grace period over with chat streams still open"
            );
        }
    }

    fn release(&self, wallet: &str) {
        let mut open = match self.open.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(held) = open.get_mut(wallet) {
            *held -= 1;
            if *held == 0 {
                open.remove(wallet);
            }
        }
        self.count.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Background work in progress; dropping it tells the drain.
pub struct Held(Arc<Streams>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// One admitted stream; dropping it frees its place.
pub struct Slot {
    streams: Arc<Streams>,
    wallet: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.streams.release(&self.wallet);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_wallet_and_per_process_and_slots_free_their_place() {
        let streams = Arc::new(Streams::new(7));
        let a: Vec<Slot> = (0..5).map(|_| streams.admit("0xA").unwrap()).collect();
        assert_eq!(
            streams.admit("0xa").err(),
            Some(Refusal::Wallet),
            "case-insensitive"
        );
        let b: Vec<Slot> = (0..2).map(|_| streams.admit("0xb").unwrap()).collect();
        assert_eq!(streams.admit("0xc").err(), Some(Refusal::Process));
        assert_eq!(streams.open(), 7);
        drop(a);
        assert_eq!(streams.open(), 2);
        assert!(streams.admit("0xa").is_ok());
        drop(b);
        assert_eq!(streams.open(), 0);
    }

    #[tokio::test]
    async fn closing_refuses_new_streams_and_waits_for_open_ones() {
        let streams = Arc::new(Streams::new(10));
        let slot = streams.admit("0xa").unwrap();
        let mut closing = streams.closing();
        let drained = {
            let streams = streams.clone();
            tokio::spawn(async move { streams.close_all(Duration::from_secs(5)).await })
        };
        closing.wait_for(|c| *c).await.unwrap();
        assert_eq!(streams.admit("0xb").err(), Some(Refusal::Process));
        assert!(!drained.is_finished());
        drop(slot);
        drained.await.unwrap();
    }
}
