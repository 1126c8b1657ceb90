//! API tokens for integrations, as a trust lead and an integration meet them: created by a trust
//! safeguarding lead, shown once, stored hashed, scoped to figures, revocable, their use
//! recorded and audited, and walled in their trust.

use chrono::Duration;
use haven_domain::Capability;
use haven_entity as e;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, backends, lead_b_id, now};

async fn create_token(app: &TestApp, browser: &Browser, body: Value) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/tokens", Some(browser))
        .header("x-csrf-token", &browser.csrf_token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A figures token created by trust A's lead, as the integration receives it.
async fn figures_token(app: &TestApp, lead: &Browser) -> Value {
    let created = create_token(
        app,
        lead,
        json!({ "name": "Power BI", "capabilities": ["read_figures"] }),
    )
    .await;
    assert_eq!(created.status(), 201);
    created.json().await.unwrap()
}

async fn as_bearer(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::Response {
    app.request(method, path, None)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn list(app: &TestApp, browser: &Browser) -> reqwest::Response {
    app.request(Method::GET, "/api/v1/tokens", Some(browser))
        .send()
        .await
        .unwrap()
}

async fn revoke(app: &TestApp, browser: &Browser, id: &Value) -> u16 {
    app.request(
        Method::DELETE,
        &format!("/api/v1/tokens/{}", id.as_str().unwrap()),
        Some(browser),
    )
    .header("x-csrf-token", &browser.csrf_token)
    .send()
    .await
    .unwrap()
    .status()
    .as_u16()
}

async fn browser_of(app: &TestApp, tenants: &Tenants, trust: Uuid, person: Uuid) -> Browser {
    let scope = if trust == tenants.trust_a {
        tenants.scope_a(&app.test_db.db, person).await
    } else {
        tenants.scope_b(&app.test_db.db, person).await
    };
    app.browser(&scope, Duration::minutes(1)).await
}

async fn audit_rows(app: &TestApp, trust: Uuid) -> Vec<e::audit_log::Model> {
    e::audit_log::Entity::find()
        .filter(e::audit_log::Column::TrustId.eq(trust))
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_trust_lead_creates_a_token_shown_once_that_works_as_a_bearer_on_me() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let created = create_token(
            &app,
            &lead,
            json!({ "name": "Power BI", "capabilities": ["read_figures"] }),
        )
        .await;
        assert_eq!(created.status(), 201, "{backend:?}");
        assert_eq!(created.headers()["cache-control"], "no-store");
        let created: Value = created.json().await.unwrap();
        let token = created["token"].as_str().unwrap();
        assert!(token.starts_with(&format!("haven_{}_", tenants.trust_a.simple())));
        assert_eq!(created["name"], "Power BI");
        assert_eq!(created["capabilities"], json!(["read_figures"]));
        assert!(token.contains(created["prefix"].as_str().unwrap()));

        let listed = list(&app, &lead).await;
        assert_eq!(listed.status(), 200);
        let listed = listed.text().await.unwrap();
        assert!(listed.contains(created["id"].as_str().unwrap()));
        assert!(
            !listed.contains(token),
            "{backend:?}: the list shows the token"
        );
        let listed: Value = serde_json::from_str(&listed).unwrap();
        assert!(listed[0].get("token").is_none());

        let me = as_bearer(&app, Method::GET, "/api/v1/me", token).await;
        assert_eq!(me.status(), 200, "{backend:?}");
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["trust_id"], tenants.trust_a.to_string());
        assert_eq!(me["person_id"], Value::Null);
        assert_eq!(me["roles"], json!([]));
        assert_eq!(me["capabilities"], json!(["read_figures"]));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_stored_token_holds_its_hash_and_never_its_plaintext() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let created = figures_token(&app, &lead).await;
        let token = created["token"].as_str().unwrap();
        let secret = token.rsplit('_').next().unwrap();
        let row = e::api_token::Entity::find()
            .filter(e::api_token::Column::TrustId.eq(tenants.trust_a))
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.token_hash.len(), 64);
        assert!(row.token_hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let stored = serde_json::to_string(&row).unwrap();
        assert!(!stored.contains(secret), "{backend:?}: {stored}");
        assert_eq!(row.created_by, tenants.lead_a);
        let audit = serde_json::to_string(&audit_rows(&app, tenants.trust_a).await).unwrap();
        assert!(
            !audit.contains(secret),
            "{backend:?}: the audit log holds the token"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_revoked_or_expired_token_gets_401() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let created = figures_token(&app, &lead).await;
        let token = created["token"].as_str().unwrap();
        assert_eq!(
            as_bearer(&app, Method::GET, "/api/v1/me", token)
                .await
                .status(),
            200
        );
        assert_eq!(
            revoke(&app, &lead, &created["id"]).await,
            204,
            "{backend:?}"
        );
        let refused = as_bearer(&app, Method::GET, "/api/v1/me", token).await;
        assert_eq!(refused.status(), 401, "{backend:?}: revoked");
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        let listed: Value = list(&app, &lead).await.json().await.unwrap();
        assert_ne!(listed[0]["revoked_at"], Value::Null);
        assert!(
            audit_rows(&app, tenants.trust_a)
                .await
                .iter()
                .any(|row| row.action == "revoke"
                    && row.entity_id.map(|id| id.to_string()).as_deref() == created["id"].as_str())
        );

        let lead_scope = tenants.scope_a(&app.test_db.db, tenants.lead_a).await;
        let mut tx = app
            .test_db
            .db
            .write(&lead_scope, now() - Duration::days(30))
            .await
            .unwrap();
        let (_, expired) = haven_store::api_token::create(
            &mut tx,
            "Last year's report",
            &[Capability::ReadFigures],
            Some(now() - Duration::hours(1)),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            as_bearer(&app, Method::GET, "/api/v1/me", &expired)
                .await
                .status(),
            401,
            "{backend:?}: expired"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_tokens_last_use_is_recorded_and_audited_once_a_minute() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let created = figures_token(&app, &lead).await;
        assert_eq!(created["last_used_at"], Value::Null);
        let token = created["token"].as_str().unwrap();
        for _ in 0..3 {
            let me = as_bearer(&app, Method::GET, "/api/v1/me", token).await;
            assert_eq!(me.status(), 200);
        }
        let listed: Value = list(&app, &lead).await.json().await.unwrap();
        let last_used: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(listed[0]["last_used_at"].clone()).unwrap();
        assert_eq!(last_used, now(), "{backend:?}");
        let uses: Vec<_> = audit_rows(&app, tenants.trust_a)
            .await
            .into_iter()
            .filter(|row| row.action == "token_use")
            .collect();
        assert_eq!(uses.len(), 1, "{backend:?}: three uses in one minute");
        assert_eq!(uses[0].actor_kind, "token");
        assert_eq!(
            uses[0].actor_id.map(|id| id.to_string()).as_deref(),
            created["id"].as_str()
        );
        assert_eq!(uses[0].actor_label, "Power BI");
        assert!(uses[0].origin.starts_with("http:"));
        haven_store::audit::verify(&app.test_db.db, tenants.trust_a)
            .await
            .unwrap();
        app.stop().await;
    }
}

#[tokio::test]
async fn only_a_trust_lead_manages_tokens_and_a_token_never_does() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let created = figures_token(&app, &lead).await;
        let body = json!({ "name": "Mine", "capabilities": ["read_figures"] });
        for person in [
            tenants.dsl_a1,
            tenants.dsl_a2,
            tenants.head_a1,
            tenants.rsl_a,
        ] {
            let other = browser_of(&app, &tenants, tenants.trust_a, person).await;
            let refused = create_token(&app, &other, body.clone()).await;
            assert_eq!(refused.status(), 403, "{backend:?}");
            assert_eq!(
                refused.headers()["content-type"],
                "application/problem+json"
            );
            assert_eq!(list(&app, &other).await.status(), 403);
            assert_eq!(revoke(&app, &other, &created["id"]).await, 403);
        }

        let token = created["token"].as_str().unwrap();
        let by_token = app
            .request(Method::POST, "/api/v1/tokens", None)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(by_token.status(), 403, "{backend:?}: a token made a token");
        assert_eq!(
            as_bearer(&app, Method::GET, "/api/v1/tokens", token)
                .await
                .status(),
            403
        );
        let path = format!("/api/v1/tokens/{}", created["id"].as_str().unwrap());
        assert_eq!(
            as_bearer(&app, Method::DELETE, &path, token).await.status(),
            403
        );
        let listed: Value = list(&app, &lead).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["revoked_at"], Value::Null);
        app.stop().await;
    }
}

