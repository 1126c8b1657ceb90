//! OpenID Connect sign-in against a real provider: a good sign-in yields a verified identity, and
//! every way a callback or token can be wrong is refused.

use chrono::{DateTime, Duration, Utc};
use haven_api::auth::oidc::{self, Nonce, OidcClient, OidcError, PendingSignIn, ProviderPreset};
use serde_json::json;

use crate::harness::oidc::TestOidcProvider;

/// Never contacted: the browser stand-in stops at the redirect to it.
const CALLBACK: &str = "http://127.0.0.1:8080/auth/callback";
const HAVEN_SECRET: &str = "s3cret";
const TENANT: &str = "6f1c2a9e-0b7d-4c1e-9a55-3d2f8e4b7c10";

/// The provider with two registered apps (Haven and another) and two people: a Google-style
/// account with `hd`, an Entra-style one with `tid`.
struct World {
    provider: TestOidcProvider,
    haven: OidcClient,
    other_app: OidcClient,
}

async fn world() -> Option<World> {
    if !TestOidcProvider::node_installed() {
        eprintln!("skipped: node is not installed, so the test OpenID provider cannot run");
        return None;
    }
    let provider = TestOidcProvider::start(
        json!([
            { "client_id": "haven", "client_secret": HAVEN_SECRET, "redirect_uris": [CALLBACK] },
            { "client_id": "other-app", "client_secret": "0th3r", "redirect_uris": [CALLBACK] },
        ]),
        json!({
            "dev@brook.example": {
                "email": "dev@brook.example", "email_verified": true, "hd": "brook.example",
            },
            "head@oak.example": {
                "email": "head@oak.example", "email_verified": false, "tid": TENANT,
            },
        }),
    )
    .await;
    let client = |id: &'static str, secret: &'static str| {
        OidcClient::discover(
            &provider.issuer,
            id,
            Some(secret.to_string()),
            CALLBACK,
            oidc::http_client().unwrap(),
        )
    };
    let haven = client("haven", HAVEN_SECRET).await.unwrap();
    let other_app = client("other-app", "0th3r").await.unwrap();
    Some(World {
        provider,
        haven,
        other_app,
    })
}

impl World {
    /// Begins a sign-in at Haven and carries `login` through the provider to the callback.
    async fn callback_for(&self, login: &str) -> (String, String, PendingSignIn) {
        let (url, pending) = self.haven.begin();
        let (code, state) = self.provider.sign_in_as(login, &url).await;
        (code, state, pending)
    }
}

/// The provider stamps its tokens with the real clock, so a sign-in that should pass is checked
/// against the real clock too; the refusals shift it.
#[allow(clippy::disallowed_methods)]
fn provider_now() -> DateTime<Utc> {
    Utc::now()
}

#[tokio::test]
async fn a_good_sign_in_yields_the_verified_identity() {
    let Some(world) = world().await else { return };
    let (url, pending) = world.haven.begin();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let has = |key: &str, value: &str| query.iter().any(|(k, v)| k == key && v == value);
    assert!(has("code_challenge_method", "S256"), "{url}");
    assert!(has("scope", "openid email profile"), "{url}");

    let (code, state) = world.provider.sign_in_as("dev@brook.example", &url).await;
    let identity = world
        .haven
        .complete(&code, &state, pending, provider_now())
        .await
        .unwrap();

    assert_eq!(identity.issuer, world.provider.issuer);
    assert_eq!(identity.subject, "dev@brook.example");
    assert_eq!(identity.email.as_deref(), Some("dev@brook.example"));
    assert!(identity.email_verified);
    assert_eq!(identity.hosted_domain.as_deref(), Some("brook.example"));
    assert_eq!(identity.tenant_id, None);
}

