//! The one error type of the domain crate.

use thiserror::Error;

/// Why a domain value, calendar or policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value did not parse; `field` names what was being read.
    #[error("{field} is invalid: {reason}")]
    Invalid {
        /// The value or setting being read.
        field: &'static str,
        /// What is wrong with it, for a person to read.
        reason: String,
    },
    /// Term dates that cannot be read as six half terms a year.
    #[error("term calendar refused: {0}")]
    TermCalendar(String),
    /// Content that could not be turned into JSON for hashing.
    #[error("content cannot be hashed: {0}")]
    Hash(String),
}

impl DomainError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// The same refusal, named after the field it was read for.
    pub(crate) fn in_field(self, field: &'static str) -> Self {
        match self {
            Self::Invalid { reason, .. } => Self::Invalid { field, reason },
            other => other,
        }
    }
}
