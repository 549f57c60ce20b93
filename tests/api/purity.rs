//! `src/core/` is pure: it names no framework, driver, HTTP client or other layer.

use std::path::Path;

const FORBIDDEN_CRATES: &[&str] = &[
    "poem",
    "poem_openapi",
    "diesel",
    "diesel_async",
    "bb8",
    "tokio_postgres",
    "reqwest",
    "tokio",
];
const FORBIDDEN_PATHS: &[&str] = &["crate::http", "crate::adapters", "crate::wiring"];

/// Returns the forbidden names used in `source`.
fn violations(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for path in FORBIDDEN_PATHS {
        if source.contains(path) {
            found.push((*path).to_owned());
        }
    }
    for token in source.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if FORBIDDEN_CRATES.contains(&token) {
            found.push(token.to_owned());
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_names_no_outside_crate_or_layer() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"),
        &mut files,
    );
    assert!(files.len() >= 5, "core sources not found");
    let mut report = Vec::new();
    for file in files {
        let found = violations(&std::fs::read_to_string(&file).unwrap());
        if !found.is_empty() {
            report.push(format!("{}: {}", file.display(), found.join(", ")));
        }
    }
    assert!(report.is_empty(), "impure core:\n{}", report.join("\n"));
}

#[test]
fn the_checker_catches_each_kind_of_violation() {
    assert_eq!(violations("use poem::Route;"), ["poem"]);
    assert_eq!(violations("let c = reqwest::Client::new();"), ["reqwest"]);
    assert_eq!(
        violations("use crate::adapters::memory;"),
        ["crate::adapters"]
    );
    assert_eq!(violations("diesel_async::RunQueryDsl"), ["diesel_async"]);
    assert!(violations("let poems = 1; // poetry").is_empty());
}
