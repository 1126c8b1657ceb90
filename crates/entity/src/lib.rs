//! Haven's one data model: a sea-orm entity per table.
//!
//! Tenancy: every tenant table carries `trust_id`, and `academy_id` where the row belongs to an
//! academy; the store adds both to every query from the caller's scope. Enumerations are stored as
//! short snake_case strings (the accepted values are listed on each column); the domain and store
//! crates own the Rust enums, so the schema stays portable between SQLite and PostgreSQL.

pub mod academy;
pub mod access_grant;
pub mod access_grant_record;
pub mod agenda;
pub mod agreement;
pub mod agreement_signature;
pub mod agreement_supervisee;
pub mod api_token;
pub mod audit_chain_head;
pub mod audit_log;
pub mod case_note;
pub mod escalation;
pub mod identity_provider;
pub mod notification_outbox;
pub mod pending_sign_in;
pub mod person;
pub mod policy_setting;
pub mod qa_review;
pub mod record_amendment;
pub mod record_signature;
pub mod region;
pub mod role_assignment;
pub mod scan_run;
pub mod session_attendee;
pub mod sign_in_session;
pub mod supervision_action;
pub mod supervision_record;
pub mod supervision_session;
pub mod term_date;
pub mod training_record;
pub mod trust;
pub mod trust_email;

/// The entities under their table names in PascalCase: `use haven_entity::prelude::*`.
pub mod prelude {
    pub use super::academy::Entity as Academy;
    pub use super::access_grant::Entity as AccessGrant;
    pub use super::access_grant_record::Entity as AccessGrantRecord;
    pub use super::agenda::Entity as Agenda;
    pub use super::agreement::Entity as Agreement;
    pub use super::agreement_signature::Entity as AgreementSignature;
    pub use super::agreement_supervisee::Entity as AgreementSupervisee;
    pub use super::api_token::Entity as ApiToken;
    pub use super::audit_chain_head::Entity as AuditChainHead;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::case_note::Entity as CaseNote;
    pub use super::escalation::Entity as Escalation;
    pub use super::identity_provider::Entity as IdentityProvider;
    pub use super::notification_outbox::Entity as NotificationOutbox;
    pub use super::pending_sign_in::Entity as PendingSignIn;
    pub use super::person::Entity as Person;
    pub use super::policy_setting::Entity as PolicySetting;
    pub use super::qa_review::Entity as QaReview;
    pub use super::record_amendment::Entity as RecordAmendment;
    pub use super::record_signature::Entity as RecordSignature;
    pub use super::region::Entity as Region;
    pub use super::role_assignment::Entity as RoleAssignment;
    pub use super::scan_run::Entity as ScanRun;
    pub use super::session_attendee::Entity as SessionAttendee;
    pub use super::sign_in_session::Entity as SignInSession;
    pub use super::supervision_action::Entity as SupervisionAction;
    pub use super::supervision_record::Entity as SupervisionRecord;
    pub use super::supervision_session::Entity as SupervisionSession;
    pub use super::term_date::Entity as TermDate;
    pub use super::training_record::Entity as TrainingRecord;
    pub use super::trust::Entity as Trust;
    pub use super::trust_email::Entity as TrustEmail;
}
