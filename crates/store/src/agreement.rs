//! Supervision agreements (DESIGN §4): drafted by the supervisor or a trust lead, signed by every
//! party against the content they read, active from the last signature and renewed as a new
//! version of the same lineage, the old version staying (with its sessions) as `superseded`.
//!
//! Parties reach their agreements wherever the academy sits (an external supervisor may see no
//! academy at all); everyone else reaches those of the academies their scope sees.
//!
//! Each function works inside the transaction it is given (a write takes `&mut WriteTx`, a read
//! `&ReadTx`), reading the academy's policy it checks against in that same transaction: the
//! caller opens it and commits.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use haven_domain::{Cadence, ContentHash, MaxCases, PolicySettings, ReminderKind, SessionLength};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::{Actor, Scope};
use crate::tx::ReadTx;
use crate::{StoreError, WriteTx};

const DRAFT: &str = "draft";
const ACTIVE: &str = "active";
const SUPERSEDED: &str = "superseded";

/// What kind of supervision an agreement sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OneToOne,
    Group,
    External,
}

impl Kind {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim() {
            "one_to_one" => Ok(Self::OneToOne),
            "group" => Ok(Self::Group),
            "external" => Ok(Self::External),
            other => Err(format!("{other:?} is not one_to_one, group or external")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::OneToOne => "one_to_one",
            Self::Group => "group",
            Self::External => "external",
        }
    }
}

/// The terms as the caller sends them, checked by [`Terms::check`].
#[derive(Debug, Clone)]
pub struct TermsInput {
    /// weekly | every_n_weeks | half_termly | termly
    pub plan_cadence: String,
    /// N for `every_n_weeks`, and only for it.
    pub plan_weeks: Option<u32>,
    pub extended_each_half_term: bool,
    /// The floor below which a supervisee is overdue (`every_4_weeks`, `half_termly`...);
    /// `None`: the minimum of the academy's policy.
    pub minimum: Option<String>,
    /// `None`: the session length of the academy's policy.
    pub session_minutes: Option<u32>,
    /// `None`: the cap of the academy's policy (which may be none).
    pub max_cases_per_session: Option<u32>,
    /// `None`: whether the academy's policy asks for agendas.
    pub agenda_required: Option<bool>,
    pub standard_agenda: String,
    pub records_location: String,
    pub confidentiality_terms: String,
    pub diversity_terms: String,
}

impl TermsInput {
    /// What the drafter left out, from the policy of the agreement's academy: new agreements
    /// start from it (DESIGN §4).
    fn or_policy(mut self, policy: &PolicySettings) -> Self {
        self.minimum
            .get_or_insert_with(|| policy.minimum.cadence().code());
        self.session_minutes
            .get_or_insert(policy.session_length.minutes());
        self.agenda_required.get_or_insert(policy.agenda_required);
        if self.max_cases_per_session.is_none() {
            self.max_cases_per_session = policy.max_cases_per_session.map(MaxCases::get);
        }
        self
    }
}

/// A change to a draft's terms: `None` leaves a term as it is.
#[derive(Debug, Clone, Default)]
pub struct TermsPatch {
    pub plan_cadence: Option<String>,
    pub plan_weeks: Option<u32>,
    pub extended_each_half_term: Option<bool>,
    pub minimum: Option<String>,
    pub session_minutes: Option<u32>,
    pub max_cases_per_session: Option<u32>,
    pub agenda_required: Option<bool>,
    pub standard_agenda: Option<String>,
    pub records_location: Option<String>,
    pub confidentiality_terms: Option<String>,
    pub diversity_terms: Option<String>,
}

/// A new agreement as its drafter asks for it.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub academy_id: Uuid,
    pub kind: Kind,
    pub supervisor_id: Uuid,
    pub supervisee_ids: Vec<Uuid>,
    pub terms: TermsInput,
}

