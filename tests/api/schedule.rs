//! `/api/schedule*` through a real Finn stand-in: tier and ownership checks, the grammar, the
//! per-dNFT limit, Finn cron registration, the signed callback with fresh timestamps (D9),
//! cancellation and history.

use serde_json::{Value, json};

use dixie::core::schedule::callback_signature;

use crate::support::finn::{self, FinnStandin, Mode};
use crate::support::siwe::Wallet;
use crate::support::{TestApp, redact, spawn_app, temp_file};

const SECRET: &str = "callback-secret-for-tests";

struct World {
    app: TestApp,
    finn: FinnStandin,
    holder: String,
    low_tier: String,
    stranger: String,
}

async fn world() -> World {
    let finn = finn::spawn().await;
    let (holder, low, stranger) = (Wallet::new(71), Wallet::new(72), Wallet::new(73));
    finn.add_owner(&holder.address, "nft-s1", &[]);
    finn.add_owner(&low.address, "nft-s2", &[]);
    finn.set_stake(&holder.address, 150.0);
    finn.set_stake(&low.address, 5.0);
    finn.set_stake(&stranger.address, 500.0);
    let keys = temp_file(
        "allowlist-schedule.json",
        &json!({"version": 1, "wallets": [holder.address, low.address, stranger.address],
                "apiKeys": ["dxk_finn"], "updated_at": "2026-11-22T00:00:00Z"})
        .to_string(),
    );
    let url = finn.url();
    let app = spawn_app(&[
        ("FINN_URL", url.as_str()),
        ("FINN_TIMEOUT_MS", "500"),
        ("DIXIE_ALLOWLIST_PATH", keys.to_str().unwrap()),
        ("DIXIE_SCHEDULE_CALLBACK_SECRET", SECRET),
        ("DIXIE_RATE_LIMIT_RPM", "100000"),
    ])
    .await;
    World {
        holder: app.token_for(&holder).await,
        low_tier: app.token_for(&low).await,
        stranger: app.token_for(&stranger).await,
        app,
        finn,
    }
}

async fn create(w: &World, bearer: &str, body: Value) -> (u16, Value) {
    w.app
        .call(reqwest::Method::POST, "/api/schedule", bearer, Some(body))
        .await
}

