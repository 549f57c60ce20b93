//! One chat stream: the client's WebSocket relayed to Finn's, frame by frame, with both
//! vocabularies translated (`core::chat::frames`).
//!
//! Close codes the client sees: 1000 idle, 1001 server shutting down, 1008 a client too slow to
//! read its frames, 1013 Finn gone (try again later), 4004 session unknown to Finn.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocketStream};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::core::chat::frames::{
    ClientFrame, FrameError, ReplyEnded, Translator, error_frame, is_not_ready,
};
use crate::core::ports::AgentStream;

/// Timers of a stream.
#[derive(Clone, Copy, Debug)]
pub struct Timers {
    /// No frame either way for this long closes the stream (1000).
    pub idle: Duration,
    /// A WebSocket ping goes to the client this often.
    pub keepalive: Duration,
    /// A frame the client has not taken within this long closes the stream (1008).
    pub send: Duration,
    /// A prompt Finn answered "Session not initializing" is sent again after this long.
    pub retry: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            idle: Duration::from_secs(300),
            keepalive: Duration::from_secs(30),
            send: Duration::from_secs(10),
            retry: Duration::from_millis(250),
        }
    }
}

/// Times a prompt is sent again while Finn's session loads.
const RETRIES: u32 = 40;

/// Why a stream ended (logged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    ClientClosed,
    Idle,
    Shutdown,
    SlowClient,
    FinnClosed,
}

impl Ended {
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::ClientClosed => "client_closed",
            Ended::Idle => "idle",
            Ended::Shutdown => "shutdown",
            Ended::SlowClient => "slow_client",
            Ended::FinnClosed => "finn_closed",
        }
    }
}

async fn until_closing(closing: &mut watch::Receiver<bool>) {
    // A dropped sender means the server is gone: close as well.
    let _ = closing.wait_for(|c| *c).await;
}

/// What woke a stream up.
enum Event {
    Closing,
    Client(Option<std::io::Result<Message>>),
    Finn(Option<String>),
    Retry,
    Tick,
}

/// A prompt sent to Finn and not yet answered, kept to be sent again.
struct Pending {
    frame: String,
    retries: u32,
    at: Option<Instant>,
}

struct Relay<S, R> {
    client: WebSocketStream,
    finn: S,
    translator: Translator,
    /// Told of every reply that ended.
    on_reply: R,
    timers: Timers,
    last_frame: Instant,
    pending: Option<Pending>,
}

/// Relays until one side ends; `first` is a handed-off prompt to send before anything else;
/// `on_reply` hears of each reply that ended.
pub async fn relay<S: AgentStream, R: FnMut(ReplyEnded) + Send>(
    client: WebSocketStream,
    finn: S,
    translator: Translator,
    first: Option<String>,
    closing: watch::Receiver<bool>,
    timers: Timers,
    on_reply: R,
) -> Ended {
    let mut relay = Relay {
        client,
        finn,
        translator,
        on_reply,
        timers,
        last_frame: Instant::now(),
        pending: None,
    };
    if let Some(prompt) = first {
        Box::pin(relay.forward(prompt, true)).await;
    }
    let ended = relay.run(closing).await;
    Box::pin(relay.finn.close()).await;
    ended
}

