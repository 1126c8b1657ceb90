//! OpenID Connect sign-in with a trust's identity provider: Microsoft Entra ID, Google Workspace,
//! or any conformant provider.
//!
//! Haven is one multi-tenant app registration per provider (one client id and secret in its
//! configuration); each trust names its own Entra tenant or Google hosted domain, and
//! [`ProviderPreset::admits`] keeps a trust's sign-in to people of that tenant or domain.
//!
//! The flow is the authorization code flow with PKCE: [`OidcClient::begin`] gives the provider URL
//! to send the browser to and a [`PendingSignIn`] that Haven keeps server-side until the callback;
//! [`OidcClient::complete`] checks the callback against it, exchanges the code and verifies the ID
//! token. Time is a parameter, never read from the system clock, so the checks are testable.

use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IdTokenFields,
    IssuerUrl, PkceCodeChallenge, RedirectUrl, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

pub use openidconnect::reqwest::Client as HttpClient;
pub use openidconnect::url::Url;
pub use openidconnect::{CsrfToken, Nonce, PkceCodeVerifier};

/// How far ahead of Haven's clock a provider's clock may run before its tokens look forged.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// An ID token is fetched the moment the browser returns; one issued longer ago than this is a
/// replay, and refusing it bounds how long a leaked token is worth anything.
const MAX_TOKEN_AGE: Duration = Duration::minutes(10);

/// Which identity provider a trust signs in with, and which of its people count as the trust's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderPreset {
    /// Microsoft 365: the trust's Entra tenant.
    EntraId { tenant_id: String },
    /// Google Workspace: the trust's primary domain.
    Google { hosted_domain: String },
    /// Any other OpenID provider, trusted whole.
    Generic { issuer: String },
}

impl ProviderPreset {
    /// The issuer to discover. Entra's shared `/common` issuer is a template (`{tenantid}`) that
    /// no token matches, so Entra is always discovered per tenant.
    pub fn issuer(&self) -> String {
        match self {
            ProviderPreset::EntraId { tenant_id } => {
                format!("https://login.microsoftonline.com/{tenant_id}/v2.0")
            }
            ProviderPreset::Google { .. } => "https://accounts.google.com".to_string(),
            ProviderPreset::Generic { issuer } => issuer.clone(),
        }
    }

    /// Whether a verified identity belongs to this trust. One app registration serves every
    /// trust, so a valid token alone proves only that *some* tenant's user signed in: Entra's
    /// `tid` or Google's `hd` must name the trust's own. Tenant ids and domains are compared
    /// without regard to case, as both providers treat them.
    pub fn admits(&self, identity: &VerifiedIdentity) -> bool {
        let (claimed, required) = match self {
            ProviderPreset::EntraId { tenant_id } => (&identity.tenant_id, tenant_id),
            ProviderPreset::Google { hosted_domain } => (&identity.hosted_domain, hosted_domain),
            ProviderPreset::Generic { .. } => return true,
        };
        claimed
            .as_deref()
            .is_some_and(|claimed| claimed.eq_ignore_ascii_case(required))
    }
}

/// Why a sign-in failed, in terms a caller can turn into a message for the person signing in.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The callback's `state` is not the one this sign-in sent: a forged or crossed callback.
    #[error("the sign-in response does not belong to this sign-in")]
    StateMismatch,
    /// The provider answered, but its ID token failed verification.
    #[error("the identity provider's token was refused: {0}")]
    TokenRejected(String),
    /// The provider refused the code exchange, or could not be reached.
    #[error("the identity provider refused the sign-in: {0}")]
    Provider(String),
    /// The provider's configuration or keys could not be fetched.
    #[error("the identity provider could not be discovered: {0}")]
    Discovery(String),
    /// The ID token is signed with a key (`kid`) the provider did not publish when Haven last
    /// fetched its keys: most likely the provider has rotated its keys since.
    #[error("the identity provider's token is signed with a key Haven does not know")]
    UnknownKey,
}

/// The OAuth 2.0 and OpenID Connect error codes a provider may send the browser back with
/// (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6). Haven repeats only these: anyone can send a
/// browser to the callback with any text in `error`.
const PROVIDER_ERRORS: [&str; 11] = [
    "access_denied",
    "invalid_request",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "consent_required",
    "account_selection_required",
];

/// A callback's `error` as one of [`PROVIDER_ERRORS`], or `other` for anything else (none sent
/// included).
pub fn provider_error(sent: Option<&str>) -> &'static str {
    PROVIDER_ERRORS
        .into_iter()
        .find(|code| Some(*code) == sent)
        .unwrap_or("other")
}

/// What Haven keeps, server-side, between sending the browser to the provider and its return.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub pkce_verifier: PkceCodeVerifier,
}

impl PendingSignIn {
    /// Whether a callback's `state` is this sign-in's, compared in constant time so a forger
    /// cannot learn the expected state a byte at a time.
    pub fn state_matches(&self, returned: &str) -> bool {
        bool::from(self.state.secret().as_bytes().ct_eq(returned.as_bytes()))
    }
}

/// The ID token a provider answered a sign-in's code with, not yet verified.
pub struct Exchanged {
    id_token: TenantIdToken,
    nonce: Nonce,
}

/// Who signed in, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub issuer: String,
    /// Stable per issuer (and, at Entra, per app): the key to link a Haven person by, not email.
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// Entra's `tid`.
    pub tenant_id: Option<String>,
    /// Google's `hd`.
    pub hosted_domain: Option<String>,
}

