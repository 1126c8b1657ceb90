//! Actions: the session's parties add them, their owner or the supervisor completes them or
//! carries them forward to a later session of the same agreement; their text is content, so
//! heads see counts only, and nobody outside the trust or the academy is told they exist.

use chrono::{DateTime, Duration, Utc};
use haven_entity as e;
use haven_store::{Origin, SystemActor};
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Browser, Tenants, TestApp, at, backends, call};

struct World {
    app: TestApp,
    tenants: Tenants,
    supervisor: Browser,
    supervisee: Browser,
    head: Browser,
    other_academy: Browser,
    other_trust: Browser,
}

async fn world(app: TestApp) -> World {
    let db = &app.test_db.db;
    let tenants = Tenants::create(db).await;
    let mut browsers = Vec::new();
    for person in [
        tenants.rsl_a,
        tenants.dsl_a1,
        tenants.head_a1,
        tenants.dsl_a2,
    ] {
        let scope = tenants.scope_a(db, person).await;
        browsers.push(app.browser(&scope, Duration::minutes(1)).await);
    }
    let scope_b = tenants.scope_b(db, tenants.dsl_b1).await;
    let other_trust = app.browser(&scope_b, Duration::minutes(1)).await;
    let mut browsers = browsers.into_iter();
    World {
        supervisor: browsers.next().unwrap(),
        supervisee: browsers.next().unwrap(),
        head: browsers.next().unwrap(),
        other_academy: browsers.next().unwrap(),
        other_trust,
        app,
        tenants,
    }
}

