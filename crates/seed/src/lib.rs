//! The trusts Haven can be started with, for a look round and for load: the demo trust
//! ([`demo`]) and generated trusts of any size ([`generate`]).

/// A [`SeedError::Refused`] with a formatted reason.
macro_rules! refused {
    ($($reason:tt)*) => {
        $crate::SeedError::Refused(format!($($reason)*))
    };
}

mod days;
pub mod demo;
pub mod generate;

use haven_store::StoreError;

/// Why a trust could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The store refused a row or could not write it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database failed under a row written directly.
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    /// A rule of the domain refused a seeded value (a calendar, a cadence).
    #[error(transparent)]
    Domain(#[from] haven_domain::DomainError),
    /// A seeded value did not fit its column.
    #[error(transparent)]
    OutOfRange(#[from] std::num::TryFromIntError),
    /// A seeded document could not be written as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// What was asked for cannot be seeded (a size, a slug, a date).
    #[error("{0}")]
    Refused(String),
}
