//! `/api/agent/*` through a real Finn stand-in whose `verify-tba` recovers the signer of the
//! TBA message itself: TBA refusals, tier gates, the query's cost, receipt, budget and both
//! limits, the corpus routes, conviction-weighted votes and the agent's cron.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::agent::{Agent, call, now};
use crate::support::finn::{self, FinnStandin, Mode};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app, temp_file};

const KEY: &str = "dxk_agents";

struct World {
    app: TestApp,
    finn: FinnStandin,
    /// Architect (1 500 BGT), holds `mibera:42`.
    architect: Agent,
    /// Participant (5 BGT).
    participant: Agent,
    /// Observer (no stake).
    observer: Agent,
}

/// A corpus of four sources, one of them stale: confidence `medium`.
fn corpus_dir(name: &str) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let sources = json!({"corpus_version": 7, "default_budget_tokens": 10000, "sources": [
        {"id": "glossary", "tags": ["core"], "required": true, "max_age_days": 30,
         "last_updated": today.to_string(), "priority": 1, "maxTokens": 2000},
        {"id": "defi", "tags": ["defi", "core"], "max_age_days": 30,
         "last_updated": today.to_string(), "maxTokens": 1000},
        {"id": "governance", "tags": ["governance"], "max_age_days": 30,
         "last_updated": today.to_string(), "maxTokens": 1000},
        {"id": "old-news", "tags": ["news"], "max_age_days": 1, "last_updated": "2020-01-01"}
    ]});
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sources.json"), sources.to_string()).unwrap();
    dir.to_str().unwrap().to_owned()
}

async fn world_with(vars: &[(&str, &str)]) -> World {
    let finn = finn::spawn().await;
    let (architect, participant, observer) = (Agent::new(81), Agent::new(82), Agent::new(83));
    for (i, a) in [&architect, &participant, &observer]
        .into_iter()
        .enumerate()
    {
        finn.add_tba(&a.tba, "0xc0ffee", 40 + i as u64, &a.owner.address);
    }
    finn.set_stake(&architect.owner.address, 1500.0);
    finn.set_stake(&participant.owner.address, 5.0);
    finn.add_owner(&architect.owner.address, "mibera:42", &[]);
    // A builder wallet that reads review contexts.
    finn.set_stake(&Wallet::new(85).address, 150.0);
    let keys = temp_file(
        "allowlist-agent.json",
        &json!({"version": 1, "wallets": [Wallet::new(85).address], "apiKeys": [KEY],
                "updated_at": "2026-12-02T00:00:00Z"})
        .to_string(),
    );
    let url = finn.url();
    let corpus = corpus_dir(&format!("agent-corpus-{}", uuid::Uuid::new_v4().simple()));
    let mut all = vec![
        ("FINN_URL", url.as_str()),
        ("FINN_TIMEOUT_MS", "1000"),
        ("DIXIE_ALLOWLIST_PATH", keys.to_str().unwrap()),
        ("DIXIE_RATE_LIMIT_RPM", "100000"),
        ("DIXIE_KNOWLEDGE_DIR", corpus.as_str()),
    ];
    all.extend_from_slice(vars);
    let app = spawn_app(&all).await;
    World {
        app,
        finn,
        architect,
        participant,
        observer,
    }
}

async fn world() -> World {
    world_with(&[]).await
}

impl World {
    async fn as_agent(
        &self,
        agent: &Agent,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        call(&self.app, method, path, KEY, &agent.headers(), body).await
    }

    async fn query(&self, agent: &Agent, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
        self.as_agent(agent, Method::POST, "/api/agent/query", Some(body))
            .await
    }
}

