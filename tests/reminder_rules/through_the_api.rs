//! One supervision walked through the JSON API on a moving clock, so the rows the scan reads are
//! the ones the API writes, and how each person takes their reminders (digest or one by one).

use super::*;

#[tokio::test]
async fn what_people_do_through_the_api_ends_each_reminder_from_the_next_day_on() {
    for backend in backends() {
        let clock = TestClock::starting_at(at(2026, 1, 12));
        let app = TestApp::spawn_with_clock(backend, clock.clone(), |_| {}).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let api = Api {
            app,
            clock,
            tenants,
            backend,
        };
        let t = &api.tenants;
        let (rsl, dana, lead) = (t.rsl_a, t.dsl_a2, t.lead_a);
        let agreement = e::supervision_session::Entity::find_by_id(t.session_a2)
            .one(&api.app.test_db.owner)
            .await
            .unwrap()
            .unwrap()
            .agreement_id;
        // 12 January: three sessions booked; Dana's DSL training recorded, and Dev's.
        let sessions = format!("/api/v1/agreements/{agreement}/sessions");
        let mut booked = Vec::new();
        for starts_at in [
            "2026-02-09T10:00:00Z",
            "2026-02-23T10:00:00Z",
            "2026-02-24T10:00:00Z",
        ] {
            let booking = json!({ "kind": "formal", "starts_at": starts_at, "duration": 60,
                                  "mode": "video" });
            booked.push(
                api.expect(201, rsl, Method::POST, &sessions, Some(booking))
                    .await,
            );
        }
        let [kept, moved_on, dropped] = <[serde_json::Value; 3]>::try_from(booked).unwrap();
        let mut trained = Vec::new();
        for person in [dana, t.dsl_a1] {
            let course = json!({ "course": "DSL refresher", "kind": "dsl",
                                 "completed_on": "2024-04-30", "expires_on": "2026-04-30" });
            let path = format!("/api/v1/people/{person}/training");
            trained.push(uuid_of(
                &api.expect(201, lead, Method::POST, &path, Some(course))
                    .await,
            ));
        }
        let (danas_training, devs_training) = (trained[0], trained[1]);

        // 1 February, between the 9- and 7-day agenda reminders: Dana sends her agenda and
        // renews her training.
        api.set(date(2026, 2, 1), 10);
        api.expect(
            200,
            dana,
            Method::PUT,
            &format!("/api/v1/sessions/{}/agenda", uuid_of(&kept)),
            Some(json!({ "items": ["Case CP-1"] })),
        )
        .await;
        api.expect(
            201,
            lead,
            Method::POST,
            &format!("/api/v1/people/{dana}/training"),
            Some(json!({ "course": "DSL refresher", "kind": "dsl",
                         "completed_on": "2026-02-01" })),
        )
        .await;

        // 9 February: held, its record written and sent the same day, an action due on 20th.
        api.set(date(2026, 2, 9), 12);
        let kept_id = uuid_of(&kept);
        api.expect(
            200,
            rsl,
            Method::POST,
            &format!("/api/v1/sessions/{kept_id}/held"),
            Some(json!({})),
        )
        .await;
        let draft = api
            .expect(
                201,
                rsl,
                Method::POST,
                &format!("/api/v1/sessions/{kept_id}/record"),
                Some(json!({ "content": {
                    "agenda_items": ["Cases"],
                    "issues_discussed": ["Case CP-1"],
                    "decisions": [{ "decision": "Refer", "reasons": "Threshold met" }],
                    "wellbeing": "Coping",
                    "gibbs": { "description": "Visit", "feelings": "Worried",
                               "evaluation": "Went well", "analysis": "Early help worked",
                               "conclusion": "Escalate sooner", "action_plan": "Refer today" }
                } })),
            )
            .await;
        let sent = api
            .expect(
                200,
                rsl,
                Method::POST,
                &format!("/api/v1/records/{}/send", uuid_of(&draft)),
                None,
            )
            .await;
        let record_id = uuid_of(&sent);
        let action = api
            .expect(
                201,
                rsl,
                Method::POST,
                &format!("/api/v1/sessions/{kept_id}/actions"),
                Some(
                    json!({ "description": "Chase the minutes", "owner_id": dana,
                             "due_on": "2026-02-20" }),
                ),
            )
            .await;

        // Sending signed it for the supervisor; Dana signs three days later.
        api.set(date(2026, 2, 12), 10);
        api.expect(
            200,
            dana,
            Method::POST,
            &format!("/api/v1/records/{record_id}/sign"),
            Some(json!({ "content_hash": sent["content_hash"], "outcome": "signed" })),
        )
        .await;

        // 20 February, the action's due day: done. Both later sessions are called off; the
        // first is re-booked for the 25th and held then.
        api.set(date(2026, 2, 20), 10);
        api.expect(
            200,
            dana,
            Method::POST,
            &format!("/api/v1/actions/{}/done", uuid_of(&action)),
            Some(json!({ "row_version": action["row_version"] })),
        )
        .await;
        for session in [&moved_on, &dropped] {
            api.expect(
                200,
                rsl,
                Method::POST,
                &format!("/api/v1/sessions/{}/cancel", uuid_of(session)),
                Some(
                    json!({ "reason": "Strategy meeting", "row_version": session["row_version"] }),
                ),
            )
            .await;
        }
        let rebooked = api
            .expect(
                201,
                rsl,
                Method::POST,
                &format!("/api/v1/sessions/{}/rebook", uuid_of(&moved_on)),
                Some(json!({ "starts_at": "2026-02-25T10:00:00Z" })),
            )
            .await;
        api.set(date(2026, 2, 25), 12);
        api.expect(
            200,
            rsl,
            Method::POST,
            &format!("/api/v1/sessions/{}/held", uuid_of(&rebooked)),
            Some(json!({})),
        )
        .await;

        scan_around(
            &api.app,
            &[
                date(2026, 1, 31),
                date(2026, 2, 2),
                date(2026, 2, 8),
                date(2026, 2, 10),
                date(2026, 2, 17),
                date(2026, 2, 19),
                date(2026, 2, 21),
                date(2026, 2, 22),
                date(2026, 2, 23),
                date(2026, 2, 24),
                date(2026, 3, 1),
                date(2026, 3, 3),
                date(2026, 3, 4),
                date(2026, 5, 1),
            ],
        )
        .await;

        let none = BTreeSet::new;
        let (moved_id, dropped_id) = (uuid_of(&moved_on), uuid_of(&dropped));
        let action_id = uuid_of(&action);
        let table = [
            expect(
                "the 9-day agenda reminder, before it was sent",
                "agenda_due",
                "session",
                kept_id,
                each(&[date(2026, 1, 31)], &[dana]),
            ),
            expect(
                "announced the day before",
                "session_tomorrow",
                "session",
                kept_id,
                each(&[date(2026, 2, 8)], &[rsl, dana]),
            ),
            expect(
                "marked held",
                "session_unconfirmed",
                "session",
                kept_id,
                none(),
            ),
            expect(
                "its record sent",
                "record_not_sent",
                "session",
                kept_id,
                none(),
            ),
            expect(
                "its record sent in time",
                "record_not_sent_overdue",
                "session",
                kept_id,
                none(),
            ),
            expect(
                "signed by both",
                "record_unsigned",
                "record",
                record_id,
                none(),
            ),
            expect(
                "signed by both in time",
                "record_unsigned_overdue",
                "record",
                record_id,
                none(),
            ),
            expect(
                "the action three days ahead, still open",
                "action_due",
                "action",
                action_id,
                each(&[date(2026, 2, 17)], &[dana]),
            ),
            expect(
                "the action done on its day",
                "action_overdue",
                "action",
                action_id,
                none(),
            ),
            expect(
                "cancelled: not announced",
                "session_tomorrow",
                "session",
                moved_id,
                none(),
            ),
            expect(
                "re-held in five working days",
                "not_reheld",
                "session",
                moved_id,
                none(),
            ),
            expect(
                "not re-held: both parties and the trust lead the day after the fifth working day",
                "not_reheld",
                "session",
                dropped_id,
                each(&[date(2026, 3, 4)], &[rsl, dana, lead]),
            ),
            expect(
                "renewed training",
                "training_expiring",
                "training",
                danas_training,
                none(),
            ),
            expect(
                "renewed training does not expire",
                "training_expired",
                "training",
                danas_training,
                none(),
            ),
            expect(
                "training not renewed, sixty days ahead",
                "training_expiring",
                "training",
                devs_training,
                each(&[date(2026, 3, 1)], &[t.dsl_a1]),
            ),
            expect(
                "training not renewed, the day after",
                "training_expired",
                "training",
                devs_training,
                each(&[date(2026, 5, 1)], &[t.dsl_a1, lead]),
            ),
        ];
        check(&api.app, backend, &table).await;
        api.app.stop().await;
    }
}

