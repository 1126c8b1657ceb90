//! The `{id}` of a path, as a handler takes it.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use uuid::Uuid;

use crate::problem::ApiError;

/// The id a path names. A malformed one names nothing, so it is answered as a missing one:
/// 404, exactly as an id of another trust.
pub(crate) struct PathId(pub Uuid);

impl FromRequest for PathId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.match_info()
                .get("id")
                .and_then(|raw| Uuid::parse_str(raw).ok())
                .map(PathId)
                .ok_or(ApiError::NotFound),
        )
    }
}
