//! Signing in to Haven through a real OpenID provider: the whole browser redirect flow, the
//! mapping of accounts to invited people, and every refusal.

use std::sync::{Arc, Mutex, OnceLock};

use haven_api::WebSettings;
use haven_config::ProviderClient;
use haven_entity as e;
use haven_jobs::SystemClock;
use haven_store::{Origin, SystemActor};
use reqwest::{Method, Url};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use uuid::Uuid;

use crate::harness::oidc::TestOidcProvider;
use crate::harness::{Backend, Tenants, TestApp, backends};

fn app_now() -> chrono::DateTime<chrono::Utc> {
    haven_jobs::Clock::now(&SystemClock)
}

const SECRET: &str = "haven-test-secret";

struct World {
    app: TestApp,
    tenants: Tenants,
    provider: TestOidcProvider,
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// An app with Haven's registration at the provider, and trust A connected to the provider.
async fn world(backend: Backend, attempts_per_minute: u32) -> Option<World> {
    world_with(backend, |web| {
        web.sign_in_attempts_per_minute = attempts_per_minute
    })
    .await
}

/// As [`world`], with the app's settings adjusted.
async fn world_with(backend: Backend, adjust: impl FnOnce(&mut WebSettings)) -> Option<World> {
    if !TestOidcProvider::node_installed() {
        eprintln!("skipped: node is not installed");
        return None;
    }
    // The provider signs its tokens at the real time, so this app lives by the real clock.
    let app = TestApp::spawn_with_clock(backend, SystemClock, |web| {
        web.providers.oidc = Some(ProviderClient {
            client_id: "haven".into(),
            client_secret: SECRET.to_string().into(),
        });
        adjust(web);
    })
    .await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let provider = TestOidcProvider::start(
        json!([{
            "client_id": "haven",
            "client_secret": SECRET,
            "redirect_uris": [format!("{}/auth/callback", app.address)],
        }]),
        json!({
            "dev": { "email": "Dev.Brook@example.org", "email_verified": true },
            "stranger": { "email": "stranger@example.org", "email_verified": true },
            "unverified": { "email": "lena.lead@example.org", "email_verified": false },
            "moor": { "email": "dee.moor@example.org", "email_verified": true },
        }),
    )
    .await;
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Cli, Origin::Cli);
    let mut tx = app.test_db.db.write(&system, app_now()).await.unwrap();
    tx.insert(e::identity_provider::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tenants.trust_a),
        kind: Set("oidc".into()),
        tenant_id: Set(None),
        hosted_domain: Set(None),
        issuer: Set(Some(provider.issuer.clone())),
        created_at: Set(app_now()),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Some(World {
        app,
        tenants,
        provider,
    })
}

async fn slug(world: &World) -> String {
    haven_store::trust::find(&world.app.test_db.db, world.tenants.trust_a)
        .await
        .unwrap()
        .slug
}

/// Starts a sign-in at Haven: the provider URL and the pending cookie.
async fn begin(world: &World) -> (Url, String) {
    let started = world
        .app
        .request(
            Method::GET,
            &format!("/sign-in/{}", slug(world).await),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let pending = set_cookie(&started, "haven_pending_sign_in").unwrap();
    let location = started.headers()["location"].to_str().unwrap();
    (Url::parse(location).unwrap(), pending)
}

async fn callback(world: &World, pending: &str, code: &str, state: &str) -> reqwest::Response {
    world
        .app
        .request(Method::GET, "/auth/callback", None)
        .query(&[("code", code), ("state", state)])
        .header("cookie", pending)
        .send()
        .await
        .unwrap()
}

async fn sign_in_as(world: &World, login: &str) -> reqwest::Response {
    let (url, pending) = begin(world).await;
    let (code, state) = world.provider.sign_in_as(login, &url).await;
    callback(world, &pending, &code, &state).await
}

async fn me(world: &World, session: &str) -> serde_json::Value {
    world
        .app
        .request(Method::GET, "/api/v1/me", None)
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invited_person_signs_in_with_the_trusts_provider_and_is_linked_by_subject() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        let response = sign_in_as(&world, "dev").await;
        assert_eq!(response.status(), 303, "{backend:?}");
        let session = set_cookie(&response, "haven_session").unwrap();
        assert_eq!(
            me(&world, &session).await["person_id"],
            world.tenants.dsl_a1.to_string()
        );

        let person = e::person::Entity::find_by_id(world.tenants.dsl_a1)
            .one(&world.app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            person.oidc_subject,
            Some(format!("{}#dev", world.provider.issuer)),
            "linked by issuer and subject, not by email alone"
        );
        let actions: Vec<String> = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::TrustId.eq(world.tenants.trust_a))
            .all(&world.app.test_db.owner)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.action)
            .collect();
        assert!(actions.contains(&"link_identity".into()) && actions.contains(&"sign_in".into()));

        // The second time the subject finds the person.
        let again = sign_in_as(&world, "dev").await;
        assert_eq!(again.status(), 303);
        world.app.stop().await;
    }
}