/// Another session of `session_a1`'s agreement, starting at `starts_at`.
pub async fn sibling_session(app: &TestApp, tenants: &Tenants, starts_at: DateTime<Utc>) -> Uuid {
    let db = &app.test_db.db;
    let system = crate::harness::system_scope(tenants.trust_a, SystemActor::Seed, Origin::Cli);
    let mut tx = db.write(&system, at(2026, 1, 9)).await.unwrap();
    let first = tx
        .find::<e::supervision_session::Entity>(tenants.session_a1)
        .await
        .unwrap();
    let id = tx
        .insert(e::supervision_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            starts_at: Set(starts_at),
            held_marked_at: Set(None),
            status: Set("planned".into()),
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

/// An action of `session_a1`, owned by the supervisee, as the supervisor adds it.
async fn add_action(w: &World, due_on: &str) -> Value {
    let (status, body) = call(
        &w.app,
        Method::POST,
        &format!("/api/v1/sessions/{}/actions", w.tenants.session_a1),
        &w.supervisor,
        Some(json!({
            "description": "Chase the strategy meeting minutes",
            "owner_id": w.tenants.dsl_a1,
            "due_on": due_on,
            "record_id": w.tenants.record_a1,
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn field_of(body: &Value) -> &str {
    body["errors"][0]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn parties_add_actions_and_nobody_else_may() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let action = add_action(&w, "2025-12-15").await;
        assert_eq!(action["status"], "open");
        assert_eq!(action["record_id"], w.tenants.record_a1.to_string());
        let path = format!("/api/v1/sessions/{}/actions", w.tenants.session_a1);
        let body = json!({
            "description": "Book the refresher course",
            "owner_id": w.tenants.rsl_a,
            "due_on": "2026-02-01",
        });
        let (status, _) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisee,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 201, "a supervisee adds an action");
        let (status, _) = call(&w.app, Method::POST, &path, &w.head, Some(body.clone())).await;
        assert_eq!(status, 403, "a head who sees the academy is refused");
        let (status, _) = call(
            &w.app,
            Method::POST,
            &path,
            &w.other_academy,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            status, 404,
            "another academy is not told the session exists"
        );
        let (status, _) = call(&w.app, Method::POST, &path, &w.other_trust, Some(body)).await;
        assert_eq!(status, 404, "another trust is not told the session exists");
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_action_is_not_due_before_its_session_and_its_owner_is_a_party() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let path = format!("/api/v1/sessions/{}/actions", w.tenants.session_a1);
        let (status, body) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisor,
            Some(json!({
                "description": "Too early",
                "owner_id": w.tenants.dsl_a1,
                "due_on": "2025-11-30",
            })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "due_on");
        assert_eq!(
            body["errors"][0]["reason"],
            "an action cannot be due before its session"
        );
        let (status, body) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisor,
            Some(json!({
                "description": "For the head",
                "owner_id": w.tenants.head_a1,
                "due_on": "2025-12-15",
            })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "owner_id");
        let (status, body) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisor,
            Some(json!({
                "description": "Another session's record",
                "owner_id": w.tenants.dsl_a1,
                "due_on": "2025-12-15",
                "record_id": w.tenants.record_b1,
            })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "record_id");
        w.app.stop().await;
    }
}

#[tokio::test]
async fn the_owner_marks_an_action_done_once_at_the_version_read() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let action = add_action(&w, "2025-12-15").await;
        let path = format!("/api/v1/actions/{}/done", action["id"].as_str().unwrap());
        let version = json!({ "row_version": action["row_version"] });
        for (who, expected) in [
            (&w.head, 403),
            (&w.other_academy, 404),
            (&w.other_trust, 404),
        ] {
            let (status, _) = call(&w.app, Method::POST, &path, who, Some(version.clone())).await;
            assert_eq!(status, expected);
        }
        let (status, _) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisee,
            Some(json!({ "row_version": 99 })),
        )
        .await;
        assert_eq!(status, 409, "a stale version conflicts");
        let (status, done) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisee,
            Some(version.clone()),
        )
        .await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["status"], "done");
        assert_eq!(done["completed_on"], "2026-01-12");
        let (status, body) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisor,
            Some(json!({ "row_version": done["row_version"] })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "status");
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_action_done_last_week_is_entered_with_the_day_it_was_done() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let action = add_action(&w, "2025-12-15").await;
        let path = format!("/api/v1/actions/{}/done", action["id"].as_str().unwrap());
        let done_on =
            |day: &str| Some(json!({ "row_version": action["row_version"], "done_on": day }));
        // Not tomorrow, not before its session (1 December 2025), and a date.
        for day in ["2026-01-13", "2025-11-30", "last week"] {
            let (status, body) =
                call(&w.app, Method::POST, &path, &w.supervisee, done_on(day)).await;
            assert_eq!(status, 422, "{backend:?}: {day}");
            assert_eq!(field_of(&body), "done_on", "{backend:?}: {day}");
        }
        let lead_b = crate::harness::lead_b(&w.app, &w.tenants).await;
        for outsider in [&lead_b, &w.other_academy] {
            let (status, _) =
                call(&w.app, Method::POST, &path, outsider, done_on("2026-01-09")).await;
            assert_eq!(status, 404, "{backend:?}");
        }
        let (status, done) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisee,
            done_on("2026-01-09"),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {done}");
        assert_eq!(done["completed_on"], "2026-01-09", "{backend:?}");
        assert!(
            done["completed_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-01-12T10:00:00"),
            "{backend:?}: it keeps when it was entered"
        );
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_action_is_carried_forward_only_to_a_later_session_of_its_agreement() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let earlier = sibling_session(&w.app, &w.tenants, at(2025, 11, 3)).await;
        let later = sibling_session(&w.app, &w.tenants, at(2026, 1, 19)).await;
        let action = add_action(&w, "2025-12-15").await;
        let id = action["id"].as_str().unwrap();
        let path = format!("/api/v1/actions/{id}/carry-forward");
        for (to, why) in [
            (earlier, "an earlier session"),
            (w.tenants.session_a2, "another agreement's session"),
        ] {
            let (status, body) = call(
                &w.app,
                Method::POST,
                &path,
                &w.supervisor,
                Some(json!({ "to_session_id": to })),
            )
            .await;
            assert_eq!(status, 422, "{why}: {body}");
            assert_eq!(field_of(&body), "to_session_id", "{why}");
        }
        let (status, body) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisor,
            Some(json!({ "to_session_id": later, "due_on": "2026-01-18" })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "due_on");
        let to_later = json!({ "to_session_id": later });
        for (who, expected) in [
            (&w.head, 403),
            (&w.other_academy, 404),
            (&w.other_trust, 404),
        ] {
            let (status, _) = call(&w.app, Method::POST, &path, who, Some(to_later.clone())).await;
            assert_eq!(status, expected);
        }
        let (status, carried) = call(
            &w.app,
            Method::POST,
            &path,
            &w.supervisor,
            Some(to_later.clone()),
        )
        .await;
        assert_eq!(status, 201, "{carried}");
        assert_eq!(carried["carried_from_id"], id);
        assert_eq!(carried["session_id"], later.to_string());
        assert_eq!(carried["status"], "open");
        assert_eq!(
            carried["due_on"], "2026-01-19",
            "not due before its new session"
        );
        let (_, listed) = call(
            &w.app,
            Method::GET,
            &format!("/api/v1/sessions/{}/actions", w.tenants.session_a1),
            &w.supervisee,
            None,
        )
        .await;
        assert_eq!(listed["actions"][0]["status"], "carried_forward");
        let (status, body) = call(&w.app, Method::POST, &path, &w.supervisor, Some(to_later)).await;
        assert_eq!(status, 422, "carried once only");
        assert_eq!(field_of(&body), "status");
        w.app.stop().await;
    }
}

