//! Training records: recorded by the person or a trust lead, DSL training expiring by the
//! trust's policy, seen by the person and those who lead them, and the trust lead's feed of
//! whose training has lapsed or soon will.

use chrono::NaiveDate;
use haven_domain::PolicySettings;
use haven_store::training::{NewTraining, TrainingKind};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Tenants, TestApp, backends, now, tenants_today};
use crate::harness::{browser_a, browser_b, fields_of, get, lead_b, send};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dsl_course(completed_on: &str) -> Value {
    json!({ "course": "DSL refresher", "kind": "dsl", "completed_on": completed_on })
}

#[tokio::test]
async fn dsl_training_expires_by_the_trust_policy_unless_an_expiry_is_given() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let path = format!("/api/v1/people/{}/training", tenants.dsl_a1);

        let own = send(
            &app,
            &dsl,
            Method::POST,
            &path,
            Some(dsl_course("2025-06-01")),
        )
        .await;
        assert_eq!(own.status(), 201, "{backend:?}");
        let own: Value = own.json().await.unwrap();
        assert_eq!(own["expires_on"], "2027-06-01", "two years by default");
        assert_eq!(own["kind"], "dsl");

        let mut settings = serde_json::to_value(PolicySettings::default()).unwrap();
        settings["dsl_training_years"] = json!(3);
        let policy = send(
            &app,
            &lead,
            Method::PUT,
            "/api/v1/policy",
            Some(json!({ "row_version": 0, "settings": settings })),
        )
        .await;
        assert_eq!(policy.status(), 200);
        let deputy = send(
            &app,
            &lead,
            Method::POST,
            &path,
            Some(json!({ "course": "Deputy DSL", "kind": "deputy_dsl", "completed_on": "2025-06-01" })),
        )
        .await;
        assert_eq!(deputy.status(), 201);
        let deputy: Value = deputy.json().await.unwrap();
        assert_eq!(
            deputy["expires_on"], "2028-06-01",
            "the trust's three years"
        );

        let given = send(
            &app,
            &dsl,
            Method::POST,
            &path,
            Some(json!({ "course": "DSL", "kind": "dsl", "completed_on": "2025-06-01", "expires_on": "2026-06-01" })),
        )
        .await;
        let given: Value = given.json().await.unwrap();
        assert_eq!(given["expires_on"], "2026-06-01");
        let supervision = send(
            &app,
            &dsl,
            Method::POST,
            &path,
            Some(json!({ "course": "Supervision skills", "kind": "supervision", "completed_on": "2025-10-01" })),
        )
        .await;
        let supervision: Value = supervision.json().await.unwrap();
        assert_eq!(supervision["expires_on"], Value::Null);

        let listed: Value = get(&app, &dsl, &path).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 4);
        assert_eq!(listed[0]["course"], "Supervision skills", "latest first");
        app.stop().await;
    }
}

#[tokio::test]
async fn training_is_refused_naming_the_field_when_it_cannot_be_true() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let path = format!("/api/v1/people/{}/training", tenants.dsl_a1);
        let post = |body: Value| send(&app, &dsl, Method::POST, &path, Some(body));

        let tomorrow = (tenants_today() + chrono::Days::new(1)).to_string();
        assert_eq!(
            fields_of(post(dsl_course(&tomorrow)).await).await,
            ["completed_on"],
            "{backend:?}: not in the future"
        );
        assert_eq!(
            post(dsl_course(&tenants_today().to_string()))
                .await
                .status(),
            201,
            "today is not the future"
        );
        assert_eq!(
            fields_of(post(json!({ "course": "First aid", "kind": "first_aid", "completed_on": "2025-06-01" })).await).await,
            ["kind"]
        );
        assert_eq!(
            fields_of(post(json!({ "course": "DSL", "kind": "dsl", "completed_on": "2025-06-01", "expires_on": "2025-05-01" })).await).await,
            ["expires_on"]
        );
        assert_eq!(
            fields_of(
                post(json!({ "course": "  ", "kind": "dsl", "completed_on": "2025-06-01" })).await
            )
            .await,
            ["course"]
        );
        assert_eq!(
            fields_of(post(json!({ "course": "DSL", "kind": "dsl" })).await).await,
            ["completed_on"]
        );
        assert_eq!(
            fields_of(post(json!({ "course": "DSL", "kind": "dsl", "completed_on": "2025-06-01", "provider": "LA" })).await).await,
            ["provider"]
        );
        let listed: Value = get(&app, &dsl, &path).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1, "only the valid one");
        app.stop().await;
    }
}

