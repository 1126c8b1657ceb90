//! What the store loads for one trust's scan: the subjects that could be reminded of, each
//! event with the day Haven learnt of it.

use super::*;

/// Everything one trust's reminder scan judges, as the store reads it.
///
/// Pass every subject that could still be reminded of (for example sessions from a year
/// before the scan day onwards); ones that are not due on the day simply yield nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderFacts {
    /// The trust scanned.
    pub trust_id: Uuid,
    /// The trust's own settings, used for training, which belongs to no academy.
    pub trust_policy: PolicySettings,
    /// Holders of the trust safeguarding lead role on the scan day.
    pub trust_leads: Vec<Uuid>,
    /// Holders of the director of education role on the scan day.
    pub directors_of_education: Vec<Uuid>,
    /// Each academy's settings, calendar and regional leads.
    pub academies: Vec<AcademyContext>,
    /// Sessions, cancelled ones and their rebookings included.
    pub sessions: Vec<SessionFacts>,
    /// Records sent for signature (a draft is never reminded of as unsigned).
    pub records: Vec<RecordFacts>,
    /// One row per supervisee per academy where they have an active agreement.
    pub supervisees: Vec<MinimumFacts>,
    /// Actions, open or not.
    pub actions: Vec<ActionFacts>,
    /// Agreement versions that have been activated.
    pub agreements: Vec<AgreementFacts>,
    /// QA reviews.
    pub qa_reviews: Vec<QaReviewFacts>,
    /// Training records of the trust's people, renewals included.
    pub trainings: Vec<TrainingFacts>,
}

/// What a rule needs to know about the academy its subject belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcademyContext {
    /// The academy.
    pub academy_id: Uuid,
    /// Its effective settings (the trust's with the academy's override applied).
    pub policy: PolicySettings,
    /// Its term dates, if it has any: without them working days and the minimum cannot be
    /// counted, so the rules that need them are skipped for the academy.
    pub calendar: Option<TermCalendar>,
    /// Regional safeguarding leads over the academy on the scan day; empty where it has no
    /// region or the region no lead, and then the trust leads stand in.
    pub regional_leads: Vec<Uuid>,
}

/// A session, with the days its events became known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    /// The session.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// The day it takes place.
    pub date: NaiveDate,
    /// The day it was booked.
    pub booked_on: NaiveDate,
    /// Its kind, which says whether it owes an agenda and a record.
    pub kind: SessionKind,
    /// Its agreement's supervisor.
    pub supervisor: Uuid,
    /// The supervisees expected at it.
    pub supervisees: Vec<Uuid>,
    /// Whether its agreement asks for an agenda (the agreement's flag, which starts as the
    /// policy's).
    pub agenda_required: bool,
    /// The day the agenda was sent, if it has been.
    pub agenda_sent_on: Option<NaiveDate>,
    /// The day it was marked held, if it has been.
    pub marked_held_on: Option<NaiveDate>,
    /// The day it was cancelled, if it has been.
    pub cancelled_on: Option<NaiveDate>,
    /// The cancelled session this one re-holds, if it is a rebooking.
    pub rebooking_of: Option<Uuid>,
    /// The day its record was sent for signature, if it has been.
    pub record_sent_on: Option<NaiveDate>,
}

/// A record that has been sent for signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// The record.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// The day it was sent, which its signing deadline counts from.
    pub sent_on: NaiveDate,
    /// The day Haven learnt it was sent: the day it was sent in Haven, or the day it was
    /// entered as sent on paper before.
    pub known_on: NaiveDate,
    /// Its session's kind, which says whether the record is owed.
    pub kind: SessionKind,
    /// Its session's supervisor, who signs it.
    pub supervisor: Uuid,
    /// Its session's supervisees, who sign it.
    pub supervisees: Vec<Uuid>,
    /// Who has signed it (or recorded a disagreement, which answers it too), and when.
    pub signed: Vec<Signed>,
}

/// One party's answer to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// The party.
    pub person: Uuid,
    /// The day they signed or disagreed.
    pub on: NaiveDate,
}

/// One supervisee's minimum clock at one academy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinimumFacts {
    /// The supervisee.
    pub supervisee: Uuid,
    /// The academy whose calendar applies.
    pub academy_id: Uuid,
    /// The minimum of the agreement in force: a term of each agreement, not the academy's.
    pub minimum: Minimum,
    /// Their supervisors there (of their active agreements).
    pub supervisors: Vec<Uuid>,
    /// When the minimum began to apply: the first agreement's activation.
    pub supervised_since: NaiveDate,
    /// The sessions held that count towards the minimum (not ad hoc; a group session only
    /// where they attended).
    pub held: Vec<HeldSession>,
}

/// A counting session, and the day Haven learnt it was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldSession {
    /// The day it took place.
    pub date: NaiveDate,
    /// The day it was marked held.
    pub marked_held_on: NaiveDate,
}

/// An action from a record or case note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFacts {
    /// The action.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// Who must do it.
    pub owner: Uuid,
    /// The supervisor of the session it came from.
    pub supervisor: Uuid,
    /// The supervisees of that session.
    pub supervisees: Vec<Uuid>,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The day it was recorded.
    pub created_on: NaiveDate,
    /// The day it was marked done or carried forward, if it has been.
    pub closed_on: Option<NaiveDate>,
}

/// One activated agreement version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFacts {
    /// The version.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// Its supervisor.
    pub supervisor: Uuid,
    /// Its supervisees.
    pub supervisees: Vec<Uuid>,
    /// The day it became active (the second signature).
    pub activated_on: NaiveDate,
    /// The day it is due for review.
    pub review_on: NaiveDate,
    /// The day it stopped being active (superseded by a renewal, or ended), if it has.
    pub ended_on: Option<NaiveDate>,
}

/// A QA review of an agreement lineage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaReviewFacts {
    /// The review.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The day Haven knew it would fall due: the lineage's first activation, since its due
    /// dates follow from that (the row itself may be created on the due date).
    pub known_since: NaiveDate,
    /// The day it was completed, if it has been.
    pub completed_on: Option<NaiveDate>,
    /// The director it is assigned to; unassigned, every director of education is reminded.
    pub reviewer: Option<Uuid>,
}

/// A training record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingFacts {
    /// The record.
    pub id: Uuid,
    /// Whose training it is.
    pub person: Uuid,
    /// Its kind (for example `dsl`): a later training of the same kind renews it.
    pub kind: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// Its last current day, if it expires.
    pub expires_on: Option<NaiveDate>,
    /// The day it was recorded in Haven.
    pub recorded_on: NaiveDate,
}
