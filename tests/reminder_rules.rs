//! Every rule of DESIGN §5's reminder table through the database: each situation is built in
//! the records, the scan runs the day before, the day of and the day after each due day, and
//! the outbox must hold exactly the rule's rows of the due days, to the table's recipients, one
//! row per person however many of the named roles they hold; the condition ending (agenda
//! sent, session held, record sent or signed, rebooking held, action done, version ended,
//! review completed, training renewed) stops it. Then the scan's failure and concurrency: a
//! scan that fails for one trust and runs again misses and doubles nothing, and two
//! `haven scheduler run-once` processes on one PostgreSQL queue each reminder once.
//!
//! Most situations are written through the owner connection, each row with the date it would
//! have been written on: these rules turn on events days and weeks apart, before the fixture's
//! day as often as after it. The last test walks one supervision through the JSON API on a
//! moving clock instead, so the rows the scan reads are the ones the API really writes.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use chrono::{DateTime, Datelike as _, NaiveDate, TimeZone as _, Utc};
use haven_entity as e;
use haven_jobs::FixedClock;
use haven_store::{Origin, Scope};
use reqwest::Method;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::harness::{
    Backend, Tenants, TestApp, TestClock, at, backends, browser_a, call, half_terms_2025, lead_b,
    lead_b_id, send,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 09:00 UTC on `day`: the same calendar day in London, winter or summer.
fn on(day: NaiveDate) -> DateTime<Utc> {
    at(day.year(), day.month(), day.day())
}

/// The day every subject below is written: after the fixture's (5 January), before the first
/// due day, so no reminder's day comes before its subject existed unless a test says so.
fn written() -> NaiveDate {
    date(2026, 1, 6)
}

/// Every academy of both trusts gets the 2025/26 half terms ([`half_terms_2025`]), through the API.
async fn with_term_dates(app: &TestApp, tenants: &Tenants) {
    let half_terms = half_terms_2025();
    let lead_a = browser_a(app, tenants, tenants.lead_a).await;
    let lead_b = lead_b(app, tenants).await;
    for (browser, academy) in [
        (&lead_a, tenants.academy_a1),
        (&lead_a, tenants.academy_a2),
        (&lead_b, tenants.academy_b1),
    ] {
        let set = send(
            app,
            browser,
            Method::PUT,
            &format!("/api/v1/academies/{academy}/term-dates/2025"),
            Some(json!({ "half_terms": half_terms })),
        )
        .await;
        assert_eq!(set.status(), 200);
    }
}

async fn scan(app: &TestApp, day: NaiveDate) -> haven_scheduler::ScanReport {
    haven_scheduler::run_once(&app.test_db.db, day, &FixedClock(on(day)))
        .await
        .unwrap()
}

/// Scans the day before, the day of and the day after each of `due_days`, each day once.
async fn scan_around(app: &TestApp, due_days: &[NaiveDate]) {
    let days: BTreeSet<NaiveDate> = due_days
        .iter()
        .flat_map(|day| [day.pred_opt().unwrap(), *day, day.succ_opt().unwrap()])
        .collect();
    for day in days {
        scan(app, day).await;
    }
}

async fn outbox(app: &TestApp) -> Vec<e::notification_outbox::Model> {
    e::notification_outbox::Entity::find()
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

/// The (due day, recipient) of each outbox row of `rule` about `subject`.
fn sent(
    rows: &[e::notification_outbox::Model],
    rule: &str,
    subject: Uuid,
) -> BTreeSet<(NaiveDate, Uuid)> {
    let mine: Vec<_> = rows
        .iter()
        .filter(|row| row.rule == rule && row.subject_id == subject)
        .collect();
    let set: BTreeSet<_> = mine
        .iter()
        .map(|row| (row.due_on, row.recipient_id))
        .collect();
    assert_eq!(set.len(), mine.len(), "{rule} about {subject}: a row twice");
    set
}

/// Each of `days` to each of `to`.
fn each(days: &[NaiveDate], to: &[Uuid]) -> BTreeSet<(NaiveDate, Uuid)> {
    days.iter()
        .flat_map(|day| to.iter().map(move |person| (*day, *person)))
        .collect()
}

/// One expectation of a table: the rule, its subject (with its kind), and the rows it yields.
struct Expect {
    what: &'static str,
    rule: &'static str,
    kind: &'static str,
    subject: Uuid,
    rows: BTreeSet<(NaiveDate, Uuid)>,
}

fn expect(
    what: &'static str,
    rule: &'static str,
    kind: &'static str,
    subject: Uuid,
    rows: BTreeSet<(NaiveDate, Uuid)>,
) -> Expect {
    Expect {
        what,
        rule,
        kind,
        subject,
        rows,
    }
}

/// Checks every expectation against the outbox, and that each row of them names its subject's
/// kind and its idempotency key.
async fn check(app: &TestApp, backend: Backend, table: &[Expect]) {
    let rows = outbox(app).await;
    for row in &table_rows(&rows, table) {
        assert_eq!(
            row.idempotency_key,
            format!(
                "{}:{}:{}:{}:{}",
                row.rule,
                row.subject_kind,
                row.subject_id,
                row.due_on.format("%Y-%m-%d"),
                row.recipient_id
            )
        );
        assert_eq!(row.status, "queued");
    }
    for expected in table {
        assert_eq!(
            sent(&rows, expected.rule, expected.subject),
            expected.rows,
            "{backend:?}: {} ({})",
            expected.what,
            expected.rule
        );
        assert!(
            rows.iter()
                .filter(|row| row.rule == expected.rule && row.subject_id == expected.subject)
                .all(|row| row.subject_kind == expected.kind),
            "{backend:?}: {}",
            expected.what
        );
    }
}

fn table_rows<'a>(
    rows: &'a [e::notification_outbox::Model],
    table: &[Expect],
) -> Vec<&'a e::notification_outbox::Model> {
    rows.iter()
        .filter(|row| {
            table
                .iter()
                .any(|x| x.rule == row.rule && x.subject == row.subject_id)
        })
        .collect()
}