/// The trust's sign-in refusals in its audit log, oldest first.
async fn refusals(world: &World) -> Vec<e::audit_log::Model> {
    e::audit_log::Entity::find()
        .filter(e::audit_log::Column::TrustId.eq(world.tenants.trust_a))
        .filter(e::audit_log::Column::Action.eq("sign_in_refused"))
        .all(&world.app.test_db.owner)
        .await
        .unwrap()
}

/// A 403 page saying `says`, no session, and the refusal audited with `reason`.
async fn assert_refused(world: &World, response: reqwest::Response, says: &str, reason: &str) {
    assert_eq!(response.status(), 403);
    assert!(set_cookie(&response, "haven_session").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains(says), "{html}");
    assert!(
        html.contains("Lena Lead"),
        "the page names whom to ask: {html}"
    );
    let refusals = refusals(world).await;
    assert_eq!(
        refusals.last().and_then(|row| row.reason.as_deref()),
        Some(reason)
    );
}

/// The trust's leads, whom only a person its provider signed in may learn of.
fn names_no_lead(html: &str) -> bool {
    !html.contains("Lena Lead") && !html.contains("lena.lead@example.org")
}

#[tokio::test]
async fn a_person_nobody_invited_is_refused_with_a_page_saying_whom_to_ask() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        let response = sign_in_as(&world, "stranger").await;
        assert_refused(&world, response, "not been invited", "not_invited").await;
        world.app.stop().await;
    }
}

#[tokio::test]
async fn an_invited_person_whose_email_the_provider_has_not_verified_is_told_so() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        let response = sign_in_as(&world, "unverified").await;
        assert_refused(
            &world,
            response,
            "(lena.lead@example.org) is not verified",
            "email_unverified",
        )
        .await;
        let person = e::person::Entity::find_by_id(world.tenants.lead_a)
            .one(&world.app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            person.oidc_subject, None,
            "an unverified email links nobody"
        );
        world.app.stop().await;
    }
}

#[tokio::test]
async fn a_person_of_another_trust_cannot_sign_in_to_this_one() {
    let Some(world) = world(Backend::Sqlite, 20).await else {
        return;
    };
    let response = sign_in_as(&world, "moor").await;
    assert_refused(&world, response, "not been invited", "not_invited").await;
    world.app.stop().await;
}

#[tokio::test]
async fn a_tampered_state_only_says_start_again_and_a_callback_cannot_be_replayed() {
    let Some(world) = world(Backend::Sqlite, 20).await else {
        return;
    };
    let (url, pending) = begin(&world).await;
    let (code, _) = world.provider.sign_in_as("dev", &url).await;
    let tampered = callback(&world, &pending, &code, "forged-state").await;
    assert_eq!(tampered.status(), 400);
    assert!(set_cookie(&tampered, "haven_session").is_none());
    let html = tampered.text().await.unwrap();
    assert!(
        html.contains("sign in again") && names_no_lead(&html),
        "{html}"
    );
    let refusals = refusals(&world).await;
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].reason.as_deref(), Some("state_mismatch"));
    // The pending sign-in was used up by the attempt: replaying it starts nothing.
    let replay = callback(&world, &pending, &code, "forged-state").await;
    assert_eq!(replay.status(), 400);
    world.app.stop().await;
}

fn query_value(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap()
}

