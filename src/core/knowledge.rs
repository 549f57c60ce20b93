//! The knowledge corpus's metadata (`sources.json` and the `corpus-events.json` log in the
//! directory `DIXIE_KNOWLEDGE_DIR` names) and its freshness: a source is stale when its age in
//! whole days exceeds its `max_age_days`.

use serde::Deserialize;
use time::Date;

/// One source of the corpus.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Source {
    pub id: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub required: bool,
    pub max_age_days: u32,
    /// `YYYY-MM-DD`.
    pub last_updated: String,
    /// 1 is the highest (absent: 0, unranked).
    #[serde(default)]
    pub priority: u32,
    /// The most tokens the source may take of a prompt.
    #[serde(default, rename = "maxTokens")]
    pub max_tokens: u64,
}

/// One mutation of the corpus, as its log records it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CorpusEvent {
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: String,
    #[serde(default)]
    pub detail: String,
}

/// `sources.json`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CorpusMeta {
    pub corpus_version: u64,
    /// Tokens a prompt's knowledge may take (absent: 0, unknown).
    #[serde(default)]
    pub default_budget_tokens: u64,
    pub sources: Vec<Source>,
    /// From `corpus-events.json` (empty when absent).
    #[serde(default)]
    pub events: Vec<CorpusEvent>,
}

/// How fresh the corpus is on a given day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freshness {
    pub healthy: u64,
    pub stale: u64,
    pub total: u64,
    pub stale_sources: Vec<String>,
}

impl Freshness {
    /// `healthy` with no stale source, else `degraded`.
    pub fn status(&self) -> &'static str {
        if self.stale == 0 {
            "healthy"
        } else {
            "degraded"
        }
    }
}

fn parse_day(text: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.get(..10)?, &fmt).ok()
}

impl CorpusMeta {
    /// Reads `sources.json` and, when given, `corpus-events.json` (`{events: [...]}`).
    pub fn from_json(sources: &[u8], events: Option<&[u8]>) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Log {
            events: Vec<CorpusEvent>,
        }
        let mut meta: CorpusMeta = serde_json::from_slice(sources)?;
        if let Some(events) = events {
            meta.events = serde_json::from_slice::<Log>(events)?.events;
        }
        Ok(meta)
    }

    /// Freshness on `today`. A source whose date cannot be read counts as stale.
    pub fn freshness(&self, today: Date) -> Freshness {
        let stale_sources: Vec<String> = self
            .sources
            .iter()
            .filter(|s| {
                parse_day(&s.last_updated)
                    .is_none_or(|d| (today - d).whole_days() > i64::from(s.max_age_days))
            })
            .map(|s| s.id.clone())
            .collect();
        let total = self.sources.len() as u64;
        let stale = stale_sources.len() as u64;
        Freshness {
            healthy: total - stale,
            stale,
            total,
            stale_sources,
        }
    }

    /// The newest mutation, if the log has one.
    pub fn last_mutation(&self) -> Option<&CorpusEvent> {
        self.events.iter().max_by_key(|e| e.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const SOURCES: &str = r#"{"version": 2, "corpus_version": 3, "sources": [
        {"id": "glossary", "tags": ["core"], "required": true, "max_age_days": 90,
         "last_updated": "2026-11-01"},
        {"id": "finn", "max_age_days": 30, "last_updated": "2026-10-01"},
        {"id": "broken", "max_age_days": 30, "last_updated": "soon"}
    ]}"#;

    #[test]
    fn stale_is_older_than_max_age_in_whole_days() {
        let meta = CorpusMeta::from_json(SOURCES.as_bytes(), None).unwrap();
        let f = meta.freshness(date!(2026 - 10 - 31));
        assert_eq!((f.healthy, f.stale, f.total), (2, 1, 3));
        assert_eq!(f.stale_sources, ["broken"], "30 days old is not stale yet");
        let later = meta.freshness(date!(2026 - 11 - 01));
        assert_eq!(later.stale_sources, ["finn", "broken"]);
        assert_eq!(later.status(), "degraded");
    }

    #[test]
    fn the_event_log_is_read_when_present() {
        let log = br#"{"events": [
            {"seq": 1, "type": "initial_release", "timestamp": "2026-11-01T00:00:00Z"},
            {"seq": 2, "type": "add_source", "timestamp": "2026-11-02T00:00:00Z", "detail": "x"}
        ]}"#;
        let meta = CorpusMeta::from_json(SOURCES.as_bytes(), Some(log)).unwrap();
        assert_eq!(meta.corpus_version, 3);
        assert_eq!(
            meta.last_mutation().map(|e| e.kind.as_str()),
            Some("add_source")
        );
        assert!(CorpusMeta::from_json(b"{}", None).is_err());
    }
}
