//! The published OpenAPI document: poem-openapi's output, finished with the rules it cannot
//! express. Served as `/openapi.json`, `/openapi.yaml` and in Swagger UI, and committed under
//! `openapi/`. Each step says why it is not in the types:
//!
//! - media types without parameters (`application/json`): poem-openapi's `Json` payload
//!   hard-codes `application/json; charset=utf-8` as its documented media type, which generated
//!   clients treat as a different, non-JSON type (openapi-fetch's body helpers become `never`);
//!   `/metrics` names its OpenMetrics version the same way. The wire keeps the parameters; only
//!   the document's key changes.
//! - responses the middleware and router give, not the handlers: 405 (with `Allow`) and 500
//!   (a caught panic) on every operation, 408, 413 and 415 on every operation with a body,
//!   429 (with `Retry-After`) and the `X-RateLimit-*` headers on every rate-limited one.
//!   poem-openapi has no hook for a middleware to declare responses.
//! - `security: []` on public operations (see `public_is_empty_security`).
//! - `additionalProperties: false` on the objects that refuse unknown fields: poem-openapi's
//!   schema model can only give `additionalProperties` a schema, never `false`.

use serde_json::{Map, Value, json};

use crate::http::middleware::allow::METHODS;
use crate::http::middleware::is_rate_limited;

/// Schemas of the request objects declared `deny_unknown_fields` (an unknown field is a 400).
pub(crate) const CLOSED: [&str; 14] = [
    "BudgetChange",
    "CapabilitiesChange",
    "ChatRequest",
    "CreateSchedule",
    "CredentialUpdateEvent",
    "LoginRequest",
    "NewEntry",
    "PermissionsChange",
    "QualitySignalEvent",
    "RecordEventRequest",
    "SealAccessPolicyDto",
    "SealRequest",
    "SealingPolicyDto",
    "TaskCompletedEvent",
];

const JSON: &str = "application/json";

/// The finished document (pretty JSON) from poem-openapi's JSON output.
pub fn finish(raw: &str) -> String {
    let mut doc: Value = match serde_json::from_str(raw) {
        Ok(doc) => doc,
        // poem-openapi's own output always parses; if it ever did not, publish it untouched.
        Err(_) => return raw.to_owned(),
    };
    plain_media_types(&mut doc);
    components(&mut doc);
    framework_responses(&mut doc);
    close_objects(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| raw.to_owned())
}

/// A finished document (from [`finish`]) as YAML.
pub fn to_yaml(finished: &str) -> String {
    serde_json::from_str::<Value>(finished)
        .ok()
        .and_then(|doc| serde_yaml::to_string(&doc).ok())
        .unwrap_or_else(|| finished.to_owned())
}

fn plain_media_types(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(content)) = map.get_mut("content") {
                let keys: Vec<String> = content
                    .keys()
                    .filter(|k| k.contains(';'))
                    .cloned()
                    .collect();
                for key in keys {
                    let plain = key.split(';').next().unwrap_or(&key).trim().to_owned();
                    if let Some(media) = content.shift_remove(&key) {
                        content.insert(plain, media);
                    }
                }
            }
            map.values_mut().for_each(plain_media_types);
        }
        Value::Array(items) => items.iter_mut().for_each(plain_media_types),
        _ => {}
    }
}

fn error_response(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { JSON: { "schema": { "$ref": format!("#/components/schemas/{schema}") } } },
    })
}

fn integer_header(description: &str) -> Value {
    json!({ "description": description, "required": true, "schema": { "type": "integer", "minimum": 0 } })
}

/// The shared responses and headers the operations refer to.
fn components(doc: &mut Value) {
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    let mut not_allowed = error_response(
        "The path exists but not with this method (`method_not_allowed`)",
        "ErrorBody",
    );
    not_allowed["headers"] = json!({ "Allow": { "$ref": "#/components/headers/Allow" } });
    let mut limited = error_response(
        "Too many requests: Dixie's limit for this identity, or Finn's (`rate_limited`, with `retry_after`)",
        "ErrorBody",
    );
    limited["headers"] = json!({ "Retry-After": { "$ref": "#/components/headers/RetryAfter" } });
    components.insert(
        "responses".to_owned(),
        json!({
            "MethodNotAllowed": not_allowed,
            "PayloadTooLarge": error_response(
                "The body exceeds the size limit (`payload_too_large`)",
                "ErrorBody",
            ),
            "RequestTimeout": error_response(
                "The body did not arrive in time (`request_timeout`)",
                "ErrorBody",
            ),
            "UnsupportedMediaType": error_response(
                "The body is not `application/json` (`unsupported_media_type`)",
                "ErrorBody",
            ),
            "RateLimited": limited,
            "InternalError": error_response(
                "Unexpected failure (`internal_error`; detail only in the log)",
                "ErrorBody",
            ),
        }),
    );
    components.insert(
        "headers".to_owned(),
        json!({
            "Allow": {
                "description": "The methods the path does allow",
                "required": true,
                "schema": { "type": "string" },
            },
            "RetryAfter": {
                "description": "Seconds until a retry can succeed (with the body's `retry_after`)",
                "schema": { "type": "integer", "minimum": 0 },
            },
            "RateLimitLimit": integer_header("Requests allowed per minute for this identity"),
            "RateLimitRemaining": integer_header("Requests left in the current minute"),
        }),
    );
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn framework_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, ops) in paths.iter_mut() {
        let limited = is_rate_limited(path);
        let Some(ops) = ops.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            public_is_empty_security(op);
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            responses.insert("405".to_owned(), response_ref("MethodNotAllowed"));
            // A panic anywhere is caught and answered as a 500.
            responses
                .entry("500")
                .or_insert_with(|| response_ref("InternalError"));
            if has_body {
                responses.insert("408".to_owned(), response_ref("RequestTimeout"));
                responses.insert("413".to_owned(), response_ref("PayloadTooLarge"));
                responses.insert("415".to_owned(), response_ref("UnsupportedMediaType"));
            }
            if limited {
                rate_limited(responses);
            }
            sort_statuses(responses);
        }
    }
}