/// `GET /api/schedule/nft-s1` as `bearer`.
async fn list_schedules(w: &World, bearer: &str) -> (u16, Value) {
    w.app
        .call(reqwest::Method::GET, "/api/schedule/nft-s1", bearer, None)
        .await
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn callback(
    w: &World,
    schedule_id: &str,
    timestamp: &str,
    signature: Option<String>,
) -> (u16, Value) {
    let mut req = w
        .app
        .http
        .post(w.app.url("/api/schedule/callback"))
        .bearer_auth("dxk_finn")
        .header("x-callback-timestamp", timestamp)
        .json(&json!({"scheduleId": schedule_id, "messageId": "msg-1"}));
    if let Some(sig) = signature {
        req = req.header("x-callback-signature", sig);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Fires with a fresh timestamp in milliseconds, distinct per call (as Finn's cron fires are).
async fn fire(w: &World, schedule_id: &str) -> (u16, Value) {
    static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ts = (now() * 1000 + seq).to_string();
    let sig = callback_signature(SECRET.as_bytes(), schedule_id, &ts);
    callback(w, schedule_id, &ts, Some(sig)).await
}

#[tokio::test]
async fn a_builder_holder_creates_and_finn_registers_the_cron() {
    let w = world().await;
    let (status, mut body) = create(
        &w,
        &w.holder,
        json!({"nftId": "nft-s1", "nlExpression": "Daily at 7 PM", "prompt": "evening report"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["schedule"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("sched-"), "{id}");
    let sent: Value =
        serde_json::from_slice(&w.finn.received("cron.register").unwrap().body).unwrap();
    assert_eq!(
        sent,
        json!({"scheduleId": id, "nftId": "nft-s1", "cron": "0 19 * * *",
               "callbackUrl": "/api/schedule/callback", "prompt": "evening report"})
    );
    redact(
        &mut body,
        &["id", "createdAt", "updatedAt", "nextFireAt", "ownerWallet"],
    );
    insta::assert_json_snapshot!("schedule_created", body);

    let (status, list) = list_schedules(&w, &w.holder).await;
    assert_eq!((status, list["count"].as_u64()), (200, Some(1)));
    assert_eq!(list["schedules"][0]["status"], "active");
    w.app.stop().await;
}

#[tokio::test]
async fn creation_refusals_follow_the_contract() {
    let w = world().await;
    let (status, body) = create(
        &w,
        &w.low_tier,
        json!({"nftId": "nft-s2", "nlExpression": "every morning", "prompt": "p"}),
    )
    .await;
    assert_eq!(status, 403);
    insta::assert_json_snapshot!("schedule_conviction_denied", body);

    let ok = |nft: &str, expr: &str, prompt: Option<&str>| {
        let mut b = json!({"nftId": nft, "nlExpression": expr});
        if let Some(p) = prompt {
            b["prompt"] = json!(p);
        }
        b
    };
    let cases = [
        (
            &w.stranger,
            ok("nft-s1", "every morning", Some("p")),
            403,
            "forbidden",
            "Not authorized for this NFT",
        ),
        (
            &w.holder,
            ok("nft-s1", "every morning", None),
            400,
            "invalid_request",
            "Required: nftId, nlExpression, prompt",
        ),
        (
            &w.holder,
            ok("bad id!", "every morning", Some("p")),
            400,
            "invalid_request",
            "Invalid nftId format",
        ),
        (
            &w.holder,
            ok("nft-s1", "sometimes", Some("p")),
            400,
            "parse_error",
            "Could not parse schedule expression: \"sometimes\"",
        ),
    ];
    for (bearer, body, status, error, message) in cases {
        let (got, answer) = create(&w, bearer, body.clone()).await;
        assert_eq!(
            (got, answer["error"].as_str(), answer["message"].as_str()),
            (status, Some(error), Some(message)),
            "{body}"
        );
    }
    let (status, body) = create(&w, "dxk_finn", ok("nft-s1", "every morning", Some("p"))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Wallet required"))
    );
    assert_eq!(
        w.finn.calls("cron.register"),
        0,
        "nothing refused reached Finn"
    );
    w.app.stop().await;
}

#[tokio::test]
async fn a_dnft_holds_at_most_fifty_schedules_and_finn_failures_leave_them_pending() {
    let w = world().await;
    w.finn.set_mode("cron.register", Mode::Status(503));
    let body = json!({"nftId": "nft-s1", "nlExpression": "every 2 hours", "prompt": "p"});
    let (status, first) = create(&w, &w.holder, body.clone()).await;
    assert_eq!(status, 201);
    assert_eq!(first["needsConfirmation"], true);
    assert_eq!(first["schedule"]["status"], "pending");
    w.finn.set_mode("cron.register", Mode::Normal);
    for _ in 1..50 {
        assert_eq!(create(&w, &w.holder, body.clone()).await.0, 201);
    }
    let (status, answer) = create(&w, &w.holder, body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("limit_exceeded"))
    );
    w.app.stop().await;
}

#[tokio::test]
async fn signed_fresh_callbacks_fire_schedules_and_nothing_else_does() {
    let w = world().await;
    let (_, created) = create(
        &w,
        &w.holder,
        json!({"nftId": "nft-s1", "nlExpression": "every 15 minutes", "prompt": "p", "maxFires": 2}),
    )
    .await;
    let id = created["schedule"]["id"].as_str().unwrap().to_owned();

    let (status, execution) = fire(&w, &id).await;
    assert_eq!(status, 200, "{execution}");
    assert_eq!(execution["status"], "success");
    assert_eq!(execution["messageId"], "msg-1");

    let ts = now().to_string();
    let good = callback_signature(SECRET.as_bytes(), &id, &ts);
    let stale = (now() - 400).to_string();
    let stale_sig = callback_signature(SECRET.as_bytes(), &id, &stale);
    let refusals = [
        (ts.clone(), None, "Missing callback signature"),
        (
            ts.clone(),
            Some(good.to_uppercase()),
            "Invalid callback signature",
        ),
        (
            ts.clone(),
            Some(callback_signature(b"another secret", &id, &ts)),
            "Invalid callback signature",
        ),
        (stale, Some(stale_sig), "Stale callback timestamp"),
    ];
    for (timestamp, signature, message) in refusals {
        let (status, body) = callback(&w, &id, &timestamp, signature).await;
        assert_eq!(
            (status, body["error"].as_str(), body["message"].as_str()),
            (401, Some("unauthorized"), Some(message))
        );
    }
    let resp = w
        .app
        .http
        .post(w.app.url("/api/schedule/callback"))
        .header("x-callback-timestamp", &ts)
        .header("x-callback-signature", &good)
        .json(&json!({"scheduleId": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the callback passes the allowlist too");
    let (status, body) = w
        .app
        .call(
            reqwest::Method::POST,
            "/api/schedule/callback",
            "dxk_finn",
            Some(json!({"messageId": "m"})),
        )
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Required: scheduleId"))
    );

    let (_, second) = fire(&w, &id).await;
    assert_eq!(second["status"], "success");
    let (_, third) = fire(&w, &id).await;
    assert_eq!(third["status"], "skipped", "completed at maxFires");
    let (_, unknown) = fire(&w, "sched-unknown").await;
    assert_eq!(unknown["status"], "skipped");

    let (status, list) = list_schedules(&w, &w.holder).await;
    assert_eq!(status, 200);
    assert_eq!(list["schedules"][0]["status"], "completed");
    assert_eq!(list["schedules"][0]["fireCount"], 2);
    let path = format!("/api/schedule/{id}/history");
    let (status, history) = w
        .app
        .call(reqwest::Method::GET, &path, &w.holder, None)
        .await;
    assert_eq!((status, history["count"].as_u64()), (200, Some(3)));
    let statuses: Vec<&str> = history["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["success", "success", "skipped"]);
    w.app.stop().await;
}

#[tokio::test]
async fn only_the_creator_cancels_and_only_holders_read() {
    let w = world().await;
    let (_, created) = create(
        &w,
        &w.holder,
        json!({"nftId": "nft-s1", "nlExpression": "weekly on friday", "prompt": "p", "name": "digest"}),
    )
    .await;
    let id = created["schedule"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["schedule"]["name"], "digest");
    let path = format!("/api/schedule/{id}");
    let history = format!("/api/schedule/{id}/history");
    let del = reqwest::Method::DELETE;
    let get = reqwest::Method::GET;

    let (status, body) = w.app.call(del.clone(), &path, &w.stranger, None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Schedule not found or not owned by this wallet"))
    );
    let (status, body) = w.app.call(get.clone(), &history, &w.stranger, None).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, _) = list_schedules(&w, &w.stranger).await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .call(get, "/api/schedule/sched-nope/history", &w.holder, None)
        .await;
    assert_eq!(status, 404);

    let (status, body) = w.app.call(del.clone(), &path, &w.holder, None).await;
    assert_eq!(
        (status, body),
        (200, json!({"status": "cancelled", "scheduleId": id}))
    );
    assert_eq!(w.finn.received("cron.cancel").unwrap().body, b"cron-1");
    let (_, list) = list_schedules(&w, &w.holder).await;
    assert_eq!(list["schedules"][0]["status"], "cancelled");
    let (_, fired) = fire(&w, &id).await;
    assert_eq!(fired["status"], "skipped");

    w.finn.set_mode("cron.cancel", Mode::Status(500));
    let (status, _) = w.app.call(del, &path, &w.holder, None).await;
    assert_eq!(status, 200, "cancelling again is harmless");
    w.app.stop().await;
}

#[tokio::test]
async fn a_signed_callback_counts_once_however_often_it_is_replayed() {
    let w = world().await;
    let (_, created) = create(
        &w,
        &w.holder,
        json!({"nftId": "nft-s1", "nlExpression": "every 15 minutes", "prompt": "p", "maxFires": 3}),
    )
    .await;
    let id = created["schedule"]["id"].as_str().unwrap().to_owned();
    let ts = now().to_string();
    let sig = callback_signature(SECRET.as_bytes(), &id, &ts);
    let (status, first) = callback(&w, &id, &ts, Some(sig.clone())).await;
    assert_eq!((status, first["status"].as_str()), (200, Some("success")));
    for _ in 0..2 {
        let (status, body) = callback(&w, &id, &ts, Some(sig.clone())).await;
        assert_eq!(
            (status, body["error"].as_str(), body["message"].as_str()),
            (
                401,
                Some("unauthorized"),
                Some("Callback signature already used")
            )
        );
    }
    let (status, list) = list_schedules(&w, &w.holder).await;
    assert_eq!(status, 200);
    assert_eq!(list["schedules"][0]["fireCount"], 1);
    assert_eq!(list["schedules"][0]["status"], "active");
}