#[tokio::test]
async fn parties_read_a_sessions_actions_heads_their_counts_and_outsiders_nothing() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        add_action(&w, "2025-12-15").await;
        let path = format!("/api/v1/sessions/{}/actions", w.tenants.session_a1);
        let (status, body) = call(&w.app, Method::GET, &path, &w.supervisee, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["view"], "content");
        assert_eq!(
            body["actions"][0]["description"],
            "Chase the strategy meeting minutes"
        );
        let (status, body) = call(&w.app, Method::GET, &path, &w.head, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({ "view": "figures", "open": 1, "overdue": 1, "done": 0, "carried_forward": 0 })
        );
        for who in [&w.other_academy, &w.other_trust] {
            let (status, body) = call(&w.app, Method::GET, &path, who, None).await;
            assert_eq!(status, 404, "{body}");
        }
        w.app.stop().await;
    }
}

#[tokio::test]
async fn a_person_lists_their_own_overdue_actions() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let overdue = add_action(&w, "2025-12-15").await;
        add_action(&w, "2026-03-01").await;
        let path = "/api/v1/actions?owner=me&status=open&overdue=true";
        let (status, body) = call(&w.app, Method::GET, path, &w.supervisee, None).await;
        assert_eq!(status, 200);
        let ids: Vec<&Value> = body.as_array().unwrap().iter().map(|a| &a["id"]).collect();
        assert_eq!(
            ids,
            vec![&overdue["id"]],
            "only the open one due before today"
        );
        let (_, all) = call(
            &w.app,
            Method::GET,
            "/api/v1/actions?owner=me",
            &w.supervisee,
            None,
        )
        .await;
        assert_eq!(all.as_array().unwrap().len(), 2);
        for who in [&w.supervisor, &w.head, &w.other_academy, &w.other_trust] {
            let (status, body) = call(&w.app, Method::GET, path, who, None).await;
            assert_eq!(status, 200);
            assert_eq!(body, json!([]), "another owner's actions are not theirs");
        }
        let (status, body) = call(
            &w.app,
            Method::GET,
            "/api/v1/actions?owner=someone",
            &w.supervisee,
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(field_of(&body), "owner");
        w.app.stop().await;
    }
}
