//! Database faults: a TCP proxy between Dixie and PostgreSQL is cut and restored; backends are
//! terminated. Requests answer 503 JSON within the pool timeout, health reports the outage,
//! and the service recovers without a restart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::pg::{TestDb, with_database};
use crate::support::{finn, spawn_app};

/// A loopback TCP proxy to `target` on a fixed port; `cut` drops the listener and every
/// proxied connection, `restore` listens again on the same port.
struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut p = Proxy {
            addr,
            target,
            task: None,
        };
        p.task = Some(Self::serve(listener, target));
        p
    }

    fn serve(listener: TcpListener, target: SocketAddr) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                conns.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        })
    }

    fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind proxy port");
        self.task = Some(Self::serve(listener, self.target));
    }
}

fn pg_target() -> (SocketAddr, String) {
    let url = crate::support::pg::server_url();
    let hostport = url
        .split('@')
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("127.0.0.1:5432");
    let addr = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    };
    (addr.parse().expect("DATABASE_URL host is an IP:port"), url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_recovers_without_restart() {
    let db = TestDb::create().await;
    let (target, server) = pg_target();
    let mut proxy = Proxy::start(target).await;
    let via_proxy = with_database(
        &server.replacen(&target.to_string(), &proxy.addr.to_string(), 1),
        &db.name,
    );
    let finn = finn::spawn().await;
    let app = spawn_app(&[
        ("DATABASE_URL", &via_proxy),
        ("DIXIE_DB_CONNECT_TIMEOUT_MS", "500"),
        ("FINN_URL", &finn.url()),
    ])
    .await;

    assert_eq!(
        app.get("/api/reputation/nft-x").await.status(),
        404,
        "database reachable"
    );

    proxy.cut();
    let start = Instant::now();
    let resp = app.get("/api/reputation/nft-x").await;
    let elapsed = start.elapsed();
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "service_unavailable");
    assert!(
        !body["message"].as_str().unwrap().contains("127.0.0.1"),
        "no internal detail: {body}"
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "answered within the timeout: {elapsed:?}"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await; // health cache period
    let health: serde_json::Value = app.get("/api/health").await.json().await.unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(
        health["infrastructure"]["postgresql"]["status"],
        "unreachable"
    );
    assert_eq!(health["reputation_service"]["aggregate_count"], -1);

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = app.get("/api/reputation/nft-x").await.status();
        if status == 404 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover (last status {status})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let health: serde_json::Value = app.get("/api/health").await.json().await.unwrap();
    assert_eq!(health["status"], "healthy", "{health}");
    app.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_backends_do_not_break_the_service() {
    let db = TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", &db.url),
        ("DIXIE_DB_CONNECT_TIMEOUT_MS", "1000"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/reputation/population").await.status(), 200);
    }
    assert!(
        db.terminate_backends().await >= 1,
        "the app held a connection"
    );
    let first = app.get("/api/reputation/population").await.status();
    assert!(
        first == 200 || first == 503,
        "200 on a fresh connection or a clean 503, got {first}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.get("/api/reputation/population").await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "did not recover after pg_terminate_backend"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
    db.finish().await;
}
