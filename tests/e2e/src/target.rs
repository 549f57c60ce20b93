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
    /// Where the write-then-restart checks keep what they wrote between the two runs (each
    /// check in a file of its own next to this one).
    pub state_file: PathBuf,
    /// The Finn stand-in's base URL (`E2E_FINN_STANDIN_URL`), for the checks that need a dNFT
    /// holder; those fail, never skip, without it.
    pub finn_standin: Option<String>,
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
            finn_standin: std::env::var("E2E_FINN_STANDIN_URL")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            url,
        }
    }

    /// The stand-in's URL, or a failure naming the variable.
    pub fn standin(&self) -> &str {
        self.finn_standin.as_deref().unwrap_or_else(|| {
            panic!("E2E_FINN_STANDIN_URL is not set: this check needs the Finn stand-in (`make e2e` starts one)")
        })
    }

    /// The state file of check `name`.
    pub fn state_of(&self, name: &str) -> PathBuf {
        self.state_file.with_extension(format!("{name}.json"))
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}