async fn callback_with(world: &World, pending: &str, query: &[(&str, &str)]) -> reqwest::Response {
    world
        .app
        .request(Method::GET, "/auth/callback", None)
        .query(query)
        .header("cookie", pending)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_who_cancels_at_the_provider_is_told_so_and_shown_nobodys_name() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        let (url, pending) = begin(&world).await;
        let back = world.provider.cancel_at_provider(&url).await;
        assert_eq!(query_value(&back, "error"), "access_denied");
        let query: Vec<(String, String)> = back.query_pairs().into_owned().collect();
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        let response = callback_with(&world, &pending, &query).await;
        assert_eq!(response.status(), 403, "{backend:?}");
        assert!(set_cookie(&response, "haven_session").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("access_denied"), "{html}");
        assert!(names_no_lead(&html), "{html}");
        let refusals = refusals(&world).await;
        assert_eq!(refusals.len(), 1);
        assert_eq!(refusals[0].reason.as_deref(), Some("provider_error"));
        assert_eq!(
            refusals[0].detail,
            json!({ "provider_error": "access_denied" })
        );
        world.app.stop().await;
    }
}

#[tokio::test]
async fn made_up_error_text_in_a_callback_is_neither_shown_nor_audited_and_names_no_lead() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        let planted = "Your account is locked: call 0800 000 000 <b>now</b>";
        let (url, pending) = begin(&world).await;
        let state = query_value(&url, "state");
        let response = callback_with(
            &world,
            &pending,
            &[("error", planted), ("state", state.as_str())],
        )
        .await;
        assert_eq!(response.status(), 403, "{backend:?}");
        let html = response.text().await.unwrap();
        assert!(!html.contains("0800") && names_no_lead(&html), "{html}");

        // The same text with a state this browser never had: nothing but "start again".
        let (_, pending) = begin(&world).await;
        let forged =
            callback_with(&world, &pending, &[("error", planted), ("state", "forged")]).await;
        assert_eq!(forged.status(), 400);
        let html = forged.text().await.unwrap();
        assert!(!html.contains("0800") && names_no_lead(&html), "{html}");

        let refusals = refusals(&world).await;
        let audited: Vec<(Option<&str>, &serde_json::Value)> = refusals
            .iter()
            .map(|row| (row.reason.as_deref(), &row.detail))
            .collect();
        assert_eq!(
            audited,
            vec![
                (
                    Some("provider_error"),
                    &json!({ "provider_error": "other" })
                ),
                (Some("state_mismatch"), &json!({})),
            ]
        );
        world.app.stop().await;
    }
}

#[tokio::test]
async fn every_callback_clears_the_pending_sign_in_cookie() {
    let Some(world) = world(Backend::Sqlite, 20).await else {
        return;
    };
    let cleared = |response: &reqwest::Response| {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with("haven_pending_sign_in=;") && v.contains("Max-Age=0"))
    };
    let refused = sign_in_as(&world, "stranger").await;
    assert_eq!(refused.status(), 403);
    assert!(cleared(&refused), "{:?}", refused.headers());
    let (_, pending) = begin(&world).await;
    let forged = callback(&world, &pending, "code", "forged").await;
    assert!(cleared(&forged), "{:?}", forged.headers());
    let signed_in = sign_in_as(&world, "dev").await;
    assert_eq!(signed_in.status(), 303);
    assert!(cleared(&signed_in), "{:?}", signed_in.headers());
    world.app.stop().await;
}

async fn pending_rows(world: &World) -> Vec<e::pending_sign_in::Model> {
    e::pending_sign_in::Entity::find()
        .all(&world.app.test_db.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_abandoned_sign_in_is_purged_once_it_has_expired() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        // Started eleven minutes ago at the provider and never came back.
        haven_store::sign_in::save_pending(
            &world.app.test_db.db,
            world.tenants.trust_a,
            json!({}),
            app_now() - chrono::Duration::minutes(11),
        )
        .await
        .unwrap();
        let (_, _pending) = begin(&world).await;
        let rows = pending_rows(&world).await;
        assert_eq!(rows.len(), 1, "{backend:?}: the expired one is gone");
        assert!(rows[0].expires_at > app_now(), "the live one stays");
        world.app.stop().await;
    }
}

