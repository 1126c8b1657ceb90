//! What a careless or hostile client sends is answered at the edge, by field, with a 4xx: no
//! date runs a request for centuries, no NUL byte reaches a database, no misspelt field is
//! dropped, and every error under `/api/` is a problem document.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{
    Tenants, TestApp, backends, browser_a, call, fields_of, get, lead_b, refusals, send,
};

#[tokio::test]
async fn qa_generation_years_ahead_is_refused_and_every_trust_still_writes() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        for as_of in ["9999-12-31", "2027-06-01", "+12026-01-01", "2026-1-1"] {
            let refused = send(
                &app,
                &lead,
                Method::POST,
                "/api/v1/qa-reviews/generate",
                Some(json!({ "as_of": as_of })),
            )
            .await;
            assert_eq!(
                fields_of(refused).await,
                vec!["as_of"],
                "{backend:?}: {as_of}"
            );
        }
        // Another trust's lead, and this trust's own, write at once afterwards.
        for browser in [&lead_b(&app, &tenants).await, &lead] {
            let (status, body) = call(
                &app,
                Method::POST,
                "/api/v1/regions",
                browser,
                Some(json!({ "name": "North" })),
            )
            .await;
            assert_eq!(status, 201, "{backend:?}: {body}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_misspelt_or_endless_grant_is_refused_by_field_and_a_grant_keeps_to_the_trusts_longest() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let grant = |extra: Value| {
            let mut body = json!({
                "grantee_id": tenants.head_a1,
                "reason": "Case review ordered by the local authority",
                "record_ids": [tenants.record_a1],
                "ends_at": "2026-02-01T00:00:00Z",
            });
            for (key, value) in extra.as_object().unwrap() {
                body[key] = value.clone();
            }
            body
        };
        let post = |body: Value| send(&app, &lead, Method::POST, "/api/v1/grants", Some(body));

        let misspelt = post(grant(json!({ "start_at": "2026-01-20T00:00:00Z" }))).await;
        assert_eq!(fields_of(misspelt).await, vec!["start_at"], "{backend:?}");
        for ends_at in [
            "12026-01-01T00:00:00Z",
            "2026-02-01",
            "0000-01-01T00:00:00Z",
        ] {
            let refused = post(grant(json!({ "ends_at": ends_at }))).await;
            assert_eq!(fields_of(refused).await, vec!["ends_at"], "{ends_at}");
        }
        let too_long = post(grant(json!({ "ends_at": "2027-01-12T00:00:00Z" }))).await;
        let refused = refusals(too_long).await;
        assert_eq!(refused[0].0, "ends_at");
        assert!(refused[0].1.contains("90 days"), "{refused:?}");
        let reason = post(grant(json!({ "reason": "x".repeat(2_001) }))).await;
        assert_eq!(fields_of(reason).await, vec!["reason"]);

        let granted = post(grant(json!({}))).await;
        assert_eq!(granted.status(), 201, "{backend:?}");

        // Nobody else may grant: another trust's lead does not see the record, another
        // academy's DSL is no trust lead.
        let other_trust = send(
            &app,
            &lead_b(&app, &tenants).await,
            Method::POST,
            "/api/v1/grants",
            Some(grant(json!({}))),
        )
        .await;
        assert_eq!(other_trust.status(), 404, "{backend:?}");
        let other_academy = send(
            &app,
            &browser_a(&app, &tenants, tenants.dsl_a2).await,
            Method::POST,
            "/api/v1/grants",
            Some(grant(json!({}))),
        )
        .await;
        assert_eq!(other_academy.status(), 403, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn nul_bytes_bad_dates_endless_text_and_a_zero_length_session_are_refused_by_field() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let person = format!("/api/v1/people/{}", tenants.dsl_a1);
        let cases: Vec<(String, Value, &str)> = vec![
            (
                "/api/v1/regions".into(),
                json!({ "name": "No\u{0}rth" }),
                "name",
            ),
            (
                "/api/v1/people".into(),
                json!({ "display_name": "Ann\u{0}", "email": "ann@a.example" }),
                "display_name",
            ),
            (
                format!("{person}/training"),
                json!({ "course": "DSL\u{7}", "kind": "dsl", "completed_on": "2025-10-01" }),
                "course",
            ),
            (
                format!("{person}/training"),
                json!({ "course": "DSL", "kind": "dsl", "completed_on": "2025-1-1" }),
                "completed_on",
            ),
            (
                format!("{person}/roles"),
                json!({ "role": "dsl", "scope_kind": "academy", "academy_id": tenants.academy_a1,
                        "starts_on": "+12026-01-01" }),
                "starts_on",
            ),
            (
                format!("{person}/roles"),
                json!({ "role": "dsl", "scope_kind": "academy", "academy_id": tenants.academy_a1,
                        "starts_on": "0000-01-01" }),
                "starts_on",
            ),
            (
                "/api/v1/escalations".into(),
                json!({ "record_id": tenants.record_a1, "escalated_to": "director_of_education",
                        "reason": "x".repeat(2_001) }),
                "reason",
            ),
            (
                "/api/v1/escalations".into(),
                json!({ "record_id": tenants.record_a1, "escalated_to": "director_of_education",
                        "reason": "Threshold \u{0} disputed" }),
                "reason",
            ),
            (
                // The body is read before the agreement is looked for.
                format!("/api/v1/agreements/{}/sessions", uuid::Uuid::now_v7()),
                json!({ "kind": "formal", "starts_at": "2026-02-02T10:00:00Z", "duration": 0,
                        "mode": "video" }),
                "duration",
            ),
        ];
        for (path, body, field) in cases {
            let refused = send(&app, &lead, Method::POST, &path, Some(body.clone())).await;
            assert_eq!(
                fields_of(refused).await,
                vec![field],
                "{backend:?}: {path} {body}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn personal_answers_and_pages_are_never_kept_by_a_browser_or_proxy() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let record = format!("/api/v1/records/{}", tenants.record_a1);
        let page = format!("/records/{}", tenants.record_a1);
        for path in ["/api/v1/me", record.as_str(), page.as_str(), "/"] {
            let answer = get(&app, &dsl, path).await;
            assert_eq!(answer.status(), 200, "{backend:?}: {path}");
            assert_eq!(answer.headers()["cache-control"], "no-store", "{path}");
        }
        // Another academy's DSL and another trust's lead are not shown the record at all.
        for browser in [
            browser_a(&app, &tenants, tenants.dsl_a2).await,
            lead_b(&app, &tenants).await,
        ] {
            assert_eq!(get(&app, &browser, &record).await.status(), 404);
        }
        app.stop().await;
    }
}

async fn problem(answer: reqwest::Response, status: u16) -> Value {
    assert_eq!(answer.status(), status);
    assert_eq!(
        answer.headers()["content-type"],
        "application/problem+json",
        "a {status}"
    );
    answer.json().await.unwrap()
}

#[tokio::test]
async fn every_error_under_the_api_is_a_problem_document_and_an_unknown_page_is_the_not_found_page()
{
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    let lead = browser_a(&app, &tenants, tenants.lead_a).await;

    let huge = json!({ "name": "x".repeat(300_000) });
    let too_large = send(&app, &lead, Method::POST, "/api/v1/regions", Some(huge)).await;
    assert_eq!(problem(too_large, 413).await["status"], 413);

    let repeated = get(
        &app,
        &lead,
        "/api/v1/compliance/trust?as_of=2026-01-12&as_of=2026-01-13",
    )
    .await;
    let repeated = problem(repeated, 422).await;
    assert_eq!(repeated["errors"][0]["field"], "query", "{repeated}");

    let wrong_method = send(&app, &lead, Method::DELETE, "/api/v1/me", None).await;
    problem(wrong_method, 405).await;
    let unrouted = get(&app, &lead, "/api/v1/no-such-thing").await;
    problem(unrouted, 404).await;

    let page = get(&app, &lead, "/no-such-page").await;
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");
    app.stop().await;
}