/// poem-openapi's security extractors can only add requirement objects, and a fallback variant
/// (the handler answers a missing credential itself) always adds `{}`, "no credentials". So the
/// public marker comes out as `[{}]`, published as `[]`; and next to a scheme on an operation
/// that answers 401, `{}` is false (the credential is required) and is dropped.
fn public_is_empty_security(op: &mut Value) {
    let answers_401 = op.pointer("/responses/401").is_some();
    let Some(Value::Array(security)) = op.get_mut("security") else {
        return;
    };
    if security.len() > 1 && answers_401 {
        security.retain(|requirement| requirement != &json!({}));
    } else if security.as_slice() == [json!({})] {
        security.clear();
    }
}

/// 429 (the shared response, or the operation's own) with `Retry-After`; successes tell the
/// remaining quota.
fn rate_limited(responses: &mut Map<String, Value>) {
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2')
            && let Some(response) = response.as_object_mut()
        {
            let headers = response.entry("headers").or_insert_with(|| json!({}));
            headers["X-RateLimit-Limit"] = json!({ "$ref": "#/components/headers/RateLimitLimit" });
            headers["X-RateLimit-Remaining"] =
                json!({ "$ref": "#/components/headers/RateLimitRemaining" });
        }
    }
    // An operation's own 429 (a limit of its own) keeps its description.
    match responses.get_mut("429") {
        Some(own) => {
            own["headers"] = json!({ "Retry-After": { "$ref": "#/components/headers/RetryAfter" } })
        }
        None => {
            responses.insert("429".to_owned(), response_ref("RateLimited"));
        }
    }
}

fn sort_statuses(responses: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(entries);
}

fn close_objects(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for name in CLOSED {
        if let Some(Value::Object(schema)) = schemas.get_mut(name) {
            schema.insert("additionalProperties".to_owned(), Value::Bool(false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished() -> Value {
        serde_json::from_str(&crate::wiring::openapi_spec(false)).unwrap_or(Value::Null)
    }

    #[test]
    fn every_closed_schema_exists_and_every_closed_struct_is_listed() {
        let doc = finished();
        for name in CLOSED {
            assert_eq!(
                doc.pointer(&format!("/components/schemas/{name}/additionalProperties")),
                Some(&Value::Bool(false)),
                "{name} is not a schema of the document"
            );
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/api");
        let declared: usize = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name() != "document.rs")
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|src| {
                src.matches("#[oai(deny_unknown_fields").count()
                    + src.matches(", deny_unknown_fields)]").count()
            })
            .sum();
        assert_eq!(
            declared,
            CLOSED.len(),
            "a deny_unknown_fields object is missing from CLOSED"
        );
    }

    #[test]
    fn no_media_type_keeps_its_parameters() {
        let spec = crate::wiring::openapi_spec(false);
        assert!(!spec.contains("charset") && !spec.contains("version=1.0.0"));
        assert!(spec.contains("\"application/openmetrics-text\""));
    }

    #[test]
    fn rate_limited_operations_declare_429_and_exempt_ones_do_not() {
        let doc = finished();
        let nonce = &doc["paths"]["/api/auth/nonce"]["post"]["responses"];
        assert_eq!(nonce["429"]["$ref"], "#/components/responses/RateLimited");
        assert_eq!(
            doc["components"]["responses"]["RateLimited"]["content"][JSON]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        assert!(nonce["200"]["headers"]["X-RateLimit-Remaining"].is_object());
        let health = &doc["paths"]["/api/health"]["get"]["responses"];
        assert!(health["429"].is_null());
        assert_eq!(
            health["405"]["$ref"],
            "#/components/responses/MethodNotAllowed"
        );
        assert_eq!(doc["paths"]["/api/health"]["get"]["security"], json!([]));
        assert_eq!(
            doc["paths"]["/api/admin/allowlist"]["get"]["security"],
            json!([{ "AdminKey": [] }])
        );
        let siwe = &doc["paths"]["/api/auth/siwe"]["post"]["responses"];
        assert!(siwe["413"].is_object() && siwe["415"].is_object());
        assert!(nonce["415"].is_null(), "no body, no 415");
    }
}
