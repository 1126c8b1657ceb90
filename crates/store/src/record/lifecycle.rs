//! A record from draft to frozen: drafting and editing, sending, signing (in Haven or entered
//! from paper) and amending, each a write the audit log names.

use super::*;

/// Writes `changed` over the record read at `read_version`, bumping the version; anyone else's
/// write in between is a [`StoreError::Conflict`].
pub(super) async fn update_record(
    tx: &WriteTx<'_>,
    read_version: i32,
    mut changed: e::supervision_record::ActiveModel,
) -> Result<e::supervision_record::Model, StoreError> {
    let id = match &changed.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => return Err(StoreError::NotFound),
    };
    changed.row_version = Set(read_version + 1);
    changed.updated_at = Set(tx.now());
    let done = e::supervision_record::Entity::update_many()
        .set(changed)
        .filter(e::supervision_record::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::supervision_record::Column::Id.eq(id))
        .filter(e::supervision_record::Column::RowVersion.eq(read_version))
        .exec(tx.connection())
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::Conflict {
            entity: "supervision_record",
            id,
        });
    }
    in_trust::<e::supervision_record::Entity>(tx.connection(), tx.scope(), id).await
}

/// The open actions of the sessions before `session` under its agreement (any version of it),
/// as the new record's review of previous actions.
pub(super) async fn open_actions(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
) -> Result<Vec<ActionReview>, StoreError> {
    let agreement = in_trust::<e::agreement::Entity>(conn, scope, session.agreement_id).await?;
    let versions: Vec<Uuid> = e::agreement::Entity::find()
        .filter(e::agreement::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement::Column::LineageId.eq(agreement.lineage_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let earlier: Vec<Uuid> = e::supervision_session::Entity::find()
        .filter(e::supervision_session::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_session::Column::AgreementId.is_in(versions))
        .all(conn)
        .await?
        .into_iter()
        // Compared here, not in SQL, so both engines agree whatever their time representation.
        .filter(|s| s.starts_at < session.starts_at && s.id != session.id)
        .map(|s| s.id)
        .collect();
    let actions = e::supervision_action::Entity::find()
        .filter(e::supervision_action::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_action::Column::SessionId.is_in(earlier))
        .filter(e::supervision_action::Column::Status.eq("open"))
        .order_by_asc(e::supervision_action::Column::DueOn)
        .all(conn)
        .await?;
    Ok(actions
        .into_iter()
        .map(|action| ActionReview {
            action_id: Some(action.id),
            description: action.description,
            due_on: Some(action.due_on),
            progress: String::new(),
        })
        .collect())
}

pub(super) fn stored(content: &RecordContent) -> Result<Value, StoreError> {
    content.to_json().map_err(refused)
}

/// The supervisor's draft record of a held session. A review of previous actions left empty is
/// filled with the open actions of the agreement's earlier sessions.
pub async fn create_draft(
    tx: &mut WriteTx<'_>,
    session_id: Uuid,
    mut content: RecordContent,
) -> Result<RecordView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let conn = tx.connection();
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let (supervisor, _) = parties(conn, scope, &session).await?;
    let Some(author) = scope.person_id().filter(|p| *p == supervisor) else {
        return Err(not_theirs(
            scope,
            session.academy_id,
            "write this session's record",
        ));
    };
    if session.status != "held" {
        return Err(StoreError::invalid(
            "session",
            "is not held: a record follows a held session",
        ));
    }
    let existing = e::supervision_record::Entity::find()
        .filter(e::supervision_record::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_record::Column::SessionId.eq(session.id))
        .one(conn)
        .await?;
    if existing.is_some() {
        return Err(StoreError::invalid(
            "session",
            "has a record already: edit that one",
        ));
    }
    if content.review_of_previous_actions.is_empty() {
        content.review_of_previous_actions = open_actions(conn, scope, &session).await?;
    }
    let row = tx
        .insert_for_party(e::supervision_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            academy_id: Set(session.academy_id),
            session_id: Set(session.id),
            author_id: Set(author),
            status: Set("draft".into()),
            content: Set(stored(&content)?),
            content_hash: Set(None),
            sent_at: Set(None),
            sent_on: Set(None),
            paper_original: Set(None),
            frozen_at: Set(None),
            next_session_on: Set(content.next_session_on),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    view(tx.connection(), row).await
}

/// Why a record that is not a draft cannot be edited.
pub(super) fn not_a_draft(record: &e::supervision_record::Model) -> StoreError {
    if record.frozen_at.is_some() || record.status == "signed" {
        StoreError::invalid("status", "frozen: amend it")
    } else {
        StoreError::invalid("status", "sent for signature: it can no longer be edited")
    }
}

/// The record and its session, for its supervisor only.
pub(super) async fn authored(
    tx: &WriteTx<'_>,
    record_id: Uuid,
    action: &'static str,
) -> Result<e::supervision_record::Model, StoreError> {
    let scope = tx.scope();
    let record =
        in_trust::<e::supervision_record::Entity>(tx.connection(), scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, record.session_id)
            .await?;
    let (supervisor, _) = parties(tx.connection(), scope, &session).await?;
    if scope.person_id() != Some(supervisor) {
        return Err(not_theirs(scope, record.academy_id, action));
    }
    Ok(record)
}

/// The supervisor's edit of their draft, over the version they read.
pub async fn edit_draft(
    tx: &mut WriteTx<'_>,
    record_id: Uuid,
    content: RecordContent,
    row_version: i32,
) -> Result<RecordView, StoreError> {
    let record = authored(tx, record_id, "edit this record").await?;
    if record.status != "draft" {
        return Err(not_a_draft(&record));
    }
    let mut changed = record.clone().into_active_model();
    changed.content = Set(stored(&content)?);
    changed.next_session_on = Set(content.next_session_on);
    let row = update_record(tx, row_version, changed).await?;
    tx.audit(AuditEntry::new(
        "update",
        "supervision_record",
        Some(row.id),
    ))
    .await?;
    view(tx.connection(), row).await
}

/// Freezes the record once every party has signed or recorded a disagreement.
pub(super) async fn freeze_when_complete(
    tx: &mut WriteTx<'_>,
    record: e::supervision_record::Model,
) -> Result<e::supervision_record::Model, StoreError> {
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), tx.scope(), record.session_id)
            .await?;
    let (supervisor, supervisees) = parties(tx.connection(), tx.scope(), &session).await?;
    let signatures = e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::record_signature::Column::RecordId.eq(record.id))
        .all(tx.connection())
        .await?;
    let complete = std::iter::once(supervisor)
        .chain(supervisees)
        .all(|party| signatures.iter().any(|s| s.person_id == party));
    if !complete {
        return Ok(record);
    }
    // A record every party has answered is frozen either way; one that a party disagreed with
    // says so wherever its status shows, until the disagreement is resolved by escalation.
    let disagreed = signatures.iter().any(|s| s.outcome == DISAGREED);
    let version = record.row_version;
    let mut changed = record.into_active_model();
    changed.status = Set(if disagreed { DISAGREED } else { "signed" }.into());
    changed.frozen_at = Set(Some(tx.now()));
    let row = update_record(tx, version, changed).await?;
    tx.audit(AuditEntry::new(
        "freeze",
        "supervision_record",
        Some(row.id),
    ))
    .await?;
    Ok(row)
}

