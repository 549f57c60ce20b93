//! [`KnowledgeCorpus`] on a directory (`DIXIE_KNOWLEDGE_DIR`): `sources.json` and, when
//! present, `corpus-events.json`, read again at most every 60 s so that a corpus update shows
//! without a restart. No directory configured: no corpus.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::core::knowledge::CorpusMeta;
use crate::core::ports::KnowledgeCorpus;

/// How long a read (or a failed one) is reused.
const REREAD: Duration = Duration::from_secs(60);

type Kept = Option<(Instant, Option<Arc<CorpusMeta>>)>;

#[derive(Clone, Default)]
pub struct FileCorpus {
    dir: Option<Arc<PathBuf>>,
    kept: Arc<Mutex<Kept>>,
}

impl FileCorpus {
    pub fn new(dir: Option<PathBuf>) -> Self {
        FileCorpus {
            dir: dir.map(Arc::new),
            kept: Arc::default(),
        }
    }

    async fn read(dir: &std::path::Path) -> Result<CorpusMeta, String> {
        let sources = tokio::fs::read(dir.join("sources.json"))
            .await
            .map_err(|e| format!("sources.json: {e}"))?;
        let events = match tokio::fs::read(dir.join("corpus-events.json")).await {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(format!("corpus-events.json: {e}")),
        };
        CorpusMeta::from_json(&sources, events.as_deref()).map_err(|e| e.to_string())
    }
}

impl KnowledgeCorpus for FileCorpus {
    async fn metadata(&self) -> Option<Arc<CorpusMeta>> {
        let dir = self.dir.as_ref()?;
        let now = Instant::now();
        let kept = self.kept.lock().ok().and_then(|k| k.clone());
        if let Some((_, meta)) = kept
            .as_ref()
            .filter(|(at, _)| now.duration_since(*at) < REREAD)
        {
            return meta.clone();
        }
        let meta = match FileCorpus::read(dir).await {
            Ok(meta) => Some(Arc::new(meta)),
            Err(detail) => {
                // Logged when the corpus goes from readable (or never read) to unreadable.
                if kept.is_none_or(|(_, m)| m.is_some()) {
                    tracing::warn!(event = "knowledge_corpus_unavailable", dir = %dir.display(), detail);
                }
                None
            }
        };
        if let Ok(mut k) = self.kept.lock() {
            *k = Some((now, meta.clone()));
        }
        meta
    }
}
