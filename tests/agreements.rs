//! Supervision agreements as their parties meet them: drafted by the supervisor or a trust lead,
//! edited only as a draft and only against the version read, signed by every party against the
//! terms they read, active from the last signature for twelve months, renewed as a new version
//! that supersedes the old; walled in their trust and academy, open to their parties.

use chrono::Duration;
use haven_entity as e;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, backends, browser_a, fields_of, send};

async fn browser_b(app: &TestApp, tenants: &Tenants) -> Browser {
    let scope = tenants.scope_b(&app.test_db.db, tenants.dsl_b1).await;
    app.browser(&scope, Duration::minutes(1)).await
}

/// A complete draft's body, for one supervisee at `academy`.
fn draft_body(academy: Uuid, kind: &str, supervisor: Uuid, supervisees: &[Uuid]) -> Value {
    json!({
        "academy_id": academy,
        "kind": kind,
        "supervisor_id": supervisor,
        "supervisee_ids": supervisees,
        "plan_cadence": "every_n_weeks",
        "plan_weeks": 4,
        "extended_each_half_term": true,
        "session_minutes": 60,
        "max_cases_per_session": 3,
        "agenda_required": true,
        "standard_agenda": "Cases, actions, wellbeing",
        "records_location": "Haven",
        "confidentiality_terms": "Shared only as the trust policy allows",
        "diversity_terms": "Difference is named and discussed",
    })
}

/// Drafts as `browser`, expecting success.
async fn drafted(app: &TestApp, browser: &Browser, body: Value) -> Value {
    let response = send(app, browser, Method::POST, "/api/v1/agreements", Some(body)).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn sign(app: &TestApp, browser: &Browser, agreement: &Value) -> reqwest::Response {
    let path = format!(
        "/api/v1/agreements/{}/sign",
        agreement["id"].as_str().unwrap()
    );
    let hash = agreement["content_hash"].clone();
    send(
        app,
        browser,
        Method::POST,
        &path,
        Some(json!({ "content_hash": hash })),
    )
    .await
}

fn path_of(agreement: &Value) -> String {
    format!("/api/v1/agreements/{}", agreement["id"].as_str().unwrap())
}

/// The fixture's active agreement at academy A1 (supervisor `rsl_a`, supervisee `dsl_a1`).
async fn fixture_agreement(app: &TestApp, tenants: &Tenants) -> Uuid {
    e::agreement::Entity::find()
        .filter(e::agreement::Column::AcademyId.eq(tenants.academy_a1))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_draft_signed_by_both_parties_is_active_from_the_second_signature_for_twelve_months() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let draft = drafted(
            &app,
            &supervisor,
            draft_body(
                tenants.academy_a1,
                "one_to_one",
                tenants.rsl_a,
                &[tenants.dsl_a1],
            ),
        )
        .await;
        assert_eq!(draft["status"], "draft", "{backend:?}");
        assert_eq!(draft["version"], 1);
        assert_eq!(draft["lineage_id"], draft["id"]);
        assert_eq!(draft["terms"]["plan_cadence"], "every_n_weeks");
        assert_eq!(draft["terms"]["plan_weeks"], 4);
        // The hash a signer sends is the canonical hash of the terms the API shows.
        let expected = haven_domain::content_hash(&draft["terms"]).unwrap();
        assert_eq!(draft["content_hash"], expected.as_str());

        let first = sign(&app, &supervisor, &draft).await;
        assert_eq!(first.status(), 200, "{backend:?}");
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["status"], "draft", "one signature is not enough");
        assert_eq!(first["activated_on"], Value::Null);

        let second = sign(&app, &supervisee, &draft).await;
        assert_eq!(second.status(), 200, "{backend:?}");
        let active: Value = second.json().await.unwrap();
        assert_eq!(active["status"], "active", "{backend:?}");
        assert_eq!(active["activated_on"], "2026-01-12");
        assert_eq!(active["review_due_on"], "2027-01-12");
        let signatures = active["signatures"].as_array().unwrap();
        assert_eq!(signatures.len(), 2);
        for signature in signatures {
            assert_eq!(signature["content_hash"], expected.as_str());
            assert!(signature["signed_at"].is_string());
        }
        let signers: Vec<&str> = signatures
            .iter()
            .map(|s| s["person_id"].as_str().unwrap())
            .collect();
        assert!(signers.contains(&tenants.rsl_a.to_string().as_str()));
        assert!(signers.contains(&tenants.dsl_a1.to_string().as_str()));
        app.stop().await;
    }
}

