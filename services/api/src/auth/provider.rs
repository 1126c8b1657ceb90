//! Sign-in with the trust's own accounts: Microsoft Entra ID, Google Workspace, or any OpenID
//! Connect provider. `/sign-in/{trust}` sends the browser to the trust's provider;
//! `/auth/callback` verifies what comes back and signs the matching person in.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use haven_config::ProviderClient;
use haven_entity as e;
use haven_store::Scope;
use haven_store::sign_in::{self, ProviderIdentity};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::oidc::{OidcClient, OidcError, PendingSignIn, ProviderPreset, http_client};
use super::session::{origin_of, session_cookie};
use crate::pages::{Message, render};
use crate::problem::ApiError;
use crate::state::{ApiState, WebSettings};

const PENDING_COOKIE: &str = "haven_pending_sign_in";
const CALLBACK_PATH: &str = "/auth/callback";

/// Discovered providers, kept for an hour so a provider's new signing keys are picked up.
#[derive(Default)]
pub struct ProviderCache {
    clients: RwLock<HashMap<String, (Instant, OidcClient)>>,
}

const REDISCOVER_AFTER: Duration = Duration::from_secs(3600);

impl ProviderCache {
    async fn client(
        &self,
        issuer: &str,
        registration: &ProviderClient,
        web: &WebSettings,
    ) -> Result<OidcClient, OidcError> {
        let cached = self
            .clients
            .read()
            .ok()
            .and_then(|clients| clients.get(issuer).cloned());
        if let Some((_, client)) = cached.filter(|(at, _)| at.elapsed() < REDISCOVER_AFTER) {
            return Ok(client);
        }
        let client = OidcClient::discover(
            issuer,
            &registration.client_id,
            Some(registration.client_secret.expose_secret().to_owned()),
            &format!("{}{CALLBACK_PATH}", web.public_url),
            http_client()?,
        )
        .await?;
        if let Ok(mut clients) = self.clients.write() {
            clients.insert(issuer.to_owned(), (Instant::now(), client.clone()));
        }
        Ok(client)
    }
}

/// What the pending row keeps between the redirect out and the callback.
#[derive(Serialize, Deserialize)]
struct Flow {
    kind: String,
    issuer: String,
    pending: PendingSignIn,
}

/// The trust's provider, and Haven's registration with that kind of provider.
fn preset_of<'w>(
    provider: &e::identity_provider::Model,
    web: &'w WebSettings,
) -> Option<(ProviderPreset, &'w ProviderClient)> {
    let providers = &web.providers;
    match provider.kind.as_str() {
        "entra" => Some((
            ProviderPreset::EntraId {
                tenant_id: provider.tenant_id.clone()?,
            },
            providers.entra.as_ref()?,
        )),
        "google" => Some((
            ProviderPreset::Google {
                hosted_domain: provider.hosted_domain.clone()?,
            },
            providers.google.as_ref()?,
        )),
        "oidc" => Some((
            ProviderPreset::Generic {
                issuer: provider.issuer.clone()?,
            },
            providers.oidc.as_ref()?,
        )),
        _ => None,
    }
}

fn page(status: StatusCode, title: &str, paragraphs: Vec<String>) -> HttpResponse {
    render(
        status,
        &Message {
            title: title.to_owned(),
            paragraphs,
        },
    )
}

fn not_connected() -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        "Sign-in is not set up for this trust",
        vec![
            "Haven does not know this trust's Microsoft 365 or Google Workspace sign-in yet."
                .into(),
            "Ask your trust safeguarding lead to connect it (see Haven's README).".into(),
        ],
    )
}

#[get("/sign-in/{trust}")]
async fn start(
    req: HttpRequest,
    state: web::Data<ApiState>,
    trust: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.sign_in_limit.check(&req, state.clock.now())?;
    let Some(trust) = haven_store::trust::find_by_slug(&state.db, &trust).await? else {
        return Ok(not_connected());
    };
    let Some(provider) = sign_in::identity_provider(&state.db, trust.id).await? else {
        return Ok(not_connected());
    };
    let Some((preset, registration)) = preset_of(&provider, &state.web) else {
        return Ok(not_connected());
    };
    let issuer = preset.issuer();
    let client = state
        .providers
        .client(&issuer, registration, &state.web)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let (url, pending) = client.begin();
    let flow = serde_json::to_value(Flow {
        kind: provider.kind.clone(),
        issuer,
        pending,
    })
    .map_err(|e| ApiError::Internal(e.into()))?;
    let cookie_value = sign_in::save_pending(&state.db, trust.id, flow, state.clock.now()).await?;
    // Lax, not Strict: the provider's redirect back is a top-level navigation from its site.
    let cookie = Cookie::build(PENDING_COOKIE, cookie_value)
        .path(CALLBACK_PATH)
        .http_only(true)
        .secure(state.web.production)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::minutes(10))
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url.to_string()))
        .cookie(cookie)
        .finish())
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn start_again() -> HttpResponse {
    page(
        StatusCode::BAD_REQUEST,
        "Please sign in again",
        vec![
            "This sign-in took too long or was already used. Start again from the sign-in page."
                .into(),
        ],
    )
}