/// Sets how `person` takes their email, as their settings would.
async fn choose(db: &DatabaseConnection, person: Uuid, preference: &str, optional_reminders: bool) {
    e::person::ActiveModel {
        id: Set(person),
        notification_preference: Set(preference.into()),
        optional_reminders: Set(optional_reminders),
        ..Default::default()
    }
    .update(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_digest_reader_gets_the_days_reminders_in_one_digest_and_switched_off_ones_are_kept_unsent()
 {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        // Sam reads one email a day; Sia switched off the reminders that may be switched off.
        choose(db, w.sam, "digest", true).await;
        choose(db, w.sia, "immediate", false).await;
        let both = agreement(
            db,
            a1,
            Agreement {
                supervisees: vec![w.sam, w.sia],
                ..Agreement::new(w.supervisor, w.sam)
            },
        )
        .await;
        // On Sunday 1 March every party hears of Monday's session, Sam of his action due on
        // Wednesday, and Sia (mandatory) that her training expired on 28 February.
        let monday = session(db, a1, both, date(2026, 3, 2), Booking::default()).await;
        action(db, a1, monday, w.sam, date(2026, 3, 4), None).await;
        training(
            db,
            w.tenants.trust_a,
            w.sia,
            date(2024, 2, 28),
            date(2026, 2, 28),
            written(),
        )
        .await;
        scan(&w.app, date(2026, 3, 1)).await;
        scan(&w.app, date(2026, 3, 1)).await;

        let rows = outbox(&w.app).await;
        let of = |person: Uuid| {
            rows.iter()
                .filter(|row| row.recipient_id == person)
                .map(|row| (row.rule.clone(), row.status.clone()))
                .collect::<Vec<_>>()
        };
        let pairs = |expected: &[(&str, &str)]| {
            expected
                .iter()
                .map(|(rule, status)| ((*rule).to_owned(), (*status).to_owned()))
                .collect::<Vec<_>>()
        };
        let sorted = |mut v: Vec<(String, String)>| {
            v.sort();
            v
        };
        assert_eq!(
            sorted(of(w.sam)),
            sorted(pairs(&[
                ("action_due", "in_digest"),
                ("digest", "queued"),
                ("session_tomorrow", "in_digest"),
            ])),
            "{backend:?}: Sam's two reminders are lines of one digest, scanned twice"
        );
        let digest_key = format!("digest:{}:2026-03-01", w.sam);
        assert!(
            rows.iter()
                .filter(|row| row.recipient_id == w.sam && row.rule != "digest")
                .all(|row| row.digest_key.as_deref() == Some(digest_key.as_str())),
            "{backend:?}: each line names its digest"
        );
        assert_eq!(
            sorted(of(w.sia)),
            sorted(pairs(&[
                ("session_tomorrow", "suppressed"),
                ("training_expired", "queued"),
            ])),
            "{backend:?}: Sia's optional reminder is kept as suppressed, the mandatory one goes"
        );
        assert_eq!(
            of(w.supervisor),
            pairs(&[("session_tomorrow", "queued")]),
            "{backend:?}: the supervisor takes each reminder as it comes"
        );
        assert!(
            rows.iter()
                .filter(|row| row.status != "queued")
                .all(|row| row.next_attempt_at.is_none()),
            "{backend:?}: only queued rows wait for the notifier"
        );
        w.app.stop().await;
    }
}