/// The terms every party signs: exactly this object, serialised canonically, is what
/// `content_hash` digests, so a client can check the hash against what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Terms {
    /// weekly, every_n_weeks (with `plan_weeks`), half_termly or termly.
    pub plan_cadence: String,
    /// N for every_n_weeks, and only for it.
    pub plan_weeks: Option<u32>,
    /// Whether one session each half term is extended.
    pub extended_each_half_term: bool,
    /// The agreement's own minimum, as `Cadence::code` writes it: what compliance and the
    /// "supervision overdue" reminder judge its supervisees by.
    pub minimum: String,
    /// The length of a session.
    pub session_minutes: u32,
    /// The cap on cases per session, if any.
    pub max_cases_per_session: Option<u32>,
    /// Whether the supervisees send an agenda before each session.
    pub agenda_required: bool,
    pub standard_agenda: String,
    /// Where the records are kept.
    pub records_location: String,
    pub confidentiality_terms: String,
    pub diversity_terms: String,
}

fn domain(field: &'static str, error: haven_domain::DomainError) -> StoreError {
    StoreError::invalid(field, error.to_string())
}

fn required_text(field: &'static str, text: String) -> Result<String, StoreError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(StoreError::invalid(field, "is required"));
    }
    Ok(trimmed.to_owned())
}

impl Terms {
    /// Checks the terms through the domain's types, naming the field at fault.
    pub fn check(input: TermsInput) -> Result<Self, StoreError> {
        let cadence = Cadence::parse_plan(&input.plan_cadence, input.plan_weeks)
            .map_err(StoreError::refused)?;
        let (plan_cadence, plan_weeks) = cadence.plan_columns();
        let minimum = input
            .minimum
            .as_deref()
            .ok_or_else(|| StoreError::invalid("minimum", "is required"))
            .and_then(|code| Cadence::parse(code).map_err(|e| domain("minimum", e)))?;
        let minutes = input
            .session_minutes
            .ok_or_else(|| StoreError::invalid("session_minutes", "is required"))?;
        let session = SessionLength::parse(minutes).map_err(|e| domain("session_minutes", e))?;
        let max_cases = input
            .max_cases_per_session
            .map(MaxCases::parse)
            .transpose()
            .map_err(|e| domain("max_cases_per_session", e))?;
        Ok(Self {
            plan_cadence: plan_cadence.to_owned(),
            plan_weeks,
            extended_each_half_term: input.extended_each_half_term,
            minimum: minimum.code(),
            session_minutes: session.minutes(),
            max_cases_per_session: max_cases.map(MaxCases::get),
            agenda_required: input
                .agenda_required
                .ok_or_else(|| StoreError::invalid("agenda_required", "is required"))?,
            standard_agenda: required_text("standard_agenda", input.standard_agenda)?,
            records_location: required_text("records_location", input.records_location)?,
            confidentiality_terms: required_text(
                "confidentiality_terms",
                input.confidentiality_terms,
            )?,
            diversity_terms: required_text("diversity_terms", input.diversity_terms)?,
        })
    }

    fn of(row: &e::agreement::Model) -> Self {
        Self {
            plan_cadence: row.plan_cadence.clone(),
            plan_weeks: row.plan_weeks.and_then(|w| u32::try_from(w).ok()),
            extended_each_half_term: row.extended_each_half_term,
            minimum: row.minimum.clone(),
            session_minutes: u32::try_from(row.session_minutes).unwrap_or_default(),
            max_cases_per_session: row
                .max_cases_per_session
                .and_then(|n| u32::try_from(n).ok()),
            agenda_required: row.agenda_required,
            standard_agenda: row.standard_agenda.clone(),
            records_location: row.records_location.clone(),
            confidentiality_terms: row.confidentiality_terms.clone(),
            diversity_terms: row.diversity_terms.clone(),
        }
    }

    /// The patch laid over these terms, as input to check again. Naming `plan_weeks` alone keeps
    /// the cadence; naming `plan_cadence` replaces the whole plan.
    fn patched(self, patch: TermsPatch) -> TermsInput {
        let plan_weeks = if patch.plan_cadence.is_some() || patch.plan_weeks.is_some() {
            patch.plan_weeks
        } else {
            self.plan_weeks
        };
        TermsInput {
            plan_cadence: patch.plan_cadence.unwrap_or(self.plan_cadence),
            plan_weeks,
            extended_each_half_term: patch
                .extended_each_half_term
                .unwrap_or(self.extended_each_half_term),
            minimum: Some(patch.minimum.unwrap_or(self.minimum)),
            session_minutes: Some(patch.session_minutes.unwrap_or(self.session_minutes)),
            max_cases_per_session: patch.max_cases_per_session.or(self.max_cases_per_session),
            agenda_required: Some(patch.agenda_required.unwrap_or(self.agenda_required)),
            standard_agenda: patch.standard_agenda.unwrap_or(self.standard_agenda),
            records_location: patch.records_location.unwrap_or(self.records_location),
            confidentiality_terms: patch
                .confidentiality_terms
                .unwrap_or(self.confidentiality_terms),
            diversity_terms: patch.diversity_terms.unwrap_or(self.diversity_terms),
        }
    }

