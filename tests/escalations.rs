//! Escalations: a party of a record escalates a disagreement to the safeguarding governor or the
//! director of education, who arranges a meeting and closes it with an outcome; the raiser, the
//! assignee, trust leads and directors see it, and nobody outside is told it exists.

use chrono::{Duration, NaiveDate};
use haven_entity as e;
use haven_store::{Origin, SystemActor};
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, at, backends, call};

/// A person of trust A holding `role` (trust-wide, or at academy A1 when `academy` is given).
pub(crate) async fn holder(
    app: &TestApp,
    tenants: &Tenants,
    name: &str,
    role: &str,
    academy: Option<Uuid>,
) -> Uuid {
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Seed, Origin::Cli);
    let mut tx = app.test_db.db.write(&system, at(2026, 1, 5)).await.unwrap();
    let id = tx
        .insert(e::person::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(tenants.trust_a),
            display_name: Set(name.into()),
            email: Set(format!(
                "{}@example.org",
                name.to_lowercase().replace(' ', ".")
            )),
            job_title: Set(None),
            optional_reminders: Set(true),
            notification_preference: Set("immediate".into()),
            oidc_subject: Set(None),
            active: Set(true),
            created_at: Set(tx.now()),
            updated_at: Set(tx.now()),
        })
        .await
        .unwrap()
        .id;
    tx.insert(e::role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tenants.trust_a),
        person_id: Set(id),
        role: Set(role.into()),
        scope_kind: Set(if academy.is_some() {
            "academy"
        } else {
            "trust"
        }
        .into()),
        region_id: Set(None),
        academy_id: Set(academy),
        starts_on: Set(NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()),
        ends_on: Set(None),
        created_at: Set(tx.now()),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

struct World {
    app: TestApp,
    tenants: Tenants,
    governor: Uuid,
    supervisee: Browser,
    supervisor: Browser,
    governor_in: Browser,
    director: Browser,
    lead: Browser,
    head: Browser,
    other_academy: Browser,
    other_trust: Browser,
}

async fn world(app: TestApp) -> World {
    let db = &app.test_db.db;
    let tenants = Tenants::create(db).await;
    let governor = holder(
        &app,
        &tenants,
        "Gail Governor",
        "safeguarding_governor",
        Some(tenants.academy_a1),
    )
    .await;
    let director = holder(
        &app,
        &tenants,
        "Dora Director",
        "director_of_education",
        None,
    )
    .await;
    let mut browsers = Vec::new();
    for person in [
        tenants.dsl_a1,
        tenants.rsl_a,
        governor,
        director,
        tenants.lead_a,
        tenants.head_a1,
        tenants.dsl_a2,
    ] {
        let scope = tenants.scope_a(db, person).await;
        browsers.push(app.browser(&scope, Duration::minutes(1)).await);
    }
    let scope_b = tenants.scope_b(db, tenants.dsl_b1).await;
    let other_trust = app.browser(&scope_b, Duration::minutes(1)).await;
    let mut browsers = browsers.into_iter();
    World {
        supervisee: browsers.next().unwrap(),
        supervisor: browsers.next().unwrap(),
        governor_in: browsers.next().unwrap(),
        director: browsers.next().unwrap(),
        lead: browsers.next().unwrap(),
        head: browsers.next().unwrap(),
        other_academy: browsers.next().unwrap(),
        other_trust,
        governor,
        app,
        tenants,
    }
}

fn field_of(body: &Value) -> &str {
    body["errors"][0]["field"].as_str().unwrap_or_default()
}

fn escalation(w: &World) -> Value {
    json!({
        "record_id": w.tenants.record_a1,
        "escalated_to": "safeguarding_governor",
        "assignee_id": w.governor,
        "reason": "We disagree on whether the threshold for a referral was met",
    })
}

async fn raise(w: &World) -> Value {
    let (status, body) = call(
        &w.app,
        Method::POST,
        "/api/v1/escalations",
        &w.supervisee,
        Some(escalation(w)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test]
async fn a_party_of_the_record_escalates_and_nobody_else_may() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let raised = raise(&w).await;
        assert_eq!(raised["status"], "open");
        assert_eq!(raised["raised_by"], w.tenants.dsl_a1.to_string());
        let (status, _) = call(
            &w.app,
            Method::POST,
            "/api/v1/escalations",
            &w.supervisor,
            Some(escalation(&w)),
        )
        .await;
        assert_eq!(status, 201, "the supervisor is a party too");
        for (who, expected) in [
            (&w.head, 403),
            (&w.other_academy, 404),
            (&w.other_trust, 404),
        ] {
            let (status, _) = call(
                &w.app,
                Method::POST,
                "/api/v1/escalations",
                who,
                Some(escalation(&w)),
            )
            .await;
            assert_eq!(status, expected);
        }
        w.app.stop().await;
    }
}

