//! Calling the API as a signed-in browser, and reading its answers, for every API test.

use chrono::Duration;
use haven_entity as e;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use super::{Browser, Tenants, TestApp};

/// A person of trust A, signed in.
pub async fn browser_a(app: &TestApp, tenants: &Tenants, person: Uuid) -> Browser {
    let scope = tenants.scope_a(&app.test_db.db, person).await;
    app.browser(&scope, Duration::minutes(1)).await
}

/// A person of trust B, signed in.
pub async fn browser_b(app: &TestApp, tenants: &Tenants, person: Uuid) -> Browser {
    let scope = tenants.scope_b(&app.test_db.db, person).await;
    app.browser(&scope, Duration::minutes(1)).await
}

/// Trust B's safeguarding lead, found behind the app's back: the fixture names only its DSL.
pub async fn lead_b_id(app: &TestApp, tenants: &Tenants) -> Uuid {
    e::role_assignment::Entity::find()
        .filter(e::role_assignment::Column::TrustId.eq(tenants.trust_b))
        .filter(e::role_assignment::Column::Role.eq("trust_safeguarding_lead"))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .person_id
}

/// Trust B's safeguarding lead, signed in.
pub async fn lead_b(app: &TestApp, tenants: &Tenants) -> Browser {
    let id = lead_b_id(app, tenants).await;
    browser_b(app, tenants, id).await
}

/// A request as `browser`, with its CSRF token, and a JSON body when given.
pub async fn send(
    app: &TestApp,
    browser: &Browser,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let request = app
        .request(method, path, Some(browser))
        .header("x-csrf-token", &browser.csrf_token);
    match body {
        Some(body) => request.json(&body),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

pub async fn get(app: &TestApp, browser: &Browser, path: &str) -> reqwest::Response {
    send(app, browser, Method::GET, path, None).await
}

/// As [`send`], answering the status and the JSON body (`null` when there is none).
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    browser: &Browser,
    body: Option<Value>,
) -> (u16, Value) {
    let response = send(app, browser, method, path, body).await;
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The (field, reason) pairs a 422 problem document names.
pub async fn refusals(refused: reqwest::Response) -> Vec<(String, String)> {
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The fields a 422 problem document names.
pub async fn fields_of(refused: reqwest::Response) -> Vec<String> {
    refusals(refused)
        .await
        .into_iter()
        .map(|(field, _)| field)
        .collect()
}

/// The fields a problem document already read names.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// Trust A's academies' 2025/26 half terms, written out so a test can read each date it expects:
/// spring half term 14–22 February, the summer's 23–31 May.
pub fn half_terms_2025() -> Value {
    serde_json::json!([
        { "number": 1, "starts_on": "2025-09-03", "ends_on": "2025-10-24" },
        { "number": 2, "starts_on": "2025-11-03", "ends_on": "2025-12-19" },
        { "number": 3, "starts_on": "2026-01-05", "ends_on": "2026-02-13" },
        { "number": 4, "starts_on": "2026-02-23", "ends_on": "2026-03-27" },
        { "number": 5, "starts_on": "2026-04-13", "ends_on": "2026-05-22" },
        { "number": 6, "starts_on": "2026-06-01", "ends_on": "2026-07-22" },
    ])
}

/// Trust A's academies A1 and A2 get [`half_terms_2025`], set by the trust lead through the API.
pub async fn with_term_dates(app: &TestApp, tenants: &Tenants) {
    let lead = browser_a(app, tenants, tenants.lead_a).await;
    for academy in [tenants.academy_a1, tenants.academy_a2] {
        let set = send(
            app,
            &lead,
            Method::PUT,
            &format!("/api/v1/academies/{academy}/term-dates/2025"),
            Some(serde_json::json!({ "half_terms": half_terms_2025() })),
        )
        .await;
        assert_eq!(set.status(), 200);
    }
}