impl<S: AgentStream, R: FnMut(ReplyEnded) + Send> Relay<S, R> {
    /// Waits for the next event with only the waiting futures alive, then handles it in a
    /// boxed future: an idle stream's task holds the first, not the largest of the second.
    async fn run(&mut self, mut closing: watch::Receiver<bool>) -> Ended {
        let mut keepalive = tokio::time::interval(self.timers.keepalive);
        keepalive.tick().await;
        loop {
            let retry_at = self.pending.as_ref().and_then(|p| p.at);
            let retry = async move {
                match retry_at {
                    Some(at) => sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let event = tokio::select! {
                biased;
                () = until_closing(&mut closing) => Event::Closing,
                message = self.client.next() => Event::Client(message),
                frame = self.finn.recv() => Event::Finn(frame),
                () = retry => Event::Retry,
                _ = keepalive.tick() => Event::Tick,
            };
            if let Some(ended) = Box::pin(self.handle(event)).await {
                return ended;
            }
        }
    }

    async fn handle(&mut self, event: Event) -> Option<Ended> {
        match event {
            Event::Closing => {
                self.close(CloseCode::Away, "server shutting down").await;
                Some(Ended::Shutdown)
            }
            Event::Client(Some(Ok(message))) => self.on_client(message).await,
            Event::Client(Some(Err(e))) => Some(self.client_failed(&e).await),
            Event::Client(None) => Some(Ended::ClientClosed),
            Event::Finn(frame) => {
                self.last_frame = Instant::now();
                match frame {
                    Some(frame) => self.on_finn(frame).await,
                    None => Some(self.finn_gone().await),
                }
            }
            Event::Retry => {
                let pending = self.pending.as_mut()?;
                pending.at = None;
                let frame = pending.frame.clone();
                if self.finn.send(frame).await {
                    None
                } else {
                    Some(self.finn_gone().await)
                }
            }
            Event::Tick => {
                if self.last_frame.elapsed() >= self.timers.idle {
                    self.close(CloseCode::Normal, "idle").await;
                    return Some(Ended::Idle);
                }
                self.send(Message::Ping(Vec::new())).await.err()
            }
        }
    }

    /// A client read that failed: an oversized frame is closed with 1009, a protocol error
    /// with 1002 (poem reports both as `Other` I/O errors, named only in the message).
    async fn client_failed(&mut self, e: &std::io::Error) -> Ended {
        if e.kind() == std::io::ErrorKind::Other {
            let code = if e.to_string().contains("Space limit exceeded") {
                CloseCode::Size
            } else {
                CloseCode::Protocol
            };
            self.close(code, "frame refused").await;
        }
        Ended::ClientClosed
    }

    async fn on_client(&mut self, message: Message) -> Option<Ended> {
        if matches!(message, Message::Text(_) | Message::Binary(_)) {
            self.last_frame = Instant::now();
        }
        let refused = match message {
            Message::Text(text) => match ClientFrame::parse(&text) {
                Ok(frame) => {
                    let prompt = matches!(frame, ClientFrame::Prompt(_));
                    return self.forward(frame.upstream(), prompt).await;
                }
                Err(e) => e,
            },
            Message::Binary(_) => FrameError::Binary,
            Message::Close(_) => return Some(Ended::ClientClosed),
            Message::Ping(_) | Message::Pong(_) => return None,
        };
        self.send(Message::Text(error_frame(&refused.to_string(), true)))
            .await
            .err()
    }

    /// Sends a frame to Finn; a prompt is kept until Finn answers it.
    async fn forward(&mut self, frame: String, prompt: bool) -> Option<Ended> {
        if prompt {
            self.pending = Some(Pending {
                frame: frame.clone(),
                retries: 0,
                at: None,
            });
        }
        if self.finn.send(frame).await {
            None
        } else {
            Some(self.finn_gone().await)
        }
    }

    async fn on_finn(&mut self, frame: String) -> Option<Ended> {
        if let Some(pending) = self.pending.as_mut() {
            if is_not_ready(&frame) && pending.retries < RETRIES {
                pending.retries += 1;
                pending.at = Some(Instant::now() + self.timers.retry);
                return None;
            }
            self.pending = None;
        }
        let translated = self.translator.translate(&frame);
        if let Some(ended) = self.translator.take_ended() {
            (self.on_reply)(ended);
        }
        for out in translated {
            if let Err(ended) = self.send(Message::Text(out)).await {
                return Some(ended);
            }
        }
        None
    }

    /// Finn closed or failed: an `error` frame, then a close code the client can act on.
    async fn finn_gone(&mut self) -> Ended {
        let (code, message) = match self.finn.close_code() {
            Some(4004) => (CloseCode::from(4004), "session not found"),
            _ => (CloseCode::Again, "the agent runtime closed the stream"),
        };
        if self
            .send(Message::Text(error_frame(message, false)))
            .await
            .is_ok()
        {
            self.close(code, message).await;
        }
        Ended::FinnClosed
    }

    /// Sends within the send timer; a client that does not take it in time is closed (1008).
    async fn send(&mut self, message: Message) -> Result<(), Ended> {
        match tokio::time::timeout(self.timers.send, self.client.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Ended::ClientClosed),
            Err(_) => {
                // The socket's buffer is full: the close frame cannot wait behind it either.
                let close = Message::close_with(CloseCode::Policy, "client too slow");
                let _ =
                    tokio::time::timeout(Duration::from_millis(100), self.client.send(close)).await;
                Err(Ended::SlowClient)
            }
        }
    }

    async fn close(&mut self, code: CloseCode, reason: &str) {
        let close = Message::close_with(code, reason);
        let _ = tokio::time::timeout(self.timers.send, self.client.send(close)).await;
    }
}
