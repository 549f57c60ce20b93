//! Shared test harness: the real app on port 0 and a real Finn stand-in on port 0.
#![allow(dead_code)]

pub mod contract;
pub mod finn;
pub mod pg;

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
