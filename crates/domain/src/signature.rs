//! Canonical content hashing: what a signature says was signed.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::DomainError;

/// A lowercase hex SHA-256 of canonical JSON content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentHash(String);

impl ContentHash {
    /// Accepts 64 hex digits in either case; stored lowercase so equal hashes compare equal.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        if input.len() != 64 || !input.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(DomainError::invalid(
                "content hash",
                "must be 64 hexadecimal digits",
            ));
        }
        Ok(Self(input.to_ascii_lowercase()))
    }

    /// The hash as 64 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ContentHash {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ContentHash> for String {
    fn from(value: ContentHash) -> Self {
        value.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// JSON with object keys sorted (by UTF-8 bytes) at every depth and no whitespace, so the
/// same content always gives the same text whatever order it was built in.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The SHA-256 of `content`'s canonical JSON: what a party signs.
pub fn content_hash<T: Serialize>(content: &T) -> Result<ContentHash, DomainError> {
    let value = serde_json::to_value(content).map_err(|e| DomainError::Hash(e.to_string()))?;
    let digest = Sha256::digest(canonical_json(&value).as_bytes());
    Ok(ContentHash(hex::encode(digest)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_without_whitespace() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": true, "x": null}], "c": "é\"q"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"é\"q","z":[3,{"x":null,"y":true}]},"b":1}"#
        );
    }

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a: Value = serde_json::from_str(r#"{"one": 1, "two": {"x": 1, "y": 2}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"two": {"y": 2, "x": 1}, "one": 1}"#).unwrap();
        assert_eq!(content_hash(&a).unwrap(), content_hash(&b).unwrap());
    }

    #[test]
    fn any_field_change_changes_the_hash() {
        let base = json!({"decision": "refer", "reasons": ["risk"], "n": 1});
        let changed = [
            json!({"decision": "refer ", "reasons": ["risk"], "n": 1}),
            json!({"decision": "refer", "reasons": ["risk", "x"], "n": 1}),
            json!({"decision": "refer", "reasons": ["risk"], "n": 2}),
            json!({"decision": "refer", "reasons": ["risk"], "n": 1.0}),
            json!({"decision": "refer", "reasons": ["risk"]}),
        ];
        let h = content_hash(&base).unwrap();
        for c in changed {
            assert_ne!(content_hash(&c).unwrap(), h, "{c}");
        }
    }

    #[test]
    fn hash_is_lowercase_hex_sha256_of_the_canonical_text() {
        let h = content_hash(&json!({})).unwrap();
        // SHA-256 of "{}".
        assert_eq!(
            h.as_str(),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn content_hash_parses_64_hex_digits_in_either_case() {
        let upper = "44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A";
        assert_eq!(
            ContentHash::parse(upper).unwrap(),
            content_hash(&json!({})).unwrap()
        );
        assert!(ContentHash::parse("abc").is_err());
        assert!(ContentHash::parse(&"g".repeat(64)).is_err());
        assert!(serde_json::from_str::<ContentHash>("\"00\"").is_err());
    }

    #[test]
    fn a_value_that_is_not_json_cannot_be_hashed() {
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), "tuple keys are not JSON");
        assert!(matches!(content_hash(&map), Err(DomainError::Hash(_))));
    }

    proptest! {
        #[test]
        fn canonical_json_is_valid_json_of_the_same_value(
            pairs in proptest::collection::vec(("[a-z]{1,5}", any::<i64>(), "\\PC{0,8}"), 0..8)
        ) {
            let mut map = serde_json::Map::new();
            for (k, n, s) in pairs {
                map.insert(k, json!({"n": n, "s": s}));
            }
            let v = Value::Object(map);
            let text = canonical_json(&v);
            prop_assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
            prop_assert_eq!(canonical_json(&serde_json::from_str::<Value>(&text).unwrap()), text);
        }
    }
}