#[tokio::test]
async fn only_the_supervisor_themself_or_a_trust_lead_may_draft() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let body = draft_body(
            tenants.academy_a1,
            "one_to_one",
            tenants.rsl_a,
            &[tenants.dsl_a1],
        );
        for person in [tenants.dsl_a1, tenants.head_a1] {
            let browser = browser_a(&app, &tenants, person).await;
            let refused = send(
                &app,
                &browser,
                Method::POST,
                "/api/v1/agreements",
                Some(body.clone()),
            )
            .await;
            assert_eq!(refused.status(), 403, "{backend:?}");
        }
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let draft = drafted(&app, &lead, body).await;
        assert_eq!(draft["supervisor_id"], tenants.rsl_a.to_string());
        app.stop().await;
    }
}

#[tokio::test]
async fn drafts_that_break_a_rule_are_refused_naming_the_field() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let deactivated = send(
            &app,
            &lead,
            Method::POST,
            &format!("/api/v1/people/{}/deactivate", tenants.head_a1),
            Some(json!({})),
        )
        .await;
        assert!(deactivated.status().is_success(), "{backend:?}");
        let a1 = tenants.academy_a1;
        let (rsl, dsl1, dsl2) = (tenants.rsl_a, tenants.dsl_a1, tenants.dsl_a2);
        let with = |mut body: Value, field: &str, value: Value| {
            body[field] = value;
            body
        };
        let base = draft_body(a1, "one_to_one", rsl, &[dsl1]);
        let cases = [
            (draft_body(a1, "group", rsl, &[dsl1, rsl]), "supervisee_ids"),
            (
                draft_body(a1, "one_to_one", rsl, &[dsl1, dsl2]),
                "supervisee_ids",
            ),
            (
                draft_body(a1, "external", rsl, &[dsl1, dsl2]),
                "supervisee_ids",
            ),
            (draft_body(a1, "group", rsl, &[]), "supervisee_ids"),
            (
                draft_body(a1, "one_to_one", rsl, &[tenants.dsl_b1]),
                "supervisee_ids",
            ),
            (
                draft_body(a1, "one_to_one", rsl, &[tenants.head_a1]),
                "supervisee_ids",
            ),
            (
                draft_body(a1, "one_to_one", tenants.dsl_b1, &[dsl1]),
                "supervisor_id",
            ),
            (
                draft_body(a1, "one_to_one", tenants.head_a1, &[dsl1]),
                "supervisor_id",
            ),
            (with(base.clone(), "kind", json!("mentoring")), "kind"),
            (
                with(base.clone(), "plan_cadence", json!("fortnightly")),
                "plan_cadence",
            ),
            (with(base.clone(), "plan_weeks", Value::Null), "plan_weeks"),
            (
                with(
                    with(base.clone(), "plan_cadence", json!("termly")),
                    "plan_weeks",
                    json!(2),
                ),
                "plan_weeks",
            ),
            (
                with(base.clone(), "session_minutes", json!(5)),
                "session_minutes",
            ),
            (
                with(base.clone(), "max_cases_per_session", json!(0)),
                "max_cases_per_session",
            ),
            (
                with(base.clone(), "records_location", json!("  ")),
                "records_location",
            ),
            (with(base.clone(), "colour", json!("blue")), "colour"),
        ];
        for (body, field) in cases {
            let refused = send(
                &app,
                &lead,
                Method::POST,
                "/api/v1/agreements",
                Some(body.clone()),
            )
            .await;
            assert_eq!(fields_of(refused).await, [field], "{backend:?}: {body}");
        }
        let group = drafted(&app, &lead, draft_body(a1, "group", rsl, &[dsl1, dsl2])).await;
        assert_eq!(group["supervisee_ids"].as_array().unwrap().len(), 2);
        let termly = drafted(
            &app,
            &lead,
            with(
                with(base, "plan_cadence", json!("termly")),
                "plan_weeks",
                Value::Null,
            ),
        )
        .await;
        assert_eq!(termly["terms"]["plan_weeks"], Value::Null, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn another_trust_or_academy_gets_404_on_every_agreement_endpoint() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let draft = drafted(
            &app,
            &supervisor,
            draft_body(
                tenants.academy_a1,
                "one_to_one",
                tenants.rsl_a,
                &[tenants.dsl_a1],
            ),
        )
        .await;
        let active = fixture_agreement(&app, &tenants).await;
        let path = path_of(&draft);
        // Each outsider drafts there as themselves: the academy is not theirs to name.
        let outsiders = [
            (browser_b(&app, &tenants).await, tenants.dsl_b1),
            (
                browser_a(&app, &tenants, tenants.dsl_a2).await,
                tenants.dsl_a2,
            ),
        ];
        for (outsider, supervisor_self) in &outsiders {
            let attempts = [
                (
                    Method::POST,
                    "/api/v1/agreements".to_owned(),
                    Some(draft_body(
                        tenants.academy_a1,
                        "one_to_one",
                        *supervisor_self,
                        &[tenants.dsl_a1],
                    )),
                ),
                (Method::GET, path.clone(), None),
                (
                    Method::PATCH,
                    path.clone(),
                    Some(json!({ "row_version": 1, "standard_agenda": "Mine now" })),
                ),
                (
                    Method::POST,
                    format!("{path}/sign"),
                    Some(json!({ "content_hash": draft["content_hash"] })),
                ),
                (
                    Method::POST,
                    format!("/api/v1/agreements/{active}/renew"),
                    None,
                ),
            ];
            for (method, path, body) in attempts {
                let refused = send(&app, outsider, method.clone(), &path, body).await;
                assert_eq!(refused.status(), 404, "{backend:?}: {method} {path}");
            }
            let listed: Value = send(&app, outsider, Method::GET, "/api/v1/agreements", None)
                .await
                .json()
                .await
                .unwrap();
            let ids: Vec<&str> = listed
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap())
                .collect();
            assert!(!ids.contains(&draft["id"].as_str().unwrap()), "{backend:?}");
            assert!(!ids.contains(&active.to_string().as_str()), "{backend:?}");
        }
        let untouched: Value = send(&app, &supervisor, Method::GET, &path, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(untouched["row_version"], 1);
        assert_eq!(untouched["signatures"], json!([]));
        app.stop().await;
    }
}

