use time::macros::{date, datetime};

use super::quota::{AgentLimiter, seconds_to_midnight};
use super::*;
use crate::core::conviction::Tier;
use crate::core::knowledge::CorpusMeta;

fn headers<'a>(address: &'a str, signature: &'a str, timestamp: &'a str) -> TbaHeaders<'a> {
    TbaHeaders {
        address: Some(address),
        signature: Some(signature),
        timestamp: Some(timestamp),
    }
}

const TBA: &str = "0x00000000000000000000000000000000000000aB";

#[test]
fn a_claim_signs_the_exact_message_within_the_window() {
    let claim = TbaClaim::from_headers(headers(TBA, "0xsig", "1000"), 1300).unwrap();
    assert_eq!(claim.message, format!("dixie-agent-auth:{TBA}:1000"));
    assert!(TbaClaim::from_headers(headers(TBA, "0xsig", "1000"), 700).is_ok());
    assert_eq!(
        TbaClaim::from_headers(headers(TBA, "0xsig", "1000"), 1301),
        Err(TbaRefusal::Expired)
    );
    assert_eq!(
        TbaClaim::from_headers(headers(TBA, "0xsig", "1000"), 699),
        Err(TbaRefusal::Expired),
        "too far ahead is refused as well"
    );
}

#[test]
fn each_missing_or_malformed_header_has_its_refusal() {
    let now = 1000;
    let mut h = headers(TBA, "0xsig", "1000");
    h.address = None;
    assert_eq!(
        TbaClaim::from_headers(h, now),
        Err(TbaRefusal::MissingAddress)
    );
    let mut h = headers(TBA, "0xsig", "1000");
    h.signature = None;
    assert_eq!(
        TbaClaim::from_headers(h, now),
        Err(TbaRefusal::MissingSignature)
    );
    let mut h = headers(TBA, "0xsig", "1000");
    h.timestamp = None;
    assert_eq!(
        TbaClaim::from_headers(h, now),
        Err(TbaRefusal::MissingTimestamp)
    );
    for bad in ["0x12", "nope"] {
        assert_eq!(
            TbaClaim::from_headers(headers(bad, "0xsig", "1000"), now),
            Err(TbaRefusal::InvalidAddress)
        );
    }
    for bad in ["1e3", "", "+1000", "10.5"] {
        assert_eq!(
            TbaClaim::from_headers(headers(TBA, "0xsig", bad), now),
            Err(TbaRefusal::InvalidTimestamp)
        );
    }
    let long = "a".repeat(1025);
    assert_eq!(
        TbaClaim::from_headers(headers(TBA, &long, "1000"), now),
        Err(TbaRefusal::InvalidSignature)
    );
}

#[test]
fn the_minute_window_slides_and_the_day_resets_at_utc_midnight() {
    let day = 86_400_000i64 * 20_000;
    let mut q = AgentLimiter::new(3, 5, 100);
    for i in 0..3 {
        assert_eq!(q.admit("a", day + i * 1000), QuotaDecision::Allow);
    }
    // The oldest (at +0 s) leaves the window at +60 s: from +10.5 s that is 50 s (rounded up).
    assert_eq!(
        q.admit("a", day + 10_500),
        QuotaDecision::Minute { retry_after: 50 }
    );
    assert_eq!(
        q.admit("b", day + 10_500),
        QuotaDecision::Allow,
        "per agent"
    );
    assert_eq!(q.admit("a", day + 60_000), QuotaDecision::Allow);
    assert_eq!(q.admit("a", day + 61_000), QuotaDecision::Allow);
    // 5 admitted today: the sixth waits for midnight, whatever the minute says.
    assert_eq!(
        q.admit("a", day + 200_000),
        QuotaDecision::Day {
            retry_after: 86_400 - 200
        }
    );
    assert_eq!(q.admit("a", day + 86_400_000), QuotaDecision::Allow);
}

#[test]
fn the_default_limits_are_exact_and_refusals_do_not_count() {
    let day = 86_400_000i64 * 20_001;
    let mut q = AgentLimiter::new(30, 1000, 100);
    let admitted = (0..40)
        .filter(|i| q.admit("a", day + i * 10) == QuotaDecision::Allow)
        .count();
    assert_eq!(admitted, 30);
    // A minute later the refused ten did not count: 30 more pass.
    let admitted = (0..30)
        .filter(|i| q.admit("a", day + 60_000 + i * 10) == QuotaDecision::Allow)
        .count();
    assert_eq!(admitted, 30);
    let mut total = 60;
    let mut t = day + 120_000;
    while q.admit("a", t) == QuotaDecision::Allow {
        total += 1;
        t += 2_001;
    }
    assert_eq!(total, 1000);
    assert!(matches!(q.admit("a", t), QuotaDecision::Day { .. }));
}

#[test]
fn a_full_table_drops_idle_agents_but_never_one_in_its_window() {
    let day = 86_400_000i64 * 20_002;
    let mut q = AgentLimiter::new(1, 10, 4);
    for a in ["a", "b", "c", "d"] {
        q.admit(a, day);
    }
    // All four are in their window: a fifth agent is admitted untracked.
    assert_eq!(q.admit("e", day + 1), QuotaDecision::Allow);
    assert_eq!(q.tracked(), 4);
    assert!(matches!(
        q.admit("a", day + 2),
        QuotaDecision::Minute { .. }
    ));
    // A minute on, every one is idle: room is made.
    assert_eq!(q.admit("f", day + 61_000), QuotaDecision::Allow);
    assert!(q.tracked() <= 4);
}

