//! A session's agenda and case notes (Appendix 3): a supervisee sends the agenda of a planned
//! session (late is allowed but flagged), the parties write case notes within the agreement's
//! cases per session, and they are read as the session's record is (its parties, a trust lead,
//! and the holder of a live grant that covers it), each read audited.

use chrono::Duration;
use haven_entity as e;
use haven_store::grant::{GrantTarget, NewGrant};
use haven_store::{Origin, SystemActor};
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, backends, call, fields, now};

async fn as_a(app: &TestApp, tenants: &Tenants, person: Uuid) -> Browser {
    let scope = tenants.scope_a(&app.test_db.db, person).await;
    app.browser(&scope, Duration::minutes(1)).await
}

async fn as_b(app: &TestApp, tenants: &Tenants) -> Browser {
    as_b_person(app, tenants, tenants.dsl_b1).await
}

async fn as_b_person(app: &TestApp, tenants: &Tenants, person: Uuid) -> Browser {
    let scope = tenants.scope_b(&app.test_db.db, person).await;
    app.browser(&scope, Duration::minutes(1)).await
}

/// A grant to the auditor of trust A, made by its trust lead at `made_at`.
async fn grant_to_auditor(
    app: &TestApp,
    tenants: &Tenants,
    reason: &str,
    target: GrantTarget,
    window: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    made_at: chrono::DateTime<chrono::Utc>,
) -> Uuid {
    let lead = tenants.scope_a(&app.test_db.db, tenants.lead_a).await;
    let mut tx = app.test_db.db.write(&lead, made_at).await.unwrap();
    let grant = haven_store::grant::create(
        &mut tx,
        NewGrant {
            grantee_id: tenants.auditor_a,
            reason,
            target,
            starts_at: window.0,
            ends_at: window.1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    grant.id
}

fn reason_for(body: &Value, field: &str) -> String {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|problem| problem["field"] == field)
        .map(|problem| problem["reason"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn note(reference: &str) -> Value {
    json!({
        "case_reference": reference,
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

/// Another planned session of `session_a2`'s agreement, starting at `starts_at`.
async fn planned_session(
    app: &TestApp,
    tenants: &Tenants,
    starts_at: chrono::DateTime<chrono::Utc>,
) -> Uuid {
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Seed, Origin::Cli);
    let mut tx = app.test_db.db.write(&system, now()).await.unwrap();
    let first = tx
        .find::<e::supervision_session::Entity>(tenants.session_a2)
        .await
        .unwrap();
    let id = tx
        .insert(e::supervision_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            starts_at: Set(starts_at),
            ..sea_orm::IntoActiveModel::into_active_model(first)
        })
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    id
}

/// A case note on `session_a1`, whose record is signed, written straight to the store.
async fn note_on_signed_session(app: &TestApp, tenants: &Tenants) -> Uuid {
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Seed, Origin::Cli);
    let mut tx = app.test_db.db.write(&system, now()).await.unwrap();
    let id = tx
        .insert(e::case_note::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(tenants.trust_a),
            academy_id: Set(tenants.academy_a1),
            session_id: Set(tenants.session_a1),
            case_reference: Set("CP-0042".into()),
            child_initials: Set("AB".into()),
            child_name_encrypted: Set(None),
            case_status: Set("cp_plan".into()),
            update_text: Set("Core group held".into()),
            childs_view: Set(String::new()),
            parents_views: Set(String::new()),
            visiting_pattern: Set(String::new()),
            logs_up_to_date: Set(true),
            chronology_up_to_date: Set(true),
            risk_factors: Set(String::new()),
            protective_factors: Set(String::new()),
            outstanding_actions: Set(String::new()),
            created_by: Set(tenants.dsl_a1),
            row_version: Set(1),
            created_at: Set(now()),
            updated_at: Set(now()),
        })
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    id
}

async fn content_reads(app: &TestApp, trust: Uuid) -> Vec<e::audit_log::Model> {
    e::audit_log::Entity::find()
        .filter(e::audit_log::Column::TrustId.eq(trust))
        .filter(e::audit_log::Column::Action.eq("read_content"))
        .order_by_asc(e::audit_log::Column::Seq)
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_supervisee_submits_the_agenda_in_time_and_updates_it_over_the_version_read() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let path = format!("/api/v1/sessions/{}/agenda", tenants.session_a2);
        let dsl = as_a(&app, &tenants, tenants.dsl_a2).await;
        let items = json!({ "items": ["Case CP-1", "Workload"] });
        let (status, agenda) = call(&app, Method::PUT, &path, &dsl, Some(items.clone())).await;
        assert_eq!(status, 200, "{agenda}");
        assert_eq!(agenda["late"], false, "three weeks ahead is in time");
        assert_eq!(agenda["items"], json!(["Case CP-1", "Workload"]));
        assert_eq!(agenda["submitted_by"], tenants.dsl_a2.to_string());
        assert_eq!(agenda["submitted_at"], json!(now()));
        assert_eq!(agenda["row_version"], 1);

        let (status, _) = call(&app, Method::PUT, &path, &dsl, Some(items)).await;
        assert_eq!(
            status, 409,
            "an update that did not read the agenda is stale"
        );
        let stale = json!({ "items": ["Other"], "row_version": 7 });
        let (status, _) = call(&app, Method::PUT, &path, &dsl, Some(stale)).await;
        assert_eq!(status, 409);
        let update = json!({ "items": ["Case CP-1", "Training"], "row_version": 1 });
        let (status, agenda) = call(&app, Method::PUT, &path, &dsl, Some(update)).await;
        assert_eq!(status, 200, "{agenda}");
        assert_eq!(agenda["row_version"], 2);
        assert_eq!(agenda["items"], json!(["Case CP-1", "Training"]));

        let empty = json!({ "items": [], "row_version": 2 });
        let (status, body) = call(&app, Method::PUT, &path, &dsl, Some(empty)).await;
        assert_eq!(status, 422);
        assert_eq!(fields(&body), ["items"]);

        let (status, read) = call(&app, Method::GET, &path, &dsl, None).await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(read["items"], json!(["Case CP-1", "Training"]));
        app.stop().await;
    }
}

#[tokio::test]
async fn an_agenda_sent_fewer_than_seven_days_before_the_session_is_accepted_but_flagged_late() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let soon = planned_session(&app, &tenants, now() + Duration::days(3)).await;
        let dsl = as_a(&app, &tenants, tenants.dsl_a2).await;
        let path = format!("/api/v1/sessions/{soon}/agenda");
        let (status, agenda) = call(
            &app,
            Method::PUT,
            &path,
            &dsl,
            Some(json!({ "items": ["Case CP-9"] })),
        )
        .await;
        assert_eq!(status, 200, "{agenda}");
        assert_eq!(agenda["late"], true);
        assert_eq!(
            agenda["due_by"],
            json!(now() + Duration::days(3) - Duration::days(7))
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn only_a_supervisee_submits_an_agenda_and_only_for_a_planned_session() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let body = json!({ "items": ["Case CP-1"] });
        let planned = format!("/api/v1/sessions/{}/agenda", tenants.session_a2);

        let held = format!("/api/v1/sessions/{}/agenda", tenants.session_a1);
        let dsl_a1 = as_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, refused) = call(&app, Method::PUT, &held, &dsl_a1, Some(body.clone())).await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(fields(&refused), ["status"]);

        let supervisor = as_a(&app, &tenants, tenants.rsl_a).await;
        let (status, _) = call(&app, Method::PUT, &planned, &supervisor, Some(body.clone())).await;
        assert_eq!(status, 403, "the supervisor is not a supervisee");
        let (status, _) = call(&app, Method::PUT, &planned, &dsl_a1, Some(body.clone())).await;
        assert_eq!(
            status, 404,
            "another academy's DSL is not told of the session"
        );
        let other_trust = as_b(&app, &tenants).await;
        let (status, _) = call(&app, Method::PUT, &planned, &other_trust, Some(body)).await;
        assert_eq!(status, 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_parties_write_case_notes_and_a_fourth_case_where_three_are_allowed_is_refused() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let path = format!("/api/v1/sessions/{}/case-notes", tenants.session_a2);
        let dsl = as_a(&app, &tenants, tenants.dsl_a2).await;
        let supervisor = as_a(&app, &tenants, tenants.rsl_a).await;

        let (status, first) = call(&app, Method::POST, &path, &dsl, Some(note("CP-1"))).await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(first["child_initials"], "JS");
        assert_eq!(first["case_status"], "child_in_need");
        assert_eq!(first["logs_up_to_date"], true);
        let (status, body) = call(&app, Method::POST, &path, &dsl, Some(note("CP-1"))).await;
        assert_eq!(status, 422, "the same case twice: {body}");
        assert_eq!(fields(&body), ["case_reference"]);
        let (status, _) = call(&app, Method::POST, &path, &supervisor, Some(note("CP-2"))).await;
        assert_eq!(status, 201, "the supervisor writes case notes too");
        let (status, _) = call(&app, Method::POST, &path, &dsl, Some(note("CP-3"))).await;
        assert_eq!(status, 201);

        let (status, body) = call(&app, Method::POST, &path, &dsl, Some(note("CP-4"))).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["case_reference"]);
        assert_eq!(
            reason_for(&body, "case_reference"),
            "this session takes at most 3 cases"
        );

        let (status, notes) = call(&app, Method::GET, &path, &dsl, None).await;
        assert_eq!(status, 200, "{notes}");
        let references: Vec<&str> = notes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["case_reference"].as_str().unwrap())
            .collect();
        assert_eq!(references, ["CP-1", "CP-2", "CP-3"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_case_note_with_a_bad_reference_initials_or_status_is_refused_naming_the_field() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let path = format!("/api/v1/sessions/{}/case-notes", tenants.session_a2);
        let dsl = as_a(&app, &tenants, tenants.dsl_a2).await;

        let mut bad = note("CP-1");
        bad["child_initials"] = json!("Jo Smith");
        let (status, body) = call(&app, Method::POST, &path, &dsl, Some(bad)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["child_initials"]);

        let (status, body) = call(&app, Method::POST, &path, &dsl, Some(note("Jo Smith"))).await;
        assert_eq!(status, 422, "a name is no case reference: {body}");
        assert_eq!(fields(&body), ["case_reference"]);

        let mut bad = note("CP-1");
        bad["case_status"] = json!("closed");
        let (status, body) = call(&app, Method::POST, &path, &dsl, Some(bad)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["case_status"]);

        let mut bad = note("CP-1");
        bad["logs_up_to_date"] = json!("yes");
        bad["child_name"] = json!("Jo Smith");
        let (status, body) = call(&app, Method::POST, &path, &dsl, Some(bad)).await;
        assert_eq!(status, 422, "{body}");
        let mut named = fields(&body);
        named.sort();
        assert_eq!(named, ["child_name", "logs_up_to_date"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_case_note_is_edited_over_the_version_read_until_the_record_is_frozen() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = as_a(&app, &tenants, tenants.dsl_a2).await;
        let path = format!("/api/v1/sessions/{}/case-notes", tenants.session_a2);
        let (_, created) = call(&app, Method::POST, &path, &dsl, Some(note("CP-1"))).await;
        let edit = format!("/api/v1/case-notes/{}", created["id"].as_str().unwrap());

        let mut changed = note("CP-1");
        changed["case_status"] = json!("de_escalated");
        changed["row_version"] = json!(1);
        let (status, edited) = call(&app, Method::PUT, &edit, &dsl, Some(changed.clone())).await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["case_status"], "de_escalated");
        assert_eq!(edited["row_version"], 2);
        let (status, _) = call(&app, Method::PUT, &edit, &dsl, Some(changed.clone())).await;
        assert_eq!(status, 409, "version 1 is stale now");

        let dsl_a1 = as_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, _) = call(&app, Method::PUT, &edit, &dsl_a1, Some(changed.clone())).await;
        assert_eq!(status, 404, "another academy's DSL");
        let other_trust = as_b(&app, &tenants).await;
        let (status, _) = call(
            &app,
            Method::PUT,
            &edit,
            &other_trust,
            Some(changed.clone()),
        )
        .await;
        assert_eq!(status, 404);

        let frozen = note_on_signed_session(&app, &tenants).await;
        let (status, body) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/case-notes/{frozen}"),
            &dsl_a1,
            Some(changed.clone()),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["status"]);
        let adding = format!("/api/v1/sessions/{}/case-notes", tenants.session_a1);
        let (status, body) = call(&app, Method::POST, &adding, &dsl_a1, Some(note("CP-7"))).await;
        assert_eq!(
            status, 422,
            "no new case notes once the record is signed: {body}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn case_notes_and_agendas_are_read_by_the_parties_and_a_trust_lead_without_a_grant_each_read_audited()
 {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        note_on_signed_session(&app, &tenants).await;
        let notes = format!("/api/v1/sessions/{}/case-notes", tenants.session_a1);
        for reader in [tenants.dsl_a1, tenants.rsl_a, tenants.lead_a] {
            let browser = as_a(&app, &tenants, reader).await;
            let (status, body) = call(&app, Method::GET, &notes, &browser, None).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body[0]["update_text"], "Core group held");
        }
        let reads = content_reads(&app, tenants.trust_a).await;
        let bases: Vec<&str> = reads
            .iter()
            .map(|r| r.detail["basis"].as_str().unwrap())
            .collect();
        assert_eq!(
            bases,
            ["supervisee", "supervisor", "trust_safeguarding_lead"]
        );
        assert!(
            reads
                .iter()
                .all(|r| r.entity_id == Some(tenants.session_a1))
        );

        let head = as_a(&app, &tenants, tenants.head_a1).await;
        let (status, body) = call(&app, Method::GET, &notes, &head, None).await;
        assert_eq!(status, 403, "a head sees the academy, not the content");
        assert!(!body.to_string().contains("Core group held"));
        let other_academy = as_a(&app, &tenants, tenants.dsl_a2).await;
        let (status, _) = call(&app, Method::GET, &notes, &other_academy, None).await;
        assert_eq!(status, 404);
        let other_trust = as_b(&app, &tenants).await;
        let (status, _) = call(&app, Method::GET, &notes, &other_trust, None).await;
        assert_eq!(status, 404);

        let dsl_a2 = as_a(&app, &tenants, tenants.dsl_a2).await;
        let agenda = format!("/api/v1/sessions/{}/agenda", tenants.session_a2);
        let body = json!({ "items": ["Case CP-1"] });
        let (status, _) = call(&app, Method::PUT, &agenda, &dsl_a2, Some(body)).await;
        assert_eq!(status, 200);
        let lead = as_a(&app, &tenants, tenants.lead_a).await;
        let (status, read) = call(&app, Method::GET, &agenda, &lead, None).await;
        assert_eq!(status, 200, "{read}");
        let last = content_reads(&app, tenants.trust_a).await;
        let last = last.last().unwrap();
        assert_eq!(last.entity, "agenda");
        assert_eq!(last.detail["basis"], "trust_safeguarding_lead");
        let dsl_a1 = as_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, _) = call(&app, Method::GET, &agenda, &dsl_a1, None).await;
        assert_eq!(status, 404, "another academy's DSL");
        let (status, _) = call(&app, Method::GET, &agenda, &other_trust, None).await;
        assert_eq!(status, 404);
        let (status, _) = call(
            &app,
            Method::GET,
            &format!("/api/v1/sessions/{}/agenda", tenants.session_a1),
            &head,
            None,
        )
        .await;
        assert_eq!(
            status, 403,
            "a head may not read an agenda of their academy"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_grant_holder_reads_the_named_records_case_notes_and_the_read_is_audited() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let note = note_on_signed_session(&app, &tenants).await;
        let notes = format!("/api/v1/sessions/{}/case-notes", tenants.session_a1);
        let one = format!("/api/v1/case-notes/{note}");
        let auditor = as_a(&app, &tenants, tenants.auditor_a).await;
        let (status, body) = call(&app, Method::GET, &notes, &auditor, None).await;
        assert_eq!(status, 403, "{backend:?}: no grant yet");
        assert!(!body.to_string().contains("Core group held"));

        // A grant of the record that ended an hour ago opens nothing.
        let long_ago = now() - Duration::days(3);
        grant_to_auditor(
            &app,
            &tenants,
            "Case review, now over",
            GrantTarget::Records(vec![tenants.record_a1]),
            (long_ago, now() - Duration::hours(1)),
            long_ago,
        )
        .await;
        let (status, _) = call(&app, Method::GET, &notes, &auditor, None).await;
        assert_eq!(status, 403, "{backend:?}: an ended grant");

        let grant = grant_to_auditor(
            &app,
            &tenants,
            "Annual safeguarding audit 2026",
            GrantTarget::Records(vec![tenants.record_a1]),
            (now(), now() + Duration::days(7)),
            now(),
        )
        .await;
        let (status, body) = call(&app, Method::GET, &notes, &auditor, None).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body[0]["update_text"], "Core group held");
        let (status, body) = call(&app, Method::GET, &one, &auditor, None).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["case_reference"], "CP-0042");

        let reads = content_reads(&app, tenants.trust_a).await;
        assert_eq!(reads.len(), 2, "{backend:?}");
        for (entry, view) in reads.iter().zip(["case_notes", "case_note"]) {
            assert_eq!(entry.actor_id, Some(tenants.auditor_a));
            assert_eq!(entry.entity, "supervision_session");
            assert_eq!(entry.entity_id, Some(tenants.session_a1));
            assert_eq!(entry.detail["basis"], "grant");
            assert_eq!(entry.detail["grant_id"], grant.to_string());
            assert_eq!(entry.detail["view"], view);
            assert_eq!(entry.detail["case_note_ids"], json!([note]));
            assert_eq!(
                entry.reason.as_deref(),
                Some("Annual safeguarding audit 2026"),
                "the reason the trust lead approved"
            );
            assert!(!entry.detail.to_string().contains("Core group held"));
        }

        // The grant is the auditor's alone, and trust A's alone.
        let other_academy = as_a(&app, &tenants, tenants.dsl_a2).await;
        let other_trust = as_b_person(&app, &tenants, tenants.lead_b).await;
        for (who, browser) in [
            ("dsl of A2", &other_academy),
            ("trust B's lead", &other_trust),
        ] {
            for path in [&notes, &one] {
                let (status, body) = call(&app, Method::GET, path, browser, None).await;
                assert_eq!(status, 404, "{backend:?}: {who} {path}");
                assert!(!body.to_string().contains("Core group held"));
            }
        }
        assert_eq!(content_reads(&app, tenants.trust_a).await.len(), 2);
        assert!(content_reads(&app, tenants.trust_b).await.is_empty());

        let lead = tenants.scope_a(&app.test_db.db, tenants.lead_a).await;
        let mut tx = app.test_db.db.write(&lead, now()).await.unwrap();
        haven_store::grant::revoke(&mut tx, grant).await.unwrap();
        tx.commit().await.unwrap();
        for path in [&notes, &one] {
            let (status, body) = call(&app, Method::GET, path, &auditor, None).await;
            assert_eq!(status, 403, "{backend:?}: revoked, {path}");
            assert!(!body.to_string().contains("Core group held"));
        }
        assert_eq!(content_reads(&app, tenants.trust_a).await.len(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_grant_over_a_person_opens_the_agenda_of_their_session_before_it_has_a_record() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let agenda = format!("/api/v1/sessions/{}/agenda", tenants.session_a2);
        let dsl_a2 = as_a(&app, &tenants, tenants.dsl_a2).await;
        let items = json!({ "items": ["Case CP-1"] });
        let (status, _) = call(&app, Method::PUT, &agenda, &dsl_a2, Some(items)).await;
        assert_eq!(status, 200);
        let auditor = as_a(&app, &tenants, tenants.auditor_a).await;
        let (status, _) = call(&app, Method::GET, &agenda, &auditor, None).await;
        assert_eq!(status, 403, "{backend:?}: no grant yet");

        // A grant of the other academy's record does not reach this session.
        grant_to_auditor(
            &app,
            &tenants,
            "Audit of Brook Primary",
            GrantTarget::Records(vec![tenants.record_a1]),
            (now(), now() + Duration::days(7)),
            now(),
        )
        .await;
        let (status, _) = call(&app, Method::GET, &agenda, &auditor, None).await;
        assert_eq!(status, 403, "{backend:?}: another session's record");

        let grant = grant_to_auditor(
            &app,
            &tenants,
            "Investigation 12",
            GrantTarget::SubjectPerson(tenants.dsl_a2),
            (now(), now() + Duration::days(7)),
            now(),
        )
        .await;
        let (status, read) = call(&app, Method::GET, &agenda, &auditor, None).await;
        assert_eq!(status, 200, "{backend:?}: {read}");
        assert_eq!(read["items"], json!(["Case CP-1"]));
        let reads = content_reads(&app, tenants.trust_a).await;
        let last = reads.last().unwrap();
        assert_eq!(last.actor_id, Some(tenants.auditor_a));
        assert_eq!(last.entity, "agenda");
        assert_eq!(last.detail["basis"], "grant");
        assert_eq!(last.detail["grant_id"], grant.to_string());
        assert_eq!(last.reason.as_deref(), Some("Investigation 12"));

        let other_academy = as_a(&app, &tenants, tenants.dsl_a1).await;
        let other_trust = as_b_person(&app, &tenants, tenants.lead_b).await;
        for browser in [&other_academy, &other_trust] {
            let (status, _) = call(&app, Method::GET, &agenda, browser, None).await;
            assert_eq!(status, 404, "{backend:?}");
        }
        app.stop().await;
    }
}