    /// The hash every party signs: [`haven_domain::content_hash`] of exactly these terms.
    pub fn hash(&self) -> Result<String, StoreError> {
        haven_domain::content_hash(self)
            .map(|hash| hash.to_string())
            .map_err(|source| StoreError::Digest {
                entity: "agreement".to_owned(),
                source,
            })
    }

    /// The agreement row's columns these terms fill, with the hash a signature covers: the one
    /// way a row of terms is written, by the store as by the seeds. The caller sets the rest (ids,
    /// parties, status, dates).
    pub fn columns(&self) -> Result<e::agreement::ActiveModel, StoreError> {
        let (plan_weeks, session_minutes, max_cases) = self.numbers();
        Ok(e::agreement::ActiveModel {
            plan_cadence: Set(self.plan_cadence.clone()),
            plan_weeks: Set(plan_weeks),
            extended_each_half_term: Set(self.extended_each_half_term),
            minimum: Set(self.minimum.clone()),
            session_minutes: Set(session_minutes),
            max_cases_per_session: Set(max_cases),
            agenda_required: Set(self.agenda_required),
            standard_agenda: Set(self.standard_agenda.clone()),
            records_location: Set(self.records_location.clone()),
            confidentiality_terms: Set(self.confidentiality_terms.clone()),
            diversity_terms: Set(self.diversity_terms.clone()),
            content_hash: Set(Some(self.hash()?)),
            ..Default::default()
        })
    }

    fn numbers(&self) -> (Option<i32>, i32, Option<i32>) {
        let int = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        (
            self.plan_weeks.map(int),
            int(self.session_minutes),
            self.max_cases_per_session.map(int),
        )
    }
}

/// A party's signature of an agreement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementSignatureView {
    pub person_id: Uuid,
    pub signed_at: DateTime<Utc>,
    /// The hash of the terms signed.
    pub content_hash: String,
}

/// One version of the agreement's lineage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub id: Uuid,
    pub version: i32,
    /// draft, active or superseded.
    pub status: String,
    pub activated_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

/// An agreement as its parties and its academy's viewers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    pub academy_id: Uuid,
    /// The id of the lineage's first version, shared by every version.
    pub lineage_id: Uuid,
    pub version: i32,
    /// The version this one renews.
    pub previous_version_id: Option<Uuid>,
    /// one_to_one, group or external.
    pub kind: String,
    /// draft, active or superseded.
    pub status: String,
    pub supervisor_id: Uuid,
    pub supervisee_ids: Vec<Uuid>,
    pub terms: Terms,
    /// What a signer sends back: the hash of `terms`.
    pub content_hash: Option<String>,
    /// The day the last party signed.
    pub activated_on: Option<NaiveDate>,
    pub review_due_on: Option<NaiveDate>,
    /// The day a renewal superseded it.
    pub ended_on: Option<NaiveDate>,
    pub row_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub signatures: Vec<AgreementSignatureView>,
    /// Every version of the lineage, oldest first (this one among them).
    pub versions: Vec<VersionView>,
}

/// An agreement in a list: who, where, and how far it has got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementSummary {
    pub id: Uuid,
    pub academy_id: Uuid,
    /// The id of the lineage's first version, shared by every version.
    pub lineage_id: Uuid,
    pub version: i32,
    /// one_to_one, group or external.
    pub kind: String,
    /// draft, active or superseded.
    pub status: String,
    pub supervisor_id: Uuid,
    pub supervisee_ids: Vec<Uuid>,
    pub activated_on: Option<NaiveDate>,
    pub review_due_on: Option<NaiveDate>,
}