#[test]
fn midnight_is_counted_in_whole_seconds() {
    assert_eq!(seconds_to_midnight(0), 86_400);
    assert_eq!(seconds_to_midnight(86_399_500), 1);
    assert_eq!(seconds_to_midnight(86_399_999), 1);
}

#[test]
fn query_body_rules() {
    let ok = |i: QueryInput| Query::validate(i);
    let base = || QueryInput {
        query: Some("what is honey?".into()),
        ..QueryInput::default()
    };
    assert_eq!(ok(base()).unwrap().format, "text");
    assert_eq!(ok(QueryInput::default()), Err("query is required"));
    assert_eq!(
        ok(QueryInput {
            query: Some("x".repeat(10_001)),
            ..base()
        }),
        Err("query exceeds 10000 characters")
    );
    assert!(
        ok(QueryInput {
            query: Some("é".repeat(10_000)),
            ..base()
        })
        .is_ok()
    );
    for bad in [0, 4097] {
        assert!(
            ok(QueryInput {
                max_tokens: Some(bad),
                ..base()
            })
            .is_err()
        );
    }
    assert!(
        ok(QueryInput {
            format: Some("xml".into()),
            ..base()
        })
        .is_err()
    );
    assert!(
        ok(QueryInput {
            session_id: Some("bad id".into()),
            ..base()
        })
        .is_err()
    );
    assert!(
        ok(QueryInput {
            knowledge_domain: Some("d".repeat(101)),
            ..base()
        })
        .is_err()
    );
}

#[test]
fn the_budget_covers_the_estimate_or_the_query_is_refused() {
    assert_eq!(estimated_cost(), 6600);
    let with = |max: f64| {
        Query::validate(QueryInput {
            query: Some("q".into()),
            max_cost_micro_usd: Some(max),
            ..QueryInput::default()
        })
        .unwrap()
    };
    assert!(with(6600.0).within_budget());
    assert!(!with(6599.9).within_budget());
    assert_eq!(with(1000.0).budget_warning(799), None);
    assert!(with(1000.0).budget_warning(800).unwrap().contains("80%"));
    assert!(
        with(1000.0)
            .budget_warning(1001)
            .unwrap()
            .contains("exceeded")
    );
}

#[test]
fn receipts_name_payer_payee_and_a_base36_suffix() {
    let r = Receipt::new(TBA, 42, datetime!(2026-12-02 10:00:00 UTC), 36 * 36 + 35);
    assert_eq!(r.receipt_id, "rcpt-1796205600000-z01000");
    assert_eq!((r.payee, r.amount_micro_usd), ("dixie-oracle", 42));
    assert_eq!(r.timestamp, "2026-12-02T10:00:00.000Z");
}

const CORPUS: &str = r#"{"corpus_version": 4, "default_budget_tokens": 1000, "sources": [
    {"id": "a", "tags": ["core", "x"], "required": true, "max_age_days": 10,
     "last_updated": "2026-11-30", "priority": 1, "maxTokens": 300},
    {"id": "b", "tags": ["core"], "max_age_days": 10, "last_updated": "2026-11-30",
     "maxTokens": 200},
    {"id": "c", "max_age_days": 10, "last_updated": "2026-11-30"},
    {"id": "d", "required": true, "max_age_days": 1, "last_updated": "2026-11-01"}
]}"#;

#[test]
fn confidence_follows_the_share_of_stale_sources() {
    let meta = CorpusMeta::from_json(CORPUS.as_bytes(), None).unwrap();
    let f = freshness_of(&meta, date!(2026 - 12 - 01));
    assert_eq!((f.confidence, f.stale_sources), (Confidence::Medium, 1));
    assert!(f.disclaimer().is_some());
    let later = freshness_of(&meta, date!(2026 - 12 - 20));
    assert_eq!(later.confidence, Confidence::Low);
}

#[test]
fn self_knowledge_reports_coverage_tokens_and_weights() {
    let meta = CorpusMeta::from_json(CORPUS.as_bytes(), None).unwrap();
    let votes = Tally {
        sources: vec![SourceTally {
            source_id: "b".into(),
            score: 30,
            votes: 1,
        }],
        voters: 1,
        last_vote_at: Some(1),
    };
    let k = self_knowledge(&meta, date!(2026 - 12 - 01), &votes);
    assert_eq!(k.corpus_version, 4);
    assert_eq!(
        k.coverage,
        [
            TagCoverage {
                tag: "core".into(),
                sources: 2
            },
            TagCoverage {
                tag: "x".into(),
                sources: 1
            }
        ]
    );
    assert_eq!((k.required_sources, k.required_stale), (2, 1));
    assert_eq!(
        (k.token_budget, k.token_estimate, k.utilization_percent),
        (1000, 500, 50)
    );
    assert_eq!(k.source_weights[1].community_score, 30);
    assert!(k.source_weights[3].stale);
}

#[test]
fn tier_weights_multiply_priorities() {
    let vote = |tier| Vote {
        voter: "w".into(),
        source_id: "a".into(),
        priority: 4,
        tier,
        cast_at: 0,
    };
    let scores: Vec<u64> = [
        Tier::Observer,
        Tier::Participant,
        Tier::Builder,
        Tier::Architect,
        Tier::Sovereign,
    ]
    .into_iter()
    .map(|t| vote(t).score())
    .collect();
    assert_eq!(scores, [0, 4, 12, 40, 100]);
}
