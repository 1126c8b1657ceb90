//! Compliance read models (DESIGN §4, "Compliance"): each supervisee's status on a date, with
//! the reasons and flags behind it, and the same rolled up by academy, region and trust for the
//! dashboards.
//!
//! The store gathers what Haven knew at the end of the day asked about (a session counts as
//! held from the day its supervisor marked it so, a record as sent or signed from the day it
//! was, an action as open until the day it was completed) and the domain's
//! [`compliance_status`] judges it against the academy's effective policy and term calendar.
//! One entry is made per supervisee per agreement in force that day, so a person supervised
//! under two agreements is judged under each.
//!
//! Who sees what: the trust and academy leads (trust safeguarding lead, director of education,
//! auditor, regional lead, headteacher, DSL) and tokens with `read_figures` see every entry of
//! the academies their scope sees; anyone else sees only the entries they are a party to.
//! The roll-ups are for those leads alone: a region's only for whoever sees all of it, the
//! trust's only for a trust-wide scope.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use haven_domain::role::Role;
use haven_domain::{
    Capability, ComplianceLevel, ComplianceStatus, Flag, PolicySettings, Reason, SuperviseeFacts,
    TermCalendar, attention_flags, compliance_status, qa_overdue,
};
use haven_entity as e;
use serde::Serialize;
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::scope::{AcademyVisibility, Scope};
use crate::snapshot::{Snapshot, held_on, in_force, kind_of, marked_held_on, minimum_of};
use crate::time::london_date;
use crate::{Db, StoreError};

/// A reason or flag with the sentence a dashboard shows for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explained<T> {
    #[serde(flatten)]
    pub item: T,
    pub text: String,
}

impl<T: std::fmt::Display> Explained<T> {
    fn new(item: T) -> Self {
        let text = item.to_string();
        Self { item, text }
    }
}

/// One supervisee under one agreement, on the date asked about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuperviseeCompliance {
    pub person_id: Uuid,
    pub name: String,
    pub academy_id: Uuid,
    /// The version of the agreement in force that day.
    pub agreement_id: Uuid,
    pub lineage_id: Uuid,
    pub supervisor_id: Uuid,
    pub level: ComplianceLevel,
    /// Why the level is not on track; empty exactly when it is.
    pub reasons: Vec<Explained<Reason>>,
    pub flags: Vec<Explained<Flag>>,
}

/// How many supervisees carry each flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct FlagCounts {
    pub records_not_sent: u32,
    pub records_unsigned: u32,
    pub records_disagreed: u32,
    pub actions_overdue: u32,
    pub agreement_past_review: u32,
    pub training_expired: u32,
    pub qa_overdue: u32,
    pub term_dates_missing: u32,
}

/// Supervisees counted by level and by flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// The worst level of any supervisee counted; on track when there are none.
    pub level: ComplianceLevel,
    pub supervisees: u32,
    pub on_track: u32,
    pub behind_plan: u32,
    pub due_soon: u32,
    pub overdue: u32,
    pub flags: FlagCounts,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            level: ComplianceLevel::OnTrack,
            supervisees: 0,
            on_track: 0,
            behind_plan: 0,
            due_soon: 0,
            overdue: 0,
            flags: FlagCounts::default(),
        }
    }
}

