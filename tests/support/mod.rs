//! Shared test harness: the real app on port 0 and a real Finn stand-in on port 0.
#![allow(dead_code)]

pub mod agent;
pub mod agent_contract;
pub mod autonomous_contract;
pub mod cache_contract;
pub mod contract;
pub mod finn;
pub mod nonce_contract;
pub mod otlp;
pub mod pg;
pub mod proxy;
pub mod ratelimit_contract;
pub mod schedule_contract;
pub mod siwe;
pub mod stream_contract;
pub mod ws;

use std::collections::HashMap;

use dixie::config::Config;
use dixie::wiring::{self, Running};

/// A running Dixie plus a client pointed at it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    running: Running,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches dixie")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request reaches dixie")
    }

    /// `POST /api/auth/siwe` with `message` and `signature`.
    pub async fn login(&self, message: &str, signature: &str) -> reqwest::Response {
        self.post_json(
            "/api/auth/siwe",
            &serde_json::json!({ "message": message, "signature": signature }),
        )
        .await
    }

    /// Signs `wallet` in with a fresh client-chosen nonce, for this app's domain and chain.
    pub async fn sign_in(&self, wallet: &siwe::Wallet) -> reqwest::Response {
        let text = wallet.message(&siwe::client_nonce()).text();
        self.login(&text, &wallet.sign(&text)).await
    }

    /// The token of a sign-in that must succeed.
    pub async fn token_for(&self, wallet: &siwe::Wallet) -> String {
        let resp = self.sign_in(wallet).await;
        assert_eq!(resp.status(), 200, "sign-in of {}", wallet.address);
        let body: serde_json::Value = resp.json().await.expect("JSON login body");
        body["token"]
            .as_str()
            .expect("a token in the login body")
            .to_owned()
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request reaches dixie")
    }

    /// `method path` with `bearer` and an optional JSON body: the status and the JSON body
    /// (`null` when the body is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(bearer);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches dixie");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn stop(self) {
        self.running.stop().await.expect("server stops cleanly");
    }
}

/// Starts Dixie with `DIXIE_ENV=test`, port 0 and `vars` on top.
pub async fn spawn_app(vars: &[(&str, &str)]) -> TestApp {
    let mut env: HashMap<String, String> = HashMap::from([
        ("DIXIE_ENV".into(), "test".into()),
        ("DIXIE_PORT".into(), "0".into()),
        ("FINN_URL".into(), "http://127.0.0.1:9".into()),
        ("DIXIE_SHUTDOWN_GRACE_SECS".into(), "1".into()),
        ("DIXIE_SIWE_DOMAINS".into(), siwe::DOMAIN.into()),
        ("DIXIE_SIWE_CHAIN_IDS".into(), siwe::CHAIN_ID.to_string()),
        (
            "DIXIE_ALLOWLIST_PATH".into(),
            "/nonexistent/dixie-tests/allowlist.json".into(),
        ),
    ]);
    for (k, v) in vars {
        env.insert((*k).into(), (*v).into());
    }
    let config = Config::from_lookup(|name| env.get(name).cloned()).expect("test config is valid");
    let running = wiring::start(config).await.expect("dixie starts");
    TestApp {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::new(),
        running,
    }
}

/// Replaces volatile fields of a JSON value (by key, at any depth) with a fixed marker.
pub fn redact(value: &mut serde_json::Value, keys: &[&str]) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if keys.contains(&k.as_str()) {
                    *v = serde_json::Value::String("[redacted]".into());
                } else {
                    redact(v, keys);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact(v, keys)),
        _ => {}
    }
}

/// A file under the system temp dir, unique to this process and `name`. Written to a unique
/// temporary name and renamed into place, so tests of one process that share `name` (and
/// the apps reading it) never see it half-written.
pub fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dixie-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    std::fs::write(&partial, contents).expect("temp file");
    std::fs::rename(&partial, &path).expect("temp file in place");
    path
}
