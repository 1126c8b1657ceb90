//! A trust's administration as its safeguarding lead meets it: regions, academies, people and
//! their roles, managed by the lead alone, walled in the trust, and every change audited.

use haven_entity as e;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{
    Tenants, TestApp, backends, browser_a, browser_b, fields_of, get, lead_b, lead_b_id, send,
};

fn dsl_at(academy: Uuid) -> Value {
    json!({ "role": "dsl", "scope_kind": "academy", "academy_id": academy })
}

/// One of trust A's role assignments, found behind the app's back.
async fn a_role_of(app: &TestApp, person: Uuid) -> Uuid {
    e::role_assignment::Entity::find()
        .filter(e::role_assignment::Column::PersonId.eq(person))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn the_trust_lead_invites_a_person_and_gives_them_a_dsl_role_that_their_me_shows() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let invited = send(
            &app,
            &lead,
            Method::POST,
            "/api/v1/people",
            Some(json!({ "display_name": "Nia New", "email": "nia.new@example.org" })),
        )
        .await;
        assert_eq!(invited.status(), 201, "{backend:?}");
        let invited: Value = invited.json().await.unwrap();
        assert_eq!(invited["active"], true);
        let person: Uuid = invited["id"].as_str().unwrap().parse().unwrap();

        let roles_path = format!("/api/v1/people/{person}/roles");
        let assigned = send(
            &app,
            &lead,
            Method::POST,
            &roles_path,
            Some(dsl_at(tenants.academy_a2)),
        )
        .await;
        assert_eq!(assigned.status(), 201, "{backend:?}");
        let assigned: Value = assigned.json().await.unwrap();
        assert_eq!(assigned["starts_on"], "2026-01-12", "today by default");
        let listed: Value = get(&app, &lead, &roles_path).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["id"], assigned["id"]);
        let people: Value = get(&app, &lead, "/api/v1/people")
            .await
            .json()
            .await
            .unwrap();
        assert!(
            people
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == invited["id"])
        );

        let newcomer = browser_a(&app, &tenants, person).await;
        let me = get(&app, &newcomer, "/api/v1/me").await;
        assert_eq!(me.status(), 200, "{backend:?}");
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["person_id"], person.to_string());
        assert_eq!(
            me["roles"],
            json!([{ "role": "dsl", "scope": "academy", "region_id": null,
                     "academy_id": tenants.academy_a2 }])
        );
        assert_eq!(me["academies"], json!([tenants.academy_a2]));
        let academies: Value = get(&app, &newcomer, "/api/v1/academies")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(academies.as_array().unwrap().len(), 1, "{backend:?}");
        assert_eq!(academies[0]["id"], tenants.academy_a2.to_string());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_dsl_or_a_head_gets_403_on_every_write_and_changes_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let role = a_role_of(&app, tenants.dsl_a2).await;
        let writes = [
            (
                Method::POST,
                "/api/v1/regions".to_owned(),
                json!({ "name": "South" }),
            ),
            (
                Method::POST,
                "/api/v1/academies".to_owned(),
                json!({ "name": "Vale Primary", "urn": "100003", "phase": "primary",
                        "local_authority": "Shropshire" }),
            ),
            (
                Method::PATCH,
                format!("/api/v1/academies/{}", tenants.academy_a1),
                json!({ "region_id": null }),
            ),
            (
                Method::POST,
                "/api/v1/people".to_owned(),
                json!({ "display_name": "Nia New", "email": "nia.new@example.org" }),
            ),
            (
                Method::POST,
                format!("/api/v1/people/{}/deactivate", tenants.dsl_a2),
                json!({}),
            ),
            (
                Method::POST,
                format!("/api/v1/people/{}/roles", tenants.dsl_a2),
                dsl_at(tenants.academy_a1),
            ),
            (Method::POST, format!("/api/v1/roles/{role}/end"), json!({})),
        ];
        for person in [tenants.dsl_a1, tenants.head_a1] {
            let browser = browser_a(&app, &tenants, person).await;
            for (method, path, body) in &writes {
                let refused = send(&app, &browser, method.clone(), path, Some(body.clone())).await;
                assert_eq!(refused.status(), 403, "{backend:?}: {method} {path}");
                assert_eq!(
                    refused.headers()["content-type"],
                    "application/problem+json"
                );
            }
            for path in ["/api/v1/people", "/api/v1/regions"] {
                assert_eq!(get(&app, &browser, path).await.status(), 403, "{path}");
            }
        }
        let people = e::person::Entity::find()
            .filter(e::person::Column::TrustId.eq(tenants.trust_a))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert!(
            people
                .iter()
                .all(|p| p.active && p.email != "nia.new@example.org")
        );
        let region_of_a1 = e::academy::Entity::find_by_id(tenants.academy_a1)
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap()
            .region_id;
        assert!(
            region_of_a1.is_some(),
            "{backend:?}: a DSL moved an academy"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn another_trusts_lead_gets_404_for_this_trusts_ids_and_never_lists_its_rows() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead_b_id = lead_b_id(&app, &tenants).await;
        let lead_b = browser_b(&app, &tenants, lead_b_id).await;
        let role_a = a_role_of(&app, tenants.dsl_a1).await;
        let attempts = [
            (
                Method::PATCH,
                format!("/api/v1/academies/{}", tenants.academy_a1),
                Some(json!({ "region_id": null })),
            ),
            (
                Method::POST,
                format!("/api/v1/people/{}/deactivate", tenants.dsl_a1),
                None,
            ),
            (
                Method::GET,
                format!("/api/v1/people/{}/roles", tenants.dsl_a1),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/people/{}/roles", tenants.dsl_a1),
                Some(dsl_at(tenants.academy_b1)),
            ),
            // Trust B's own lead, given a role at trust A's academy.
            (
                Method::POST,
                format!("/api/v1/people/{lead_b_id}/roles"),
                Some(dsl_at(tenants.academy_a1)),
            ),
            (
                Method::POST,
                format!("/api/v1/roles/{role_a}/end"),
                Some(json!({})),
            ),
        ];
        for (method, path, body) in attempts {
            let refused = send(&app, &lead_b, method.clone(), &path, body).await;
            assert_eq!(refused.status(), 404, "{backend:?}: {method} {path}");
        }
        let trust_a_ids = [
            tenants.academy_a1,
            tenants.academy_a2,
            tenants.lead_a,
            tenants.dsl_a1,
            tenants.dsl_a2,
            tenants.head_a1,
            tenants.rsl_a,
        ];
        for path in ["/api/v1/academies", "/api/v1/people", "/api/v1/regions"] {
            let listed = get(&app, &lead_b, path).await;
            assert_eq!(listed.status(), 200, "{backend:?}: {path}");
            let listed = listed.text().await.unwrap();
            for id in trust_a_ids {
                assert!(!listed.contains(&id.to_string()), "{backend:?}: {path}");
            }
            assert!(
                !listed.contains("North") && !listed.contains("Brook"),
                "{path}"
            );
        }
        let a_dsl = e::person::Entity::find_by_id(tenants.dsl_a1)
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert!(a_dsl.active, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_dsl_role_at_trust_wide_scope_is_422_naming_scope_kind() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let path = format!("/api/v1/people/{}/roles", tenants.dsl_a2);
        let refused = send(
            &app,
            &lead,
            Method::POST,
            &path,
            Some(json!({ "role": "dsl", "scope_kind": "trust" })),
        )
        .await;
        assert_eq!(fields_of(refused).await, vec!["scope_kind"], "{backend:?}");
        for (body, field) in [
            (
                json!({ "role": "dsl", "scope_kind": "academy", "academy_id": tenants.academy_a2,
                        "starts_on": "2026-02-01", "ends_on": "2026-01-31" }),
                "ends_on",
            ),
            (
                json!({ "role": "dsl", "scope_kind": "academy" }),
                "academy_id",
            ),
            (
                json!({ "role": "caretaker", "scope_kind": "academy" }),
                "role",
            ),
            (
                json!({ "role": "dsl", "scope_kind": "academy",
                        "academy_id": tenants.academy_a2, "until": "2026-07-31" }),
                "until",
            ),
        ] {
            let refused = send(&app, &lead, Method::POST, &path, Some(body.clone())).await;
            assert_eq!(fields_of(refused).await, vec![field], "{backend:?}: {body}");
        }
        let listed: Value = get(&app, &lead, &path).await.json().await.unwrap();
        assert_eq!(
            listed.as_array().unwrap().len(),
            1,
            "only the fixture's role"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_duplicate_email_in_any_case_is_422_naming_email() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        // The fixture invited Dev Brook as dev.brook@example.org.
        let refused = send(
            &app,
            &lead,
            Method::POST,
            "/api/v1/people",
            Some(json!({ "display_name": "Dev Again", "email": "Dev.Brook@EXAMPLE.org" })),
        )
        .await;
        assert_eq!(fields_of(refused).await, vec!["email"], "{backend:?}");
        let refused = send(
            &app,
            &lead,
            Method::POST,
            "/api/v1/academies",
            Some(
                json!({ "name": "Brook Again", "urn": "100001", "phase": "primary",
                         "local_authority": "Telford and Wrekin" }),
            ),
        )
        .await;
        assert_eq!(fields_of(refused).await, vec!["urn"], "{backend:?}");
        // Another trust is another namespace: trust B may invite the same address.
        let lead_b = lead_b(&app, &tenants).await;
        let invited = send(
            &app,
            &lead_b,
            Method::POST,
            "/api/v1/people",
            Some(json!({ "display_name": "Dev Brook", "email": "dev.brook@example.org" })),
        )
        .await;
        assert_eq!(invited.status(), 201, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn deactivating_a_person_ends_their_live_session() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a2).await;
        assert_eq!(get(&app, &dsl, "/api/v1/me").await.status(), 200);
        let path = format!("/api/v1/people/{}/deactivate", tenants.dsl_a2);
        let done = send(&app, &lead, Method::POST, &path, None).await;
        assert_eq!(done.status(), 204, "{backend:?}");
        assert_eq!(
            get(&app, &dsl, "/api/v1/me").await.status(),
            401,
            "{backend:?}"
        );
        let open = e::sign_in_session::Entity::find()
            .filter(e::sign_in_session::Column::PersonId.eq(tenants.dsl_a2))
            .filter(e::sign_in_session::Column::EndedAt.is_null())
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert!(open.is_empty(), "{backend:?}: a session stayed open");
        let people: Value = get(&app, &lead, "/api/v1/people")
            .await
            .json()
            .await
            .unwrap();
        let dana = people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == tenants.dsl_a2.to_string())
            .unwrap();
        assert_eq!(dana["active"], false);
        app.stop().await;
    }
}