#[tokio::test]
async fn every_tba_refusal_is_a_401_with_its_message() {
    let w = world().await;
    let a = &w.architect;
    let good = a.headers();
    let without = |name: &str| -> Vec<(&'static str, String)> {
        good.iter().filter(|(n, _)| *n != name).cloned().collect()
    };
    let with = |name: &'static str, value: &str| -> Vec<(&'static str, String)> {
        let mut h = without(name);
        h.push((name, value.to_owned()));
        h
    };
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (without("x-tba-address"), "Missing x-tba-address header"),
        (without("x-tba-signature"), "Missing x-tba-signature header"),
        (without("x-tba-timestamp"), "Missing x-tba-timestamp header"),
        (with("x-tba-address", "0x1234"), "Invalid TBA address"),
        (with("x-tba-timestamp", "soon"), "Invalid TBA timestamp"),
        (a.headers_by(&a.owner, now() - 301), "TBA signature expired"),
        (a.headers_by(&a.owner, now() + 301), "TBA signature expired"),
        (
            a.headers_by(&Wallet::new(99), now()),
            "Invalid TBA signature",
        ),
        (
            with("x-tba-signature", "0xdeadbeef"),
            "Invalid TBA signature",
        ),
    ];
    for (headers, message) in cases {
        let (status, _, body) = call(
            &w.app,
            Method::GET,
            "/api/agent/capabilities",
            KEY,
            &headers,
            None,
        )
        .await;
        assert_eq!(status, 401, "{message}: {body}");
        assert_eq!(body, json!({"error": "unauthorized", "message": message}));
    }
    // Without allowlisted credentials the allowlist answers first.
    let (status, _, _) = call(
        &w.app,
        Method::GET,
        "/api/agent/capabilities",
        "dxk_nope",
        &good,
        None,
    )
    .await;
    assert_eq!(status, 403);
    w.app.stop().await;
}

