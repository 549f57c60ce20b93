//! [`JsonBody`]: the JSON request body of every operation, parsed strictly.
//!
//! poem-openapi's `Json` reads a JSON number or boolean where the schema says string as that
//! string, and its messages name the type, not the field. `JsonBody` first checks the value
//! against the schema the spec publishes for `T` — JSON types, required fields, string
//! lengths, bounds and enums — and refuses with the field's path
//! (`event.score: expected a number, found a string`); what it does not check (patterns,
//! unknown fields of closed objects) poem-openapi's own parse then refuses. Every refusal is a
//! 400 `invalid_request` with the JSON error body.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, OnceLock, RwLock};

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde_json::Value;

use crate::http::error::{ErrorBody, json_error};

/// A JSON request body of type `T`, type-checked field by field before it is parsed.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        <poem_openapi::payload::Json<T> as Payload>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

fn invalid(message: String) -> poem::Error {
    poem::Error::from_response(json_error(
        StatusCode::BAD_REQUEST,
        &ErrorBody::new("invalid_request", message),
    ))
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        if data.is_empty() {
            return Err(invalid("A JSON body is required".to_owned()));
        }
        let value: Value = serde_json::from_slice(&data)
            .map_err(|e| invalid(format!("The body is not valid JSON: {e}")))?;
        let registry = registry_of::<T>();
        check(&value, &T::schema_ref(), &registry, "")
            .map_err(|problem| invalid(problem.to_string()))?;
        T::parse_from_json(Some(value))
            .map(JsonBody)
            .map_err(|e| invalid(format!("Invalid body: {}", e.into_message())))
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON);

type Registries = RwLock<HashMap<&'static str, Arc<Registry>>>;

/// The schemas `T` refers to, built once per body type.
fn registry_of<T: Type>() -> Arc<Registry> {
    static REGISTRIES: OnceLock<Registries> = OnceLock::new();
    let registries = REGISTRIES.get_or_init(Registries::default);
    let key = std::any::type_name::<T>();
    if let Some(found) = registries.read().ok().and_then(|r| r.get(key).cloned()) {
        return found;
    }
    let mut registry = Registry::new();
    T::register(&mut registry);
    let registry = Arc::new(registry);
    if let Ok(mut registries) = registries.write() {
        registries.insert(key, registry.clone());
    }
    registry
}

/// Where a body breaks its schema, and how.
#[derive(Debug, PartialEq)]
struct Problem {
    path: String,
    what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "The body {}", self.what)
        } else {
            write!(f, "`{}`: {}", self.path, self.what)
        }
    }
}

