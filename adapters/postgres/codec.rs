//! JSONB columns inside diesel transactions: a value that does not (de)serialize is a diesel
//! error, so the transaction rolls back.

use diesel::result::Error as DieselError;
use serde_json::Value;

pub(super) fn encode<T: serde::Serialize>(v: &T) -> Result<Value, DieselError> {
    serde_json::to_value(v).map_err(|e| DieselError::SerializationError(Box::new(e)))
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, DieselError> {
    serde_json::from_value(v).map_err(|e| DieselError::DeserializationError(Box::new(e)))
}