/// A party's answer as it is written: given in Haven now, or on the paper original on its day.
pub(super) struct Answer<'a> {
    person: Uuid,
    outcome: &'a str,
    disagreement: Option<String>,
    hash: &'a str,
    on_paper: Option<OnPaper>,
}

/// A signature given on paper: the day it was given and who entered it.
pub(super) struct OnPaper {
    signed_on: NaiveDate,
    entered_by: Uuid,
}

pub(super) async fn add_signature(
    tx: &mut WriteTx<'_>,
    record: &e::supervision_record::Model,
    answer: Answer<'_>,
) -> Result<(), StoreError> {
    let now = tx.now();
    let medium = if answer.on_paper.is_some() {
        PAPER
    } else {
        "electronic"
    };
    e::record_signature::Entity::insert(e::record_signature::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(record.trust_id),
        academy_id: Set(record.academy_id),
        record_id: Set(record.id),
        person_id: Set(answer.person),
        outcome: Set(answer.outcome.to_owned()),
        disagreement: Set(answer.disagreement),
        signed_at: Set(now),
        signed_on: Set(answer.on_paper.as_ref().map(|p| p.signed_on)),
        medium: Set(medium.to_owned()),
        entered_by_id: Set(answer.on_paper.as_ref().map(|p| p.entered_by)),
        content_hash: Set(answer.hash.to_owned()),
    })
    .exec(tx.connection())
    .await?;
    // A party signs wherever they sit, so the row is written here rather than through the
    // academy-visibility check of `insert`; the entry names what was signed, never the text.
    tx.audit(
        AuditEntry::new("sign", "supervision_record", Some(record.id)).with_detail(json!({
            "person_id": answer.person,
            "outcome": answer.outcome,
            "content_hash": answer.hash,
            "medium": medium,
            "signed_on": answer.on_paper.as_ref().map(|p| p.signed_on),
            "entered_by": answer.on_paper.as_ref().map(|p| p.entered_by),
        })),
    )
    .await
}

