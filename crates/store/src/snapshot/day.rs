//! The rows the compliance read models judge one day by, and no others.
//!
//! A trust's history grows by a year every year, but a day's judging reads little of it: the
//! agreements in force that day and their lineages, the sessions of the current half term, the
//! last session each supervisee held, and whatever of the past is still unsettled (a record not
//! yet sent, signed or agreed, an action still open, a QA review not yet done). Each read below
//! asks the database for those rows through the indexes, with a margin of days either side of
//! every instant so that the London day the rules take is never cut short; the rules then judge
//! the rows exactly as they judge the whole history, so the figures are the same (a test checks
//! them against the whole-history load over every fortnight of a generated trust).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use haven_entity as e;
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use uuid::Uuid;

use super::{
    EscalationRow, Index, RecordRow, SignatureRow, Snapshot, held_on, kind_of, marked_held_on,
    took_part,
};
use crate::StoreError;
use crate::time::london_date;
use crate::tx::ReadTx;

use e::agreement::Column as A;
use e::agreement_supervisee::Column as Supervisee;
use e::record_signature::Column as Signature;
use e::supervision_action::Column as Action;
use e::supervision_record::Column as Record;
use e::supervision_session::Column as Session;

/// Days of margin between an instant's UTC day and its London day, and then some.
const MARGIN: Days = Days::new(2);

/// Ids per `IN (…)` list: well inside either engine's bound-parameter limit.
const CHUNK: usize = 500;

/// Midnight UTC `MARGIN` days before `day`: every instant of an earlier London day is before it.
fn before(day: NaiveDate) -> DateTime<Utc> {
    day.checked_sub_days(MARGIN)
        .unwrap_or(NaiveDate::MIN)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
}

/// An agreement version in force on `on`: the condition [`super::in_force`] reads.
fn in_force(on: NaiveDate) -> Condition {
    Condition::all().add(A::ActivatedOn.lte(on)).add(
        Condition::any()
            .add(A::EndedOn.is_null())
            .add(A::EndedOn.gt(on)),
    )
}

