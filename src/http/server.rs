//! The connection layer under the app: HTTP/1.1 over TCP with a header-read timeout, an idle
//! timeout, accept-error back-off and graceful draining.
//!
//! - **HTTP/1.1 only.** HTTP/2 without TLS (h2c) is not served: TLS and HTTP/2 end at the load
//!   balancer, which speaks HTTP/1.1 to its targets. An h2c preface is refused by the HTTP/1.1
//!   parser and the connection closed.
//! - **Header-read timeout**: a request's headers must arrive within `header_read` of the moment
//!   the server starts waiting for them (on a kept-alive connection, the end of the previous
//!   response), or the connection is closed. Slowloris and idle keep-alive sockets end there.
//! - **Idle timeout**: a connection that neither sends nor receives a byte for `idle` while the
//!   server waits on it is closed.
//! - **Accept errors** (descriptor exhaustion, say) are logged once per streak and backed off
//!   (10 ms doubling to 1 s), so the accept loop never spins a core.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, Sleep};

/// Per-connection time limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnLimits {
    pub header_read: Duration,
    pub idle: Duration,
}

const BACKOFF_MIN: Duration = Duration::from_millis(10);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Serves `endpoint` on `listener` until `shutdown` resolves, then stops accepting and lets
/// open connections finish their requests for at most `grace`.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    limits: ConnLimits,
) -> io::Result<()>
where
    E: Endpoint<Output = Response> + 'static,
{
    let endpoint = Arc::new(endpoint);
    let local = LocalAddr(Addr::SocketAddr(listener.local_addr()?));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a clone; `recv` answers `None` once all have ended.
    let (open_tx, mut open_rx) = mpsc::channel::<Infallible>(1);
    let mut backoff = BACKOFF_MIN;
    let mut failing = false;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if failing {
                        tracing::info!(event = "accept_recovered");
                        failing = false;
                    }
                    backoff = BACKOFF_MIN;
                    let conn = Connection {
                        endpoint: endpoint.clone(),
                        local: local.clone(),
                        remote: RemoteAddr(Addr::SocketAddr(peer)),
                        limits,
                        stop: stop_rx.clone(),
                        _open: open_tx.clone(),
                    };
                    tokio::spawn(conn.run(stream));
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(event = "accept_failed", detail = %e, "backing off");
                        failing = true;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_tx);
    if tokio::time::timeout(grace, open_rx.recv()).await.is_err() {
        tracing::warn!(
            event = "drain_timeout",
            "grace period over: closing the connections still open"
        );
    }
    Ok(())
}

struct Connection<E> {
    endpoint: Arc<E>,
    local: LocalAddr,
    remote: RemoteAddr,
    limits: ConnLimits,
    stop: watch::Receiver<bool>,
    _open: mpsc::Sender<Infallible>,
}

impl<E: Endpoint<Output = Response> + 'static> Connection<E> {
    async fn run(mut self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let (endpoint, local, remote) = (self.endpoint, self.local, self.remote.clone());
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let endpoint = endpoint.clone();
            let req = poem::Request::from((req, local.clone(), remote.clone(), Scheme::HTTP));
            async move { Ok::<_, Infallible>(hyper::Response::from(endpoint.get_response(req).await)) }
        });
        let io = TokioIo::new(IdleTimeout::new(stream, self.limits.idle));
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read)
            .serve_connection(io, service)
            .with_upgrades();
        tokio::pin!(conn);
        let stopping = async {
            // A dropped sender also means stop.
            let _ = self.stop.wait_for(|stop| *stop).await;
        };
        let result = tokio::select! {
            result = conn.as_mut() => result,
            () = stopping => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(event = "connection_closed", remote = %self.remote.0, detail = %e);
        }
    }
}

/// A stream that fails with `TimedOut` once no byte has moved either way for `limit` while
/// the server waits on it.
struct IdleTimeout<S> {
    inner: S,
    limit: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, limit: Duration) -> Self {
        IdleTimeout {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }

    fn active(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.limit);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }

    /// A write's outcome: bytes written count as activity; waiting past the limit fails.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    self.active();
                }
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection idle")
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.active();
                }
                Poll::Ready(result)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(cx, polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
