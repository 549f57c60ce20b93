//! The committed spec must be what the code generates (`make openapi` rewrites it).

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
    assert_eq!(app.get("/openapi.yaml").await.status(), 200);
    app.stop().await;
}
