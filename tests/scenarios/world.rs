//! A year at one academy, driven through the JSON API on a clock the test moves: the 2026/27
//! term dates, the people a policy needs, signing in afresh at every step (sessions expire
//! after 12 hours, and the clock jumps weeks), and the steps every scenario repeats.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use haven_jobs::Clock;
use haven_store::{Origin, Scope};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Backend, Tenants, TestApp, TestClock, call};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The academy's 2026/27 half terms: Good Friday (26 March) and the early May bank holiday
/// (3 May) fall in term, the spring bank holiday (31 May) in the May break.
pub fn half_terms() -> [(u8, NaiveDate, NaiveDate); 6] {
    [
        (1, day(2026, 9, 2), day(2026, 10, 23)),
        (2, day(2026, 11, 2), day(2026, 12, 18)),
        (3, day(2027, 1, 4), day(2027, 2, 12)),
        (4, day(2027, 2, 22), day(2027, 3, 26)),
        (5, day(2027, 4, 12), day(2027, 5, 28)),
        (6, day(2027, 6, 7), day(2027, 7, 21)),
    ]
}

/// England's bank holidays from August 2026 to July 2027, written out from gov.uk.
const BANK_HOLIDAYS: [(i32, u32, u32); 8] = [
    (2026, 8, 31),
    (2026, 12, 25),
    (2026, 12, 28),
    (2027, 1, 1),
    (2027, 3, 26),
    (2027, 3, 29),
    (2027, 5, 3),
    (2027, 5, 31),
];

/// A weekday in term that is not a bank holiday, judged from the dates above alone.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
        && half_terms()
            .iter()
            .any(|(_, starts, ends)| *starts <= date && date <= *ends)
        && !BANK_HOLIDAYS
            .iter()
            .any(|(y, m, d)| day(*y, *m, *d) == date)
}

/// `date` at `hour`:00 UTC.
pub fn on(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    date.and_hms_opt(hour, 0, 0).unwrap().and_utc()
}