/// A signature's medium, when it was given on the paper original and entered after.
pub(super) const PAPER: &str = "paper";

/// How a record is sent: in Haven now, or entered as sent on paper.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    /// The day it was sent, when that was before it was entered (today when not given).
    pub sent_on: Option<NaiveDate>,
    /// Where the paper original is kept, for a record sent on paper; its parties then sign the
    /// paper (entered with [`enter_paper_signature`]) or sign in Haven.
    pub paper_original: Option<String>,
}

/// A day entered for a step of a record: not in the future (London) and not before `earliest`,
/// the day of the step it follows (`follows` names it).
pub(super) fn check_entered_day(
    field: &'static str,
    on: NaiveDate,
    earliest: NaiveDate,
    follows: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if on > london_date(now) {
        return Err(StoreError::invalid(field, format!("{on} is in the future")));
    }
    if on < earliest {
        return Err(StoreError::invalid(
            field,
            format!("{on} is before {follows}, {earliest}"),
        ));
    }
    Ok(())
}

/// The supervisor sends the draft for signature: its hash is fixed and their own signature
/// recorded with it. A record sent on paper before it was entered keeps the day it was sent
/// and where its original is kept, and the supervisor's signature is the paper one of that day.
pub async fn send(
    tx: &mut WriteTx<'_>,
    record_id: Uuid,
    sending: Sending,
) -> Result<RecordView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let record = authored(tx, record_id, "send this record").await?;
    if record.status != "draft" {
        return Err(not_a_draft(&record));
    }
    let paper_original = sending
        .paper_original
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    let today = london_date(now);
    let sent_day = sending.sent_on.unwrap_or(today);
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, record.session_id)
            .await?;
    check_entered_day(
        "sent_on",
        sent_day,
        crate::snapshot::held_on(&session),
        "the session was held",
        now,
    )?;
    if sent_day < today && paper_original.is_none() {
        return Err(StoreError::invalid(
            "paper_original",
            "say where the paper original is kept: a record sent before it was entered was \
             sent outside Haven",
        ));
    }
    let content = RecordContent::from_json(record.content.clone()).map_err(refused)?;
    content.validate_for_sending().map_err(refused)?;
    let hash = content.hash().map_err(refused)?.to_string();
    let version = record.row_version;
    let on_paper = paper_original.is_some();
    let mut changed = record.into_active_model();
    changed.status = Set("sent".into());
    changed.sent_at = Set(Some(now));
    changed.sent_on = Set(sending.sent_on);
    changed.paper_original = Set(paper_original);
    changed.content_hash = Set(Some(hash.clone()));
    let row = update_record(tx, version, changed).await?;
    tx.audit(
        AuditEntry::new("send", "supervision_record", Some(row.id))
            .with_detail(json!({ "sent_on": sent_day, "on_paper": on_paper })),
    )
    .await?;
    let author = row.author_id;
    let answer = Answer {
        person: author,
        outcome: "signed",
        disagreement: None,
        hash: &hash,
        on_paper: on_paper.then_some(OnPaper {
            signed_on: sent_day,
            entered_by: author,
        }),
    };
    add_signature(tx, &row, answer).await?;
    let row = freeze_when_complete(tx, row).await?;
    view(tx.connection(), row).await
}

/// A supervisee's answer to a record sent for signature.
#[derive(Debug, Clone)]
pub struct Signing {
    /// The hash of the content the supervisee read.
    pub content_hash: String,
    /// signed | disagreed
    pub outcome: String,
    pub disagreement: Option<String>,
}