async fn refuse(
    state: &ApiState,
    req: &HttpRequest,
    trust_id: uuid::Uuid,
    claimed: &str,
    reason: &str,
) -> Result<HttpResponse, ApiError> {
    sign_in::record_refusal(
        &state.db,
        trust_id,
        claimed,
        reason,
        origin_of(req),
        state.clock.now(),
    )
    .await?;
    let leads = sign_in::trust_leads(&state.db, trust_id, state.clock.today_london()).await?;
    let mut paragraphs = vec![format!(
        "Haven could not sign you in: {reason}. Nobody can use Haven until their trust invites them."
    )];
    paragraphs.extend(
        leads
            .into_iter()
            .map(|(name, email)| format!("Ask your trust safeguarding lead: {name} ({email}).")),
    );
    Ok(page(
        StatusCode::FORBIDDEN,
        "You cannot sign in yet",
        paragraphs,
    ))
}

#[get("/auth/callback")]
async fn callback(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<Callback>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    state.sign_in_limit.check(&req, now)?;
    let Some(cookie) = req.cookie(PENDING_COOKIE) else {
        return Ok(start_again());
    };
    let Some((trust_id, flow)) = sign_in::take_pending(&state.db, cookie.value(), now).await?
    else {
        return Ok(start_again());
    };
    let Ok(flow) = serde_json::from_value::<Flow>(flow) else {
        return Ok(start_again());
    };
    let (Some(code), Some(returned_state)) = (&query.code, &query.state) else {
        let reason = query
            .error
            .as_deref()
            .unwrap_or("the provider sent no code");
        return refuse(
            &state,
            &req,
            trust_id,
            "unknown",
            &format!("the provider said: {reason}"),
        )
        .await;
    };
    let Some(provider) = sign_in::identity_provider(&state.db, trust_id).await? else {
        return Ok(not_connected());
    };
    let Some((preset, registration)) = preset_of(&provider, &state.web) else {
        return Ok(not_connected());
    };
    if preset.issuer() != flow.issuer || provider.kind != flow.kind {
        return Ok(start_again());
    }
    let client = state
        .providers
        .client(&flow.issuer, registration, &state.web)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let identity = match client
        .complete(code, returned_state, flow.pending, now)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, "sign-in refused");
            return refuse(
                &state,
                &req,
                trust_id,
                "unknown",
                "the provider's answer could not be verified",
            )
            .await;
        }
    };
    let claimed = identity
        .email
        .clone()
        .unwrap_or_else(|| identity.subject.clone());
    if !preset.admits(&identity) {
        return refuse(
            &state,
            &req,
            trust_id,
            &claimed,
            "this account belongs to another organisation",
        )
        .await;
    }
    let person = sign_in::person_for_identity(
        &state.db,
        trust_id,
        &ProviderIdentity {
            issuer: &identity.issuer,
            subject: &identity.subject,
            email: identity.email.as_deref(),
            email_verified: identity.email_verified,
        },
        origin_of(&req),
        now,
    )
    .await?;
    let Some(person_id) = person else {
        return refuse(
            &state,
            &req,
            trust_id,
            &claimed,
            "this account has not been invited to the trust",
        )
        .await;
    };
    if let Some(previous) = super::current(&req).await?
        && let Some(session) = &previous.session
    {
        sign_in::end(&state.db, &previous.scope, session.session_id, now).await?;
    }
    let scope = Scope::for_person(
        &state.db,
        trust_id,
        person_id,
        origin_of(&req),
        state.clock.today_london(),
    )
    .await?;
    let session = sign_in::start(&state.db, &scope, &flow.kind, state.web.sessions, now).await?;
    let mut gone = Cookie::build(PENDING_COOKIE, "")
        .path(CALLBACK_PATH)
        .finish();
    gone.set_max_age(time::Duration::ZERO);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(session_cookie(&state.web, session.cookie))
        .cookie(gone)
        .finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start).service(callback);
}
