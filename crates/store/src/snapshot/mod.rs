//! One trust's supervision as the read models and the reminder scan judge it: every row they
//! read, for the academies a scope sees, loaded in one transaction, with the questions both ask
//! of it (which version is in force, who took part in a session, what counts as held).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use haven_domain::notification::NotificationPreference;
use haven_domain::{Cadence, Minimum, PolicySettings, SessionKind, TermCalendar};
use haven_entity as e;
use sea_orm::DerivePartialModel;
use uuid::Uuid;

use crate::StoreError;
use crate::time::london_date;
use crate::tx::ReadTx;

mod day;

/// Every row the rules read. Sessions, records and the rest are loaded whole, but never a
/// column of content (a record's content, an agenda's items, a disagreement's or an
/// escalation's text): the rules decide what was known on the day they judge from the rows' own
/// dates, and look rows up by the keys they ask by.
pub(crate) struct Snapshot {
    pub(crate) academies: Vec<e::academy::Model>,
    pub(crate) people: BTreeMap<Uuid, String>,
    /// Each person's choice of immediate email or a digest, and of the reminders that may be
    /// switched off.
    pub(crate) email_choices: BTreeMap<Uuid, (NotificationPreference, bool)>,
    pub(crate) roles: Vec<e::role_assignment::Model>,
    pub(crate) agreements: Vec<e::agreement::Model>,
    pub(crate) sessions: Vec<e::supervision_session::Model>,
    /// `attended` by (session, person).
    pub(crate) attendees: BTreeMap<(Uuid, Uuid), Option<bool>>,
    /// Agendas by session: when each was sent, never its items.
    pub(crate) agendas: BTreeMap<Uuid, AgendaRow>,
    /// Records by session: how far each has got, never its content.
    pub(crate) records: BTreeMap<Uuid, RecordRow>,
    /// Signatures by record: who answered, how and when, never a disagreement's text.
    pub(crate) signatures: BTreeMap<Uuid, Vec<SignatureRow>>,
    /// When each escalation of a record was closed, by record: whether a disagreement has
    /// been resolved.
    pub(crate) escalations: BTreeMap<Uuid, Vec<Option<chrono::DateTime<chrono::Utc>>>>,
    pub(crate) actions: Vec<e::supervision_action::Model>,
    pub(crate) qa_reviews: Vec<e::qa_review::Model>,
    pub(crate) training: Vec<e::training_record::Model>,
    /// Each academy's calendar; none for an academy whose term dates are missing.
    pub(crate) calendars: BTreeMap<Uuid, TermCalendar>,
    pub(crate) trust_policy: PolicySettings,
    /// Each academy's effective settings.
    pub(crate) policies: BTreeMap<Uuid, PolicySettings>,
    /// Indexes over the rows above, so judging a trust grows with its rows, not their square.
    index: Index,
}

/// Where to find rows by the keys the rules look them up by.
#[derive(Default)]
struct Index {
    /// Position in `agreements` by id.
    agreement: BTreeMap<Uuid, usize>,
    /// Version ids by lineage.
    lineage: BTreeMap<Uuid, BTreeSet<Uuid>>,
    /// Supervisees by agreement version.
    supervisees: BTreeMap<Uuid, Vec<Uuid>>,
    /// Positions in `sessions` by agreement version.
    sessions: BTreeMap<Uuid, Vec<usize>>,
    /// Positions in `actions` by owner.
    actions: BTreeMap<Uuid, Vec<usize>>,
    /// Positions in `training` by person.
    training: BTreeMap<Uuid, Vec<usize>>,
    /// Positions in `qa_reviews` by agreement lineage.
    qa_reviews: BTreeMap<Uuid, Vec<usize>>,
}

/// A record as the rules read it: how far it has got, never its content.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "e::supervision_record::Entity")]
pub(crate) struct RecordRow {
    pub(crate) id: Uuid,
    pub(crate) academy_id: Uuid,
    pub(crate) session_id: Uuid,
    pub(crate) sent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) sent_on: Option<NaiveDate>,
}

