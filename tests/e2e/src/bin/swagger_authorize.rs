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
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        if self.ws.send(Message::text(msg)).await.is_err() {
            fail("the DevTools connection closed");
        }
        while let Some(Ok(msg)) = self.ws.next().await {
            if let Message::Text(text) = msg {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if v["id"] == id {
                    if v.get("error").is_some() {
                        fail(&format!("{method}: {}", v["error"]));
                    }
                    return v["result"].clone();
                }
            }
        }
        fail("the DevTools connection ended")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, jwt, admin_key] = args.as_slice() else {
        fail("usage: swagger_authorize BASE_URL JWT ADMIN_KEY");
    };
    let profile = std::env::temp_dir().join(format!("dixie-swagger-{}", std::process::id()));
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
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| fail(&format!("chromium: {e}")));
    let stderr = chromium.stderr.take().unwrap_or_else(|| fail("no stderr"));
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
    .unwrap_or_else(|| fail("chromium did not open its DevTools port"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let host = browser_ws
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let targets: Value = reqwest::get(format!("http://{host}/json/list"))
        .await
        .unwrap_or_else(|e| fail(&format!("/json/list: {e}")))
        .json()
        .await
        .unwrap_or_else(|e| fail(&format!("/json/list: {e}")));
    let page = targets
        .as_array()
        .and_then(|t| t.iter().find(|t| t["type"] == "page"))
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .unwrap_or_else(|| fail("no page target"))
        .to_owned();
    let (ws, _) = tokio_tungstenite::connect_async(page.as_str())
        .await
        .unwrap_or_else(|e| fail(&format!("DevTools: {e}")));
    let mut dt = Devtools { ws, next: 0 };
    dt.call("Page.enable", json!({})).await;
    dt.call("Page.navigate", json!({"url": format!("{base}/docs")}))
        .await;
    let expression = format!("{SCRIPT}({}, {})", json!(jwt), json!(admin_key));
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        dt.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        ),
    )
    .await
    .unwrap_or_else(|_| fail("the page script did not finish in 60 s"));
    if let Some(exception) = result.get("exceptionDetails") {
        fail(&format!(
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
            fail(&format!("{id} showed {}", statuses[id]));
        }
    }
    let _ = chromium.kill().await;
    let _ = std::fs::remove_dir_all(&profile);
    eprintln!(
        "swagger_authorize: authorized with the JWT and the admin key; both operations answered 200"
    );
}