impl Tally {
    fn count(&mut self, entry: &SuperviseeCompliance) {
        let add = |n: &mut u32| *n = n.saturating_add(1);
        add(&mut self.supervisees);
        self.level = self.level.max(entry.level);
        match entry.level {
            ComplianceLevel::OnTrack => add(&mut self.on_track),
            ComplianceLevel::BehindPlan => add(&mut self.behind_plan),
            ComplianceLevel::DueSoon => add(&mut self.due_soon),
            ComplianceLevel::Overdue => add(&mut self.overdue),
        }
        for flag in &entry.flags {
            let flags = &mut self.flags;
            add(match flag.item {
                Flag::RecordsNotSent { .. } => &mut flags.records_not_sent,
                Flag::RecordsUnsigned { .. } => &mut flags.records_unsigned,
                Flag::RecordsDisagreed { .. } => &mut flags.records_disagreed,
                Flag::ActionsOverdue { .. } => &mut flags.actions_overdue,
                Flag::AgreementPastReview { .. } => &mut flags.agreement_past_review,
                Flag::TrainingExpired { .. } => &mut flags.training_expired,
                Flag::QaOverdue => &mut flags.qa_overdue,
                Flag::TermDatesMissing => &mut flags.term_dates_missing,
            });
        }
    }

    fn of<'a>(entries: impl IntoIterator<Item = &'a SuperviseeCompliance>) -> Self {
        let mut tally = Self::default();
        for entry in entries {
            tally.count(entry);
        }
        tally
    }
}

/// An academy's supervisees on the date asked about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcademyCompliance {
    pub academy_id: Uuid,
    pub name: String,
    pub region_id: Option<Uuid>,
    #[serde(flatten)]
    pub tally: Tally,
}

/// A region's supervisees, across its academies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionCompliance {
    pub region_id: Uuid,
    pub name: String,
    pub academies: u32,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The whole trust's supervisees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrustCompliance {
    pub trust_id: Uuid,
    pub academies: u32,
    #[serde(flatten)]
    pub tally: Tally,
}

/// Roles whose holders lead supervision where they work and so see everyone's status there.
const LEADS: [Role; 6] = [
    Role::TrustSafeguardingLead,
    Role::DirectorOfEducation,
    Role::Auditor,
    Role::RegionalSafeguardingLead,
    Role::Headteacher,
    Role::Dsl,
];

fn leads_supervision(scope: &Scope) -> bool {
    match scope.capabilities() {
        Some(capabilities) => capabilities.contains(&Capability::ReadFigures),
        None => {
            scope.person_id().is_none()
                || scope.roles().iter().any(|held| LEADS.contains(&held.role))
        }
    }
}

fn require_lead(scope: &Scope) -> Result<(), StoreError> {
    if leads_supervision(scope) {
        Ok(())
    } else {
        Err(StoreError::NotPermitted {
            action: "read the compliance dashboards",
        })
    }
}

/// How many dashboards this process works out at once: one per core. Judging a large trust is
/// heavy; past this bound a request waits for its turn rather than slowing every tenant's
/// requests.
fn judging_turns() -> &'static Semaphore {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    TURNS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
    })
}

/// Which of the trust's history a judging reads.
#[derive(Debug, Clone, Copy)]
enum History {
    /// The rows that can change a figure on the day judged ([`Snapshot::load_on`]).
    Day,
    /// Every row, as the reminder scan reads them: the reference the day's reads are checked
    /// against.
    Whole,
}

/// What the scope sees of its trust, loaded and judged on `as_of` in one turn
/// ([`judging_turns`]), the judging on a blocking thread so the request threads stay free. A
/// request whose client has gone is dropped where it waits: for its turn or for its rows.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of, ?history))]
async fn judged(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
    history: History,
) -> Result<(Snapshot, Vec<SuperviseeCompliance>), StoreError> {
    let stopped = |reason: String| StoreError::Stopped {
        what: "compliance dashboard",
        reason,
    };
    let _turn = judging_turns()
        .acquire()
        .await
        .map_err(|closed| stopped(closed.to_string()))?;
    let read = db.read(scope).await?;
    let snapshot = match history {
        History::Day => Snapshot::load_on(&read, as_of).await?,
        History::Whole => Snapshot::load(&read).await?,
    };
    read.finish().await?;
    tokio::task::spawn_blocking(move || {
        let entries = snapshot.judge(as_of);
        (snapshot, entries)
    })
    .await
    .map_err(|failed| stopped(failed.to_string()))
}

