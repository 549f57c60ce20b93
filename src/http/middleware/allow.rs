//! The route templates, taken from the generated OpenAPI document so that they can never drift
//! from the routes: a 405 answer names the methods the route does allow (`Allow`, RFC 9110
//! §15.5.6), and metrics label requests by template.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, Middleware, Request, Response, Result};

/// Each path template's segments (`None` for a `{parameter}`), its `Allow` value and its
/// label (`/api/schedule/:id`: braces would need escaping in every metrics consumer).
#[derive(Debug, Default)]
pub struct AllowTable(Vec<Row>);

#[derive(Debug)]
struct Row {
    segments: Vec<Option<String>>,
    allow: HeaderValue,
    template: Arc<String>,
}

impl Row {
    fn new(template: &str, allowed: &[String]) -> Option<Row> {
        Some(Row {
            segments: template
                .trim_start_matches('/')
                .split('/')
                .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                .collect(),
            allow: HeaderValue::from_str(&allowed.join(", ")).ok()?,
            template: Arc::new(template.replace('{', ":").replace('}', "")),
        })
    }
}

/// The operation keys of an OpenAPI path item.
pub(crate) const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

impl AllowTable {
    /// Reads the `paths` of an OpenAPI JSON document; `GET` routes also answer `HEAD`.
    pub fn from_spec(spec: &str) -> Self {
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(spec) else {
            return AllowTable::default();
        };
        let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) else {
            return AllowTable::default();
        };
        let rows = paths
            .iter()
            .filter_map(|(template, ops)| {
                let ops = ops.as_object()?;
                let mut allowed: Vec<String> = METHODS
                    .iter()
                    .filter(|m| ops.contains_key(**m))
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                if ops.contains_key("get") && !ops.contains_key("head") {
                    allowed.push("HEAD".to_owned());
                }
                Row::new(template, &allowed)
            })
            .collect();
        AllowTable(rows)
    }

    /// Adds a `GET` route the document does not describe (the chat stream, the document
    /// itself, Swagger UI).
    pub fn with_get(mut self, template: &str) -> Self {
        self.0
            .extend(Row::new(template, &["GET".to_owned(), "HEAD".to_owned()]));
        self
    }

    /// The index of the route `path` belongs to.
    pub fn index(&self, path: &str) -> Option<usize> {
        let path = path.trim_start_matches('/');
        let count = path.split('/').count();
        self.0.iter().position(|row| {
            row.segments.len() == count
                && row
                    .segments
                    .iter()
                    .zip(path.split('/'))
                    .all(|(want, got)| want.as_deref().is_none_or(|w| w == got))
        })
    }

    /// The `Allow` value of the route `path` belongs to.
    pub fn lookup(&self, path: &str) -> Option<&HeaderValue> {
        self.index(path).map(|i| &self.0[i].allow)
    }

    /// Every route's label (`/api/schedule/:id`), in index order.
    pub fn templates(&self) -> Vec<Arc<String>> {
        self.0.iter().map(|row| row.template.clone()).collect()
    }
}

pub struct AllowOn405(pub Arc<AllowTable>);

impl<E: Endpoint> Middleware<E> for AllowOn405 {
    type Output = AllowOn405Endpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AllowOn405Endpoint {
            inner: ep,
            table: self.0.clone(),
        }
    }
}

pub struct AllowOn405Endpoint<E> {
    inner: E,
    table: Arc<AllowTable>,
}

impl<E: Endpoint> Endpoint for AllowOn405Endpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Response> {
        let path = req.uri().path().to_owned();
        let mut resp = self.inner.get_response(req).await;
        if resp.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(allow) = self.table.lookup(&path)
        {
            resp.headers_mut().insert(header::ALLOW, allow.clone());
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segment_by_segment() {
        let table = AllowTable::from_spec(
            r#"{"paths": {"/api/health": {"get": {}}, "/api/schedule/{id}": {"get": {}, "delete": {}}}}"#,
        );
        assert_eq!(table.lookup("/api/health").unwrap(), "GET, HEAD");
        assert_eq!(
            table.lookup("/api/schedule/s-1").unwrap(),
            "GET, DELETE, HEAD"
        );
        assert!(table.lookup("/api/schedule").is_none());
        assert!(table.lookup("/api/schedule/s-1/history").is_none());
        assert_eq!(
            table
                .index("/api/schedule/s-1")
                .map(|i| table.templates()[i].to_string())
                .as_deref(),
            Some("/api/schedule/:id")
        );
        let table = table.with_get("/ws/chat/{sessionId}");
        assert_eq!(
            table
                .index("/ws/chat/abc")
                .map(|i| table.templates()[i].to_string())
                .as_deref(),
            Some("/ws/chat/:sessionId")
        );
        assert_eq!(table.lookup("/ws/chat/abc").unwrap(), "GET, HEAD");
    }
}
