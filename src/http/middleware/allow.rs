//! A 405 answer names the methods the route does allow (`Allow`, RFC 9110 §15.5.6), taken from
//! the generated OpenAPI document, so the header can never drift from the routes.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, Middleware, Request, Response, Result};

/// Each path template's segments (`None` for a `{parameter}`) and its `Allow` value.
#[derive(Debug, Default)]
pub struct AllowTable(Vec<(Vec<Option<String>>, HeaderValue)>);

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
                let value = HeaderValue::from_str(&allowed.join(", ")).ok()?;
                let segments = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                Some((segments, value))
            })
            .collect();
        AllowTable(rows)
    }

    /// The `Allow` value of the route `path` belongs to.
    pub fn lookup(&self, path: &str) -> Option<&HeaderValue> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
            })
            .map(|(_, value)| value)
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
    }
}