/// Every supervisee's status on `as_of` that the scope may see, worst first.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of))]
pub async fn supervisees(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<SuperviseeCompliance>, StoreError> {
    supervisees_judged(db, scope, as_of, History::Day).await
}

/// [`supervisees`] judged from the trust's whole history instead of the rows the day needs:
/// the reference that the tests and the dashboards bench hold the day's reads to.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of))]
pub async fn supervisees_from_whole_history(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<SuperviseeCompliance>, StoreError> {
    supervisees_judged(db, scope, as_of, History::Whole).await
}

async fn supervisees_judged(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
    history: History,
) -> Result<Vec<SuperviseeCompliance>, StoreError> {
    let (_, mut entries) = judged(db, scope, as_of, history).await?;
    if !leads_supervision(scope) {
        let me = scope.person_id();
        entries.retain(|entry| Some(entry.person_id) == me || Some(entry.supervisor_id) == me);
    }
    Ok(entries)
}

/// One tally per academy the scope sees, in name order, for the supervision leads.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of))]
pub async fn academies(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<AcademyCompliance>, StoreError> {
    require_lead(scope)?;
    let (snapshot, entries) = judged(db, scope, as_of, History::Day).await?;
    let mut academies: Vec<AcademyCompliance> = snapshot
        .academies
        .iter()
        .map(|academy| AcademyCompliance {
            academy_id: academy.id,
            name: academy.name.clone(),
            region_id: academy.region_id,
            tally: Tally::of(entries.iter().filter(|e| e.academy_id == academy.id)),
        })
        .collect();
    academies.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(academies)
}

/// Whether the scope sees all of a region: trust-wide, or as the region's own lead.
fn sees_region(scope: &Scope, region_id: Uuid) -> bool {
    *scope.academies() == AcademyVisibility::Trust
        || scope.roles().iter().any(|held| {
            held.role == Role::RegionalSafeguardingLead && held.region_id == Some(region_id)
        })
}

/// One tally per region the scope sees whole, in name order.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of))]
pub async fn regions(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<RegionCompliance>, StoreError> {
    require_lead(scope)?;
    let read = db.read(scope).await?;
    let regions = read.list::<e::region::Entity>().await?;
    read.finish().await?;
    let (snapshot, entries) = judged(db, scope, as_of, History::Day).await?;
    let mut rollups = Vec::new();
    for region in regions.into_iter().filter(|r| sees_region(scope, r.id)) {
        let members: BTreeSet<Uuid> = snapshot
            .academies
            .iter()
            .filter(|a| a.region_id == Some(region.id))
            .map(|a| a.id)
            .collect();
        rollups.push(RegionCompliance {
            region_id: region.id,
            name: region.name,
            academies: u32::try_from(members.len()).unwrap_or(u32::MAX),
            tally: Tally::of(entries.iter().filter(|e| members.contains(&e.academy_id))),
        });
    }
    rollups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rollups)
}

/// The trust's tally, for a scope that sees the whole trust.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of))]
pub async fn trust(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<TrustCompliance, StoreError> {
    require_lead(scope)?;
    if *scope.academies() != AcademyVisibility::Trust {
        return Err(StoreError::NotPermitted {
            action: "read the whole trust's compliance",
        });
    }
    let (snapshot, entries) = judged(db, scope, as_of, History::Day).await?;
    Ok(TrustCompliance {
        trust_id: scope.trust_id(),
        academies: u32::try_from(snapshot.academies.len()).unwrap_or(u32::MAX),
        tally: Tally::of(&entries),
    })
}

impl Snapshot {
    /// Every supervisee of every agreement in force on `as_of`, worst first.
    fn judge(&self, as_of: NaiveDate) -> Vec<SuperviseeCompliance> {
        let mut entries = Vec::new();
        for agreement in self.agreements.iter().filter(|a| in_force(a, as_of)) {
            let Some(policy) = self.policies.get(&agreement.academy_id) else {
                continue;
            };
            let calendar = self.calendars.get(&agreement.academy_id);
            for person in self.supervisees_of(agreement.id) {
                let facts = self.facts(agreement, person, policy, calendar, as_of);
                let status = match calendar {
                    Some(calendar) => compliance_status(&facts, policy, calendar, as_of),
                    None => without_calendar(&facts, policy, as_of),
                };
                entries.push(SuperviseeCompliance {
                    person_id: person,
                    name: self.people.get(&person).cloned().unwrap_or_default(),
                    academy_id: agreement.academy_id,
                    agreement_id: agreement.id,
                    lineage_id: agreement.lineage_id,
                    supervisor_id: agreement.supervisor_id,
                    level: status.level,
                    reasons: status.reasons.into_iter().map(Explained::new).collect(),
                    flags: status.flags.into_iter().map(Explained::new).collect(),
                });
            }
        }
        entries.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.name.cmp(&b.name)));
        entries
    }

    /// What was known about `person` under `current`'s lineage at the end of `as_of`.
    fn facts(
        &self,
        current: &e::agreement::Model,
        person: Uuid,
        policy: &PolicySettings,
        calendar: Option<&TermCalendar>,
        as_of: NaiveDate,
    ) -> SuperviseeFacts {
        let lineage = self.lineage(current);
        let supervised_since = self.supervised_since(&lineage).unwrap_or(as_of);
        let half_term_start = calendar.and_then(|cal| {
            cal.half_term_containing_or_after(as_of)
                .and_then(|ht| cal.period_start(ht.starts_on))
        });
        let sessions: Vec<&e::supervision_session::Model> = self
            .sessions_of(&lineage)
            .filter(|s| self.took_part(s, person, current))
            .collect();
        let held: Vec<&e::supervision_session::Model> = sessions
            .iter()
            .copied()
            .filter(|s| held_by(s, as_of))
            .collect();
        let counting_held: Vec<&e::supervision_session::Model> = held
            .iter()
            .copied()
            .filter(|s| kind_of(s).counts_towards_minimum())
            .collect();
        // An ad hoc session owes no record, so none is late.
        let owing_records = || held.iter().filter(|s| kind_of(s).owes_record());
        let this_half_term = |s: &&e::supervision_session::Model| {
            half_term_start.is_some_and(|start| london_date(s.starts_at) >= start)
        };
        // Planned so far: the sessions the parties planned (moved as they moved them) that
        // should have taken place before the day judged, whatever became of them; a
        // re-booking stands in for the cancelled one, which already counts.
        let planned: Vec<&e::supervision_session::Model> = sessions
            .iter()
            .copied()
            .filter(|s| kind_of(s).counts_towards_plan() && s.rebooking_of_id.is_none())
            .filter(|s| london_date(s.created_at) <= as_of && london_date(s.starts_at) < as_of)
            .filter(this_half_term)
            .collect();

        SuperviseeFacts {
            minimum: minimum_of(current, Some(policy)),
            supervised_since,
            held_sessions: counting_held.iter().map(|s| held_on(s)).collect(),
            planned_so_far_this_half_term: count(planned.iter()),
            extended_planned_so_far_this_half_term: count(
                planned.iter().filter(|s| kind_of(s).is_extended()),
            ),
            extended_held_this_half_term: count(
                counting_held
                    .iter()
                    .filter(|s| kind_of(s).is_extended() && this_half_term(s)),
            ),
            records_unsent_over_deadline: count(
                owing_records()
                    .filter(|s| as_of > policy.record_send_deadline(london_date(s.starts_at)))
                    .filter(|s| {
                        self.records
                            .get(&s.id)
                            .and_then(|r| r.sent_at)
                            .is_none_or(|sent| london_date(sent) > as_of)
                    }),
            ),
            records_unsigned_over_deadline: count(
                owing_records()
                    .filter_map(|s| self.records.get(&s.id))
                    // Known as sent from the day it was entered so; its deadline counts from
                    // the day it was sent, which a record sent on paper enters with it.
                    .filter(|r| r.sent_at.is_some_and(|known| london_date(known) <= as_of))
                    .filter(|r| {
                        crate::record::sent_day(r.sent_on, r.sent_at)
                            .is_some_and(|sent| as_of > policy.record_sign_deadline(sent))
                    })
                    .filter(|record| !self.answered(record.id, person, as_of)),
            ),
            records_disagreed: count(
                owing_records()
                    .filter_map(|s| self.records.get(&s.id))
                    .filter(|r| self.disagreed_unresolved(r.id, person, as_of)),
            ),
            actions_overdue: count(
                self.actions_of(person)
                    .filter(|a| sessions.iter().any(|s| s.id == a.session_id))
                    .filter(|a| open_on(a, as_of) && a.due_on < as_of),
            ),
            agreement_review_due: current.review_due_on,
            training_expires: self
                .training_of(person)
                .filter(|t| t.completed_on <= as_of)
                .filter(|t| t.kind == "dsl" || t.kind == "deputy_dsl")
                .filter_map(|t| t.expires_on)
                .max(),
            qa_overdue: self.qa_reviews_of(current.lineage_id).any(|q| {
                qa_overdue(
                    policy.qa_deadline(q.due_on),
                    q.completed_at.map(london_date),
                    as_of,
                )
            }),
        }
    }

    /// Whether `person` had signed, or recorded a disagreement with, `record` by `as_of`.
    /// Whether `person` had disagreed with the record by `as_of`, and no escalation of it had
    /// been closed by then.
    fn disagreed_unresolved(&self, record: Uuid, person: Uuid, as_of: NaiveDate) -> bool {
        let disagreed = self.signatures_of(record).iter().any(|s| {
            s.person_id == person
                && s.outcome == crate::record::DISAGREED
                && london_date(s.signed_at) <= as_of
        });
        disagreed
            && !self.escalations.get(&record).is_some_and(|closings| {
                closings
                    .iter()
                    .flatten()
                    .any(|closed| london_date(*closed) <= as_of)
            })
    }

    fn answered(&self, record: Uuid, person: Uuid, as_of: NaiveDate) -> bool {
        self.signatures_of(record)
            .iter()
            .any(|s| s.person_id == person && london_date(s.signed_at) <= as_of)
    }
}

/// Held, and marked so by the end of `as_of`: every clock reads what it knew on the day.
fn held_by(session: &e::supervision_session::Model, as_of: NaiveDate) -> bool {
    marked_held_on(session).is_some_and(|marked| marked <= as_of)
}

/// Open on `as_of`: created by then and neither completed nor carried forward by then (a
/// carried-forward action lives on as its successor, which is judged instead).
fn open_on(action: &e::supervision_action::Model, as_of: NaiveDate) -> bool {
    london_date(action.created_at) <= as_of
        && match action.status.as_str() {
            "open" => true,
            // Done as known on the day: from the day it was entered so.
            "done" => action
                .completed_at
                .map(london_date)
                .or(action.completed_on)
                .is_some_and(|done| done > as_of),
            _ => false,
        }
}

/// How many `items` there are.
fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    items.fold(0u32, |n, _| n.saturating_add(1))
}

/// An academy with no term dates cannot have its sessions judged: it says so rather than
/// guessing, and still shows the flags that need no calendar.
fn without_calendar(
    facts: &SuperviseeFacts,
    policy: &PolicySettings,
    as_of: NaiveDate,
) -> ComplianceStatus {
    let mut flags = vec![Flag::TermDatesMissing];
    flags.extend(attention_flags(facts, policy, as_of));
    ComplianceStatus {
        level: ComplianceLevel::OnTrack,
        reasons: Vec::new(),
        flags,
    }
}