fn problem(path: &str, what: impl Into<String>) -> Problem {
    Problem {
        path: path.to_owned(),
        what: what.into(),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn resolve<'r>(schema: &'r MetaSchemaRef, registry: &'r Registry) -> Option<&'r MetaSchema> {
    match schema {
        MetaSchemaRef::Inline(schema) => Some(schema),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
    }
}

fn check(
    value: &Value,
    schema: &MetaSchemaRef,
    registry: &Registry,
    path: &str,
) -> Result<(), Problem> {
    // An unknown schema is poem-openapi's to judge.
    let Some(schema) = resolve(schema, registry) else {
        return Ok(());
    };
    for part in &schema.all_of {
        check(value, part, registry, path)?;
    }
    let alternatives = if schema.one_of.is_empty() {
        &schema.any_of
    } else {
        &schema.one_of
    };
    if !alternatives.is_empty() {
        return check_alternatives(value, schema, alternatives, registry, path);
    }
    if value.is_null() && schema.nullable {
        return Ok(());
    }
    let expected = match schema.ty {
        "string" => value.as_str().map(|s| check_string(s, schema, path)),
        "integer" => (value.is_i64() || value.is_u64()).then(|| check_number(value, schema, path)),
        "number" => value.is_number().then(|| check_number(value, schema, path)),
        "boolean" => value.is_boolean().then_some(Ok(())),
        "array" => value
            .as_array()
            .map(|items| check_items(items, schema, registry, path)),
        "object" => value
            .as_object()
            .map(|fields| check_object(fields, schema, registry, path)),
        // No type: any JSON.
        _ => Some(Ok(())),
    };
    let article = match schema.ty {
        "integer" | "array" | "object" => "an",
        _ => "a",
    };
    expected.unwrap_or_else(|| {
        Err(problem(
            path,
            format!("expected {article} {}, found {}", schema.ty, kind_of(value)),
        ))
    })
}

fn check_string(text: &str, schema: &MetaSchema, path: &str) -> Result<(), Problem> {
    let chars = text.chars().count();
    if let Some(min) = schema.min_length.filter(|min| chars < *min) {
        return Err(problem(path, format!("must be at least {min} characters")));
    }
    if let Some(max) = schema.max_length.filter(|max| chars > *max) {
        return Err(problem(path, format!("must be at most {max} characters")));
    }
    if !schema.enum_items.is_empty() && !schema.enum_items.iter().any(|e| e == text) {
        let allowed: Vec<String> = schema.enum_items.iter().map(Value::to_string).collect();
        return Err(problem(
            path,
            format!("must be one of {}", allowed.join(", ")),
        ));
    }
    Ok(())
}

fn check_number(value: &Value, schema: &MetaSchema, path: &str) -> Result<(), Problem> {
    let Some(n) = value.as_f64() else {
        return Ok(());
    };
    if let Some(min) = schema.minimum.filter(|min| n < *min) {
        return Err(problem(path, format!("must be at least {min}")));
    }
    if let Some(max) = schema.maximum.filter(|max| n > *max) {
        return Err(problem(path, format!("must be at most {max}")));
    }
    Ok(())
}

fn check_items(
    items: &[Value],
    schema: &MetaSchema,
    registry: &Registry,
    path: &str,
) -> Result<(), Problem> {
    if let Some(max) = schema.max_items.filter(|max| items.len() > *max) {
        return Err(problem(path, format!("must have at most {max} items")));
    }
    if let Some(min) = schema.min_items.filter(|min| items.len() < *min) {
        return Err(problem(path, format!("must have at least {min} items")));
    }
    if let Some(item_schema) = &schema.items {
        for (i, item) in items.iter().enumerate() {
            check(item, item_schema, registry, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

fn check_object(
    fields: &serde_json::Map<String, Value>,
    schema: &MetaSchema,
    registry: &Registry,
    path: &str,
) -> Result<(), Problem> {
    for name in &schema.required {
        if fields.get(*name).is_none_or(Value::is_null) {
            return Err(problem(&join(path, name), "is required"));
        }
    }
    for (name, value) in fields {
        let declared = schema.properties.iter().find(|(n, _)| n == name);
        let field_schema = declared
            .map(|(_, s)| s)
            .or(schema.additional_properties.as_deref());
        // A null here is an optional field's (a required one was refused above): absent.
        if let Some(field_schema) = field_schema
            && !value.is_null()
        {
            check(value, field_schema, registry, &join(path, name))?;
        }
    }
    if let Some(max) = schema
        .max_properties
        .filter(|max| fields.len() > *max && schema.properties.is_empty())
    {
        return Err(problem(path, format!("must have at most {max} entries")));
    }
    Ok(())
}

/// A union: the alternative its discriminator names, else any alternative that fits.
fn check_alternatives(
    value: &Value,
    schema: &MetaSchema,
    alternatives: &[MetaSchemaRef],
    registry: &Registry,
    path: &str,
) -> Result<(), Problem> {
    if let Some(discriminator) = &schema.discriminator {
        let tag = discriminator.property_name;
        let Some(name) = value.get(tag).and_then(Value::as_str) else {
            return Err(problem(&join(path, tag), "is required"));
        };
        return match discriminator.mapping.iter().find(|(k, _)| k == name) {
            Some((_, target)) => {
                let target = target.rsplit('/').next().unwrap_or_default();
                check(
                    value,
                    &MetaSchemaRef::Reference(target.to_owned()),
                    registry,
                    path,
                )
            }
            None => {
                let known: Vec<&str> = discriminator
                    .mapping
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect();
                Err(problem(
                    &join(path, tag),
                    format!("must be one of {}", known.join(", ")),
                ))
            }
        };
    }
    let mut first = None;
    for alternative in alternatives {
        match check(value, alternative, registry, path) {
            Ok(()) => return Ok(()),
            Err(p) => {
                first.get_or_insert(p);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests;
