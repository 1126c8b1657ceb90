//! Signing in and out, sessions and their timeouts, and CSRF, as a browser meets them.

use chrono::Duration;
use haven_entity as e;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::harness::{Backend, Browser, Tenants, TestApp, backends};

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn audit_actions(app: &TestApp, trust: uuid::Uuid) -> Vec<String> {
    e::audit_log::Entity::find()
        .filter(e::audit_log::Column::TrustId.eq(trust))
        .all(&app.test_db.owner)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.action)
        .collect()
}

#[tokio::test]
async fn the_dev_sign_in_page_signs_a_demo_person_in_with_a_safe_cookie() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let page = app.get("/dev/sign-in").await;
        assert_eq!(page.status(), 200);
        let login_cookie = set_cookie(&page, "haven_login_csrf").unwrap();
        let html = page.text().await.unwrap();
        assert!(html.contains("Dev Brook") && html.contains("Dee Moor"));
        let login_csrf = hidden_field(&html, "login_csrf");

        let signed_in = app
            .request(Method::POST, "/dev/sign-in", None)
            .header("cookie", login_cookie.split(';').next().unwrap())
            .form(&[
                ("login_csrf", login_csrf.as_str()),
                ("trust_id", &tenants.trust_a.to_string()),
                ("person_id", &tenants.dsl_a1.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303, "{backend:?}");
        let session = set_cookie(&signed_in, "haven_session").unwrap();
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(flag), "{session} lacks {flag}");
        }
        assert!(
            !session.contains("Secure"),
            "development cookies work over plain HTTP"
        );

        let me = app
            .request(Method::GET, "/api/v1/me", None)
            .header("cookie", session.split(';').next().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        let me: serde_json::Value = me.json().await.unwrap();
        assert_eq!(me["person_id"], tenants.dsl_a1.to_string());
        assert_eq!(me["roles"][0]["role"], "dsl");
        assert_eq!(me["academies"], serde_json::json!([tenants.academy_a1]));
        assert!(
            audit_actions(&app, tenants.trust_a)
                .await
                .contains(&"sign_in".to_string())
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_dev_sign_in_refuses_a_form_without_its_page_token() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let forged = app
        .request(Method::POST, "/dev/sign-in", None)
        .form(&[
            ("login_csrf", "guessed"),
            ("trust_id", &tenants.trust_a.to_string()),
            ("person_id", &tenants.lead_a.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(set_cookie(&forged, "haven_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn the_dev_sign_in_is_refused_with_a_clear_page_when_the_configuration_turns_it_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |web| web.dev_login = false).await;
    let page = app.get("/dev/sign-in").await;
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(html.contains("Development sign-in is turned off"));
    assert!(html.contains("auth.dev_login"));
    app.stop().await;
}

#[tokio::test]
async fn production_session_cookies_are_secure_and_host_only() {
    let app = TestApp::spawn_with(Backend::Sqlite, |web| web.production = true).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let page = app.get("/dev/sign-in").await;
    let login_cookie = set_cookie(&page, "haven_login_csrf").unwrap();
    let login_csrf = hidden_field(&page.text().await.unwrap(), "login_csrf");
    let signed_in = app
        .request(Method::POST, "/dev/sign-in", None)
        .header("cookie", login_cookie.split(';').next().unwrap())
        .form(&[
            ("login_csrf", login_csrf.as_str()),
            ("trust_id", &tenants.trust_a.to_string()),
            ("person_id", &tenants.dsl_a1.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let session = set_cookie(&signed_in, "__Host-haven_session").unwrap();
    assert!(
        session.contains("Secure") && session.contains("HttpOnly"),
        "{session}"
    );
    app.stop().await;
}

#[tokio::test]
async fn nobody_signed_in_gets_401_from_the_api() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let me = app.get("/api/v1/me").await;
    assert_eq!(me.status(), 401);
    assert_eq!(
        me.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    app.stop().await;
}

async fn me_status(app: &TestApp, browser: &Browser) -> u16 {
    app.request(Method::GET, "/api/v1/me", Some(browser))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old_and_forged_cookies_sign_nobody_in() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = tenants.scope_a(&app.test_db.db, tenants.dsl_a1).await;
        let fresh = app.browser(&dsl, Duration::minutes(5)).await;
        assert_eq!(me_status(&app, &fresh).await, 200);
        let idle = app.browser(&dsl, Duration::minutes(61)).await;
        assert_eq!(
            me_status(&app, &idle).await,
            401,
            "{backend:?}: idle session"
        );

        let forged = Browser {
            cookie: format!("{}x", fresh.cookie),
            csrf_token: fresh.csrf_token.clone(),
        };
        assert_eq!(me_status(&app, &forged).await, 401);
        // The same session id and secret presented as another trust's.
        let other_trust = Browser {
            cookie: fresh
                .cookie
                .replace(&tenants.trust_a.to_string(), &tenants.trust_b.to_string()),
            csrf_token: fresh.csrf_token.clone(),
        };
        assert_eq!(me_status(&app, &other_trust).await, 401);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_however_active() {
    let app = TestApp::spawn_with(Backend::Sqlite, |web| {
        web.sessions.idle = Duration::hours(24);
    })
    .await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let dsl = tenants.scope_a(&app.test_db.db, tenants.dsl_a1).await;
    // Started 13 hours ago with a 12-hour limit (the harness starts sessions with 12 hours).
    let old = app.browser(&dsl, Duration::hours(13)).await;
    assert_eq!(me_status(&app, &old).await, 401);
    app.stop().await;
}

#[tokio::test]
async fn signing_out_needs_the_csrf_token_and_ends_the_session_on_the_server() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = tenants.scope_a(&app.test_db.db, tenants.dsl_a1).await;
        let browser = app.browser(&dsl, Duration::minutes(1)).await;

        let forged = app
            .request(Method::POST, "/sign-out", Some(&browser))
            .form(&[("csrf_token", "not-the-token")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        assert_eq!(me_status(&app, &browser).await, 200);

        let signed_out = app
            .request(Method::POST, "/sign-out", Some(&browser))
            .form(&[("csrf_token", browser.csrf_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_out.status(), 303, "{backend:?}");
        assert_eq!(me_status(&app, &browser).await, 401, "{backend:?}");
        assert!(
            audit_actions(&app, tenants.trust_a)
                .await
                .contains(&"sign_out".to_string())
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_state_changing_api_call_with_the_cookie_needs_the_csrf_header() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let dsl = tenants.scope_a(&app.test_db.db, tenants.dsl_a1).await;
    let browser = app.browser(&dsl, Duration::minutes(1)).await;
    let without = app
        .request(Method::DELETE, "/api/v1/session", Some(&browser))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    let with = app
        .request(Method::DELETE, "/api/v1/session", Some(&browser))
        .header("x-csrf-token", &browser.csrf_token)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 204);
    assert_eq!(me_status(&app, &browser).await, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_person_sees_their_own_trust_and_academies_only() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl_b = tenants.scope_b(&app.test_db.db, tenants.dsl_b1).await;
        let browser = app.browser(&dsl_b, Duration::minutes(1)).await;
        let me: serde_json::Value = app
            .request(Method::GET, "/api/v1/me", Some(&browser))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["trust_id"], tenants.trust_b.to_string());
        assert_eq!(me["academies"], serde_json::json!([tenants.academy_b1]));
        let lead = tenants.scope_a(&app.test_db.db, tenants.lead_a).await;
        let lead_browser = app.browser(&lead, Duration::minutes(1)).await;
        let me: serde_json::Value = app
            .request(Method::GET, "/api/v1/me", Some(&lead_browser))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            me["academies"],
            serde_json::Value::Null,
            "a trust lead sees the trust"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_development_sign_in_is_a_link_and_returns_to_the_page_asked_for() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let sign_in = app
        .get("/sign-in?next=%2Fsettings%2Fnotifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        sign_in.contains(r#"<a href="/dev/sign-in?next=%2Fsettings%2Fnotifications">"#),
        "{sign_in}"
    );
    let page = app
        .get("/dev/sign-in?next=%2Fsettings%2Fnotifications")
        .await;
    let login_cookie = set_cookie(&page, "haven_login_csrf").unwrap();
    let html = page.text().await.unwrap();
    assert_eq!(hidden_field(&html, "next"), "/settings/notifications");
    let sign_in_with = |next: &'static str| {
        app.request(Method::POST, "/dev/sign-in", None)
            .header("cookie", login_cookie.split(';').next().unwrap())
            .form(&[
                ("login_csrf", hidden_field(&html, "login_csrf")),
                ("trust_id", tenants.trust_a.to_string()),
                ("person_id", tenants.dsl_a1.to_string()),
                ("next", next.to_owned()),
            ])
            .send()
    };
    let back = sign_in_with("/settings/notifications").await.unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(back.headers()["location"], "/settings/notifications");
    let outside = sign_in_with("//evil.example").await.unwrap();
    assert_eq!(outside.headers()["location"], "/");
    app.stop().await;
}