/// The acting person; tokens and processes carry figures, not agreements.
fn person(scope: &Scope, action: &'static str) -> Result<Uuid, StoreError> {
    scope.person_id().ok_or(StoreError::NotPermitted { action })
}

async fn supervisees_of(
    conn: &DatabaseTransaction,
    scope: &Scope,
    agreement_id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let mut ids: Vec<Uuid> = e::agreement_supervisee::Entity::find()
        .filter(e::agreement_supervisee::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement_supervisee::Column::AgreementId.eq(agreement_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.person_id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// The agreement with its supervisees, if the scope's person is a party or sees its academy.
pub(crate) async fn reachable(
    conn: &DatabaseTransaction,
    scope: &Scope,
    id: Uuid,
) -> Result<(e::agreement::Model, Vec<Uuid>), StoreError> {
    let row = e::agreement::Entity::find_by_id(id)
        .filter(e::agreement::Column::TrustId.eq(scope.trust_id()))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let supervisees = supervisees_of(conn, scope, row.id).await?;
    let party = scope
        .person_id()
        .is_some_and(|p| p == row.supervisor_id || supervisees.contains(&p));
    if party || scope.sees_academy(row.academy_id) {
        Ok((row, supervisees))
    } else {
        Err(StoreError::NotFound)
    }
}

/// Drafts an agreement, by its supervisor or a trust lead, in an academy the caller sees.
pub async fn draft(tx: &mut WriteTx<'_>, new: NewAgreement) -> Result<AgreementView, StoreError> {
    let scope = tx.scope();
    let me = person(scope, "draft agreements")?;
    // An academy outside the scope is 404, before its policy is read or the parties checked.
    tx.find::<e::academy::Entity>(new.academy_id).await?;
    let policy = crate::policy::effective_of(tx, new.academy_id).await?;
    if me != new.supervisor_id && !scope.is_trust_lead() {
        return Err(StoreError::NotPermitted {
            action: "draft an agreement another person supervises",
        });
    }
    let supervisor = tx.find::<e::person::Entity>(new.supervisor_id).await;
    if !supervisor.is_ok_and(|p| p.active) {
        return Err(StoreError::invalid(
            "supervisor_id",
            "is not an active person of the trust",
        ));
    }
    let mut supervisees = new.supervisee_ids.clone();
    supervisees.sort();
    supervisees.dedup();
    if supervisees.len() != new.supervisee_ids.len() {
        return Err(StoreError::invalid(
            "supervisee_ids",
            "names a person twice",
        ));
    }
    match (new.kind, supervisees.len()) {
        (_, 0) => {
            return Err(StoreError::invalid(
                "supervisee_ids",
                "name at least one supervisee",
            ));
        }
        (Kind::OneToOne | Kind::External, n) if n != 1 => {
            return Err(StoreError::invalid(
                "supervisee_ids",
                format!("a {} agreement has exactly one supervisee", new.kind.code()),
            ));
        }
        _ => {}
    }
    if supervisees.contains(&new.supervisor_id) {
        return Err(StoreError::invalid(
            "supervisee_ids",
            "the supervisor cannot supervise themself",
        ));
    }
    for id in &supervisees {
        let supervisee = tx.find::<e::person::Entity>(*id).await;
        if !supervisee.is_ok_and(|p| p.active) {
            return Err(StoreError::invalid(
                "supervisee_ids",
                format!("{id} is not an active person of the trust"),
            ));
        }
    }
    let terms = Terms::check(new.terms.or_policy(&policy))?;
    let id = Uuid::now_v7();
    insert_version(
        tx,
        Version {
            id,
            academy_id: new.academy_id,
            lineage_id: id,
            version: 1,
            previous_version_id: None,
            kind: new.kind.code(),
            supervisor_id: new.supervisor_id,
        },
        &terms,
        &supervisees,
    )
    .await?;
    view_of(tx, id).await
}

/// Where a new version sits in its lineage.
struct Version<'a> {
    id: Uuid,
    academy_id: Uuid,
    lineage_id: Uuid,
    version: i32,
    previous_version_id: Option<Uuid>,
    kind: &'a str,
    supervisor_id: Uuid,
}

async fn insert_version(
    tx: &mut WriteTx<'_>,
    version: Version<'_>,
    terms: &Terms,
    supervisees: &[Uuid],
) -> Result<(), StoreError> {
    let trust_id = tx.scope().trust_id();
    let now = tx.now();
    let row = e::agreement::ActiveModel {
        id: Set(version.id),
        trust_id: Set(trust_id),
        academy_id: Set(version.academy_id),
        lineage_id: Set(version.lineage_id),
        version: Set(version.version),
        previous_version_id: Set(version.previous_version_id),
        kind: Set(version.kind.to_owned()),
        supervisor_id: Set(version.supervisor_id),
        status: Set(DRAFT.to_owned()),
        activated_on: Set(None),
        review_due_on: Set(None),
        ended_on: Set(None),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..terms.columns()?
    };
    tx.insert_for_party(row).await?;
    for person_id in supervisees {
        tx.insert_for_party(e::agreement_supervisee::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(trust_id),
            academy_id: Set(version.academy_id),
            agreement_id: Set(version.id),
            person_id: Set(*person_id),
        })
        .await?;
    }
    Ok(())
}

/// Changes a draft's terms, by its supervisor or a trust lead, against the `row_version` the
/// caller read. Signatures already given were of the old terms, so they are withdrawn.
pub async fn edit(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    row_version: i32,
    patch: TermsPatch,
) -> Result<AgreementView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let me = person(scope, "edit agreements")?;
    let (row, _) = reachable(tx.connection(), scope, id).await?;
    if me != row.supervisor_id && !scope.is_trust_lead() {
        return Err(StoreError::NotPermitted {
            action: "edit an agreement another person supervises",
        });
    }
    if row.row_version != row_version {
        return Err(StoreError::Conflict {
            entity: "agreement",
            id,
        });
    }
    if row.status != DRAFT {
        return Err(StoreError::invalid(
            "status",
            format!("a {} agreement is not edited; renew it instead", row.status),
        ));
    }
    let terms = Terms::check(Terms::of(&row).patched(patch))?;
    let hash = terms.hash()?;
    let (plan_weeks, session_minutes, max_cases) = terms.numbers();
    use e::agreement::Column as C;
    let updated = e::agreement::Entity::update_many()
        .col_expr(C::PlanCadence, Expr::value(terms.plan_cadence.clone()))
        .col_expr(C::PlanWeeks, Expr::value(plan_weeks))
        .col_expr(
            C::ExtendedEachHalfTerm,
            Expr::value(terms.extended_each_half_term),
        )
        .col_expr(C::Minimum, Expr::value(terms.minimum.clone()))
        .col_expr(C::SessionMinutes, Expr::value(session_minutes))
        .col_expr(C::MaxCasesPerSession, Expr::value(max_cases))
        .col_expr(C::AgendaRequired, Expr::value(terms.agenda_required))
        .col_expr(
            C::StandardAgenda,
            Expr::value(terms.standard_agenda.clone()),
        )
        .col_expr(
            C::RecordsLocation,
            Expr::value(terms.records_location.clone()),
        )
        .col_expr(
            C::ConfidentialityTerms,
            Expr::value(terms.confidentiality_terms.clone()),
        )
        .col_expr(
            C::DiversityTerms,
            Expr::value(terms.diversity_terms.clone()),
        )
        .col_expr(C::ContentHash, Expr::value(Some(hash.clone())))
        .col_expr(C::RowVersion, Expr::value(row_version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::RowVersion.eq(row_version))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict {
            entity: "agreement",
            id,
        });
    }
    let withdrawn = e::agreement_signature::Entity::delete_many()
        .filter(e::agreement_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement_signature::Column::AgreementId.eq(id))
        .exec(tx.connection())
        .await?;
    tx.audit(
        AuditEntry::new("update", "agreement", Some(id)).with_detail(json!({
            "content_hash": hash,
            "signatures_withdrawn": withdrawn.rows_affected,
        })),
    )
    .await?;
    view_of(tx, id).await
}