#[tokio::test]
async fn the_assignee_must_hold_the_role_escalated_to() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let mut body = escalation(&w);
        body["escalated_to"] = json!("director_of_education");
        let (status, answer) = call(
            &w.app,
            Method::POST,
            "/api/v1/escalations",
            &w.supervisee,
            Some(body),
        )
        .await;
        assert_eq!(status, 422, "a governor is not a director");
        assert_eq!(field_of(&answer), "assignee_id");
        let mut body = escalation(&w);
        body["assignee_id"] = json!(w.tenants.head_a1);
        let (status, answer) = call(
            &w.app,
            Method::POST,
            "/api/v1/escalations",
            &w.supervisee,
            Some(body),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&answer), "assignee_id");
        let mut body = escalation(&w);
        body["reason"] = json!("  ");
        let (status, answer) = call(
            &w.app,
            Method::POST,
            "/api/v1/escalations",
            &w.supervisee,
            Some(body),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&answer), "reason");
        w.app.stop().await;
    }
}

#[tokio::test]
async fn the_assignee_arranges_a_meeting_and_closes_with_an_outcome() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let raised = raise(&w).await;
        let id = raised["id"].as_str().unwrap();
        let meeting = format!("/api/v1/escalations/{id}/meeting");
        let close = format!("/api/v1/escalations/{id}/close");
        let on = json!({ "meeting_on": "2026-01-20" });
        let (status, _) = call(
            &w.app,
            Method::POST,
            &meeting,
            &w.supervisee,
            Some(on.clone()),
        )
        .await;
        assert_eq!(status, 403, "the raiser does not decide it");
        for who in [&w.head, &w.other_academy, &w.other_trust] {
            let (status, _) = call(&w.app, Method::POST, &meeting, who, Some(on.clone())).await;
            assert_eq!(status, 404);
            let (status, _) = call(
                &w.app,
                Method::POST,
                &close,
                who,
                Some(json!({ "outcome": "x" })),
            )
            .await;
            assert_eq!(status, 404);
        }
        let (status, arranged) =
            call(&w.app, Method::POST, &meeting, &w.governor_in, Some(on)).await;
        assert_eq!(status, 200, "{arranged}");
        assert_eq!(arranged["status"], "meeting_arranged");
        assert_eq!(arranged["meeting_on"], "2026-01-20");
        let (status, body) = call(
            &w.app,
            Method::POST,
            &close,
            &w.governor_in,
            Some(json!({ "outcome": " " })),
        )
        .await;
        assert_eq!(status, 422, "no outcome, no close");
        assert_eq!(field_of(&body), "outcome");
        let (status, body) = call(
            &w.app,
            Method::POST,
            &close,
            &w.governor_in,
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "outcome");
        let (status, closed) = call(
            &w.app,
            Method::POST,
            &close,
            &w.director,
            Some(json!({ "outcome": "Referral made; the DSL's view upheld" })),
        )
        .await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(closed["status"], "closed");
        let (status, body) = call(
            &w.app,
            Method::POST,
            &close,
            &w.lead,
            Some(json!({ "outcome": "again" })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "status");
        w.app.stop().await;
    }
}

#[tokio::test]
async fn escalations_are_listed_to_the_raiser_the_assignee_leads_and_directors_only() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let raised = raise(&w).await;
        for who in [&w.supervisee, &w.governor_in, &w.lead, &w.director] {
            let (status, body) = call(&w.app, Method::GET, "/api/v1/escalations", who, None).await;
            assert_eq!(status, 200);
            assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
            assert_eq!(body[0]["id"], raised["id"]);
        }
        for who in [&w.supervisor, &w.head, &w.other_academy, &w.other_trust] {
            let (status, body) = call(&w.app, Method::GET, "/api/v1/escalations", who, None).await;
            assert_eq!(status, 200);
            assert_eq!(body, json!([]));
        }
        w.app.stop().await;
    }
}