/// The claims beyond the standard ones that say which tenant a user belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TenantClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hd: Option<String>,
}

impl AdditionalClaims for TenantClaims {}

type TenantIdToken = IdToken<
    TenantClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type TenantTokenResponse = StandardTokenResponse<
    IdTokenFields<
        TenantClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

/// `CoreClient` with [`TenantClaims`], in the endpoint state discovery leaves it in.
type DiscoveredClient = openidconnect::Client<
    TenantClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TenantTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The HTTP client for talking to providers. It never follows redirects: a provider endpoint
/// that redirects would otherwise send Haven's requests, secrets included, wherever it pointed.
pub fn http_client() -> Result<HttpClient, OidcError> {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| OidcError::Discovery(error_chain(&e)))
}

/// One provider, discovered: its endpoints and signing keys, and Haven's registration with it.
#[derive(Debug, Clone)]
pub struct OidcClient {
    client: DiscoveredClient,
    http: HttpClient,
}

impl OidcClient {
    /// Fetches the provider's discovery document and signing keys. The issuer must be exactly
    /// the one the provider names itself by, as every ID token's `iss` is checked against it.
    pub async fn discover(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
        redirect_url: &str,
        http: HttpClient,
    ) -> Result<Self, OidcError> {
        let issuer_url = IssuerUrl::new(issuer.to_string())
            .map_err(|e| OidcError::Discovery(format!("issuer {issuer:?}: {e}")))?;
        let redirect_url = RedirectUrl::new(redirect_url.to_string())
            .map_err(|e| OidcError::Discovery(format!("redirect URL {redirect_url:?}: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
            .await
            .map_err(|e| OidcError::Discovery(format!("{issuer}: {}", error_chain(&e))))?;
        let client = DiscoveredClient::from_provider_metadata(
            metadata,
            ClientId::new(client_id.to_string()),
            client_secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect_url);
        Ok(Self { client, http })
    }

    /// Starts a sign-in: the URL to send the browser to, and what to keep until it returns.
    pub fn begin(&self) -> (Url, PendingSignIn) {
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_string()))
            .add_scope(Scope::new("profile".to_string()))
            .set_pkce_challenge(pkce_challenge)
            .url();
        (
            url,
            PendingSignIn {
                state,
                nonce,
                pkce_verifier,
            },
        )
    }

    /// Finishes a sign-in from the callback's `code` and `state`: [`OidcClient::exchange`], then
    /// [`OidcClient::verify_exchanged`] as of `now`.
    pub async fn complete(
        &self,
        code: &str,
        returned_state: &str,
        pending: PendingSignIn,
        now: DateTime<Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let exchanged = self.exchange(code, returned_state, pending).await?;
        self.verify_exchanged(&exchanged, now)
    }

    /// Checks the callback's `state` and exchanges its `code` (with the PKCE verifier) for the
    /// ID token. A code can be exchanged once only, so the token is kept to verify again should
    /// the provider's keys need fetching anew.
    pub async fn exchange(
        &self,
        code: &str,
        returned_state: &str,
        pending: PendingSignIn,
    ) -> Result<Exchanged, OidcError> {
        if !pending.state_matches(returned_state) {
            return Err(OidcError::StateMismatch);
        }
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Provider(error_chain(&e)))?
            .set_pkce_verifier(pending.pkce_verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Provider(error_chain(&e)))?;
        let id_token = response.extra_fields().id_token().ok_or_else(|| {
            OidcError::TokenRejected("the token response has no ID token".to_string())
        })?;
        Ok(Exchanged {
            id_token: id_token.clone(),
            nonce: pending.nonce,
        })
    }

    /// Verifies an exchanged ID token with this client's view of the provider's keys; a token
    /// signed by a key it does not know is [`OidcError::UnknownKey`].
    pub fn verify_exchanged(
        &self,
        exchanged: &Exchanged,
        now: DateTime<Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        self.verify(&exchanged.id_token, &exchanged.nonce, now)
    }

    /// Verifies a raw ID token (compact JWT) as [`OidcClient::complete`] does: signature, issuer,
    /// audience (this client), expiry and issue time against `now`, and `nonce`.
    pub fn verify_id_token(
        &self,
        id_token: &str,
        nonce: &Nonce,
        now: DateTime<Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let id_token: TenantIdToken = id_token
            .parse()
            .map_err(|e| OidcError::TokenRejected(format!("not an ID token: {e}")))?;
        self.verify(&id_token, nonce, now)
    }

    fn verify(
        &self,
        id_token: &TenantIdToken,
        nonce: &Nonce,
        now: DateTime<Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let verifier = self
            .client
            .id_token_verifier()
            .set_time_fn(move || now)
            .set_issue_time_verifier_fn(move |issued_at| {
                if issued_at > now + CLOCK_SKEW {
                    Err(format!("issued at {issued_at}, in the future (now {now})"))
                } else if issued_at < now - MAX_TOKEN_AGE {
                    Err(format!("issued at {issued_at}, too long ago (now {now})"))
                } else {
                    Ok(())
                }
            });
        let claims = id_token.claims(&verifier, nonce).map_err(|e| match e {
            ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ) => OidcError::UnknownKey,
            other => OidcError::TokenRejected(other.to_string()),
        })?;
        Ok(VerifiedIdentity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|email| email.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            tenant_id: claims.additional_claims().tid.clone(),
            hosted_domain: claims.additional_claims().hd.clone(),
        })
    }
}

/// An error and its causes on one line: the HTTP and parse errors underneath say what went wrong.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
