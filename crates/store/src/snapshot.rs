//! One trust's supervision as the read models and the reminder scan judge it: every row they
//! read, for the academies a scope sees, loaded in one transaction, with the questions both ask
//! of it (which version is in force, who took part in a session, what counts as held).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use haven_domain::notification::NotificationPreference;
use haven_domain::{Cadence, Minimum, PolicySettings, TermCalendar};
use haven_entity as e;
use uuid::Uuid;

use crate::StoreError;
use crate::time::london_date;
use crate::tx::ReadTx;

/// Every row the rules read. Sessions, records and the rest are loaded whole: the rules decide
/// what was known on the day they judge from the rows' own dates.
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
    /// Agendas by session.
    pub(crate) agendas: BTreeMap<Uuid, e::agenda::Model>,
    /// Records by session.
    pub(crate) records: BTreeMap<Uuid, e::supervision_record::Model>,
    pub(crate) signatures: Vec<e::record_signature::Model>,
    /// Escalations, for whether a disagreement has been resolved.
    pub(crate) escalations: Vec<e::escalation::Model>,
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
        for (at, session) in sessions.iter().enumerate() {
            index
                .sessions
                .entry(session.agreement_id)
                .or_default()
                .push(at);
        }
        index
    }
}

impl Snapshot {
    pub(crate) async fn load(read: &ReadTx<'_>) -> Result<Self, StoreError> {
        let academies = read.list::<e::academy::Entity>().await?;
        let ids: Vec<Uuid> = academies.iter().map(|a| a.id).collect();
        let term_dates = read.list::<e::term_date::Entity>().await?;
        let policies = crate::policy::effective_in(read, &ids).await?;
        let agreements = read.list::<e::agreement::Entity>().await?;
        let supervisees = read.list::<e::agreement_supervisee::Entity>().await?;
        let sessions = read.list::<e::supervision_session::Entity>().await?;
        let people = read.list::<e::person::Entity>().await?;
        Ok(Self {
            index: Index::of(&agreements, &supervisees, &sessions),
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
                .list::<e::agenda::Entity>()
                .await?
                .into_iter()
                .map(|a| (a.session_id, a))
                .collect(),
            records: read
                .list::<e::supervision_record::Entity>()
                .await?
                .into_iter()
                .map(|r| (r.session_id, r))
                .collect(),
            signatures: read.list::<e::record_signature::Entity>().await?,
            escalations: read.list::<e::escalation::Entity>().await?,
            actions: read.list::<e::supervision_action::Entity>().await?,
            qa_reviews: read.list::<e::qa_review::Entity>().await?,
            training: read.list::<e::training_record::Entity>().await?,
        })
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
        match self.attendees.get(&(session.id, person)) {
            Some(Some(attended)) => *attended,
            Some(None) => true,
            None => agreement.kind != "group",
        }
    }
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

/// Whether a session is an ad hoc one, which owes no agenda and no record and counts towards
/// neither plan nor minimum.
pub(crate) fn is_ad_hoc(session: &e::supervision_session::Model) -> bool {
    session.kind == "ad_hoc"
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
