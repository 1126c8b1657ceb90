//! The trust's policy settings and academies' overrides: defaults until the trust saves its own,
//! changed by the trust lead alone, validated setting by setting, versioned, and walled in the
//! trust and the academies the caller sees.

use haven_domain::PolicySettings;
use haven_store::{Origin, SystemActor};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{
    Tenants, TestApp, backends, browser_a, browser_b, fields_of, get, lead_b, refusals, send,
};

fn default_settings() -> Value {
    serde_json::to_value(PolicySettings::default()).unwrap()
}

#[tokio::test]
async fn the_trust_policy_is_the_defaults_until_the_trust_lead_saves_one_at_the_version_read() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;

        let read: Value = get(&app, &dsl, "/api/v1/policy")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["row_version"], 0, "{backend:?}");
        assert_eq!(read["settings"], default_settings());

        let by_dsl = send(
            &app,
            &dsl,
            Method::PUT,
            "/api/v1/policy",
            Some(json!({ "row_version": 0, "preset": "captain_cook" })),
        )
        .await;
        assert_eq!(by_dsl.status(), 403, "only a trust lead changes the policy");

        let saved = send(
            &app,
            &lead,
            Method::PUT,
            "/api/v1/policy",
            Some(json!({ "row_version": 0, "preset": "captain_cook" })),
        )
        .await;
        assert_eq!(saved.status(), 200, "{backend:?}");
        let saved: Value = saved.json().await.unwrap();
        assert_eq!(saved["row_version"], 1);
        assert_eq!(
            saved["settings"],
            serde_json::to_value(PolicySettings::captain_cook()).unwrap()
        );
        let read: Value = get(&app, &dsl, "/api/v1/policy")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["settings"]["session_length"], 120);

        let stale = send(
            &app,
            &lead,
            Method::PUT,
            "/api/v1/policy",
            Some(json!({ "row_version": 0, "preset": "esteem" })),
        )
        .await;
        assert_eq!(stale.status(), 409, "a version no longer current");

        let mut whole = default_settings();
        whole["dsl_training_years"] = json!(3);
        let replaced = send(
            &app,
            &lead,
            Method::PUT,
            "/api/v1/policy",
            Some(json!({ "row_version": 1, "settings": whole })),
        )
        .await;
        assert_eq!(replaced.status(), 200);
        let replaced: Value = replaced.json().await.unwrap();
        assert_eq!(replaced["row_version"], 2);
        assert_eq!(replaced["settings"]["dsl_training_years"], 3);
        assert_eq!(replaced["settings"]["session_length"], 60, "replaced whole");

        // Trust B still has the defaults: one trust's policy is not another's.
        let other: Value = get(&app, &lead_b(&app, &tenants).await, "/api/v1/policy")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(other["row_version"], 0);
        assert_eq!(other["settings"], default_settings());
        app.stop().await;
    }
}

