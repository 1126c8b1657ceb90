//! Every number of the supervision rules is the trust's policy, overridable per academy (DESIGN
//! §4): an academy's override changes the outcome at that academy, and its sibling academy keeps
//! the trust default.

use chrono::{Months, NaiveDate};
use haven_entity as e;
use haven_store::calendar::NewHalfTerm;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, backends, browser_a, call, fields_of, now, send};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The trust lead overrides `settings` at `academy`, which had no override.
async fn override_at(app: &TestApp, lead: &Browser, academy: Uuid, settings: Value) {
    let (status, body) = call(
        app,
        Method::PUT,
        &format!("/api/v1/academies/{academy}/policy"),
        lead,
        Some(json!({ "row_version": 0, "override": settings })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The 2025/26 year at `academy`: spring half term 14–22 February; May Day falls in term.
async fn with_term_dates(app: &TestApp, tenants: &Tenants, academy: Uuid) {
    let lead = tenants.scope_a(&app.test_db.db, tenants.lead_a).await;
    let halves = [
        (1, day(2025, 9, 3), day(2025, 10, 24)),
        (2, day(2025, 11, 3), day(2025, 12, 19)),
        (3, day(2026, 1, 5), day(2026, 2, 13)),
        (4, day(2026, 2, 23), day(2026, 3, 27)),
        (5, day(2026, 4, 13), day(2026, 5, 22)),
        (6, day(2026, 6, 1), day(2026, 7, 22)),
    ]
    .map(|(number, starts_on, ends_on)| NewHalfTerm {
        number,
        starts_on,
        ends_on,
    });
    let mut tx = app.test_db.db.write(&lead, now()).await.unwrap();
    haven_store::calendar::replace_year(&mut tx, academy, 2025, &halves)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The fixture's agreement at `academy` (supervisor `rsl_a`).
async fn agreement_at(app: &TestApp, academy: Uuid) -> Uuid {
    e::agreement::Entity::find()
        .filter(e::agreement::Column::AcademyId.eq(academy))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A draft's body that leaves the session length, the cap and the agenda to the policy.
fn draft_body(academy: Uuid, supervisor: Uuid, supervisee: Uuid) -> Value {
    json!({
        "academy_id": academy,
        "kind": "one_to_one",
        "supervisor_id": supervisor,
        "supervisee_ids": [supervisee],
        "plan_cadence": "half_termly",
        "standard_agenda": "Cases, actions, wellbeing",
        "records_location": "Haven",
        "confidentiality_terms": "As the trust policy",
        "diversity_terms": "As the trust policy",
    })
}

/// Drafts as the trust lead and has both parties sign: the agreement as activated.
async fn signed_agreement(
    app: &TestApp,
    tenants: &Tenants,
    academy: Uuid,
    supervisee: Uuid,
) -> Value {
    let lead = browser_a(app, tenants, tenants.lead_a).await;
    let (status, draft) = call(
        app,
        Method::POST,
        "/api/v1/agreements",
        &lead,
        Some(draft_body(academy, tenants.rsl_a, supervisee)),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let path = format!("/api/v1/agreements/{}/sign", draft["id"].as_str().unwrap());
    let hash = json!({ "content_hash": draft["content_hash"] });
    let mut signed = Value::Null;
    for party in [tenants.rsl_a, supervisee] {
        let browser = browser_a(app, tenants, party).await;
        let (status, body) = call(app, Method::POST, &path, &browser, Some(hash.clone())).await;
        assert_eq!(status, 200, "{body}");
        signed = body;
    }
    signed
}

#[tokio::test]
async fn agreement_review_date_follows_the_academys_override() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "agreement_review_months": 6 }),
        )
        .await;
        let today = day(2026, 1, 12);
        let at_a1 = signed_agreement(&app, &tenants, tenants.academy_a1, tenants.dsl_a1).await;
        let at_a2 = signed_agreement(&app, &tenants, tenants.academy_a2, tenants.dsl_a2).await;
        assert_eq!(at_a1["status"], "active", "{backend:?}");
        assert_eq!(at_a1["activated_on"], json!(today));
        assert_eq!(
            at_a1["review_due_on"],
            json!(today.checked_add_months(Months::new(6)).unwrap()),
            "{backend:?}: A1 reviews after its own six months"
        );
        assert_eq!(
            at_a2["review_due_on"],
            json!(today.checked_add_months(Months::new(12)).unwrap()),
            "{backend:?}: A2 keeps the trust's twelve months"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_draft_takes_the_session_length_cap_and_agenda_it_leaves_out_from_the_academys_policy() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "session_length": 120, "max_cases_per_session": null, "agenda_required": false }),
        )
        .await;
        let draft = |academy, supervisee| {
            call(
                &app,
                Method::POST,
                "/api/v1/agreements",
                &lead,
                Some(draft_body(academy, tenants.rsl_a, supervisee)),
            )
        };
        let (status, at_a1) = draft(tenants.academy_a1, tenants.dsl_a1).await;
        assert_eq!(status, 201, "{backend:?}: {at_a1}");
        assert_eq!(at_a1["terms"]["session_minutes"], 120, "{backend:?}");
        assert_eq!(at_a1["terms"]["max_cases_per_session"], Value::Null);
        assert_eq!(at_a1["terms"]["agenda_required"], false);
        let (status, at_a2) = draft(tenants.academy_a2, tenants.dsl_a2).await;
        assert_eq!(status, 201, "{backend:?}: {at_a2}");
        assert_eq!(at_a2["terms"]["session_minutes"], 60, "{backend:?}");
        assert_eq!(at_a2["terms"]["max_cases_per_session"], 3);
        assert_eq!(at_a2["terms"]["agenda_required"], true);

        // What the drafter names is theirs, whatever the policy.
        let mut named = draft_body(tenants.academy_a1, tenants.rsl_a, tenants.dsl_a1);
        named["session_minutes"] = json!(45);
        named["max_cases_per_session"] = json!(2);
        named["agenda_required"] = json!(true);
        let (status, named) =
            call(&app, Method::POST, "/api/v1/agreements", &lead, Some(named)).await;
        assert_eq!(status, 201, "{backend:?}: {named}");
        assert_eq!(named["terms"]["session_minutes"], 45);
        assert_eq!(named["terms"]["max_cases_per_session"], 2);
        assert_eq!(named["terms"]["agenda_required"], true);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_draft_takes_the_academys_minimum_unless_it_names_its_own_and_keeps_it_as_a_term() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "minimum": "every_4_weeks" }),
        )
        .await;
        let draft = |body: Value| call(&app, Method::POST, "/api/v1/agreements", &lead, Some(body));
        let (status, at_a1) = draft(draft_body(
            tenants.academy_a1,
            tenants.rsl_a,
            tenants.dsl_a1,
        ))
        .await;
        assert_eq!(status, 201, "{backend:?}: {at_a1}");
        assert_eq!(at_a1["terms"]["minimum"], "every_4_weeks", "{backend:?}");
        let (status, at_a2) = draft(draft_body(
            tenants.academy_a2,
            tenants.rsl_a,
            tenants.dsl_a2,
        ))
        .await;
        assert_eq!(status, 201, "{backend:?}: {at_a2}");
        assert_eq!(
            at_a2["terms"]["minimum"], "half_termly",
            "{backend:?}: the trust's"
        );

        // The head's external agreement at the same academy is half-termly.
        let mut named = draft_body(tenants.academy_a1, tenants.rsl_a, tenants.head_a1);
        named["kind"] = json!("external");
        named["minimum"] = json!("half_termly");
        let (status, named) = draft(named).await;
        assert_eq!(status, 201, "{backend:?}: {named}");
        assert_eq!(named["terms"]["minimum"], "half_termly");
        let path = format!("/api/v1/agreements/{}", named["id"].as_str().unwrap());
        let (status, read) = call(&app, Method::GET, &path, &lead, None).await;
        assert_eq!(status, 200, "{backend:?}: {read}");
        assert_eq!(read["terms"]["minimum"], "half_termly", "{backend:?}");
        assert_eq!(read["content_hash"], named["content_hash"], "{backend:?}");

        // A draft's minimum is edited like any term.
        let (status, edited) = call(
            &app,
            Method::PATCH,
            &path,
            &lead,
            Some(json!({ "row_version": read["row_version"], "minimum": "termly" })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {edited}");
        assert_eq!(edited["terms"]["minimum"], "termly");
        assert_ne!(
            edited["content_hash"], read["content_hash"],
            "{backend:?}: signed"
        );

        for bad in [json!("fortnightly"), json!("every_13_weeks"), json!(4)] {
            let mut body = draft_body(tenants.academy_a1, tenants.rsl_a, tenants.dsl_a1);
            body["minimum"] = bad.clone();
            let refused = send(&app, &lead, Method::POST, "/api/v1/agreements", Some(body)).await;
            assert_eq!(fields_of(refused).await, ["minimum"], "{backend:?}: {bad}");
        }
        let other_trust = crate::harness::lead_b(&app, &tenants).await;
        let (status, _) = call(&app, Method::GET, &path, &other_trust, None).await;
        assert_eq!(status, 404, "{backend:?}: another trust");
        let other_academy = browser_a(&app, &tenants, tenants.dsl_a2).await;
        let (status, _) = call(&app, Method::GET, &path, &other_academy, None).await;
        assert_eq!(status, 404, "{backend:?}: another academy");
        app.stop().await;
    }
}

