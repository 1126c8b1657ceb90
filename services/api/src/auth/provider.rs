//! Sign-in with the trust's own accounts: Microsoft Entra ID, Google Workspace, or any OpenID
//! Connect provider. `/sign-in/{trust}` sends the browser to the trust's provider;
//! `/auth/callback` verifies what comes back and signs the matching person in.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use haven_config::ProviderClient;
use haven_store::Scope;
use haven_store::sign_in::{self, PersonMatch, ProviderIdentity};
use haven_store::trust::SignInProvider;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::cookie::session_cookie;
use super::oidc::{
    OidcClient, OidcError, PendingSignIn, ProviderPreset, VerifiedIdentity, http_client,
    provider_error,
};
use super::return_to::safe_return_path;
use crate::extract::origin_of;
use crate::problem::ApiError;
use crate::security::client_address;
use crate::state::{ApiState, WebSettings};
use crate::web::{Message, render};

const PENDING_COOKIE: &str = "haven_pending_sign_in";
const CALLBACK_PATH: &str = "/auth/callback";

/// Discovered providers, kept for an hour so a provider's new signing keys are picked up; a
/// token signed by a key the cached keys lack fetches them anew at once (see
/// [`ProviderCache::refetch`]).
#[derive(Default)]
pub struct ProviderCache {
    clients: RwLock<HashMap<String, (Instant, OidcClient)>>,
    /// When each issuer was last fetched anew for an unknown key.
    refetched: Mutex<HashMap<String, Instant>>,
}

const REDISCOVER_AFTER: Duration = Duration::from_secs(3600);

/// At most one fetch for an unknown key per issuer in this long, so tokens with made-up key ids
/// cannot make Haven hammer a provider.
const REFETCH_AT_MOST_EVERY: Duration = Duration::from_secs(60);

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
        self.discover(issuer, registration, web).await
    }

    async fn discover(
        &self,
        issuer: &str,
        registration: &ProviderClient,
        web: &WebSettings,
    ) -> Result<OidcClient, OidcError> {
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

    /// The provider discovered anew, keys and all, after a token named a key the cached keys
    /// lack (a key rotation); `None` when the issuer was already fetched anew for that reason
    /// within [`REFETCH_AT_MOST_EVERY`].
    async fn refetch(
        &self,
        issuer: &str,
        registration: &ProviderClient,
        web: &WebSettings,
    ) -> Result<Option<OidcClient>, OidcError> {
        {
            let mut refetched = self.refetched.lock().map_err(|_| {
                OidcError::Discovery("the provider cache's lock is poisoned".into())
            })?;
            let now = Instant::now();
            if refetched
                .get(issuer)
                .is_some_and(|at| now.duration_since(*at) < REFETCH_AT_MOST_EVERY)
            {
                return Ok(None);
            }
            refetched.insert(issuer.to_owned(), now);
        }
        self.discover(issuer, registration, web).await.map(Some)
    }
}

/// What the pending row keeps between the redirect out and the callback.
#[derive(Serialize, Deserialize)]
struct Flow {
    kind: String,
    issuer: String,
    pending: PendingSignIn,
    /// The page to return to once signed in (checked by [`safe_return_path`] on the way in).
    #[serde(default)]
    return_to: Option<String>,
}

#[derive(Deserialize)]
struct Start {
    next: Option<String>,
}

/// The trust's provider, and Haven's registration with that kind of provider.
fn preset_of<'w>(
    provider: &SignInProvider,
    web: &'w WebSettings,
) -> Option<(ProviderPreset, &'w ProviderClient)> {
    let providers = &web.providers;
    match provider {
        SignInProvider::Entra { tenant_id } => Some((
            ProviderPreset::EntraId {
                tenant_id: tenant_id.clone(),
            },
            providers.entra.as_ref()?,
        )),
        SignInProvider::Google { hosted_domain } => Some((
            ProviderPreset::Google {
                hosted_domain: hosted_domain.clone(),
            },
            providers.google.as_ref()?,
        )),
        SignInProvider::Oidc { issuer } => Some((
            ProviderPreset::Generic {
                issuer: issuer.clone(),
            },
            providers.oidc.as_ref()?,
        )),
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
    query: web::Query<Start>,
) -> Result<HttpResponse, ApiError> {
    // Counted here, once per sign-in, and forgiven when its callback signs the person in.
    let client = client_address(&req, &state.web.trusted_proxies);
    if let Err(limited) = state.sign_in_limit.attempt(client, state.clock.now()) {
        return Ok(limited.page());
    }
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
        kind: provider.kind().to_owned(),
        issuer,
        pending,
        return_to: safe_return_path(query.next.as_deref()),
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
            "This sign-in took too long, was already used, or was not started in this browser. \
             Start again from the sign-in page."
                .into(),
        ],
    )
}

