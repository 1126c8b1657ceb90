//! An external supervisor (DESIGN §1: "named agreements") supervises a DSL under an agreement of
//! kind `external` while holding no role that opens the academy: they do every party's part of
//! the agreement exactly as an in-academy supervisor does, and see nothing else of the academy.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use haven_entity as e;
use haven_store::calendar::NewHalfTerm;
use haven_store::{Origin, SystemActor};
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{
    Browser, Tenants, TestApp, TestClock, backends, browser_a, browser_b, call, now,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn instant(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// An independent supervisor in trust A, assigned as the seed assigns one: the
/// `external_supervisor` role at academy A1, which opens no academy to them.
pub(crate) async fn external_supervisor(app: &TestApp, tenants: &Tenants) -> Uuid {
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Seed, Origin::Cli);
    let mut tx = app.test_db.db.write(&system, now()).await.unwrap();
    let id = tx
        .insert(e::person::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(tenants.trust_a),
            display_name: Set("Esme External".into()),
            email: Set("esme.external@example.org".into()),
            job_title: Set(Some("Independent safeguarding supervisor".into())),
            optional_reminders: Set(true),
            notification_preference: Set("immediate".into()),
            oidc_subject: Set(None),
            active: Set(true),
            created_at: Set(now()),
            updated_at: Set(now()),
        })
        .await
        .unwrap()
        .id;
    tx.insert(e::role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tenants.trust_a),
        person_id: Set(id),
        role: Set("external_supervisor".into()),
        scope_kind: Set("academy".into()),
        region_id: Set(None),
        academy_id: Set(Some(tenants.academy_a1)),
        starts_on: Set(day(2025, 9, 1)),
        ends_on: Set(None),
        created_at: Set(now()),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Academy A1's 2025/26 year: spring half term 14–22 February; May Day falls in term.
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

/// A person of trust A signed in at `at`, for an app on a moving clock.
async fn signed_in(app: &TestApp, tenants: &Tenants, person: Uuid, at: DateTime<Utc>) -> Browser {
    let scope = tenants.scope_a(&app.test_db.db, person).await;
    app.browser_at(&scope, at).await
}

/// The fixture's agreement at academy A1 (`rsl_a` supervising `dsl_a1`).
async fn fixture_agreement(app: &TestApp, tenants: &Tenants) -> Uuid {
    e::agreement::Entity::find()
        .filter(e::agreement::Column::AcademyId.eq(tenants.academy_a1))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The trust lead drafts an external agreement (the external supervisor over `dsl_a1`) and both
/// parties sign it: the agreement as activated.
pub(crate) async fn external_agreement(app: &TestApp, tenants: &Tenants, external: Uuid) -> Value {
    let lead = browser_a(app, tenants, tenants.lead_a).await;
    let (status, draft) = call(
        app,
        Method::POST,
        "/api/v1/agreements",
        &lead,
        Some(json!({
            "academy_id": tenants.academy_a1,
            "kind": "external",
            "supervisor_id": external,
            "supervisee_ids": [tenants.dsl_a1],
            "plan_cadence": "half_termly",
            "session_minutes": 90,
            "agenda_required": true,
            "standard_agenda": "Cases, actions, wellbeing",
            "records_location": "Haven",
            "confidentiality_terms": "As the trust policy",
            "diversity_terms": "As the trust policy",
        })),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let path = format!("/api/v1/agreements/{}/sign", draft["id"].as_str().unwrap());
    let hash = json!({ "content_hash": draft["content_hash"] });
    let mut signed = Value::Null;
    for party in [external, tenants.dsl_a1] {
        let browser = browser_a(app, tenants, party).await;
        let (status, body) = call(app, Method::POST, &path, &browser, Some(hash.clone())).await;
        assert_eq!(status, 200, "{body}");
        signed = body;
    }
    assert_eq!(signed["status"], "active");
    signed
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

fn record_content() -> Value {
    json!({
        "agenda_items": ["Case 9012"],
        "issues_discussed": ["Case 9012: neglect concerns"],
        "decisions": [{ "decision": "Refer to children's social care", "reasons": "Threshold met" }],
        "wellbeing": "Coping; workload high",
        "gibbs": { "description": "Home visit", "feelings": "Worried", "evaluation": "",
                   "analysis": "", "conclusion": "", "action_plan": "Refer today" },
        "next_session_on": "2026-02-02"
    })
}

fn case_note() -> Value {
    json!({
        "case_reference": "CP-77",
        "child_initials": "j. s.",
        "case_status": "child_in_need",
        "update_text": "Referral accepted by social care",
        "childs_view": "Wants to stay at school",
        "parents_views": "Worried about housing",
        "visiting_pattern": "Fortnightly",
        "logs_up_to_date": true,
        "chronology_up_to_date": false,
        "risk_factors": "Overcrowding",
        "protective_factors": "Attends every day",
        "outstanding_actions": "Chase the housing officer",
    })
}

#[tokio::test]
async fn an_external_supervisor_runs_the_whole_supervision_of_their_agreement() {
    for backend in backends() {
        let clock = TestClock::starting_at(now());
        let app = TestApp::spawn_with_clock(backend, clock.clone(), |_| {}).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let external = external_supervisor(&app, &tenants).await;
        let agreement = external_agreement(&app, &tenants, external).await;
        assert_eq!(agreement["kind"], "external", "{backend:?}");
        let agreement_id = id_of(&agreement);
        let supervisor = signed_in(&app, &tenants, external, now()).await;
        let dsl = signed_in(&app, &tenants, tenants.dsl_a1, now()).await;

        // The year's sessions, from the agreement's half-termly plan.
        let (status, planned) = call(
            &app,
            Method::POST,
            &format!("/api/v1/agreements/{agreement_id}/sessions/plan"),
            &supervisor,
            Some(json!({ "from": "2026-01-19", "to": "2026-07-22", "weekday": "Monday", "time": "10:00", "mode": "video" })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {planned}");
        let planned = planned.as_array().unwrap().clone();
        assert_eq!(
            planned.len(),
            4,
            "{backend:?}: one a half term: {planned:?}"
        );
        assert!(planned.iter().all(|s| s["duration_minutes"] == 90));

        // An ad hoc session, moved a day on.
        let (status, ad_hoc) = call(
            &app,
            Method::POST,
            &format!("/api/v1/agreements/{agreement_id}/sessions"),
            &supervisor,
            Some(json!({ "kind": "ad_hoc", "starts_at": "2026-01-14T10:00:00Z", "duration": 30, "mode": "phone" })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {ad_hoc}");
        let ad_hoc_id = id_of(&ad_hoc);
        let (status, moved) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{ad_hoc_id}/move"),
            &supervisor,
            Some(json!({ "starts_at": "2026-01-15T10:00:00Z", "row_version": 1 })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {moved}");
        assert_eq!(moved["ical_sequence"], 1);

        // The first planned session cancelled and re-held within five working days.
        let first = id_of(&planned[0]);
        let (status, cancelled) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{first}/cancel"),
            &supervisor,
            Some(json!({ "reason": "Called to a strategy meeting", "row_version": 1 })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {cancelled}");
        assert_eq!(cancelled["cancelled_by"], external.to_string());
        let (status, rebooked) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{first}/rebook"),
            &supervisor,
            Some(json!({ "starts_at": format!("{}T10:00:00Z", day_after(&planned[0])) })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {rebooked}");
        assert_eq!(rebooked["rebooking_of_id"], first);

        // Before the ad hoc session: the DSL's agenda and a case note from each party.
        let agenda_path = format!("/api/v1/sessions/{ad_hoc_id}/agenda");
        let (status, body) = call(
            &app,
            Method::PUT,
            &agenda_path,
            &dsl,
            Some(json!({ "items": ["Case CP-77"] })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        let (status, agenda) = call(&app, Method::GET, &agenda_path, &supervisor, None).await;
        assert_eq!(status, 200, "{backend:?}: {agenda}");
        assert_eq!(agenda["items"], json!(["Case CP-77"]));
        let notes_path = format!("/api/v1/sessions/{ad_hoc_id}/case-notes");
        let (status, body) = call(
            &app,
            Method::POST,
            &notes_path,
            &supervisor,
            Some(case_note()),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let (status, notes) = call(&app, Method::GET, &notes_path, &supervisor, None).await;
        assert_eq!(status, 200, "{backend:?}: {notes}");
        assert_eq!(notes.as_array().unwrap().len(), 1);

        // After it: marked held, its record written and sent, an action set; the DSL signs.
        let later = instant(2026, 1, 15, 12);
        clock.set(later);
        let supervisor = signed_in(&app, &tenants, external, later).await;
        let dsl = signed_in(&app, &tenants, tenants.dsl_a1, later).await;
        let (status, held) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{ad_hoc_id}/held"),
            &supervisor,
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {held}");
        assert_eq!(held["status"], "held");
        let (status, draft) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{ad_hoc_id}/record"),
            &supervisor,
            Some(json!({ "content": record_content() })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {draft}");
        let record_id = id_of(&draft);
        let (status, action) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{ad_hoc_id}/actions"),
            &supervisor,
            Some(json!({
                "description": "Chase the housing officer",
                "owner_id": tenants.dsl_a1,
                "due_on": "2026-01-30",
                "record_id": record_id,
            })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {action}");
        let (status, actions) = call(
            &app,
            Method::GET,
            &format!("/api/v1/sessions/{ad_hoc_id}/actions"),
            &supervisor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {actions}");
        let (status, sent) = call(
            &app,
            Method::POST,
            &format!("/api/v1/records/{record_id}/send"),
            &supervisor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {sent}");
        assert_eq!(sent["status"], "sent");
        let (status, read) = call(
            &app,
            Method::GET,
            &format!("/api/v1/records/{record_id}"),
            &dsl,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {read}");
        let (status, signed) = call(
            &app,
            Method::POST,
            &format!("/api/v1/records/{record_id}/sign"),
            &dsl,
            Some(json!({ "content_hash": read["content_hash"], "outcome": "signed" })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {signed}");
        assert_eq!(signed["status"], "signed");
        let (status, figures) = call(
            &app,
            Method::GET,
            &format!("/api/v1/sessions/{ad_hoc_id}"),
            &supervisor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {figures}");
        assert_eq!(figures["record"]["status"], "signed");
        let (status, sessions) = call(
            &app,
            Method::GET,
            &format!("/api/v1/agreements/{agreement_id}/sessions"),
            &supervisor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {sessions}");
        // Four planned (one cancelled), its rebooking and the ad hoc one.
        assert_eq!(sessions.as_array().unwrap().len(), 6, "{backend:?}");

        // What they wrote in an academy they do not see is logged as written on their standing
        // as a party, and the trust's chain still verifies.
        let created_sessions = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::TrustId.eq(tenants.trust_a))
            .filter(e::audit_log::Column::ActorId.eq(external))
            .filter(e::audit_log::Column::Action.eq("create"))
            .filter(e::audit_log::Column::Entity.eq("supervision_session"))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert_eq!(created_sessions.len(), 6, "{backend:?}");
        assert!(
            created_sessions
                .iter()
                .all(|entry| entry.detail["basis"] == "party" && entry.detail["digest"].is_string()),
            "{backend:?}"
        );
        haven_store::audit::verify(&app.test_db.db, tenants.trust_a)
            .await
            .unwrap();
        app.stop().await;
    }
}

/// The working day after a planned Monday session: the Tuesday.
fn day_after(session: &Value) -> String {
    let starts: DateTime<Utc> = session["starts_at"].as_str().unwrap().parse().unwrap();
    (starts.date_naive() + chrono::Days::new(1)).to_string()
}

#[tokio::test]
async fn an_external_supervisor_sees_nothing_of_the_academy_beyond_their_agreement() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let external = external_supervisor(&app, &tenants).await;
        let agreement = external_agreement(&app, &tenants, external).await;
        let supervisor = browser_a(&app, &tenants, external).await;
        let (status, session) = call(
            &app,
            Method::POST,
            &format!("/api/v1/agreements/{}/sessions", id_of(&agreement)),
            &supervisor,
            Some(json!({ "kind": "formal", "starts_at": "2026-01-14T10:00:00Z", "duration": 90, "mode": "video" })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {session}");

        let (_, listed) = call(&app, Method::GET, "/api/v1/agreements", &supervisor, None).await;
        let ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [agreement["id"].as_str().unwrap()], "{backend:?}");
        let (status, academies) =
            call(&app, Method::GET, "/api/v1/academies", &supervisor, None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(
            academies,
            json!([]),
            "{backend:?}: no academy is theirs to see"
        );
        let (status, _) = call(&app, Method::GET, "/api/v1/people", &supervisor, None).await;
        assert_eq!(status, 403, "{backend:?}: no people list");

        let fixture = fixture_agreement(&app, &tenants).await;
        let out_of_reach = [
            (Method::GET, format!("/api/v1/agreements/{fixture}"), None),
            (
                Method::GET,
                format!("/api/v1/agreements/{fixture}/sessions"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/agreements/{fixture}/sessions"),
                Some(
                    json!({ "kind": "formal", "starts_at": "2026-01-15T10:00:00Z", "duration": 60, "mode": "video" }),
                ),
            ),
            (
                Method::POST,
                format!("/api/v1/agreements/{fixture}/sessions/plan"),
                Some(
                    json!({ "from": "2026-01-19", "to": "2026-02-13", "weekday": "Monday", "time": "10:00", "mode": "video" }),
                ),
            ),
            (
                Method::GET,
                format!("/api/v1/sessions/{}", tenants.session_a1),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/sessions/{}/case-notes", tenants.session_a1),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/sessions/{}/cancel", tenants.session_a2),
                Some(json!({ "reason": "Mine now", "row_version": 1 })),
            ),
            (
                Method::GET,
                format!("/api/v1/records/{}", tenants.record_a1),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/academies/{}/term-dates", tenants.academy_a1),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/academies/{}/policy", tenants.academy_a1),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/sessions/{}", tenants.session_b1),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/records/{}", tenants.record_b1),
                None,
            ),
        ];
        for (method, path, body) in out_of_reach {
            let (status, answer) = call(&app, method.clone(), &path, &supervisor, body).await;
            assert_eq!(status, 404, "{backend:?}: {method} {path}: {answer}");
        }

        // Nobody else reaches the external agreement's sessions: another academy's DSL, or
        // another trust's.
        let id = id_of(&session);
        let outsiders = [
            browser_a(&app, &tenants, tenants.dsl_a2).await,
            browser_b(&app, &tenants, tenants.dsl_b1).await,
        ];
        for outsider in &outsiders {
            let attempts = [
                (
                    Method::GET,
                    format!("/api/v1/agreements/{}/sessions", id_of(&agreement)),
                    None,
                ),
                (Method::GET, format!("/api/v1/sessions/{id}"), None),
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
                    Method::GET,
                    format!("/api/v1/sessions/{id}/case-notes"),
                    None,
                ),
            ];
            for (method, path, body) in attempts {
                let (status, answer) = call(&app, method.clone(), &path, outsider, body).await;
                assert_eq!(status, 404, "{backend:?}: {method} {path}: {answer}");
            }
        }
        app.stop().await;
    }
}
