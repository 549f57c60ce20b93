//! `cross_origin LISTED_PORT UNLISTED_PORT`: a web client on another origin, in headless
//! Chromium. Serves a blank page on `http://127.0.0.1:LISTED_PORT` (an origin the deployment
//! lists in `DIXIE_CORS_ORIGINS`) and on `UNLISTED_PORT` (one it does not), signs a wallet in
//! (the suite's `INTEGRATION_TEST_URL`, `E2E_*` variables), and from the listed page's scripts:
//! reads the JWKS and its `ETag`, revalidates with `If-None-Match` (a preflighted header) and
//! must get 304, chats and must read `X-Model-Pool` and `X-RateLimit-Remaining`. From the
//! unlisted page the same read must be refused by the browser. Exits non-zero otherwise.

use std::time::Duration;

use dixie_e2e::browser::Browser;
use dixie_e2e::session::sign_in;
use dixie_e2e::target::Target;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fail(why: &str) -> ! {
    eprintln!("cross_origin: FAILED: {why}");
    std::process::exit(1)
}

/// What a web client on the page does; answers what it could read.
const SCRIPT: &str = r#"
(async (base, jwt) => {
  const out = {};
  const jwks = base + '/api/auth/.well-known/jwks.json';
  const first = await fetch(jwks);
  out.jwks = first.status;
  out.etag = first.headers.get('ETag');
  const again = await fetch(jwks, { headers: { 'If-None-Match': out.etag } });
  out.revalidated = again.status;
  const chat = await fetch(base + '/api/chat', {
    method: 'POST',
    headers: { 'Authorization': 'Bearer ' + jwt, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'hello from another origin', stream: false }),
  });
  out.chat = chat.status;
  out.modelPool = chat.headers.get('X-Model-Pool');
  out.remaining = chat.headers.get('X-RateLimit-Remaining');
  return out;
})
"#;

/// The same first read from a page the deployment does not list.
const UNLISTED: &str = r#"
(async (base) => {
  try { await fetch(base + '/api/auth/.well-known/jwks.json'); return 'read'; }
  catch (e) { return 'refused'; }
})
"#;

/// Answers every request on `port` with an empty HTML page.
async fn serve_blank(port: u16) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("page server on {port}: {e}"))?;
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let body = "<!doctype html><title>web client</title>";
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(reply.as_bytes()).await;
            });
        }
    });
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ports: Vec<u16> = args.iter().skip(1).filter_map(|a| a.parse().ok()).collect();
    let [listed, unlisted] = ports.as_slice() else {
        fail("usage: cross_origin LISTED_PORT UNLISTED_PORT");
    };
    let target = Target::from_env();
    let session = sign_in(&target).await;
    for port in [listed, unlisted] {
        serve_blank(*port).await.unwrap_or_else(|why| fail(&why));
    }
    let mut browser = Browser::launch("cross-origin")
        .await
        .unwrap_or_else(|why| fail(&why));
    let outcome = drive(
        &mut browser,
        &target.url,
        &session.token,
        *listed,
        *unlisted,
    )
    .await;
    browser.close().await;
    match outcome {
        Ok(seen) => eprintln!("cross_origin: from http://127.0.0.1:{listed}: {seen}"),
        Err(why) => fail(&why),
    }
}

async fn drive(
    browser: &mut Browser,
    base: &str,
    jwt: &str,
    listed: u16,
    unlisted: u16,
) -> Result<Value, String> {
    let limit = Duration::from_secs(30);
    browser
        .navigate(&format!("http://127.0.0.1:{listed}/"))
        .await?;
    wait_loaded(browser).await?;
    let seen = browser
        .eval(&format!("{SCRIPT}({}, {})", json!(base), json!(jwt)), limit)
        .await?;
    let want = |key: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(format!("{key}: the page saw {seen}"))
        }
    };
    want("jwks", seen["jwks"] == 200)?;
    want("etag", seen["etag"].as_str().is_some_and(|e| !e.is_empty()))?;
    want("revalidated", seen["revalidated"] == 304)?;
    want("chat", seen["chat"] == 200)?;
    want(
        "modelPool",
        seen["modelPool"].as_str().is_some_and(|p| !p.is_empty()),
    )?;
    want("remaining", seen["remaining"].is_string())?;

    browser
        .navigate(&format!("http://127.0.0.1:{unlisted}/"))
        .await?;
    wait_loaded(browser).await?;
    let refused = browser
        .eval(&format!("{UNLISTED}({})", json!(base)), limit)
        .await?;
    if refused != "refused" {
        return Err(format!(
            "a page on an unlisted origin could read the JWKS ({refused})"
        ));
    }
    Ok(seen)
}

/// Waits until the navigated page is the one scripts should run in.
async fn wait_loaded(browser: &mut Browser) -> Result<(), String> {
    for _ in 0..100 {
        let state = browser
            .eval(
                "document.readyState + ' ' + location.origin",
                Duration::from_secs(5),
            )
            .await?;
        if state
            .as_str()
            .is_some_and(|s| s.starts_with("complete http"))
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the page did not load".to_owned())
}
