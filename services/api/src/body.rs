//! JSON object bodies read field by field, so every mistake is answered under its field's name.

use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::problem::{ApiError, FieldProblem};

pub(crate) fn problem(field: &str, reason: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A JSON object body, read field by field: every mistake is collected under its field's name,
/// and fields the endpoint does not know are refused rather than silently ignored (a misspelt
/// `ends_on` dropped would give a role that never ends).
pub(crate) struct Body {
    pub(crate) fields: Map<String, Value>,
    pub(crate) problems: Vec<FieldProblem>,
}

impl Body {
    pub(crate) fn read(body: &[u8], known: &[&str]) -> Result<Self, ApiError> {
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
            return Err(ApiError::Validation(vec![problem(
                "body",
                format!("send a JSON object with {}", known.join(", ")),
            )]));
        };
        let problems = fields
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .map(|key| problem(key, "is not a field here"))
            .collect();
        Ok(Self { fields, problems })
    }

    /// A required string; empty strings are the store's to judge, with its reason.
    pub(crate) fn string(&mut self, field: &str) -> String {
        match self.fields.get(field) {
            Some(Value::String(text)) => text.clone(),
            _ => {
                self.problems.push(problem(field, "is required: a string"));
                String::new()
            }
        }
    }

    /// An optional id: absent or null is `None`.
    pub(crate) fn optional_id(&mut self, field: &str) -> Option<Uuid> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Uuid::try_parse(text).ok().or_else(|| {
                self.problems.push(problem(field, "is not an id"));
                None
            }),
            Some(_) => {
                self.problems.push(problem(field, "must be an id or null"));
                None
            }
        }
    }

    /// An optional calendar date (`2026-01-12`): absent or null is `None`.
    pub(crate) fn optional_date(&mut self, field: &str) -> Option<NaiveDate> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => text.parse().ok().or_else(|| {
                self.problems
                    .push(problem(field, "must be a date, YYYY-MM-DD"));
                None
            }),
            Some(_) => {
                self.problems
                    .push(problem(field, "must be a date, YYYY-MM-DD, or null"));
                None
            }
        }
    }

    /// A required value parsed by `parse`, whose error says which values exist.
    pub(crate) fn parsed<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        match self.fields.get(field).and_then(Value::as_str).map(&parse) {
            Some(Ok(value)) => Some(value),
            Some(Err(error)) => {
                self.problems.push(problem(field, error.to_string()));
                None
            }
            None => {
                self.problems.push(problem(field, "is required: a string"));
                None
            }
        }
    }

    /// A required integer (a `row_version` read earlier).
    pub(crate) fn integer(&mut self, field: &str) -> i32 {
        match self
            .fields
            .get(field)
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
        {
            Some(n) => n,
            None => {
                self.problems
                    .push(problem(field, "is required: an integer"));
                0
            }
        }
    }

    /// An optional string: absent or null is `None`.
    pub(crate) fn optional_string(&mut self, field: &str) -> Option<String> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.problems
                    .push(problem(field, "must be a string or null"));
                None
            }
        }
    }

    /// A field's JSON as sent, for a nested document whose own type reads it; `None` if absent.
    pub(crate) fn take(&mut self, field: &str) -> Option<Value> {
        self.fields.remove(field).filter(|value| !value.is_null())
    }

    /// Refuses `field` for a reason found by whatever read its value.
    pub(crate) fn refuse(&mut self, field: &str, reason: impl Into<String>) {
        self.problems.push(problem(field, reason));
    }

    /// The problems found, as the 422 answer, or nothing.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.problems))
        }
    }
}
