//! Supervision records: the supervisor drafts the record of a held session, sends it for
//! signature, the supervisee signs what they read (or disagrees), the record freezes, and later
//! changes are amendments whose hashes chain back to what was signed.

use chrono::{Duration, NaiveDate};
use haven_entity as e;
use haven_store::{Origin, SystemActor};
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Tenants, TestApp, at, backends, browser_a, call};

/// A second held session of academy A1's agreement (supervisor `rsl_a`, supervisee `dsl_a1`),
/// after `session_a1`, which left an open action behind.
async fn held_session(app: &TestApp, tenants: &Tenants) -> Uuid {
    let db = &app.test_db.db;
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Seed, Origin::Cli);
    let mut tx = db.write(&system, at(2026, 1, 9)).await.unwrap();
    let first = tx
        .find::<e::supervision_session::Entity>(tenants.session_a1)
        .await
        .unwrap();
    tx.insert(e::supervision_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tenants.trust_a),
        academy_id: Set(tenants.academy_a1),
        session_id: Set(first.id),
        record_id: Set(Some(tenants.record_a1)),
        case_note_id: Set(None),
        description: Set("Chase the strategy meeting minutes".into()),
        owner_id: Set(tenants.dsl_a1),
        due_on: Set(NaiveDate::from_ymd_opt(2025, 12, 15).unwrap()),
        status: Set("open".into()),
        completed_on: Set(None),
        completed_at: Set(None),
        carried_from_id: Set(None),
        row_version: Set(1),
        created_at: Set(tx.now()),
        updated_at: Set(tx.now()),
    })
    .await
    .unwrap();
    let id = tx
        .insert(e::supervision_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            starts_at: Set(at(2026, 1, 8)),
            held_marked_at: Set(Some(at(2026, 1, 8))),
            created_at: Set(tx.now()),
            updated_at: Set(tx.now()),
            ..sea_orm::IntoActiveModel::into_active_model(first)
        })
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    id
}

