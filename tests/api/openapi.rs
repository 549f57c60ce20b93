//! The committed spec must be what the code generates (`make openapi` rewrites it), and pass
//! Redocly's recommended ruleset with no error.

use crate::support::spawn_app;

fn committed(name: &str) -> String {
    let path = format!("{}/openapi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}; run `make openapi`"))
}

#[test]
fn committed_json_spec_matches_the_code() {
    assert!(
        committed("openapi.json") == dixie::wiring::openapi_spec(false),
        "openapi/openapi.json is stale: run `make openapi` and review the diff"
    );
}

#[test]
fn committed_yaml_spec_matches_the_code() {
    assert!(
        committed("openapi.yaml") == dixie::wiring::openapi_spec(true),
        "openapi/openapi.yaml is stale: run `make openapi` and review the diff"
    );
}

#[tokio::test]
async fn served_spec_is_the_committed_one_and_docs_render() {
    let app = spawn_app(&[]).await;
    let served: serde_json::Value = app.get("/openapi.json").await.json().await.unwrap();
    let committed: serde_json::Value = serde_json::from_str(&committed("openapi.json")).unwrap();
    assert!(
        served == committed,
        "served spec differs from openapi/openapi.json"
    );

    let docs = app.get("/docs").await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI page expected");
    assert!(
        html.contains("#/components/responses/MethodNotAllowed"),
        "Swagger UI shows the finished document"
    );
    assert_eq!(app.get("/openapi.yaml").await.status(), 200);
    app.stop().await;
}

fn redocly_lint(path: &std::path::Path) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scripts/lint-openapi.sh");
    std::process::Command::new("bash")
        .arg(script)
        .arg(path)
        .output()
        .expect("the linter runs")
}

#[test]
fn the_spec_passes_redoclys_recommended_rules_and_a_broken_one_does_not() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let out = redocly_lint(&path);
    assert!(
        out.status.success(),
        "Redocly (recommended) found errors:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The same document without `servers` and with a public operation's `security` removed.
    let mut spec: serde_json::Value = serde_json::from_str(&committed("openapi.json")).unwrap();
    spec.as_object_mut().unwrap().remove("servers");
    spec["paths"]["/api/health"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("security");
    let broken =
        std::env::temp_dir().join(format!("dixie-openapi-broken-{}.json", std::process::id()));
    std::fs::write(&broken, spec.to_string()).unwrap();
    let out = redocly_lint(&broken);
    let _ = std::fs::remove_file(&broken);
    assert!(
        !out.status.success(),
        "the linter must refuse a broken document"
    );
}

fn script(name: &str, args: &[&str]) -> std::process::Output {
    let path = format!("{}/tests/scripts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::process::Command::new("bash")
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_ran(what: &str, out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// openapi-python-client generates with no warning (`--fail-on-warning`), and its client gets a
/// 429 and a 405 from a real Dixie as typed, parsed bodies.
#[tokio::test]
async fn the_generated_python_client_parses_a_429_and_a_405() {
    let app = spawn_app(&[("DIXIE_RATE_LIMIT_RPM", "1")]).await;
    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || script("python-client.sh", &[&base]))
        .await
        .unwrap();
    app.stop().await;
    assert_ran("the generated Python client", &out);
}

/// openapi-typescript's types of the spec compile a strict openapi-fetch program, and the calls
/// it marks as wrong are refused.
#[test]
fn a_strict_typescript_program_over_the_generated_types_compiles() {
    assert_ran(
        "strict tsc over openapi-typescript types",
        &script("typescript-client.sh", &[]),
    );
}