#[tokio::test]
async fn a_trust_admits_only_its_own_tenant_or_domain() {
    let Some(world) = world().await else { return };
    let (code, state, pending) = world.callback_for("head@oak.example").await;
    let entra_user = world
        .haven
        .complete(&code, &state, pending, provider_now())
        .await
        .unwrap();
    let (code, state, pending) = world.callback_for("dev@brook.example").await;
    let google_user = world
        .haven
        .complete(&code, &state, pending, provider_now())
        .await
        .unwrap();

    assert_eq!(entra_user.tenant_id.as_deref(), Some(TENANT));
    assert!(!entra_user.email_verified);
    let oak = ProviderPreset::EntraId {
        tenant_id: TENANT.to_uppercase(),
    };
    let brook = ProviderPreset::Google {
        hosted_domain: "Brook.example".to_string(),
    };
    assert!(oak.admits(&entra_user));
    assert!(!oak.admits(&google_user));
    assert!(brook.admits(&google_user));
    assert!(!brook.admits(&entra_user));
    let elsewhere = ProviderPreset::Google {
        hosted_domain: "elm.example".to_string(),
    };
    assert!(!elsewhere.admits(&google_user));
    assert_eq!(
        oak.issuer(),
        format!(
            "https://login.microsoftonline.com/{}/v2.0",
            TENANT.to_uppercase()
        )
    );
    assert_eq!(brook.issuer(), "https://accounts.google.com");
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let Some(world) = world().await else { return };
    let (code, state, pending) = world.callback_for("dev@brook.example").await;
    let tampered = format!("{state}x");

    let refused = world
        .haven
        .complete(&code, &tampered, pending, provider_now())
        .await;

    assert!(
        matches!(refused, Err(OidcError::StateMismatch)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_wrong_nonce_is_refused() {
    let Some(world) = world().await else { return };
    let (code, state, mut pending) = world.callback_for("dev@brook.example").await;
    pending.nonce = Nonce::new_random();

    let refused = world
        .haven
        .complete(&code, &state, pending, provider_now())
        .await;

    assert!(
        matches!(&refused, Err(OidcError::TokenRejected(why)) if why.contains("nonce")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let Some(world) = world().await else { return };
    let (code, state, pending) = world.callback_for("dev@brook.example").await;

    let refused = world
        .haven
        .complete(&code, &state, pending, provider_now() + Duration::hours(2))
        .await;

    assert!(
        matches!(&refused, Err(OidcError::TokenRejected(why)) if why.contains("Expired")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let Some(world) = world().await else { return };
    let (code, state, pending) = world.callback_for("dev@brook.example").await;

    let refused = world
        .haven
        .complete(
            &code,
            &state,
            pending,
            provider_now() - Duration::minutes(30),
        )
        .await;

    assert!(
        matches!(&refused, Err(OidcError::TokenRejected(why)) if why.contains("future")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_id_token_for_another_app_is_refused() {
    let Some(world) = world().await else { return };
    let (code, _state, pending) = world.callback_for("dev@brook.example").await;
    // Genuinely signed by the same provider, but issued to Haven: another app must not accept it.
    let haven_token = world
        .provider
        .id_token_for(
            "haven",
            HAVEN_SECRET,
            CALLBACK,
            &code,
            pending.pkce_verifier.secret(),
        )
        .await;
    assert!(
        world
            .haven
            .verify_id_token(&haven_token, &pending.nonce, provider_now())
            .is_ok()
    );

    let refused = world
        .other_app
        .verify_id_token(&haven_token, &pending.nonce, provider_now());

    assert!(
        matches!(&refused, Err(OidcError::TokenRejected(why)) if why.contains("audience")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_code_issued_to_another_app_is_refused() {
    let Some(world) = world().await else { return };
    let (code, state, pending) = world.callback_for("dev@brook.example").await;

    let refused = world
        .other_app
        .complete(&code, &state, pending, provider_now())
        .await;

    assert!(
        matches!(&refused, Err(OidcError::Provider(why)) if why.contains("invalid_grant")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_code_used_twice_is_refused() {
    let Some(world) = world().await else { return };
    let (code, state, pending) = world.callback_for("dev@brook.example").await;
    // Kept the way Haven keeps it, in the sign-in session row: that copy is what a replay reuses.
    let stored = serde_json::to_string(&pending).unwrap();
    world
        .haven
        .complete(&code, &state, pending, provider_now())
        .await
        .unwrap();

    let replayed: PendingSignIn = serde_json::from_str(&stored).unwrap();
    let refused = world
        .haven
        .complete(&code, &state, replayed, provider_now())
        .await;

    assert!(
        matches!(&refused, Err(OidcError::Provider(why)) if why.contains("invalid_grant")),
        "{refused:?}"
    );
}