fn content() -> Value {
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

#[tokio::test]
async fn the_supervisor_drafts_a_held_sessions_record_with_open_actions_to_review_but_not_a_planned_ones()
 {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let session = held_session(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;

        let planned = format!("/api/v1/sessions/{}/record", tenants.session_a2);
        let (status, body) = call(&app, Method::POST, &planned, &supervisor, Some(json!({}))).await;
        assert_eq!(status, 422, "{backend:?} {body}");
        assert_eq!(body["errors"][0]["field"], "session");

        let path = format!("/api/v1/sessions/{session}/record");
        let other_trust = {
            let scope = tenants.scope_b(&app.test_db.db, tenants.dsl_b1).await;
            app.browser(&scope, Duration::minutes(1)).await
        };
        let other_academy = browser_a(&app, &tenants, tenants.dsl_a2).await;
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let draft = Some(json!({ "content": content() }));
        assert_eq!(
            call(&app, Method::POST, &path, &other_trust, draft.clone())
                .await
                .0,
            404
        );
        assert_eq!(
            call(&app, Method::POST, &path, &other_academy, draft.clone())
                .await
                .0,
            404
        );
        assert_eq!(
            call(&app, Method::POST, &path, &head, draft.clone())
                .await
                .0,
            403
        );

        let (status, record) = call(&app, Method::POST, &path, &supervisor, draft.clone()).await;
        assert_eq!(status, 201, "{backend:?} {record}");
        assert_eq!(record["status"], "draft");
        let review = &record["content"]["review_of_previous_actions"];
        assert_eq!(
            review[0]["description"],
            "Chase the strategy meeting minutes"
        );
        assert_eq!(record["next_session_on"], "2026-02-02");
        let (status, body) = call(&app, Method::POST, &path, &supervisor, draft).await;
        assert_eq!(status, 422, "one record per session: {body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_record_is_sent_signed_against_its_hash_frozen_and_only_amended_with_a_reason() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let session = held_session(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let other_academy = browser_a(&app, &tenants, tenants.dsl_a2).await;
        let other_trust = {
            let scope = tenants.scope_b(&app.test_db.db, tenants.dsl_b1).await;
            app.browser(&scope, Duration::minutes(1)).await
        };
        let (_, record) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{session}/record"),
            &supervisor,
            Some(json!({ "content": { "wellbeing": "draft" } })),
        )
        .await;
        let id = record["id"].as_str().unwrap().to_owned();
        let record_path = format!("/api/v1/records/{id}");
        let send = format!("{record_path}/send");
        let sign = format!("{record_path}/sign");
        let amendments = format!("{record_path}/amendments");
        let history = format!("{record_path}/history");

        // A draft without issues or decisions cannot be sent.
        let (status, body) = call(&app, Method::POST, &send, &supervisor, None).await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("issues_discussed")),
            "{backend:?}"
        );
        // Editing the draft needs the version read: a stale one is 409.
        let edit = json!({ "content": content(), "row_version": 1 });
        let (status, edited) = call(
            &app,
            Method::PUT,
            &record_path,
            &supervisor,
            Some(edit.clone()),
        )
        .await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!(
            call(&app, Method::PUT, &record_path, &supervisor, Some(edit))
                .await
                .0,
            409
        );
        for outsider in [&other_trust, &other_academy] {
            // Bodies the endpoints would accept, so what answers is the wall.
            let attempts = [
                (
                    Method::PUT,
                    &record_path,
                    json!({ "content": content(), "row_version": 2 }),
                ),
                (Method::POST, &send, json!({})),
                (
                    Method::POST,
                    &sign,
                    json!({ "content_hash": "0".repeat(64), "outcome": "signed" }),
                ),
                (
                    Method::POST,
                    &amendments,
                    json!({ "content": content(), "row_version": 2, "reason": "r" }),
                ),
                (Method::GET, &history, json!({})),
            ];
            for (method, path, body) in attempts {
                let body = (method != Method::GET).then_some(body);
                let (status, answer) = call(&app, method.clone(), path, outsider, body).await;
                assert_eq!(status, 404, "{backend:?} {method} {path}: {answer}");
            }
        }
        // Signing before it is sent is refused.
        let (status, _) = call(
            &app,
            Method::POST,
            &sign,
            &supervisee,
            Some(json!({ "content_hash": "0".repeat(64), "outcome": "signed" })),
        )
        .await;
        assert_eq!(status, 422);

        let (status, sent) = call(&app, Method::POST, &send, &supervisor, None).await;
        assert_eq!(status, 200, "{sent}");
        assert_eq!(sent["status"], "sent");
        let hash = sent["content_hash"].as_str().unwrap().to_owned();
        assert_eq!(
            hash,
            haven_domain::content_hash(&sent["content"])
                .unwrap()
                .to_string()
        );
        // Sent: no longer editable.
        let (status, body) = call(
            &app,
            Method::PUT,
            &record_path,
            &supervisor,
            Some(json!({ "content": content(), "row_version": 3 })),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("status"))
        );

        // A non-party who sees the academy is refused; a stale hash is refused.
        let signing = json!({ "content_hash": hash, "outcome": "signed" });
        assert_eq!(
            call(&app, Method::POST, &sign, &head, Some(signing.clone()))
                .await
                .0,
            403
        );
        let stale = json!({ "content_hash": "a".repeat(64), "outcome": "signed" });
        let (status, body) = call(&app, Method::POST, &sign, &supervisee, Some(stale)).await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("content_hash")),
            "{body}"
        );
        // The supervisor signed on sending: signing again is refused.
        let (status, body) = call(
            &app,
            Method::POST,
            &sign,
            &supervisor,
            Some(signing.clone()),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("signature"))
        );
        // A disagreement needs its text, and is kept with it.
        let (status, _) = call(
            &app,
            Method::POST,
            &sign,
            &supervisee,
            Some(json!({ "content_hash": hash, "outcome": "disagreed" })),
        )
        .await;
        assert_eq!(status, 422);
        let disagreeing = json!({ "content_hash": hash, "outcome": "disagreed", "disagreement": "The referral was my decision, not a joint one" });
        let (status, frozen) = call(
            &app,
            Method::POST,
            &sign,
            &supervisee,
            Some(disagreeing.clone()),
        )
        .await;
        assert_eq!(status, 200, "{frozen}");
        assert_eq!(
            frozen["status"], "disagreed",
            "a disagreement is never shown as a signature"
        );
        assert!(frozen["frozen_at"].is_string());
        assert_eq!(
            frozen["disagreements"][0]["disagreement"],
            "The referral was my decision, not a joint one"
        );
        let (_, read) = call(&app, Method::GET, &record_path, &lead, None).await;
        assert_eq!(
            (read["status"].clone(), read["row_version"].clone()),
            (json!("disagreed"), json!(4)),
            "{read}"
        );
        let page = crate::harness::get(&app, &lead, &format!("/records/{id}")).await;
        let page = page.text().await.unwrap();
        assert!(page.contains("disagreed"), "{page}");
        assert!(!page.contains("Record</dt><dd>signed"), "{page}");
        // Until an escalation resolves it, the disagreement is a flag on the dashboards.
        let (_, dashboard) = call(
            &app,
            Method::GET,
            "/api/v1/compliance/supervisees",
            &lead,
            None,
        )
        .await;
        let flagged = dashboard["supervisees"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| {
                entry["flags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|flag| flag["kind"] == "records_disagreed")
            });
        assert!(flagged, "{dashboard}");
        for outsider in [&other_trust, &other_academy] {
            assert_eq!(
                call(&app, Method::GET, &record_path, outsider, None)
                    .await
                    .0,
                404
            );
        }
        let (status, body) = call(&app, Method::POST, &sign, &supervisee, Some(disagreeing)).await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("signature"))
        );

        // Frozen: PUT is refused, amendments need a reason.
        let (status, body) = call(
            &app,
            Method::PUT,
            &record_path,
            &supervisor,
            Some(json!({ "content": content(), "row_version": 4 })),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("status"))
        );
        assert_eq!(body["errors"][0]["reason"], "frozen: amend it");
        let mut amended = frozen["content"].clone();
        amended["wellbeing"] = json!("Coping; time off agreed");
        let version = 4;
        let (status, body) = call(
            &app,
            Method::POST,
            &amendments,
            &supervisor,
            Some(json!({ "content": amended, "row_version": version, "reason": " " })),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["field"].clone()),
            (422, json!("reason")),
            "{body}"
        );
        assert_eq!(
            call(
                &app,
                Method::POST,
                &amendments,
                &head,
                Some(json!({ "content": amended, "row_version": version, "reason": "typo" }))
            )
            .await
            .0,
            403
        );
        let (status, after) = call(&app, Method::POST, &amendments, &supervisor, Some(json!({ "content": amended, "row_version": version, "reason": "Wellbeing misrecorded" }))).await;
        assert_eq!(status, 201, "{backend:?} {after}");
        assert_eq!(
            after["status"], "disagreed",
            "an amendment resolves nothing"
        );
        assert_eq!(after["content"]["wellbeing"], "Coping; time off agreed");
        let new_hash = after["content_hash"].as_str().unwrap().to_owned();
        assert_ne!(new_hash, hash);

        let (status, trail) = call(&app, Method::GET, &history, &lead, None).await;
        assert_eq!(status, 200, "{trail}");
        assert_eq!(trail["verified"], true, "{trail}");
        assert_eq!(trail["signatures"].as_array().unwrap().len(), 2);
        assert_eq!(trail["signatures"][1]["outcome"], "disagreed");
        assert_eq!(
            trail["signatures"][1]["disagreement"],
            "The referral was my decision, not a joint one"
        );
        assert_eq!(trail["amendments"][0]["previous_hash"], hash);
        assert_eq!(trail["amendments"][0]["content_hash"], new_hash);
        assert_eq!(
            trail["amendments"][0]["changes"]["wellbeing"]["before"],
            "Coping; workload high"
        );
        assert_eq!(call(&app, Method::GET, &history, &head, None).await.0, 403);

        // An overwrite behind the amendments' back no longer verifies.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let mut tampered = after["content"].clone();
        tampered["wellbeing"] = json!("Fine");
        e::supervision_record::Entity::update_many()
            .col_expr(
                e::supervision_record::Column::Content,
                sea_orm::sea_query::Expr::value(tampered),
            )
            .filter(e::supervision_record::Column::Id.eq(Uuid::parse_str(&id).unwrap()))
            .exec(&app.test_db.owner)
            .await
            .unwrap();
        let (_, trail) = call(&app, Method::GET, &history, &supervisee, None).await;
        assert_eq!(trail["verified"], false, "{backend:?}");

        haven_store::audit::verify(&app.test_db.db, tenants.trust_a)
            .await
            .unwrap();
        app.stop().await;
    }
}