impl Snapshot {
    /// What the compliance read models judge on `as_of` ([`Snapshot`] holds the whole
    /// history for the reminder scan): the academies, their calendars and policies, every
    /// version of each lineage in force that day, and of their sessions those that can change
    /// a figure that day (see the module's documentation). It holds no roles, agendas or email
    /// choices, which compliance does not read.
    #[tracing::instrument(skip_all, fields(trust_id = %read.scope().trust_id(), %as_of))]
    pub(crate) async fn load_on(read: &ReadTx<'_>, as_of: NaiveDate) -> Result<Self, StoreError> {
        let academies = read.list::<e::academy::Entity>().await?;
        let ids: Vec<Uuid> = academies.iter().map(|a| a.id).collect();
        let term_dates = read.list::<e::term_date::Entity>().await?;
        let calendars = crate::calendar::calendars(&ids, &term_dates);
        let policies = crate::policy::effective_in(read, &ids).await?;
        // The earliest start of the half term judged, over every academy.
        let period_start = calendars
            .values()
            .filter_map(|cal| {
                cal.half_term_containing_or_after(as_of)
                    .and_then(|ht| cal.period_start(ht.starts_on))
            })
            .min()
            .map_or(as_of, |start| Ord::min(start, as_of));
        let window = Window {
            as_of,
            known: before(as_of),
            from_day: period_start
                .checked_sub_days(MARGIN)
                .unwrap_or(NaiveDate::MIN),
            from: before(period_start),
        };

        let lineages = || read.subquery::<e::agreement::Entity, _>(A::LineageId, in_force(as_of));
        let agreements = read
            .list_where::<e::agreement::Entity, _>(A::LineageId.in_subquery(lineages()))
            .await?;
        let current = || read.subquery::<e::agreement::Entity, _>(A::Id, in_force(as_of));
        let supervisees = read
            .list_where::<e::agreement_supervisee::Entity, _>(
                Supervisee::AgreementId.in_subquery(current()),
            )
            .await?;
        let judged = || {
            read.subquery::<e::agreement_supervisee::Entity, _>(
                Supervisee::PersonId,
                Supervisee::AgreementId.in_subquery(current()),
            )
        };
        let versions = || {
            read.subquery::<e::agreement::Entity, _>(A::Id, A::LineageId.in_subquery(lineages()))
        };

        let mut sessions = read
            .list_where::<e::supervision_session::Entity, _>(
                Condition::all()
                    .add(Session::AgreementId.in_subquery(versions()))
                    .add(window.sessions_that_count(read, &lineages)),
            )
            .await?;
        let mut attendees = attendees_of(read, &sessions).await?;
        // A supervisee whose last session was held before the half term: read the rest of the
        // lineage's held sessions, so the last one held is known however long ago it was.
        let index = Index::of(&agreements, &supervisees, &sessions);
        let unseen: Vec<Uuid> = agreements
            .iter()
            .filter(|a| super::in_force(a, as_of))
            .filter(|a| {
                let lineage_sessions: Vec<&e::supervision_session::Model> = index
                    .lineage
                    .get(&a.lineage_id)
                    .into_iter()
                    .flatten()
                    .filter_map(|version| index.sessions.get(version))
                    .flatten()
                    .filter_map(|at| sessions.get(*at))
                    .filter(|s| kind_of(s).counts_towards_minimum())
                    .filter(|s| marked_held_on(s).is_some_and(|marked| marked <= as_of))
                    .filter(|s| held_on(s) >= window.from_day)
                    .collect();
                index
                    .supervisees
                    .get(&a.id)
                    .into_iter()
                    .flatten()
                    .any(|person| {
                        !lineage_sessions
                            .iter()
                            .any(|s| took_part(&attendees, s, *person, a))
                    })
            })
            .map(|a| a.lineage_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let seen: BTreeSet<Uuid> = sessions.iter().map(|s| s.id).collect();
        let mut earlier = Vec::new();
        for lineages in unseen.chunks(CHUNK) {
            let versions = read.subquery::<e::agreement::Entity, _>(
                A::Id,
                A::LineageId.is_in(lineages.iter().copied()),
            );
            earlier.extend(
                read.list_where::<e::supervision_session::Entity, _>(
                    Condition::all()
                        .add(Session::AgreementId.in_subquery(versions))
                        .add(Session::Status.eq("held")),
                )
                .await?
                .into_iter()
                .filter(|s| !seen.contains(&s.id)),
            );
        }
        attendees.extend(attendees_of(read, &earlier).await?);
        sessions.extend(earlier);

        let session_ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
        let mut records = Vec::new();
        for chunk in session_ids.chunks(CHUNK) {
            records.extend(
                read.list_partial_where::<e::supervision_record::Entity, RecordRow, _>(
                    Record::SessionId.is_in(chunk.iter().copied()),
                )
                .await?,
            );
        }
        let record_ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
        let mut signatures: BTreeMap<Uuid, Vec<SignatureRow>> = BTreeMap::new();
        let mut escalations: BTreeMap<Uuid, Vec<_>> = BTreeMap::new();
        for chunk in record_ids.chunks(CHUNK) {
            for row in read
                .list_partial_where::<e::record_signature::Entity, SignatureRow, _>(
                    Signature::RecordId.is_in(chunk.iter().copied()),
                )
                .await?
            {
                signatures.entry(row.record_id).or_default().push(row);
            }
            for row in read
                .list_partial_where::<e::escalation::Entity, EscalationRow, _>(
                    e::escalation::Column::RecordId.is_in(chunk.iter().copied()),
                )
                .await?
            {
                if let Some(record) = row.record_id {
                    escalations.entry(record).or_default().push(row.closed_at);
                }
            }
        }

        let actions = read
            .list_where::<e::supervision_action::Entity, _>(
                Condition::all()
                    .add(Action::OwnerId.in_subquery(judged()))
                    .add(window.actions_open()),
            )
            .await?;
        let qa_reviews = read
            .list_where::<e::qa_review::Entity, _>(
                Condition::all()
                    .add(e::qa_review::Column::AgreementLineageId.in_subquery(lineages()))
                    .add(
                        Condition::any()
                            .add(e::qa_review::Column::CompletedAt.is_null())
                            .add(e::qa_review::Column::CompletedAt.gte(window.known)),
                    ),
            )
            .await?;
        let training = read
            .list_where::<e::training_record::Entity, _>(
                Condition::all()
                    .add(e::training_record::Column::PersonId.in_subquery(judged()))
                    .add(e::training_record::Column::Kind.is_in(["dsl", "deputy_dsl"])),
            )
            .await?;
        let people = read
            .list_where::<e::person::Entity, _>(e::person::Column::Id.in_subquery(judged()))
            .await?;

        let mut index = Index::of(&agreements, &supervisees, &sessions);
        index.actions = super::positions(&actions, |a| a.owner_id);
        index.training = super::positions(&training, |t| t.person_id);
        index.qa_reviews = super::positions(&qa_reviews, |q| q.agreement_lineage_id);
        Ok(Self {
            index,
            agreements,
            sessions,
            calendars,
            trust_policy: policies.trust,
            policies: policies.academies,
            academies,
            email_choices: BTreeMap::new(),
            people: people.into_iter().map(|p| (p.id, p.display_name)).collect(),
            roles: Vec::new(),
            attendees,
            agendas: BTreeMap::new(),
            records: records.into_iter().map(|r| (r.session_id, r)).collect(),
            signatures,
            escalations,
            actions,
            qa_reviews,
            training,
        })
    }
}

/// The day judged and the instants the reads cut the history at.
struct Window {
    as_of: NaiveDate,
    /// Anything done before this instant was known by the end of the day judged.
    known: DateTime<Utc>,
    /// The half term judged begins after this day...
    from_day: NaiveDate,
    /// ...and after this instant.
    from: DateTime<Utc>,
}

impl Window {
    /// The sessions that can change a figure on the day: those of the half term judged (its
    /// plan, what was held in it, the last session held), and any older one held whose record
    /// is not yet settled (not sent, not signed by everyone it names, disagreed with) or whose
    /// actions may still be open.
    fn sessions_that_count(
        &self,
        read: &ReadTx<'_>,
        lineages: &impl Fn() -> SelectStatement,
    ) -> Condition {
        let sent = read.subquery::<e::supervision_record::Entity, _>(
            Record::SessionId,
            Record::SentAt.lt(self.known),
        );
        let disagreed = read.subquery::<e::supervision_record::Entity, _>(
            Record::SessionId,
            Record::Id.in_subquery(read.subquery::<e::record_signature::Entity, _>(
                Signature::RecordId,
                Signature::Outcome.eq(crate::record::DISAGREED),
            )),
        );
        let with_actions = read
            .subquery::<e::supervision_action::Entity, _>(Action::SessionId, self.actions_open());
        Condition::any()
            .add(Session::StartsAt.gte(self.from))
            .add(Session::HeldOn.gte(self.from_day))
            .add(
                Condition::all()
                    .add(Session::Status.eq("held"))
                    .add(Session::Id.not_in_subquery(sent)),
            )
            .add(Session::Id.in_subquery(disagreed))
            .add(Session::Id.in_subquery(with_actions))
            .add(Session::Id.in_subquery(self.unsigned(read, lineages())))
    }

