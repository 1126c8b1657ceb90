//! The CSRF check of a request made with the session cookie. A browser sends the cookie to
//! Haven on its own, whoever's page asked; it never sends a bearer token by itself, so only a
//! state-changing request with the cookie must also carry the session's token: in
//! [`CSRF_HEADER`] from a script or an API client, in a form's `csrf_token` field from a page.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};

use super::authenticated::{Authenticated, current};
use crate::problem::ApiError;

/// The header a page's script or an API client sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a state-changing request made with the cookie that does not carry the session's
/// token in [`CSRF_HEADER`].
pub(super) fn require_header(req: &HttpRequest, signed_in: &Authenticated) -> Result<(), ApiError> {
    if signed_in.session.is_none() || is_safe(req.method()) {
        return Ok(());
    }
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if signed_in.csrf_matches(sent) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the request did not carry this session's CSRF token".into(),
        ))
    }
}

/// A form posted by a signed-in person, accepted only with the session's CSRF token in its
/// `csrf_token` field.
pub struct SignedInForm<T> {
    pub signed_in: Authenticated,
    pub form: T,
}

/// A form's CSRF field, read beside its other fields.
#[derive(serde::Deserialize)]
struct CsrfField {
    csrf_token: String,
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for SignedInForm<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading a form: {e}")))?;
            let signed_in = current(&req).await?.ok_or(ApiError::Unauthorized)?;
            let field: CsrfField = serde_urlencoded_from(&body)?;
            if !signed_in.csrf_matches(&field.csrf_token) {
                return Err(ApiError::Forbidden(
                    "the form did not carry this session's CSRF token; reload the page".into(),
                ));
            }
            let form = serde_urlencoded_from(&body)?;
            Ok(Self { signed_in, form })
        })
    }
}

fn serde_urlencoded_from<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_urlencoded::from_bytes(body).map_err(|e| {
        ApiError::Validation(vec![crate::problem::FieldProblem {
            field: "form".into(),
            reason: e.to_string(),
        }])
    })
}
