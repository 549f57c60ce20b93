//! `swagger_authorize BASE_URL JWT ADMIN_KEY`: Swagger UI at BASE_URL/docs in headless Chromium,
//! driven over the DevTools protocol as a person would: Authorize with the JWT (`BearerToken`)
//! and the admin key (`AdminKey`), then "Try it out" → "Execute" on `GET /api/auth/verify` and
//! `GET /api/admin/allowlist`; both must show 200. Exits non-zero otherwise.

use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

fn fail(why: &str) -> ! {
    eprintln!("swagger_authorize: FAILED: {why}");
    std::process::exit(1)
}

/// The page script: clicks through Authorize and two operations; answers their statuses.
const SCRIPT: &str = r#"
(async (jwt, adminKey) => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const until = async (find, what) => {
    for (let i = 0; i < 150; i++) { const v = find(); if (v) return v; await sleep(100); }
    throw new Error('timed out waiting for ' + what);
  };
  const type = (input, text) => {
    input.focus();
    document.execCommand('insertText', false, text);
  };
  (await until(() => document.querySelector('.btn.authorize'), 'the Authorize button')).click();
  for (const [scheme, value] of [['BearerToken', jwt], ['AdminKey', adminKey]]) {
    const box = await until(() => [...document.querySelectorAll('.auth-container')]
      .find(c => c.textContent.includes(scheme)), scheme + ' in the dialog');
    type(await until(() => box.querySelector('input'), scheme + ' input'), value);
    (await until(() => box.querySelector('button.authorize'), scheme + ' Authorize')).click();
    await until(() => [...document.querySelectorAll('.auth-container')]
      .find(c => c.textContent.includes(scheme) && [...c.querySelectorAll('button')]
        .some(b => b.textContent.trim() === 'Logout')), scheme + ' authorized');
  }
  (await until(() => document.querySelector('button.btn-done, .modal-ux button.close-modal'), 'Close')).click();
  const statuses = {};
  for (const id of ['operations-Auth-verifyToken', 'operations-Admin-getAllowlist']) {
    const op = () => document.getElementById(id);
    await until(() => {
      const control = op() && op().querySelector('.opblock-summary-control');
      if (control && control.getAttribute('aria-expanded') !== 'true') control.click();
      return op() && op().querySelector('.try-out__btn');
    }, id + ' opened');
    op().querySelector('.try-out__btn').click();
    (await until(() => op().querySelector('button.execute'), id + ' Execute')).click();
    const cell = await until(() => op().querySelector('.live-responses-table tr.response .response-col_status'), id + ' response');
    statuses[id] = cell.textContent.trim();
  }
  return statuses;
})
"#;

struct Devtools {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next: u64,
}

impl Devtools {
    /// Sends one command and waits for its result (events in between are skipped).
    async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws
            .send(Message::text(msg))
            .await
            .map_err(|e| format!("the DevTools connection closed: {e}"))?;
        while let Some(Ok(msg)) = self.ws.next().await {
            if let Message::Text(text) = msg {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if v["id"] == id {
                    if v.get("error").is_some() {
                        return Err(format!("{method}: {}", v["error"]));
                    }
                    return Ok(v["result"].clone());
                }
            }
        }
        Err("the DevTools connection ended".to_owned())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, jwt, admin_key] = args.as_slice() else {
        fail("usage: swagger_authorize BASE_URL JWT ADMIN_KEY");
    };
    let profile = std::env::temp_dir().join(format!("dixie-swagger-{}", std::process::id()));
    // Its own process group: /usr/bin/chromium is a wrapper script, and the browser forks
    // helpers; the whole group is stopped below, whatever happened.
    let mut chromium = tokio::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| fail(&format!("chromium: {e}")));
    let group = chromium.id();
    let outcome = match chromium.stderr.take() {
        Some(stderr) => drive(stderr, base, jwt, admin_key).await,
        None => Err("chromium has no stderr".to_owned()),
    };
    if let Some(pid) = group {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
    }
    let _ = chromium.wait().await;
    let _ = std::fs::remove_dir_all(&profile);
    match outcome {
        Ok(()) => eprintln!(
            "swagger_authorize: authorized with the JWT and the admin key; both operations answered 200"
        ),
        Err(why) => fail(&why),
    }
}

/// Finds the browser's DevTools endpoint, opens /docs and runs the page script.
async fn drive(
    stderr: tokio::process::ChildStderr,
    base: &str,
    jwt: &str,
    admin_key: &str,
) -> Result<(), String> {
    let mut lines = BufReader::new(stderr).lines();
    let browser_ws = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                return Some(url.trim().to_owned());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or("chromium did not open its DevTools port")?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let host = browser_ws
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let targets: Value = reqwest::get(format!("http://{host}/json/list"))
        .await
        .map_err(|e| format!("/json/list: {e}"))?
        .json()
        .await
        .map_err(|e| format!("/json/list: {e}"))?;
    let page = targets
        .as_array()
        .and_then(|t| t.iter().find(|t| t["type"] == "page"))
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .ok_or("no page target")?
        .to_owned();
    let (ws, _) = tokio_tungstenite::connect_async(page.as_str())
        .await
        .map_err(|e| format!("DevTools: {e}"))?;
    let mut dt = Devtools { ws, next: 0 };
    dt.call("Page.enable", json!({})).await?;
    dt.call("Page.navigate", json!({"url": format!("{base}/docs")}))
        .await?;
    let expression = format!("{SCRIPT}({}, {})", json!(jwt), json!(admin_key));
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        dt.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        ),
    )
    .await
    .map_err(|_| "the page script did not finish in 60 s".to_owned())??;
    if let Some(exception) = result.get("exceptionDetails") {
        return Err(format!(
            "in the page: {}",
            exception["exception"]["description"]
                .as_str()
                .unwrap_or("an exception")
        ));
    }
    let statuses = &result["result"]["value"];
    eprintln!("swagger_authorize: statuses shown after Execute: {statuses}");
    for id in [
        "operations-Auth-verifyToken",
        "operations-Admin-getAllowlist",
    ] {
        if statuses[id] != "200" {
            return Err(format!("{id} showed {}", statuses[id]));
        }
    }
    Ok(())
}