/// Signs a draft as one of its parties, against the hash of the terms the signer read. The last
/// party's signature makes it active on `today` (London), due for review twelve months on, and
/// supersedes the version it renews.
pub async fn sign(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    content_hash: &str,
    today: NaiveDate,
) -> Result<AgreementView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let me = person(scope, "sign agreements")?;
    let signed_hash = ContentHash::parse(content_hash).map_err(|e| domain("content_hash", e))?;
    // The trust's writers queue on the audit chain's head, so two parties signing at once are
    // taken one after the other: the second sees the first's signature and activation is once.
    let (row, supervisees) = reachable(tx.connection(), scope, id).await?;
    if me != row.supervisor_id && !supervisees.contains(&me) {
        return Err(StoreError::NotPermitted {
            action: "sign an agreement one is not a party to",
        });
    }
    if row.status != DRAFT {
        return Err(StoreError::invalid(
            "status",
            format!("a {} agreement is not signed", row.status),
        ));
    }
    let current = Terms::of(&row).hash()?;
    if signed_hash.as_str() != current {
        return Err(StoreError::Conflict {
            entity: "agreement",
            id,
        });
    }
    let signatures = e::agreement_signature::Entity::find()
        .filter(e::agreement_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement_signature::Column::AgreementId.eq(id))
        .all(tx.connection())
        .await?;
    if signatures.iter().any(|s| s.person_id == me) {
        return Err(StoreError::invalid(
            "signature",
            "this party has already signed",
        ));
    }
    tx.insert_for_party(e::agreement_signature::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(scope.trust_id()),
        academy_id: Set(row.academy_id),
        agreement_id: Set(id),
        person_id: Set(me),
        signed_at: Set(now),
        content_hash: Set(current.clone()),
    })
    .await?;
    tx.audit(
        AuditEntry::new("sign", "agreement", Some(id))
            .with_detail(json!({ "content_hash": current })),
    )
    .await?;
    let signed = signatures.len() + 1;
    if signed == supervisees.len() + 1 {
        activate(tx, &row, today).await?;
    }
    view_of(tx, id).await
}

