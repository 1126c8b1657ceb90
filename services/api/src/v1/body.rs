//! JSON object bodies read field by field, so every mistake is answered under its field's name.

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::input::{self, TextKind};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::problem::{ApiError, FieldProblem};

/// The most a reason (a grant's, an escalation's, its outcome) may say: why, briefly; the
/// detail lives in the record it points to.
pub(crate) const REASON_MAX_CHARS: usize = 2_000;

pub(crate) fn problem(field: &str, reason: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A JSON object body, read field by field: every mistake is collected under its field's name,
/// and fields the endpoint does not know are refused rather than silently ignored (a misspelt
/// `ends_on` dropped would give a role that never ends). Every string anywhere in it, nested
/// documents included, is printable prose of a bounded length before any field is read.
pub(crate) struct Body {
    fields: Map<String, Value>,
    problems: Vec<FieldProblem>,
}

/// A request body as a type: the fields it may hold and how each is read from a [`Body`], so a
/// mistake is answered under its field's name. Handlers read bodies only through [`parse`].
pub(crate) trait FromBody: Sized {
    /// Every field the body may hold; any other is refused.
    const FIELDS: &'static [&'static str];
    /// Whether an empty body stands for one giving none of its (then all optional) fields.
    const OPTIONAL: bool = false;

    /// Reads each field, noting every mistake on `body`; `None` when a required one is missing.
    fn from_body(body: &mut Body) -> Option<Self>;
}

/// The fields of a body that holds `first` and then `then`, as its [`FromBody::FIELDS`], so a
/// body built on another's fields names them once. Evaluated as a constant: a wrong `ALL` does
/// not build.
pub(crate) const fn fields<const ALL: usize>(
    first: &[&'static str],
    then: &[&'static str],
) -> [&'static str; ALL] {
    assert!(first.len() + then.len() == ALL, "ALL counts both lists");
    let mut all = [""; ALL];
    let slots = fill(&mut all, first);
    fill(slots, then);
    all
}

/// Writes `fields` into the first of `slots`, and answers the slots left.
const fn fill<'s>(
    slots: &'s mut [&'static str],
    fields: &[&'static str],
) -> &'s mut [&'static str] {
    match (slots, fields) {
        ([slot, after @ ..], [field, rest @ ..]) => {
            *slot = *field;
            fill(after, rest)
        }
        (left, _) => left,
    }
}

/// The request body `raw` as `T`, or the 422 naming every field refused.
pub(crate) fn parse<T: FromBody>(raw: &[u8]) -> Result<T, ApiError> {
    let mut body = if T::OPTIONAL {
        Body::read_optional(raw, T::FIELDS)?
    } else {
        Body::read(raw, T::FIELDS)?
    };
    let value = T::from_body(&mut body);
    body.finish()?;
    value.ok_or_else(|| ApiError::Validation(vec![problem("body", "a required field is missing")]))
}

