//! Headless Chromium (Debian's `chromium`) driven over the DevTools protocol: one page,
//! navigated and scripted as a person's browser would be.

use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A browser with one page. [`Browser::close`] stops Chromium and all its helpers; so does
/// dropping it (the process group is killed either way).
pub struct Browser {
    chromium: tokio::process::Child,
    group: Option<u32>,
    profile: std::path::PathBuf,
    page: Socket,
    next: u64,
}

impl Browser {
    /// Starts Chromium (its own process group: /usr/bin/chromium is a wrapper script and the
    /// browser forks helpers) and connects to its page.
    pub async fn launch(name: &str) -> Result<Browser, String> {
        let profile = std::env::temp_dir().join(format!("dixie-{name}-{}", std::process::id()));
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
            .map_err(|e| format!("chromium: {e}"))?;
        let group = chromium.id();
        let stderr = chromium.stderr.take();
        let page = match stderr {
            Some(stderr) => connect(stderr).await,
            None => Err("chromium has no stderr".to_owned()),
        };
        let mut browser = Browser {
            chromium,
            group,
            profile,
            page: match page {
                Ok(page) => page,
                Err(why) => {
                    stop_group(group);
                    return Err(why);
                }
            },
            next: 0,
        };
        browser.call("Page.enable", json!({})).await?;
        Ok(browser)
    }

    /// Sends one command and waits for its result (events in between are skipped).
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.page
            .send(Message::text(msg))
            .await
            .map_err(|e| format!("the DevTools connection closed: {e}"))?;
        while let Some(Ok(msg)) = self.page.next().await {
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

    pub async fn navigate(&mut self, url: &str) -> Result<(), String> {
        self.call("Page.navigate", json!({ "url": url })).await?;
        Ok(())
    }

    /// Evaluates `expression` in the page, awaiting a promise, within `limit`; the value it
    /// gives, or the page's exception as the error.
    pub async fn eval(&mut self, expression: &str, limit: Duration) -> Result<Value, String> {
        let params = json!({"expression": expression, "awaitPromise": true, "returnByValue": true});
        let result = tokio::time::timeout(limit, self.call("Runtime.evaluate", params))
            .await
            .map_err(|_| format!("the page script did not finish in {limit:?}"))??;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(format!(
                "in the page: {}",
                exception["exception"]["description"]
                    .as_str()
                    .unwrap_or("an exception")
            ));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Stops Chromium and its helpers and removes the profile.
    pub async fn close(mut self) {
        stop_group(self.group.take());
        let _ = self.chromium.wait().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        stop_group(self.group.take());
    }
}

fn stop_group(group: Option<u32>) {
    if let Some(pid) = group {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
    }
}

/// Finds the browser's DevTools endpoint on its stderr and connects to its page.
async fn connect(stderr: tokio::process::ChildStderr) -> Result<Socket, String> {
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
    Ok(ws)
}
