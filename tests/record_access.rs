//! Who reads a supervision record's content: its parties and the trust lead, anyone else only
//! under a live grant; heads see figures; other academies and trusts see nothing.

use chrono::Duration;
use haven_entity as e;
use haven_store::grant::{GrantTarget, NewGrant};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, backends, now};

async fn signed_in(app: &TestApp, tenants: &Tenants, person: Uuid) -> Browser {
    let scope = tenants.scope_a(&app.test_db.db, person).await;
    app.browser(&scope, Duration::minutes(1)).await
}

async fn get(app: &TestApp, browser: Option<&Browser>, path: &str) -> reqwest::Response {
    app.request(Method::GET, path, browser)
        .send()
        .await
        .unwrap()
}

async fn status(app: &TestApp, browser: Option<&Browser>, path: &str) -> u16 {
    get(app, browser, path).await.status().as_u16()
}

async fn post_grant(app: &TestApp, browser: &Browser, body: Value) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/grants", Some(browser))
        .header("x-csrf-token", &browser.csrf_token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The `read_content` entries of a trust's audit log, oldest first.
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
async fn the_supervisee_the_supervisor_and_the_trust_lead_read_the_content_and_each_read_is_audited()
 {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let path = format!("/api/v1/records/{}", tenants.record_a1);
        let readers = [
            (tenants.dsl_a1, "supervisee"),
            (tenants.rsl_a, "supervisor"),
            (tenants.lead_a, "trust_safeguarding_lead"),
        ];
        for (person, _) in readers {
            let browser = signed_in(&app, &tenants, person).await;
            let response = get(&app, Some(&browser), &path).await;
            assert_eq!(response.status(), 200, "{backend:?}");
            let record: Value = response.json().await.unwrap();
            assert_eq!(record["content"]["reflection"], "Case 4471: plan agreed");
        }
        let reads = content_reads(&app, tenants.trust_a).await;
        assert_eq!(reads.len(), 3, "{backend:?}");
        for (entry, (person, basis)) in reads.iter().zip(readers) {
            assert_eq!(entry.actor_id, Some(person));
            assert_eq!(entry.entity, "supervision_record");
            assert_eq!(entry.entity_id, Some(tenants.record_a1));
            assert_eq!(entry.detail["basis"], basis);
            assert!(
                !entry.detail.to_string().contains("4471"),
                "the log holds no content"
            );
        }
        haven_store::audit::verify(&app.test_db.db, tenants.trust_a)
            .await
            .unwrap();
        app.stop().await;
    }
}

