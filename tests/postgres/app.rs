//! The app on PostgreSQL: health shape, and reputation, autonomous permissions and agents'
//! priority votes that survive a restart.

use crate::support::pg::TestDb;
use crate::support::{finn, redact, spawn_app};

const ADMIN: &str = "test-admin-key";

fn quality_event(id: &str, score: f64) -> serde_json::Value {
    serde_json::json!({
        "model_id": "claude-sonnet-4-6",
        "event": {
            "type": "quality_signal",
            "event_id": id,
            "agent_id": "agent-1",
            "collection_id": "honey-jar",
            "timestamp": "2026-11-21T10:00:00Z",
            "score": score,
            "task_type": "code_review"
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_postgres_with_pool_metrics() {
    let db = TestDb::create().await;
    let finn = finn::spawn().await;
    let app = spawn_app(&[("DATABASE_URL", &db.url), ("FINN_URL", &finn.url())]).await;
    let mut body: serde_json::Value = app.get("/api/health").await.json().await.unwrap();
    assert_eq!(body["status"], "healthy");
    let rs = &body["reputation_service"];
    assert_eq!(rs["store_type"], "postgres");
    assert!(rs["pool_total"].as_u64().unwrap() >= 1);
    assert_eq!(rs["pool_waiting"], 0);
    redact(
        &mut body,
        &[
            "timestamp",
            "uptime_seconds",
            "latency_ms",
            "pool_total",
            "pool_idle",
        ],
    );
    insta::assert_json_snapshot!("health_postgres", body);
    app.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reputation_written_over_http_survives_a_restart() {
    let db = TestDb::create().await;
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("DIXIE_ADMIN_KEY", ADMIN),
    ];
    let app = spawn_app(&env).await;
    for (i, score) in [(1, 0.9), (2, 0.7)] {
        let resp = app
            .http
            .post(app.url("/api/reputation/nft-7/events"))
            .bearer_auth(ADMIN)
            .json(&quality_event(
                &format!("11111111-2222-4333-8444-00000000000{i}"),
                score,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let before: serde_json::Value = app.get("/api/reputation/nft-7").await.json().await.unwrap();
    app.stop().await;

    let app = spawn_app(&env).await;
    let after: serde_json::Value = app.get("/api/reputation/nft-7").await.json().await.unwrap();
    assert_eq!(before, after);
    assert_eq!(after["sample_count"], 2);
    let history: serde_json::Value = app
        .get("/api/reputation/nft-7/events")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["events"].as_array().unwrap().len(), 2);
    let cohorts: serde_json::Value = app
        .get("/api/reputation/nft-7/cohorts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cohorts["cohorts"][0]["sample_count"], 2);
    app.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_used_on_one_replica_is_refused_on_another() {
    use crate::support::siwe::{Wallet, client_nonce};
    let db = TestDb::create().await;
    let pem = dixie::keys::generate_es256_pem().unwrap();
    let vars = [
        ("DATABASE_URL", db.url.as_str()),
        ("DIXIE_JWT_PRIVATE_KEY", pem.as_str()),
    ];
    let (one, two) = (spawn_app(&vars).await, spawn_app(&vars).await);
    let wallet = Wallet::new(21);

    let text = wallet.message(&client_nonce()).text();
    let sig = wallet.sign(&text);
    let resp = one.login(&text, &sig).await;
    assert_eq!(resp.status(), 200);
    let token = resp.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        two.login(&text, &sig).await.status(),
        401,
        "replayed on the other replica"
    );
    assert_eq!(
        two.get_bearer("/api/auth/verify", &token).await.status(),
        200,
        "the other replica verifies the token"
    );

    let issued: serde_json::Value = one
        .post_json("/api/auth/nonce", &serde_json::json!({}))
        .await
        .json()
        .await
        .unwrap();
    let text = wallet.message(issued["nonce"].as_str().unwrap()).text();
    let sig = wallet.sign(&text);
    assert_eq!(
        two.login(&text, &sig).await.status(),
        200,
        "a nonce issued by one replica"
    );
    assert_eq!(one.login(&text, &sig).await.status(), 401);
    one.stop().await;
    two.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuing_nonces_stores_nothing_only_logins_are_remembered() {
    use crate::support::siwe::Wallet;
    let db = TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", db.url.as_str()),
        ("DIXIE_RATE_LIMIT_RPM", "1000"),
    ])
    .await;
    let mut last = serde_json::Value::Null;
    for _ in 0..300 {
        let resp = app
            .post_json("/api/auth/nonce", &serde_json::json!({}))
            .await;
        assert_eq!(resp.status(), 200);
        last = resp.json().await.unwrap();
    }
    assert_eq!(db.scalar("SELECT count(*) FROM siwe_nonces").await, 0);
    let wallet = Wallet::new(22);
    let text = wallet.message(last["nonce"].as_str().unwrap()).text();
    assert_eq!(app.login(&text, &wallet.sign(&text)).await.status(), 200);
    assert_eq!(db.scalar("SELECT count(*) FROM siwe_nonces").await, 1);
    app.stop().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autonomous_permissions_and_their_audit_survive_a_restart() {
    use crate::support::siwe::Wallet;
    use reqwest::Method;
    let db = TestDb::create().await;
    let finn = finn::spawn().await;
    let (owner, stranger) = (Wallet::new(85), Wallet::new(86));
    finn.add_owner(&owner.address, "mibera:85", &[]);
    finn.set_stake(&owner.address, 10_000.0);
    let env = [("DATABASE_URL", db.url.as_str()), ("FINN_URL", &finn.url())];
    let path = "/api/autonomous/mibera:85/permissions";

    let app = spawn_app(&env).await;
    let jwt = app.token_for(&owner).await;
    let body = serde_json::json!({"enabled": true, "toolWhitelist": ["search"]});
    let (status, written) = app.call(Method::PUT, path, &jwt, Some(body)).await;
    assert_eq!(status, 200, "{written}");
    let other = app.token_for(&stranger).await;
    let (status, _) = app.call(Method::GET, path, &other, None).await;
    assert_eq!(status, 403);
    app.stop().await;

    let app = spawn_app(&env).await;
    let jwt = app.token_for(&owner).await;
    let (status, read) = app.call(Method::GET, path, &jwt, None).await;
    assert_eq!((status, &read), (200, &written));
    let (_, audit) = app
        .call(Method::GET, "/api/autonomous/mibera:85/audit", &jwt, None)
        .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["access_refused", "permissions_updated"]);
    let (_, summary) = app
        .call(Method::GET, "/api/autonomous/mibera:85/summary", &jwt, None)
        .await;
    assert_eq!(summary["totalActions"], 2);
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn priority_votes_survive_a_restart() {
    use crate::support::agent::{Agent, call};
    use crate::support::siwe::Wallet;
    use reqwest::Method;
    let db = TestDb::create().await;
    let finn = finn::spawn().await;
    let (architect, builder) = (Agent::new(87), Agent::new(88));
    finn.add_tba(&architect.tba, "0xc0ffee", 87, &architect.owner.address);
    finn.add_tba(&builder.tba, "0xc0ffee", 88, &builder.owner.address);
    finn.set_stake(&architect.owner.address, 1000.0);
    finn.set_stake(&builder.owner.address, 100.0);
    let env = [("DATABASE_URL", db.url.as_str()), ("FINN_URL", &finn.url())];
    let vote = "/api/agent/knowledge/priorities/vote";

    let app = spawn_app(&env).await;
    let jwt = app.token_for(&Wallet::new(89)).await;
    for (agent, source, priority) in [(&architect, "glossary", 4), (&builder, "glossary", 2)] {
        let body = serde_json::json!({"sourceId": source, "priority": priority});
        let (status, _, _) =
            call(&app, Method::POST, vote, &jwt, &agent.headers(), Some(body)).await;
        assert_eq!(status, 200);
    }
    app.stop().await;

    let app = spawn_app(&env).await;
    let jwt = app.token_for(&Wallet::new(89)).await;
    let path = "/api/agent/knowledge/priorities";
    let (status, _, read) = call(&app, Method::GET, path, &jwt, &builder.headers(), None).await;
    assert_eq!(status, 200);
    // 4 × 10 (architect) + 2 × 3 (builder)
    assert_eq!(
        read["priorities"],
        serde_json::json!([{"sourceId": "glossary", "score": 46, "voteCount": 2, "tags": []}])
    );
    assert_eq!(read["totalVoters"], 2);
    app.stop().await;
    db.finish().await;
}