impl Body {
    fn read(body: &[u8], known: &[&str]) -> Result<Self, ApiError> {
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
            return Err(ApiError::Validation(vec![problem(
                "body",
                format!("send a JSON object with {}", known.join(", ")),
            )]));
        };
        let mut problems: Vec<FieldProblem> = fields
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .map(|key| problem(key, "is not a field here"))
            .collect();
        for (key, value) in &fields {
            printable(key, value, &mut problems);
        }
        Ok(Self { fields, problems })
    }

    /// A body every field of which is optional: an empty one means none is given.
    fn read_optional(body: &[u8], known: &[&str]) -> Result<Self, ApiError> {
        Self::read(if body.is_empty() { b"{}" } else { body }, known)
    }

    /// A required calendar date, written `YYYY-MM-DD` inside Haven's window of dates.
    pub(crate) fn date(&mut self, field: &str) -> Option<NaiveDate> {
        if matches!(self.fields.get(field), None | Some(Value::Null)) {
            self.problems
                .push(problem(field, "is required: a date, YYYY-MM-DD"));
            return None;
        }
        self.optional_date(field)
    }

    /// A required instant, RFC 3339 inside Haven's window of dates.
    pub(crate) fn instant(&mut self, field: &str) -> Option<DateTime<Utc>> {
        self.parsed(field, input::instant)
    }

    /// An optional instant: absent or null is `None`.
    pub(crate) fn optional_instant(&mut self, field: &str) -> Option<DateTime<Utc>> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => match input::instant(text) {
                Ok(at) => Some(at),
                Err(refusal) => {
                    self.problems.push(problem(field, refusal.0));
                    None
                }
            },
            Some(_) => {
                self.problems
                    .push(problem(field, "must be a date and time, RFC 3339, or null"));
                None
            }
        }
    }

    /// A required piece of prose (a reason, a note) of at most `max_chars` characters.
    pub(crate) fn prose(&mut self, field: &str, max_chars: usize) -> String {
        let text = self.string(field);
        if text.chars().count() > max_chars {
            self.problems.push(problem(
                field,
                format!("must be at most {max_chars} characters"),
            ));
        }
        text
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

    /// A required id.
    pub(crate) fn id(&mut self, field: &str) -> Option<Uuid> {
        if matches!(self.fields.get(field), None | Some(Value::Null)) {
            self.problems.push(problem(field, "is required: an id"));
            return None;
        }
        self.optional_id(field)
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
            Some(Value::String(text)) => match input::date(text) {
                Ok(date) => Some(date),
                Err(refusal) => {
                    self.problems.push(problem(field, refusal.0));
                    None
                }
            },
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

    /// Whether the body holds `field` at all (null included).
    pub(crate) fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// A required yes/no answer.
    pub(crate) fn boolean(&mut self, field: &str) -> Option<bool> {
        match self.fields.get(field) {
            Some(Value::Bool(answer)) => Some(*answer),
            _ => {
                self.problems
                    .push(problem(field, "is required: true or false"));
                None
            }
        }
    }

    /// An optional yes/no answer: absent or null is unanswered.
    pub(crate) fn optional_boolean(&mut self, field: &str) -> Option<bool> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(answer)) => Some(*answer),
            Some(_) => {
                self.problems
                    .push(problem(field, "must be true, false or null"));
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

    /// A required line of text (a name, a title): printable, one line, of a bounded length.
    pub(crate) fn line(&mut self, field: &str) -> String {
        let text = self.string(field);
        if let Err(refusal) = input::text(&text, TextKind::Line) {
            self.problems.push(problem(field, refusal.0));
        }
        text
    }

    /// An optional line of text: absent or null is `None`, else as [`Body::line`].
    pub(crate) fn optional_line(&mut self, field: &str) -> Option<String> {
        let text = self.optional_string(field)?;
        if let Err(refusal) = input::text(&text, TextKind::Line) {
            self.problems.push(problem(field, refusal.0));
        }
        Some(text)
    }

    /// The problems found, as the 422 answer, or nothing. A field refused by more than one
    /// check is named once, with the first reason found.
    fn finish(mut self) -> Result<(), ApiError> {
        let mut named = std::collections::BTreeSet::new();
        self.problems
            .retain(|problem| named.insert(problem.field.clone()));
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.problems))
        }
    }
}

/// Refuses, under the path of the field that holds it, any string that is not printable prose
/// of a bounded length: a NUL byte or an endless text never reaches the store.
fn printable(path: &str, value: &Value, problems: &mut Vec<FieldProblem>) {
    match value {
        Value::String(text) => {
            if let Err(refusal) = input::text(text, TextKind::Prose) {
                problems.push(problem(path, refusal.0));
            }
        }
        Value::Array(items) => {
            for (at, item) in items.iter().enumerate() {
                printable(&format!("{path}[{at}]"), item, problems);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                printable(&format!("{path}.{key}"), item, problems);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
