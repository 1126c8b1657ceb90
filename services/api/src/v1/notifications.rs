//! Email, as people and their trust set it and as its lead watches it go: a person's own
//! preferences at `/me/notifications`, the trust's sender at `/trust/email-settings`, and
//! delivery per person at `/notifications/deliveries`. The rules live in
//! `haven_store::notification_settings` and `haven_store::delivery`.

use actix_web::{HttpResponse, get, put, web};
use haven_domain::notification::{DeliveryStatus, NotificationPreference};
use haven_store::delivery::DeliveryFilter;
use haven_store::delivery::PersonDeliveries;
use haven_store::notification_settings::{EmailSettings, NotificationSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// `immediate` or `digest`, refusing anything else.
pub(crate) fn preference(text: &str) -> Result<NotificationPreference, &'static str> {
    match text {
        "immediate" => Ok(NotificationPreference::Immediate),
        "digest" => Ok(NotificationPreference::Digest),
        _ => Err("must be immediate or digest"),
    }
}

#[utoipa::path(
    tag = "notifications",
    summary = "The caller's email preferences",
    description = "`preference` (immediate: each reminder as it comes; digest: one email a day), `optional_reminders` (whether the reminders that may be switched off reach the caller) and `reminders`, every reminder rule with its `label` (in words) and `mandatory`: mandatory reminders say something has been missed and cannot be switched off. A person's own; an API token has none.",
    responses((status = 200, description = "`preference`, `optional_reminders` and `reminders`", body = NotificationSettings), (status = 401, description = "Not signed in"), (status = 403, description = "An API token, which is no person"))
)]
#[get("/me/notifications")]
async fn my_preferences(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&signed_in.scope).await?;
    let settings = haven_store::notification_settings::preferences(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// How the caller wants their email.
#[derive(ToSchema)]
pub(crate) struct PreferencesBody {
    /// immediate or digest.
    #[schema(value_type = String, example = "immediate")]
    preference: NotificationPreference,
    /// Whether optional reminders are sent.
    optional_reminders: bool,
}

impl FromBody for PreferencesBody {
    const FIELDS: &'static [&'static str] = &["preference", "optional_reminders"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let preference = body.parsed("preference", preference);
        let optional_reminders = body.boolean("optional_reminders");
        Some(Self {
            preference: preference?,
            optional_reminders: optional_reminders?,
        })
    }
}

#[utoipa::path(
    tag = "notifications",
    summary = "Set the caller's email preferences",
    request_body(content = PreferencesBody, content_type = "application/json", description = "A JSON object with `preference` (immediate or digest) and `optional_reminders` (true or false); unknown fields are refused"),
    responses((status = 200, description = "The preferences as set, with `reminders`", body = NotificationSettings), (status = 401, description = "Not signed in"), (status = 403, description = "An API token, which is no person"), (status = 422, description = "A bad value, named by field"))
)]
#[put("/me/notifications")]
async fn set_my_preferences(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let PreferencesBody {
        preference: chosen,
        optional_reminders: optional,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let settings =
        haven_store::notification_settings::set_preferences(&mut tx, chosen, optional).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// The furthest page of a person's messages one may ask for.
const MAX_PAGE: u32 = 10_000;

/// `?status=`, `?person=` and `?page=`, read as text so a bad value is answered by name.
#[derive(Deserialize)]
pub(crate) struct DeliveriesQuery {
    status: Option<String>,
    person: Option<String>,
    page: Option<String>,
}

impl DeliveriesQuery {
    pub(crate) fn filter(&self) -> Result<DeliveryFilter, ApiError> {
        let mut problems = Vec::new();
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => DeliveryStatus::parse(text).or_else(|| {
                problems.push(problem(
                    "status",
                    "must be queued, sending, sent, failed, bounced, suppressed, in_digest or superseded",
                ));
                None
            }),
        };
        let person = match self.person.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Uuid::try_parse(text).ok().or_else(|| {
                problems.push(problem("person", "is not an id"));
                None
            }),
        };
        let page = match self.page.as_deref().filter(|s| !s.is_empty()) {
            None => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(page @ 1..=MAX_PAGE) => page,
                _ => {
                    problems.push(problem(
                        "page",
                        format!("must be a page number from 1 to {MAX_PAGE}"),
                    ));
                    1
                }
            },
        };
        if problems.is_empty() {
            Ok(DeliveryFilter {
                status,
                person,
                page,
            })
        } else {
            Err(ApiError::Validation(problems))
        }
    }
}