#[tokio::test]
async fn a_sign_in_after_the_provider_rotates_its_keys_succeeds_with_one_refetch_a_minute() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        // The first sign-in fetches the provider's keys; the rotation makes them stale.
        assert_eq!(sign_in_as(&world, "dev").await.status(), 303);
        world.provider.rotate_keys().await;
        let response = sign_in_as(&world, "dev").await;
        assert_eq!(response.status(), 303, "{backend:?}");
        let session = set_cookie(&response, "haven_session").unwrap();
        assert_eq!(
            me(&world, &session).await["person_id"],
            world.tenants.dsl_a1.to_string()
        );
        // The keys are fetched anew at most once a minute: a token naming yet another key
        // within it is refused rather than sending Haven to the provider again.
        world.provider.rotate_keys().await;
        let response = sign_in_as(&world, "dev").await;
        assert_eq!(response.status(), 403, "{backend:?}");
        assert!(response.text().await.unwrap().contains("could not verify"));
        world.app.stop().await;
    }
}

#[tokio::test]
async fn a_callback_without_a_pending_sign_in_starts_again() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .request(Method::GET, "/auth/callback?code=x&state=y", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn a_trust_without_a_connected_provider_says_so() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/sign-in/no-such-trust").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("not set up"));
    app.stop().await;
}

async fn start_status(world: &World, forwarded_for: Option<&str>) -> reqwest::Response {
    let path = format!("/sign-in/{}", slug(world).await);
    let request = world.app.request(Method::GET, &path, None);
    match forwarded_for {
        Some(address) => request.header("x-forwarded-for", address),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn abandoned_sign_ins_are_limited_per_address_with_a_page_saying_when_to_retry() {
    let Some(world) = world(Backend::Sqlite, 3).await else {
        return;
    };
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(start_status(&world, None).await.status().as_u16());
    }
    assert_eq!(statuses, vec![303, 303, 303]);
    let limited = start_status(&world, None).await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        limited.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        limited
            .text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    world.app.stop().await;
}

#[tokio::test]
async fn sign_ins_that_succeed_do_not_use_up_the_addresss_limit() {
    for backend in backends() {
        let Some(world) = world(backend, 3).await else {
            return;
        };
        // A school behind one address: more good sign-ins than the limit, one after another.
        for _ in 0..5 {
            assert_eq!(sign_in_as(&world, "dev").await.status(), 303, "{backend:?}");
        }
        // A refused one still counts.
        assert_eq!(sign_in_as(&world, "stranger").await.status(), 403);
        assert_eq!(start_status(&world, None).await.status(), 303);
        assert_eq!(start_status(&world, None).await.status(), 303);
        assert_eq!(start_status(&world, None).await.status(), 429);
        world.app.stop().await;
    }
}

#[tokio::test]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    let Some(proxied) = world_with(Backend::Sqlite, |web| {
        web.sign_in_attempts_per_minute = 2;
        web.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    // Behind the trusted proxy, each client its own limit; a client's own forged entries
    // before the proxy's do not buy it a fresh one.
    let client = Some("198.51.100.7");
    let forged = Some("192.0.2.1, 198.51.100.7");
    assert_eq!(start_status(&proxied, client).await.status(), 303);
    assert_eq!(start_status(&proxied, forged).await.status(), 303);
    assert_eq!(start_status(&proxied, client).await.status(), 429);
    assert_eq!(
        start_status(&proxied, Some("198.51.100.8")).await.status(),
        303
    );
    proxied.app.stop().await;

    // Without trusting any proxy, the header is ignored: the connection's address is limited.
    let Some(untrusting) = world(Backend::Sqlite, 2).await else {
        return;
    };
    for (forwarded, status) in [
        ("198.51.100.1", 303),
        ("198.51.100.2", 303),
        ("198.51.100.3", 429),
    ] {
        assert_eq!(
            start_status(&untrusting, Some(forwarded)).await.status(),
            status
        );
    }
    untrusting.app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/").await;
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS in development"
    );
    app.stop().await;
    let production = TestApp::spawn_with(Backend::Sqlite, |web| web.production = true).await;
    let response = production.get("/health").await;
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
    production.stop().await;
}

