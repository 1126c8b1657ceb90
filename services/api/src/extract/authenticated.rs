//! Who a request is, turned into a `Scope` once: an integration's bearer token, or else the
//! signed-in person of the session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use haven_store::api_token;
use haven_store::sign_in::{self, SignedIn, constant_time_eq};
use haven_store::{Origin, Scope};

use super::csrf;
use crate::auth::cookie::cookie_name;
use crate::problem::ApiError;
use crate::security::client_address;
use crate::state::ApiState;

/// Where a request came from, for the audit log: the client's address as
/// [`client_address`] finds it.
pub fn origin_of(req: &HttpRequest) -> Origin {
    let trusted = req
        .app_data::<web::Data<ApiState>>()
        .map(|state| state.web.trusted_proxies.as_slice())
        .unwrap_or_default();
    Origin::Http {
        ip: client_address(req, trusted)
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into()),
    }
}

/// A signed-in person, or an integration's API token. As an extractor it answers 401 when
/// there is neither, and for a state-changing method with the cookie it requires the session's
/// CSRF token in [`csrf::CSRF_HEADER`] (forms use their own field instead, through
/// [`csrf::SignedInForm`]).
pub struct Authenticated {
    pub scope: Scope,
    /// The cookie's session; `None` for a bearer token.
    pub session: Option<SignedIn>,
}

impl Authenticated {
    /// Whether a token sent back by the page is this session's. Never for a bearer token,
    /// which has no page.
    pub fn csrf_matches(&self, token: &str) -> bool {
        self.session
            .as_ref()
            .is_some_and(|session| constant_time_eq(token, &session.csrf_token))
    }

    /// The cookie's session, for what only a signed-in person does (ending their session).
    pub fn person_session(&self) -> Result<&SignedIn, ApiError> {
        self.session.as_ref().ok_or_else(|| {
            ApiError::Forbidden("an API token has no session; revoke the token instead".into())
        })
    }
}

/// The token of an `Authorization: Bearer` header (the scheme is case-insensitive). Other
/// schemes are not Haven's (a proxy's basic auth, say) and leave the cookie in charge.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn state_of(req: &HttpRequest) -> Result<web::Data<ApiState>, ApiError> {
    req.app_data::<web::Data<ApiState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the api state is not configured")))
}

/// The request's live token or session and its scope, or `None` when it has neither. A bearer
/// token is the only credential looked at when one is sent: a bad one is not rescued by a
/// cookie.
pub async fn current(req: &HttpRequest) -> Result<Option<Authenticated>, ApiError> {
    let state = state_of(req)?;
    if let Some(presented) = bearer(req) {
        let token =
            api_token::authenticate(&state.db, presented, origin_of(req), state.clock.now())
                .await?;
        return Ok(token.map(|token| Authenticated {
            scope: Scope::for_token(&token, origin_of(req)),
            session: None,
        }));
    }
    let Some(cookie) = req.cookie(cookie_name(&state.web)) else {
        return Ok(None);
    };
    let now = state.clock.now();
    let Some(session) = sign_in::resume(&state.db, cookie.value(), state.web.sessions, now).await?
    else {
        return Ok(None);
    };
    let scope = match Scope::for_person(
        &state.db,
        session.trust_id,
        session.person_id,
        origin_of(req),
        state.clock.today_london(),
    )
    .await
    {
        Ok(scope) => scope,
        // A person deactivated since signing in is signed out.
        Err(haven_store::StoreError::NotFound) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    Ok(Some(Authenticated {
        scope,
        session: Some(session),
    }))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let signed_in = current(&req).await?.ok_or(ApiError::Unauthorized)?;
            csrf::require_header(&req, &signed_in)?;
            Ok(signed_in)
        })
    }
}
