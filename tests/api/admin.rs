//! `/api/admin/allowlist*`: the admin key, edits that persist atomically and take effect at
//! once, and reloads when the file changes underneath.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app};

const ADMIN: &str = "admin-key-for-allowlist-tests";

fn fresh_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dixie-admin-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    dir.join("nested").join(name)
}

async fn admin(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.http.request(method, app.url(path));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn the_admin_key_guards_every_route() {
    let unconfigured = spawn_app(&[]).await;
    let resp = admin(
        &unconfigured,
        reqwest::Method::GET,
        "/api/admin/allowlist",
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["message"],
        "Admin API not configured"
    );
    unconfigured.stop().await;

    let path = fresh_path("allowlist.json");
    let app = spawn_app(&[
        ("DIXIE_ADMIN_KEY", ADMIN),
        ("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap()),
    ])
    .await;
    let get = |auth: Option<&'static str>| {
        admin(
            &app,
            reqwest::Method::GET,
            "/api/admin/allowlist",
            auth,
            None,
        )
    };
    let resp = get(None).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": "unauthorized", "message": "Admin key required"})
    );
    let resp = get(Some("Bearer wrong")).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["message"],
        "Invalid admin key"
    );
    assert_eq!(
        get(Some("Bearer admin-key-for-allowlist-tests"))
            .await
            .status(),
        200
    );
    let resp = get(Some(ADMIN)).await;
    assert_eq!(resp.status(), 200, "the bare key works too");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["wallets"], json!([]));
    assert_eq!(body["apiKeys"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn edits_persist_atomically_and_take_effect_at_once() {
    let path = fresh_path("allowlist.json");
    let app = spawn_app(&[
        ("DIXIE_ADMIN_KEY", ADMIN),
        ("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap()),
    ])
    .await;
    let listed = Wallet::new(51);
    let other = Wallet::new(52);
    assert_eq!(app.sign_in(&other).await.status(), 200, "no file: open");

    let post = |body: Value| {
        admin(
            &app,
            reqwest::Method::POST,
            "/api/admin/allowlist",
            Some(ADMIN),
            Some(body),
        )
    };
    let resp = post(json!({"type": "wallet", "value": listed.address.to_lowercase()})).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["data"]["wallets"], json!([listed.address]));

    let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(stored["wallets"], json!([listed.address]));
    assert!(
        !path.with_extension("json.tmp").exists(),
        "no temporary file left"
    );
    assert_eq!(app.sign_in(&listed).await.status(), 200);
    assert_eq!(
        app.sign_in(&other).await.status(),
        403,
        "the first entry turned the allowlist on"
    );

    let resp = post(json!({"type": "wallet", "value": "0x1234"})).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_address"
    );
    for bad in [
        json!({"type": "apiKey", "value": "no_prefix_key"}),
        json!({"type": "group", "value": "x"}),
        json!({"value": "x"}),
    ] {
        let resp = post(bad.clone()).await;
        assert_eq!(resp.status(), 400, "{bad}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"],
            "invalid_request"
        );
    }

    // Concurrent edits lose nothing.
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (client, url) = (app.http.clone(), app.url("/api/admin/allowlist"));
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("authorization", ADMIN)
                    .json(&json!({"type": "apiKey", "value": format!("dxk_service_{i:02}")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(stored["apiKeys"].as_array().unwrap().len(), 12);

    let delete = |entry: String| {
        let path = format!("/api/admin/allowlist/{entry}");
        let app = &app;
        async move { admin(app, reqwest::Method::DELETE, &path, Some(ADMIN), None).await }
    };
    assert_eq!(
        delete(listed.address.to_uppercase().replace("0X", "0x"))
            .await
            .status(),
        200
    );
    assert_eq!(app.sign_in(&listed).await.status(), 403);
    let resp = delete("dxk_absent".into()).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": "not_found", "message": "Entry not found in allowlist"})
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_write_changes_nothing() {
    // Absent (so the allowlist is open) and impossible to create.
    let path = std::path::PathBuf::from(format!(
        "/proc/dixie-{}/allowlist.json",
        uuid::Uuid::new_v4().simple()
    ));
    let app = spawn_app(&[
        ("DIXIE_ADMIN_KEY", ADMIN),
        ("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap()),
    ])
    .await;
    let resp = admin(
        &app,
        reqwest::Method::POST,
        "/api/admin/allowlist",
        Some(ADMIN),
        Some(json!({"type": "apiKey", "value": "dxk_never_stored"})),
    )
    .await;
    assert_eq!(resp.status(), 500);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "internal_error", "message": "Internal server error"})
    );
    let now: Value = admin(
        &app,
        reqwest::Method::GET,
        "/api/admin/allowlist",
        Some(ADMIN),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(now["apiKeys"], json!([]));
    assert_eq!(
        app.sign_in(&Wallet::new(53)).await.status(),
        200,
        "still open"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_changed_file_is_reloaded_without_a_restart() {
    let path = fresh_path("allowlist.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let first = Wallet::new(54);
    let second = Wallet::new(55);
    let write = |wallets: Vec<&str>| {
        std::fs::write(
            &path,
            json!({"version": 1, "wallets": wallets, "apiKeys": [], "updated_at": "x"}).to_string(),
        )
        .unwrap()
    };
    write(vec![&first.address]);
    let app = spawn_app(&[("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap())]).await;
    assert_eq!(app.sign_in(&second).await.status(), 403);
    write(vec![&first.address, &second.address]);
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        if app.sign_in(&second).await.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the edit was not picked up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    std::fs::write(&path, "{ half written").unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        app.sign_in(&first).await.status(),
        200,
        "a broken file keeps the list in force"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_files_access_policy_is_shown_typed() {
    let path = fresh_path("allowlist.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let policy = json!({"type": "role_based", "roles": ["team"], "audit_required": true,
                        "revocable": false});
    let mut stored = policy.clone();
    stored["note"] = json!("not part of a policy");
    std::fs::write(
        &path,
        json!({"version": 3, "wallets": [], "apiKeys": [], "updated_at": "x", "policy": stored})
            .to_string(),
    )
    .unwrap();
    let app = spawn_app(&[
        ("DIXIE_ALLOWLIST_PATH", path.to_str().unwrap()),
        ("DIXIE_ADMIN_KEY", ADMIN),
    ])
    .await;
    let got = admin(
        &app,
        reqwest::Method::GET,
        "/api/admin/allowlist",
        Some(&format!("Bearer {ADMIN}")),
        None,
    )
    .await;
    assert_eq!(got.status(), 200);
    let body: Value = got.json().await.unwrap();
    assert_eq!(body["policy"], policy, "the policy's own fields, typed");
    app.stop().await;
}
