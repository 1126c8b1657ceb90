//! Small values read from people and forms: parsed once, trusted after.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A trust's own reference for a child's case (e.g. a CPOMS id); never a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseReference(String);

impl CaseReference {
    /// Longest reference accepted.
    pub const MAX_LEN: usize = 32;

    /// Trims, then accepts 1–32 ASCII letters, digits, `-` or `_`: anything else
    /// risks a name or free text ending up where only an id belongs.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::invalid("case reference", "is empty"));
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(DomainError::invalid(
                "case reference",
                format!("is longer than {} characters", Self::MAX_LEN),
            ));
        }
        if let Some(bad) = trimmed
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(DomainError::invalid(
                "case reference",
                format!("contains {bad:?}; only letters, digits, '-' and '_' are allowed"),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseReference {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CaseReference> for String {
    fn from(value: CaseReference) -> Self {
        value.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or child's initials, as case notes identify people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Initials(String);

impl Initials {
    /// Accepts 1–4 letters; dots and spaces are dropped ("j. s." is "JS").
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        // Judged once uppercased: some letters uppercase to several characters, not all of
        // them letters ("ῖ" is "Ι" and a combining accent).
        let letters: Vec<char> = input
            .chars()
            .filter(|c| *c != '.' && !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if letters.is_empty() {
            return Err(DomainError::invalid("initials", "are empty"));
        }
        if let Some(bad) = letters.iter().find(|c| !c.is_alphabetic()) {
            return Err(DomainError::invalid(
                "initials",
                format!("contain {bad:?}; only letters are allowed"),
            ));
        }
        if letters.len() > 4 {
            return Err(DomainError::invalid("initials", "have more than 4 letters"));
        }
        Ok(Self(letters.into_iter().collect()))
    }

    /// The initials as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Initials {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Initials> for String {
    fn from(value: Initials) -> Self {
        value.0
    }
}

impl fmt::Display for Initials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long a supervision session lasts, in minutes (15 to 240).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct SessionLength(u32);

impl SessionLength {
    /// One hour, as at Esteem.
    pub const ONE_HOUR: Self = Self(60);
    /// Two hours, as at Captain Cook.
    pub const TWO_HOURS: Self = Self(120);

    /// Accepts 15 to 240 minutes: shorter is not supervision, longer is a day's training.
    pub fn parse(minutes: u32) -> Result<Self, DomainError> {
        if (15..=240).contains(&minutes) {
            Ok(Self(minutes))
        } else {
            Err(DomainError::invalid(
                "session length",
                format!("{minutes} minutes is outside 15 to 240"),
            ))
        }
    }

    /// The length in minutes.
    pub fn minutes(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for SessionLength {
    type Error = DomainError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<SessionLength> for u32 {
    fn from(value: SessionLength) -> Self {
        value.0
    }
}

/// The most cases an agreement lets a session discuss (1 to 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MaxCases(u32);

impl MaxCases {
    /// Accepts 1 to 50; a cap of none would forbid the session's purpose.
    pub fn parse(cases: u32) -> Result<Self, DomainError> {
        if (1..=50).contains(&cases) {
            Ok(Self(cases))
        } else {
            Err(DomainError::invalid(
                "max cases per session",
                format!("{cases} is outside 1 to 50"),
            ))
        }
    }

    /// The cap as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for MaxCases {
    type Error = DomainError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<MaxCases> for u32 {
    fn from(value: MaxCases) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn case_reference_is_trimmed() {
        assert_eq!(
            CaseReference::parse("  CP-1234_a ").unwrap().as_str(),
            "CP-1234_a"
        );
    }

    #[test]
    fn case_reference_refuses_empty_or_blank() {
        assert!(CaseReference::parse("").is_err());
        assert!(CaseReference::parse("   ").is_err());
    }

    #[test]
    fn case_reference_refuses_more_than_32_characters() {
        assert!(CaseReference::parse(&"a".repeat(32)).is_ok());
        assert!(CaseReference::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn case_reference_refuses_spaces_and_punctuation_inside() {
        for bad in ["John Smith", "CP/12", "12.3", "é1", "a;b"] {
            assert!(CaseReference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn case_reference_error_names_the_field() {
        let err = CaseReference::parse("a b").unwrap_err().to_string();
        assert!(err.contains("case reference"), "{err}");
    }

    #[test]
    fn case_reference_round_trips_through_json_and_refuses_bad_json() {
        let r = CaseReference::parse("CPOMS-9").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"CPOMS-9\"");
        assert_eq!(serde_json::from_str::<CaseReference>(&json).unwrap(), r);
        assert!(serde_json::from_str::<CaseReference>("\"a b\"").is_err());
    }

    #[test]
    fn initials_are_uppercased_with_dots_and_spaces_dropped() {
        assert_eq!(Initials::parse("j.s.").unwrap().as_str(), "JS");
        assert_eq!(Initials::parse(" a. b. c ").unwrap().as_str(), "ABC");
        assert_eq!(Initials::parse("Zoë").unwrap().as_str(), "ZOË");
    }

    #[test]
    fn initials_refuse_empty_digits_or_more_than_four_letters() {
        for bad in ["", "..", "J5", "ABCDE", "J-S"] {
            assert!(Initials::parse(bad).is_err(), "{bad}");
        }
        assert!(Initials::parse("ABCD").is_ok());
    }

    #[test]
    fn initials_are_judged_as_uppercased() {
        // "ῖ" uppercases to "Ι" and a combining accent, which is no letter.
        assert!(Initials::parse("ῖ").is_err());
        assert_eq!(Initials::parse("ß").unwrap().as_str(), "SS");
        assert!(Initials::parse("ßßß").is_err());
    }

    #[test]
    fn session_length_accepts_15_to_240_minutes_only() {
        assert_eq!(SessionLength::parse(15).unwrap().minutes(), 15);
        assert_eq!(SessionLength::parse(240).unwrap().minutes(), 240);
        assert!(SessionLength::parse(14).is_err());
        assert!(SessionLength::parse(241).is_err());
        assert!(serde_json::from_str::<SessionLength>("0").is_err());
    }

    #[test]
    fn max_cases_accepts_1_to_50_only() {
        assert_eq!(MaxCases::parse(3).unwrap().get(), 3);
        assert!(MaxCases::parse(0).is_err());
        assert!(MaxCases::parse(51).is_err());
        assert!(serde_json::from_str::<MaxCases>("-1").is_err());
    }

    proptest! {
        #[test]
        fn any_accepted_case_reference_parses_to_itself(s in "[A-Za-z0-9_-]{1,32}") {
            let parsed = CaseReference::parse(&s).unwrap();
            prop_assert_eq!(CaseReference::parse(parsed.as_str()).unwrap(), parsed);
        }

        #[test]
        fn case_reference_never_holds_whitespace(s in "\\PC{0,40}") {
            if let Ok(r) = CaseReference::parse(&s) {
                prop_assert!(!r.as_str().chars().any(char::is_whitespace));
                prop_assert!((1..=32).contains(&r.as_str().len()));
            }
        }

        #[test]
        fn parsed_initials_are_uppercased_letters(s in "\\PC{0,8}|[ῖßǆ]{1,4}") {
            if let Ok(i) = Initials::parse(&s) {
                prop_assert!(i.as_str().chars().all(char::is_alphabetic));
                prop_assert_eq!(i.as_str().to_uppercase(), i.as_str());
            }
        }
    }
}