/// Why a callback signs nobody in, and what the person is told.
enum Refused<'a> {
    /// Not this browser's sign-in: told to start again, and nothing more.
    StateMismatch,
    /// The provider did not sign the person in, or its answer did not verify: the person is
    /// not known to be anyone, so the page names nobody.
    NotSignedIn(sign_in::Refusal<'a>),
    /// The provider signed the person in for another organisation: named nobody either.
    OtherOrganisation { claimed: &'a str },
    /// The provider signed the person in for this trust, but Haven cannot match them to an
    /// invited person: told whom of the trust to ask.
    Unmatched(sign_in::Refusal<'a>),
}

async fn refuse(
    state: &ApiState,
    req: &HttpRequest,
    trust_id: uuid::Uuid,
    refused: Refused<'_>,
) -> Result<HttpResponse, ApiError> {
    let refusal = match refused {
        Refused::StateMismatch => sign_in::Refusal::StateMismatch,
        Refused::NotSignedIn(refusal) | Refused::Unmatched(refusal) => refusal,
        Refused::OtherOrganisation { claimed } => sign_in::Refusal::OtherOrganisation { claimed },
    };
    sign_in::record_refusal(
        &state.db,
        trust_id,
        refusal,
        origin_of(req),
        state.clock.now(),
    )
    .await?;
    let paragraphs = match (refused, refusal) {
        (Refused::StateMismatch, _) => return Ok(start_again()),
        (Refused::NotSignedIn(_), sign_in::Refusal::ProviderError(error)) => vec![
            format!("Your trust's sign-in did not sign you in (it answered \"{error}\")."),
            "Start again from the sign-in page. If it happens again, ask your school's IT \
             support about your Microsoft 365 or Google Workspace account."
                .into(),
        ],
        (Refused::NotSignedIn(_), _) => vec![
            "Haven could not verify your trust's sign-in.".into(),
            "Start again from the sign-in page.".into(),
        ],
        (Refused::OtherOrganisation { .. }, _) => vec![
            "This account belongs to another organisation than this trust.".into(),
            "Sign in with your trust's account, or start from your own trust's sign-in page."
                .into(),
        ],
        (Refused::Unmatched(_), sign_in::Refusal::EmailUnverified { claimed }) => {
            let mut paragraphs = vec![format!(
                "Your account's email address ({claimed}) is not verified by your trust's \
                 sign-in, and Haven matches invitations by verified email address only."
            )];
            paragraphs.extend(whom_to_ask(state, trust_id).await?);
            paragraphs
        }
        (Refused::Unmatched(_), _) => {
            let mut paragraphs = vec![
                "Haven could not sign you in: this account has not been invited to the trust. \
                 Nobody can use Haven until their trust invites them."
                    .into(),
            ];
            paragraphs.extend(whom_to_ask(state, trust_id).await?);
            paragraphs
        }
    };
    Ok(page(
        StatusCode::FORBIDDEN,
        "You cannot sign in yet",
        paragraphs,
    ))
}

/// The trust's safeguarding leads, for a person the trust's provider has signed in.
async fn whom_to_ask(state: &ApiState, trust_id: uuid::Uuid) -> Result<Vec<String>, ApiError> {
    let leads = sign_in::trust_leads(&state.db, trust_id, state.clock.today_london()).await?;
    Ok(leads
        .into_iter()
        .map(|(name, email)| format!("Ask your trust safeguarding lead: {name} ({email})."))
        .collect())
}

/// The cookie that removes the pending sign-in's cookie: every callback uses it up.
fn pending_gone() -> Cookie<'static> {
    let mut gone = Cookie::build(PENDING_COOKIE, "")
        .path(CALLBACK_PATH)
        .finish();
    gone.set_max_age(time::Duration::ZERO);
    gone
}

#[get("/auth/callback")]
async fn callback(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<Callback>,
) -> Result<HttpResponse, ApiError> {
    let mut response = answer_callback(&req, &state, &query).await?;
    response
        .add_cookie(&pending_gone())
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(response)
}

async fn answer_callback(
    req: &HttpRequest,
    state: &ApiState,
    query: &Callback,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let client = client_address(req, &state.web.trusted_proxies);
    // A callback of no sign-in started here is an attempt of its own.
    let unstarted = || match state.sign_in_limit.attempt(client, now) {
        Ok(()) => start_again(),
        Err(limited) => limited.page(),
    };
    let Some(cookie) = req.cookie(PENDING_COOKIE) else {
        return Ok(unstarted());
    };
    let Some((trust_id, flow)) = sign_in::take_pending(&state.db, cookie.value(), now).await?
    else {
        return Ok(unstarted());
    };
    let Ok(flow) = serde_json::from_value::<Flow>(flow) else {
        return Ok(start_again());
    };
    // First, on every branch: only the browser that started this sign-in gets any further.
    let Some(returned_state) = query
        .state
        .as_deref()
        .filter(|returned| flow.pending.state_matches(returned))
    else {
        return refuse(state, req, trust_id, Refused::StateMismatch).await;
    };
    let (None, Some(code)) = (&query.error, &query.code) else {
        let error = provider_error(query.error.as_deref());
        return refuse(
            state,
            req,
            trust_id,
            Refused::NotSignedIn(sign_in::Refusal::ProviderError(error)),
        )
        .await;
    };
    let Some(provider) = sign_in::identity_provider(&state.db, trust_id).await? else {
        return Ok(not_connected());
    };
    let Some((preset, registration)) = preset_of(&provider, &state.web) else {
        return Ok(not_connected());
    };
    if preset.issuer() != flow.issuer || provider.kind() != flow.kind {
        return Ok(start_again());
    }
    let verified = verified_identity(
        state,
        &flow.issuer,
        registration,
        flow.pending,
        code,
        returned_state,
    );
    let identity = match verified.await {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, "sign-in refused");
            return refuse(
                state,
                req,
                trust_id,
                Refused::NotSignedIn(sign_in::Refusal::Unverified),
            )
            .await;
        }
    };
    let claimed = identity.email.as_deref().unwrap_or(&identity.subject);
    if !preset.admits(&identity) {
        return refuse(state, req, trust_id, Refused::OtherOrganisation { claimed }).await;
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
        origin_of(req),
        now,
    )
    .await?;
    let person_id = match person {
        PersonMatch::Person(person_id) => person_id,
        PersonMatch::NotInvited => {
            let refusal = sign_in::Refusal::NotInvited { claimed };
            return refuse(state, req, trust_id, Refused::Unmatched(refusal)).await;
        }
        PersonMatch::EmailUnverified => {
            let refusal = sign_in::Refusal::EmailUnverified { claimed };
            return refuse(state, req, trust_id, Refused::Unmatched(refusal)).await;
        }
    };
    if let Some(previous) = crate::extract::current(req).await?
        && let Some(session) = &previous.session
    {
        sign_in::end(&state.db, &previous.scope, session.session_id, now).await?;
    }
    let scope = Scope::for_person(
        &state.db,
        trust_id,
        person_id,
        origin_of(req),
        state.clock.today_london(),
    )
    .await?;
    let session = sign_in::start(&state.db, &scope, &flow.kind, state.web.sessions, now).await?;
    state.sign_in_limit.forgive(client);
    let home = safe_return_path(flow.return_to.as_deref()).unwrap_or_else(|| "/".into());
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, home))
        .cookie(session_cookie(&state.web, session.cookie))
        .finish())
}

/// Exchanges the code and verifies the ID token; a token signed by a key Haven has not seen
/// fetches the provider's keys anew (rate-limited) and is verified once more.
async fn verified_identity(
    state: &ApiState,
    issuer: &str,
    registration: &ProviderClient,
    pending: PendingSignIn,
    code: &str,
    returned_state: &str,
) -> Result<VerifiedIdentity, OidcError> {
    let now = state.clock.now();
    let client = state
        .providers
        .client(issuer, registration, &state.web)
        .await?;
    let exchanged = client.exchange(code, returned_state, pending).await?;
    match client.verify_exchanged(&exchanged, now) {
        Err(OidcError::UnknownKey) => {
            let Some(client) = state
                .providers
                .refetch(issuer, registration, &state.web)
                .await?
            else {
                return Err(OidcError::UnknownKey);
            };
            client.verify_exchanged(&exchanged, now)
        }
        verified => verified,
    }
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start).service(callback);
}
