//! What any date, instant or text a person or client sends must be, before anything else
//! judges it: one rule per kind, so no database constraint and no unbounded loop is ever the
//! first to say no.

use chrono::{DateTime, NaiveDate, Utc};

use crate::DomainError;

/// Why a value was refused, for a person to read; the caller names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl Refusal {
    fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }

    /// The refusal as the domain's error for `field`.
    pub fn at(self, field: &'static str) -> DomainError {
        DomainError::Invalid {
            field,
            reason: self.0,
        }
    }
}

/// The earliest date Haven keeps: anything before it is a typing mistake, not history.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// The latest date Haven keeps.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};

/// A calendar date written exactly `YYYY-MM-DD`, inside [`EARLIEST_DATE`]..=[`LATEST_DATE`].
/// chrono alone would also take `2026-1-1`, `+12026-01-01` and year 0.
pub fn date(text: &str) -> Result<NaiveDate, Refusal> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(at, byte)| match at {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let parsed = shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| Refusal::new("must be a date, YYYY-MM-DD"))?;
    in_window(parsed)
}

/// A date already read (from a form's typed value or a query), held to the same window.
pub fn in_window(date: NaiveDate) -> Result<NaiveDate, Refusal> {
    if date < EARLIEST_DATE || date > LATEST_DATE {
        return Err(Refusal::new(format!(
            "must be between {EARLIEST_DATE} and {LATEST_DATE}"
        )));
    }
    Ok(date)
}

/// An instant written as RFC 3339 (`2026-01-12T10:00:00Z` or with an offset), whose date in
/// UTC lies inside the same window as [`date`].
pub fn instant(text: &str) -> Result<DateTime<Utc>, Refusal> {
    let parsed = DateTime::parse_from_rfc3339(text)
        .map_err(|_| Refusal::new("must be a date and time, RFC 3339 (2026-01-12T10:00:00Z)"))?
        .with_timezone(&Utc);
    in_window(parsed.date_naive())?;
    Ok(parsed)
}

/// The kinds of text people send, each with its own length and the characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A name, a title, a course: one line.
    Line,
    /// A reason, a note, a record's paragraph: several lines.
    Prose,
}

impl TextKind {
    /// The most characters a text of this kind may hold.
    pub const fn max_chars(self) -> usize {
        match self {
            TextKind::Line => 200,
            TextKind::Prose => 20_000,
        }
    }
}

/// Printable text of a kind: no NUL or other control characters (a line break and a tab are
/// allowed in prose), and no longer than the kind allows.
pub fn text(value: &str, kind: TextKind) -> Result<(), Refusal> {
    if let Some(bad) = value
        .chars()
        .find(|c| c.is_control() && !(kind == TextKind::Prose && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(Refusal::new(format!(
            "contains the control character U+{:04X}; only printable text is kept",
            u32::from(bad)
        )));
    }
    let max = kind.max_chars();
    if value.chars().count() > max {
        return Err(Refusal::new(format!("must be at most {max} characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn a_date_is_read_only_as_written_in_full_inside_the_window() {
        assert_eq!(date("2026-01-12"), Ok(ymd(2026, 1, 12)));
        for refused in [
            "2026-1-1",
            "+12026-01-01",
            "0000-01-01",
            "12026-01-01",
            "2026-02-30",
            "1999-12-31",
            "2100-01-01",
            " 2026-01-12",
            "2026-01-12T00:00:00Z",
            "",
        ] {
            assert!(date(refused).is_err(), "{refused:?} was accepted");
        }
    }

    #[test]
    fn an_instant_is_rfc_3339_inside_the_window() {
        assert!(instant("2026-01-12T10:00:00Z").is_ok());
        assert!(instant("2026-01-12T10:00:00+01:00").is_ok());
        for refused in [
            "12026-01-12T10:00:00Z",
            "2026-01-12",
            "0000-01-01T00:00:00Z",
        ] {
            assert!(instant(refused).is_err(), "{refused:?} was accepted");
        }
    }

    #[test]
    fn text_holds_no_control_characters_and_keeps_to_its_length() {
        assert!(text("Ann O'Neil", TextKind::Line).is_ok());
        assert!(text("a\u{0}b", TextKind::Line).is_err());
        assert!(text("two\nlines", TextKind::Line).is_err());
        assert!(text("two\nlines\tand a tab", TextKind::Prose).is_ok());
        assert!(text("bell\u{7}", TextKind::Prose).is_err());
        assert!(text(&"x".repeat(200), TextKind::Line).is_ok());
        assert!(text(&"x".repeat(201), TextKind::Line).is_err());
        assert!(text(&"é".repeat(20_001), TextKind::Prose).is_err());
    }
}
