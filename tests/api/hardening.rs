//! The hardening items, each black-box against the app on port 0 (or the binary): protocol and
//! body limits, connection timeouts, descriptor exhaustion, rate-limit identities, nonce
//! floods, request ids on Finn lookups, and the edges (bearer case, `Allow`, SIWE schemes).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::finn;
use crate::support::siwe::{Wallet, client_nonce};
use crate::support::{TestApp, spawn_app, temp_file};

fn addr(app: &TestApp) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("the app's address")
}

/// Whether the server closes `stream` within `within` while the test keeps `feed` going.
fn closed_within(
    stream: &mut TcpStream,
    within: Duration,
    mut feed: impl FnMut(&mut TcpStream),
) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 512];
    while start.elapsed() < within {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
        feed(stream);
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_is_refused_and_no_body_passes_the_limit_on_any_framing() {
    let app = spawn_app(&[]).await;
    // A real h2c client (HTTP/2 with prior knowledge) streaming 1 MiB without a length.
    let h2c = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let chunks = (0..16).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024]));
    let sent = h2c
        .post(app.url("/api/auth/siwe"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    assert!(sent.is_err(), "h2c is not served: {sent:?}");

    // HTTP/1.1 without Content-Length (chunked): counted as it streams. (128 KiB: small enough
    // that the client has sent it all before the refusal closes the connection.)
    let chunks = (0..2).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024]));
    let resp = app
        .http
        .post(app.url("/api/auth/siwe"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "payload_too_large"
    );
    // The same holds outside /api/.
    let resp = app
        .http
        .post(app.url("/docs"))
        .body(vec![b'x'; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["connection"], "close", "no client reuses it");
    assert_eq!(app.get("/api/health").await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_in_is_408() {
    let app = spawn_app(&[("DIXIE_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let target = addr(&app);
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(target).unwrap();
        s.write_all(
            b"POST /api/auth/siwe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"message\"",
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_idle_sockets_are_closed() {
    let app = spawn_app(&[
        ("DIXIE_HEADER_READ_TIMEOUT_SECS", "1"),
        ("DIXIE_IDLE_TIMEOUT_SECS", "2"),
    ])
    .await;
    let target = addr(&app);
    let (slowloris, idle, kept_alive) = tokio::task::spawn_blocking(move || {
        // Slowloris: a header byte every 300 ms, forever.
        let mut s = TcpStream::connect(target).unwrap();
        s.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .unwrap();
        let slowloris = closed_within(&mut s, Duration::from_secs(5), |s| {
            let _ = s.write_all(b"a");
        });
        // A socket that never sends a byte.
        let mut s = TcpStream::connect(target).unwrap();
        let idle = closed_within(&mut s, Duration::from_secs(5), |_| {});
        // A kept-alive connection idle after its response.
        let mut s = TcpStream::connect(target).unwrap();
        s.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let kept_alive = closed_within(&mut s, Duration::from_secs(5), |_| {});
        (slowloris, idle, kept_alive)
    })
    .await
    .unwrap();
    assert!(slowloris, "a slowloris connection is closed");
    assert!(idle, "an idle socket is closed");
    assert!(kept_alive, "an idle kept-alive connection is closed");
    assert_eq!(app.get("/api/health").await.status(), 200);
    app.stop().await;
}

/// A child process killed however the test ends.
struct KillOnDrop(std::process::Child);

impl KillOnDrop {
    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU ticks (user + system) the process has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn at_the_descriptor_limit_the_accept_loop_backs_off_and_health_returns() {
    use std::io::BufRead;
    let mut child = std::process::Command::new("sh")
        .args([
            "-c",
            "ulimit -n 64 && exec \"$0\"",
            env!("CARGO_BIN_EXE_dixie"),
        ])
        .env_clear()
        .env("DIXIE_PORT", "0")
        .env("DIXIE_HEADER_READ_TIMEOUT_SECS", "2")
        .env("LOG_LEVEL", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    // LOG_LEVEL=warn hides the listening line: find the port through /proc.
    let port = (0..100)
        .find_map(|_| {
            std::thread::sleep(Duration::from_millis(50));
            listening_port(child.id())
        })
        .expect("dixie listens");
    let target: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let held: Vec<TcpStream> = (0..120)
        .filter_map(|_| TcpStream::connect(target).ok())
        .collect();
    assert!(held.len() > 64, "more connections than descriptors");
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(2));
    let spent = cpu_ticks(child.id()) - before;
    drop(held);
    // A spinning loop burns ~200 ticks (one core) in 2 s.
    assert!(spent < 60, "the accept loop spun: {spent} ticks in 2 s");
    let start = Instant::now();
    let healthy = loop {
        let answer = TcpStream::connect(target).ok().and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
            s.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut out = String::new();
            s.read_to_string(&mut out).ok()?;
            Some(out)
        });
        if answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")) {
            break true;
        }
        if start.elapsed() > Duration::from_secs(15) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    drop(child);
    let logged: Vec<String> = rx.try_iter().collect();
    assert!(healthy, "health answers again once descriptors free up");
    assert!(
        logged
            .iter()
            .any(|l| l.contains("\"event\":\"accept_failed\"")),
        "{logged:?}"
    );
}

/// The TCP port a process listens on, from /proc/net/tcp and its descriptors.
fn listening_port(pid: u32) -> Option<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            l.strip_prefix("socket:[")?
                .strip_suffix(']')
                .map(str::to_owned)
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|row| {
        let cols: Vec<&str> = row.split_whitespace().collect();
        (cols.get(3) == Some(&"0A") && inodes.iter().any(|i| Some(&i.as_str()) == cols.get(9)))
            .then(|| u16::from_str_radix(cols[1].rsplit(':').next()?, 16).ok())
            .flatten()
    })
}

/// How many of `n` requests built by `req` are admitted (not 429).
async fn admitted(n: usize, req: impl Fn(usize) -> reqwest::RequestBuilder) -> usize {
    let mut ok = 0;
    for i in 0..n {
        let status = req(i).send().await.unwrap().status();
        if status != 429 {
            ok += 1;
        }
    }
    ok
}

#[tokio::test]
async fn unverified_credentials_and_forwarded_headers_make_no_identity() {
    let keys = temp_file(
        "allowlist-hardening.json",
        &json!({"version": 1, "wallets": [], "apiKeys": ["dxk_known"],
                "updated_at": "2026-12-01T00:00:00Z"})
        .to_string(),
    );
    let app = spawn_app(&[
        ("DIXIE_RATE_LIMIT_RPM", "5"),
        ("DIXIE_ALLOWLIST_PATH", keys.to_str().unwrap()),
    ])
    .await;
    let url = app.url("/api/auth/nonce");
    let junk_keys = admitted(20, |i| {
        app.http.post(&url).bearer_auth(format!("dxk_junk{i}"))
    })
    .await;
    assert_eq!(junk_keys, 5, "unknown API keys share the peer's budget");
    let forwarded = admitted(20, |i| {
        app.http
            .post(&url)
            .header("x-forwarded-for", format!("10.0.0.{i}"))
    })
    .await;
    assert_eq!(
        forwarded, 0,
        "X-Forwarded-For is ignored without trusted proxies"
    );
    let known = admitted(3, |_| app.http.post(&url).bearer_auth("dxk_known")).await;
    assert_eq!(known, 3, "an allowlisted key is an identity of its own");
    app.stop().await;

    let app = spawn_app(&[
        ("DIXIE_RATE_LIMIT_RPM", "5"),
        ("DIXIE_TRUSTED_PROXY_HOPS", "1"),
    ])
    .await;
    let url = app.url("/api/auth/nonce");
    let spoofed = admitted(20, |i| {
        app.http
            .post(&url)
            .header("x-forwarded-for", format!("203.0.113.{i}, 198.51.100.7"))
    })
    .await;
    assert_eq!(
        spoofed, 5,
        "entries left of the trusted proxy's are the client's to forge"
    );
    let clients = admitted(20, |i| {
        app.http
            .post(&url)
            .header("x-forwarded-for", format!("198.51.100.{}", 100 + i))
    })
    .await;
    assert_eq!(clients, 20, "each address the proxy saw is its own client");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_flood_from_one_client_leaves_login_open_to_another() {
    let app = spawn_app(&[("DIXIE_SIWE_REQUIRE_SERVER_NONCE", "true")]).await;
    let url = app.url("/api/auth/nonce");
    // One client floods for as long as the other signs in, rotating X-Forwarded-For as the
    // original let a client mint identities with.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicU32::new(0));
    let flood = tokio::spawn({
        let (http, url) = (app.http.clone(), url.clone());
        let (stop, progress) = (stop.clone(), progress.clone());
        async move {
            let (mut sent, mut ok) = (0u32, 0u32);
            while !stop.load(Ordering::Relaxed) {
                let resp = http
                    .post(&url)
                    .header(
                        "x-forwarded-for",
                        format!("10.1.{}.{}", sent / 250 % 250, sent % 250),
                    )
                    .send()
                    .await
                    .unwrap();
                sent += 1;
                ok += u32::from(resp.status() == 200);
                progress.store(sent, Ordering::Relaxed);
            }
            (sent, ok)
        }
    });
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    // The flood is past its limit before the other client starts.
    while progress.load(Ordering::Relaxed) < 150 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut logins = 0;
    for seed in 80..90 {
        let nonce: Value = other.post(&url).send().await.unwrap().json().await.unwrap();
        let wallet = Wallet::new(seed);
        let text = wallet.message(nonce["nonce"].as_str().unwrap()).text();
        let resp = other
            .post(app.url("/api/auth/siwe"))
            .json(&json!({"message": text, "signature": wallet.sign(&text)}))
            .send()
            .await
            .unwrap();
        logins += u32::from(resp.status() == 200);
    }
    stop.store(true, Ordering::Relaxed);
    let (sent, ok) = flood.await.unwrap();
    eprintln!(
        "nonce flood: {ok} of {sent} admitted; the other client signed in {logins} of 10 times"
    );
    assert!(sent > 100, "the flood ran: {sent}");
    assert!(ok <= 100, "one client gets at most its rate limit: {ok}");
    assert_eq!(logins, 10, "the other client signs in every time");
    app.stop().await;
}

#[tokio::test]
async fn finn_lookups_carry_the_callers_request_id() {
    let finn = finn::spawn().await;
    let owner = Wallet::new(72);
    finn.add_owner(&owner.address, "nft-h1", &[]);
    finn.set_projection("nft-h1", json!({"type": "none"}), "notes");
    finn.set_stake(&owner.address, 10.0);
    let app = spawn_app(&[("FINN_URL", finn.url().as_str())]).await;
    let token = app.token_for(&owner).await;
    let resp = app
        .http
        .get(app.url("/api/memory/nft-h1"))
        .bearer_auth(&token)
        .header("x-request-id", "trace-lookup-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for endpoint in ["nfts", "staking"] {
        let seen = finn.received(endpoint).expect("Finn was asked");
        assert_eq!(seen.headers["x-request-id"], "trace-lookup-1", "{endpoint}");
    }
    app.stop().await;
}

#[tokio::test]
async fn edges_bearer_case_allow_and_siwe_schemes() {
    let app = spawn_app(&[]).await;
    let token = app.token_for(&Wallet::new(73)).await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let resp = app
            .http
            .get(app.url("/api/auth/verify"))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{scheme}");
    }

    let resp = app
        .http
        .request(reqwest::Method::TRACE, app.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, HEAD");
    assert!(resp.headers().contains_key("x-request-id"));
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "method_not_allowed"
    );
    let resp = app
        .http
        .delete(app.url("/api/auth/siwe"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");

    // DIXIE_SIWE_DOMAINS names no scheme: only http and https are accepted.
    let wallet = Wallet::new(74);
    for (scheme, status) in [("javascript://", 401), ("https://", 200)] {
        let mut message = wallet.message(&client_nonce());
        message.domain = format!("{scheme}{}", message.domain);
        let text = message.text();
        let resp = app.login(&text, &wallet.sign(&text)).await;
        assert_eq!(resp.status(), status, "{scheme}");
    }
    app.stop().await;
}
