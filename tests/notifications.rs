//! Notifications from the API's side: a booking, move or cancellation queues each party's
//! calendar invite in the same transaction (nothing for a refused or stale change), an
//! escalation queues its assignee's notice; each person sets their own email preferences (the
//! mandatory reminders stay on); the trust lead watches delivery per person and sets the
//! trust's sender. Nobody outside the trust sees or changes any of it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use haven_entity as e;
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{
    Browser, Tenants, TestApp, backends, browser_a, browser_b, call, fields_of, lead_b, now, send,
    with_term_dates,
};

/// The fixture's agreement at academy A1: Rhys Regional supervising Dev Brook.
async fn agreement_a1(app: &TestApp, tenants: &Tenants) -> Uuid {
    e::agreement::Entity::find()
        .filter(e::agreement::Column::AcademyId.eq(tenants.academy_a1))
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The outbox rows of `rule`, oldest first.
async fn outbox(app: &TestApp, rule: &str) -> Vec<e::notification_outbox::Model> {
    e::notification_outbox::Entity::find()
        .filter(e::notification_outbox::Column::Rule.eq(rule))
        .order_by_asc(e::notification_outbox::Column::QueuedAt)
        .order_by_asc(e::notification_outbox::Column::Id)
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

async fn invites(app: &TestApp) -> Vec<e::notification_outbox::Model> {
    outbox(app, "session_invite").await
}

/// The invites of `session` at `sequence`, by recipient.
fn at_sequence(
    rows: &[e::notification_outbox::Model],
    session: &str,
    sequence: i64,
) -> Vec<(Uuid, Value)> {
    let mut found: Vec<(Uuid, Value)> = rows
        .iter()
        .filter(|row| row.subject_id.to_string() == session)
        .map(|row| (row.recipient_id, row.payload.clone().unwrap()))
        .filter(|(_, payload)| payload["sequence"] == sequence)
        .collect();
    found.sort_by_key(|(recipient, _)| *recipient);
    found
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

#[tokio::test]
async fn booking_moving_and_cancelling_a_session_queue_an_invite_to_each_party() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        let agreement = agreement_a1(&app, &tenants).await;
        let sessions = format!("/api/v1/agreements/{agreement}/sessions");
        let booking = |at: &str| json!({ "kind": "formal", "starts_at": at, "duration": 60, "mode": "video" });

        let saturday = send(
            &app,
            &supervisor,
            Method::POST,
            &sessions,
            Some(booking("2026-01-17T10:00:00Z")),
        )
        .await;
        assert_eq!(fields_of(saturday).await, ["starts_at"], "{backend:?}");
        assert!(
            invites(&app).await.is_empty(),
            "{backend:?}: a refused booking queued an invite"
        );

        let (status, session) = call(
            &app,
            Method::POST,
            &sessions,
            &supervisor,
            Some(booking("2026-01-14T10:00:00Z")),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {session}");
        let id = session["id"].as_str().unwrap().to_owned();
        let parties = sorted(vec![tenants.rsl_a, tenants.dsl_a1]);
        let rows = invites(&app).await;
        assert_eq!(rows.len(), 2, "{backend:?}");
        let booked = at_sequence(&rows, &id, 0);
        assert_eq!(
            booked.iter().map(|(who, _)| *who).collect::<Vec<_>>(),
            parties
        );
        for row in &rows {
            assert_eq!(row.status, "queued");
            assert_eq!(row.subject_kind, "session");
            assert_eq!(row.attempts, 0);
            assert_eq!(row.due_on, NaiveDate::from_ymd_opt(2026, 1, 12).unwrap());
            assert_eq!(row.next_attempt_at, Some(now()));
            assert_eq!(
                row.idempotency_key,
                format!("session_invite:{id}:0:{}", row.recipient_id)
            );
        }
        let (_, invite) = &booked[0];
        assert_eq!(invite["method"], "REQUEST", "{backend:?}");
        assert_eq!(
            invite["starts_at"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            "2026-01-14T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(invite["duration_minutes"], 60);
        assert_eq!(invite["session_kind"], "formal");
        assert_eq!(invite["mode"], "video");
        assert_eq!(invite["academy"], "Brook Primary");
        assert_eq!(invite["supervisor"]["name"], "Rhys Regional");
        assert_eq!(invite["supervisor"]["email"], "rhys.regional@example.org");
        assert_eq!(
            invite["supervisees"],
            json!([{ "name": "Dev Brook", "email": "dev.brook@example.org" }])
        );

        let moves = format!("/api/v1/sessions/{id}/move");
        let (status, moved) = call(
            &app,
            Method::POST,
            &moves,
            &supervisor,
            Some(json!({ "starts_at": "2026-01-15T11:00:00Z", "row_version": 1 })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {moved}");
        let stale = send(
            &app,
            &supervisor,
            Method::POST,
            &moves,
            Some(json!({ "starts_at": "2026-01-16T10:00:00Z", "row_version": 1 })),
        )
        .await;
        assert_eq!(stale.status(), 409, "{backend:?}");
        let rows = invites(&app).await;
        assert_eq!(rows.len(), 4, "{backend:?}: a stale move queued invites");
        let moved = at_sequence(&rows, &id, 1);
        assert_eq!(moved.len(), 2, "{backend:?}");
        for (_, invite) in &moved {
            assert_eq!(invite["method"], "REQUEST");
            assert_eq!(
                invite["starts_at"]
                    .as_str()
                    .unwrap()
                    .parse::<DateTime<Utc>>()
                    .unwrap(),
                "2026-01-15T11:00:00Z".parse::<DateTime<Utc>>().unwrap()
            );
        }

        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, cancelled) = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{id}/cancel"),
            &supervisee,
            Some(json!({ "reason": "Ofsted visit", "row_version": 2 })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {cancelled}");
        let rows = invites(&app).await;
        let cancels = at_sequence(&rows, &id, 2);
        assert_eq!(
            cancels.iter().map(|(who, _)| *who).collect::<Vec<_>>(),
            parties,
            "{backend:?}"
        );
        assert!(
            cancels
                .iter()
                .all(|(_, invite)| invite["method"] == "CANCEL")
        );
        assert_eq!(rows.len(), 6, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_external_supervisors_booking_queues_the_invites_too() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let external = crate::external_supervisor::external_supervisor(&app, &tenants).await;
        let agreement =
            crate::external_supervisor::external_agreement(&app, &tenants, external).await;
        let supervisor = browser_a(&app, &tenants, external).await;
        let (status, session) = call(
            &app,
            Method::POST,
            &format!(
                "/api/v1/agreements/{}/sessions",
                agreement["id"].as_str().unwrap()
            ),
            &supervisor,
            Some(json!({ "kind": "formal", "starts_at": "2026-01-20T14:00:00Z", "duration": 90, "mode": "in_person" })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {session}");
        let rows = invites(&app).await;
        let queued = at_sequence(&rows, session["id"].as_str().unwrap(), 0);
        assert_eq!(
            queued.iter().map(|(who, _)| *who).collect::<Vec<_>>(),
            sorted(vec![external, tenants.dsl_a1]),
            "{backend:?}"
        );
        assert_eq!(queued[0].1["supervisor"]["name"], "Esme External");
        assert_eq!(queued[0].1["duration_minutes"], 90);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_escalation_without_an_assignee_goes_to_the_role_or_the_trust_lead_who_is_told() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let governor = crate::escalations::holder(
            &app,
            &tenants,
            "Gail Governor",
            "safeguarding_governor",
            Some(tenants.academy_a1),
        )
        .await;
        let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;
        // Nobody named and no director in the trust: it goes to the trust safeguarding lead,
        // who is told at once.
        let (status, routed) = call(
            &app,
            Method::POST,
            "/api/v1/escalations",
            &supervisee,
            Some(json!({
                "record_id": tenants.record_a1,
                "escalated_to": "director_of_education",
                "reason": "We disagree on the threshold",
            })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {routed}");
        assert_eq!(routed["assignee_id"], tenants.lead_a.to_string());
        let notices = outbox(&app, "escalation_assigned").await;
        assert_eq!(notices.len(), 1, "{backend:?}");
        assert_eq!(notices[0].recipient_id, tenants.lead_a);
        // Nobody named but a governor holds the role: it goes to them.
        let (status, to_governor) = call(
            &app,
            Method::POST,
            "/api/v1/escalations",
            &supervisee,
            Some(json!({
                "record_id": tenants.record_a1,
                "escalated_to": "safeguarding_governor",
                "reason": "We disagree on the threshold",
            })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {to_governor}");
        assert_eq!(to_governor["assignee_id"], governor.to_string());
        let routed_ids = [
            routed["id"].as_str().unwrap().to_owned(),
            to_governor["id"].as_str().unwrap().to_owned(),
        ];
        let (status, escalation) = call(
            &app,
            Method::POST,
            "/api/v1/escalations",
            &supervisee,
            Some(json!({
                "record_id": tenants.record_a1,
                "escalated_to": "safeguarding_governor",
                "assignee_id": governor,
                "reason": "We disagree on the threshold",
            })),
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {escalation}");
        let id = escalation["id"].as_str().unwrap();
        let rows = outbox(&app, "escalation_assigned").await;
        assert_eq!(rows.len(), 3, "{backend:?}: one notice each");
        let notice = rows
            .iter()
            .find(|row| row.subject_id.to_string() == id)
            .unwrap();
        assert!(
            rows.iter()
                .filter(|row| routed_ids.contains(&row.subject_id.to_string()))
                .count()
                == 2
        );
        assert_eq!(notice.recipient_id, governor);
        assert_eq!(notice.subject_kind, "escalation");
        assert_eq!(notice.subject_id.to_string(), id);
        assert_eq!(notice.status, "queued");
        assert_eq!(notice.payload, None);
        assert_eq!(
            notice.idempotency_key,
            format!("escalation_assigned:{id}:{governor}")
        );
        app.stop().await;
    }
}

async fn person_row(app: &TestApp, id: Uuid) -> e::person::Model {
    e::person::Entity::find_by_id(id)
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_person_sets_their_own_email_preferences_and_mandatory_reminders_stay_on() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, mine) = call(&app, Method::GET, "/api/v1/me/notifications", &dsl, None).await;
        assert_eq!(status, 200, "{backend:?}: {mine}");
        assert_eq!(mine["preference"], "immediate");
        assert_eq!(mine["optional_reminders"], true);
        let reminders = mine["reminders"].as_array().unwrap();
        assert_eq!(reminders.len(), 17);
        let mandatory =
            |rule: &str| reminders.iter().find(|r| r["rule"] == rule).unwrap()["mandatory"].clone();
        assert_eq!(mandatory("supervision_overdue"), true);
        assert_eq!(mandatory("session_tomorrow"), false);

        for (body, field) in [
            (
                json!({ "preference": "weekly", "optional_reminders": true }),
                "preference",
            ),
            (
                json!({ "preference": "digest", "optional_reminders": "no" }),
                "optional_reminders",
            ),
            (json!({ "optional_reminders": false }), "preference"),
            (
                json!({ "preference": "digest", "optional_reminders": false, "person_id": tenants.lead_a }),
                "person_id",
            ),
        ] {
            let refused = send(
                &app,
                &dsl,
                Method::PUT,
                "/api/v1/me/notifications",
                Some(body),
            )
            .await;
            assert_eq!(fields_of(refused).await, [field], "{backend:?}");
        }
        let (status, set) = call(
            &app,
            Method::PUT,
            "/api/v1/me/notifications",
            &dsl,
            Some(json!({ "preference": "digest", "optional_reminders": false })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {set}");
        assert_eq!(set["preference"], "digest");
        let row = person_row(&app, tenants.dsl_a1).await;
        assert_eq!(row.notification_preference, "digest");
        assert!(!row.optional_reminders);
        // Nobody else's changed: the API names no person but the caller.
        let lead = person_row(&app, tenants.lead_a).await;
        assert_eq!(lead.notification_preference, "immediate");
        assert!(lead.optional_reminders);
        let audited = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::Action.eq("set_notifications"))
            .filter(e::audit_log::Column::EntityId.eq(tenants.dsl_a1))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1, "{backend:?}");
        app.stop().await;
    }
}

async fn page(app: &TestApp, browser: &Browser, path: &str) -> (u16, String) {
    let response = app
        .request(Method::GET, path, Some(browser))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_settings_page_says_which_reminders_cannot_be_switched_off_and_saves_the_choice() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let (status, html) = page(&app, &dsl, "/settings/notifications").await;
        assert_eq!(status, 200, "{backend:?}: {html}");
        assert!(html.contains("<legend>How would you like your reminders?</legend>"));
        assert!(html.contains("<label for=\"preference-digest\">"));
        assert!(
            html.contains("cannot be switched off, because they mean something has been missed")
        );
        let (optional, mandatory) = html.split_once("Reminders that are always sent").unwrap();
        assert!(
            mandatory.contains("<li>Supervision is overdue</li>"),
            "{html}"
        );
        assert!(mandatory.contains("<li>Safeguarding training has expired</li>"));
        assert!(mandatory.contains("Notices of escalations assigned to you"));
        assert!(!mandatory.contains("<li>A session is tomorrow</li>"));
        assert!(optional.contains("<li>A session is tomorrow</li>"));
        assert!(!optional.contains("<li>Supervision is overdue</li>"));

        let post = |csrf: &str| {
            app.request(Method::POST, "/settings/notifications", Some(&dsl))
                .form(&[("csrf_token", csrf), ("preference", "digest")])
        };
        let forged = post("not-the-token").send().await.unwrap();
        assert_eq!(forged.status(), 403, "{backend:?}");
        assert_eq!(
            person_row(&app, tenants.dsl_a1)
                .await
                .notification_preference,
            "immediate"
        );
        let saved = post(&dsl.csrf_token).send().await.unwrap();
        assert_eq!(saved.status(), 303, "{backend:?}");
        let row = person_row(&app, tenants.dsl_a1).await;
        assert_eq!(row.notification_preference, "digest");
        assert!(!row.optional_reminders, "an unticked box switches them off");
        let (_, html) = page(&app, &dsl, "/settings/notifications?saved=1").await;
        assert!(html.contains("Your choices are saved."));
        assert!(html.contains("value=\"digest\" checked"));
        assert_eq!(
            person_row(&app, tenants.lead_a)
                .await
                .notification_preference,
            "immediate"
        );

        let anonymous = app.get("/settings/notifications").await;
        assert_eq!(anonymous.status(), 303);
        app.stop().await;
    }
}

/// An outbox row of trust A to `recipient`, as the notifier leaves one.
async fn delivered(
    app: &TestApp,
    tenants: &Tenants,
    recipient: Uuid,
    status: &str,
    at: DateTime<Utc>,
    error: Option<&str>,
) {
    let sent = (status == "sent").then_some(at);
    e::notification_outbox::Entity::insert(e::notification_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tenants.trust_a),
        idempotency_key: Set(format!("test:{}", Uuid::now_v7())),
        rule: Set("session_tomorrow".into()),
        subject_kind: Set("session".into()),
        subject_id: Set(tenants.session_a1),
        due_on: Set(at.date_naive()),
        recipient_id: Set(recipient),
        status: Set(status.into()),
        attempts: Set(1),
        last_error: Set(error.map(str::to_owned)),
        smtp_response: Set(sent.map(|_| "250 2.0.0 Ok: queued".to_owned())),
        message_id: Set(sent.map(|_| format!("<{}@haven>", Uuid::now_v7()))),
        queued_at: Set(at - Duration::minutes(5)),
        sent_at: Set(sent),
        next_attempt_at: Set(None),
        payload: Set(None),
        digest_key: Set(None),
        sending_at: Set(Some(at)),
        delivered_to: Set(sent.map(|_| "someone@example.org".to_owned())),
    })
    .exec(&app.test_db.owner)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_trust_lead_sees_delivery_per_person_with_failures_and_bounces_first() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let day = |d: u32| crate::harness::at(2026, 1, d);
        // Dev's address went, then bounced; Rhys's last message failed for good; Lena's went.
        delivered(&app, &tenants, tenants.dsl_a1, "sent", day(6), None).await;
        delivered(
            &app,
            &tenants,
            tenants.dsl_a1,
            "bounced",
            day(8),
            Some("550 5.1.1 no such user"),
        )
        .await;
        delivered(&app, &tenants, tenants.rsl_a, "sent", day(6), None).await;
        delivered(
            &app,
            &tenants,
            tenants.rsl_a,
            "failed",
            day(7),
            Some("554 5.7.1 rejected as spam"),
        )
        .await;
        delivered(&app, &tenants, tenants.lead_a, "sent", day(9), None).await;

        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let (status, body) = call(
            &app,
            Method::GET,
            "/api/v1/notifications/deliveries",
            &lead,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        let people = body["people"].as_array().unwrap();
        let order: Vec<&str> = people.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(
            order,
            ["Dev Brook", "Rhys Regional", "Lena Lead"],
            "{backend:?}"
        );
        let dev = &people[0];
        assert_eq!(dev["bounced"], true);
        assert_eq!(dev["email"], "dev.brook@example.org");
        assert_eq!(dev["counts"]["sent"], 1);
        assert_eq!(dev["counts"]["bounced"], 1);
        assert_eq!(dev["messages"][0]["last_error"], "550 5.1.1 no such user");
        let rhys = &people[1];
        assert_eq!(rhys["bounced"], false);
        assert_eq!(rhys["counts"]["failed"], 1);
        assert_eq!(rhys["messages"][0]["status"], "failed");
        assert_eq!(
            rhys["messages"][0]["last_error"],
            "554 5.7.1 rejected as spam"
        );
        assert_eq!(rhys["messages"][1]["smtp_response"], "250 2.0.0 Ok: queued");
        assert!(rhys["last_sent_at"].is_string());

        let (_, failed) = call(
            &app,
            Method::GET,
            "/api/v1/notifications/deliveries?status=failed",
            &lead,
            None,
        )
        .await;
        let failed = failed["people"].as_array().unwrap();
        assert_eq!(failed.len(), 1, "{backend:?}");
        assert_eq!(failed[0]["name"], "Rhys Regional");
        assert_eq!(failed[0]["messages"].as_array().unwrap().len(), 1);
        let (_, one) = call(
            &app,
            Method::GET,
            &format!("/api/v1/notifications/deliveries?person={}", tenants.lead_a),
            &lead,
            None,
        )
        .await;
        assert_eq!(one["people"].as_array().unwrap().len(), 1);
        let bad = send(
            &app,
            &lead,
            Method::GET,
            "/api/v1/notifications/deliveries?status=lost",
            None,
        )
        .await;
        assert_eq!(fields_of(bad).await, ["status"]);

        let (status, html) = page(&app, &lead, "/notifications/deliveries").await;
        assert_eq!(status, 200, "{backend:?}");
        let bounced = html.find("Address bounced").unwrap();
        let spam = html.find("554 5.7.1 rejected as spam").unwrap();
        let fine = html.find("Lena Lead").unwrap();
        assert!(bounced < spam && spam < fine, "{backend:?}: {html}");

        let auditor = browser_a(&app, &tenants, tenants.auditor_a).await;
        let (status, _) = call(
            &app,
            Method::GET,
            "/api/v1/notifications/deliveries",
            &auditor,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}: auditors read delivery");
        for refused in [tenants.dsl_a1, tenants.head_a1, tenants.dsl_a2] {
            let who = browser_a(&app, &tenants, refused).await;
            let (status, body) = call(
                &app,
                Method::GET,
                "/api/v1/notifications/deliveries",
                &who,
                None,
            )
            .await;
            assert_eq!(status, 403, "{backend:?}: {body}");
            let (status, html) = page(&app, &who, "/notifications/deliveries").await;
            assert_eq!(status, 403, "{backend:?}");
            assert!(!html.contains("dev.brook@example.org"));
        }
        let other_lead = lead_b(&app, &tenants).await;
        let (status, body) = call(
            &app,
            Method::GET,
            "/api/v1/notifications/deliveries",
            &other_lead,
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(
            body["people"],
            json!([]),
            "{backend:?}: trust A's deliveries leaked"
        );
        let other_dsl = browser_b(&app, &tenants, tenants.dsl_b1).await;
        let (status, _) = call(
            &app,
            Method::GET,
            "/api/v1/notifications/deliveries",
            &other_dsl,
            None,
        )
        .await;
        assert_eq!(status, 403, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn only_the_trust_lead_sets_the_trusts_email_sender() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let path = "/api/v1/trust/email-settings";
        let (status, empty) = call(&app, Method::GET, path, &lead, None).await;
        assert_eq!(status, 200, "{backend:?}: {empty}");
        assert_eq!(empty["sender_address"], Value::Null);
        let good = json!({
            "sender_name": "Riverside Safeguarding",
            "sender_address": "safeguarding@riverside.org.uk",
            "reply_to": "dsl-team@riverside.org.uk",
            "brand_colour": "#0B5CAD",
        });
        for (field, bad) in [
            ("sender_address", json!("not an address")),
            (
                "sender_address",
                json!("Riverside <safeguarding@riverside.org.uk>"),
            ),
            ("reply_to", json!("dsl-team@")),
            ("brand_colour", json!("blue")),
            ("brand_colour", json!("#12345g")),
        ] {
            let mut body = good.clone();
            body[field] = bad;
            let refused = send(&app, &lead, Method::PUT, path, Some(body)).await;
            assert_eq!(fields_of(refused).await, [field], "{backend:?}");
        }
        let (status, stored) = call(&app, Method::PUT, path, &lead, Some(good.clone())).await;
        assert_eq!(status, 200, "{backend:?}: {stored}");
        assert_eq!(stored["brand_colour"], "#0b5cad");
        let (_, read) = call(&app, Method::GET, path, &lead, None).await;
        assert_eq!(read["sender_address"], "safeguarding@riverside.org.uk");
        assert_eq!(read["reply_to"], "dsl-team@riverside.org.uk");
        let mut renamed = good.clone();
        renamed["sender_name"] = json!("Riverside DSL team");
        let (status, _) = call(&app, Method::PUT, path, &lead, Some(renamed)).await;
        assert_eq!(status, 200, "{backend:?}: the second save updates the row");
        let row = e::trust_email::Entity::find_by_id(tenants.trust_a)
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.sender_name.as_deref(), Some("Riverside DSL team"));

        for refused in [tenants.dsl_a1, tenants.head_a1, tenants.auditor_a] {
            let who = browser_a(&app, &tenants, refused).await;
            assert_eq!(call(&app, Method::GET, path, &who, None).await.0, 403);
            assert_eq!(
                call(&app, Method::PUT, path, &who, Some(good.clone()))
                    .await
                    .0,
                403
            );
        }
        let other_lead = lead_b(&app, &tenants).await;
        let (status, theirs) = call(&app, Method::GET, path, &other_lead, None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(
            theirs["sender_address"],
            Value::Null,
            "{backend:?}: trust A's sender leaked"
        );
        let (status, _) = call(
            &app,
            Method::PUT,
            path,
            &other_lead,
            Some(json!({ "sender_address": "alerts@moorland.org.uk" })),
        )
        .await;
        assert_eq!(status, 200, "{backend:?}");
        let row = e::trust_email::Entity::find_by_id(tenants.trust_a)
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.sender_address.as_deref(),
            Some("safeguarding@riverside.org.uk"),
            "{backend:?}: another trust's lead changed trust A's sender"
        );
        let audited = e::audit_log::Entity::find()
            .filter(e::audit_log::Column::TrustId.eq(tenants.trust_a))
            .filter(e::audit_log::Column::Entity.eq("trust_email"))
            .all(&app.test_db.owner)
            .await
            .unwrap();
        assert_eq!(audited.len(), 2, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_failure_is_never_hidden_behind_newer_messages_and_older_ones_are_a_page_away() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        // One failure first, then 25 messages that went, each a minute newer.
        let start = crate::harness::at(2026, 1, 5);
        delivered(
            &app,
            &tenants,
            tenants.dsl_a1,
            "failed",
            start,
            Some("554 5.7.1 rejected as spam"),
        )
        .await;
        for minute in 1..=25 {
            let at = start + Duration::minutes(minute);
            delivered(&app, &tenants, tenants.dsl_a1, "sent", at, None).await;
        }
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let path = format!("/api/v1/notifications/deliveries?person={}", tenants.dsl_a1);
        let (status, first) = call(&app, Method::GET, &path, &lead, None).await;
        assert_eq!(status, 200, "{backend:?}: {first}");
        let dev = &first["people"][0];
        assert_eq!(dev["messages"].as_array().unwrap().len(), 20);
        assert_eq!(dev["messages"][0]["status"], "failed", "the failure first");
        assert_eq!(dev["more"], true);
        let (_, second) = call(&app, Method::GET, &format!("{path}&page=2"), &lead, None).await;
        let dev = &second["people"][0];
        assert_eq!(dev["messages"].as_array().unwrap().len(), 6, "{second}");
        assert_eq!(dev["more"], false);
        let refused = send(&app, &lead, Method::GET, &format!("{path}&page=0"), None).await;
        assert_eq!(crate::harness::fields_of(refused).await, vec!["page"]);

        let page = send(&app, &lead, Method::GET, "/notifications/deliveries", None).await;
        let html = page.text().await.unwrap();
        assert!(html.contains("Older messages to Dev Brook"), "{html}");

        // Another trust's lead sees none of it; another academy's DSL may not look.
        let (_, other) = call(
            &app,
            Method::GET,
            &path,
            &lead_b(&app, &tenants).await,
            None,
        )
        .await;
        assert_eq!(other["people"], serde_json::json!([]), "{backend:?}");
        let dsl = browser_a(&app, &tenants, tenants.dsl_a2).await;
        assert_eq!(call(&app, Method::GET, &path, &dsl, None).await.0, 403);
        app.stop().await;
    }
}