/// Makes the draft active on `today`, due for review after the review interval of its academy
/// (read for the party who reached the agreement, who may see no academy at all).
async fn activate(
    tx: &mut WriteTx<'_>,
    row: &e::agreement::Model,
    today: NaiveDate,
) -> Result<(), StoreError> {
    use e::agreement::Column as C;
    let review_months = crate::policy::effective_of(tx, row.academy_id)
        .await?
        .agreement_review_months;
    let review_due_on = today
        .checked_add_months(Months::new(review_months))
        .ok_or_else(|| StoreError::invalid("review_due_on", "falls outside the calendar"))?;
    let trust_id = tx.scope().trust_id();
    let now = tx.now();
    let updated = e::agreement::Entity::update_many()
        .col_expr(C::Status, Expr::value(ACTIVE))
        .col_expr(C::ActivatedOn, Expr::value(Some(today)))
        .col_expr(C::ReviewDueOn, Expr::value(Some(review_due_on)))
        .col_expr(C::RowVersion, Expr::value(row.row_version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(trust_id))
        .filter(C::Id.eq(row.id))
        .filter(C::Status.eq(DRAFT))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict {
            entity: "agreement",
            id: row.id,
        });
    }
    tx.audit(
        AuditEntry::new("activate", "agreement", Some(row.id)).with_detail(json!({
            "activated_on": today,
            "review_due_on": review_due_on,
        })),
    )
    .await?;
    if let Some(previous) = row.previous_version_id {
        let superseded = e::agreement::Entity::update_many()
            .col_expr(C::Status, Expr::value(SUPERSEDED))
            .col_expr(C::EndedOn, Expr::value(Some(today)))
            .col_expr(C::RowVersion, Expr::col(C::RowVersion).add(1))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::TrustId.eq(trust_id))
            .filter(C::Id.eq(previous))
            .filter(C::Status.eq(ACTIVE))
            .exec(tx.connection())
            .await?;
        if superseded.rows_affected == 1 {
            tx.audit(
                AuditEntry::new("supersede", "agreement", Some(previous))
                    .with_detail(json!({ "by": row.id, "ended_on": today })),
            )
            .await?;
        }
    }
    Ok(())
}