/// An agenda as the rules read it: when it was sent, never its items.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "e::agenda::Entity")]
pub(crate) struct AgendaRow {
    pub(crate) session_id: Uuid,
    pub(crate) submitted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A signature as the rules read it: who answered, how and when, never a disagreement's text.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "e::record_signature::Entity")]
pub(crate) struct SignatureRow {
    pub(crate) record_id: Uuid,
    pub(crate) person_id: Uuid,
    pub(crate) outcome: String,
    pub(crate) signed_at: chrono::DateTime<chrono::Utc>,
}

/// An escalation as the rules read it: the record it is about and when it was closed.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "e::escalation::Entity")]
struct EscalationRow {
    record_id: Option<Uuid>,
    closed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Positions of `rows` by the key `key` reads from each.
fn positions<T>(rows: &[T], key: impl Fn(&T) -> Uuid) -> BTreeMap<Uuid, Vec<usize>> {
    let mut by_key: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (at, row) in rows.iter().enumerate() {
        by_key.entry(key(row)).or_default().push(at);
    }
    by_key
}

impl Index {
    fn of(
        agreements: &[e::agreement::Model],
        supervisees: &[e::agreement_supervisee::Model],
        sessions: &[e::supervision_session::Model],
    ) -> Self {
        let mut index = Self::default();
        for (at, agreement) in agreements.iter().enumerate() {
            index.agreement.insert(agreement.id, at);
            index
                .lineage
                .entry(agreement.lineage_id)
                .or_default()
                .insert(agreement.id);
        }
        for link in supervisees {
            index
                .supervisees
                .entry(link.agreement_id)
                .or_default()
                .push(link.person_id);
        }
        index.sessions = positions(sessions, |s| s.agreement_id);
        index
    }
}

impl Snapshot {
    #[tracing::instrument(skip_all, fields(trust_id = %read.scope().trust_id()))]
    pub(crate) async fn load(read: &ReadTx<'_>) -> Result<Self, StoreError> {
        let academies = read.list::<e::academy::Entity>().await?;
        let ids: Vec<Uuid> = academies.iter().map(|a| a.id).collect();
        let term_dates = read.list::<e::term_date::Entity>().await?;
        let policies = crate::policy::effective_in(read, &ids).await?;
        let agreements = read.list::<e::agreement::Entity>().await?;
        let supervisees = read.list::<e::agreement_supervisee::Entity>().await?;
        let sessions = read.list::<e::supervision_session::Entity>().await?;
        let people = read.list::<e::person::Entity>().await?;
        let actions = read.list::<e::supervision_action::Entity>().await?;
        let qa_reviews = read.list::<e::qa_review::Entity>().await?;
        let training = read.list::<e::training_record::Entity>().await?;
        let mut index = Index::of(&agreements, &supervisees, &sessions);
        index.actions = positions(&actions, |a| a.owner_id);
        index.training = positions(&training, |t| t.person_id);
        index.qa_reviews = positions(&qa_reviews, |q| q.agreement_lineage_id);
        let mut signatures: BTreeMap<Uuid, Vec<SignatureRow>> = BTreeMap::new();
        for row in read
            .list_partial::<e::record_signature::Entity, SignatureRow>()
            .await?
        {
            signatures.entry(row.record_id).or_default().push(row);
        }
        let mut escalations: BTreeMap<Uuid, Vec<_>> = BTreeMap::new();
        for row in read
            .list_partial::<e::escalation::Entity, EscalationRow>()
            .await?
        {
            if let Some(record) = row.record_id {
                escalations.entry(record).or_default().push(row.closed_at);
            }
        }
        Ok(Self {
            index,
            agreements,
            sessions,
            calendars: crate::calendar::calendars(&ids, &term_dates),
            trust_policy: policies.trust,
            policies: policies.academies,
            academies,
            email_choices: people
                .iter()
                .map(|p| {
                    let preference = NotificationPreference::parse(&p.notification_preference);
                    (p.id, (preference, p.optional_reminders))
                })
                .collect(),
            people: people.into_iter().map(|p| (p.id, p.display_name)).collect(),
            roles: read.list::<e::role_assignment::Entity>().await?,
            attendees: read
                .list::<e::session_attendee::Entity>()
                .await?
                .into_iter()
                .map(|a| ((a.session_id, a.person_id), a.attended))
                .collect(),
            agendas: read
                .list_partial::<e::agenda::Entity, AgendaRow>()
                .await?
                .into_iter()
                .map(|a| (a.session_id, a))
                .collect(),
            records: read
                .list_partial::<e::supervision_record::Entity, RecordRow>()
                .await?
                .into_iter()
                .map(|r| (r.session_id, r))
                .collect(),
            signatures,
            escalations,
            actions,
            qa_reviews,
            training,
        })
    }

    /// The actions `person` owns.
    pub(crate) fn actions_of(
        &self,
        person: Uuid,
    ) -> impl Iterator<Item = &e::supervision_action::Model> + '_ {
        at(&self.index.actions, person, &self.actions)
    }

    /// The training `person` has recorded.
    pub(crate) fn training_of(
        &self,
        person: Uuid,
    ) -> impl Iterator<Item = &e::training_record::Model> + '_ {
        at(&self.index.training, person, &self.training)
    }