#[tokio::test]
async fn another_trusts_lead_cannot_see_or_revoke_a_token_and_a_token_never_sees_another_trust() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead_a = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let lead_b_id = lead_b_id(&app, &tenants).await;
        let lead_b = browser_of(&app, &tenants, tenants.trust_b, lead_b_id).await;
        let created = figures_token(&app, &lead_a).await;
        let token = created["token"].as_str().unwrap();

        let listed = list(&app, &lead_b).await;
        assert_eq!(listed.status(), 200);
        assert_eq!(
            listed.json::<Value>().await.unwrap(),
            json!([]),
            "{backend:?}"
        );
        assert_eq!(
            revoke(&app, &lead_b, &created["id"]).await,
            404,
            "{backend:?}"
        );
        let me: Value = as_bearer(&app, Method::GET, "/api/v1/me", token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["trust_id"], tenants.trust_a.to_string(), "still live");

        // The same secret presented as trust B's finds nothing there.
        let as_trust_b = token.replace(
            &tenants.trust_a.simple().to_string(),
            &tenants.trust_b.simple().to_string(),
        );
        assert_eq!(
            as_bearer(&app, Method::GET, "/api/v1/me", &as_trust_b)
                .await
                .status(),
            401,
            "{backend:?}"
        );

        // Trust B's own token lists and sees only trust B.
        let b_token = figures_token(&app, &lead_b).await;
        let me: Value = as_bearer(
            &app,
            Method::GET,
            "/api/v1/me",
            b_token["token"].as_str().unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(me["trust_id"], tenants.trust_b.to_string());
        let listed: Value = list(&app, &lead_a).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], created["id"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_malformed_or_unknown_bearer_gets_401_and_no_cookie_rescues_it() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let unknown = format!("haven_{}_{}", tenants.trust_a.simple(), "0".repeat(64));
        for presented in ["", "nonsense", "haven_", unknown.as_str()] {
            let me = app
                .request(Method::GET, "/api/v1/me", None)
                .header("authorization", format!("Bearer {presented}"))
                .send()
                .await
                .unwrap();
            assert_eq!(me.status(), 401, "{backend:?}: {presented:?}");
        }
        let dsl = browser_of(&app, &tenants, tenants.trust_a, tenants.dsl_a1).await;
        let both = app
            .request(Method::GET, "/api/v1/me", Some(&dsl))
            .bearer_auth(&unknown)
            .send()
            .await
            .unwrap();
        assert_eq!(both.status(), 401, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_token_input_is_422_naming_the_field_and_creates_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_of(&app, &tenants, tenants.trust_a, tenants.lead_a).await;
        let past = (now() - Duration::days(1)).to_rfc3339();
        for (body, field) in [
            (
                json!({ "name": "  ", "capabilities": ["read_figures"] }),
                "name",
            ),
            (json!({ "capabilities": ["read_figures"] }), "name"),
            (
                json!({ "name": "BI", "capabilities": ["read_records"] }),
                "capabilities",
            ),
            (json!({ "name": "BI", "capabilities": [] }), "capabilities"),
            (
                json!({ "name": "BI", "capabilities": ["read_figures"], "expires_at": past }),
                "expires_at",
            ),
            (
                json!({ "name": "BI", "capabilities": ["read_figures"], "expires_at": "soon" }),
                "expires_at",
            ),
            (
                json!({ "name": "BI", "capabilities": ["read_figures"], "expires": "2027-01-01T00:00:00Z" }),
                "expires",
            ),
            (json!(["read_figures"]), "body"),
        ] {
            let refused = create_token(&app, &lead, body.clone()).await;
            assert_eq!(refused.status(), 422, "{backend:?}: {body}");
            assert_eq!(
                refused.headers()["content-type"],
                "application/problem+json"
            );
            let problem: Value = refused.json().await.unwrap();
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert_eq!(fields, vec![field], "{body}");
        }
        let listed: Value = list(&app, &lead).await.json().await.unwrap();
        assert_eq!(listed, json!([]), "{backend:?}");
        app.stop().await;
    }
}