/// Drafts `row`'s next version with the same parties and terms, unless one is drafted already.
async fn draft_next_version(
    tx: &mut WriteTx<'_>,
    row: &e::agreement::Model,
    supervisees: &[Uuid],
) -> Result<Uuid, StoreError> {
    let later = e::agreement::Entity::find()
        .filter(e::agreement::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::agreement::Column::LineageId.eq(row.lineage_id))
        .filter(e::agreement::Column::Version.gt(row.version))
        .one(tx.connection())
        .await?;
    if let Some(later) = later {
        return Err(StoreError::invalid(
            "status",
            format!("version {} is already drafted", later.version),
        ));
    }
    let new_id = Uuid::now_v7();
    insert_version(
        tx,
        Version {
            id: new_id,
            academy_id: row.academy_id,
            lineage_id: row.lineage_id,
            version: row.version + 1,
            previous_version_id: Some(row.id),
            kind: &row.kind,
            supervisor_id: row.supervisor_id,
        },
        &Terms::of(row),
        supervisees,
    )
    .await?;
    tx.audit(
        AuditEntry::new("renew", "agreement", Some(row.id))
            .with_detail(json!({ "new_version_id": new_id })),
    )
    .await?;
    Ok(new_id)
}

/// How many days before its review date an agreement's renewal is drafted: when the academy's
/// "agreement review due" reminder first falls, so the draft is there when the parties are
/// reminded (30 days by default).
fn renewal_lead_days(policy: &PolicySettings) -> u64 {
    policy
        .reminder(ReminderKind::AgreementReviewDue)
        .and_then(|rule| rule.offsets_days.iter().min().copied())
        .map_or(30, |offset| offset.unsigned_abs().into())
}