pub fn starts_at(session: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(session["starts_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The session's date: sessions are planned at noon London, the same day in UTC.
pub fn date_of(session: &Value) -> NaiveDate {
    starts_at(session).date_naive()
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// One scenario's app, clock and academy.
pub struct World {
    pub app: TestApp,
    pub clock: TestClock,
    pub tenants: Tenants,
    pub backend: Backend,
    pub academy: Uuid,
}

/// Every agreement is signed on this Monday, after the 2025/26 year ends, so its review falls
/// due on 27 July 2027, after the last session of 2026/27.
pub fn signing_day() -> NaiveDate {
    day(2026, 7, 27)
}

impl World {
    /// The app on a clock at the signing day, with a new academy in trust A's region and its
    /// 2026/27 term dates set by the trust lead.
    pub async fn start(backend: Backend, name: &str, urn: &str) -> Self {
        let clock = TestClock::starting_at(on(signing_day(), 9));
        let app = TestApp::spawn_with_clock(backend, clock.clone(), |_| {}).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let mut world = Self {
            app,
            clock,
            tenants,
            backend,
            academy: Uuid::nil(),
        };
        let lead = world.tenants.lead_a;
        let regions = world.ok(lead, Method::GET, "/api/v1/regions", None).await;
        let region = regions[0]["id"].clone();
        let academy = world
            .created(
                lead,
                Method::POST,
                "/api/v1/academies",
                json!({ "name": name, "urn": urn, "phase": "primary",
                        "local_authority": "Telford and Wrekin", "region_id": region }),
            )
            .await;
        world.academy = Uuid::parse_str(&id_of(&academy)).unwrap();
        let halves: Vec<Value> = half_terms()
            .iter()
            .map(|(number, starts, ends)| {
                json!({ "number": number, "starts_on": starts, "ends_on": ends })
            })
            .collect();
        let set = world
            .ok(
                lead,
                Method::PUT,
                &format!("/api/v1/academies/{}/term-dates/2026", world.academy),
                Some(json!({ "half_terms": halves })),
            )
            .await;
        assert_eq!(set["half_terms"].as_array().unwrap().len(), 6);
        world
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves the app's clock (forwards, as a year goes).
    pub fn set(&self, at: DateTime<Utc>) {
        self.clock.set(at);
    }

    /// `person` of trust A calls the API, signed in just now.
    pub async fn call(
        &self,
        person: Uuid,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let scope = Scope::for_person(
            &self.app.test_db.db,
            self.tenants.trust_a,
            person,
            Origin::Cli,
            self.today(),
        )
        .await
        .unwrap();
        let browser = self.app.browser_at(&scope, self.now()).await;
        call(&self.app, method, path, &browser, body).await
    }

    /// As [`World::call`], expecting 200.
    pub async fn ok(&self, person: Uuid, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(person, method.clone(), path, body).await;
        assert_eq!(
            status,
            200,
            "{:?} on {}: {method} {path}: {body}",
            self.backend,
            self.today()
        );
        body
    }

    /// As [`World::call`], expecting 201.
    pub async fn created(&self, person: Uuid, method: Method, path: &str, body: Value) -> Value {
        let (status, body) = self.call(person, method.clone(), path, Some(body)).await;
        assert_eq!(
            status,
            201,
            "{:?} on {}: {method} {path}: {body}",
            self.backend,
            self.today()
        );
        body
    }

    /// As [`World::call`], expecting a 422 that names `field` first.
    pub async fn refused(
        &self,
        person: Uuid,
        method: Method,
        path: &str,
        body: Value,
        field: &str,
    ) {
        let (status, problem) = self.call(person, method.clone(), path, Some(body)).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{:?} on {}: {method} {path}: {problem}",
            self.backend,
            self.today()
        );
    }

    /// A new person of the trust with `role` at the academy, invited and given the role by
    /// the trust lead.
    pub async fn person(&self, name: &str, role: &str) -> Uuid {
        let lead = self.tenants.lead_a;
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        let person = self
            .created(
                lead,
                Method::POST,
                "/api/v1/people",
                json!({ "display_name": name, "email": email }),
            )
            .await;
        let scope = if role == "director_of_education" {
            json!({ "role": role, "scope_kind": "trust" })
        } else {
            json!({ "role": role, "scope_kind": "academy", "academy_id": self.academy })
        };
        self.created(
            lead,
            Method::POST,
            &format!("/api/v1/people/{}/roles", id_of(&person)),
            scope,
        )
        .await;
        Uuid::parse_str(&id_of(&person)).unwrap()
    }

    /// The trust lead sets the trust's policy to a school's preset.
    pub async fn trust_policy(&self, preset: &str) {
        let policy = self
            .ok(
                self.tenants.lead_a,
                Method::PUT,
                "/api/v1/policy",
                Some(json!({ "row_version": 0, "preset": preset })),
            )
            .await;
        assert_eq!(policy["row_version"], 1, "{:?}: {policy}", self.backend);
    }

    /// Drafts an agreement as `supervisor` with `terms`, and has every party sign it.
    pub async fn agreement(&self, supervisor: Uuid, supervisees: &[Uuid], terms: Value) -> Value {
        let mut body = json!({
            "academy_id": self.academy,
            "supervisor_id": supervisor,
            "supervisee_ids": supervisees,
            "standard_agenda": "Cases, actions from last time, wellbeing, training",
            "records_location": "Haven",
            "confidentiality_terms": "Shared only as the trust policy allows",
            "diversity_terms": "Difference is named and discussed",
        });
        for (key, value) in terms.as_object().unwrap() {
            body[key] = value.clone();
        }
        let draft = self
            .created(supervisor, Method::POST, "/api/v1/agreements", body)
            .await;
        self.sign_agreement(&draft, supervisor, supervisees).await
    }

    /// Every party signs the draft; the last signature activates it.
    pub async fn sign_agreement(
        &self,
        draft: &Value,
        supervisor: Uuid,
        supervisees: &[Uuid],
    ) -> Value {
        assert_eq!(draft["status"], "draft", "{:?}: {draft}", self.backend);
        let path = format!("/api/v1/agreements/{}/sign", id_of(draft));
        let mut signed = Value::Null;
        for party in std::iter::once(supervisor).chain(supervisees.iter().copied()) {
            signed = self
                .ok(
                    party,
                    Method::POST,
                    &path,
                    Some(json!({ "content_hash": draft["content_hash"] })),
                )
                .await;
        }
        assert_eq!(signed["status"], "active", "{:?}: {signed}", self.backend);
        signed
    }

    /// The supervisor plans the year from the agreement's cadence, on `weekday` at noon
    /// London; checks every date is a working day and answers the sessions.
    pub async fn plan_year(&self, agreement: &Value, weekday: &str) -> Vec<Value> {
        let planned = self
            .created(
                agreement["supervisor_id"]
                    .as_str()
                    .map(|id| Uuid::parse_str(id).unwrap())
                    .unwrap(),
                Method::POST,
                &format!("/api/v1/agreements/{}/sessions/plan", id_of(agreement)),
                json!({ "from": "2026-09-01", "to": "2027-07-31", "weekday": weekday,
                        "time": "12:00", "mode": "in_person" }),
            )
            .await;
        let sessions = planned.as_array().unwrap().clone();
        for session in &sessions {
            assert!(
                is_working_day(date_of(session)),
                "{:?}: {} is a weekend, a bank holiday or out of term",
                self.backend,
                session["starts_at"]
            );
            assert_eq!(session["status"], "planned");
        }
        sessions
    }

    /// Holds the session: the supervisor marks it held once it has run (with who came, for a
    /// group), writes and sends the record; three days later, well within the policy's 14
    /// days, each supervisee signs. Answers the frozen record.
    pub async fn hold(
        &self,
        supervisor: Uuid,
        session: &Value,
        attendees: Option<&[Uuid]>,
        signers: &[Uuid],
    ) -> Value {
        let sent = self.hold_and_send(supervisor, session, attendees).await;
        self.set(self.now() + Duration::days(3));
        self.sign_record(&sent, signers).await
    }

    /// The supervisor marks the session held once it has run (with who came, for a group),
    /// writes its record and sends it for signature. Answers the sent record.
    pub async fn hold_and_send(
        &self,
        supervisor: Uuid,
        session: &Value,
        attendees: Option<&[Uuid]>,
    ) -> Value {
        let minutes = session["duration_minutes"].as_i64().unwrap();
        let ended = starts_at(session) + Duration::minutes(minutes);
        self.hold_and_send_at(supervisor, session, attendees, ended)
            .await
    }

    /// As [`World::hold_and_send`], the supervisor getting to it at `at`.
    pub async fn hold_and_send_at(
        &self,
        supervisor: Uuid,
        session: &Value,
        attendees: Option<&[Uuid]>,
        at: DateTime<Utc>,
    ) -> Value {
        self.set(at);
        let draft = self.hold_and_write(supervisor, session, attendees).await;
        self.send_record(supervisor, &draft).await
    }

    /// The supervisor marks the session held now (with who came, for a group) and drafts its
    /// record. Answers the draft.
    pub async fn hold_and_write(
        &self,
        supervisor: Uuid,
        session: &Value,
        attendees: Option<&[Uuid]>,
    ) -> Value {
        let id = id_of(session);
        let body = attendees.map(|ids| json!({ "attendee_ids": ids }));
        let held = self
            .ok(
                supervisor,
                Method::POST,
                &format!("/api/v1/sessions/{id}/held"),
                body.or(Some(json!({}))),
            )
            .await;
        assert_eq!(held["status"], "held");
        if let Some(came) = attendees {
            for attendee in held["attendees"].as_array().unwrap() {
                let person = Uuid::parse_str(attendee["person_id"].as_str().unwrap()).unwrap();
                assert_eq!(
                    attendee["attended"],
                    came.contains(&person),
                    "{:?}: {attendee}",
                    self.backend
                );
            }
        }
        self.created(
            supervisor,
            Method::POST,
            &format!("/api/v1/sessions/{id}/record"),
            json!({ "content": record_content(date_of(session)) }),
        )
        .await
    }

    /// The supervisor sends the draft record for signature. Answers the sent record.
    pub async fn send_record(&self, supervisor: Uuid, draft: &Value) -> Value {
        let sent = self
            .ok(
                supervisor,
                Method::POST,
                &format!("/api/v1/records/{}/send", id_of(draft)),
                None,
            )
            .await;
        assert_eq!(sent["status"], "sent", "{:?}: {sent}", self.backend);
        sent
    }

    /// Each of `signers` signs the sent record; the last answer freezes it.
    pub async fn sign_record(&self, sent: &Value, signers: &[Uuid]) -> Value {
        let path = format!("/api/v1/records/{}/sign", id_of(sent));
        let mut signed = sent.clone();
        for signer in signers {
            signed = self
                .ok(
                    *signer,
                    Method::POST,
                    &path,
                    Some(json!({ "content_hash": sent["content_hash"], "outcome": "signed" })),
                )
                .await;
        }
        assert_eq!(signed["status"], "signed", "{:?}: {signed}", self.backend);
        signed
    }

    /// Cancels `session` two days ahead and re-books it on `within`, inside the re-hold
    /// deadline, so it is linked and not shown late. Answers the new session.
    pub async fn cancel_and_rehold(
        &self,
        supervisor: Uuid,
        session: &Value,
        within: NaiveDate,
    ) -> Value {
        let id = id_of(session);
        self.set(starts_at(session) - Duration::days(2));
        let cancelled = self
            .ok(
                supervisor,
                Method::POST,
                &format!("/api/v1/sessions/{id}/cancel"),
                Some(json!({ "reason": "Strategy meeting called at short notice",
                             "row_version": session["row_version"] })),
            )
            .await;
        assert_eq!(cancelled["status"], "cancelled");
        let rebook = format!("/api/v1/sessions/{id}/rebook");
        let rebooked = self
            .created(
                supervisor,
                Method::POST,
                &rebook,
                json!({ "starts_at": on(within, 11) }),
            )
            .await;
        assert_eq!(rebooked["rebooking_of_id"], id.as_str());
        assert_eq!(
            rebooked["rebooked_late"], false,
            "{:?}: {rebooked}",
            self.backend
        );
        assert_eq!(rebooked["status"], "planned");
        assert_eq!(rebooked["kind"], session["kind"]);
        rebooked
    }

    /// An action agreed at `session`, owned by `owner`, due on `due_on`.
    pub async fn action(
        &self,
        author: Uuid,
        session: &Value,
        owner: Uuid,
        due_on: NaiveDate,
    ) -> Value {
        self.created(
            author,
            Method::POST,
            &format!("/api/v1/sessions/{}/actions", id_of(session)),
            json!({ "description": "Chase the strategy meeting minutes",
                    "owner_id": owner, "due_on": due_on }),
        )
        .await
    }

    /// The supervisor carries the open action to `to`, due on its date; the old one is
    /// `carried_forward` and the new one open.
    pub async fn carry_forward(&self, supervisor: Uuid, action: &Value, to: &Value) -> Value {
        let carried = self
            .created(
                supervisor,
                Method::POST,
                &format!("/api/v1/actions/{}/carry-forward", id_of(action)),
                json!({ "to_session_id": id_of(to), "due_on": date_of(to) }),
            )
            .await;
        assert_eq!(carried["status"], "open", "{:?}: {carried}", self.backend);
        let old = self
            .ok(
                supervisor,
                Method::GET,
                &format!(
                    "/api/v1/sessions/{}/actions",
                    action["session_id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(old["view"], "content", "{:?}: {old}", self.backend);
        let old = old["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == action["id"])
            .unwrap()
            .clone();
        assert_eq!(
            old["status"], "carried_forward",
            "{:?}: {old}",
            self.backend
        );
        carried
    }

    /// The agreement falls due for review a year after signing; the trust lead sets the
    /// 2027/28 term dates, a party renews it on that day and every party signs the new version,
    /// which supersedes the old. The old version's sessions still count: the first supervisee is
    /// on track the next day, under the new version, though none of its sessions is held yet.
    /// Answers the new version.
    pub async fn renew(&self, agreement: &Value, supervisor: Uuid, supervisees: &[Uuid]) -> Value {
        assert_eq!(agreement["review_due_on"], "2027-07-27");
        self.set(on(day(2027, 7, 27), 9));
        let next_year = [
            (1, day(2027, 9, 1), day(2027, 10, 22)),
            (2, day(2027, 11, 1), day(2027, 12, 17)),
            (3, day(2028, 1, 4), day(2028, 2, 11)),
            (4, day(2028, 2, 21), day(2028, 3, 31)),
            (5, day(2028, 4, 18), day(2028, 5, 26)),
            (6, day(2028, 6, 5), day(2028, 7, 20)),
        ]
        .map(|(number, starts, ends)| json!({ "number": number, "starts_on": starts, "ends_on": ends }));
        self.ok(
            self.tenants.lead_a,
            Method::PUT,
            &format!("/api/v1/academies/{}/term-dates/2027", self.academy),
            Some(json!({ "half_terms": next_year })),
        )
        .await;
        let old = id_of(agreement);
        let draft = self
            .created(
                supervisor,
                Method::POST,
                &format!("/api/v1/agreements/{old}/renew"),
                json!({}),
            )
            .await;
        assert_eq!(draft["version"], 2);
        assert_eq!(draft["lineage_id"], agreement["lineage_id"]);
        assert_eq!(
            draft["terms"], agreement["terms"],
            "{:?}: same terms",
            self.backend
        );
        let renewed = self.sign_agreement(&draft, supervisor, supervisees).await;
        assert_eq!(renewed["review_due_on"], "2028-07-27");
        let old = self
            .ok(
                supervisor,
                Method::GET,
                &format!("/api/v1/agreements/{old}"),
                None,
            )
            .await;
        assert_eq!(old["status"], "superseded", "{:?}: {old}", self.backend);
        let status = self
            .expect_level(supervisees[0], day(2027, 7, 28), "on_track", None)
            .await;
        assert_eq!(
            status["agreement_id"], renewed["id"],
            "{:?}: {status}",
            self.backend
        );
        renewed
    }

    /// Another trust's DSL and another academy's DSL find nothing at the agreement's address.
    pub async fn walled(&self, agreement: &Value) {
        let path = format!("/api/v1/agreements/{}", id_of(agreement));
        let other_academy = self
            .call(self.tenants.dsl_a2, Method::GET, &path, None)
            .await;
        assert_eq!(other_academy.0, 404, "{:?}: another academy", self.backend);
        let scope = Scope::for_person(
            &self.app.test_db.db,
            self.tenants.trust_b,
            self.tenants.dsl_b1,
            Origin::Cli,
            self.today(),
        )
        .await
        .unwrap();
        let browser = self.app.browser_at(&scope, self.now()).await;
        let other_trust = call(&self.app, Method::GET, &path, &browser, None).await;
        assert_eq!(other_trust.0, 404, "{:?}: another trust", self.backend);
    }

    /// `person`'s compliance on `as_of`, as the trust lead reads it: on that morning, or later
    /// when the clock has passed it.
    pub async fn compliance(&self, person: Uuid, as_of: NaiveDate) -> Value {
        if self.now() < on(as_of, 7) {
            self.set(on(as_of, 7));
        }
        let all = self
            .ok(
                self.tenants.lead_a,
                Method::GET,
                &format!("/api/v1/compliance/supervisees?as_of={as_of}"),
                None,
            )
            .await;
        assert_eq!(all["as_of"], as_of.to_string());
        all["supervisees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["person_id"] == person.to_string())
            .unwrap_or_else(|| panic!("{:?}: {person} not listed on {as_of}: {all}", self.backend))
            .clone()
    }

    /// Asserts `person` is at `level` on `as_of`, with `reason` among the reasons when given.
    pub async fn expect_level(
        &self,
        person: Uuid,
        as_of: NaiveDate,
        level: &str,
        reason: Option<&str>,
    ) -> Value {
        let status = self.compliance(person, as_of).await;
        assert_eq!(
            status["level"], level,
            "{:?} on {as_of}: {status}",
            self.backend
        );
        let kinds: Vec<&str> = status["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect();
        match reason {
            Some(kind) => assert!(
                kinds.contains(&kind),
                "{:?} on {as_of}: {kind} expected: {status}",
                self.backend
            ),
            None => {
                assert!(kinds.is_empty(), "{:?} on {as_of}: {status}", self.backend);
                assert_eq!(
                    status["flags"],
                    json!([]),
                    "{:?} on {as_of}: nothing else needs attention",
                    self.backend
                );
            }
        }
        status
    }

    /// Asserts `person` is overdue on `as_of` because the minimum was due on `due`, and that
    /// the academy's roll-up counts them.
    pub async fn expect_breached(&self, person: Uuid, as_of: NaiveDate, due: NaiveDate) {
        let status = self
            .expect_level(person, as_of, "overdue", Some("minimum_breached"))
            .await;
        let status = &status;
        let breached = status["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "minimum_breached")
            .unwrap();
        assert_eq!(
            breached["due"],
            due.to_string(),
            "{:?}: {breached}",
            self.backend
        );
        assert!(
            breached["text"]
                .as_str()
                .unwrap()
                .contains(&due.to_string())
        );
        let academies = self
            .ok(
                self.tenants.lead_a,
                Method::GET,
                &format!("/api/v1/compliance/academies?as_of={as_of}"),
                None,
            )
            .await;
        let ours = academies["academies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["academy_id"] == self.academy.to_string())
            .unwrap();
        assert_eq!(ours["level"], "overdue", "{:?}: {ours}", self.backend);
        assert!(
            ours["overdue"].as_u64().unwrap() >= 1,
            "{:?}: {ours}",
            self.backend
        );
        for key in ["regions", "trust"] {
            let rolled = self
                .ok(
                    self.tenants.lead_a,
                    Method::GET,
                    &format!("/api/v1/compliance/{key}?as_of={as_of}"),
                    None,
                )
                .await;
            let tally = match &rolled[key] {
                Value::Array(regions) => regions
                    .iter()
                    .find(|r| r["region_id"] == ours["region_id"])
                    .unwrap()
                    .clone(),
                trust => trust.clone(),
            };
            assert_eq!(tally["level"], "overdue", "{:?}: {rolled}", self.backend);
            assert!(
                tally["overdue"].as_u64().unwrap() >= 1,
                "{:?}: {rolled}",
                self.backend
            );
        }
        self.compliance_walled(person, as_of, status).await;
    }

    /// The supervisee reads their own status as the lead does; another academy's DSL and
    /// another trust's DSL do not see it.
    async fn compliance_walled(&self, person: Uuid, as_of: NaiveDate, status: &Value) {
        let path = format!("/api/v1/compliance/supervisees?as_of={as_of}");
        let listed = |all: &Value| {
            all["supervisees"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["person_id"] == person.to_string())
                .cloned()
        };
        let own = self.ok(person, Method::GET, &path, None).await;
        assert_eq!(
            listed(&own).as_ref(),
            Some(status),
            "{:?}: {own}",
            self.backend
        );
        let other_academy = self.ok(self.tenants.dsl_a2, Method::GET, &path, None).await;
        assert_eq!(
            listed(&other_academy),
            None,
            "{:?}: another academy",
            self.backend
        );
        let scope = Scope::for_person(
            &self.app.test_db.db,
            self.tenants.trust_b,
            self.tenants.dsl_b1,
            Origin::Cli,
            self.today(),
        )
        .await
        .unwrap();
        let browser = self.app.browser_at(&scope, self.now()).await;
        let (code, other_trust) = call(&self.app, Method::GET, &path, &browser, None).await;
        assert_eq!(code, 200, "{:?}: {other_trust}", self.backend);
        assert_eq!(
            listed(&other_trust),
            None,
            "{:?}: another trust",
            self.backend
        );
    }

    /// The kinds of `status`'s flags.
    pub fn flag_kinds(status: &Value) -> Vec<String> {
        status["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// A record with what sending needs (issues and decisions) and the Gibbs sections.
fn record_content(held_on: NaiveDate) -> Value {
    json!({
        "agenda_items": ["Cases", "Wellbeing"],
        "issues_discussed": [format!("Cases reviewed on {held_on}")],
        "decisions": [{ "decision": "Refer to children's social care", "reasons": "Threshold met" }],
        "wellbeing": "Coping; workload high",
        "gibbs": { "description": "Home visit", "feelings": "Worried", "evaluation": "Went well",
                   "analysis": "Early help worked", "conclusion": "Escalate sooner",
                   "action_plan": "Refer today" }
    })
}

/// Appendix 3 notes on one case.
pub fn case_note(reference: &str) -> Value {
    json!({
        "case_reference": reference,
        "child_initials": "j. s.",
        "case_status": "child_in_need",
        "update_text": "Referral accepted by social care",
        "childs_view": "Wants to stay at school",
        "parents_views": "Worried about housing",
        "visiting_pattern": "Fortnightly",
        "logs_up_to_date": true,
        "chronology_up_to_date": false,
        "risk_factors": "Overcrowding",
        "protective_factors": "Attends every day",
        "outstanding_actions": "Chase the housing officer",
    })
}
