//! An agent's oracle query: the body rules, the budget pre-flight, the corpus's confidence,
//! the cost (§8.5) and the receipt.

use time::OffsetDateTime;

use super::{AnswerSource, PAYEE};
use crate::core::chat::pricing::cost_micro_usd;
use crate::core::knowledge::CorpusMeta;
use crate::core::ownership::valid_nft_id;
use crate::core::upstream::UpstreamError;

/// The model and the token counts (200 in, 400 out) the pre-flight estimate prices.
pub const BUDGET_ESTIMATE_MODEL: (&str, u64, u64) = ("claude-sonnet-4-6", 200, 400);
const MAX_QUERY_CHARS: usize = 10_000;
const MAX_DOMAIN_CHARS: usize = 100;
const FORMATS: [&str; 3] = ["text", "json", "structured"];

/// The estimate a query's budget must cover (6 600 µUSD with the §8.5 table).
pub fn estimated_cost() -> u64 {
    let (model, input, output) = BUDGET_ESTIMATE_MODEL;
    cost_micro_usd(model, input, output)
}

/// A query body as sent.
#[derive(Clone, Debug, Default)]
pub struct QueryInput {
    pub query: Option<String>,
    pub format: Option<String>,
    pub max_tokens: Option<i64>,
    pub knowledge_domain: Option<String>,
    pub max_cost_micro_usd: Option<f64>,
    pub session_id: Option<String>,
}

/// A query that passed the body rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub query: String,
    pub format: String,
    pub max_tokens: Option<u32>,
    pub knowledge_domain: Option<String>,
    pub max_cost_micro_usd: Option<f64>,
    pub session_id: Option<String>,
}

impl Query {
    /// The body rules; the error is the 400's message.
    pub fn validate(input: QueryInput) -> Result<Query, &'static str> {
        let query = input.query.ok_or("query is required")?;
        if query.trim().is_empty() {
            return Err("query is required");
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err("query exceeds 10000 characters");
        }
        let format = input.format.unwrap_or_else(|| "text".to_owned());
        if !FORMATS.contains(&format.as_str()) {
            return Err("format must be one of: text, json, structured");
        }
        let max_tokens = match input.max_tokens {
            None => None,
            Some(n @ 1..=4096) => Some(n as u32),
            Some(_) => return Err("maxTokens must be an integer from 1 to 4096"),
        };
        if input
            .knowledge_domain
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DOMAIN_CHARS)
        {
            return Err("knowledgeDomain exceeds 100 characters");
        }
        if input
            .max_cost_micro_usd
            .is_some_and(|c| !c.is_finite() || c < 0.0)
        {
            return Err("maxCostMicroUsd must be a non-negative number");
        }
        if input.session_id.as_ref().is_some_and(|s| !valid_nft_id(s)) {
            return Err("Invalid sessionId format");
        }
        Ok(Query {
            query,
            format,
            max_tokens,
            knowledge_domain: input.knowledge_domain,
            max_cost_micro_usd: input.max_cost_micro_usd,
            session_id: input.session_id,
        })
    }

    /// Whether the budget, when one is given, covers the pre-flight estimate.
    pub fn within_budget(&self) -> bool {
        self.max_cost_micro_usd
            .is_none_or(|max| estimated_cost() as f64 <= max)
    }

    /// `X-Budget-Warning` for an actual `cost`: when it reaches 80 % of the budget, or
    /// exceeds it.
    pub fn budget_warning(&self, cost: u64) -> Option<String> {
        let max = self.max_cost_micro_usd?;
        let cost_f = cost as f64;
        if cost_f > max {
            Some(format!(
                "cost {cost} micro-USD exceeded maxCostMicroUsd {max}"
            ))
        } else if cost_f * 5.0 >= max * 4.0 && cost > 0 {
            Some(format!(
                "cost {cost} micro-USD is at least 80% of maxCostMicroUsd {max}"
            ))
        } else {
            None
        }
    }
}

/// How far the corpus can be trusted today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confidence {
    /// No stale source.
    High,
    /// At most a quarter of the sources stale.
    Medium,
    /// More than a quarter stale, or no source at all.
    Low,
}

impl Confidence {
    /// The confidence a corpus's freshness warrants.
    pub fn of(f: &crate::core::knowledge::Freshness) -> Confidence {
        match (f.total, f.stale) {
            (0, _) => Confidence::Low,
            (_, 0) => Confidence::High,
            (total, stale) if stale * 4 <= total => Confidence::Medium,
            _ => Confidence::Low,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// The corpus's state as a query answer reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freshness {
    pub confidence: Confidence,
    pub stale_sources: u64,
}

impl Freshness {
    /// What the answer (and Finn, as `systemNote`) is told; none when confidence is high.
    pub fn disclaimer(&self) -> Option<&'static str> {
        match self.confidence {
            Confidence::High => None,
            Confidence::Medium => {
                Some("Some knowledge sources are past their review date; details may be outdated.")
            }
            Confidence::Low => Some(
                "Many knowledge sources are past their review date; verify time-sensitive details.",
            ),
        }
    }
}

/// The corpus's freshness on `today`.
pub fn freshness_of(meta: &CorpusMeta, today: time::Date) -> Freshness {
    let f = meta.freshness(today);
    Freshness {
        confidence: Confidence::of(&f),
        stale_sources: f.stale,
    }
}

/// What a query cost and who pays whom (a mock x402 receipt, §8.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// `rcpt-<unix ms>-<6 base36>`
    pub receipt_id: String,
    pub payer: String,
    pub payee: &'static str,
    pub amount_micro_usd: u64,
    pub timestamp: String,
}

impl Receipt {
    pub fn new(payer: &str, amount_micro_usd: u64, now: OffsetDateTime, nonce: u64) -> Receipt {
        const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut n = nonce;
        let suffix: String = (0..6)
            .map(|_| {
                let d = DIGITS[(n % 36) as usize] as char;
                n /= 36;
                d
            })
            .collect();
        let ms = now.unix_timestamp_nanos() / 1_000_000;
        Receipt {
            receipt_id: format!("rcpt-{ms}-{suffix}"),
            payer: payer.to_owned(),
            payee: PAYEE,
            amount_micro_usd,
            timestamp: crate::core::clock::iso_millis(now),
        }
    }
}

/// A query's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryOutcome {
    pub response: String,
    pub format: String,
    pub sources: Vec<AnswerSource>,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_micro_usd: u64,
    pub receipt: Receipt,
    pub session_id: Option<String>,
    /// `None` without a corpus.
    pub freshness: Option<Freshness>,
    pub budget_warning: Option<String>,
}

/// Why a query got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// 400 `invalid_request`.
    Invalid(&'static str),
    /// 402 `budget_exceeded`: the budget is below the estimate.
    OverBudget {
        estimate: u64,
    },
    /// 429 over the per-minute limit.
    MinuteLimit {
        retry_after: u64,
    },
    /// 429 over the per-day limit.
    DayLimit {
        retry_after: u64,
    },
    Upstream(UpstreamError),
}