    /// Sessions whose record was sent by the day judged but is not yet signed by someone named
    /// as a supervisee of its lineage's version in force: each such record is joined to those
    /// supervisees and kept where one of them has no signature on it.
    fn unsigned(&self, read: &ReadTx<'_>, lineages: SelectStatement) -> SelectStatement {
        let mut query = Query::select();
        query
            .column(("r", Record::SessionId))
            .from_as(e::supervision_record::Entity, "r")
            .join_as(
                JoinType::InnerJoin,
                e::supervision_session::Entity,
                "s",
                Expr::col(("s", Session::Id)).equals(("r", Record::SessionId)),
            )
            .join_as(
                JoinType::InnerJoin,
                e::agreement::Entity,
                "a",
                Expr::col(("a", A::Id)).equals(("s", Session::AgreementId)),
            )
            .join_as(
                JoinType::InnerJoin,
                e::agreement::Entity,
                "cur",
                Condition::all()
                    .add(Expr::col(("cur", A::LineageId)).equals(("a", A::LineageId)))
                    .add(Expr::col(("cur", A::ActivatedOn)).lte(self.as_of))
                    .add(
                        Condition::any()
                            .add(Expr::col(("cur", A::EndedOn)).is_null())
                            .add(Expr::col(("cur", A::EndedOn)).gt(self.as_of)),
                    ),
            )
            .join_as(
                JoinType::InnerJoin,
                e::agreement_supervisee::Entity,
                "p",
                Expr::col(("p", Supervisee::AgreementId)).equals(("cur", A::Id)),
            )
            .join_as(
                JoinType::LeftJoin,
                e::record_signature::Entity,
                "sig",
                Condition::all()
                    .add(Expr::col(("sig", Signature::RecordId)).equals(("r", Record::Id)))
                    .add(
                        Expr::col(("sig", Signature::PersonId)).equals(("p", Supervisee::PersonId)),
                    )
                    .add(Expr::col(("sig", Signature::SignedAt)).lt(self.known)),
            )
            .and_where(Expr::col(("r", Record::TrustId)).eq(read.scope().trust_id()))
            .and_where(Expr::col(("r", Record::SentAt)).lt(self.known))
            .and_where(Expr::col(("a", A::LineageId)).in_subquery(lineages))
            .and_where(Expr::col(("sig", Signature::Id)).is_null());
        query
    }

    /// Actions that may be open on the day judged: not completed, or completed too late in
    /// the day's margin to be sure; created by then and due before it.
    fn actions_open(&self) -> Condition {
        let created_by = self
            .as_of
            .checked_add_days(MARGIN)
            .unwrap_or(NaiveDate::MAX)
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        Condition::all()
            .add(Action::DueOn.lt(self.as_of))
            .add(Action::CreatedAt.lt(created_by))
            .add(
                Condition::any().add(Action::Status.eq("open")).add(
                    Condition::all().add(Action::Status.eq("done")).add(
                        Condition::any()
                            .add(Action::CompletedAt.gte(self.known))
                            .add(
                                Condition::all()
                                    .add(Action::CompletedAt.is_null())
                                    .add(Action::CompletedOn.gte(london_date(self.known))),
                            ),
                    ),
                ),
            )
    }
}

/// The attendance rows of `sessions`.
async fn attendees_of(
    read: &ReadTx<'_>,
    sessions: &[e::supervision_session::Model],
) -> Result<BTreeMap<(Uuid, Uuid), Option<bool>>, StoreError> {
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let mut attendees = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        for row in read
            .list_where::<e::session_attendee::Entity, _>(
                e::session_attendee::Column::SessionId.is_in(chunk.iter().copied()),
            )
            .await?
        {
            attendees.insert((row.session_id, row.person_id), row.attended);
        }
    }
    Ok(attendees)
}