/// Books, as `rsl_a`, a formal session of the fixture's agreement at `academy`.
async fn booked(app: &TestApp, tenants: &Tenants, academy: Uuid, starts_at: &str) -> Value {
    let supervisor = browser_a(app, tenants, tenants.rsl_a).await;
    let agreement = agreement_at(app, academy).await;
    let (status, session) = call(
        app,
        Method::POST,
        &format!("/api/v1/agreements/{agreement}/sessions"),
        &supervisor,
        Some(json!({ "kind": "formal", "starts_at": starts_at, "duration": 60, "mode": "video" })),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    session
}

#[tokio::test]
async fn rebooking_window_follows_the_academys_override() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "reheld_working_days": 2 }),
        )
        .await;
        for academy in [tenants.academy_a1, tenants.academy_a2] {
            with_term_dates(&app, &tenants, academy).await;
        }
        // Cancelled on Thursday 30 April; Monday 4 May is a bank holiday, so Wednesday 6 May
        // is the third working day after it.
        let mut rebook = Vec::new();
        for academy in [tenants.academy_a1, tenants.academy_a2] {
            let session = booked(&app, &tenants, academy, "2026-04-30T09:00:00Z").await;
            let id = session["id"].as_str().unwrap().to_owned();
            let (status, body) = call(
                &app,
                Method::POST,
                &format!("/api/v1/sessions/{id}/cancel"),
                &supervisor,
                Some(json!({ "reason": "Strategy meeting", "row_version": 1 })),
            )
            .await;
            assert_eq!(status, 200, "{backend:?}: {body}");
            rebook.push(format!("/api/v1/sessions/{id}/rebook"));
        }
        let third_day = json!({ "starts_at": "2026-05-06T09:00:00Z" });
        let (status, body) = call(
            &app,
            Method::POST,
            &rebook[0],
            &supervisor,
            Some(third_day.clone()),
        )
        .await;
        assert_eq!(
            (status, &body["rebooked_late"]),
            (201, &json!(true)),
            "{backend:?}: A1 re-holds within two working days: {body}"
        );
        let (status, body) =
            call(&app, Method::POST, &rebook[1], &supervisor, Some(third_day)).await;
        assert_eq!(
            (status, &body["rebooked_late"]),
            (201, &json!(false)),
            "{backend:?}: A2 keeps five working days: {body}"
        );
        let (status, body) = call(
            &app,
            Method::POST,
            &rebook[0],
            &supervisor,
            Some(json!({ "starts_at": "2026-05-05T09:00:00Z" })),
        )
        .await;
        assert_eq!(
            (status, &body["rebooked_late"]),
            (201, &json!(false)),
            "{backend:?}: within A1's two days: {body}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn agenda_deadline_follows_the_academys_override() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "agenda_days_before": 3 }),
        )
        .await;
        with_term_dates(&app, &tenants, tenants.academy_a1).await;
        // Both on Monday 2 February at nine, as the fixture's A2 session is.
        let at_a1 = booked(&app, &tenants, tenants.academy_a1, "2026-02-02T09:00:00Z").await;
        let sessions = [
            (at_a1["id"].as_str().unwrap().to_owned(), tenants.dsl_a1),
            (tenants.session_a2.to_string(), tenants.dsl_a2),
        ];
        let mut due = Vec::new();
        for (session, supervisee) in &sessions {
            let browser = browser_a(&app, &tenants, *supervisee).await;
            let (status, agenda) = call(
                &app,
                Method::PUT,
                &format!("/api/v1/sessions/{session}/agenda"),
                &browser,
                Some(json!({ "items": ["Case CP-1"] })),
            )
            .await;
            assert_eq!(status, 200, "{backend:?}: {agenda}");
            due.push(agenda["due_by"].as_str().unwrap().to_owned());
        }
        assert!(
            due[0].starts_with("2026-01-30T09:00:00"),
            "{backend:?}: A1 wants it three days before: {due:?}"
        );
        assert!(
            due[1].starts_with("2026-01-26T09:00:00"),
            "{backend:?}: A2 keeps seven days: {due:?}"
        );

        // Switching agendas off at A1 leaves A1's sessions with no deadline, and A2's as it was.
        let (_, current) = call(
            &app,
            Method::GET,
            &format!("/api/v1/academies/{}/policy", tenants.academy_a1),
            &lead,
            None,
        )
        .await;
        let (status, body) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/academies/{}/policy", tenants.academy_a1),
            &lead,
            Some(json!({
                "row_version": current["row_version"],
                "override": { "agenda_days_before": 3, "agenda_required": false },
            })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for (index, (session, supervisee)) in sessions.iter().enumerate() {
            let browser = browser_a(&app, &tenants, *supervisee).await;
            let (status, agenda) = call(
                &app,
                Method::GET,
                &format!("/api/v1/sessions/{session}/agenda"),
                &browser,
                None,
            )
            .await;
            assert_eq!(status, 200, "{backend:?}: {agenda}");
            if index == 0 {
                assert_eq!(agenda["due_by"], Value::Null, "{backend:?}");
            } else {
                assert_eq!(agenda["due_by"], json!(due[1]), "{backend:?}");
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn dsl_training_expiry_follows_the_academys_override() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "dsl_training_years": 1 }),
        )
        .await;
        let course =
            json!({ "course": "DSL refresher", "kind": "dsl", "completed_on": "2025-06-01" });
        let mut expiries = Vec::new();
        for dsl in [tenants.dsl_a1, tenants.dsl_a2] {
            let (status, training) = call(
                &app,
                Method::POST,
                &format!("/api/v1/people/{dsl}/training"),
                &lead,
                Some(course.clone()),
            )
            .await;
            assert_eq!(status, 201, "{backend:?}: {training}");
            expiries.push(training["expires_on"].clone());
        }
        assert_eq!(
            expiries,
            [json!("2026-06-01"), json!("2027-06-01")],
            "{backend:?}: A1's DSL refreshes yearly, A2's every two years"
        );
        // The DSL recording their own training is held to their academy's policy too.
        let own = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, training) = call(
            &app,
            Method::POST,
            &format!("/api/v1/people/{}/training", tenants.dsl_a1),
            &own,
            Some(json!({ "course": "DSL update", "kind": "dsl", "completed_on": "2025-09-01" })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {training}");
        assert_eq!(training["expires_on"], "2026-09-01");
        app.stop().await;
    }
}

#[tokio::test]
async fn qa_reviews_fall_due_at_the_academys_interval() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        override_at(
            &app,
            &lead,
            tenants.academy_a1,
            json!({ "qa_interval_months": 1 }),
        )
        .await;
        crate::qa::add_director(&app.test_db.db, &tenants).await;
        // Both fixture agreements were activated on 8 September 2025.
        let created = crate::qa::generate_a(&app.test_db.db, &tenants).await;
        let due_at = |academy: Uuid| {
            let mut due: Vec<String> = created
                .iter()
                .filter(|review| review.academy_id == academy)
                .map(|review| review.due_on.to_string())
                .collect();
            due.sort();
            due
        };
        assert_eq!(
            due_at(tenants.academy_a1),
            ["2025-10-08", "2025-11-08", "2025-12-08", "2026-01-08"],
            "{backend:?}: monthly at A1"
        );
        assert_eq!(
            due_at(tenants.academy_a2),
            ["2025-12-08"],
            "{backend:?}: quarterly at A2"
        );
        app.stop().await;
    }
}