#[tokio::test]
async fn parties_and_the_academys_viewers_see_an_agreement_and_nobody_else() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        // An external supervisor from academy A2 supervising A1's DSL: a party who does not
        // see the academy still reads, and signs, their agreement.
        let external = drafted(
            &app,
            &lead,
            draft_body(
                tenants.academy_a1,
                "external",
                tenants.dsl_a2,
                &[tenants.dsl_a1],
            ),
        )
        .await;
        let fixture = fixture_agreement(&app, &tenants).await.to_string();
        let external_id = external["id"].as_str().unwrap().to_owned();
        let listed = |browser: Browser| {
            let app = &app;
            async move {
                let listed: Value = send(app, &browser, Method::GET, "/api/v1/agreements", None)
                    .await
                    .json()
                    .await
                    .unwrap();
                listed
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        let head = listed(browser_a(&app, &tenants, tenants.head_a1).await).await;
        assert!(
            head.contains(&fixture) && head.contains(&external_id),
            "{backend:?}"
        );
        let outside = listed(browser_a(&app, &tenants, tenants.dsl_a2).await).await;
        assert!(
            outside.contains(&external_id),
            "the party sees it: {backend:?}"
        );
        assert!(!outside.contains(&fixture), "{backend:?}");

        let external_supervisor = browser_a(&app, &tenants, tenants.dsl_a2).await;
        let read = send(
            &app,
            &external_supervisor,
            Method::GET,
            &path_of(&external),
            None,
        )
        .await;
        assert_eq!(read.status(), 200, "{backend:?}");
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let read = send(&app, &head, Method::GET, &path_of(&external), None).await;
        assert_eq!(read.status(), 200, "{backend:?}");
        // The head sees it but is not a party: signing is refused, not hidden.
        assert_eq!(sign(&app, &head, &external).await.status(), 403);
        assert_eq!(
            sign(&app, &external_supervisor, &external).await.status(),
            200
        );
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let signed: Value = sign(&app, &supervisee, &external)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(signed["status"], "active", "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_draft_is_edited_against_the_version_read_and_a_stale_edit_is_409() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let draft = drafted(
            &app,
            &supervisor,
            draft_body(
                tenants.academy_a1,
                "one_to_one",
                tenants.rsl_a,
                &[tenants.dsl_a1],
            ),
        )
        .await;
        let path = path_of(&draft);
        assert_eq!(sign(&app, &supervisor, &draft).await.status(), 200);

        let edited = send(
            &app,
            &supervisor,
            Method::PATCH,
            &path,
            Some(json!({ "row_version": 1, "plan_cadence": "half_termly", "session_minutes": 90 })),
        )
        .await;
        assert_eq!(edited.status(), 200, "{backend:?}");
        let edited: Value = edited.json().await.unwrap();
        assert_eq!(edited["row_version"], 2);
        assert_eq!(edited["terms"]["plan_cadence"], "half_termly");
        assert_eq!(edited["terms"]["plan_weeks"], Value::Null);
        assert_eq!(edited["terms"]["session_minutes"], 90);
        assert_eq!(
            edited["terms"]["standard_agenda"],
            "Cases, actions, wellbeing"
        );
        assert_ne!(edited["content_hash"], draft["content_hash"]);
        assert_eq!(
            edited["signatures"],
            json!([]),
            "a signature of the old terms is withdrawn"
        );

        let stale = send(
            &app,
            &supervisor,
            Method::PATCH,
            &path,
            Some(json!({ "row_version": 1, "session_minutes": 45 })),
        )
        .await;
        assert_eq!(stale.status(), 409, "{backend:?}");
        let refused = send(
            &app,
            &supervisor,
            Method::PATCH,
            &path,
            Some(json!({ "row_version": 2, "session_minutes": 500 })),
        )
        .await;
        assert_eq!(fields_of(refused).await, ["session_minutes"]);
        // The supervisee reads the draft but does not rewrite it.
        let refused = send(
            &app,
            &supervisee,
            Method::PATCH,
            &path,
            Some(json!({ "row_version": 2, "session_minutes": 45 })),
        )
        .await;
        assert_eq!(refused.status(), 403, "{backend:?}");

        assert_eq!(sign(&app, &supervisor, &edited).await.status(), 200);
        assert_eq!(sign(&app, &supervisee, &edited).await.status(), 200);
        let refused = send(
            &app,
            &supervisor,
            Method::PATCH,
            &path,
            Some(json!({ "row_version": 3, "session_minutes": 45 })),
        )
        .await;
        assert_eq!(fields_of(refused).await, ["status"], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_stale_content_hash_is_409_signing_twice_is_422_and_an_active_one_is_not_signed() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let draft = drafted(
            &app,
            &supervisor,
            draft_body(
                tenants.academy_a1,
                "one_to_one",
                tenants.rsl_a,
                &[tenants.dsl_a1],
            ),
        )
        .await;
        assert_eq!(sign(&app, &supervisor, &draft).await.status(), 200);
        let twice = sign(&app, &supervisor, &draft).await;
        assert_eq!(fields_of(twice).await, ["signature"], "{backend:?}");

        let edited: Value = send(
            &app,
            &supervisor,
            Method::PATCH,
            &path_of(&draft),
            Some(json!({ "row_version": 1, "diversity_terms": "Revised" })),
        )
        .await
        .json()
        .await
        .unwrap();
        // The supervisee read the first terms: what they would sign is no longer the agreement.
        let stale = sign(&app, &supervisee, &draft).await;
        assert_eq!(stale.status(), 409, "{backend:?}");
        let malformed = send(
            &app,
            &supervisee,
            Method::POST,
            &format!("{}/sign", path_of(&draft)),
            Some(json!({ "content_hash": "not a hash" })),
        )
        .await;
        assert_eq!(fields_of(malformed).await, ["content_hash"]);

        assert_eq!(sign(&app, &supervisee, &edited).await.status(), 200);
        let after: Value = sign(&app, &supervisor, &edited).await.json().await.unwrap();
        assert_eq!(after["status"], "active", "{backend:?}");
        let again = sign(&app, &supervisor, &edited).await;
        assert_eq!(fields_of(again).await, ["status"], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn two_parties_signing_at_once_both_succeed_and_the_agreement_activates_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let draft = drafted(
            &app,
            &supervisor,
            draft_body(
                tenants.academy_a1,
                "one_to_one",
                tenants.rsl_a,
                &[tenants.dsl_a1],
            ),
        )
        .await;
        let (first, second) = tokio::join!(
            sign(&app, &supervisor, &draft),
            sign(&app, &supervisee, &draft)
        );
        assert_eq!(first.status(), 200, "{backend:?}");
        assert_eq!(second.status(), 200, "{backend:?}");
        let read: Value = send(&app, &supervisor, Method::GET, &path_of(&draft), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["status"], "active", "{backend:?}");
        assert_eq!(read["signatures"].as_array().unwrap().len(), 2);
        let id: Uuid = draft["id"].as_str().unwrap().parse().unwrap();
        let activations = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::Action.eq("activate"))
            .filter(e::audit_log::Column::EntityId.eq(id))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert_eq!(activations.len(), 1, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_renewal_is_a_new_version_that_supersedes_the_old_when_signed_and_the_old_remains() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let old = fixture_agreement(&app, &tenants).await;
        let renew_path = format!("/api/v1/agreements/{old}/renew");

        let refused = send(&app, &head, Method::POST, &renew_path, None).await;
        assert_eq!(
            refused.status(),
            403,
            "a head is neither party nor trust lead"
        );
        let renewal = send(&app, &supervisee, Method::POST, &renew_path, None).await;
        assert_eq!(renewal.status(), 201, "{backend:?}");
        let renewal: Value = renewal.json().await.unwrap();
        assert_eq!(renewal["status"], "draft");
        assert_eq!(renewal["version"], 2);
        assert_eq!(renewal["lineage_id"], old.to_string());
        assert_eq!(renewal["previous_version_id"], old.to_string());
        assert_eq!(renewal["supervisee_ids"], json!([tenants.dsl_a1]));
        assert_eq!(renewal["terms"]["plan_cadence"], "half_termly");

        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let again = send(&app, &lead, Method::POST, &renew_path, None).await;
        assert_eq!(fields_of(again).await, ["status"], "one renewal at a time");
        let draft_renewed = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("{}/renew", path_of(&renewal)),
            None,
        )
        .await;
        assert_eq!(
            fields_of(draft_renewed).await,
            ["status"],
            "a draft is not renewed"
        );

        let still: Value = send(
            &app,
            &supervisor,
            Method::GET,
            &format!("/api/v1/agreements/{old}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(
            still["status"], "active",
            "in force until the renewal is signed"
        );

        assert_eq!(sign(&app, &supervisor, &renewal).await.status(), 200);
        let active: Value = sign(&app, &supervisee, &renewal)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(active["status"], "active", "{backend:?}");
        assert_eq!(active["activated_on"], "2026-01-12");
        let versions = active["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["id"], old.to_string());
        assert_eq!(versions[0]["status"], "superseded");
        assert_eq!(versions[0]["ended_on"], "2026-01-12");

        let superseded = send(
            &app,
            &supervisor,
            Method::GET,
            &format!("/api/v1/agreements/{old}"),
            None,
        )
        .await;
        assert_eq!(superseded.status(), 200, "{backend:?}");
        let superseded: Value = superseded.json().await.unwrap();
        assert_eq!(superseded["status"], "superseded");
        assert_eq!(superseded["ended_on"], "2026-01-12");
        let sessions = e::supervision_session::Entity::find()
            .filter(e::supervision_session::Column::AgreementId.eq(old))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert_eq!(sessions.len(), 1, "the old version's session remains");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_scheduler_drafts_each_renewal_thirty_days_before_the_review_date_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = &app.test_db.db;
        let tenants = Tenants::create(db).await;
        let scheduler = crate::harness::system_scope(
            tenants.trust_a,
            haven_store::SystemActor::Scheduler,
            haven_store::Origin::Worker,
        );
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 8, d).unwrap();
        let draft = async |as_of| {
            let mut tx = db.write(&scheduler, crate::harness::now()).await?;
            let drafted = haven_store::agreement::draft_due_renewals(&mut tx, as_of).await?;
            tx.commit().await?;
            Ok::<_, haven_store::StoreError>(drafted)
        };

        // The fixture's agreements are due for review on 8 September 2026.
        assert_eq!(
            draft(day(8)).await.unwrap(),
            Vec::<Uuid>::new(),
            "{backend:?}"
        );
        let drafted = draft(day(9)).await.unwrap();
        assert_eq!(drafted.len(), 2, "{backend:?}: A1's and A2's");
        assert!(draft(day(10)).await.unwrap().is_empty(), "drafted once");

        let renewals = e::agreement::Entity::find()
            .filter(e::agreement::Column::Id.is_in(drafted))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert!(
            renewals
                .iter()
                .all(|r| r.version == 2 && r.status == "draft")
        );
        assert!(renewals.iter().all(|r| r.trust_id == tenants.trust_a));

        // A party asking for a renewal now finds it drafted.
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let previous = renewals[0].previous_version_id.unwrap();
        let again = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("/api/v1/agreements/{previous}/renew"),
            Some(json!({})),
        )
        .await;
        assert_eq!(fields_of(again).await, ["status"], "{backend:?}");

        let lead = tenants.scope_a(db, tenants.lead_a).await;
        let refused = {
            let mut tx = db.write(&lead, crate::harness::now()).await.unwrap();
            haven_store::agreement::draft_due_renewals(&mut tx, day(9)).await
        };
        assert!(matches!(
            refused,
            Err(haven_store::StoreError::NotPermitted { .. })
        ));
        app.stop().await;
    }
}