#[tokio::test]
async fn trust_settings_are_refused_naming_the_setting_and_nothing_is_saved() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let put = |body: Value| send(&app, &lead, Method::PUT, "/api/v1/policy", Some(body));

        let mut zero = default_settings();
        zero["record_sign_days"] = json!(0);
        let refused = refusals(put(json!({ "row_version": 0, "settings": zero })).await).await;
        assert_eq!(refused[0].0, "record_sign_days", "{backend:?} {refused:?}");
        assert!(refused[0].1.contains("at least 1"), "{refused:?}");

        let mut absurd = default_settings();
        absurd["dsl_training_years"] = json!(50);
        assert_eq!(
            fields_of(put(json!({ "row_version": 0, "settings": absurd })).await).await,
            ["dsl_training_years"]
        );

        let mut negative = default_settings();
        negative["record_send_days"] = json!(-1);
        assert_eq!(
            fields_of(put(json!({ "row_version": 0, "settings": negative })).await).await,
            ["record_send_days"]
        );

        let mut partial = default_settings();
        partial
            .as_object_mut()
            .unwrap()
            .remove("qa_interval_months");
        assert_eq!(
            fields_of(put(json!({ "row_version": 0, "settings": partial })).await).await,
            ["qa_interval_months"],
            "the trust's settings are replaced whole, never guessed"
        );

        let mut unknown = default_settings();
        unknown["sessions_per_fortnight"] = json!(2);
        assert_eq!(
            fields_of(put(json!({ "row_version": 0, "settings": unknown })).await).await,
            ["sessions_per_fortnight"]
        );

        assert_eq!(
            fields_of(put(json!({ "row_version": 0, "preset": "st_elsewhere" })).await).await,
            ["preset"]
        );
        assert_eq!(
            fields_of(put(json!({ "row_version": 0 })).await).await,
            ["settings"]
        );
        assert_eq!(
            fields_of(put(json!({ "preset": "esteem" })).await).await,
            ["row_version"]
        );

        let read: Value = get(&app, &lead, "/api/v1/policy")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["row_version"], 0, "nothing refused was saved");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_academy_override_applies_over_the_trust_default_until_it_is_cleared() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = &app.test_db.db;
        let tenants = Tenants::create(db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let path = format!("/api/v1/academies/{}/policy", tenants.academy_a1);

        let none: Value = get(&app, &head, &path).await.json().await.unwrap();
        assert_eq!(none["override"], Value::Null, "{backend:?}");
        assert_eq!(none["row_version"], 0);
        assert_eq!(none["effective"], default_settings());

        let set = send(
            &app,
            &lead,
            Method::PUT,
            &path,
            Some(json!({
                "row_version": 0,
                "override": { "session_length": 120, "agenda_required": false }
            })),
        )
        .await;
        assert_eq!(set.status(), 200, "{backend:?}");
        let set: Value = set.json().await.unwrap();
        assert_eq!(set["row_version"], 1);
        assert_eq!(
            set["override"],
            json!({ "session_length": 120, "agenda_required": false })
        );
        assert_eq!(set["effective"]["session_length"], 120);
        assert_eq!(
            set["effective"]["record_send_days"], 14,
            "the rest is the trust's"
        );

        // The trust default changes underneath; what the academy did not override follows it.
        let trust = send(
            &app,
            &lead,
            Method::PUT,
            "/api/v1/policy",
            Some(json!({ "row_version": 0, "preset": "old_park" })),
        )
        .await;
        assert_eq!(trust.status(), 200);
        let system =
            crate::harness::system_scope(tenants.trust_a, SystemActor::Scheduler, Origin::Worker);
        let read = db.read(&system).await.unwrap();
        let effective = haven_store::policy::effective(&read, tenants.academy_a1)
            .await
            .unwrap();
        read.finish().await.unwrap();
        assert_eq!(effective.session_length.minutes(), 120);
        assert!(!effective.agenda_required);
        assert_eq!(effective.minimum.cadence().code(), "every_4_weeks");
        let read = db.read(&system).await.unwrap();
        let other_academy = haven_store::policy::effective(&read, tenants.academy_a2)
            .await
            .unwrap();
        read.finish().await.unwrap();
        assert_eq!(other_academy, PolicySettings::old_park());

        let refused = send(
            &app,
            &lead,
            Method::PUT,
            &path,
            Some(json!({ "row_version": 1, "override": { "record_sign_days": 0 } })),
        )
        .await;
        assert_eq!(fields_of(refused).await, ["record_sign_days"]);
        let unknown = send(
            &app,
            &lead,
            Method::PUT,
            &path,
            Some(json!({ "row_version": 1, "override": { "sign_days": 3 } })),
        )
        .await;
        assert_eq!(fields_of(unknown).await, ["sign_days"]);
        let stale = send(
            &app,
            &lead,
            Method::PUT,
            &path,
            Some(json!({ "row_version": 0, "preset": "esteem" })),
        )
        .await;
        assert_eq!(stale.status(), 409);
        let preset = send(
            &app,
            &lead,
            Method::PUT,
            &path,
            Some(json!({ "row_version": 1, "preset": "coop_southfield" })),
        )
        .await;
        assert_eq!(preset.status(), 200);
        let preset: Value = preset.json().await.unwrap();
        assert_eq!(
            preset["effective"],
            serde_json::to_value(PolicySettings::coop_southfield()).unwrap()
        );

        let by_head = send(
            &app,
            &head,
            Method::PUT,
            &path,
            Some(json!({ "row_version": 2, "override": {} })),
        )
        .await;
        assert_eq!(by_head.status(), 403, "only a trust lead overrides");
        assert_eq!(
            send(&app, &head, Method::DELETE, &path, None)
                .await
                .status(),
            403
        );

        let cleared = send(&app, &lead, Method::DELETE, &path, None).await;
        assert_eq!(cleared.status(), 204);
        let after: Value = get(&app, &head, &path).await.json().await.unwrap();
        assert_eq!(after["override"], Value::Null);
        assert_eq!(
            after["effective"],
            serde_json::to_value(PolicySettings::old_park()).unwrap()
        );
        assert_eq!(
            send(&app, &lead, Method::DELETE, &path, None)
                .await
                .status(),
            204,
            "clearing twice is harmless"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_academys_policy_is_not_found_for_another_trust_or_another_academy() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let path = format!("/api/v1/academies/{}/policy", tenants.academy_a1);
        let body = json!({ "row_version": 0, "preset": "esteem" });
        for outsider in [
            lead_b(&app, &tenants).await,
            browser_b(&app, &tenants, tenants.dsl_b1).await,
            browser_a(&app, &tenants, tenants.dsl_a2).await,
        ] {
            assert_eq!(
                get(&app, &outsider, &path).await.status(),
                404,
                "{backend:?}"
            );
            let put = send(&app, &outsider, Method::PUT, &path, Some(body.clone())).await;
            assert_eq!(put.status(), 404, "{backend:?}");
            let delete = send(&app, &outsider, Method::DELETE, &path, None).await;
            assert_eq!(delete.status(), 404, "{backend:?}");
        }
        // Trust B's lead changes their own trust's policy, never trust A's.
        let b = lead_b(&app, &tenants).await;
        let saved = send(&app, &b, Method::PUT, "/api/v1/policy", Some(body)).await;
        assert_eq!(saved.status(), 200);
        let a: Value = get(
            &app,
            &browser_a(&app, &tenants, tenants.dsl_a1).await,
            "/api/v1/policy",
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(a["row_version"], 0, "{backend:?}");
        app.stop().await;
    }
}