#[tokio::test]
async fn each_change_leaves_an_audit_entry_on_an_intact_chain() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let created = |response: reqwest::Response| async move {
            assert!(response.status().is_success(), "{}", response.status());
            let body: Value = response.json().await.unwrap();
            body["id"].as_str().unwrap().parse::<Uuid>().unwrap()
        };
        let region = created(
            send(
                &app,
                &lead,
                Method::POST,
                "/api/v1/regions",
                Some(json!({ "name": "South" })),
            )
            .await,
        )
        .await;
        let academy = created(
            send(
                &app,
                &lead,
                Method::POST,
                "/api/v1/academies",
                Some(
                    json!({ "name": "Vale Primary", "urn": "100003", "phase": "primary",
                             "local_authority": "Shropshire" }),
                ),
            )
            .await,
        )
        .await;
        let moved = send(
            &app,
            &lead,
            Method::PATCH,
            &format!("/api/v1/academies/{academy}"),
            Some(json!({ "region_id": region })),
        )
        .await;
        assert_eq!(moved.status(), 200, "{backend:?}");
        let person = created(
            send(
                &app,
                &lead,
                Method::POST,
                "/api/v1/people",
                Some(json!({ "display_name": "Nia New", "email": "nia.new@example.org" })),
            )
            .await,
        )
        .await;
        let role = created(
            send(
                &app,
                &lead,
                Method::POST,
                &format!("/api/v1/people/{person}/roles"),
                Some(dsl_at(academy)),
            )
            .await,
        )
        .await;
        let ended = send(
            &app,
            &lead,
            Method::POST,
            &format!("/api/v1/roles/{role}/end"),
            Some(json!({ "ends_on": "2026-07-31" })),
        )
        .await;
        assert_eq!(ended.status(), 200, "{backend:?}");
        let ended: Value = ended.json().await.unwrap();
        assert_eq!(ended["ends_on"], "2026-07-31");
        let deactivated = send(
            &app,
            &lead,
            Method::POST,
            &format!("/api/v1/people/{person}/deactivate"),
            None,
        )
        .await;
        assert_eq!(deactivated.status(), 204, "{backend:?}");

        let audit = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::TrustId.eq(tenants.trust_a))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        for (action, entity, id) in [
            ("create", "region", region),
            ("create", "academy", academy),
            ("update", "academy", academy),
            ("create", "person", person),
            ("create", "role_assignment", role),
            ("end", "role_assignment", role),
            ("deactivate", "person", person),
        ] {
            let entry = audit
                .iter()
                .find(|row| {
                    row.action == action && row.entity == entity && row.entity_id == Some(id)
                })
                .unwrap_or_else(|| panic!("{backend:?}: no {action} of {entity}"));
            assert_eq!(entry.actor_id, Some(tenants.lead_a));
        }
        haven_store::audit::verify(&app.test_db.db, tenants.trust_a)
            .await
            .unwrap();
        app.stop().await;
    }
}