/// Email delivery per person.
#[derive(Serialize, ToSchema)]
pub(crate) struct DeliveriesAnswer {
    /// Bounced addresses first, then people with failures.
    people: Vec<PersonDeliveries>,
}

#[utoipa::path(
    tag = "notifications",
    summary = "Email delivery per person in the caller's trust",
    description = "Each person with any email: `person_id`, `name`, `email`, `counts` by status (queued, sending, sent, failed, bounced, suppressed, in_digest, superseded: an invite a later one of its session replaced before it went), `last_sent_at`, `bounced` (the address was refused after the last message that went), `messages`, a page of 20 with failed and bounced ones first and then the newest (`rule`, `due_on`, `status`, `attempts`, `last_error`, `smtp_response`, `message_id`, `queued_at`, `sent_at`, `delivered_to`), and `more` when there is a further page. Bounced addresses come first, then people with failures. Trust safeguarding leads, directors of education and auditors only.",
    params(
        ("status" = Option<String>, Query, description = "Only messages in this state, and only people who have one"),
        ("person" = Option<String>, Query, description = "Only this person's messages"),
        ("page" = Option<String>, Query, description = "Which page of each person's messages, from 1 (the default)")
    ),
    responses((status = 200, description = "`people`", body = DeliveriesAnswer), (status = 403, description = "Not a trust safeguarding lead, director or auditor"), (status = 422, description = "A malformed status, person or page"))
)]
#[get("/notifications/deliveries")]
async fn deliveries(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let people = haven_store::delivery::per_person(&state.db, &signed_in.scope, filter).await?;
    Ok(HttpResponse::Ok().json(DeliveriesAnswer { people }))
}

#[utoipa::path(
    tag = "notifications",
    summary = "The trust's email sender",
    description = "`sender_name`, `sender_address`, `reply_to` and `brand_colour` (`#rrggbb`) of the caller's trust's email; `null` where Haven's configured sender or colour applies. Trust safeguarding leads only.",
    responses((status = 200, description = "The settings", body = EmailSettings), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/trust/email-settings")]
async fn email_settings(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&signed_in.scope).await?;
    let settings = haven_store::notification_settings::email_settings(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// The trust's email sender, replaced whole; null is Haven's configured value.
#[derive(ToSchema)]
pub(crate) struct EmailSettingsBody {
    /// The sender's name.
    sender_name: Option<String>,
    /// The sender's email address.
    sender_address: Option<String>,
    /// The reply-to email address.
    reply_to: Option<String>,
    /// The brand colour, `#rrggbb`.
    brand_colour: Option<String>,
}

impl FromBody for EmailSettingsBody {
    const FIELDS: &'static [&'static str] =
        &["sender_name", "sender_address", "reply_to", "brand_colour"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            sender_name: body.optional_string("sender_name"),
            sender_address: body.optional_string("sender_address"),
            reply_to: body.optional_string("reply_to"),
            brand_colour: body.optional_string("brand_colour"),
        })
    }
}

impl From<EmailSettingsBody> for EmailSettings {
    fn from(settings: EmailSettingsBody) -> Self {
        Self {
            sender_name: settings.sender_name,
            sender_address: settings.sender_address,
            reply_to: settings.reply_to,
            brand_colour: settings.brand_colour,
        }
    }
}

#[utoipa::path(
    tag = "notifications",
    summary = "Set the trust's email sender",
    request_body(content = EmailSettingsBody, content_type = "application/json", description = "A JSON object with `sender_name`, `sender_address`, `reply_to` (email addresses) and `brand_colour` (`#rrggbb`), each a string or null (Haven's configured value); the whole setting is replaced, and unknown fields are refused"),
    responses((status = 200, description = "The settings as stored", body = EmailSettings), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "A bad value, named by field"))
)]
#[put("/trust/email-settings")]
async fn set_email_settings(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let settings = EmailSettings::from(body::parse::<EmailSettingsBody>(&body)?);
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let stored = haven_store::notification_settings::set_email_settings(&mut tx, settings).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(stored))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(my_preferences)
        .service(set_my_preferences)
        .service(deliveries)
        .service(email_settings)
        .service(set_email_settings);
}
