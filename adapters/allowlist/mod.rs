//! The allowlist file (`DIXIE_ALLOWLIST_PATH`, contract §8.2), read at startup.
//!
//! No file means no allowlist ([`Access::Open`]). A file that cannot be read or parsed fails
//! closed: an empty allowlist that admits nobody, and an error in the log.

use std::fmt::Display;
use std::path::Path;

use crate::core::auth::allowlist::{Access, Allowlist};

pub fn load(path: &Path) -> Access {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(
                event = "allowlist_absent",
                path = %path.display(),
                "no allowlist file: any wallet that signs in is admitted; no API key is valid"
            );
            return Access::Open;
        }
        Err(e) => return fail_closed(path, e),
    };
    match Allowlist::from_json(&bytes) {
        Ok(list) => {
            if list.ignored_entries > 0 {
                tracing::warn!(
                    event = "allowlist_entries_ignored",
                    path = %path.display(),
                    count = list.ignored_entries,
                    "wallet entries that are not addresses match nothing"
                );
            }
            tracing::info!(event = "allowlist_loaded", path = %path.display());
            Access::Restricted(list)
        }
        Err(e) => fail_closed(path, e),
    }
}

fn fail_closed(path: &Path, detail: impl Display) -> Access {
    tracing::error!(
        event = "allowlist_invalid",
        path = %path.display(),
        detail = %detail,
        "allowlist unreadable: admitting no wallet and no API key"
    );
    Access::Restricted(Allowlist::default())
}