#[tokio::test]
async fn the_head_gets_the_sessions_figures_but_403_on_its_content() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let head = signed_in(&app, &tenants, tenants.head_a1).await;
        let session = tenants.session_a1;

        let figures = get(&app, Some(&head), &format!("/api/v1/sessions/{session}")).await;
        assert_eq!(figures.status(), 200, "{backend:?}");
        let figures: Value = figures.json().await.unwrap();
        assert_eq!(figures["status"], "held");
        assert_eq!(figures["kind"], "formal");
        assert_eq!(figures["academy_id"], tenants.academy_a1.to_string());
        assert_eq!(
            figures["record"],
            json!({ "id": tenants.record_a1, "status": "signed", "on_paper": false })
        );
        assert!(!figures.to_string().contains("4471"));

        let content = get(
            &app,
            Some(&head),
            &format!("/api/v1/records/{}", tenants.record_a1),
        )
        .await;
        assert_eq!(content.status(), 403, "{backend:?}");
        assert_eq!(
            content.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        assert!(content_reads(&app, tenants.trust_a).await.is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn another_academys_dsl_and_another_trusts_people_get_404_for_figures_and_content() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl_a2 = signed_in(&app, &tenants, tenants.dsl_a2).await;
        let dsl_b1 = app
            .browser(
                &tenants.scope_b(&app.test_db.db, tenants.dsl_b1).await,
                Duration::minutes(1),
            )
            .await;
        let lead_a = signed_in(&app, &tenants, tenants.lead_a).await;
        for (who, browser, record, session) in [
            ("dsl of A2", &dsl_a2, tenants.record_a1, tenants.session_a1),
            (
                "trust B's dsl",
                &dsl_b1,
                tenants.record_a1,
                tenants.session_a1,
            ),
            (
                "trust A's lead",
                &lead_a,
                tenants.record_b1,
                tenants.session_b1,
            ),
        ] {
            let record = format!("/api/v1/records/{record}");
            let session = format!("/api/v1/sessions/{session}");
            assert_eq!(
                status(&app, Some(browser), &record).await,
                404,
                "{backend:?}: {who}"
            );
            assert_eq!(
                status(&app, Some(browser), &session).await,
                404,
                "{backend:?}: {who}"
            );
        }
        let random = format!("/api/v1/records/{}", Uuid::now_v7());
        assert_eq!(status(&app, Some(&lead_a), &random).await, 404);
        assert!(content_reads(&app, tenants.trust_a).await.is_empty());
        assert!(content_reads(&app, tenants.trust_b).await.is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn an_auditor_reads_only_under_a_live_grant_and_not_after_its_revocation() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let auditor = signed_in(&app, &tenants, tenants.auditor_a).await;
        let lead = signed_in(&app, &tenants, tenants.lead_a).await;
        let record = format!("/api/v1/records/{}", tenants.record_a1);
        assert_eq!(status(&app, Some(&auditor), &record).await, 403);

        let created = post_grant(
            &app,
            &lead,
            json!({
                "grantee_id": tenants.auditor_a,
                "reason": "Annual safeguarding audit 2026",
                "record_ids": [tenants.record_a1],
                "ends_at": (now() + Duration::days(7)).to_rfc3339(),
            }),
        )
        .await;
        assert_eq!(created.status(), 201, "{backend:?}");
        let grant: Value = created.json().await.unwrap();
        assert_eq!(grant["state"], "live");
        let grant_id = grant["id"].as_str().unwrap().to_owned();

        let read = get(
            &app,
            Some(&auditor),
            &format!("{record}?reason=sampling%20term%201"),
        )
        .await;
        assert_eq!(read.status(), 200, "{backend:?}");
        let reads = content_reads(&app, tenants.trust_a).await;
        let entry = reads.last().unwrap();
        assert_eq!(entry.actor_id, Some(tenants.auditor_a));
        assert_eq!(
            entry.reason.as_deref(),
            Some("Annual safeguarding audit 2026")
        );
        assert_eq!(entry.detail["grant_id"], grant_id.as_str());
        assert_eq!(entry.detail["stated_reason"], "sampling term 1");

        let history = get(&app, Some(&auditor), &format!("{record}/history")).await;
        assert_eq!(history.status(), 200, "{backend:?}");
        let reads = content_reads(&app, tenants.trust_a).await;
        let entry = reads.last().unwrap();
        assert_eq!(entry.detail["view"], "history");
        assert_eq!(entry.detail["basis"], "grant");
        assert_eq!(entry.detail["grant_id"], grant_id.as_str());
        assert_eq!(
            entry.reason.as_deref(),
            Some("Annual safeguarding audit 2026"),
            "a history read under a grant carries its reason too"
        );

        let listed: Value = get(&app, Some(&lead), "/api/v1/grants")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed[0]["id"], grant_id.as_str());
        assert_eq!(listed[0]["record_ids"], json!([tenants.record_a1]));

        let revoked = app
            .request(
                Method::DELETE,
                &format!("/api/v1/grants/{grant_id}"),
                Some(&lead),
            )
            .header("x-csrf-token", &lead.csrf_token)
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 204, "{backend:?}");
        assert_eq!(status(&app, Some(&auditor), &record).await, 403);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_grant_stops_opening_records_once_its_window_has_passed() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = tenants.scope_a(&app.test_db.db, tenants.lead_a).await;
        // Granted three days before the app's clock, for two days: over an hour before "now".
        let granted_at = now() - Duration::days(3);
        let mut tx = app.test_db.db.write(&lead, granted_at).await.unwrap();
        haven_store::grant::create(
            &mut tx,
            NewGrant {
                grantee_id: tenants.auditor_a,
                reason: "Investigation 12",
                target: GrantTarget::SubjectPerson(tenants.dsl_a1),
                starts_at: granted_at,
                ends_at: now() - Duration::hours(1),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let auditor = signed_in(&app, &tenants, tenants.auditor_a).await;
        let record = format!("/api/v1/records/{}", tenants.record_a1);
        assert_eq!(
            status(&app, Some(&auditor), &record).await,
            403,
            "{backend:?}"
        );

        // The same subject grant, still open at the app's clock, opens the subject's record.
        let mut tx = app.test_db.db.write(&lead, granted_at).await.unwrap();
        haven_store::grant::create(
            &mut tx,
            NewGrant {
                grantee_id: tenants.auditor_a,
                reason: "Investigation 12, extended",
                target: GrantTarget::SubjectPerson(tenants.dsl_a1),
                starts_at: granted_at,
                ends_at: now() + Duration::hours(1),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            status(&app, Some(&auditor), &record).await,
            200,
            "{backend:?}"
        );
        let grants: Value = get(
            &app,
            Some(&signed_in(&app, &tenants, tenants.lead_a).await),
            "/api/v1/grants",
        )
        .await
        .json()
        .await
        .unwrap();
        let states: Vec<&str> = grants
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["live", "expired"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn only_the_trust_lead_grants_access_and_bad_grants_are_refused_by_field() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = signed_in(&app, &tenants, tenants.dsl_a1).await;
        let lead = signed_in(&app, &tenants, tenants.lead_a).await;
        let grant = |record: Uuid, reason: &str, ends_in: Duration| {
            json!({
                "grantee_id": tenants.auditor_a,
                "reason": reason,
                "record_ids": [record],
                "ends_at": (now() + ends_in).to_rfc3339(),
            })
        };
        let by_dsl = post_grant(
            &app,
            &dsl,
            grant(tenants.record_a1, "audit", Duration::days(1)),
        )
        .await;
        assert_eq!(by_dsl.status(), 403, "{backend:?}");
        assert_eq!(status(&app, Some(&dsl), "/api/v1/grants").await, 403);

        for (body, field) in [
            (
                grant(tenants.record_a1, "audit", -Duration::hours(1)),
                "ends_at",
            ),
            (grant(tenants.record_a1, "  ", Duration::days(1)), "reason"),
            (json!({ "reason": "audit" }), "grantee_id"),
        ] {
            let refused = post_grant(&app, &lead, body).await;
            assert_eq!(refused.status(), 422, "{backend:?}: {field}");
            let problem: Value = refused.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field);
        }
        let other_trust = post_grant(
            &app,
            &lead,
            grant(tenants.record_b1, "audit", Duration::days(1)),
        )
        .await;
        assert_eq!(other_trust.status(), 404, "{backend:?}");
        let listed: Value = get(&app, Some(&lead), "/api/v1/grants")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed, json!([]), "nothing refused was kept");
        app.stop().await;
    }
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let session = tenants.session_a1;
        for path in [
            format!("/api/v1/records/{}", tenants.record_a1),
            format!("/api/v1/sessions/{session}"),
            "/api/v1/grants".to_owned(),
        ] {
            assert_eq!(status(&app, None, &path).await, 401, "{backend:?}: {path}");
        }
        let post = app
            .request(Method::POST, "/api/v1/grants", None)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), 401);
        app.stop().await;
    }
}