#[tokio::test]
async fn training_is_seen_by_the_person_and_their_leads_and_is_not_found_elsewhere() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let path = format!("/api/v1/people/{}/training", tenants.dsl_a1);
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let by_lead = send(
            &app,
            &lead,
            Method::POST,
            &path,
            Some(dsl_course("2025-06-01")),
        )
        .await;
        assert_eq!(
            by_lead.status(),
            201,
            "{backend:?}: a trust lead records anyone's"
        );

        for (reader, why) in [
            (tenants.dsl_a1, "the person"),
            (tenants.lead_a, "the trust lead"),
            (tenants.head_a1, "their headteacher"),
            (tenants.rsl_a, "their regional lead"),
        ] {
            let browser = browser_a(&app, &tenants, reader).await;
            let read = get(&app, &browser, &path).await;
            assert_eq!(read.status(), 200, "{backend:?} {why}");
            let read: Value = read.json().await.unwrap();
            assert_eq!(read.as_array().unwrap().len(), 1, "{why}");
        }
        let auditor = browser_a(&app, &tenants, tenants.auditor_a).await;
        assert_eq!(
            get(&app, &auditor, &path).await.status(),
            403,
            "an auditor leads nobody"
        );
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let for_another = send(
            &app,
            &head,
            Method::POST,
            &path,
            Some(dsl_course("2025-06-01")),
        )
        .await;
        assert_eq!(
            for_another.status(),
            403,
            "a headteacher does not record it for them"
        );

        for outsider in [
            browser_a(&app, &tenants, tenants.dsl_a2).await,
            browser_b(&app, &tenants, tenants.dsl_b1).await,
            lead_b(&app, &tenants).await,
        ] {
            assert_eq!(
                get(&app, &outsider, &path).await.status(),
                404,
                "{backend:?}"
            );
            let post = send(
                &app,
                &outsider,
                Method::POST,
                &path,
                Some(dsl_course("2025-06-01")),
            )
            .await;
            assert_eq!(post.status(), 404, "{backend:?}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn the_expiring_feed_shows_the_trust_lead_whose_latest_training_lapsed_or_soon_will() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = &app.test_db.db;
        let tenants = Tenants::create(db).await;
        let scope = tenants.scope_a(db, tenants.lead_a).await;
        let today = tenants_today();
        let give = |person: Uuid, completed_on: NaiveDate| {
            let scope = &scope;
            async move {
                let mut tx = db.write(scope, now()).await.unwrap();
                let answer = haven_store::training::record(
                    &mut tx,
                    NewTraining {
                        person_id: person,
                        course: "DSL",
                        kind: TrainingKind::Dsl,
                        completed_on,
                        expires_on: None,
                    },
                    today,
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                answer
            }
        };
        give(tenants.dsl_a1, date(2024, 1, 1)).await; // lapsed 2026-01-01
        give(tenants.dsl_a2, date(2024, 3, 1)).await; // lapses in 48 days
        give(tenants.head_a1, date(2025, 1, 1)).await; // 2027: not yet
        give(tenants.rsl_a, date(2023, 12, 1)).await; // lapsed, but renewed:
        give(tenants.rsl_a, date(2025, 12, 1)).await;

        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let feed: Value = get(&app, &lead, "/api/v1/training/expiring")
            .await
            .json()
            .await
            .unwrap();
        let feed = feed.as_array().unwrap();
        assert_eq!(feed.len(), 2, "{backend:?} {feed:?}");
        assert_eq!(feed[0]["person_id"], tenants.dsl_a1.to_string());
        assert_eq!(feed[0]["state"], "expired");
        assert_eq!(feed[0]["days_left"], -11);
        assert_eq!(feed[1]["person_id"], tenants.dsl_a2.to_string());
        assert_eq!(feed[1]["state"], "expiring");
        assert_eq!(feed[1]["expires_on"], "2026-03-01");

        let near: Value = get(&app, &lead, "/api/v1/training/expiring?within_days=10")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(near.as_array().unwrap().len(), 1);
        for bad in ["abc", "-1", "1000"] {
            let refused = get(
                &app,
                &lead,
                &format!("/api/v1/training/expiring?within_days={bad}"),
            )
            .await;
            assert_eq!(fields_of(refused).await, ["within_days"], "{bad}");
        }

        for refused in [
            browser_a(&app, &tenants, tenants.head_a1).await,
            browser_a(&app, &tenants, tenants.dsl_a2).await,
            browser_b(&app, &tenants, tenants.dsl_b1).await,
        ] {
            let status = get(&app, &refused, "/api/v1/training/expiring")
                .await
                .status();
            assert_eq!(status, 403, "{backend:?}: the feed is the trust lead's");
        }
        let other: Value = get(
            &app,
            &lead_b(&app, &tenants).await,
            "/api/v1/training/expiring",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(other, json!([]), "trust B's lead sees none of trust A's");
        app.stop().await;
    }
}