/// What the app logs about the sign-in callback, from the first call on: a global subscriber
/// (the app serves on threads of its own) that keeps only the lines naming the callback.
fn callback_logs() -> Arc<Mutex<String>> {
    static LOGS: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(String::new()));
        let kept = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || CallbackLines(kept.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    })
    .clone()
}

struct CallbackLines(Arc<Mutex<String>>);

impl std::io::Write for CallbackLines {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let line = String::from_utf8_lossy(line);
        if line.contains("/auth/callback") {
            self.0.lock().unwrap().push_str(&line);
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_callbacks_code_and_state_never_reach_the_log() {
    let logs = callback_logs();
    let Some(world) = world(Backend::Sqlite, 20).await else {
        return;
    };
    let (url, pending) = begin(&world).await;
    let (code, state) = world.provider.sign_in_as("dev", &url).await;
    assert_eq!(
        callback(&world, &pending, &code, &state).await.status(),
        303
    );
    let (url, pending) = begin(&world).await;
    let (refused_code, refused_state) = world.provider.sign_in_as("stranger", &url).await;
    assert_eq!(
        callback(&world, &pending, &refused_code, &refused_state)
            .await
            .status(),
        403
    );
    world.app.stop().await;
    let logs = logs.lock().unwrap().clone();
    assert!(
        logs.contains("/auth/callback"),
        "the callback is logged: {logs}"
    );
    for secret in [code, state, refused_code, refused_state] {
        assert!(!logs.contains(&secret), "{secret} is in the log: {logs}");
    }
}

/// Signs `login` in from `/sign-in/<slug>?next=<next>`: where Haven sends the browser after.
async fn signed_in_location(world: &World, next: &str) -> String {
    let started = world
        .app
        .request(
            Method::GET,
            &format!("/sign-in/{}", slug(world).await),
            None,
        )
        .query(&[("next", next)])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let pending = set_cookie(&started, "haven_pending_sign_in").unwrap();
    let url = Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    let (code, state) = world.provider.sign_in_as("dev", &url).await;
    let response = callback(world, &pending, &code, &state).await;
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_sign_in_page_asks_for_the_trust_then_offers_its_provider_as_a_button() {
    for backend in backends() {
        let Some(world) = world(backend, 20).await else {
            return;
        };
        // Where an email's link sends someone signed out: sign-in, remembering the page.
        let asked = world.app.get("/settings/notifications").await;
        assert_eq!(asked.status(), 303);
        let sign_in = asked.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(sign_in, "/sign-in?next=%2Fsettings%2Fnotifications");

        let page = world.app.get(&sign_in).await.text().await.unwrap();
        assert!(
            page.contains(r#"<form method="get" action="/sign-in">"#)
                && page.contains(r#"name="trust""#)
                && page.contains(r#"name="next" value="/settings/notifications""#),
            "{page}"
        );
        let slug = slug(&world).await;
        let unknown = world.app.get("/sign-in?trust=no-such-trust").await;
        assert!(
            unknown
                .text()
                .await
                .unwrap()
                .contains("no trust of that name")
        );

        let chosen = world
            .app
            .get(&format!(
                "/sign-in?trust={slug}&next=%2Fsettings%2Fnotifications"
            ))
            .await
            .text()
            .await
            .unwrap();
        let button = format!(
            r#"<a class="button" href="/sign-in/{slug}?next=%2Fsettings%2Fnotifications">Sign in with your trust&#39;s account</a>"#
        );
        assert!(chosen.contains(&button), "{backend:?}: {chosen}");
        // The button leads to the provider, and the sign-in back to the page asked for.
        assert_eq!(
            signed_in_location(&world, "/settings/notifications").await,
            "/settings/notifications"
        );
        world.app.stop().await;
    }
}

#[tokio::test]
async fn signing_in_never_returns_to_an_outside_address() {
    let Some(world) = world(Backend::Sqlite, 20).await else {
        return;
    };
    for outside in [
        "//evil.example/records",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/records\\..\\",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: a=b",
        "records/1",
    ] {
        assert_eq!(
            signed_in_location(&world, outside).await,
            "/",
            "{outside:?}"
        );
    }
    assert_eq!(
        signed_in_location(&world, "/records/1?tab=actions").await,
        "/records/1?tab=actions"
    );
    world.app.stop().await;
}
