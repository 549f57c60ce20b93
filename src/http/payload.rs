//! [`PreEncoded`]: a JSON body serialized once and served many times, documented in the spec
//! with the schema of the type it was encoded from.

use std::marker::PhantomData;

use bytes::Bytes;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;

const JSON: &str = "application/json; charset=utf-8";

pub struct PreEncoded<T> {
    bytes: Bytes,
    _schema: PhantomData<fn() -> T>,
}

impl<T> Clone for PreEncoded<T> {
    fn clone(&self) -> Self {
        PreEncoded {
            bytes: self.bytes.clone(),
            _schema: PhantomData,
        }
    }
}

impl<T> PreEncoded<T> {
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Bytes that already are the JSON encoding of a `T` (kept by a cache).
    pub fn from_bytes(bytes: Bytes) -> Self {
        PreEncoded {
            bytes,
            _schema: PhantomData,
        }
    }
}

impl<T: serde::Serialize> PreEncoded<T> {
    /// Serializes `value`. For the plain data types used here serialization cannot fail; if it
    /// ever did, the failure is logged and the body is `null` rather than a panic.
    pub fn encode(value: &T) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_else(|err| {
            tracing::error!(event = "encode_failed", detail = %err);
            b"null".to_vec()
        });
        PreEncoded {
            bytes: Bytes::from(bytes),
            _schema: PhantomData,
        }
    }
}

impl<T: Type> Payload for PreEncoded<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> IntoResponse for PreEncoded<T> {
    fn into_response(self) -> Response {
        Response::builder().content_type(JSON).body(self.bytes)
    }
}

impl<T: Type> ApiResponse for PreEncoded<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: JSON,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}
