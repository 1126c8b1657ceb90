//! Supervision sessions: planned from the agreement's cadence and booked only on working days of
//! the academy ahead of now; moved against the version read; cancelled with a reason and
//! re-booked, linked to the cancellation and shown late after the policy's working days (the
//! deadline of the chain's first session); an ad hoc one with a short note; marked held by the
//! supervisor once started; walled in their trust and academy.

use chrono::NaiveDate;
use haven_entity as e;
use haven_store::calendar::NewHalfTerm;
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Tenants, TestApp, backends, now};
use crate::harness::{browser_a, browser_b, fields_of, send};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Academy A1's 2025/26 year: spring half term 14–22 February; May Day (4 May) falls in term.
async fn with_term_dates(app: &TestApp, tenants: &Tenants) {
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
    haven_store::calendar::replace_year(&mut tx, tenants.academy_a1, 2025, &halves)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn agreement_at(app: &TestApp, academy: Uuid) -> Uuid {
    e::agreement::Entity::find()
        .filter(e::agreement::Column::AcademyId.eq(academy))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn booking(starts_at: &str) -> Value {
    json!({ "kind": "formal", "starts_at": starts_at, "duration": 60, "mode": "video" })
}

async fn booked(app: &TestApp, tenants: &Tenants, starts_at: &str) -> Value {
    let supervisor = browser_a(app, tenants, tenants.rsl_a).await;
    let agreement = agreement_at(app, tenants.academy_a1).await;
    let response = send(
        app,
        &supervisor,
        Method::POST,
        &format!("/api/v1/agreements/{agreement}/sessions"),
        Some(booking(starts_at)),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn id_of(session: &Value) -> &str {
    session["id"].as_str().unwrap()
}

#[tokio::test]
async fn a_session_is_booked_only_ahead_and_on_a_working_day_of_the_academy() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let path = format!(
            "/api/v1/agreements/{}/sessions",
            agreement_at(&app, tenants.academy_a1).await
        );
        let session = booked(&app, &tenants, "2026-01-14T10:00:00Z").await;
        assert_eq!(session["status"], "planned", "{backend:?}");
        assert_eq!(
            session["attendees"][0]["person_id"],
            tenants.dsl_a1.to_string()
        );
        for (when, what) in [
            ("2026-01-09T10:00:00Z", "in the past"),
            ("2026-01-17T10:00:00Z", "a Saturday"),
            ("2026-02-17T10:00:00Z", "out of term"),
            ("2026-05-04T10:00:00Z", "a bank holiday"),
        ] {
            let refused = send(&app, &supervisor, Method::POST, &path, Some(booking(when))).await;
            assert_eq!(
                fields_of(refused).await,
                ["starts_at"],
                "{backend:?}: {what}"
            );
        }
        let listed: Value = send(&app, &supervisor, Method::GET, &path, None)
            .await
            .json()
            .await
            .unwrap();
        // The fixture's held December session and the one booked.
        assert_eq!(listed.as_array().unwrap().len(), 2, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn planning_follows_the_cadence_on_working_days_marks_extended_and_group_sessions() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let agreement = agreement_at(&app, tenants.academy_a1).await;
        e::agreement::Entity::update_many()
            .col_expr(e::agreement::Column::Kind, Expr::value("group"))
            .col_expr(e::agreement::Column::PlanCadence, Expr::value("weekly"))
            .col_expr(
                e::agreement::Column::ExtendedEachHalfTerm,
                Expr::value(true),
            )
            .filter(e::agreement::Column::Id.eq(agreement))
            .exec(&app.test_db.owner)
            .await
            .unwrap();
        e::agreement_supervisee::Entity::insert(e::agreement_supervisee::ActiveModel {
            id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
            trust_id: sea_orm::ActiveValue::Set(tenants.trust_a),
            academy_id: sea_orm::ActiveValue::Set(tenants.academy_a1),
            agreement_id: sea_orm::ActiveValue::Set(agreement),
            person_id: sea_orm::ActiveValue::Set(tenants.head_a1),
        })
        .exec(&app.test_db.owner)
        .await
        .unwrap();
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let path = format!("/api/v1/agreements/{agreement}/sessions/plan");
        let body = |from: &str| json!({ "from": from, "to": "2026-02-27", "weekday": "Tuesday", "time": "15:30", "mode": "in_person" });
        let planned = send(
            &app,
            &supervisor,
            Method::POST,
            &path,
            Some(body("2026-02-10")),
        )
        .await;
        assert_eq!(planned.status(), 201, "{backend:?}");
        let planned: Value = planned.json().await.unwrap();
        let starts: Vec<&str> = planned
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["starts_at"].as_str().unwrap())
            .collect();
        // 17 February is half term: no session that week.
        assert_eq!(starts.len(), 2, "{backend:?}: {starts:?}");
        assert!(starts[0].starts_with("2026-02-10T15:30:00"));
        assert!(starts[1].starts_with("2026-02-24T15:30:00"));
        let kinds: Vec<&str> = planned
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.iter().all(|k| *k == "group" || *k == "extended"));
        assert!(kinds.contains(&"extended"), "{backend:?}: {kinds:?}");
        assert_eq!(planned[0]["attendees"].as_array().unwrap().len(), 2);

        let past = send(
            &app,
            &supervisor,
            Method::POST,
            &path,
            Some(body("2026-01-09")),
        )
        .await;
        assert_eq!(fields_of(past).await, ["from"], "{backend:?}");
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let not_supervisor = send(&app, &lead, Method::POST, &path, Some(body("2026-02-10"))).await;
        assert_eq!(not_supervisor.status(), 403, "{backend:?}");
        let no_terms = format!(
            "/api/v1/agreements/{}/sessions/plan",
            agreement_at(&app, tenants.academy_a2).await
        );
        let refused = send(
            &app,
            &supervisor,
            Method::POST,
            &no_terms,
            Some(body("2026-02-10")),
        )
        .await;
        assert_eq!(fields_of(refused).await, ["term_dates"], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_move_keeps_the_date_rules_bumps_the_sequence_and_a_stale_move_is_409() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let session = booked(&app, &tenants, "2026-01-14T10:00:00Z").await;
        let path = format!("/api/v1/sessions/{}/move", id_of(&session));
        let to = |at: &str, version: i32| Some(json!({ "starts_at": at, "row_version": version }));
        let moved = send(
            &app,
            &supervisor,
            Method::POST,
            &path,
            to("2026-01-15T10:00:00Z", 1),
        )
        .await;
        assert_eq!(moved.status(), 200, "{backend:?}");
        let moved: Value = moved.json().await.unwrap();
        assert_eq!(moved["ical_sequence"], 1);
        assert_eq!(moved["row_version"], 2);
        let stale = send(
            &app,
            &supervisor,
            Method::POST,
            &path,
            to("2026-01-16T10:00:00Z", 1),
        )
        .await;
        assert_eq!(stale.status(), 409, "{backend:?}");
        let holiday = send(
            &app,
            &supervisor,
            Method::POST,
            &path,
            to("2026-05-04T10:00:00Z", 2),
        )
        .await;
        assert_eq!(fields_of(holiday).await, ["starts_at"], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_rebooking_after_five_working_days_is_linked_and_shown_late_and_a_chain_keeps_the_first_deadline()
 {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        // Thursday 30 April; Monday 4 May is a bank holiday, so the fifth working day is 8 May.
        let session = booked(&app, &tenants, "2026-04-30T09:00:00Z").await;
        let id = id_of(&session);
        let rebook = format!("/api/v1/sessions/{id}/rebook");
        let early = send(
            &app,
            &supervisor,
            Method::POST,
            &rebook,
            Some(json!({ "starts_at": "2026-05-05T09:00:00Z" })),
        )
        .await;
        assert_eq!(
            fields_of(early).await,
            ["status"],
            "{backend:?}: not cancelled yet"
        );
        let cancel = format!("/api/v1/sessions/{id}/cancel");
        let no_reason = send(
            &app,
            &supervisee,
            Method::POST,
            &cancel,
            Some(json!({ "reason": " ", "row_version": 1 })),
        )
        .await;
        assert_eq!(fields_of(no_reason).await, ["reason"], "{backend:?}");
        let cancelled = send(
            &app,
            &supervisee,
            Method::POST,
            &cancel,
            Some(json!({ "reason": "Safeguarding incident", "row_version": 1 })),
        )
        .await;
        assert_eq!(cancelled.status(), 200, "{backend:?}");
        let cancelled: Value = cancelled.json().await.unwrap();
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["cancelled_by"], tenants.dsl_a1.to_string());
        assert!(cancelled["cancelled_at"].is_string());

        // Monday 11 May is past the deadline: booked all the same, linked and shown late.
        let late = send(
            &app,
            &supervisor,
            Method::POST,
            &rebook,
            Some(json!({ "starts_at": "2026-05-11T09:00:00Z" })),
        )
        .await;
        assert_eq!(late.status(), 201, "{backend:?}");
        let late: Value = late.json().await.unwrap();
        assert_eq!(late["rebooking_of_id"], id, "{backend:?}");
        assert_eq!(late["status"], "planned");
        assert_eq!(late["rebooked_late"], true, "{backend:?}: {late}");
        let figures: Value = send(
            &app,
            &supervisee,
            Method::GET,
            &format!("/api/v1/sessions/{}", id_of(&late)),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(figures["rebooked_late"], true, "{backend:?}: {figures}");
        assert_eq!(figures["rebooking_of_id"], id, "{backend:?}: {figures}");
        let page = send(
            &app,
            &supervisee,
            Method::GET,
            &format!("/sessions/{}", id_of(&late)),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
        assert!(
            page.contains("late: after the cancelled session"),
            "{backend:?}: the session page shows it late"
        );

        // Moved back to Friday 8 May, the fifth working day, it is no longer late.
        let moved = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("/api/v1/sessions/{}/move", id_of(&late)),
            Some(
                json!({ "starts_at": "2026-05-08T09:00:00Z", "row_version": late["row_version"] }),
            ),
        )
        .await;
        assert_eq!(moved.status(), 200, "{backend:?}");
        let moved: Value = moved.json().await.unwrap();
        assert_eq!(moved["rebooked_late"], false, "{backend:?}: {moved}");

        // That rebooking cancelled in turn keeps the first session's deadline: a rebooking of
        // it on Thursday 7 May is in time, one on Monday 11 May is late.
        let cancelled_again = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("/api/v1/sessions/{}/cancel", id_of(&moved)),
            Some(json!({ "reason": "Strategy meeting", "row_version": moved["row_version"] })),
        )
        .await;
        assert_eq!(cancelled_again.status(), 200, "{backend:?}");
        let rebook_again = format!("/api/v1/sessions/{}/rebook", id_of(&moved));
        for (starts_at, late) in [
            ("2026-05-07T09:00:00Z", false),
            ("2026-05-11T09:00:00Z", true),
        ] {
            let rebooked = send(
                &app,
                &supervisor,
                Method::POST,
                &rebook_again,
                Some(json!({ "starts_at": starts_at })),
            )
            .await;
            assert_eq!(rebooked.status(), 201, "{backend:?}");
            let rebooked: Value = rebooked.json().await.unwrap();
            assert_eq!(rebooked["rebooking_of_id"], id_of(&moved), "{backend:?}");
            assert_eq!(
                rebooked["rebooked_late"], late,
                "{backend:?}: {starts_at}: {rebooked}"
            );
        }
        let listed: Value = send(
            &app,
            &supervisor,
            Method::GET,
            &format!(
                "/api/v1/agreements/{}/sessions",
                agreement_at(&app, tenants.academy_a1).await
            ),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        let late_ones = listed
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["rebooked_late"] == true)
            .count();
        assert_eq!(late_ones, 1, "{backend:?}: the list shows lateness too");
        app.stop().await;
    }
}

#[tokio::test]
async fn only_the_supervisor_marks_held_and_only_once_the_session_has_started() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let session = booked(&app, &tenants, "2026-01-14T10:00:00Z").await;
        let path = format!("/api/v1/sessions/{}/held", id_of(&session));
        let early = send(&app, &supervisor, Method::POST, &path, Some(json!({}))).await;
        assert_eq!(fields_of(early).await, ["starts_at"], "{backend:?}");
        e::supervision_session::Entity::update_many()
            .col_expr(
                e::supervision_session::Column::StartsAt,
                Expr::value(crate::harness::at(2026, 1, 9)),
            )
            .filter(
                e::supervision_session::Column::Id.eq(Uuid::parse_str(id_of(&session)).unwrap()),
            )
            .exec(&app.test_db.owner)
            .await
            .unwrap();
        let not_supervisor = send(&app, &supervisee, Method::POST, &path, Some(json!({}))).await;
        assert_eq!(not_supervisor.status(), 403, "{backend:?}");
        let held = send(
            &app,
            &supervisor,
            Method::POST,
            &path,
            Some(json!({ "attendee_ids": [tenants.dsl_a1] })),
        )
        .await;
        assert_eq!(held.status(), 200, "{backend:?}");
        let held: Value = held.json().await.unwrap();
        assert_eq!(held["status"], "held");
        assert!(
            held["held_marked_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00")
        );
        assert_eq!(held["attendees"][0]["attended"], true);
        app.stop().await;
    }
}

#[tokio::test]
async fn another_trust_or_academy_gets_404_on_every_session_endpoint() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let agreement = agreement_at(&app, tenants.academy_a1).await;
        let session = booked(&app, &tenants, "2026-01-14T10:00:00Z").await;
        let id = id_of(&session);
        let outsiders = [
            browser_b(&app, &tenants, tenants.dsl_b1).await,
            browser_a(&app, &tenants, tenants.dsl_a2).await,
        ];
        for outsider in &outsiders {
            let attempts = [
                (
                    Method::GET,
                    format!("/api/v1/agreements/{agreement}/sessions"),
                    None,
                ),
                (
                    Method::POST,
                    format!("/api/v1/agreements/{agreement}/sessions/plan"),
                    Some(
                        json!({ "from": "2026-01-19", "to": "2026-02-13", "weekday": "Monday", "time": "10:00", "mode": "video" }),
                    ),
                ),
                (
                    Method::POST,
                    format!("/api/v1/agreements/{agreement}/sessions"),
                    Some(booking("2026-01-15T10:00:00Z")),
                ),
                (
                    Method::POST,
                    format!("/api/v1/sessions/{id}/move"),
                    Some(json!({ "starts_at": "2026-01-15T10:00:00Z", "row_version": 1 })),
                ),
                (
                    Method::POST,
                    format!("/api/v1/sessions/{id}/cancel"),
                    Some(json!({ "reason": "Mine now", "row_version": 1 })),
                ),
                (
                    Method::POST,
                    format!("/api/v1/sessions/{id}/rebook"),
                    Some(json!({ "starts_at": "2026-01-15T10:00:00Z" })),
                ),
                (
                    Method::POST,
                    format!("/api/v1/sessions/{id}/held"),
                    Some(json!({})),
                ),
            ];
            for (method, path, body) in attempts {
                let refused = send(&app, outsider, method.clone(), &path, body).await;
                assert_eq!(refused.status(), 404, "{backend:?}: {method} {path}");
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_session_read_on_its_own_gives_the_version_that_cancelling_it_needs() {
    for backend in crate::harness::backends() {
        let app = crate::harness::TestApp::spawn(backend).await;
        let tenants = crate::harness::Tenants::create(&app.test_db.db).await;
        let supervisor = crate::harness::browser_a(&app, &tenants, tenants.rsl_a).await;
        let path = format!("/api/v1/sessions/{}", tenants.session_a2);
        let (status, session) =
            crate::harness::call(&app, reqwest::Method::GET, &path, &supervisor, None).await;
        assert_eq!(status, 200, "{backend:?}: {session}");
        let version = session["row_version"].clone();
        assert!(version.is_i64(), "{session}");
        let (status, cancelled) = crate::harness::call(
            &app,
            reqwest::Method::POST,
            &format!("{path}/cancel"),
            &supervisor,
            Some(serde_json::json!({ "reason": "Ofsted visit", "row_version": version })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {cancelled}");
        // Another trust's lead and another academy's DSL are not told it exists.
        for outsider in [
            crate::harness::lead_b(&app, &tenants).await,
            crate::harness::browser_a(&app, &tenants, tenants.dsl_a1).await,
        ] {
            let (status, _) =
                crate::harness::call(&app, reqwest::Method::GET, &path, &outsider, None).await;
            assert_eq!(status, 404, "{backend:?}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_session_held_or_cancelled_last_week_is_entered_with_its_own_date() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let agreement = agreement_at(&app, tenants.academy_a1).await;
        let book = format!("/api/v1/agreements/{agreement}/sessions");
        let past = |held_on: Option<&str>, starts_at: &str| {
            let mut body = booking(starts_at);
            if let Some(held_on) = held_on {
                body["held_on"] = json!(held_on);
            }
            Some(body)
        };
        // Past sessions are entered only as held, on a day that has come, after the agreement began.
        for (body, field) in [
            (past(None, "2026-01-07T10:00:00Z"), "starts_at"),
            (past(Some("2026-01-13"), "2026-01-07T10:00:00Z"), "held_on"),
            (past(Some("2026-01-06"), "2026-01-07T10:00:00Z"), "held_on"),
            (
                past(Some("2025-09-05"), "2025-09-05T10:00:00Z"),
                "starts_at",
            ),
            (
                past(Some("2026-01-14"), "2026-01-14T10:00:00Z"),
                "starts_at",
            ),
            (past(Some("7 January"), "2026-01-07T10:00:00Z"), "held_on"),
        ] {
            let refused = send(&app, &supervisor, Method::POST, &book, body.clone()).await;
            assert_eq!(fields_of(refused).await, [field], "{backend:?}: {body:?}");
        }
        let invites_before = crate::harness::notifier::outbox(&app).await.len();
        let entered = send(
            &app,
            &supervisor,
            Method::POST,
            &book,
            past(Some("2026-01-07"), "2026-01-07T10:00:00Z"),
        )
        .await;
        assert_eq!(entered.status(), 201, "{backend:?}");
        let entered: Value = entered.json().await.unwrap();
        assert_eq!(entered["status"], "held", "{backend:?}");
        assert_eq!(entered["held_on"], "2026-01-07", "{backend:?}");
        assert!(
            entered["held_marked_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00"),
            "{backend:?}: it keeps when it was entered"
        );
        assert_eq!(entered["attendees"][0]["attended"], true, "{backend:?}");
        assert_eq!(
            crate::harness::notifier::outbox(&app).await.len(),
            invites_before,
            "{backend:?}: a session that took place sends no invitations"
        );

        // A planned session from last week, marked held afterwards with the day it took place.
        let planned = booked(&app, &tenants, "2026-01-14T10:00:00Z").await;
        let planned_id = Uuid::parse_str(id_of(&planned)).unwrap();
        e::supervision_session::Entity::update_many()
            .col_expr(
                e::supervision_session::Column::StartsAt,
                Expr::value(crate::harness::at(2026, 1, 8)),
            )
            .filter(e::supervision_session::Column::Id.eq(planned_id))
            .exec(&app.test_db.owner)
            .await
            .unwrap();
        let held_path = format!("/api/v1/sessions/{planned_id}/held");
        for held_on in ["2026-01-07", "2026-01-13"] {
            let refused = send(
                &app,
                &supervisor,
                Method::POST,
                &held_path,
                Some(json!({ "held_on": held_on })),
            )
            .await;
            assert_eq!(
                fields_of(refused).await,
                ["held_on"],
                "{backend:?}: {held_on}"
            );
        }
        let outsiders = [
            crate::harness::lead_b(&app, &tenants).await,
            browser_a(&app, &tenants, tenants.dsl_a2).await,
        ];
        for outsider in &outsiders {
            let held = send(
                &app,
                outsider,
                Method::POST,
                &held_path,
                Some(json!({ "held_on": "2026-01-09" })),
            )
            .await;
            assert_eq!(held.status(), 404, "{backend:?}");
            let entered = send(
                &app,
                outsider,
                Method::POST,
                &book,
                past(Some("2026-01-07"), "2026-01-07T10:00:00Z"),
            )
            .await;
            assert_eq!(entered.status(), 404, "{backend:?}");
        }
        let held = send(
            &app,
            &supervisor,
            Method::POST,
            &held_path,
            Some(json!({ "held_on": "2026-01-09" })),
        )
        .await;
        assert_eq!(held.status(), 200, "{backend:?}");
        let held: Value = held.json().await.unwrap();
        assert_eq!(held["held_on"], "2026-01-09", "{backend:?}");
        assert!(
            held["held_marked_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00")
        );

        // A cancellation entered after the day it was called off.
        let cancelled = booked(&app, &tenants, "2026-01-15T10:00:00Z").await;
        let cancel_path = format!("/api/v1/sessions/{}/cancel", id_of(&cancelled));
        for cancelled_on in ["2026-01-13", "2025-09-01"] {
            let refused = send(
                &app,
                &supervisor,
                Method::POST,
                &cancel_path,
                Some(
                    json!({ "reason": "Illness", "row_version": 1, "cancelled_on": cancelled_on }),
                ),
            )
            .await;
            assert_eq!(
                fields_of(refused).await,
                ["cancelled_on"],
                "{backend:?}: {cancelled_on}"
            );
        }
        for outsider in &outsiders {
            let refused = send(
                &app,
                outsider,
                Method::POST,
                &cancel_path,
                Some(json!({ "reason": "Mine", "row_version": 1, "cancelled_on": "2026-01-09" })),
            )
            .await;
            assert_eq!(refused.status(), 404, "{backend:?}");
        }
        let done = send(
            &app,
            &supervisor,
            Method::POST,
            &cancel_path,
            Some(json!({ "reason": "Illness", "row_version": 1, "cancelled_on": "2026-01-09" })),
        )
        .await;
        assert_eq!(done.status(), 200, "{backend:?}");
        let done: Value = done.json().await.unwrap();
        assert_eq!(done["cancelled_on"], "2026-01-09", "{backend:?}");
        assert!(
            done["cancelled_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00")
        );
        app.stop().await;
    }
}
