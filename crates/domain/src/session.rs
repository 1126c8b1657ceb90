//! A supervision session's kind and mode, and what its kind owes (DESIGN §4).
//!
//! Every rule that asks "does this session count?" or "does it owe an agenda or a record?" asks
//! its [`SessionKind`]: ad hoc sessions count towards neither the plan nor the minimum and owe
//! neither; formal, extended and group sessions count and owe both.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// What kind of session it is. Stored as `formal`, `ad_hoc`, `extended` or `group`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A planned one-to-one session.
    Formal,
    /// Informal supervision, recorded on the child's own file, not as a supervision record.
    AdHoc,
    /// The longer session some plans hold once each half term.
    Extended,
    /// A session of a group agreement, counted for the supervisees who attended.
    Group,
}

impl SessionKind {
    /// Reads the stored form (`formal`, `ad_hoc`, `extended`, `group`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "formal" => Ok(Self::Formal),
            "ad_hoc" => Ok(Self::AdHoc),
            "extended" => Ok(Self::Extended),
            "group" => Ok(Self::Group),
            other => Err(DomainError::invalid(
                "kind",
                format!("{other:?} is not formal, ad_hoc, extended or group"),
            )),
        }
    }

    /// The stored form, as [`SessionKind::parse`] reads it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Formal => "formal",
            Self::AdHoc => "ad_hoc",
            Self::Extended => "extended",
            Self::Group => "group",
        }
    }

    /// Whether a session of this kind counts towards the plan the parties agreed.
    pub fn counts_towards_plan(self) -> bool {
        self != Self::AdHoc
    }

    /// Whether a held session of this kind counts towards the policy's minimum.
    pub fn counts_towards_minimum(self) -> bool {
        self != Self::AdHoc
    }

    /// Whether the supervisee owes an agenda before it (where the agreement asks for agendas).
    pub fn owes_agenda(self) -> bool {
        self != Self::AdHoc
    }

    /// Whether the supervisor owes a record of it.
    pub fn owes_record(self) -> bool {
        self != Self::AdHoc
    }

    /// Whether it may carry a short note in place of the record it does not owe.
    pub fn takes_note(self) -> bool {
        !self.owes_record()
    }

    /// Whether it is the half term's extended session.
    pub fn is_extended(self) -> bool {
        self == Self::Extended
    }
}

impl fmt::Display for SessionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How a session is held. Stored as `in_person`, `video` or `phone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// In the same room.
    InPerson,
    /// By video call.
    Video,
    /// By telephone.
    Phone,
}

impl SessionMode {
    /// Reads the stored form (`in_person`, `video`, `phone`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim() {
            "in_person" => Ok(Self::InPerson),
            "video" => Ok(Self::Video),
            "phone" => Ok(Self::Phone),
            other => Err(DomainError::invalid(
                "mode",
                format!("{other:?} is not in_person, video or phone"),
            )),
        }
    }

    /// The stored form, as [`SessionMode::parse`] reads it.
    pub fn code(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Video => "video",
            Self::Phone => "phone",
        }
    }
}

impl fmt::Display for SessionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [SessionKind; 4] = [
        SessionKind::Formal,
        SessionKind::AdHoc,
        SessionKind::Extended,
        SessionKind::Group,
    ];

    #[test]
    fn kinds_and_modes_round_trip_through_their_stored_form_and_serde() {
        for kind in KINDS {
            assert_eq!(SessionKind::parse(kind.code()).unwrap(), kind);
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.code())
            );
        }
        for mode in [
            SessionMode::InPerson,
            SessionMode::Video,
            SessionMode::Phone,
        ] {
            assert_eq!(SessionMode::parse(mode.code()).unwrap(), mode);
            assert_eq!(
                serde_json::to_value(mode).unwrap(),
                serde_json::json!(mode.code())
            );
        }
        assert!(SessionKind::parse("adhoc").is_err());
        assert!(SessionMode::parse("email").is_err());
    }

    #[test]
    fn only_an_ad_hoc_session_counts_for_nothing_and_owes_nothing() {
        for kind in KINDS {
            let formal = kind != SessionKind::AdHoc;
            assert_eq!(kind.counts_towards_plan(), formal, "{kind}");
            assert_eq!(kind.counts_towards_minimum(), formal, "{kind}");
            assert_eq!(kind.owes_agenda(), formal, "{kind}");
            assert_eq!(kind.owes_record(), formal, "{kind}");
            assert_eq!(kind.takes_note(), !formal, "{kind}");
        }
    }
}
