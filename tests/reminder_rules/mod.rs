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

mod actions_and_reviews;
mod records;
mod scans;
mod sessions;
mod through_the_api;

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
