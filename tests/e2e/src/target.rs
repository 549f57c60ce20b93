//! The deployment under test, from the environment. A missing `INTEGRATION_TEST_URL` is a
//! failure, not a skip: the suite only runs when someone points it at a deployment.

use std::path::PathBuf;

pub struct Target {
    /// Base URL without a trailing slash.
    pub url: String,
    /// `DIXIE_ADMIN_KEY` of the deployment: records reputation and allowlists the test wallet.
    pub admin_key: String,
    /// A domain the deployment's `DIXIE_SIWE_DOMAINS` accepts.
    pub siwe_domain: String,
    pub chain_id: u64,
    /// Where the write-then-restart check keeps what it wrote between the two runs.
    pub state_file: PathBuf,
}

fn required(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_owned(),
        _ => panic!(
            "{name} is not set: the end-to-end suite needs a running Dixie \
             (`make e2e` starts one and sets it; see the README, section Deploy)"
        ),
    }
}

fn optional(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

impl Target {
    pub fn from_env() -> Target {
        let url = required("INTEGRATION_TEST_URL")
            .trim_end_matches('/')
            .to_owned();
        let chain = optional("E2E_SIWE_CHAIN_ID", "1");
        Target {
            admin_key: required("E2E_ADMIN_KEY"),
            siwe_domain: required("E2E_SIWE_DOMAIN"),
            chain_id: chain
                .parse()
                .unwrap_or_else(|_| panic!("E2E_SIWE_CHAIN_ID must be an integer, got {chain:?}")),
            state_file: PathBuf::from(optional(
                "E2E_STATE_FILE",
                &std::env::temp_dir()
                    .join("dixie-e2e-state.json")
                    .to_string_lossy(),
            )),
            url,
        }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}
