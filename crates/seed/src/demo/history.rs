//! One academy's supervision history: agreements and their renewal, sessions planned from each
//! agreement's plan, and what followed each session (agenda, case notes, record, signatures,
//! actions), then the quarterly QA reviews.
//!
//! Most of it is the ordinary run of things; a few rows are placed on purpose so every flag and
//! reminder of DESIGN §4 and §5 has something to find: two cancelled sessions never re-held, a
//! record left in draft, disagreements (one escalated and closed, one open), overdue actions, an
//! overdue QA review.

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use haven_domain::{Cadence, PolicySettings, SessionKind, add_working_days, planned_dates};
use haven_entity as e;
use haven_store::WriteTx;
use haven_store::agreement::{Terms, TermsInput};
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Seed;
use super::org::{Academy, Person, Policy, Trust};
use super::text::{self, RecordFacts};
use crate::days::{hm, london, plus, trust_id, weekday};

use crate::SeedError;

/// Academies whose DSL has a cancelled session that was never re-held [ES].
const NOT_REHELD: [usize; 2] = [3, 10];
/// The academy whose DSL's record of a session over 14 days old is still a draft.
const DRAFT_LEFT: usize = 5;
/// The academy whose DSL has left a record sent over three weeks ago unsigned, past the
/// signing deadline (an ad hoc meeting's record, which is owed nobody, never counts).
const UNSIGNED_LEFT: usize = 6;
/// Where a DSL disagreed with a record: escalated and closed, and still open.
const DISAGREED_CLOSED: usize = 3;
const DISAGREED_OPEN: usize = 1;
/// The academy whose DSL agreement has a QA review more than 30 days past due.
const QA_OVERDUE: usize = 9;
/// Academies where a DSL met a deputy ad hoc about an urgent case.
const AD_HOC: [usize; 2] = [4, 7];
/// At most this many open actions are left past their due date across the trust.
const OVERDUE_ACTIONS: usize = 8;

/// Who supervises whom under one agreement lineage, and when they meet.
struct Spec {
    /// 0 for the DSL's own supervision, then one per deputy.
    number: usize,
    kind: &'static str,
    supervisor: Person,
    supervisees: Vec<Person>,
    weekday: Weekday,
    time: NaiveTime,
}

impl Spec {
    fn is_dsls(&self) -> bool {
        self.number == 0
    }
}

/// Every lineage of the academy, with its history.
pub async fn create(
    tx: &mut WriteTx<'_>,
    seed: &mut Seed,
    trust: &Trust,
    academy: &Academy,
) -> Result<(), SeedError> {
    let settings = academy.policy.settings();
    let mut dsl_supervisees = vec![academy.dsl.clone()];
    if academy.dsl_agreement_kind == "group" {
        dsl_supervisees.extend(academy.deputies.first().cloned());
    }
    let mut specs = vec![Spec {
        number: 0,
        kind: academy.dsl_agreement_kind,
        supervisor: academy.dsl_supervisor.clone(),
        supervisees: dsl_supervisees,
        weekday: weekday(academy.index),
        time: hm(9, 30),
    }];
    for (number, deputy) in (1..).zip(&academy.deputies) {
        specs.push(Spec {
            number,
            kind: "one_to_one",
            supervisor: academy.dsl.clone(),
            supervisees: vec![deputy.clone()],
            weekday: weekday(academy.index.saturating_add(number)),
            time: hm(11 + 2 * u32::try_from(number).unwrap_or(0), 30),
        });
    }
    for spec in &specs {
        let mut run = Run::start(tx, seed, academy, &settings, spec).await?;
        run.sessions(tx, seed).await?;
        run.qa_reviews(tx, seed, trust).await?;
    }
    Ok(())
}

/// One version of an agreement.
struct Version {
    id: Uuid,
    activated_on: NaiveDate,
}

/// A session the plan put in the diary.
#[derive(Clone, Copy)]
struct Slot {
    date: NaiveDate,
    version: usize,
    kind: SessionKind,
}

/// What became of a session, for the QA review's counts.
struct Outcome {
    date: NaiveDate,
    /// Put in the diary by the plan (not a rebooking or an ad hoc meeting).
    planned: bool,
    held: bool,
}

/// The slots placed on purpose in this lineage.
#[derive(Default)]
struct Marks {
    not_reheld: Option<usize>,
    draft_left: Option<usize>,
    unsigned_left: Option<usize>,
    disagreed_closed: Option<usize>,
    disagreed_open: Option<usize>,
    absent: Option<usize>,
}

impl Marks {
    fn contains(&self, index: usize) -> bool {
        [
            self.not_reheld,
            self.draft_left,
            self.unsigned_left,
            self.disagreed_closed,
            self.disagreed_open,
            self.absent,
        ]
        .contains(&Some(index))
    }
}

