use sea_orm::DbErr;

/// Everything the store can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, or exists outside the caller's scope: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The row was changed by someone else since it was read.
    #[error("{entity} {id} was changed since it was read")]
    Conflict {
        entity: &'static str,
        id: uuid::Uuid,
    },
    /// The caller is known and the row in reach, but their roles (or their token's
    /// capabilities) do not allow this action.
    #[error("not permitted to {action}")]
    NotPermitted { action: &'static str },
    /// A value the caller sent that the rule refuses; `field` names it for the form or client.
    #[error("{field} is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A write that would cross the caller's tenant or academy wall.
    #[error("{entity}: outside the caller's scope")]
    OutOfScope { entity: String },
    #[error("the database cannot be reached at {url}: {source}")]
    Unreachable { url: String, source: DbErr },
    #[error("the audit log of trust {trust_id} is broken at entry {seq}: {reason}")]
    AuditBroken {
        trust_id: uuid::Uuid,
        seq: i64,
        reason: String,
    },
    #[error(transparent)]
    Database(#[from] DbErr),
    /// The work of a read model stopped before it answered (its thread failed).
    #[error("the {what} could not be worked out: {reason}")]
    Stopped { what: &'static str, reason: String },
    #[error("cannot digest {entity} for the audit log: {source}")]
    Digest {
        entity: String,
        source: haven_domain::DomainError,
    },
}

impl StoreError {
    /// A value refused under the field it came in, with the reason for a person to read.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// A value the domain refused, under the field the domain named.
    pub(crate) fn refused(error: haven_domain::DomainError) -> Self {
        match error {
            haven_domain::DomainError::Invalid { field, reason } => Self::Invalid { field, reason },
            other => Self::Invalid {
                field: "value",
                reason: other.to_string(),
            },
        }
    }
}
