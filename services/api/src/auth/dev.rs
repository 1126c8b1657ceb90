//! The development sign-in: a page listing every person, for the embedded default's demo.
//! Refused unless the configuration turns it on, which production never allows.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use haven_store::trust::TrustView;
use haven_store::{Origin, Scope, SystemActor};
use serde::Deserialize;
use uuid::Uuid;

use super::cookie::session_cookie;
use super::return_to::safe_return_path;
use crate::extract::origin_of;
use crate::problem::ApiError;
use crate::security::client_address;
use crate::state::ApiState;
use crate::web::{Message, render};

const LOGIN_CSRF_COOKIE: &str = "haven_login_csrf";

struct DevPerson {
    id: Uuid,
    name: String,
    roles: String,
}

struct DevTrust {
    id: Uuid,
    name: String,
    people: Vec<DevPerson>,
}

#[derive(Template)]
#[template(path = "auth/dev_sign_in.html")]
struct DevSignInPage {
    trusts: Vec<DevTrust>,
    login_csrf: String,
    /// The page to return to once signed in.
    next: Option<String>,
}

#[derive(Deserialize)]
struct DevQuery {
    next: Option<String>,
}

fn refused() -> HttpResponse {
    render(
        StatusCode::FORBIDDEN,
        &Message {
            title: "Development sign-in is turned off".into(),
            paragraphs: vec![
                "This Haven signs people in with their trust's own accounts.".into(),
                "The development sign-in is available only on a development installation whose \
                 configuration sets auth.dev_login = true."
                    .into(),
            ],
        },
    )
}

#[expect(
    clippy::disallowed_methods,
    reason = "the development sign-in lists a trust's people before anyone is signed in; it exists only with auth.dev_login"
)]
async fn people_of(state: &ApiState, trust: &TrustView) -> Result<DevTrust, ApiError> {
    let scope = Scope::system(trust.id, SystemActor::SignIn, Origin::Worker);
    let read = state.db.read(&scope).await?;
    let people = haven_store::admin::people_with_roles(&read).await?;
    read.finish().await?;
    let mut listed: Vec<DevPerson> = people
        .into_iter()
        .map(|person| DevPerson {
            id: person.id,
            name: person.display_name,
            roles: person
                .roles
                .iter()
                .map(|role| role.replace('_', " "))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(DevTrust {
        id: trust.id,
        name: trust.name.clone(),
        people: listed,
    })
}

#[get("/dev/sign-in")]
async fn page(
    state: web::Data<ApiState>,
    query: web::Query<DevQuery>,
) -> Result<HttpResponse, ApiError> {
    if !state.web.dev_login {
        return Ok(refused());
    }
    let mut trusts = Vec::new();
    for trust in haven_store::trust::all(&state.db).await? {
        trusts.push(people_of(&state, &trust).await?);
    }
    let login_csrf = haven_store::secret::random_secret();
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, login_csrf.clone())
        .path("/dev/sign-in")
        .http_only(true)
        .secure(state.web.production)
        .same_site(SameSite::Strict)
        .finish();
    let next = safe_return_path(query.next.as_deref());
    let page = DevSignInPage {
        trusts,
        login_csrf,
        next,
    };
    let mut response = render(StatusCode::OK, &page);
    response
        .add_cookie(&cookie)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(response)
}

#[derive(Deserialize)]
struct DevSignIn {
    login_csrf: String,
    trust_id: Uuid,
    person_id: Uuid,
    next: Option<String>,
}

#[post("/dev/sign-in")]
async fn sign_in(
    req: HttpRequest,
    state: web::Data<ApiState>,
    form: web::Form<DevSignIn>,
) -> Result<HttpResponse, ApiError> {
    if !state.web.dev_login {
        return Ok(refused());
    }
    let client = client_address(&req, &state.web.trusted_proxies);
    if let Err(limited) = state.sign_in_limit.attempt(client, state.clock.now()) {
        return Ok(limited.page());
    }
    // The form's token must match the cookie set with the page: another site cannot sign a
    // browser in as someone of its choosing.
    let cookie = req.cookie(LOGIN_CSRF_COOKIE);
    if !cookie.is_some_and(|c| haven_store::sign_in::constant_time_eq(c.value(), &form.login_csrf))
    {
        return Err(ApiError::Forbidden(
            "the sign-in form has expired; reload the page".into(),
        ));
    }
    let now = state.clock.now();
    // A new sign-in in this browser replaces whatever session it had: the cookie is rotated.
    if let Some(previous) = crate::extract::current(&req).await?
        && let Some(session) = &previous.session
    {
        haven_store::sign_in::end(&state.db, &previous.scope, session.session_id, now).await?;
    }
    let scope = Scope::for_person(
        &state.db,
        form.trust_id,
        form.person_id,
        origin_of(&req),
        state.clock.today_london(),
    )
    .await?;
    let session =
        haven_store::sign_in::start(&state.db, &scope, "dev", state.web.sessions, now).await?;
    state.sign_in_limit.forgive(client);
    let home = safe_return_path(form.next.as_deref()).unwrap_or_else(|| "/".into());
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, home))
        .finish();
    response
        .add_cookie(&session_cookie(&state.web, session.cookie))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(response)
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page).service(sign_in);
}
