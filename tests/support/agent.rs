//! An agent for the black-box tests: a token-bound account whose owner signs the TBA message
//! with a real secp256k1 key.

use super::TestApp;
use super::siwe::Wallet;

pub struct Agent {
    pub owner: Wallet,
    pub tba: String,
}

impl Agent {
    /// The owner is `Wallet::new(seed)`; the account's address is derived from the seed.
    pub fn new(seed: u8) -> Agent {
        Agent {
            owner: Wallet::new(seed),
            tba: format!("0x{:040x}", 0xab_0000 + u64::from(seed)),
        }
    }

    /// The three headers signed for `timestamp` (Unix seconds) by `signer`.
    pub fn headers_by(&self, signer: &Wallet, timestamp: i64) -> Vec<(&'static str, String)> {
        let message = format!("dixie-agent-auth:{}:{timestamp}", self.tba);
        vec![
            ("x-tba-address", self.tba.clone()),
            ("x-tba-signature", signer.sign(&message)),
            ("x-tba-timestamp", timestamp.to_string()),
        ]
    }

    /// The headers signed by the owner, now.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        self.headers_by(&self.owner, now())
    }
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// `method path` with `bearer`, `headers` and an optional JSON body: status, headers, body.
pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    bearer: &str,
    headers: &[(&'static str, String)],
    body: Option<serde_json::Value>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(bearer);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request reaches dixie");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (
        status,
        headers,
        resp.json().await.unwrap_or(serde_json::Value::Null),
    )
}
