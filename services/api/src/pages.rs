//! Server-rendered pages: no JavaScript build step, one stylesheet.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use haven_entity as e;

use crate::auth;
use crate::problem::ApiError;
use crate::state::ApiState;

/// A page that only says something: a refusal, an explanation.
#[derive(Template)]
#[template(path = "message.html")]
pub struct Message {
    pub title: String,
    pub paragraphs: Vec<String>,
}

/// Renders a page with a status; a template that fails to render is a 500 with the cause logged.
pub fn render<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The one answer for a page that is missing, malformed or not the caller's to see.
pub(crate) fn not_found() -> HttpResponse {
    render(
        StatusCode::NOT_FOUND,
        &Message {
            title: "Page not found".into(),
            paragraphs: vec![
                "There is nothing here that you can see. The link may be old, or meant for \
                 someone else."
                    .into(),
            ],
        },
    )
}

struct Me {
    name: String,
    trust: String,
    roles: Vec<String>,
    csrf_token: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    me: Option<Me>,
}

#[get("/")]
async fn home(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let me = match auth::current(&req).await? {
        // A bearer token is an integration's, not a person's: the pages do not know it.
        None | Some(auth::Authenticated { session: None, .. }) => None,
        Some(auth::Authenticated {
            scope,
            session: Some(session),
        }) => {
            let read = state.db.read(&scope).await?;
            let person = read.find::<e::person::Entity>(session.person_id).await?;
            read.finish().await?;
            let trust = haven_store::trust::find(&state.db, scope.trust_id()).await?;
            Some(Me {
                name: person.display_name,
                trust: trust.name,
                roles: scope
                    .roles()
                    .iter()
                    .map(|held| held.role.as_str().replace('_', " "))
                    .collect(),
                csrf_token: session.csrf_token,
            })
        }
    };
    Ok(render(StatusCode::OK, &Home { me }))
}

#[get("/sign-in")]
async fn sign_in(state: web::Data<ApiState>) -> HttpResponse {
    let mut paragraphs =
        vec!["Sign in with your trust's Microsoft 365 or Google Workspace account.".to_string()];
    if state.web.dev_login {
        paragraphs.push("This is a development installation: use /dev/sign-in.".into());
    }
    render(
        StatusCode::OK,
        &Message {
            title: "Sign in".into(),
            paragraphs,
        },
    )
}

#[get("/static/haven.css")]
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../static/haven.css"))
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(sign_in).service(stylesheet);
}