/// The outcome and disagreement of an answer, checked together: a signature carries no
/// disagreement, a disagreement says what it disagrees with.
pub(super) fn checked_answer(
    outcome: &str,
    disagreement: Option<String>,
) -> Result<Option<String>, StoreError> {
    let disagreement = disagreement
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    match (outcome, &disagreement) {
        ("signed", None) | ("disagreed", Some(_)) => Ok(disagreement),
        ("signed", Some(_)) => Err(StoreError::invalid(
            "disagreement",
            "a signature carries no disagreement: record one with outcome disagreed",
        )),
        ("disagreed", None) => Err(StoreError::invalid(
            "disagreement",
            "say what you disagree with",
        )),
        _ => Err(StoreError::invalid(
            "outcome",
            "must be signed or disagreed",
        )),
    }
}

/// Whether `person` has answered the record already.
pub(super) async fn answered(
    conn: &DatabaseTransaction,
    scope: &Scope,
    record_id: Uuid,
    person: Uuid,
) -> Result<bool, StoreError> {
    Ok(e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::record_signature::Column::RecordId.eq(record_id))
        .filter(e::record_signature::Column::PersonId.eq(person))
        .one(conn)
        .await?
        .is_some())
}

/// The record's current hash, if `read` (the hash its answerer read) is it.
pub(super) fn current_hash(
    record: &e::supervision_record::Model,
    read: &str,
) -> Result<String, StoreError> {
    let current = record.content_hash.clone().unwrap_or_default();
    let read = ContentHash::parse(read)
        .map_err(|_| StoreError::invalid("content_hash", "must be 64 hexadecimal digits"))?;
    if read.as_str() != current {
        return Err(StoreError::invalid(
            "content_hash",
            "the record changed since you read it: read it again",
        ));
    }
    Ok(current)
}

/// A supervisee signs the content they read, or records their disagreement with it. When every
/// party has answered the record is frozen.
pub async fn sign(
    tx: &mut WriteTx<'_>,
    record_id: Uuid,
    signing: Signing,
) -> Result<RecordView, StoreError> {
    let (conn, scope) = (tx.connection(), tx.scope());
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let Some(person) = scope
        .person_id()
        .filter(|p| *p == supervisor || supervisees.contains(p))
    else {
        return Err(not_theirs(scope, record.academy_id, "sign this record"));
    };
    if answered(conn, scope, record.id, person).await? {
        return Err(StoreError::invalid(
            "signature",
            "you have already signed this record",
        ));
    }
    if record.status != "sent" {
        return Err(StoreError::invalid("status", "is not awaiting signatures"));
    }
    let disagreement = checked_answer(&signing.outcome, signing.disagreement)?;
    let current = current_hash(&record, &signing.content_hash)?;
    let answer = Answer {
        person,
        outcome: &signing.outcome,
        disagreement,
        hash: &current,
        on_paper: None,
    };
    add_signature(tx, &record, answer).await?;
    let row = freeze_when_complete(tx, record).await?;
    view(tx.connection(), row).await
}

/// The person acting on the record, who must be its supervisor or a trust safeguarding lead
/// (`action` says what they do, for the refusal), and the record's supervisor and supervisees.
pub(super) async fn supervisor_or_lead(
    conn: &DatabaseTransaction,
    scope: &Scope,
    record: &e::supervision_record::Model,
    action: &'static str,
) -> Result<(Uuid, (Uuid, Vec<Uuid>)), StoreError> {
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let Some(acting) = scope
        .person_id()
        .filter(|p| *p == supervisor || scope.is_trust_lead())
    else {
        return Err(not_theirs(scope, record.academy_id, action));
    };
    Ok((acting, (supervisor, supervisees)))
}

/// A party's signature (or disagreement) given on a record's paper original, as entered after.
#[derive(Debug, Clone)]
pub struct PaperSignature {
    /// The party who signed the paper.
    pub person_id: Uuid,
    /// The day they signed it.
    pub signed_on: NaiveDate,
    /// The hash of the content as entered, which the one entering checked against the paper.
    pub content_hash: String,
    /// signed | disagreed
    pub outcome: String,
    pub disagreement: Option<String>,
}