    /// The QA reviews of an agreement lineage.
    pub(crate) fn qa_reviews_of(
        &self,
        lineage: Uuid,
    ) -> impl Iterator<Item = &e::qa_review::Model> + '_ {
        at(&self.index.qa_reviews, lineage, &self.qa_reviews)
    }

    /// The signatures of a record.
    pub(crate) fn signatures_of(&self, record: Uuid) -> &[SignatureRow] {
        self.signatures.get(&record).map_or(&[], Vec::as_slice)
    }

    /// The ids of every version of `agreement`'s lineage.
    pub(crate) fn lineage(&self, agreement: &e::agreement::Model) -> BTreeSet<Uuid> {
        self.index
            .lineage
            .get(&agreement.lineage_id)
            .cloned()
            .unwrap_or_default()
    }

    /// When the minimum began to apply to a lineage: its first activation.
    pub(crate) fn supervised_since(&self, lineage: &BTreeSet<Uuid>) -> Option<NaiveDate> {
        lineage
            .iter()
            .filter_map(|id| self.agreement(*id))
            .filter_map(|a| a.activated_on)
            .min()
    }

    /// The supervisees named by an agreement version.
    pub(crate) fn supervisees_of(&self, agreement: Uuid) -> Vec<Uuid> {
        self.index
            .supervisees
            .get(&agreement)
            .cloned()
            .unwrap_or_default()
    }

    /// The agreement version a session belongs to.
    pub(crate) fn agreement(&self, id: Uuid) -> Option<&e::agreement::Model> {
        self.index
            .agreement
            .get(&id)
            .and_then(|at| self.agreements.get(*at))
    }

    /// The sessions of every version in `lineage`.
    pub(crate) fn sessions_of<'a>(
        &'a self,
        lineage: &'a BTreeSet<Uuid>,
    ) -> impl Iterator<Item = &'a e::supervision_session::Model> + 'a {
        lineage
            .iter()
            .filter_map(|id| self.index.sessions.get(id))
            .flatten()
            .filter_map(|at| self.sessions.get(*at))
    }

    /// Whether `person` was a party to `session`: for a group, only if they attended once it
    /// was held; otherwise unless the supervisor recorded them as absent.
    pub(crate) fn took_part(
        &self,
        session: &e::supervision_session::Model,
        person: Uuid,
        agreement: &e::agreement::Model,
    ) -> bool {
        took_part(&self.attendees, session, person, agreement)
    }
}

/// Whether `person` was a party to `session` by the attendance rows: see
/// [`Snapshot::took_part`].
fn took_part(
    attendees: &BTreeMap<(Uuid, Uuid), Option<bool>>,
    session: &e::supervision_session::Model,
    person: Uuid,
    agreement: &e::agreement::Model,
) -> bool {
    match attendees.get(&(session.id, person)) {
        Some(Some(attended)) => *attended,
        Some(None) => true,
        None => agreement.kind != "group",
    }
}

/// The rows of `rows` at the positions `index` keeps for `key`.
fn at<'a, T>(
    index: &'a BTreeMap<Uuid, Vec<usize>>,
    key: Uuid,
    rows: &'a [T],
) -> impl Iterator<Item = &'a T> + 'a {
    index
        .get(&key)
        .into_iter()
        .flatten()
        .filter_map(|at| rows.get(*at))
}

/// The agreement's own minimum (DESIGN §4: a term of each agreement). Haven writes only codes
/// `Cadence::parse` reads; a value it did not write falls back to the academy's policy (or the
/// defaults, where the academy's settings were not loaded).
pub(crate) fn minimum_of(
    agreement: &e::agreement::Model,
    policy: Option<&PolicySettings>,
) -> Minimum {
    Cadence::parse(&agreement.minimum).map_or_else(
        |_| policy.map_or(PolicySettings::default().minimum, |p| p.minimum),
        Minimum::new,
    )
}

/// A session's kind, which says whether it counts and what it owes. Haven writes only codes
/// `SessionKind::parse` reads; a value it did not write is taken as a formal session, which
/// counts and owes both agenda and record.
pub(crate) fn kind_of(session: &e::supervision_session::Model) -> SessionKind {
    SessionKind::parse(&session.kind).unwrap_or(SessionKind::Formal)
}

/// Whether an agreement version was in force on `on`: activated by then and not yet ended.
pub(crate) fn in_force(agreement: &e::agreement::Model, on: NaiveDate) -> bool {
    agreement.activated_on.is_some_and(|from| from <= on)
        && agreement.ended_on.is_none_or(|ended| ended > on)
}

/// The day a held session was held: the day entered with it, else the day of its start. It
/// counts for that day from the day it was marked held ([`marked_held_on`]), never before.
pub(crate) fn held_on(session: &e::supervision_session::Model) -> NaiveDate {
    session
        .held_on
        .unwrap_or_else(|| london_date(session.starts_at))
}

/// The day a session was marked held, if it is held.
pub(crate) fn marked_held_on(session: &e::supervision_session::Model) -> Option<NaiveDate> {
    session
        .held_marked_at
        .filter(|_| session.status == "held")
        .map(london_date)
}