/// Where new rows go.
#[derive(Clone, Copy)]
struct Place {
    trust: Uuid,
    academy: Uuid,
}

fn place_a1(tenants: &Tenants) -> Place {
    Place {
        trust: tenants.trust_a,
        academy: tenants.academy_a1,
    }
}

async fn person(db: &DatabaseConnection, trust: Uuid, name: &str) -> Uuid {
    e::person::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        display_name: Set(name.into()),
        email: Set(format!(
            "{}.{}@example.org",
            name.to_lowercase().replace(' ', "."),
            Uuid::now_v7().simple()
        )),
        job_title: Set(None),
        optional_reminders: Set(true),
        notification_preference: Set("immediate".into()),
        oidc_subject: Set(None),
        active: Set(true),
        created_at: Set(on(written())),
        updated_at: Set(on(written())),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn trust_role(db: &DatabaseConnection, trust: Uuid, person: Uuid, role: &str) {
    e::role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        person_id: Set(person),
        role: Set(role.into()),
        scope_kind: Set("trust".into()),
        region_id: Set(None),
        academy_id: Set(None),
        starts_on: Set(date(2025, 9, 1)),
        ends_on: Set(None),
        created_at: Set(on(written())),
    }
    .insert(db)
    .await
    .unwrap();
}

/// An agreement version as activation leaves it.
struct Agreement {
    supervisor: Uuid,
    supervisees: Vec<Uuid>,
    activated_on: NaiveDate,
    review_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    agenda_required: bool,
}

impl Agreement {
    fn new(supervisor: Uuid, supervisee: Uuid) -> Self {
        Self {
            supervisor,
            supervisees: vec![supervisee],
            activated_on: date(2025, 9, 8),
            review_on: date(2026, 9, 8),
            ended_on: None,
            agenda_required: true,
        }
    }
}

async fn agreement(db: &DatabaseConnection, place: Place, agreement: Agreement) -> Uuid {
    let id = Uuid::now_v7();
    e::agreement::ActiveModel {
        id: Set(id),
        trust_id: Set(place.trust),
        academy_id: Set(place.academy),
        lineage_id: Set(id),
        version: Set(1),
        previous_version_id: Set(None),
        kind: Set("one_to_one".into()),
        supervisor_id: Set(agreement.supervisor),
        status: Set(if agreement.ended_on.is_some() {
            "ended"
        } else {
            "active"
        }
        .into()),
        plan_cadence: Set("half_termly".into()),
        plan_weeks: Set(None),
        extended_each_half_term: Set(false),
        minimum: Set("half_termly".into()),
        session_minutes: Set(60),
        max_cases_per_session: Set(Some(3)),
        agenda_required: Set(agreement.agenda_required),
        standard_agenda: Set("Cases, actions, wellbeing".into()),
        records_location: Set("Haven".into()),
        confidentiality_terms: Set("As the trust policy".into()),
        diversity_terms: Set("As the trust policy".into()),
        activated_on: Set(Some(agreement.activated_on)),
        review_due_on: Set(Some(agreement.review_on)),
        ended_on: Set(agreement.ended_on),
        content_hash: Set(None),
        row_version: Set(1),
        created_at: Set(on(agreement.activated_on)),
        updated_at: Set(on(agreement.activated_on)),
    }
    .insert(db)
    .await
    .unwrap();
    for supervisee in agreement.supervisees {
        e::agreement_supervisee::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(place.trust),
            academy_id: Set(place.academy),
            agreement_id: Set(id),
            person_id: Set(supervisee),
        }
        .insert(db)
        .await
        .unwrap();
    }
    id
}

/// A session booked on [`written`] for `date`, and what became of it.
#[derive(Clone, Copy, Default)]
struct Booking {
    /// When it was booked, if not on [`written`].
    booked_on: Option<NaiveDate>,
    held_on: Option<NaiveDate>,
    cancelled_on: Option<NaiveDate>,
    rebooking_of: Option<Uuid>,
}

