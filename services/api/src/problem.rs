//! The one place where errors become HTTP answers: RFC 9457 problem documents
//! (`application/problem+json`). The cause goes to the log, never to the client.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One invalid field and why.
#[derive(Debug, Clone, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub reason: String,
}

/// Every error an API handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("the request is not valid")]
    Validation(Vec<FieldProblem>),
    #[error("the record changed since it was read")]
    Conflict,
    #[error("sign in first")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts; wait {retry_after_seconds} seconds and try again")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("this address does not take that method")]
    MethodNotAllowed,
    #[error("not ready: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn slug(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not-found",
            ApiError::Validation(_) => "validation",
            ApiError::Conflict => "conflict",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::MethodNotAllowed => "method-not-allowed",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct ProblemDocument<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    #[serde(skip_serializing_if = "<[FieldProblem]>::is_empty")]
    errors: &'a [FieldProblem],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict => StatusCode::CONFLICT,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let title = match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                "something went wrong; it has been logged".to_string()
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "not ready");
                "not ready".to_string()
            }
            other => other.to_string(),
        };
        let fields: &[FieldProblem] = match self {
            ApiError::Validation(fields) => fields,
            _ => &[],
        };
        let mut response = HttpResponse::build(status);
        if let ApiError::TooManyRequests {
            retry_after_seconds,
        } = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        response
            .content_type("application/problem+json")
            .json(ProblemDocument {
                kind: format!("/problems/{}", self.slug()),
                title,
                status: status.as_u16(),
                errors: fields,
            })
    }
}

/// A problem document for an error answered before any handler ran (a body over the limit, a
/// query that did not read), so that every error under `/api/` has one shape.
pub(crate) fn for_status(status: StatusCode) -> HttpResponse {
    let title = status.canonical_reason().unwrap_or("error");
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(ProblemDocument {
            kind: format!("/problems/{}", title.to_lowercase().replace(' ', "-")),
            title: title.to_lowercase(),
            status: status.as_u16(),
            errors: &[],
        })
}

impl From<haven_store::StoreError> for ApiError {
    fn from(error: haven_store::StoreError) -> Self {
        use haven_store::StoreError;
        match error {
            // Out of scope is answered exactly as missing: the other tenant's ids stay unknown.
            StoreError::NotFound | StoreError::OutOfScope { .. } => ApiError::NotFound,
            StoreError::Conflict { .. } => ApiError::Conflict,
            error @ StoreError::NotPermitted { .. } => ApiError::Forbidden(error.to_string()),
            StoreError::Invalid { field, reason } => ApiError::Validation(vec![FieldProblem {
                field: field.to_owned(),
                reason,
            }]),
            other => ApiError::Internal(other.into()),
        }
    }
}
