//! Signed-in sessions and generated clients shared by the end-to-end checks.

use serde_json::{Value, json};

use crate::api::{self, types};
use crate::target::Target;
use crate::wallet::Wallet;

/// A generated client that sends `bearer` on every call.
pub fn client(target: &Target, bearer: Option<&str>) -> api::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = bearer {
        let value = format!("Bearer {token}")
            .parse()
            .expect("a token is a header value");
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .expect("a reqwest client builds");
    api::Client::new_with_client(&target.url, http)
}

pub fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the request matches the generated type")
}

/// Signs in a fresh wallet: allowlists it first when the deployment has an allowlist (removed
/// again by [`Session::end`]), then nonce → ERC-4361 message → `personal_sign` → JWT.
pub struct Session {
    pub wallet: Wallet,
    pub token: String,
    pub allowlisted: bool,
}

pub async fn sign_in(target: &Target) -> Session {
    let anon = client(target, None);
    let admin = client(target, Some(&target.admin_key));
    let wallet = Wallet::random();
    let list = admin
        .get_allowlist()
        .await
        .expect("the admin key reads the allowlist")
        .into_inner();
    // An open deployment (no allowlist file) reports no update time; adding an entry there
    // would create the file and lock everyone else out, so the suite leaves it alone.
    let allowlisted = list.updated_at.is_some();
    if allowlisted {
        admin
            .add_allowlist_entry(&typed(json!({"type": "wallet", "value": wallet.address})))
            .await
            .expect("the admin key allowlists the test wallet");
    }
    let nonce = anon
        .issue_nonce()
        .await
        .expect("a nonce is issued")
        .into_inner()
        .nonce;
    let message = wallet.siwe_message(&target.siwe_domain, target.chain_id, &nonce);
    let login: types::LoginRequest = typed(json!({
        "message": message,
        "signature": wallet.personal_sign(&message),
    }));
    let body = anon
        .login_siwe(&login)
        .await
        .expect("the signed message logs in")
        .into_inner();
    assert_eq!(body.wallet, wallet.address);
    assert_eq!(body.expires_in, "1h");
    Session {
        wallet,
        token: body.token,
        allowlisted,
    }
}

impl Session {
    pub async fn end(self, target: &Target) {
        if self.allowlisted {
            let entry = self.wallet.address.parse().expect("an address is an entry");
            client(target, Some(&target.admin_key))
                .remove_allowlist_entry(&entry)
                .await
                .expect("the test wallet leaves the allowlist");
        }
    }
}