async fn session(
    db: &DatabaseConnection,
    place: Place,
    agreement: Uuid,
    date: NaiveDate,
    booking: Booking,
) -> Uuid {
    let status = match (booking.held_on, booking.cancelled_on) {
        (_, Some(_)) => "cancelled",
        (Some(_), None) => "held",
        (None, None) => "planned",
    };
    e::supervision_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(place.trust),
        academy_id: Set(place.academy),
        agreement_id: Set(agreement),
        kind: Set("formal".into()),
        mode: Set("in_person".into()),
        status: Set(status.into()),
        starts_at: Set(on(date)),
        duration_minutes: Set(60),
        location: Set(None),
        held_marked_at: Set(booking.held_on.map(on)),
        held_on: Set(None),
        cancelled_at: Set(booking.cancelled_on.map(on)),
        cancelled_on: Set(None),
        cancelled_by: Set(None),
        cancel_reason: Set(booking.cancelled_on.map(|_| "Illness".into())),
        rebooking_of_id: Set(booking.rebooking_of),
        rebooked_late: Set(false),
        note: Set(None),
        ical_sequence: Set(0),
        row_version: Set(1),
        created_at: Set(on(booking.booked_on.unwrap_or(written()))),
        updated_at: Set(on(booking.booked_on.unwrap_or(written()))),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

fn held(day: NaiveDate) -> Booking {
    Booking {
        held_on: Some(day),
        ..Booking::default()
    }
}

fn cancelled(day: NaiveDate) -> Booking {
    Booking {
        cancelled_on: Some(day),
        ..Booking::default()
    }
}

async fn agenda(db: &DatabaseConnection, place: Place, session: Uuid, by: Uuid, sent: NaiveDate) {
    e::agenda::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(place.trust),
        academy_id: Set(place.academy),
        session_id: Set(session),
        submitted_by: Set(by),
        items: Set(json!([{ "title": "Case 12" }])),
        submitted_at: Set(Some(on(sent))),
        row_version: Set(1),
        created_at: Set(on(sent)),
        updated_at: Set(on(sent)),
    }
    .insert(db)
    .await
    .unwrap();
}

/// A record of `session` by `author`, sent for signature on `sent`.
async fn record(
    db: &DatabaseConnection,
    place: Place,
    session: Uuid,
    author: Uuid,
    sent: NaiveDate,
) -> Uuid {
    e::supervision_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(place.trust),
        academy_id: Set(place.academy),
        session_id: Set(session),
        author_id: Set(author),
        status: Set("sent".into()),
        content: Set(json!({ "reflection": "Case 12: plan agreed" })),
        content_hash: Set(Some("0".repeat(64))),
        sent_at: Set(Some(on(sent))),
        sent_on: Set(None),
        paper_original: Set(None),
        frozen_at: Set(None),
        next_session_on: Set(None),
        row_version: Set(1),
        created_at: Set(on(sent)),
        updated_at: Set(on(sent)),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn sign(db: &DatabaseConnection, place: Place, record: Uuid, person: Uuid, day: NaiveDate) {
    e::record_signature::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(place.trust),
        academy_id: Set(place.academy),
        record_id: Set(record),
        person_id: Set(person),
        outcome: Set("signed".into()),
        disagreement: Set(None),
        signed_at: Set(on(day)),
        signed_on: Set(None),
        medium: Set("electronic".into()),
        entered_by_id: Set(None),
        content_hash: Set("0".repeat(64)),
    }
    .insert(db)
    .await
    .unwrap();
}