#[tokio::test]
async fn a_verified_signature_is_reused_within_the_window_and_refused_outside_it() {
    let w = world().await;
    let a = &w.architect;
    let headers = a.headers();
    for _ in 0..3 {
        let (status, _, _) = call(
            &w.app,
            Method::GET,
            "/api/agent/capabilities",
            KEY,
            &headers,
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        w.finn.calls("verify_tba"),
        1,
        "Finn verifies a signature once"
    );
    // A signature Finn would accept (the stand-in ignores time) is refused once it is stale,
    // without asking Finn.
    let stale = a.headers_by(&a.owner, now() - 400);
    let (status, _, _) = call(
        &w.app,
        Method::GET,
        "/api/agent/capabilities",
        KEY,
        &stale,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(w.finn.calls("verify_tba"), 1);
    // Finn down: the agent routes say so, not "invalid signature".
    w.finn.set_mode("verify_tba", Mode::Status(500));
    let fresh = a.headers_by(&a.owner, now() - 1);
    let (status, _, body) = call(
        &w.app,
        Method::GET,
        "/api/agent/capabilities",
        KEY,
        &fresh,
        None,
    )
    .await;
    assert_eq!(status, 503, "{body}");
    w.app.stop().await;
}

#[tokio::test]
async fn the_owner_tier_gates_each_route() {
    let w = world().await;
    let (status, _, caps) = w
        .as_agent(&w.architect, Method::GET, "/api/agent/capabilities", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(caps["modelPool"], "pool_premium");
    assert_eq!(
        caps["rateLimits"],
        json!({"requestsPerMinute": 30, "requestsPerDay": 1000})
    );
    assert_eq!(caps["oracleId"], "the-honey-jar-oracle");
    let architect_only = [
        (Method::GET, "/api/agent/capabilities", None),
        (Method::GET, "/api/agent/knowledge", None),
        (Method::GET, "/api/agent/self-knowledge", None),
        (
            Method::POST,
            "/api/agent/query",
            Some(json!({"query": "hi"})),
        ),
        (
            Method::POST,
            "/api/agent/schedule",
            Some(json!({"nftId": "mibera:42", "nlExpression": "every morning", "prompt": "gm"})),
        ),
    ];
    for (method, path, body) in architect_only {
        let (status, _, denial) = w.as_agent(&w.participant, method, path, body).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(
            (&denial["actual_tier"], &denial["required_tier"]),
            (&json!("participant"), &json!("architect")),
            "{path}"
        );
    }
    assert_eq!(w.finn.calls("agent_chat"), 0);
    let vote = json!({"sourceId": "glossary", "priority": 3});
    let (status, _, _) = w
        .as_agent(
            &w.participant,
            Method::POST,
            "/api/agent/knowledge/priorities/vote",
            Some(vote.clone()),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, denial) = w
        .as_agent(
            &w.observer,
            Method::POST,
            "/api/agent/knowledge/priorities/vote",
            Some(vote),
        )
        .await;
    assert_eq!(
        (status, &denial["required_tier"]),
        (403, &json!("participant"))
    );
    let (status, _, _) = w
        .as_agent(
            &w.observer,
            Method::GET,
            "/api/agent/knowledge/priorities",
            None,
        )
        .await;
    assert_eq!(status, 200, "reading priorities needs no tier");
    w.app.stop().await;
}

#[tokio::test]
async fn a_query_is_priced_by_the_table_with_a_receipt_and_headers() {
    let w = world().await;
    w.finn
        .set_agent_answer("claude-sonnet-4-6-20260101", 1000, 500);
    let (status, headers, body) = w
        .query(
            &w.architect,
            json!({"query": "what is BGT?", "format": "json", "maxTokens": 300,
                   "knowledgeDomain": "berachain", "sessionId": "s-1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // 1000 × 3 000 000 / 1e6 + 500 × 15 000 000 / 1e6 = 3 000 + 7 500
    assert_eq!(
        body["cost"],
        json!({"modelUsed": "claude-sonnet-4-6-20260101", "inputTokens": 1000,
               "outputTokens": 500, "costMicroUsd": 10500})
    );
    assert_eq!(body["response"], "oracle: what is BGT?");
    assert_eq!(
        (&body["format"], &body["sessionId"]),
        (&json!("json"), &json!("s-1"))
    );
    assert_eq!(body["sources"][0]["id"], "glossary");
    let receipt = &body["receipt"];
    let id = receipt["receiptId"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^rcpt-\d{13}-[0-9a-z]{6}$")
            .unwrap()
            .is_match(id),
        "{id}"
    );
    assert_eq!(
        (
            &receipt["payer"],
            &receipt["payee"],
            &receipt["amountMicroUsd"]
        ),
        (
            &json!(w.architect.tba),
            &json!("dixie-oracle"),
            &json!(10500)
        )
    );
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("x-cost-micro-usd").as_deref(), Some("10500"));
    assert_eq!(
        header("x-model-used").as_deref(),
        Some("claude-sonnet-4-6-20260101")
    );
    assert_eq!(header("x-receipt-id").as_deref(), Some(id));
    // One of four sources is stale: medium confidence, said to the agent and to Finn.
    assert_eq!(header("x-knowledge-confidence").as_deref(), Some("medium"));
    assert_eq!(body["freshness"]["staleSourceCount"], 1);
    assert_eq!(header("x-budget-warning"), None);
    let sent: Value = serde_json::from_slice(&w.finn.received("agent_chat").unwrap().body).unwrap();
    assert_eq!(sent["message"], "what is BGT?");
    assert_eq!(sent["agentTba"], json!(w.architect.tba));
    assert_eq!(
        (&sent["format"], &sent["maxTokens"]),
        (&json!("json"), &json!(300))
    );
    assert_eq!(
        (&sent["knowledgeDomain"], &sent["sessionId"]),
        (&json!("berachain"), &json!("s-1"))
    );
    assert!(sent["systemNote"].as_str().unwrap().contains("outdated"));

    // gpt-4o-mini, not gpt-4o (longest prefix): 1 000 × 0.15 + 1 000 × 0.6.
    w.finn
        .set_agent_answer("gpt-4o-mini-2024-07-18", 1000, 1000);
    let (_, _, body) = w.query(&w.architect, json!({"query": "q"})).await;
    assert_eq!(body["cost"]["costMicroUsd"], 750);
    // One input token of gpt-4o-mini is 0.15 µUSD: rounded up.
    w.finn.set_agent_answer("gpt-4o-mini", 1, 0);
    let (_, _, body) = w.query(&w.architect, json!({"query": "q"})).await;
    assert_eq!(body["cost"]["costMicroUsd"], 1);
    w.finn
        .set_agent_answer("mystery-model", 1_000_000, 1_000_000);
    let (_, headers, body) = w.query(&w.architect, json!({"query": "q"})).await;
    assert_eq!(
        body["cost"]["costMicroUsd"], 0,
        "an unknown model costs nothing"
    );
    assert_eq!(headers["x-cost-micro-usd"], "0");
    w.app.stop().await;
}

#[tokio::test]
async fn the_budget_refuses_before_finn_and_warns_near_it() {
    let w = world().await;
    let (status, _, body) = w
        .query(&w.architect, json!({"query": "q", "maxCostMicroUsd": 6599}))
        .await;
    assert_eq!(status, 402);
    assert_eq!(body["error"], "budget_exceeded");
    assert_eq!(w.finn.calls("agent_chat"), 0);
    w.finn.set_agent_answer("claude-sonnet-4-6", 1000, 500);
    let (status, headers, _) = w
        .query(
            &w.architect,
            json!({"query": "q", "maxCostMicroUsd": 12000}),
        )
        .await;
    assert_eq!(status, 200);
    let warning = headers["x-budget-warning"].to_str().unwrap();
    assert!(warning.contains("80%"), "10 500 of 12 000: {warning}");
    let (_, headers, _) = w
        .query(&w.architect, json!({"query": "q", "maxCostMicroUsd": 6600}))
        .await;
    assert!(
        headers["x-budget-warning"]
            .to_str()
            .unwrap()
            .contains("exceeded")
    );
    for bad in [
        json!({}),
        json!({"query": "q", "maxTokens": 4097}),
        json!({"query": "q", "format": "xml"}),
        json!({"query": "x".repeat(10_001)}),
        json!({"query": "q", "sessionId": "a b"}),
    ] {
        let (status, _, body) = w.query(&w.architect, bad.clone()).await;
        assert_eq!(
            (status, &body["error"]),
            (400, &json!("invalid_request")),
            "{bad}"
        );
    }
    w.app.stop().await;
}

#[tokio::test]
async fn the_minute_limit_is_exact_per_tba_and_refusals_do_not_count() {
    let w = world_with(&[("DIXIE_AGENT_RATE_LIMIT_RPM", "3")]).await;
    // A refused budget is not counted.
    let (status, _, _) = w
        .query(&w.architect, json!({"query": "q", "maxCostMicroUsd": 1}))
        .await;
    assert_eq!(status, 402);
    for _ in 0..3 {
        assert_eq!(w.query(&w.architect, json!({"query": "q"})).await.0, 200);
    }
    let (status, headers, body) = w.query(&w.architect, json!({"query": "q"})).await;
    assert_eq!(status, 429);
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(body["message"], "Agent rate limit exceeded");
    let retry = body["retry_after"].as_u64().unwrap();
    assert!((58..=60).contains(&retry), "{retry}");
    assert_eq!(headers["retry-after"].to_str().unwrap(), retry.to_string());
    assert_eq!(w.finn.calls("agent_chat"), 3);
    // Another agent has its own count (its owner needs the architect tier too).
    let other = Agent::new(84);
    w.finn
        .add_tba(&other.tba, "0xc0ffee", 99, &other.owner.address);
    w.finn.set_stake(&other.owner.address, 2000.0);
    assert_eq!(w.query(&other, json!({"query": "q"})).await.0, 200);
    w.app.stop().await;
}

#[tokio::test]
async fn the_day_limit_is_exact_and_retry_after_reaches_utc_midnight() {
    let w = world_with(&[
        ("DIXIE_AGENT_RATE_LIMIT_RPM", "100"),
        ("DIXIE_AGENT_RATE_LIMIT_RPD", "4"),
    ])
    .await;
    for _ in 0..4 {
        assert_eq!(w.query(&w.architect, json!({"query": "q"})).await.0, 200);
    }
    let (status, headers, body) = w.query(&w.architect, json!({"query": "q"})).await;
    assert_eq!(status, 429);
    let t = time::OffsetDateTime::now_utc();
    let to_midnight =
        86_400 - (t.hour() as u64 * 3600 + t.minute() as u64 * 60 + t.second() as u64);
    let retry = body["retry_after"].as_u64().unwrap();
    assert!(retry.abs_diff(to_midnight) <= 2, "{retry} vs {to_midnight}");
    assert_eq!(headers["retry-after"].to_str().unwrap(), retry.to_string());
    let (_, _, caps) = w
        .as_agent(&w.architect, Method::GET, "/api/agent/capabilities", None)
        .await;
    assert_eq!(
        caps["rateLimits"],
        json!({"requestsPerMinute": 100, "requestsPerDay": 4})
    );
    w.app.stop().await;
}

#[tokio::test]
async fn knowledge_merges_finn_and_the_local_corpus() {
    let w = world().await;
    let (status, _, body) = w
        .as_agent(&w.architect, Method::GET, "/api/agent/knowledge", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"domains": [{"name": "berachain", "documentCount": 12, "lastUpdated": "2026-11-30"}],
               "totalDocuments": 12, "corpus_version": 7,
               "freshness": {"healthy": 3, "stale": 1, "total": 4}})
    );
    w.finn.set_mode("knowledge", Mode::Status(500));
    let (status, _, body) = w
        .as_agent(&w.architect, Method::GET, "/api/agent/knowledge", None)
        .await;
    assert_eq!(status, 200, "Finn's part degrades, the local part stands");
    assert_eq!(
        (&body["domains"], &body["totalDocuments"]),
        (&json!([]), &json!(0))
    );
    assert_eq!(body["corpus_version"], 7);
    w.app.stop().await;
}

#[tokio::test]
async fn self_knowledge_reports_the_corpus_and_the_community() {
    let w = world().await;
    let vote = json!({"sourceId": "defi", "priority": 2});
    w.as_agent(
        &w.architect,
        Method::POST,
        "/api/agent/knowledge/priorities/vote",
        Some(vote),
    )
    .await;
    let (status, _, body) = w
        .as_agent(&w.architect, Method::GET, "/api/agent/self-knowledge", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["corpus_version"], 7);
    assert_eq!(body["freshness"]["staleSources"], json!(["old-news"]));
    assert_eq!(body["confidence"], "medium");
    assert_eq!(
        body["token_utilization"],
        json!({"budget": 10000, "estimated_actual": 4000, "utilization_percent": 40})
    );
    assert_eq!(
        body["coverage"]["tags"][0],
        json!({"tag": "core", "sources": 2})
    );
    assert_eq!(
        (
            &body["coverage"]["required_sources"],
            &body["coverage"]["required_stale"]
        ),
        (&json!(1), &json!(0))
    );
    assert_eq!(body["source_weights"][1]["community_score"], 20);
    assert_eq!(
        body["governance"],
        json!({"communityPriorities": [{"sourceId": "defi", "score": 20, "voteCount": 1}],
               "totalVoters": 1, "governanceModel": "conviction-weighted-vote"})
    );
    w.app.stop().await;

    // Without a corpus there is nothing to know.
    let w = world_with(&[("DIXIE_KNOWLEDGE_DIR", "/nonexistent/dixie-corpus")]).await;
    let (status, _, body) = w
        .as_agent(&w.architect, Method::GET, "/api/agent/self-knowledge", None)
        .await;
    assert_eq!((status, &body["error"]), (503, &json!("not_available")));
    w.app.stop().await;
}

#[tokio::test]
async fn votes_are_weighted_by_tier_and_the_latest_wins() {
    let w = world().await;
    let vote = |agent: &Agent, body: Value| {
        let app = &w.app;
        let headers = agent.headers();
        async move {
            call(
                app,
                Method::POST,
                "/api/agent/knowledge/priorities/vote",
                KEY,
                &headers,
                Some(body),
            )
            .await
        }
    };
    for (bad, why) in [
        (json!({"sourceId": "nope", "priority": 3}), "unknown source"),
        (
            json!({"sourceId": "glossary", "priority": 6}),
            "priority over 5",
        ),
        (
            json!({"sourceId": "glossary", "priority": 0}),
            "priority under 1",
        ),
        (json!({"priority": 3}), "no source"),
    ] {
        let (status, _, body) = vote(&w.architect, bad).await;
        assert_eq!(
            (status, &body["error"]),
            (400, &json!("invalid_request")),
            "{why}"
        );
    }
    let (_, _, body) = vote(&w.architect, json!({"sourceId": "glossary", "priority": 3})).await;
    assert_eq!(
        body,
        json!({"sourceId": "glossary", "yourVote": 3, "aggregateScore": 30, "voteCount": 1})
    );
    let (_, _, body) = vote(
        &w.participant,
        json!({"sourceId": "glossary", "priority": 5}),
    )
    .await;
    assert_eq!(
        (&body["aggregateScore"], &body["voteCount"]),
        (&json!(35), &json!(2))
    );
    let (_, _, body) = vote(&w.architect, json!({"sourceId": "glossary", "priority": 1})).await;
    assert_eq!(
        (&body["aggregateScore"], &body["voteCount"]),
        (&json!(15), &json!(2))
    );
    vote(
        &w.participant,
        json!({"sourceId": "governance", "priority": 4}),
    )
    .await;
    let (status, _, body) = w
        .as_agent(
            &w.observer,
            Method::GET,
            "/api/agent/knowledge/priorities",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["priorities"],
        json!([{"sourceId": "glossary", "score": 15, "voteCount": 2, "tags": ["core"]},
               {"sourceId": "governance", "score": 4, "voteCount": 1, "tags": ["governance"]}])
    );
    assert_eq!(body["totalVoters"], 2);
    assert!(body["lastUpdated"].as_str().unwrap().ends_with('Z'));
    // Governance reviews see the same votes.
    let jwt = w.app.token_for(&Wallet::new(85)).await;
    let review = json!({"nft_id": "mibera:42", "review_type": "audit"});
    let (status, context) = w
        .app
        .call(
            Method::POST,
            "/api/enrich/review-context",
            &jwt,
            Some(review),
        )
        .await;
    assert_eq!(status, 200, "{context}");
    let knowledge = &context["knowledge_context"];
    assert_eq!(knowledge["active_votes"], 3);
    assert_eq!(
        knowledge["priority_rankings"],
        json!([{"source_id": "glossary", "score": 15.0, "vote_count": 2},
               {"source_id": "governance", "score": 4.0, "vote_count": 1}])
    );
    w.app.stop().await;
}

#[tokio::test]
async fn an_agent_schedules_a_parsed_cron_for_a_dnft_its_owner_holds() {
    let w = world().await;
    let path = "/api/agent/schedule";
    let body = json!({"nftId": "mibera:42", "nlExpression": "every morning", "prompt": "gm"});
    let (status, _, answer) = w
        .as_agent(&w.architect, Method::POST, path, Some(body))
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["cronId"], "cron-1");
    let sent: Value =
        serde_json::from_slice(&w.finn.received("cron.register").unwrap().body).unwrap();
    assert_eq!(
        sent,
        json!({"nftId": "mibera:42", "cron": "0 9 * * *", "prompt": "gm", "agentTba": w.architect.tba})
    );
    let cases = [
        (
            json!({"nftId": "mibera:7", "nlExpression": "every morning", "prompt": "gm"}),
            403,
            "forbidden",
        ),
        (
            json!({"nftId": "mibera:42", "nlExpression": "whenever", "prompt": "gm"}),
            400,
            "parse_error",
        ),
        (
            json!({"nftId": "mibera:42", "prompt": "gm"}),
            400,
            "invalid_request",
        ),
        (
            json!({"nftId": "bad id", "nlExpression": "every morning", "prompt": "gm"}),
            400,
            "invalid_request",
        ),
    ];
    for (body, status, error) in cases {
        let (got, _, answer) = w
            .as_agent(&w.architect, Method::POST, path, Some(body.clone()))
            .await;
        assert_eq!((got, &answer["error"]), (status, &json!(error)), "{body}");
    }
    assert_eq!(w.finn.calls("cron.register"), 1);
    w.finn
        .set_mode("cron.register", Mode::Code(429, "RATE_LIMITED"));
    let body = json!({"nftId": "mibera:42", "nlExpression": "every evening", "prompt": "gm"});
    let (status, _, _) = w
        .as_agent(&w.architect, Method::POST, path, Some(body))
        .await;
    assert_eq!(status, 429, "Finn's refusal is mapped (§6.2)");
    w.app.stop().await;
}
