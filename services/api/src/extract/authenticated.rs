//! Who a request is, turned into a `Scope` once: an integration's bearer token, or else the
//! signed-in person of the session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use haven_store::api_token;
use haven_store::sign_in::{self, SignedIn, constant_time_eq};

use haven_store::{Origin, Scope};

use crate::problem::ApiError;
use crate::security::client_address;
use crate::state::{ApiState, WebSettings};

/// The header a page's script or an API client sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie's name: `__Host-` in production, so the browser refuses it unless it is
/// `Secure`, host-only and for every path.
pub fn cookie_name(web: &WebSettings) -> &'static str {
    if web.production {
        "__Host-haven_session"
    } else {
        "haven_session"
    }
}

/// A session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` outside development.
pub fn session_cookie(web: &WebSettings, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(web), value)
        .path("/")
        .http_only(true)
        .secure(web.production)
        .same_site(SameSite::Lax)
        .finish()
}

/// The cookie that removes the session cookie.
pub fn removal_cookie(web: &WebSettings) -> Cookie<'static> {
    let mut cookie = session_cookie(web, String::new());
    cookie.set_max_age(time::Duration::ZERO);
    cookie
}

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
/// CSRF token in [`CSRF_HEADER`] (forms use their own field instead, through [`SignedInForm`]).
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

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let signed_in = current(&req).await?.ok_or(ApiError::Unauthorized)?;
            // A browser sends the cookie to Haven on its own, whoever's page asked; it never
            // sends a bearer token by itself, so a bearer request needs no CSRF token.
            if signed_in.session.is_some() && !is_safe(req.method()) {
                let sent = req
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !signed_in.csrf_matches(sent) {
                    return Err(ApiError::Forbidden(
                        "the request did not carry this session's CSRF token".into(),
                    ));
                }
            }
            Ok(signed_in)
        })
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