async fn action(
    db: &DatabaseConnection,
    place: Place,
    session: Uuid,
    owner: Uuid,
    due_on: NaiveDate,
    done_on: Option<NaiveDate>,
) -> Uuid {
    e::supervision_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(place.trust),
        academy_id: Set(place.academy),
        session_id: Set(session),
        record_id: Set(None),
        case_note_id: Set(None),
        description: Set("Chase the referral".into()),
        owner_id: Set(owner),
        due_on: Set(due_on),
        status: Set(if done_on.is_some() { "done" } else { "open" }.into()),
        completed_on: Set(done_on),
        completed_at: Set(None),
        carried_from_id: Set(None),
        row_version: Set(1),
        created_at: Set(on(written())),
        updated_at: Set(on(done_on.unwrap_or(written()))),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn training(
    db: &DatabaseConnection,
    trust: Uuid,
    person: Uuid,
    completed_on: NaiveDate,
    expires_on: NaiveDate,
    recorded_on: NaiveDate,
) -> Uuid {
    e::training_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        person_id: Set(person),
        course: Set("Designated safeguarding lead".into()),
        kind: Set("dsl".into()),
        completed_on: Set(completed_on),
        expires_on: Set(Some(expires_on)),
        created_at: Set(on(recorded_on)),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// A world with term dates, a supervisor and two supervisees of trust A.
struct World {
    app: TestApp,
    tenants: Tenants,
    supervisor: Uuid,
    sam: Uuid,
    sia: Uuid,
}

async fn world(backend: Backend) -> World {
    let app = TestApp::spawn(backend).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    with_term_dates(&app, &tenants).await;
    let db = &app.test_db.owner;
    let supervisor = person(db, tenants.trust_a, "Sol Supervisor").await;
    let sam = person(db, tenants.trust_a, "Sam Supervisee").await;
    let sia = person(db, tenants.trust_a, "Sia Supervisee").await;
    World {
        app,
        tenants,
        supervisor,
        sam,
        sia,
    }
}

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
async fn an_unsent_record_reminds_the_supervisor_at_ten_days_and_the_trust_lead_too_at_fifteen() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let lead = w.tenants.lead_a;
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;
        let leads = agreement(db, a1, Agreement::new(lead, w.sia)).await;

        let unsent = session(db, a1, ours, date(2026, 2, 2), held(date(2026, 2, 2))).await;
        let sent_in_time = session(db, a1, ours, date(2026, 2, 3), held(date(2026, 2, 3))).await;
        record(db, a1, sent_in_time, w.supervisor, date(2026, 2, 12)).await;
        // The trust lead supervising: supervisor and trust lead both, one row.
        let lead_unsent = session(db, a1, leads, date(2026, 2, 2), held(date(2026, 2, 2))).await;

        scan_around(
            &w.app,
            &[
                date(2026, 2, 12),
                date(2026, 2, 17),
                date(2026, 2, 13),
                date(2026, 2, 18),
            ],
        )
        .await;

        let sup = w.supervisor;
        let table = [
            expect(
                "the supervisor at ten days",
                "record_not_sent",
                "session",
                unsent,
                each(&[date(2026, 2, 12)], &[sup]),
            ),
            expect(
                "the supervisor and the trust lead at fifteen",
                "record_not_sent_overdue",
                "session",
                unsent,
                each(&[date(2026, 2, 17)], &[sup, lead]),
            ),
            expect(
                "a record sent on day 9 stops the reminder",
                "record_not_sent",
                "session",
                sent_in_time,
                BTreeSet::new(),
            ),
            expect(
                "and the overdue one",
                "record_not_sent_overdue",
                "session",
                sent_in_time,
                BTreeSet::new(),
            ),
            expect(
                "the trust lead supervising",
                "record_not_sent",
                "session",
                lead_unsent,
                each(&[date(2026, 2, 12)], &[lead]),
            ),
            expect(
                "the trust lead supervising hears once",
                "record_not_sent_overdue",
                "session",
                lead_unsent,
                each(&[date(2026, 2, 17)], &[lead]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_unsigned_record_reminds_those_yet_to_sign_at_ten_days_and_every_party_at_fourteen() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;

        let first = session(db, a1, ours, date(2026, 2, 2), held(date(2026, 2, 2))).await;
        let half_signed = record(db, a1, first, w.supervisor, date(2026, 2, 5)).await;
        sign(db, a1, half_signed, w.supervisor, date(2026, 2, 6)).await;
        let second = session(db, a1, ours, date(2026, 2, 3), held(date(2026, 2, 3))).await;
        let signed = record(db, a1, second, w.supervisor, date(2026, 2, 5)).await;
        sign(db, a1, signed, w.supervisor, date(2026, 2, 6)).await;
        sign(db, a1, signed, w.sam, date(2026, 2, 10)).await;

        scan_around(&w.app, &[date(2026, 2, 15), date(2026, 2, 19)]).await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "the supervisee yet to sign at ten days",
                "record_unsigned",
                "record",
                half_signed,
                each(&[date(2026, 2, 15)], &[sam]),
            ),
            expect(
                "every party at fourteen",
                "record_unsigned_overdue",
                "record",
                half_signed,
                each(&[date(2026, 2, 19)], &[sup, sam]),
            ),
            expect(
                "a record signed by all is not reminded of",
                "record_unsigned",
                "record",
                signed,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "record_unsigned_overdue",
                "record",
                signed,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

/// A record sent on paper on `sent` and entered in Haven as sent on `entered`.
async fn paper_record(
    db: &DatabaseConnection,
    place: Place,
    session: Uuid,
    author: Uuid,
    sent: NaiveDate,
    entered: NaiveDate,
) -> Uuid {
    let id = record(db, place, session, author, entered).await;
    e::supervision_record::ActiveModel {
        id: Set(id),
        sent_on: Set(Some(sent)),
        paper_original: Set(Some("Filed in the DSL office".into())),
        ..Default::default()
    }
    .update(db)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_record_sent_on_paper_is_reminded_of_from_the_day_sent_but_never_late() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;

        // Both sent on paper on 3 February; one entered five days later, one five weeks later.
        let first = session(db, a1, ours, date(2026, 2, 2), held(date(2026, 2, 2))).await;
        let soon = paper_record(
            db,
            a1,
            first,
            w.supervisor,
            date(2026, 2, 3),
            date(2026, 2, 8),
        )
        .await;
        let second = session(db, a1, ours, date(2026, 2, 3), held(date(2026, 2, 3))).await;
        let late = paper_record(
            db,
            a1,
            second,
            w.supervisor,
            date(2026, 2, 3),
            date(2026, 3, 10),
        )
        .await;

        scan_around(
            &w.app,
            &[
                date(2026, 2, 13),
                date(2026, 2, 17),
                date(2026, 3, 11),
                date(2026, 3, 17),
            ],
        )
        .await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "entered soon: those yet to sign at ten days after it was sent",
                "record_unsigned",
                "record",
                soon,
                each(&[date(2026, 2, 13)], &[sup, sam]),
            ),
            expect(
                "and every party at fourteen",
                "record_unsigned_overdue",
                "record",
                soon,
                each(&[date(2026, 2, 17)], &[sup, sam]),
            ),
            expect(
                "entered after those days: never reminded late",
                "record_unsigned",
                "record",
                late,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "record_unsigned_overdue",
                "record",
                late,
                BTreeSet::new(),
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
async fn an_open_action_reminds_its_owner_three_days_ahead_and_the_supervisor_too_the_day_after() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;
        let met = session(db, a1, ours, date(2026, 1, 5), held(date(2026, 1, 5))).await;
        let due = date(2026, 2, 20);

        let open = action(db, a1, met, w.sam, due, None).await;
        let done = action(db, a1, met, w.sam, due, Some(date(2026, 2, 10))).await;
        let supervisors = action(db, a1, met, w.supervisor, due, None).await;

        scan_around(&w.app, &[date(2026, 2, 17), date(2026, 2, 21)]).await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "the owner three days ahead",
                "action_due",
                "action",
                open,
                each(&[date(2026, 2, 17)], &[sam]),
            ),
            expect(
                "the owner and the supervisor the day after",
                "action_overdue",
                "action",
                open,
                each(&[date(2026, 2, 21)], &[sam, sup]),
            ),
            expect(
                "a done action is not reminded of",
                "action_due",
                "action",
                done,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "action_overdue",
                "action",
                done,
                BTreeSet::new(),
            ),
            expect(
                "the supervisor owning it hears once",
                "action_overdue",
                "action",
                supervisors,
                each(&[date(2026, 2, 21)], &[sup]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_active_agreement_reminds_both_parties_thirty_days_before_its_review_and_the_day_after()
{
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let review_on = date(2026, 3, 15);
        let active = agreement(
            db,
            a1,
            Agreement {
                review_on,
                ..Agreement::new(w.supervisor, w.sam)
            },
        )
        .await;
        let ended = agreement(
            db,
            a1,
            Agreement {
                review_on,
                ended_on: Some(date(2026, 2, 1)),
                ..Agreement::new(w.supervisor, w.sia)
            },
        )
        .await;

        scan_around(&w.app, &[date(2026, 2, 13), date(2026, 3, 16)]).await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "both parties thirty days before",
                "agreement_review_due",
                "agreement",
                active,
                each(&[date(2026, 2, 13)], &[sup, sam]),
            ),
            expect(
                "both parties the day after",
                "agreement_review_overdue",
                "agreement",
                active,
                each(&[date(2026, 3, 16)], &[sup, sam]),
            ),
            expect(
                "an ended version is not reviewed",
                "agreement_review_due",
                "agreement",
                ended,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "agreement_review_overdue",
                "agreement",
                ended,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

async fn qa_review_of(db: &DatabaseConnection, lineage: Uuid) -> e::qa_review::Model {
    e::qa_review::Entity::find()
        .filter(e::qa_review::Column::AgreementLineageId.eq(lineage))
        .one(db)
        .await
        .unwrap()
        .expect("the scan created the review on its due date")
}

#[tokio::test]
async fn a_qa_review_reminds_the_director_on_its_day_and_the_trust_lead_too_thirty_days_later() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let director = person(db, w.tenants.trust_a, "Dora Director").await;
        trust_role(db, w.tenants.trust_a, director, "director_of_education").await;
        // Activated 16 November: the first review falls due on 16 February, created by the scan.
        let first_activation = date(2025, 11, 16);
        let left_open = agreement(
            db,
            a1,
            Agreement {
                activated_on: first_activation,
                ..Agreement::new(w.supervisor, w.sam)
            },
        )
        .await;
        let completed = agreement(
            db,
            a1,
            Agreement {
                activated_on: first_activation,
                ..Agreement::new(w.supervisor, w.sia)
            },
        )
        .await;

        scan_around(&w.app, &[date(2026, 2, 16)]).await;
        let open_review = qa_review_of(db, left_open).await;
        assert_eq!(open_review.due_on, date(2026, 2, 16), "{backend:?}");
        let done_review = qa_review_of(db, completed).await;
        let mut done: e::qa_review::ActiveModel = done_review.clone().into();
        done.completed_at = Set(Some(on(date(2026, 2, 20))));
        done.update(db).await.unwrap();
        scan_around(&w.app, &[date(2026, 3, 18)]).await;

        let lead = w.tenants.lead_a;
        let table = [
            expect(
                "the director on the due date",
                "qa_due",
                "qa_review",
                open_review.id,
                each(&[date(2026, 2, 16)], &[director]),
            ),
            expect(
                "the director and the trust lead thirty days on",
                "qa_overdue",
                "qa_review",
                open_review.id,
                each(&[date(2026, 3, 18)], &[director, lead]),
            ),
            expect(
                "a completed review is not overdue",
                "qa_overdue",
                "qa_review",
                done_review.id,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn training_reminds_the_person_sixty_days_before_expiry_and_the_trust_lead_too_the_day_after()
{
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let trust = w.tenants.trust_a;
        let lead = w.tenants.lead_a;
        let late = person(db, trust, "Lou Late").await;
        let (completed, expires) = (date(2024, 4, 30), date(2026, 4, 30));

        let lapsing = training(db, trust, w.sam, completed, expires, written()).await;
        let renewed = training(db, trust, w.sia, completed, expires, written()).await;
        training(
            db,
            trust,
            w.sia,
            date(2026, 2, 1),
            date(2028, 2, 1),
            date(2026, 2, 1),
        )
        .await;
        let leads = training(db, trust, lead, completed, expires, written()).await;
        // Recorded on 5 March, after its 60-day reminder's day (1 March): not sent late.
        let recorded_late = training(db, trust, late, completed, expires, date(2026, 3, 5)).await;

        scan_around(
            &w.app,
            &[
                date(2026, 3, 1),
                date(2026, 3, 5),
                date(2026, 3, 6),
                date(2026, 5, 1),
            ],
        )
        .await;

        let (expiring, expired) = (date(2026, 3, 1), date(2026, 5, 1));
        let table = [
            expect(
                "the person sixty days before",
                "training_expiring",
                "training",
                lapsing,
                each(&[expiring], &[w.sam]),
            ),
            expect(
                "the person and the trust lead the day after",
                "training_expired",
                "training",
                lapsing,
                each(&[expired], &[w.sam, lead]),
            ),
            expect(
                "a renewal stops it",
                "training_expiring",
                "training",
                renewed,
                BTreeSet::new(),
            ),
            expect(
                "a renewal stops the expiry too",
                "training_expired",
                "training",
                renewed,
                BTreeSet::new(),
            ),
            expect(
                "the trust lead's own training, once",
                "training_expired",
                "training",
                leads,
                each(&[expired], &[lead]),
            ),
            expect(
                "a reminder whose day came before the record is not sent late",
                "training_expiring",
                "training",
                recorded_late,
                BTreeSet::new(),
            ),
            expect(
                "its expiry still is",
                "training_expired",
                "training",
                recorded_late,
                each(&[expired], &[late, lead]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

/// Trust B's settings as stored JSON no version of Haven can read.
async fn corrupt_policy(db: &DatabaseConnection, trust: Uuid) -> Uuid {
    e::policy_setting::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        academy_id: Set(None),
        scope_key: Set("trust".into()),
        settings: Set(json!({ "agenda_required": "sometimes" })),
        row_version: Set(1),
        created_at: Set(on(written())),
        updated_at: Set(on(written())),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

fn keys(rows: &[e::notification_outbox::Model]) -> BTreeSet<(Uuid, String)> {
    rows.iter()
        .map(|row| (row.trust_id, row.idempotency_key.clone()))
        .collect()
}

#[tokio::test]
async fn a_scan_failing_for_one_trust_queues_the_others_and_run_again_misses_and_doubles_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let db = &app.test_db.owner;
        // Both trusts have supervisees past the minimum on Saturday 14 February.
        let day = date(2026, 2, 14);
        let broken = corrupt_policy(db, tenants.trust_b).await;

        let failed = haven_scheduler::run_once(&app.test_db.db, day, &FixedClock(on(day))).await;
        assert!(
            failed.is_err(),
            "{backend:?}: trust B's settings are unreadable"
        );
        let after_failure = outbox(&app).await;
        assert!(
            after_failure
                .iter()
                .any(|row| row.trust_id == tenants.trust_a),
            "{backend:?}: trust A was scanned despite B"
        );
        assert!(
            after_failure
                .iter()
                .all(|row| row.trust_id == tenants.trust_a),
            "{backend:?}"
        );

        let mut repaired: e::policy_setting::ActiveModel =
            e::policy_setting::Entity::find_by_id(broken)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .into();
        repaired.settings = Set(json!({}));
        repaired.update(db).await.unwrap();
        let rerun = scan(&app, day).await;
        let rows = outbox(&app).await;
        assert_eq!(keys(&rows).len(), rows.len(), "{backend:?}: a row twice");
        assert_eq!(
            rows.len(),
            rerun.reminders_due,
            "{backend:?}: one row per reminder"
        );
        assert_eq!(
            rerun.notifications,
            rows.len() - after_failure.len(),
            "{backend:?}: the rerun queued only what was missing"
        );
        assert!(
            rows.iter().any(|row| row.trust_id == tenants.trust_b),
            "{backend:?}: trust B's reminders are queued now"
        );
        let a_rows = rows
            .iter()
            .filter(|row| row.trust_id == tenants.trust_a)
            .count();
        assert_eq!(a_rows, after_failure.len(), "{backend:?}: A not doubled");
        let a_before: BTreeSet<Uuid> = after_failure.iter().map(|row| row.id).collect();
        assert!(
            rows.iter()
                .filter(|row| row.trust_id == tenants.trust_a)
                .all(|row| a_before.contains(&row.id)),
            "{backend:?}: A's rows are the first run's"
        );

        // The same day on a fresh app that never failed queues the same reminders.
        let clean = TestApp::spawn(backend).await;
        let clean_tenants = Tenants::create(&clean.test_db.db).await;
        with_term_dates(&clean, &clean_tenants).await;
        let clean_run = scan(&clean, day).await;
        assert_eq!(clean_run.reminders_due, rerun.reminders_due, "{backend:?}");
        assert_eq!(outbox(&clean).await.len(), rows.len(), "{backend:?}");
        clean.stop().await;
        app.stop().await;
    }
}

/// `haven scheduler run-once --as-of day` against the test database, as an operator runs it.
fn run_once_process(app: &TestApp, day: NaiveDate, dir: &std::path::Path) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_haven"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HAVEN_")) {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("HAVEN_LOG__FILTER", "warn")
        .env("HAVEN_DATABASE__URL", &app.test_db.url)
        .env("HAVEN_DATABASE__MIGRATION_URL", &app.test_db.owner_url)
        .args([
            "scheduler",
            "run-once",
            "--as-of",
            &day.format("%Y-%m-%d").to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn two_scheduler_processes_scanning_one_postgres_at_once_queue_each_reminder_once() {
    for backend in backends() {
        if backend == Backend::Sqlite {
            eprintln!("skipped on SQLite: two processes on one file serialise on its write lock");
            // Two processes on one SQLite file serialise on its write lock; the in-process race
            // is `reminders::two_scans_of_one_day_at_once_queue_each_reminder_once`.
            continue;
        }
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let dir = std::env::temp_dir().join(format!("haven-scan-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let day = date(2026, 2, 14);

        let started = std::time::Instant::now();
        let one = run_once_process(&app, day, &dir);
        let two = run_once_process(&app, day, &dir);
        let (one, two) = tokio::task::spawn_blocking(move || {
            (
                one.wait_with_output().unwrap(),
                two.wait_with_output().unwrap(),
            )
        })
        .await
        .unwrap();
        for output in [&one, &two] {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        eprintln!(
            "two run-once processes took {:?}: {:?} / {:?}",
            started.elapsed(),
            String::from_utf8_lossy(&one.stdout).trim(),
            String::from_utf8_lossy(&two.stdout).trim()
        );

        let rows = outbox(&app).await;
        assert!(!rows.is_empty());
        assert_eq!(keys(&rows).len(), rows.len(), "a reminder queued twice");
        assert!(rows.iter().all(|row| row.due_on == day));
        let queued: usize = [&one, &two]
            .iter()
            .map(|output| queued_count(&String::from_utf8_lossy(&output.stdout)))
            .sum();
        assert_eq!(queued, rows.len(), "{one:?} {two:?}");
        let reviews = e::qa_review::Entity::find()
            .all(&app.test_db.owner)
            .await
            .unwrap();
        let distinct: BTreeSet<(Uuid, NaiveDate)> = reviews
            .iter()
            .map(|review| (review.agreement_lineage_id, review.due_on))
            .collect();
        assert_eq!(distinct.len(), reviews.len(), "a QA review created twice");
        let in_process = scan(&app, day).await;
        assert_eq!(in_process.qa_reviews_created, 0);
        assert_eq!(in_process.reminders_due, rows.len());
        assert_eq!(in_process.notifications, 0);
        std::fs::remove_dir_all(dir).unwrap();
        app.stop().await;
    }
}

/// The `N notifications queued` of run-once's summary line.
fn queued_count(stdout: &str) -> usize {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("scan as of"))
        .unwrap_or_else(|| panic!("no summary in {stdout:?}"));
    let before = line
        .trim_end()
        .strip_suffix(" notifications queued")
        .unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Trust A's people calling the API at the instant of a clock the test moves.
struct Api {
    app: TestApp,
    clock: TestClock,
    tenants: Tenants,
    backend: Backend,
}

impl Api {
    fn set(&self, day: NaiveDate, hour: u32) {
        self.clock
            .set(Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).unwrap()));
    }

    /// `person` calls `path` and expects `status`; answers the body.
    async fn expect(
        &self,
        status: u16,
        person: Uuid,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let now = haven_jobs::Clock::now(&self.clock);
        let today = now.date_naive();
        let scope = Scope::for_person(
            &self.app.test_db.db,
            self.tenants.trust_a,
            person,
            Origin::Cli,
            today,
        )
        .await
        .unwrap();
        let browser = self.app.browser_at(&scope, now).await;
        let (got, answer) = call(&self.app, method.clone(), path, &browser, body).await;
        assert_eq!(
            got, status,
            "{:?} on {today}: {method} {path}: {answer}",
            self.backend
        );
        answer
    }
}

fn uuid_of(value: &serde_json::Value) -> Uuid {
    Uuid::parse_str(value["id"].as_str().unwrap()).unwrap()
}

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
async fn a_scan_killed_part_way_and_run_again_queues_each_reminder_once_and_misses_none() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // Eight trusts, so a scan has a middle to be killed in.
        for _ in 0..4 {
            let tenants = Tenants::create(&app.test_db.db).await;
            with_term_dates(&app, &tenants).await;
        }
        let dir = std::env::temp_dir().join(format!("haven-kill-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        // How long an undisturbed scan takes here, so the kills land across its whole run.
        let started = std::time::Instant::now();
        let whole = run_once_process(&app, date(2026, 3, 2), &dir)
            .wait()
            .unwrap();
        assert!(whole.success());
        let took = started.elapsed();
        let days = [
            (date(2026, 1, 24), 3),
            (date(2026, 2, 1), 5),
            (date(2026, 2, 14), 7),
            (date(2026, 8, 9), 9),
        ];
        for (day, tenths) in days {
            let mut process = run_once_process(&app, day, &dir);
            tokio::time::sleep(took * tenths / 10).await;
            // SIGKILL: no clean-up of any kind, as when a node is lost.
            process.kill().unwrap();
            let status = process.wait().unwrap();
            let before = outbox(&app)
                .await
                .iter()
                .filter(|row| row.due_on == day)
                .count();
            eprintln!(
                "{backend:?} {day}: killed at {tenths}/10 of {took:?} ({status}), {before} queued"
            );

            let again = scan(&app, day).await;
            let rows: Vec<_> = outbox(&app)
                .await
                .into_iter()
                .filter(|row| row.due_on == day)
                .collect();
            assert!(!rows.is_empty(), "{backend:?} {day}");
            assert_eq!(keys(&rows).len(), rows.len(), "{backend:?} {day}: doubled");
            assert_eq!(rows.len(), again.reminders_due, "{backend:?} {day}: missed");
        }
        std::fs::remove_dir_all(dir).unwrap();
        app.stop().await;
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

impl Api {
    /// The page at `path` as `person` sees it.
    async fn page(&self, person: Uuid, path: &str) -> String {
        let now = haven_jobs::Clock::now(&self.clock);
        let scope = Scope::for_person(
            &self.app.test_db.db,
            self.tenants.trust_a,
            person,
            Origin::Cli,
            now.date_naive(),
        )
        .await
        .unwrap();
        let browser = self.app.browser_at(&scope, now).await;
        let response = send(&self.app, &browser, Method::GET, path, None).await;
        assert_eq!(response.status(), 200, "{:?}: {path}", self.backend);
        response.text().await.unwrap()
    }

    /// Trust B's lead asks for `path`: whatever trust A holds there, they find nothing.
    async fn walled(&self, path: &str) {
        let now = haven_jobs::Clock::now(&self.clock);
        let lead = lead_b_id(&self.app, &self.tenants).await;
        let scope = Scope::for_person(
            &self.app.test_db.db,
            self.tenants.trust_b,
            lead,
            Origin::Cli,
            now.date_naive(),
        )
        .await
        .unwrap();
        let browser = self.app.browser_at(&scope, now).await;
        let (status, body) = call(&self.app, Method::GET, path, &browser, None).await;
        assert_eq!(status, 404, "{:?}: {path}: {body}", self.backend);
    }

    /// The supervisor drafts an agreement at `academy` and every party signs it now.
    async fn signed_agreement(
        &self,
        academy: Uuid,
        supervisor: Uuid,
        supervisees: &[Uuid],
        terms: serde_json::Value,
    ) -> serde_json::Value {
        let mut body = json!({
            "academy_id": academy, "supervisor_id": supervisor, "supervisee_ids": supervisees,
            "standard_agenda": "Cases, actions, wellbeing", "records_location": "Haven",
            "confidentiality_terms": "As the trust policy", "diversity_terms": "As the trust policy",
        });
        for (key, value) in terms.as_object().unwrap() {
            body[key] = value.clone();
        }
        let draft = self
            .expect(
                201,
                supervisor,
                Method::POST,
                "/api/v1/agreements",
                Some(body),
            )
            .await;
        let sign = format!("/api/v1/agreements/{}/sign", uuid_of(&draft));
        let mut signed = draft.clone();
        for party in std::iter::once(supervisor).chain(supervisees.iter().copied()) {
            signed = self
                .expect(
                    200,
                    party,
                    Method::POST,
                    &sign,
                    Some(json!({ "content_hash": draft["content_hash"] })),
                )
                .await;
        }
        assert_eq!(signed["status"], "active", "{:?}: {signed}", self.backend);
        signed
    }

    /// The supervisor books a session of `kind` of `agreement` and marks it held on its day,
    /// after it ran.
    async fn held(
        &self,
        supervisor: Uuid,
        agreement: &serde_json::Value,
        kind: &str,
        day: NaiveDate,
    ) -> serde_json::Value {
        let booking = json!({ "kind": kind, "starts_at": on(day), "duration": 60,
                              "mode": "video" });
        let path = format!("/api/v1/agreements/{}/sessions", uuid_of(agreement));
        let session = self
            .expect(201, supervisor, Method::POST, &path, Some(booking))
            .await;
        self.set(day, 12);
        self.expect(
            200,
            supervisor,
            Method::POST,
            &format!("/api/v1/sessions/{}/held", uuid_of(&session)),
            Some(json!({})),
        )
        .await
    }

    /// `person`'s compliance entries on `as_of`, as the trust lead reads them.
    async fn compliance_of(&self, person: Uuid, as_of: NaiveDate) -> Vec<serde_json::Value> {
        let all = self
            .expect(
                200,
                self.tenants.lead_a,
                Method::GET,
                &format!("/api/v1/compliance/supervisees?as_of={as_of}"),
                None,
            )
            .await;
        all["supervisees"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["person_id"] == person.to_string())
            .cloned()
            .collect()
    }
}

/// Scans every day from `from` to `to`.
async fn scan_days(app: &TestApp, from: NaiveDate, to: NaiveDate) {
    for day in from.iter_days().take_while(|day| *day <= to) {
        scan(app, day).await;
    }
}

async fn api_on(backend: Backend, day: NaiveDate) -> Api {
    let clock = TestClock::starting_at(on(day));
    let app = TestApp::spawn_with_clock(backend, clock.clone(), |_| {}).await;
    let tenants = Tenants::create(&app.test_db.db).await;
    with_term_dates(&app, &tenants).await;
    Api {
        app,
        clock,
        tenants,
        backend,
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
