//! The home page, the sign-in page, the pages that only say something, and the stylesheet.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use haven_store::trust::SignInProvider;
use serde::Deserialize;

use crate::auth;
use crate::extract::{self, Authenticated};
use crate::problem::ApiError;
use crate::state::ApiState;

/// A page that only says something: a refusal, an explanation.
#[derive(Template)]
#[template(path = "layout/message.html")]
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
#[template(path = "home/index.html")]
struct Home {
    me: Option<Me>,
}

#[get("/")]
async fn home(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let me = match extract::current(&req).await? {
        // A bearer token is an integration's, not a person's: the pages do not know it.
        None | Some(Authenticated { session: None, .. }) => None,
        Some(Authenticated {
            scope,
            session: Some(session),
        }) => {
            let read = state.db.read(&scope).await?;
            let name = haven_store::admin::display_name(&read, session.person_id).await?;
            read.finish().await?;
            let trust = haven_store::trust::find(&state.db, scope.trust_id()).await?;
            Some(Me {
                name,
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

/// One way to sign in to a trust: a button to its provider.
struct ProviderButton {
    label: &'static str,
    href: String,
}

struct TrustChoice {
    name: String,
    providers: Vec<ProviderButton>,
}

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    trust: Option<TrustChoice>,
    /// A trust was asked for that Haven does not know or that has no sign-in.
    unknown: bool,
    next: Option<String>,
    choose_href: String,
    dev_login: bool,
    dev_href: String,
}

#[derive(Deserialize)]
struct SignInQuery {
    trust: Option<String>,
    next: Option<String>,
}

/// What a provider's button says.
fn provider_label(provider: &SignInProvider) -> &'static str {
    match provider {
        SignInProvider::Entra { .. } => "Microsoft 365",
        SignInProvider::Google { .. } => "Google Workspace",
        SignInProvider::Oidc { .. } => "your trust's account",
    }
}

/// The sign-in page: asks for the trust, then offers the trust's provider as a button; either
/// way the page asked for before signing in (`next`, a path on Haven only) is carried on.
#[get("/sign-in")]
async fn sign_in(
    state: web::Data<ApiState>,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = auth::return_to::safe_return_path(query.next.as_deref());
    let asked = query
        .trust
        .as_deref()
        .map(str::trim)
        .filter(|slug| !slug.is_empty());
    let mut trust = None;
    if let Some(slug) = asked
        && let Some(found) = haven_store::trust::find_by_slug(&state.db, slug).await?
        && let Some(provider) = haven_store::sign_in::identity_provider(&state.db, found.id).await?
    {
        trust = Some(TrustChoice {
            providers: vec![ProviderButton {
                label: provider_label(&provider),
                href: auth::return_to::with_next(
                    &format!("/sign-in/{}", found.slug),
                    next.as_deref(),
                ),
            }],
            name: found.name,
        });
    }
    let page = SignInPage {
        unknown: asked.is_some() && trust.is_none(),
        trust,
        choose_href: auth::return_to::with_next("/sign-in", next.as_deref()),
        dev_login: state.web.dev_login,
        dev_href: auth::return_to::with_next("/dev/sign-in", next.as_deref()),
        next,
    };
    Ok(render(StatusCode::OK, &page))
}

#[get("/static/haven.css")]
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../static/haven.css"))
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(sign_in).service(stylesheet);
}
