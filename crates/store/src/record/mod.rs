//! Who may read a supervision record's content, and what everyone else sees of a session.
//!
//! Content is read only by the session's supervisor, its supervisee(s), a trust safeguarding
//! lead, or the holder of a live access grant that covers it (DESIGN §3; the rule is
//! [`haven_domain::access::read_basis`], the facts it judges are loaded here, and the session's
//! case notes and agenda are read by the same rule). Heads, RSLs and the director see the
//! session's figures. Every content read is audited in the transaction that
//! reads it, so a read that could not be logged returns nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::access::{Grant, GrantCover, GrantWindow, ReadBasis, SessionContent, read_basis};
use haven_domain::record_content::{ActionReview, Change, RecordContent, changes};
use haven_domain::{ContentHash, DomainError};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::time::london_date;
use crate::{ReadTx, StoreError, WriteTx};

mod access;
mod history;
mod lifecycle;

pub use access::*;
pub use history::*;
pub use lifecycle::*;

/// A signature's outcome, and a frozen record's status, when a party disagreed with the content.
pub(crate) const DISAGREED: &str = "disagreed";

/// A record with its content, for someone entitled to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub author_id: Uuid,
    /// draft, sent, signed or disagreed.
    pub status: String,
    /// Appendix 2 and Gibbs' sections.
    #[schema(value_type = Object)]
    pub content: Value,
    pub content_hash: Option<String>,
    /// When it was sent in Haven, or entered as sent when it was sent before.
    pub sent_at: Option<DateTime<Utc>>,
    /// The day it was sent: the day of `sent_at`, or the day entered with it.
    pub sent_on: Option<NaiveDate>,
    /// Where the paper original is kept, for a record sent and signed on paper.
    pub paper_original: Option<String>,
    pub frozen_at: Option<DateTime<Utc>>,
    pub next_session_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The version a change must name.
    pub row_version: i32,
    /// Each party's recorded disagreement with the content, with their reason.
    pub disagreements: Vec<SignatureView>,
}

/// What anyone who sees the session's academy may know of it: no content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionFigures {
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// planned, held or cancelled.
    pub status: String,
    /// formal, ad_hoc, extended or group.
    #[schema(value_type = String, example = "formal")]
    pub kind: haven_domain::SessionKind,
    /// The cancelled session this one re-holds, if it is a rebooking.
    pub rebooking_of_id: Option<Uuid>,
    /// A rebooking after its chain's re-hold deadline: accepted, and shown as late.
    pub rebooked_late: bool,
    pub record: Option<RecordFigures>,
    /// The version a move, cancellation, re-booking or confirmation must name.
    pub row_version: i32,
}

/// Whether a session has a record, and how far it has got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordFigures {
    pub id: Uuid,
    pub status: String,
    /// Sent and signed on paper, its original kept outside Haven.
    pub on_paper: bool,
}

/// A domain refusal as the store's, naming the field.
pub(super) fn refused(error: DomainError) -> StoreError {
    match error {
        DomainError::Invalid { field, reason } => StoreError::Invalid { field, reason },
        source => StoreError::Digest {
            entity: "supervision_record".to_owned(),
            source,
        },
    }
}

/// Someone who may not do this: refused when they see the academy, unknown otherwise.
pub(crate) fn not_theirs(scope: &Scope, academy_id: Uuid, action: &'static str) -> StoreError {
    if scope.sees_academy(academy_id) {
        StoreError::NotPermitted { action }
    } else {
        StoreError::NotFound
    }
}

pub(super) async fn view(
    conn: &DatabaseTransaction,
    record: e::supervision_record::Model,
) -> Result<RecordView, StoreError> {
    let disagreements = e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(record.trust_id))
        .filter(e::record_signature::Column::RecordId.eq(record.id))
        .filter(e::record_signature::Column::Outcome.eq(DISAGREED))
        .all(conn)
        .await?
        .into_iter()
        .map(signature_view)
        .collect();
    let sent_on = sent_on(&record);
    Ok(RecordView {
        id: record.id,
        session_id: record.session_id,
        academy_id: record.academy_id,
        author_id: record.author_id,
        status: record.status,
        content: record.content,
        content_hash: record.content_hash,
        sent_on,
        sent_at: record.sent_at,
        paper_original: record.paper_original,
        frozen_at: record.frozen_at,
        next_session_on: record.next_session_on,
        created_at: record.created_at,
        updated_at: record.updated_at,
        row_version: record.row_version,
        disagreements,
    })
}

pub(super) fn signature_view(signature: e::record_signature::Model) -> SignatureView {
    SignatureView {
        person_id: signature.person_id,
        outcome: signature.outcome,
        disagreement: signature.disagreement,
        signed_on: signature
            .signed_on
            .unwrap_or_else(|| london_date(signature.signed_at)),
        signed_at: signature.signed_at,
        medium: signature.medium,
        entered_by_id: signature.entered_by_id,
        content_hash: signature.content_hash,
    }
}

/// The day a record was sent: the day entered with it (`sent_on`), else the day it was sent in
/// Haven (`sent_at`).
pub(crate) fn sent_day(
    sent_on: Option<NaiveDate>,
    sent_at: Option<DateTime<Utc>>,
) -> Option<NaiveDate> {
    sent_on.or_else(|| sent_at.map(london_date))
}

pub(super) fn sent_on(record: &e::supervision_record::Model) -> Option<NaiveDate> {
    sent_day(record.sent_on, record.sent_at)
}

/// A signature as the history shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignatureView {
    pub person_id: Uuid,
    pub outcome: String,
    pub disagreement: Option<String>,
    /// The day it was given: in Haven, the day of `signed_at`; on paper, the day entered with it.
    pub signed_on: NaiveDate,
    /// When it was given in Haven, or entered when it was given on paper.
    pub signed_at: DateTime<Utc>,
    /// electronic (given in Haven) | paper (given on the paper original, entered after)
    pub medium: String,
    /// Who entered a paper signature; none for one given in Haven by its signer.
    pub entered_by_id: Option<Uuid>,
    /// The hash of the content it answers: for a paper signature, the content as entered.
    pub content_hash: String,
}
