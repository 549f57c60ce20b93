//! A loopback TCP proxy put between Dixie and a service, to cut the service away and back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A loopback TCP proxy to `target` on a fixed port; `cut` drops the listener and every
/// proxied connection, `restore` listens again on the same port; `partition` keeps every
/// connection open but stops relaying bytes (a network partition: nothing fails, nothing
/// arrives), `heal` relays again.
pub struct Proxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    task: Option<JoinHandle<()>>,
    frozen: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (frozen, _) = tokio::sync::watch::channel(false);
        let mut p = Proxy {
            addr,
            target,
            task: None,
            frozen,
        };
        p.task = Some(p.serve(listener));
        p
    }

    fn serve(&self, listener: TcpListener) -> JoinHandle<()> {
        let (target, frozen) = (self.target, self.frozen.subscribe());
        tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((inbound, _)) = listener.accept().await {
                let frozen = frozen.clone();
                conns.spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(target).await {
                        let (ri, wi) = inbound.into_split();
                        let (ro, wo) = outbound.into_split();
                        tokio::join!(relay(ri, wo, frozen.clone()), relay(ro, wi, frozen));
                    }
                });
            }
        })
    }

    pub fn partition(&self) {
        self.frozen.send_replace(true);
    }

    pub fn heal(&self) {
        self.frozen.send_replace(false);
    }

    pub fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind proxy port");
        self.task = Some(self.serve(listener));
    }
}

/// Copies `from` to `to`, holding every byte while `frozen` is true.
async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen: tokio::sync::watch::Receiver<bool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.wait_for(|f| !*f).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