/// A lineage being written: its versions, its plan and what has happened so far.
struct Run<'a> {
    academy: &'a Academy,
    settings: &'a PolicySettings,
    spec: &'a Spec,
    versions: [Version; 2],
    minutes: i32,
    /// Descriptions of the last record's actions and what became of them.
    previous_actions: Vec<String>,
    /// An action carried forward, to reappear in the next record.
    carried: Option<(Uuid, String)>,
    outcomes: Vec<Outcome>,
}

/// A session to write.
struct SessionRow {
    version: usize,
    kind: SessionKind,
    status: &'static str,
    date: NaiveDate,
    rebooking_of: Option<Uuid>,
    created_at: DateTime<Utc>,
}

/// Whether a supervisee signed, and how.
enum Response {
    Signed,
    Disagreed,
    NotYet,
}

impl<'a> Run<'a> {
    /// Writes both versions of the agreement: version 1 activated about two years ago, renewed
    /// after its 12-month review into version 2, which is active.
    async fn start(
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        academy: &'a Academy,
        settings: &'a PolicySettings,
        spec: &'a Spec,
    ) -> Result<Self, SeedError> {
        let two_years_ago = seed
            .today
            .checked_sub_months(Months::new(24))
            .unwrap_or(seed.history_starts);
        // Staggered so reviews fall due on different days, the first few already past.
        let offset = i64::try_from(academy.index * 5 + spec.number * 2).unwrap_or(0) - 8;
        let first = seed
            .working_day_from(plus(two_years_ago, offset))
            .ok_or_else(|| refused!("no working day to activate an agreement"))?;
        let renewed = first
            .checked_add_months(Months::new(12))
            .and_then(|day| seed.working_day_from(day))
            .ok_or_else(|| refused!("no working day to renew an agreement"))?;
        let minutes = i32::try_from(settings.session_length.minutes())?;
        let mut run = Self {
            academy,
            settings,
            spec,
            versions: [
                Version {
                    id: Uuid::nil(),
                    activated_on: first,
                },
                Version {
                    id: Uuid::nil(),
                    activated_on: renewed,
                },
            ],
            minutes,
            previous_actions: Vec::new(),
            carried: None,
            outcomes: Vec::new(),
        };
        run.versions[0].id = run
            .agreement(tx, seed, 1, None, first, Some(renewed))
            .await?;
        let v1 = run.versions[0].id;
        run.versions[1].id = run.agreement(tx, seed, 2, Some(v1), renewed, None).await?;
        Ok(run)
    }

    /// The agreement's minimum: its academy's, except that an external supervisor of a head
    /// at an academy whose floor is counted in weeks meets them half-termly [OP].
    fn minimum(&self) -> Cadence {
        match self.settings.minimum.cadence() {
            Cadence::Weekly | Cadence::EveryNWeeks(_) if self.spec.kind == "external" => {
                Cadence::HalfTermly
            }
            minimum => minimum,
        }
    }

    fn version(&self, index: usize) -> &Version {
        let [v1, v2] = &self.versions;
        if index == 0 { v1 } else { v2 }
    }

