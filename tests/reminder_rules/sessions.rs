//! Sessions: the agenda and session reminders around a booked session, a cancelled session not
//! reheld, a supervisee past their minimum, and the sessions that owe nothing (ad hoc) or were
//! entered late.

use super::*;

#[tokio::test]
async fn a_session_reminds_of_its_agenda_of_itself_the_day_before_and_of_confirming_it_the_day_after()
 {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let with_agenda = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;
        let without_agenda = agreement(
            db,
            a1,
            Agreement {
                agenda_required: false,
                ..Agreement::new(w.supervisor, w.sia)
            },
        )
        .await;

        // Monday 2 March, planned and nothing sent: agenda 9 and 7 days ahead, the parties the
        // day before, the supervisor the day after.
        let planned = session(db, a1, with_agenda, date(2026, 3, 2), Booking::default()).await;
        // Monday 9 March: agenda sent on 1 March (after the 9-day reminder), held on the day.
        let kept = session(
            db,
            a1,
            with_agenda,
            date(2026, 3, 9),
            held(date(2026, 3, 9)),
        )
        .await;
        agenda(db, a1, kept, w.sam, date(2026, 3, 1)).await;
        // Monday 16 March, cancelled on 1 March: nothing at all.
        let called_off = session(
            db,
            a1,
            with_agenda,
            date(2026, 3, 16),
            cancelled(date(2026, 3, 1)),
        )
        .await;
        // An agreement that asks for no agenda.
        let no_agenda = session(db, a1, without_agenda, date(2026, 3, 2), Booking::default()).await;
        // Booked on Sunday 22 February for 2 March: the 9-day reminder's day had passed.
        let booked_late = session(
            db,
            a1,
            with_agenda,
            date(2026, 3, 2),
            Booking {
                booked_on: Some(date(2026, 2, 22)),
                ..Booking::default()
            },
        )
        .await;

        scan_around(
            &w.app,
            &[
                date(2026, 2, 21),
                date(2026, 2, 23),
                date(2026, 3, 1),
                date(2026, 3, 3),
                date(2026, 2, 28),
                date(2026, 3, 2),
                date(2026, 3, 8),
                date(2026, 3, 10),
                date(2026, 3, 7),
                date(2026, 3, 9),
                date(2026, 3, 15),
                date(2026, 3, 17),
            ],
        )
        .await;

        let (sup, sam, sia) = (w.supervisor, w.sam, w.sia);
        let table = [
            expect(
                "agenda reminded 9 and 7 days ahead",
                "agenda_due",
                "session",
                planned,
                each(&[date(2026, 2, 21), date(2026, 2, 23)], &[sam]),
            ),
            expect(
                "every party the day before",
                "session_tomorrow",
                "session",
                planned,
                each(&[date(2026, 3, 1)], &[sup, sam]),
            ),
            expect(
                "the supervisor the day after, still planned",
                "session_unconfirmed",
                "session",
                planned,
                each(&[date(2026, 3, 3)], &[sup]),
            ),
            expect(
                "the agenda sent stops the 7-day reminder",
                "agenda_due",
                "session",
                kept,
                each(&[date(2026, 2, 28)], &[sam]),
            ),
            expect(
                "a session held is not unconfirmed",
                "session_unconfirmed",
                "session",
                kept,
                BTreeSet::new(),
            ),
            expect(
                "a held session is still announced the day before",
                "session_tomorrow",
                "session",
                kept,
                each(&[date(2026, 3, 8)], &[sup, sam]),
            ),
            expect(
                "a cancelled session wants no agenda",
                "agenda_due",
                "session",
                called_off,
                BTreeSet::new(),
            ),
            expect(
                "a cancelled session is not announced",
                "session_tomorrow",
                "session",
                called_off,
                BTreeSet::new(),
            ),
            expect(
                "a cancelled session is not unconfirmed",
                "session_unconfirmed",
                "session",
                called_off,
                BTreeSet::new(),
            ),
            expect(
                "no agenda where the agreement asks for none",
                "agenda_due",
                "session",
                no_agenda,
                BTreeSet::new(),
            ),
            expect(
                "booked after the 9-day reminder's day: not sent late, the 7-day one is",
                "agenda_due",
                "session",
                booked_late,
                each(&[date(2026, 2, 23)], &[sam]),
            ),
            expect(
                "announced all the same",
                "session_tomorrow",
                "session",
                no_agenda,
                each(&[date(2026, 3, 1)], &[sup, sia]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn a_cancelled_session_not_reheld_in_five_working_days_reminds_both_parties_and_the_trust_lead()
 {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let lead = w.tenants.lead_a;
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;
        let leads = agreement(db, a1, Agreement::new(lead, w.sia)).await;

        // Monday 2 February cancelled; its fifth working day is Monday 9 February.
        let dropped = session(db, a1, ours, date(2026, 2, 2), cancelled(date(2026, 1, 30))).await;
        let reheld = session(db, a1, ours, date(2026, 2, 2), cancelled(date(2026, 1, 30))).await;
        session(
            db,
            a1,
            ours,
            date(2026, 2, 6),
            Booking {
                held_on: Some(date(2026, 2, 6)),
                rebooking_of: Some(reheld),
                ..Booking::default()
            },
        )
        .await;
        let lead_dropped = session(
            db,
            a1,
            leads,
            date(2026, 2, 2),
            cancelled(date(2026, 1, 30)),
        )
        .await;

        scan_around(&w.app, &[date(2026, 2, 10)]).await;

        let (sup, sam, sia) = (w.supervisor, w.sam, w.sia);
        let table = [
            expect(
                "both parties and the trust lead the day after the fifth working day",
                "not_reheld",
                "session",
                dropped,
                each(&[date(2026, 2, 10)], &[sup, sam, lead]),
            ),
            expect(
                "a rebooking held in time stops it",
                "not_reheld",
                "session",
                reheld,
                BTreeSet::new(),
            ),
            expect(
                "the trust lead supervising hears once",
                "not_reheld",
                "session",
                lead_dropped,
                each(&[date(2026, 2, 10)], &[lead, sia]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn a_supervisee_past_the_minimum_reminds_the_supervisor_them_and_the_regional_lead_or_the_trust_lead()
 {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a2 = Place {
            trust: w.tenants.trust_a,
            academy: w.tenants.academy_a2,
        };
        let since = Agreement {
            activated_on: written(),
            ..Agreement::new(w.supervisor, w.sam)
        };
        agreement(db, a2, since).await;
        // Sia's session of 10 February moves her due date to the end of the next half term.
        let sias = agreement(
            db,
            a2,
            Agreement {
                activated_on: written(),
                ..Agreement::new(w.supervisor, w.sia)
            },
        )
        .await;
        session(db, a2, sias, date(2026, 2, 10), held(date(2026, 2, 10))).await;

        // Half-termly: nobody held a session this half term, which ended on Friday 13 February.
        scan_around(&w.app, &[date(2026, 2, 14)]).await;

        let day = date(2026, 2, 14);
        let t = &w.tenants;
        let lead_b = lead_b_id(&w.app, t).await;
        let table = [
            expect(
                "supervisor, supervisee and the academy's regional lead",
                "supervision_overdue",
                "supervisee",
                w.sam,
                each(&[day], &[w.supervisor, w.sam, t.rsl_a]),
            ),
            expect(
                "a session held stops it",
                "supervision_overdue",
                "supervisee",
                w.sia,
                BTreeSet::new(),
            ),
            expect(
                "the regional lead supervising hears once",
                "supervision_overdue",
                "supervisee",
                t.dsl_a1,
                each(&[day], &[t.rsl_a, t.dsl_a1]),
            ),
            expect(
                "no region: the trust lead stands in, and supervising hears once",
                "supervision_overdue",
                "supervisee",
                t.dsl_b1,
                each(&[day], &[lead_b, t.dsl_b1]),
            ),
        ];
        check(&w.app, backend, &table).await;
        let rows = outbox(&w.app).await;
        assert!(
            rows.iter()
                .filter(|row| row.subject_id == t.dsl_b1)
                .all(|row| row.trust_id == t.trust_b),
            "{backend:?}"
        );
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_agenda_edited_after_it_was_sent_is_still_sent_from_its_first_sending() {
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
        // Dana's session of 2 February: agenda reminders due 24 and 26 January.
        let path = format!("/api/v1/sessions/{}/agenda", t.session_a2);
        api.set(date(2026, 1, 22), 10);
        let first = api
            .expect(
                200,
                t.dsl_a2,
                Method::PUT,
                &path,
                Some(json!({ "items": ["Case CP-1"] })),
            )
            .await;
        api.set(date(2026, 1, 25), 10);
        let edit = json!({ "items": ["Case CP-1", "CP-2"], "row_version": first["row_version"] });
        api.expect(200, t.dsl_a2, Method::PUT, &path, Some(edit))
            .await;
        // A back-fill (or a retried scan) of the 24th after the edit: the agenda was sent on 22nd.
        scan(&api.app, date(2026, 1, 24)).await;
        let rows = outbox(&api.app).await;
        assert_eq!(
            sent(&rows, "agenda_due", t.session_a2),
            BTreeSet::new(),
            "{backend:?}"
        );
        api.app.stop().await;
    }
}

#[tokio::test]
async fn each_agreement_keeps_its_own_minimum_so_a_four_week_group_and_a_half_termly_external_head_are_reminded_each_by_theirs()
 {
    for backend in backends() {
        let api = api_on(backend, date(2026, 1, 12)).await;
        let t = &api.tenants;
        let (rsl, head, lead) = (t.rsl_a, t.head_a1, t.lead_a);
        let db = &api.app.test_db.owner;
        let (ada, bo) = (
            person(db, t.trust_a, "Ada Group").await,
            person(db, t.trust_a, "Bo Group").await,
        );
        // Brook Primary's policy is Old Park's floor: never more than 4 weeks apart.
        api.expect(
            200,
            lead,
            Method::PUT,
            &format!("/api/v1/academies/{}/policy", t.academy_a1),
            Some(json!({ "row_version": 0, "override": { "minimum": "every_4_weeks" } })),
        )
        .await;
        // The weekly group leaves its minimum to the academy's policy; the head's external
        // agreement is half-termly.
        let group = api
            .signed_agreement(
                t.academy_a1,
                rsl,
                &[ada, bo],
                json!({ "kind": "group", "plan_cadence": "weekly", "agenda_required": false }),
            )
            .await;
        assert_eq!(group["terms"]["minimum"], "every_4_weeks", "{backend:?}");
        let external = api
            .signed_agreement(
                t.academy_a1,
                rsl,
                &[head],
                json!({ "kind": "external", "plan_cadence": "half_termly",
                        "minimum": "half_termly" }),
            )
            .await;
        assert_eq!(external["terms"]["minimum"], "half_termly", "{backend:?}");
        let read = api
            .expect(
                200,
                head,
                Method::GET,
                &format!("/api/v1/agreements/{}", uuid_of(&external)),
                None,
            )
            .await;
        assert_eq!(read["terms"]["minimum"], "half_termly", "{backend:?}");
        api.walled(&format!("/api/v1/agreements/{}", uuid_of(&external)))
            .await;

        // Each held once early in the spring half term, then nothing more.
        api.held(rsl, &group, "group", date(2026, 1, 14)).await;
        api.set(date(2026, 1, 14), 14);
        api.held(rsl, &external, "formal", date(2026, 1, 15)).await;

        // The group: 20 working days after Wednesday 14 January is Wednesday 11 February, so
        // on the 13th it is overdue; the head, held in that half term, is due by the end of
        // the next (27 March), not 20 working days on (12 February) as the academy's floor
        // would have it.
        api.set(date(2026, 2, 13), 10);
        for (person, level) in [(ada, "overdue"), (head, "on_track")] {
            let entries = api.compliance_of(person, date(2026, 2, 13)).await;
            assert_eq!(entries.len(), 1, "{backend:?}: {entries:?}");
            assert_eq!(entries[0]["level"], level, "{backend:?}: {entries:?}");
        }
        scan_days(&api.app, date(2026, 1, 13), date(2026, 4, 1)).await;
        let table = [
            expect(
                "a group member, the day after their 4-week floor",
                "supervision_overdue",
                "supervisee",
                ada,
                each(&[date(2026, 2, 12)], &[rsl, ada]),
            ),
            expect(
                "the other group member, the same day",
                "supervision_overdue",
                "supervisee",
                bo,
                each(&[date(2026, 2, 12)], &[rsl, bo]),
            ),
            expect(
                "the head, the day after the half term after the one they were held in",
                "supervision_overdue",
                "supervisee",
                head,
                each(&[date(2026, 3, 28)], &[rsl, head]),
            ),
        ];
        check(&api.app, backend, &table).await;
        api.app.stop().await;
    }
}

#[tokio::test]
async fn a_chain_of_cancellations_has_the_first_sessions_deadline_and_one_not_reheld_reminder() {
    for backend in backends() {
        let api = api_on(backend, date(2026, 1, 12)).await;
        let t = &api.tenants;
        let (rsl, dana, lead) = (t.rsl_a, t.dsl_a2, t.lead_a);
        let agreement = e::supervision_session::Entity::find_by_id(t.session_a2)
            .one(&api.app.test_db.owner)
            .await
            .unwrap()
            .unwrap()
            .agreement_id;
        let first = api
            .expect(
                201,
                rsl,
                Method::POST,
                &format!("/api/v1/agreements/{agreement}/sessions"),
                Some(
                    json!({ "kind": "formal", "starts_at": "2026-02-04T10:00:00Z",
                             "duration": 60, "mode": "video" }),
                ),
            )
            .await;
        // Wednesday 4 February, called off the day before: its fifth working day is the 11th.
        // Re-booked for the 10th, that called off in turn, and re-booked for the 25th (after the
        // spring break), which is late against the first session's deadline, and held then.
        let mut cancelled = first.clone();
        let mut chain = vec![uuid_of(&first)];
        for (cancel_on, rebook_to, late) in [
            (date(2026, 2, 3), "2026-02-10T10:00:00Z", false),
            (date(2026, 2, 9), "2026-02-25T10:00:00Z", true),
        ] {
            api.set(cancel_on, 10);
            api.expect(
                200,
                rsl,
                Method::POST,
                &format!("/api/v1/sessions/{}/cancel", uuid_of(&cancelled)),
                Some(json!({ "reason": "Strategy meeting",
                             "row_version": cancelled["row_version"] })),
            )
            .await;
            let rebooked = api
                .expect(
                    201,
                    rsl,
                    Method::POST,
                    &format!("/api/v1/sessions/{}/rebook", uuid_of(&cancelled)),
                    Some(json!({ "starts_at": rebook_to })),
                )
                .await;
            assert_eq!(
                rebooked["rebooking_of_id"],
                uuid_of(&cancelled).to_string(),
                "{backend:?}"
            );
            assert_eq!(rebooked["rebooked_late"], late, "{backend:?}: {rebooked}");
            chain.push(uuid_of(&rebooked));
            cancelled = rebooked;
        }
        api.set(date(2026, 2, 25), 12);
        api.expect(
            200,
            rsl,
            Method::POST,
            &format!("/api/v1/sessions/{}/held", uuid_of(&cancelled)),
            Some(json!({})),
        )
        .await;
        api.walled(&format!("/api/v1/agreements/{agreement}/sessions"))
            .await;

        scan_days(&api.app, date(2026, 1, 13), date(2026, 3, 13)).await;
        let none = BTreeSet::new;
        let table = [
            expect(
                "the first session's deadline, the one reminder of the chain",
                "not_reheld",
                "session",
                chain[0],
                each(&[date(2026, 2, 12)], &[rsl, dana, lead]),
            ),
            expect(
                "the cancelled rebooking keeps the first deadline: no window of its own",
                "not_reheld",
                "session",
                chain[1],
                none(),
            ),
            expect(
                "the late rebooking, held",
                "not_reheld",
                "session",
                chain[2],
                none(),
            ),
        ];
        check(&api.app, backend, &table).await;
        api.app.stop().await;
    }
}

#[tokio::test]
async fn an_ad_hoc_session_owes_no_agenda_and_no_record_so_nobody_is_reminded_or_escalated_of_them()
{
    for backend in backends() {
        let api = api_on(backend, date(2026, 1, 12)).await;
        let t = &api.tenants;
        let (rsl, dana) = (t.rsl_a, t.dsl_a2);
        let agreement = e::supervision_session::Entity::find_by_id(t.session_a2)
            .one(&api.app.test_db.owner)
            .await
            .unwrap()
            .unwrap()
            .agreement_id;
        let sessions = format!("/api/v1/agreements/{agreement}/sessions");
        // A phone call about one case, logged with a short note; a note is only for ad hoc.
        let call_booking = json!({ "kind": "ad_hoc", "starts_at": "2026-01-20T10:00:00Z",
                                   "duration": 20, "mode": "phone",
                                   "note": "  New referral: agreed to consult the LADO  " });
        let ad_hoc = api
            .expect(201, rsl, Method::POST, &sessions, Some(call_booking))
            .await;
        assert_eq!(
            ad_hoc["note"], "New referral: agreed to consult the LADO",
            "{backend:?}: {ad_hoc}"
        );
        for (kind, note) in [("formal", "A note".to_owned()), ("ad_hoc", "x".repeat(501))] {
            let refused = api
                .expect(
                    422,
                    rsl,
                    Method::POST,
                    &sessions,
                    Some(json!({ "kind": kind, "starts_at": "2026-01-21T10:00:00Z",
                                 "duration": 20, "mode": "phone", "note": note })),
                )
                .await;
            assert_eq!(
                refused["errors"][0]["field"], "note",
                "{backend:?}: {refused}"
            );
        }
        // An agenda sent for it anyway, the day before, is not late: none was owed.
        let ad_hoc_id = uuid_of(&ad_hoc);
        api.set(date(2026, 1, 19), 10);
        let agenda = api
            .expect(
                200,
                dana,
                Method::PUT,
                &format!("/api/v1/sessions/{ad_hoc_id}/agenda"),
                Some(json!({ "items": ["Case CP-9"] })),
            )
            .await;
        assert_eq!(
            (&agenda["due_by"], &agenda["late"]),
            (&serde_json::Value::Null, &json!(false)),
            "{backend:?}: {agenda}"
        );
        api.set(date(2026, 1, 20), 12);
        api.expect(
            200,
            rsl,
            Method::POST,
            &format!("/api/v1/sessions/{ad_hoc_id}/held"),
            Some(json!({})),
        )
        .await;
        api.walled(&sessions).await;
        let page = api.page(dana, &format!("/sessions/{ad_hoc_id}")).await;
        assert!(
            page.contains("owes no agenda and no record"),
            "{backend:?}: the session page says what is owed"
        );

        // No record is ever written for it: not late, not flagged.
        api.set(date(2026, 2, 10), 10);
        let entries = api.compliance_of(dana, date(2026, 2, 10)).await;
        assert!(
            entries.iter().all(|e| e["flags"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["kind"] != "records_not_sent")),
            "{backend:?}: {entries:?}"
        );
        scan_days(&api.app, date(2026, 1, 13), date(2026, 2, 20)).await;
        let none = BTreeSet::new;
        let table = [
            expect(
                "no agenda is owed",
                "agenda_due",
                "session",
                ad_hoc_id,
                none(),
            ),
            expect(
                "still announced the day before",
                "session_tomorrow",
                "session",
                ad_hoc_id,
                each(&[date(2026, 1, 19)], &[rsl, dana]),
            ),
            expect(
                "no record is owed",
                "record_not_sent",
                "session",
                ad_hoc_id,
                none(),
            ),
            expect(
                "so the trust lead hears nothing of one",
                "record_not_sent_overdue",
                "session",
                ad_hoc_id,
                none(),
            ),
        ];
        check(&api.app, backend, &table).await;
        api.app.stop().await;
    }
}

#[tokio::test]
async fn a_session_entered_as_held_last_week_sends_no_reminder_whose_day_came_before_it() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let agreement = e::agreement::Entity::find()
            .filter(e::agreement::Column::AcademyId.eq(tenants.academy_a1))
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap()
            .id;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
        // Entered on the fixture's Monday, 12 January: held a week before.
        let entered = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("/api/v1/agreements/{agreement}/sessions"),
            Some(json!({
                "kind": "formal",
                "starts_at": "2026-01-05T10:00:00Z",
                "duration": 60,
                "mode": "video",
                "held_on": "2026-01-05",
            })),
        )
        .await;
        assert_eq!(entered.status(), 201, "{backend:?}");
        let entered: serde_json::Value = entered.json().await.unwrap();
        let id = Uuid::parse_str(entered["id"].as_str().unwrap()).unwrap();

        let mut day = date(2026, 1, 3);
        while day <= date(2026, 1, 16) {
            scan(&app, day).await;
            day = day.succ_opt().unwrap();
        }

        let table = [
            expect(
                "the day before came before it was entered",
                "session_tomorrow",
                "session",
                id,
                BTreeSet::new(),
            ),
            expect(
                "so did the day after",
                "session_unconfirmed",
                "session",
                id,
                BTreeSet::new(),
            ),
            expect(
                "its record is still owed ten days after the day it was held",
                "record_not_sent",
                "session",
                id,
                each(&[date(2026, 1, 15)], &[tenants.rsl_a]),
            ),
        ];
        check(&app, backend, &table).await;
        app.stop().await;
    }
}
