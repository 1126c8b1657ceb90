//! The pages of email: a person's own settings at `/settings/notifications` (the form posts back
//! there with the session's CSRF token), and delivery per person at `/notifications/deliveries`
//! for the trust's leads.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use haven_domain::notification::{NotificationPreference, SETTINGS_PATH};
use haven_store::StoreError;
use haven_store::delivery::PersonDeliveries;
use serde::Deserialize;

use crate::auth;
use crate::extract::{self, Authenticated, SignedInForm};
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::notifications::{DeliveriesQuery, preference};
use crate::web::{Message, render};

#[derive(Template)]
#[template(path = "notifications/settings.html")]
struct SettingsPage {
    name: String,
    csrf_token: String,
    digest: bool,
    optional_reminders: bool,
    optional: Vec<String>,
    mandatory: Vec<String>,
    saved: bool,
    error: Option<String>,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The signed-in person of a page request; `None` for no one, or for a bearer token, which is
/// an integration's and has no pages.
async fn person(req: &HttpRequest) -> Result<Option<Authenticated>, ApiError> {
    Ok(extract::current(req)
        .await?
        .filter(|signed_in| signed_in.session.is_some()))
}

async fn settings_page(
    state: &ApiState,
    signed_in: &Authenticated,
    saved: bool,
    error: Option<String>,
) -> Result<SettingsPage, ApiError> {
    let session = signed_in.person_session()?;
    let read = state.db.read(&signed_in.scope).await?;
    let name = haven_store::admin::display_name(&read, session.person_id).await?;
    let settings = haven_store::notification_settings::preferences(&read).await?;
    read.finish().await?;
    let (mandatory, optional): (Vec<_>, Vec<_>) =
        settings.reminders.iter().partition(|rule| rule.mandatory);
    Ok(SettingsPage {
        name,
        csrf_token: session.csrf_token.clone(),
        digest: settings.preference == NotificationPreference::Digest,
        optional_reminders: settings.optional_reminders,
        optional: optional.iter().map(|rule| rule.label.to_owned()).collect(),
        mandatory: mandatory.iter().map(|rule| rule.label.to_owned()).collect(),
        saved,
        error,
    })
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

#[get("/settings/notifications")]
async fn settings_form(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, ApiError> {
    let Some(signed_in) = person(&req).await? else {
        return Ok(auth::return_to::to_sign_in(&req));
    };
    let page = settings_page(&state, &signed_in, query.saved.is_some(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The settings form: the radio's `preference`, and `optional_reminders` present only when
/// its box is ticked.
#[derive(Deserialize)]
struct SettingsForm {
    preference: Option<String>,
    optional_reminders: Option<String>,
}

#[post("/settings/notifications")]
async fn save_settings(
    state: web::Data<ApiState>,
    form: SignedInForm<SettingsForm>,
) -> Result<HttpResponse, ApiError> {
    let SignedInForm { signed_in, form } = form;
    let Some(chosen) = form.preference.as_deref().and_then(|p| preference(p).ok()) else {
        let page = settings_page(
            &state,
            &signed_in,
            false,
            Some("Choose each reminder as it comes or a daily digest.".into()),
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    haven_store::notification_settings::set_preferences(
        &mut tx,
        chosen,
        form.optional_reminders.is_some(),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("{SETTINGS_PATH}?saved=1")))
}

#[derive(Template)]
#[template(path = "notifications/deliveries.html")]
struct DeliveriesPage {
    people: Vec<PersonDeliveries>,
    page: u32,
}

#[get("/notifications/deliveries")]
async fn deliveries(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(signed_in) = person(&req).await? else {
        return Ok(auth::return_to::to_sign_in(&req));
    };
    let filter = query.filter()?;
    match haven_store::delivery::per_person(&state.db, &signed_in.scope, filter).await {
        Ok(people) => Ok(render(
            StatusCode::OK,
            &DeliveriesPage {
                people,
                page: filter.page,
            },
        )),
        Err(StoreError::NotPermitted { .. }) => Ok(render(
            StatusCode::FORBIDDEN,
            &Message {
                title: "Email delivery".into(),
                paragraphs: vec![
                    "Only the trust's safeguarding leads, directors of education and auditors see email delivery."
                        .into(),
                ],
            },
        )),
        Err(other) => Err(other.into()),
    }
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_form)
        .service(save_settings)
        .service(deliveries);
}
