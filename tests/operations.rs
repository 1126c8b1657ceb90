//! Operability: each trust's daily scan runs are recorded, failed or not, and shown to the
//! trust's leads (and no one else's); the operator's `/metrics` adds them up naming no trust.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use haven_domain::capability::Capability;
use haven_entity as e;
use haven_jobs::FixedClock;
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{
    Tenants, TestApp, at, backends, browser_a, call, lead_b, send, with_term_dates,
};

const SCANS: &str = "/api/v1/operations/scans";

fn scanned_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 26).unwrap()
}

async fn scan_at(
    app: &TestApp,
    ran_at: DateTime<Utc>,
) -> anyhow::Result<haven_scheduler::ScanReport> {
    haven_scheduler::run_once(&app.test_db.db, scanned_day(), &FixedClock(ran_at)).await
}

/// A trust's outbox rows, read as the owner (behind the app's back).
async fn outbox_of(app: &TestApp, trust: Uuid) -> Vec<e::notification_outbox::Model> {
    e::notification_outbox::Entity::find()
        .filter(e::notification_outbox::Column::TrustId.eq(trust))
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

/// A trust's recorded runs, read as the owner.
async fn runs_of(app: &TestApp, trust: Uuid) -> Vec<e::scan_run::Model> {
    e::scan_run::Entity::find()
        .filter(e::scan_run::Column::TrustId.eq(trust))
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

/// Trust B's policy replaced, behind the app's back, by settings no Haven can read.
async fn break_trust_b_policy(app: &TestApp, tenants: &Tenants) {
    e::policy_setting::Entity::insert(e::policy_setting::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tenants.trust_b),
        academy_id: Set(None),
        scope_key: Set("trust".into()),
        settings: Set(json!(42)),
        row_version: Set(1),
        created_at: Set(at(2026, 1, 5)),
        updated_at: Set(at(2026, 1, 5)),
    })
    .exec(&app.test_db.owner)
    .await
    .unwrap();
}

