//! [`AllowlistStore`] on a JSON file (`DIXIE_ALLOWLIST_PATH`, contract §8.2).
//!
//! Writes go to `<path>.tmp`, are synced, then renamed over the file, so a reader (this
//! process polling for changes, an operator, another replica on a shared volume) never sees
//! half a file.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::core::auth::allowlist::{Access, Allowlist};
use crate::core::error::PortError;
use crate::core::ports::AllowlistStore;

#[derive(Clone, Debug)]
pub struct FileAllowlist {
    path: Arc<PathBuf>,
}

impl FileAllowlist {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileAllowlist {
            path: Arc::new(path.into()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AllowlistStore for FileAllowlist {
    async fn load(&self) -> Result<Option<Allowlist>, PortError> {
        match tokio::fs::read(&*self.path).await {
            Ok(bytes) => Allowlist::from_json(&bytes)
                .map(Some)
                .map_err(|e| PortError::Unexpected(format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(PortError::Unexpected(format!(
                "{}: {e}",
                self.path.display()
            ))),
        }
    }

    async fn save(&self, list: &Allowlist) -> Result<(), PortError> {
        let path = self.path.clone();
        let bytes = serde_json::to_vec_pretty(&list.document())
            .map_err(|e| PortError::Unexpected(format!("allowlist encode: {e}")))?;
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| PortError::Unexpected(format!("allowlist write task: {e}")))?
            .map_err(|e| PortError::Unexpected(format!("allowlist write: {e}")))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// What an allowlist load means for access: none → open; unreadable → nobody (logged).
pub fn access_from(loaded: Result<Option<Allowlist>, PortError>, path: &Path) -> Access {
    match loaded {
        Ok(Some(list)) => {
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
        Ok(None) => {
            tracing::warn!(
                event = "allowlist_absent",
                path = %path.display(),
                "no allowlist file: any wallet that signs in is admitted; no API key is valid"
            );
            Access::Open
        }
        Err(e) => {
            tracing::error!(
                event = "allowlist_invalid",
                path = %path.display(),
                detail = %e,
                "allowlist unreadable: admitting no wallet and no API key"
            );
            Access::Restricted(Allowlist::default())
        }
    }
}