    async fn agreement(
        &self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        version: i32,
        previous: Option<Uuid>,
        activated_on: NaiveDate,
        ended_on: Option<NaiveDate>,
    ) -> Result<Uuid, SeedError> {
        let id = seed.ids.next();
        let lineage_id = previous.map_or(id, |_| self.versions[0].id);
        let plan = self.settings.plan;
        let (cadence, weeks) = match plan.cadence {
            Cadence::Weekly => ("weekly", None),
            Cadence::EveryNWeeks(weeks) => ("every_n_weeks", Some(i32::from(weeks.get()))),
            Cadence::HalfTermly => ("half_termly", None),
            Cadence::Termly => ("termly", None),
        };
        let max_cases = self
            .settings
            .max_cases_per_session
            .map(|cap| i32::try_from(cap.get()))
            .transpose()?;
        let records_location = if self.academy.policy == Policy::CaptainCook {
            "Haven; decisions about a child are also recorded on the child's CPOMS file"
        } else {
            "Haven"
        };
        // What both parties sign, built and hashed by the store's own constructor, so the hash
        // is the one the API shows and checks.
        let terms = Terms::check(TermsInput {
            plan_cadence: cadence.to_owned(),
            plan_weeks: weeks.map(u32::try_from).transpose()?,
            extended_each_half_term: plan.extended_each_half_term,
            minimum: Some(self.minimum().code()),
            session_minutes: Some(u32::try_from(self.minutes)?),
            max_cases_per_session: max_cases.map(u32::try_from).transpose()?,
            agenda_required: Some(self.settings.agenda_required),
            standard_agenda: text::STANDARD_AGENDA.to_owned(),
            records_location: records_location.to_owned(),
            confidentiality_terms: text::CONFIDENTIALITY.to_owned(),
            diversity_terms: text::DIVERSITY.to_owned(),
        })?;
        let hash = terms.hash()?;
        let review_due_on =
            activated_on.checked_add_months(Months::new(self.settings.agreement_review_months));
        let first_signature = london(plus(activated_on, -3), hm(16, 0));
        let second_signature = london(activated_on, hm(10, 0));
        let trust = trust_id(tx);
        let academy_id = self.academy.id;
        tx.insert(e::agreement::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            academy_id: Set(academy_id),
            lineage_id: Set(lineage_id),
            version: Set(version),
            previous_version_id: Set(previous),
            kind: Set(self.spec.kind.to_owned()),
            supervisor_id: Set(self.spec.supervisor.id),
            status: Set(if ended_on.is_some() {
                "superseded"
            } else {
                "active"
            }
            .to_owned()),
            activated_on: Set(Some(activated_on)),
            review_due_on: Set(review_due_on),
            ended_on: Set(ended_on),
            row_version: Set(1),
            created_at: Set(london(plus(activated_on, -7), hm(12, 0))),
            updated_at: Set(ended_on.map_or(second_signature, |day| london(day, hm(10, 0)))),
            ..terms.columns()?
        })
        .await?;
        seed.counts.agreements = seed.counts.agreements.saturating_add(1);
        for supervisee in &self.spec.supervisees {
            tx.insert(e::agreement_supervisee::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(academy_id),
                agreement_id: Set(id),
                person_id: Set(supervisee.id),
            })
            .await?;
        }
        // The supervisor signs first; the agreement is active from the second signature.
        let signers = std::iter::once((self.spec.supervisor.id, first_signature)).chain(
            self.spec
                .supervisees
                .iter()
                .map(|p| (p.id, second_signature)),
        );
        for (person_id, signed_at) in signers {
            tx.insert(e::agreement_signature::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(academy_id),
                agreement_id: Set(id),
                person_id: Set(person_id),
                signed_at: Set(signed_at),
                content_hash: Set(hash.clone()),
            })
            .await?;
        }
        Ok(id)
    }

    /// The diary: each version's plan from its activation, version 2 up to the end of the
    /// current half term, plus an ad hoc meeting where one happened.
    fn slots(&self, seed: &Seed) -> Vec<Slot> {
        let plan = self.settings.plan;
        let [v1, v2] = &self.versions;
        let spans = [
            (0, v1.activated_on, plus(v2.activated_on, -1)),
            (1, v2.activated_on, seed.horizon),
        ];
        let mut slots: Vec<Slot> = spans
            .into_iter()
            .flat_map(|(version, from, to)| {
                planned_dates(&plan, from, to, &seed.cal, self.spec.weekday)
                    .into_iter()
                    .map(move |planned| (version, planned))
            })
            .map(|(version, planned)| Slot {
                date: planned.date,
                version,
                kind: if self.spec.kind == "group" {
                    SessionKind::Group
                } else if planned.extended {
                    SessionKind::Extended
                } else {
                    SessionKind::Formal
                },
            })
            .collect();
        if self.spec.number == 1
            && AD_HOC.contains(&self.academy.index)
            && let Some(date) = seed.working_day_from(plus(seed.today, -40))
            && !slots.iter().any(|slot| slot.date == date)
        {
            slots.push(Slot {
                date,
                version: 1,
                kind: SessionKind::AdHoc,
            });
            slots.sort_by_key(|slot| slot.date);
        }
        slots
    }

    /// Chooses the slots of this lineage that carry one of the deliberate situations.
    fn marks(&self, seed: &Seed, slots: &[Slot]) -> Marks {
        let mut marks = Marks::default();
        if !self.spec.is_dsls() {
            return marks;
        }
        let index = self.academy.index;
        let last_where = |keep: &dyn Fn(&Slot) -> bool| {
            slots.iter().rposition(|slot| {
                slot.date < seed.today && slot.kind.counts_towards_plan() && keep(slot)
            })
        };
        if NOT_REHELD.contains(&index) {
            // Past its 5-working-day re-hold deadline by now.
            marks.not_reheld = last_where(&|slot| {
                add_working_days(slot.date, 6, &seed.cal).is_some_and(|day| day < seed.today)
            });
        }
        if index == DRAFT_LEFT {
            marks.draft_left = last_where(&|slot| slot.date <= plus(seed.today, -15));
        }
        if index == UNSIGNED_LEFT {
            marks.unsigned_left = last_where(&|slot| slot.date <= plus(seed.today, -30));
        }
        if index == DISAGREED_CLOSED {
            marks.disagreed_closed = last_where(&|slot| slot.date <= plus(seed.today, -270));
        }
        if index == DISAGREED_OPEN {
            marks.disagreed_open = last_where(&|slot| slot.date <= plus(seed.today, -21));
        }
        if self.spec.kind == "group" {
            let past = slots.iter().filter(|slot| slot.date < seed.today).count();
            marks.absent = past.checked_sub(3);
        }
        marks
    }

    async fn sessions(&mut self, tx: &mut WriteTx<'_>, seed: &mut Seed) -> Result<(), SeedError> {
        let slots = self.slots(seed);
        let marks = self.marks(seed, &slots);
        for (index, slot) in slots.iter().enumerate() {
            let next_on = slots.get(index.saturating_add(1)).map(|next| next.date);
            // Put in the diary when the agreement was signed, or the day before at the latest.
            let created_at = london(self.version(slot.version).activated_on, hm(10, 5))
                .min(self.starts_at(slot.date) - TimeDelta::days(1));
            let row = SessionRow {
                version: slot.version,
                kind: slot.kind,
                status: "planned",
                date: slot.date,
                rebooking_of: None,
                created_at,
            };
            if slot.date >= seed.today {
                self.planned(tx, seed, row).await?;
                continue;
            }
            let rebook_on =
                add_working_days(slot.date, 1 + u32::try_from(seed.rng.below(4))?, &seed.cal);
            let reheld = match rebook_on {
                _ if marks.not_reheld == Some(index) => None,
                Some(day)
                    if slot.kind.counts_towards_plan()
                        && !marks.contains(index)
                        && day <= seed.horizon
                        && seed.rng.chance(4) =>
                {
                    Some(day)
                }
                _ => {
                    self.held(tx, seed, row, &marks, index, next_on).await?;
                    continue;
                }
            };
            let (cancelled_id, cancelled_at) = self.cancelled(tx, seed, row).await?;
            if let Some(day) = reheld {
                let rebooking = SessionRow {
                    version: slot.version,
                    kind: slot.kind,
                    status: "planned",
                    date: day,
                    rebooking_of: Some(cancelled_id),
                    created_at: cancelled_at,
                };
                if day < seed.today {
                    // No slot index: a rebooking never carries one of the deliberate marks.
                    self.held(tx, seed, rebooking, &marks, usize::MAX, next_on)
                        .await?;
                } else {
                    self.planned(tx, seed, rebooking).await?;
                }
            }
        }
        Ok(())
    }

    fn starts_at(&self, day: NaiveDate) -> DateTime<Utc> {
        london(day, self.spec.time)
    }

    /// Inserts the session row and its expected attendees; returns its id.
    async fn session(
        &mut self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        row: &SessionRow,
        cancelled: Option<(DateTime<Utc>, Uuid, &'static str)>,
        attended: &dyn Fn(usize) -> Option<bool>,
    ) -> Result<Uuid, SeedError> {
        let id = seed.ids.next();
        let starts_at = self.starts_at(row.date);
        let mode = if self.spec.kind == "external" {
            if seed.rng.chance(50) {
                "video"
            } else {
                "phone"
            }
        } else if self.spec.is_dsls() && seed.rng.chance(50) {
            "video"
        } else {
            "in_person"
        };
        let location = match mode {
            "in_person" => Some(format!("Safeguarding office, {}", self.academy.name)),
            "video" => Some("Microsoft Teams".to_owned()),
            _ => None,
        };
        let minutes = match row.kind {
            SessionKind::Extended => self.minutes.saturating_mul(2),
            SessionKind::AdHoc => 30,
            SessionKind::Formal | SessionKind::Group => self.minutes,
        };
        let held_marked_at =
            (row.status == "held").then(|| (starts_at + TimeDelta::days(1)).min(seed.now));
        let updated_at = held_marked_at
            .or(cancelled.map(|(at, _, _)| at))
            .unwrap_or(row.created_at);
        let trust = trust_id(tx);
        let academy_id = self.academy.id;
        tx.insert(e::supervision_session::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            academy_id: Set(academy_id),
            agreement_id: Set(self.version(row.version).id),
            kind: Set(row.kind.code().to_owned()),
            mode: Set(mode.to_owned()),
            status: Set(row.status.to_owned()),
            starts_at: Set(starts_at),
            duration_minutes: Set(minutes),
            location: Set(location),
            held_marked_at: Set(held_marked_at),
            held_on: Set(None),
            cancelled_at: Set(cancelled.map(|(at, _, _)| at)),
            cancelled_on: Set(None),
            cancelled_by: Set(cancelled.map(|(_, by, _)| by)),
            cancel_reason: Set(cancelled.map(|(_, _, reason)| reason.to_owned())),
            rebooking_of_id: Set(row.rebooking_of),
            rebooked_late: Set(false),
            note: Set(None),
            ical_sequence: Set(i32::from(cancelled.is_some())),
            row_version: Set(1),
            created_at: Set(row.created_at),
            updated_at: Set(updated_at),
        })
        .await?;
        for (n, supervisee) in self.spec.supervisees.iter().enumerate() {
            tx.insert(e::session_attendee::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(academy_id),
                session_id: Set(id),
                person_id: Set(supervisee.id),
                attended: Set(attended(n)),
            })
            .await?;
        }
        seed.counts.sessions = seed.counts.sessions.saturating_add(1);
        self.outcomes.push(Outcome {
            date: row.date,
            planned: row.rebooking_of.is_none() && row.kind.counts_towards_plan(),
            held: row.status == "held",
        });
        Ok(id)
    }

    /// A session still ahead, with its agenda where one is due by now.
    async fn planned(
        &mut self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        row: SessionRow,
    ) -> Result<(), SeedError> {
        let id = self.session(tx, seed, &row, None, &|_| None).await?;
        let due = self.settings.agenda_deadline(row.date);
        if self.settings.agenda_required && due <= seed.today {
            // Some supervisees are still drafting theirs, which the agenda reminder will find.
            let submitted = seed
                .rng
                .chance(60)
                .then(|| london(plus(due, -1), hm(16, 0)));
            self.agenda(tx, seed, id, submitted).await?;
        }
        Ok(())
    }

    /// A cancelled session; returns its id and when it was cancelled.
    async fn cancelled(
        &mut self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        row: SessionRow,
    ) -> Result<(Uuid, DateTime<Utc>), SeedError> {
        let at = london(plus(row.date, -seed.rng.days(1, 3)), hm(8, 15));
        let by = if seed.rng.chance(50) {
            self.spec.supervisor.id
        } else {
            self.spec
                .supervisees
                .first()
                .map_or(self.spec.supervisor.id, |p| p.id)
        };
        let reason = seed.rng.pick(&text::CANCEL_REASONS);
        let row = SessionRow {
            status: "cancelled",
            ..row
        };
        let id = self
            .session(tx, seed, &row, Some((at, by, reason)), &|_| None)
            .await?;
        Ok((id, at))
    }

    async fn agenda(
        &self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        session_id: Uuid,
        submitted_at: Option<DateTime<Utc>>,
    ) -> Result<Vec<Value>, SeedError> {
        let items = text::agenda(&mut seed.rng);
        let by = self.lead_supervisee();
        let at = submitted_at.unwrap_or(seed.now);
        tx.insert(e::agenda::ActiveModel {
            id: Set(seed.ids.next()),
            trust_id: Set(trust_id(tx)),
            academy_id: Set(self.academy.id),
            session_id: Set(session_id),
            submitted_by: Set(by.id),
            items: Set(Value::Array(items.clone())),
            submitted_at: Set(submitted_at),
            row_version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .await?;
        Ok(items)
    }

    /// The supervisee who sends the agenda and case notes (the DSL, in a group).
    fn lead_supervisee(&self) -> &Person {
        self.spec
            .supervisees
            .first()
            .unwrap_or(&self.spec.supervisor)
    }

    /// A session that took place, and everything that followed it.
    async fn held(
        &mut self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        row: SessionRow,
        marks: &Marks,
        index: usize,
        next_on: Option<NaiveDate>,
    ) -> Result<(), SeedError> {
        let row = SessionRow {
            status: "held",
            ..row
        };
        let absent = marks.absent == Some(index);
        let attended = move |n: usize| Some(!(absent && n > 0));
        let session_id = self.session(tx, seed, &row, None, &attended).await?;
        let starts_at = self.starts_at(row.date);
        let attendees: Vec<Person> = self
            .spec
            .supervisees
            .iter()
            .enumerate()
            .filter(|(n, _)| attended(*n) == Some(true))
            .map(|(_, p)| p.clone())
            .collect();

        let agenda = if self.settings.agenda_required && row.kind.owes_agenda() {
            // Most agendas arrive a week or more ahead [ES]; a few are late.
            let days_before = if seed.rng.chance(4) {
                seed.rng.days(2, 5)
            } else {
                seed.rng.days(7, 10)
            };
            let submitted = starts_at - TimeDelta::days(days_before);
            self.agenda(tx, seed, session_id, Some(submitted)).await?
        } else {
            Vec::new()
        };
        let case_notes = self.case_notes(tx, seed, session_id, &row).await?;

        let age = (seed.today - row.date).num_days();
        let draft = marks.draft_left == Some(index) || age < 3;
        let disagreed = if marks.disagreed_closed == Some(index) {
            Some("closed")
        } else if marks.disagreed_open == Some(index) {
            Some("open")
        } else {
            None
        };
        let sent_on = plus(row.date, seed.rng.days(1, (age - 1).clamp(1, 10)));
        let sent_at = london(sent_on, hm(16, 30));
        let actions = if draft {
            Vec::new()
        } else {
            self.plan_actions(seed, row.date, &attendees)
        };
        let facts = RecordFacts {
            group_attendees: if self.spec.kind == "group" {
                attendees.iter().map(|p| p.id).collect()
            } else {
                Vec::new()
            },
            previous_actions: &self.previous_actions,
            agenda: &agenda,
            next_session_on: next_on,
        };
        let content = text::record(&mut seed.rng, &facts);
        let hash = content.hash()?.to_string();
        let content = content.to_json()?;

        // The supervisor signs on sending; each supervisee within days, unless it is recent.
        let mut responses = Vec::new();
        if !draft {
            for person in &attendees {
                let signed_on = plus(sent_on, seed.rng.days(1, 6));
                let response = if disagreed.is_some() && person.id == self.lead_supervisee().id {
                    Response::Disagreed
                } else if marks.unsigned_left == Some(index)
                    || signed_on >= seed.today
                    || (age < 21 && seed.rng.chance(25))
                {
                    Response::NotYet
                } else {
                    Response::Signed
                };
                responses.push((person.clone(), response, london(signed_on, hm(12, 10))));
            }
        }
        let all_signed = responses
            .iter()
            .all(|(_, response, _)| !matches!(response, Response::NotYet));
        // A disagreement still being escalated keeps the record open; once resolved it stands.
        let status = if draft {
            "draft"
        } else if all_signed && disagreed != Some("open") {
            "signed"
        } else {
            "sent"
        };
        let frozen_at = (status == "signed")
            .then(|| responses.iter().map(|(_, _, at)| *at).max())
            .flatten();
        let record_id = seed.ids.next();
        let trust = trust_id(tx);
        let academy_id = self.academy.id;
        let created_at = (starts_at + TimeDelta::hours(5)).min(seed.now);
        tx.insert(e::supervision_record::ActiveModel {
            id: Set(record_id),
            trust_id: Set(trust),
            academy_id: Set(academy_id),
            session_id: Set(session_id),
            author_id: Set(self.spec.supervisor.id),
            status: Set(status.to_owned()),
            content: Set(content),
            content_hash: Set((!draft).then(|| hash.clone())),
            sent_at: Set((!draft).then_some(sent_at)),
            sent_on: Set(None),
            paper_original: Set(None),
            frozen_at: Set(frozen_at),
            next_session_on: Set(next_on),
            row_version: Set(1),
            created_at: Set(created_at),
            updated_at: Set(frozen_at
                .or((!draft).then_some(sent_at))
                .unwrap_or(created_at)),
        })
        .await?;
        seed.counts.records = seed.counts.records.saturating_add(1);
        if draft {
            return Ok(());
        }

        let supervisor_signs = (self.spec.supervisor.clone(), Response::Signed, sent_at);
        for (person, response, at) in std::iter::once(supervisor_signs).chain(responses) {
            let (outcome, disagreement) = match response {
                Response::Signed => ("signed", None),
                Response::Disagreed => ("disagreed", Some(text::DISAGREEMENT.to_owned())),
                Response::NotYet => continue,
            };
            tx.insert(e::record_signature::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(academy_id),
                record_id: Set(record_id),
                person_id: Set(person.id),
                outcome: Set(outcome.to_owned()),
                disagreement: Set(disagreement),
                signed_at: Set(at),
                signed_on: Set(None),
                medium: Set("electronic".into()),
                entered_by_id: Set(None),
                content_hash: Set(hash.clone()),
            })
            .await?;
            if outcome == "disagreed" {
                self.escalation(
                    tx,
                    seed,
                    record_id,
                    &person,
                    at,
                    disagreed == Some("closed"),
                )
                .await?;
            }
        }
        self.actions(
            tx,
            seed,
            session_id,
            record_id,
            case_notes.first().copied(),
            actions,
        )
        .await
    }

    /// Case notes (Appendix 3) for some sessions, never more than the policy's cap.
    async fn case_notes(
        &self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        session_id: Uuid,
        row: &SessionRow,
    ) -> Result<Vec<Uuid>, SeedError> {
        let cap = self
            .settings
            .max_cases_per_session
            .map_or(3, |cap| u64::from(cap.get().min(3)));
        // Weekly sessions bring notes now and then; an ad hoc meeting is about one case.
        let count = if row.kind == SessionKind::AdHoc {
            1
        } else if self.settings.plan.cadence == Cadence::Weekly && !seed.rng.chance(35) {
            0
        } else {
            1 + seed.rng.below(cap)
        };
        let author = self.lead_supervisee().id;
        let at = self.starts_at(row.date) - TimeDelta::days(7);
        let mut ids = Vec::new();
        for _ in 0..count {
            let words = text::case_note(&mut seed.rng);
            let id = seed.ids.next();
            tx.insert(e::case_note::ActiveModel {
                id: Set(id),
                trust_id: Set(trust_id(tx)),
                academy_id: Set(self.academy.id),
                session_id: Set(session_id),
                case_reference: Set(format!("CPOMS-{}", 20_000 + seed.rng.below(9_000))),
                child_initials: Set(text::initials(&mut seed.rng)),
                child_name_encrypted: Set(None),
                case_status: Set(seed
                    .rng
                    .pick(&haven_store::agenda::CASE_STATUSES)
                    .to_owned()),
                update_text: Set(words.update.to_owned()),
                childs_view: Set(words.childs_view.to_owned()),
                parents_views: Set(words.parents_views.to_owned()),
                visiting_pattern: Set(words.visiting_pattern.to_owned()),
                logs_up_to_date: Set(!seed.rng.chance(10)),
                chronology_up_to_date: Set(!seed.rng.chance(15)),
                risk_factors: Set(words.risk.to_owned()),
                protective_factors: Set(words.protective.to_owned()),
                outstanding_actions: Set(words.outstanding.to_owned()),
                created_by: Set(author),
                row_version: Set(1),
                created_at: Set(at),
                updated_at: Set(at),
            })
            .await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// The actions a record agrees, decided before the record is written since it lists them.
    fn plan_actions(
        &mut self,
        seed: &mut Seed,
        session_on: NaiveDate,
        attendees: &[Person],
    ) -> Vec<PlannedAction> {
        let owner_pool: Vec<&Person> = attendees.iter().collect();
        let count = 1 + seed.rng.below(2);
        (0..count)
            .map(|n| {
                let carried = if n == 0 { self.carried.take() } else { None };
                let description = carried.as_ref().map_or_else(
                    || seed.rng.pick(&text::ACTIONS).to_owned(),
                    |(_, description)| description.clone(),
                );
                let owner = if seed.rng.chance(75) {
                    let at = usize::try_from(seed.rng.below(owner_pool.len() as u64)).unwrap_or(0);
                    owner_pool.get(at).copied().unwrap_or(&self.spec.supervisor)
                } else {
                    &self.spec.supervisor
                };
                PlannedAction {
                    description,
                    owner: owner.clone(),
                    due_on: plus(session_on, seed.rng.days(14, 42)),
                    carried_from: carried.map(|(id, _)| id),
                }
            })
            .collect()
    }

    /// Writes a record's actions: done, carried forward, or open (a few of them overdue).
    async fn actions(
        &mut self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        session_id: Uuid,
        record_id: Uuid,
        case_note_id: Option<Uuid>,
        actions: Vec<PlannedAction>,
    ) -> Result<(), SeedError> {
        let mut summaries = Vec::new();
        for (n, action) in actions.into_iter().enumerate() {
            let id = seed.ids.next();
            let overdue_by = (seed.today - action.due_on).num_days();
            let (status, completed_on) = if overdue_by <= 0 {
                ("open", None)
            } else if overdue_by <= 90
                && seed.counts.overdue_actions < OVERDUE_ACTIONS
                && seed.rng.chance(15)
            {
                seed.counts.overdue_actions = seed.counts.overdue_actions.saturating_add(1);
                ("open", None)
            } else if self.carried.is_none() && seed.rng.chance(7) {
                self.carried = Some((id, action.description.clone()));
                ("carried_forward", None)
            } else {
                let done_on = plus(action.due_on, -seed.rng.days(0, 10));
                ("done", Some(done_on.min(plus(seed.today, -1))))
            };
            let created_at = london(plus(action.due_on, -14), hm(17, 0)).min(seed.now);
            tx.insert(e::supervision_action::ActiveModel {
                id: Set(id),
                trust_id: Set(trust_id(tx)),
                academy_id: Set(self.academy.id),
                session_id: Set(session_id),
                record_id: Set(Some(record_id)),
                case_note_id: Set(case_note_id.filter(|_| n == 0)),
                description: Set(action.description.clone()),
                owner_id: Set(action.owner.id),
                due_on: Set(action.due_on),
                status: Set(status.to_owned()),
                completed_on: Set(completed_on),
                completed_at: Set(None),
                carried_from_id: Set(action.carried_from),
                row_version: Set(1),
                created_at: Set(created_at),
                updated_at: Set(completed_on.map_or(created_at, |day| london(day, hm(17, 0)))),
            })
            .await?;
            seed.counts.actions = seed.counts.actions.saturating_add(1);
            summaries.push(format!(
                "{} ({}): {status}",
                action.description, action.owner.name
            ));
        }
        self.previous_actions = summaries;
        Ok(())
    }

    /// A supervisee's disagreement, escalated to the academy's safeguarding governor [OP].
    async fn escalation(
        &self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        record_id: Uuid,
        raised_by: &Person,
        raised_at: DateTime<Utc>,
        closed: bool,
    ) -> Result<(), SeedError> {
        let meeting_on = plus(raised_at.date_naive(), 7);
        let closed_at = closed.then(|| london(meeting_on, hm(15, 0)));
        tx.insert(e::escalation::ActiveModel {
            id: Set(seed.ids.next()),
            trust_id: Set(trust_id(tx)),
            academy_id: Set(self.academy.id),
            raised_by: Set(raised_by.id),
            record_id: Set(Some(record_id)),
            case_note_id: Set(None),
            escalated_to: Set("safeguarding_governor".to_owned()),
            assignee_id: Set(Some(self.academy.governor.id)),
            reason: Set(text::ESCALATION_REASON.to_owned()),
            meeting_on: Set(closed.then_some(meeting_on)),
            outcome: Set(closed.then(|| text::ESCALATION_OUTCOME.to_owned())),
            status: Set(if closed { "closed" } else { "open" }.to_owned()),
            closed_at: Set(closed_at),
            row_version: Set(1),
            created_at: Set(raised_at),
            updated_at: Set(closed_at.unwrap_or(raised_at)),
        })
        .await?;
        Ok(())
    }

    /// A QA review every 3 months from the first activation, up to today [ES]: completed by the
    /// director within 30 days, except the one left overdue and some of the newest.
    async fn qa_reviews(
        &self,
        tx: &mut WriteTx<'_>,
        seed: &mut Seed,
        trust: &Trust,
    ) -> Result<(), SeedError> {
        let interval = self.settings.qa_interval_months;
        let overdue_after = i64::from(self.settings.qa_overdue_days);
        let first = self.versions[0].activated_on;
        let dues: Vec<NaiveDate> = (1u32..)
            .map_while(|n| first.checked_add_months(Months::new(interval.saturating_mul(n))))
            .take_while(|due| *due <= seed.today)
            .collect();
        let left_overdue = (self.spec.is_dsls() && self.academy.index == QA_OVERDUE)
            .then(|| {
                dues.iter()
                    .rposition(|due| (seed.today - *due).num_days() > overdue_after)
            })
            .flatten();
        for (n, due_on) in dues.into_iter().enumerate() {
            let age = (seed.today - due_on).num_days();
            let complete =
                left_overdue != Some(n) && age >= 1 && (age > overdue_after || seed.rng.chance(50));
            let version = if due_on < self.versions[1].activated_on {
                0
            } else {
                1
            };
            let since = due_on
                .checked_sub_months(Months::new(interval))
                .unwrap_or(due_on);
            let in_quarter: Vec<&Outcome> = self
                .outcomes
                .iter()
                .filter(|o| o.date > since && o.date <= due_on)
                .collect();
            let planned = i32::try_from(in_quarter.iter().filter(|o| o.planned).count())?;
            let held = i32::try_from(in_quarter.iter().filter(|o| o.held).count())?;
            let completed_at = complete.then(|| {
                let day = plus(due_on, seed.rng.days(0, (age - 1).min(20)));
                london(day, hm(15, 0))
            });
            let created_at = london(due_on, hm(6, 0));
            tx.insert(e::qa_review::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust_id(tx)),
                academy_id: Set(self.academy.id),
                agreement_lineage_id: Set(self.versions[0].id),
                agreement_id: Set(self.version(version).id),
                reviewer_id: Set(Some(trust.director.id)),
                due_on: Set(due_on),
                completed_at: Set(completed_at),
                completed_on: Set(None),
                sessions_planned: Set(complete.then_some(planned)),
                sessions_held: Set(complete.then_some(held)),
                contract_agreed: Set(complete.then_some(true)),
                written_records: Set(complete.then_some(true)),
                checklist: Set(if complete {
                    text::qa_checklist(&mut seed.rng)
                } else {
                    json!({})
                }),
                comments: Set(complete.then(|| seed.rng.pick(&text::QA_COMMENTS).to_owned())),
                key_actions: Set(complete.then(|| seed.rng.pick(&text::QA_KEY_ACTIONS).to_owned())),
                row_version: Set(1),
                created_at: Set(created_at),
                updated_at: Set(completed_at.unwrap_or(created_at)),
            })
            .await?;
        }
        Ok(())
    }
}

/// An action a record is about to agree.
struct PlannedAction {
    description: String,
    owner: Person,
    due_on: NaiveDate,
    carried_from: Option<Uuid>,
}