fn ids(runs: &Value) -> Vec<String> {
    runs.as_array()
        .unwrap()
        .iter()
        .map(|run| run["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_trust_lead_sees_each_scan_run_with_what_it_queued_by_rule() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = &app.test_db.db;
        let tenants = Tenants::create(db).await;
        with_term_dates(&app, &tenants).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;

        // Before any scan there is nothing to show, and that is an answer, not an error.
        let (status, empty) = call(&app, Method::GET, SCANS, &lead, None).await;
        assert_eq!(status, 200, "{backend:?} {empty}");
        assert_eq!(empty["runs"], json!([]));
        assert_eq!(empty["latest"], Value::Null);

        let first = scan_at(&app, at(2026, 1, 12)).await.unwrap();
        let rows = outbox_of(&app, tenants.trust_a).await;
        assert!(!rows.is_empty(), "{backend:?}: the scan queued nothing");
        let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
        for row in &rows {
            *by_rule.entry(row.rule.clone()).or_default() += 1;
        }

        let (status, body) = call(&app, Method::GET, SCANS, &lead, None).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        assert_eq!(body["runs"].as_array().unwrap().len(), 1, "{body}");
        let run = &body["latest"];
        assert_eq!(run, &body["runs"][0]);
        assert_eq!(run["outcome"], "succeeded", "{body}");
        assert_eq!(run["error"], Value::Null);
        assert_eq!(run["scanned_on"], "2026-01-26");
        assert_eq!(run["notifications_queued"], rows.len());
        assert_eq!(run["queued_by_rule"], json!(by_rule), "{backend:?}");
        assert!(run["reminders_due"].as_u64().unwrap() >= rows.len() as u64);
        assert!(
            run["started_at"].as_str().unwrap() <= run["finished_at"].as_str().unwrap(),
            "{run}"
        );
        assert!(first.notifications >= rows.len());
        assert_eq!(body["failures"], json!([]));
        assert_eq!(body["outbox"]["queued"], rows.len());
        assert_eq!(body["outbox"]["sent"], 0);
        assert_eq!(body["outbox_depth"], rows.len());

        // The same day again, an hour on: a second run that queued nothing new, and the day's
        // last run is that one.
        scan_at(&app, at(2026, 1, 12) + Duration::hours(1))
            .await
            .unwrap();
        let (_, body) = call(&app, Method::GET, SCANS, &lead, None).await;
        let runs = body["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2, "{backend:?} {body}");
        assert_eq!(body["latest"]["notifications_queued"], 0, "{body}");
        assert_eq!(body["latest"]["queued_by_rule"], json!({}));
        assert_eq!(body["latest"]["reminders_due"], run["reminders_due"]);
        let per_day = body["last_run_per_day"].as_array().unwrap();
        assert_eq!(per_day.len(), 1, "{body}");
        assert_eq!(per_day[0]["id"], body["latest"]["id"]);
        let (_, one) = call(&app, Method::GET, &format!("{SCANS}?limit=1"), &lead, None).await;
        assert_eq!(
            ids(&one["runs"]),
            vec![body["latest"]["id"].as_str().unwrap()]
        );

        // The director's and auditor's reach is the trust lead's; a read_figures token's too.
        let auditor = browser_a(&app, &tenants, tenants.auditor_a).await;
        let (status, seen) = call(&app, Method::GET, SCANS, &auditor, None).await;
        assert_eq!(status, 200, "{seen}");
        assert_eq!(ids(&seen["runs"]), ids(&body["runs"]));
        let lead_scope = tenants.scope_a(db, tenants.lead_a).await;
        let mut tx = db.write(&lead_scope, crate::harness::now()).await.unwrap();
        let (_, token) = haven_store::api_token::create(
            &mut tx,
            "operations board",
            &[Capability::ReadFigures],
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let by_token = app
            .request(Method::GET, SCANS, None)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(by_token.status(), 200, "{backend:?}");
        let seen: Value = by_token.json().await.unwrap();
        assert_eq!(ids(&seen["runs"]), ids(&body["runs"]));

        // Each run was written in the trust's audit log, like any other write.
        let audited = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::TrustId.eq(tenants.trust_a))
            .filter(e::audit_log::Column::Entity.eq("scan_run"))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert_eq!(audited.len(), 2, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_trust_whose_scan_failed_shows_the_failure_to_its_own_lead_only() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        break_trust_b_policy(&app, &tenants).await;

        // Trust B's failure fails the scan (so the queue retries it); trust A's still ran.
        assert!(scan_at(&app, at(2026, 1, 12)).await.is_err(), "{backend:?}");

        let lead_b = lead_b(&app, &tenants).await;
        let (status, body) = call(&app, Method::GET, SCANS, &lead_b, None).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        let latest = &body["latest"];
        assert_eq!(latest["outcome"], "failed", "{body}");
        assert!(
            latest["error"]
                .as_str()
                .unwrap()
                .contains("policy setting trust cannot be read"),
            "{body}"
        );
        assert_eq!(latest["notifications_queued"], 0);
        assert_eq!(ids(&body["failures"]), vec![latest["id"].as_str().unwrap()]);
        // Trust B's lead sees trust B's runs and nothing of trust A's.
        let b_runs: Vec<String> = runs_of(&app, tenants.trust_b)
            .await
            .iter()
            .map(|run| run.id.to_string())
            .collect();
        assert_eq!(ids(&body["runs"]), b_runs, "{backend:?}");
        for run in runs_of(&app, tenants.trust_a).await {
            assert!(!body.to_string().contains(&run.id.to_string()), "{body}");
        }

        let lead_a = browser_a(&app, &tenants, tenants.lead_a).await;
        let (_, body_a) = call(&app, Method::GET, SCANS, &lead_a, None).await;
        assert_eq!(body_a["latest"]["outcome"], "succeeded", "{body_a}");
        assert_eq!(body_a["failures"], json!([]));
        assert!(!body_a.to_string().contains(latest["id"].as_str().unwrap()));

        // Once the policy reads again, the retry succeeds and is the newest run.
        e::policy_setting::Entity::delete_many()
            .filter(e::policy_setting::Column::TrustId.eq(tenants.trust_b))
            .exec(&app.test_db.owner)
            .await
            .unwrap();
        scan_at(&app, at(2026, 1, 12) + Duration::hours(1))
            .await
            .unwrap();
        let (_, body) = call(&app, Method::GET, SCANS, &lead_b, None).await;
        assert_eq!(body["latest"]["outcome"], "succeeded", "{body}");
        assert_eq!(body["failures"].as_array().unwrap().len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn only_the_trusts_leads_may_read_its_scan_runs() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        scan_at(&app, at(2026, 1, 12)).await.unwrap();

        for person in [tenants.dsl_a1, tenants.head_a1, tenants.rsl_a] {
            let browser = browser_a(&app, &tenants, person).await;
            let (status, body) = call(&app, Method::GET, SCANS, &browser, None).await;
            assert_eq!(status, 403, "{backend:?} {body}");
        }
        let anonymous = app.get(SCANS).await;
        assert_eq!(anonymous.status(), 401, "{backend:?}");

        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        for query in ["days=0", "days=91", "days=week", "limit=0", "limit=201"] {
            let response = send(&app, &lead, Method::GET, &format!("{SCANS}?{query}"), None).await;
            let field = query.split('=').next().unwrap();
            assert_eq!(
                crate::harness::fields_of(response).await,
                vec![field.to_owned()],
                "{query}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn metrics_total_every_trusts_scans_and_outbox_and_name_no_trust() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        scan_at(&app, at(2026, 1, 12)).await.unwrap();
        break_trust_b_policy(&app, &tenants).await;
        assert!(
            scan_at(&app, at(2026, 1, 12) + Duration::hours(1))
                .await
                .is_err()
        );

        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200, "{backend:?}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = response.text().await.unwrap();
        let queued = outbox_of(&app, tenants.trust_a).await.len()
            + outbox_of(&app, tenants.trust_b).await.len();
        let midnight = scanned_day()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        for line in [
            "# TYPE haven_scan_runs_total counter".to_owned(),
            "haven_trusts 2".to_owned(),
            "haven_scan_runs_total{outcome=\"succeeded\"} 3".to_owned(),
            "haven_scan_runs_total{outcome=\"failed\"} 1".to_owned(),
            format!("haven_notifications{{status=\"queued\"}} {queued}"),
            "haven_notifications{status=\"sent\"} 0".to_owned(),
            "haven_notifications{status=\"failed\"} 0".to_owned(),
            format!("haven_scan_last_success_day_timestamp_seconds {midnight}"),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{backend:?}: no `{line}` in\n{text}"
            );
        }
        for secret in [
            tenants.trust_a.to_string(),
            tenants.trust_b.to_string(),
            tenants.trust_a.simple().to_string(),
            tenants.trust_b.simple().to_string(),
            "Riverside".to_owned(),
            "Moorland".to_owned(),
            "riverside".to_owned(),
            "moorland".to_owned(),
        ] {
            assert!(
                !text.contains(&secret),
                "{backend:?}: `{secret}` in\n{text}"
            );
        }
        app.stop().await;
    }
}