/// The field each 422 answer names, in order.
fn refused_field(status: u16, body: &Value) -> (u16, Value) {
    (status, body["errors"][0]["field"].clone())
}

#[tokio::test]
async fn a_record_sent_and_signed_on_paper_is_entered_with_its_own_days_and_its_original_noted() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        // Held on 8 January; Haven's today is 12 January.
        let session = held_session(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let other_academy = browser_a(&app, &tenants, tenants.dsl_a2).await;
        let other_trust = crate::harness::lead_b(&app, &tenants).await;
        let (status, record) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{session}/record"),
            &supervisor,
            Some(json!({ "content": content() })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?} {record}");
        let id = record["id"].as_str().unwrap().to_owned();
        let send = format!("/api/v1/records/{id}/send");
        let paper = format!("/api/v1/records/{id}/paper-signatures");
        let original = "Signed copy filed in the DSL office, cabinet 2";

        // Sent before it was entered, it was sent outside Haven: where is the original?
        for (body, field) in [
            (json!({ "sent_on": "2026-01-09" }), "paper_original"),
            (
                json!({ "sent_on": "2026-01-13", "paper_original": original }),
                "sent_on",
            ),
            (
                json!({ "sent_on": "2026-01-07", "paper_original": original }),
                "sent_on",
            ),
            (
                json!({ "sent_on": "9 January", "paper_original": original }),
                "sent_on",
            ),
            (
                json!({ "sent_on": "2026-01-09", "paper_original": "Filed\nin the office" }),
                "paper_original",
            ),
        ] {
            let (status, answer) =
                call(&app, Method::POST, &send, &supervisor, Some(body.clone())).await;
            assert_eq!(
                refused_field(status, &answer),
                (422, json!(field)),
                "{backend:?}: {body}"
            );
        }
        let on_paper = json!({ "sent_on": "2026-01-09", "paper_original": original });
        for outsider in [&other_trust, &other_academy] {
            let (status, _) =
                call(&app, Method::POST, &send, outsider, Some(on_paper.clone())).await;
            assert_eq!(status, 404, "{backend:?}");
        }
        let (status, sent) = call(&app, Method::POST, &send, &supervisor, Some(on_paper)).await;
        assert_eq!(status, 200, "{backend:?} {sent}");
        assert_eq!(sent["status"], "sent");
        assert_eq!(
            sent["sent_on"], "2026-01-09",
            "it keeps the day it was sent"
        );
        assert!(
            sent["sent_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00"),
            "{backend:?}: and when it was entered"
        );
        assert_eq!(sent["paper_original"], original);
        let hash = sent["content_hash"].as_str().unwrap().to_owned();

        // A supervisee's paper signature is entered by the supervisor or a trust lead.
        let dsl = tenants.dsl_a1;
        let signed_paper = |person: Uuid, signed_on: &str, content_hash: &str| {
            Some(json!({
                "person_id": person,
                "signed_on": signed_on,
                "content_hash": content_hash,
                "outcome": "signed",
            }))
        };
        let valid = signed_paper(dsl, "2026-01-10", &hash);
        for (outsider, wall) in [
            (&other_trust, 404),
            (&other_academy, 404),
            (&head, 403),
            (&supervisee, 403),
        ] {
            let (status, _) = call(&app, Method::POST, &paper, outsider, valid.clone()).await;
            assert_eq!(status, wall, "{backend:?}");
        }
        for (body, field) in [
            (
                signed_paper(tenants.head_a1, "2026-01-10", &hash),
                "person_id",
            ),
            (
                signed_paper(tenants.rsl_a, "2026-01-10", &hash),
                "person_id",
            ),
            (signed_paper(dsl, "2026-01-08", &hash), "signed_on"),
            (signed_paper(dsl, "2026-01-13", &hash), "signed_on"),
            (
                signed_paper(dsl, "2026-01-10", &"a".repeat(64)),
                "content_hash",
            ),
            (
                Some(json!({ "person_id": dsl, "signed_on": "2026-01-10",
                             "content_hash": hash, "outcome": "disagreed" })),
                "disagreement",
            ),
            (
                Some(json!({ "person_id": dsl, "content_hash": hash, "outcome": "signed" })),
                "signed_on",
            ),
        ] {
            let (status, answer) = call(&app, Method::POST, &paper, &lead, body.clone()).await;
            assert_eq!(
                refused_field(status, &answer),
                (422, json!(field)),
                "{backend:?}: {body:?}"
            );
        }
        let (status, frozen) = call(&app, Method::POST, &paper, &lead, valid.clone()).await;
        assert_eq!(status, 201, "{backend:?} {frozen}");
        assert_eq!(frozen["status"], "signed");
        assert!(frozen["frozen_at"].is_string());
        let (status, again) = call(&app, Method::POST, &paper, &lead, valid).await;
        assert_eq!(refused_field(status, &again), (422, json!("status")));

        // The history says who signed, on what day, on paper, and who entered it when.
        let (status, history) = call(
            &app,
            Method::GET,
            &format!("/api/v1/records/{id}/history"),
            &supervisor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{history}");
        assert_eq!(history["verified"], true);
        let signatures: Vec<(Value, Value, Value, Value)> = history["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["person_id"].clone(),
                    s["signed_on"].clone(),
                    s["medium"].clone(),
                    s["entered_by_id"].clone(),
                )
            })
            .collect();
        assert_eq!(
            signatures,
            [
                (
                    json!(tenants.rsl_a),
                    json!("2026-01-09"),
                    json!("paper"),
                    json!(tenants.rsl_a)
                ),
                (
                    json!(tenants.dsl_a1),
                    json!("2026-01-10"),
                    json!("paper"),
                    json!(tenants.lead_a)
                ),
            ],
            "{backend:?}"
        );
        assert!(
            history["signatures"][1]["signed_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00"),
            "{history}"
        );
        // The session's page says the record is on paper; never its content.
        let page = crate::harness::get(&app, &lead, &format!("/sessions/{session}")).await;
        let page = page.text().await.unwrap();
        assert!(page.contains("on paper"), "{page}");
        assert!(!page.contains("cabinet 2"), "{page}");

        // A record sent in Haven is signed in Haven: no paper signature can be entered for it.
        let electronic = held_session(&app, &tenants).await;
        let (_, record) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{electronic}/record"),
            &supervisor,
            Some(json!({ "content": content() })),
        )
        .await;
        let other = record["id"].as_str().unwrap().to_owned();
        let (status, sent) = call(
            &app,
            Method::POST,
            &format!("/api/v1/records/{other}/send"),
            &supervisor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{sent}");
        assert_eq!(sent["sent_on"], "2026-01-12");
        assert_eq!(sent["paper_original"], Value::Null);
        let hash = sent["content_hash"].as_str().unwrap().to_owned();
        let (status, answer) = call(
            &app,
            Method::POST,
            &format!("/api/v1/records/{other}/paper-signatures"),
            &supervisor,
            signed_paper(dsl, "2026-01-12", &hash),
        )
        .await;
        assert_eq!(
            refused_field(status, &answer),
            (422, json!("paper_original")),
            "{backend:?}"
        );
        app.stop().await;
    }
}