/// The record's supervisor, or a trust safeguarding lead, enters a signature given on the
/// paper original of a record sent on paper: who signed, on what day, and who entered it. It
/// counts from the day it is entered; when every party has answered the record is frozen.
pub async fn enter_paper_signature(
    tx: &mut WriteTx<'_>,
    record_id: Uuid,
    signature: PaperSignature,
) -> Result<RecordView, StoreError> {
    let (conn, scope, now) = (tx.connection(), tx.scope(), tx.now());
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let (entered_by, (supervisor, supervisees)) = supervisor_or_lead(
        conn,
        scope,
        &record,
        "enter a paper signature of this record",
    )
    .await?;
    if record.status != "sent" {
        return Err(StoreError::invalid("status", "is not awaiting signatures"));
    }
    let (Some(_), Some(sent_day)) = (&record.paper_original, sent_on(&record)) else {
        return Err(StoreError::invalid(
            "paper_original",
            "this record was sent in Haven, not on paper: its parties sign it in Haven",
        ));
    };
    let person = signature.person_id;
    if person != supervisor && !supervisees.contains(&person) {
        return Err(StoreError::invalid(
            "person_id",
            "is not a party to this record",
        ));
    }
    if answered(conn, scope, record.id, person).await? {
        return Err(StoreError::invalid(
            "person_id",
            "has already signed this record",
        ));
    }
    check_entered_day(
        "signed_on",
        signature.signed_on,
        sent_day,
        "the record was sent",
        now,
    )?;
    let disagreement = checked_answer(&signature.outcome, signature.disagreement)?;
    let current = current_hash(&record, &signature.content_hash)?;
    let answer = Answer {
        person,
        outcome: &signature.outcome,
        disagreement,
        hash: &current,
        on_paper: Some(OnPaper {
            signed_on: signature.signed_on,
            entered_by,
        }),
    };
    add_signature(tx, &record, answer).await?;
    let row = freeze_when_complete(tx, record).await?;
    view(tx.connection(), row).await
}

/// A change to a frozen record: who (the supervisor or a trust safeguarding lead), why, and
/// the content as amended, over the version read.
pub async fn amend(
    tx: &mut WriteTx<'_>,
    record_id: Uuid,
    reason: &str,
    content: RecordContent,
    row_version: i32,
) -> Result<RecordView, StoreError> {
    let (conn, scope, now) = (tx.connection(), tx.scope(), tx.now());
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let (author, _) = supervisor_or_lead(conn, scope, &record, "amend this record").await?;
    let (Some(previous_hash), Some(_)) = (record.content_hash.clone(), record.frozen_at) else {
        return Err(StoreError::invalid(
            "status",
            "is not frozen: a draft is edited, a sent record awaits its signatures",
        ));
    };
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            "say why the record is amended",
        ));
    }
    content.validate_for_sending().map_err(refused)?;
    let after = stored(&content)?;
    let diff = changes(&record.content, &after);
    if diff.is_empty() {
        return Err(StoreError::invalid("content", "changes nothing"));
    }
    let hash = content.hash().map_err(refused)?.to_string();
    let mut changed = record.clone().into_active_model();
    changed.content = Set(after);
    changed.content_hash = Set(Some(hash.clone()));
    changed.next_session_on = Set(content.next_session_on);
    let row = update_record(tx, row_version, changed).await?;
    let changes_json =
        serde_json::to_value(&diff).map_err(|e| refused(DomainError::Hash(e.to_string())))?;
    let amendment = e::record_amendment::Entity::insert(e::record_amendment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(record.trust_id),
        academy_id: Set(record.academy_id),
        record_id: Set(record.id),
        author_id: Set(author),
        reason: Set(reason.to_owned()),
        changes: Set(changes_json),
        previous_hash: Set(previous_hash.clone()),
        content_hash: Set(hash.clone()),
        created_at: Set(now),
    })
    .exec(tx.connection())
    .await?;
    tx.audit(
        AuditEntry::new("amend", "supervision_record", Some(row.id))
            .with_reason(reason)
            .with_detail(json!({
                "amendment_id": amendment.last_insert_id,
                "fields": diff.keys().collect::<Vec<_>>(),
                "previous_hash": previous_hash,
                "content_hash": hash,
            })),
    )
    .await?;
    view(tx.connection(), row).await
}