/// Drafts the renewal of every active agreement of the scope's trust whose review date is
/// within its academy's renewal lead time of `as_of` and that has no next version yet: run by
/// the scheduler daily, so a second run (or a renewal a party already drafted) adds nothing.
/// Returns the new drafts' ids.
pub async fn draft_due_renewals(
    tx: &mut WriteTx<'_>,
    as_of: NaiveDate,
) -> Result<Vec<Uuid>, StoreError> {
    let scope = tx.scope();
    if !matches!(scope.actor(), Actor::System(_)) {
        return Err(StoreError::NotPermitted {
            action: "draft the renewals that fell due",
        });
    }
    let active = tx
        .list_where::<e::agreement::Entity, _>(e::agreement::Column::Status.eq(ACTIVE))
        .await?;
    let drafted: BTreeSet<(Uuid, i32)> = tx
        .list::<e::agreement::Entity>()
        .await?
        .into_iter()
        .map(|a| (a.lineage_id, a.version))
        .collect();
    let academies: Vec<Uuid> = active
        .iter()
        .map(|row| row.academy_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let policies = crate::policy::effective_in(tx, &academies).await?;
    let mut due = Vec::new();
    for row in active {
        let Some(review) = row.review_due_on else {
            continue;
        };
        let next_drafted = drafted
            .iter()
            .any(|(lineage, version)| *lineage == row.lineage_id && *version > row.version);
        if next_drafted {
            continue;
        }
        let policy = policies
            .academies
            .get(&row.academy_id)
            .unwrap_or(&policies.trust);
        let draft_from = review
            .checked_sub_days(Days::new(renewal_lead_days(policy)))
            .unwrap_or(review);
        if as_of >= draft_from {
            due.push(row);
        }
    }
    let mut created = Vec::with_capacity(due.len());
    for row in &due {
        let supervisees = supervisees_of(tx.connection(), scope, row.id).await?;
        created.push(draft_next_version(tx, row, &supervisees).await?);
    }
    Ok(created)
}

/// Drafts the next version of an active agreement, with the same parties and terms, by a party
/// or a trust lead. The active version stays in force until the new one is signed.
pub async fn renew(tx: &mut WriteTx<'_>, id: Uuid) -> Result<AgreementView, StoreError> {
    let scope = tx.scope();
    let me = person(scope, "renew agreements")?;
    let (row, supervisees) = reachable(tx.connection(), scope, id).await?;
    let party = me == row.supervisor_id || supervisees.contains(&me);
    if !party && !scope.is_trust_lead() {
        return Err(StoreError::NotPermitted {
            action: "renew an agreement one is not a party to",
        });
    }
    if row.status != ACTIVE {
        return Err(StoreError::invalid(
            "status",
            format!(
                "only an active agreement is renewed; this one is {}",
                row.status
            ),
        ));
    }
    let new_id = draft_next_version(tx, &row, &supervisees).await?;
    view_of(tx, new_id).await
}

async fn view_of(read: &ReadTx<'_>, id: Uuid) -> Result<AgreementView, StoreError> {
    let (scope, conn) = (read.scope(), read.connection());
    let (row, supervisee_ids) = reachable(conn, scope, id).await?;
    let mut signatures: Vec<AgreementSignatureView> = e::agreement_signature::Entity::find()
        .filter(e::agreement_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement_signature::Column::AgreementId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| AgreementSignatureView {
            person_id: s.person_id,
            signed_at: s.signed_at,
            content_hash: s.content_hash,
        })
        .collect();
    signatures.sort_by(|a, b| {
        a.signed_at
            .cmp(&b.signed_at)
            .then(a.person_id.cmp(&b.person_id))
    });
    let mut versions: Vec<VersionView> = e::agreement::Entity::find()
        .filter(e::agreement::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement::Column::LineageId.eq(row.lineage_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| VersionView {
            id: v.id,
            version: v.version,
            status: v.status,
            activated_on: v.activated_on,
            ended_on: v.ended_on,
        })
        .collect();
    versions.sort_by_key(|v| v.version);
    let terms = Terms::of(&row);
    // A draft is signed against its terms as they read now, so a draft stored before a term
    // existed (the minimum) is signed against what its parties are shown; a signed version
    // keeps the hash its parties signed.
    let content_hash = if row.status == DRAFT {
        Some(terms.hash()?)
    } else {
        row.content_hash
    };
    Ok(AgreementView {
        terms,
        id: row.id,
        academy_id: row.academy_id,
        lineage_id: row.lineage_id,
        version: row.version,
        previous_version_id: row.previous_version_id,
        kind: row.kind,
        status: row.status,
        supervisor_id: row.supervisor_id,
        supervisee_ids,
        content_hash,
        activated_on: row.activated_on,
        review_due_on: row.review_due_on,
        ended_on: row.ended_on,
        row_version: row.row_version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        signatures,
        versions,
    })
}

/// One agreement: terms, parties, signatures and the versions of its lineage.
pub async fn get(read: &ReadTx<'_>, id: Uuid) -> Result<AgreementView, StoreError> {
    person(read.scope(), "read agreements")?;
    view_of(read, id).await
}

/// The agreements the caller is a party to, and those of the academies they see, newest first.
pub async fn list(read: &ReadTx<'_>) -> Result<Vec<AgreementSummary>, StoreError> {
    let scope = read.scope();
    let me = person(scope, "read agreements")?;
    let conn = read.connection();
    let supervisees = e::agreement_supervisee::Entity::find()
        .filter(e::agreement_supervisee::Column::TrustId.eq(scope.trust_id()))
        .all(conn)
        .await?;
    let rows = e::agreement::Entity::find()
        .filter(e::agreement::Column::TrustId.eq(scope.trust_id()))
        .all(conn)
        .await?;
    let mut summaries: Vec<AgreementSummary> = rows
        .into_iter()
        .filter_map(|row| {
            let mut supervisee_ids: Vec<Uuid> = supervisees
                .iter()
                .filter(|s| s.agreement_id == row.id)
                .map(|s| s.person_id)
                .collect();
            supervisee_ids.sort();
            let party = me == row.supervisor_id || supervisee_ids.contains(&me);
            (party || scope.sees_academy(row.academy_id)).then_some(AgreementSummary {
                id: row.id,
                academy_id: row.academy_id,
                lineage_id: row.lineage_id,
                version: row.version,
                kind: row.kind,
                status: row.status,
                supervisor_id: row.supervisor_id,
                supervisee_ids,
                activated_on: row.activated_on,
                review_due_on: row.review_due_on,
            })
        })
        .collect();
    summaries.sort_by_key(|s| std::cmp::Reverse(s.id));
    Ok(summaries)
}
