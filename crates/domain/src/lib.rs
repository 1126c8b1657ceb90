//! Haven's rules, with no I/O and no clock read: every function that depends on the date takes
//! it. [`clock`] defines the [`Clock`] the services' edges read the time from.

pub mod access;
pub mod cadence;
pub mod calendar;
pub mod capability;
pub mod clock;
pub mod compliance;
mod error;
pub mod input;
pub mod notification;
pub mod policy;
pub mod qa;
pub mod record_content;
pub mod reminders;
pub mod role;
pub mod session;
pub mod signature;
pub mod values;
pub mod working_days;

pub use access::{
    Grant, GrantCover, GrantState, GrantWindow, ReadBasis, Reader, SessionContent, read_basis,
};
pub use cadence::{
    Cadence, Minimum, PlannedSession, SupervisionPlan, Weeks, minimum_due_date, planned_dates,
};
pub use calendar::{
    BankHoliday, HalfTerm, Season, Term, TermCalendar, bank_holidays, easter_sunday,
    is_bank_holiday,
};
pub use capability::Capability;
pub use clock::{Clock, FixedClock, SystemClock};
pub use compliance::{
    ComplianceLevel, ComplianceStatus, Flag, Reason, SuperviseeFacts, attention_flags,
    compliance_status,
};
pub use error::DomainError;
pub use policy::{PolicyOverride, PolicySettings, Recipient, ReminderKind, ReminderRule};
pub use qa::{qa_due_dates, qa_overdue};
pub use record_content::{ActionReview, Change, Decision, Gibbs, RecordContent};
pub use reminders::{
    AcademyContext, ActionFacts, AgreementFacts, DueReminder, HeldSession, MinimumFacts,
    QaReviewFacts, RecordFacts, ReminderFacts, ReminderScan, SessionFacts, Signed, SkipReason,
    Skipped, Subject, TrainingFacts, reheld_by, reminders_due,
};
pub use role::{Role, ScopeKind};
pub use session::{SessionKind, SessionMode};
pub use signature::{ContentHash, canonical_json, content_hash};
pub use values::{CaseReference, Initials, MaxCases, SessionLength};
pub use working_days::{add_working_days, is_working_day, working_days_between};
