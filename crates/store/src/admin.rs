//! A trust's own administration, by its trust safeguarding lead: regions, academies, people and
//! the roles they hold (DESIGN §1, §3). Every change is audited in the transaction that makes it.
//!
//! The academies list is the one read open to anyone in the trust, limited to the academies
//! their scope sees; everything else here is the trust lead's alone.

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::role::{Role, ScopeKind};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::audit::AuditEntry;
use crate::scope::{Actor, SystemActor};
use crate::tx::{ReadTx, WriteTx};

/// The phases of education the DfE records for an establishment, as stored.
pub const PHASES: [&str; 6] = [
    "primary",
    "secondary",
    "all_through",
    "special",
    "alternative_provision",
    "nursery",
];

/// Long enough for any school or person's name, short enough for a list.
const NAME_MAX_CHARS: usize = 200;
/// The longest address RFC 5321 allows, and the column's width.
const EMAIL_MAX_CHARS: usize = 320;

/// A region of the trust, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionView {
    pub id: Uuid,
    /// Its name, one line.
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<e::region::Model> for RegionView {
    fn from(row: e::region::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// An academy of the trust, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcademyView {
    pub id: Uuid,
    /// Its name, one line.
    pub name: String,
    /// The DfE unique reference number: six digits.
    pub urn: String,
    /// Its phase of education: one of [`PHASES`].
    pub phase: String,
    /// Its local authority, one line.
    pub local_authority: String,
    /// The region it belongs to, if any.
    pub region_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<e::academy::Model> for AcademyView {
    fn from(row: e::academy::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            urn: row.urn,
            phase: row.phase,
            local_authority: row.local_authority,
            region_id: row.region_id,
            created_at: row.created_at,
        }
    }
}

/// A person as the trust lead sees them: never their identity provider's subject.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: Uuid,
    /// Their name as shown, one line.
    pub display_name: String,
    /// The address they sign in with and are emailed at.
    pub email: String,
    pub job_title: Option<String>,
    /// False once deactivated: they can no longer sign in.
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<e::person::Model> for PersonView {
    fn from(row: e::person::Model) -> Self {
        Self {
            id: row.id,
            display_name: row.display_name,
            email: row.email,
            job_title: row.job_title,
            active: row.active,
            created_at: row.created_at,
        }
    }
}

/// A role a person holds, held or will hold, over a scope, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    pub id: Uuid,
    /// Who holds it.
    pub person_id: Uuid,
    /// The role, as `haven_domain::role::Role` names it.
    pub role: String,
    /// trust, region or academy.
    pub scope_kind: String,
    /// The region, for a role held in one.
    pub region_id: Option<Uuid>,
    /// The academy, for a role held in one.
    pub academy_id: Option<Uuid>,
    /// The first day it is held.
    pub starts_on: NaiveDate,
    /// The last day it is held; `null` while open-ended.
    pub ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl From<e::role_assignment::Model> for RoleView {
    fn from(row: e::role_assignment::Model) -> Self {
        Self {
            id: row.id,
            person_id: row.person_id,
            role: row.role,
            scope_kind: row.scope_kind,
            region_id: row.region_id,
            academy_id: row.academy_id,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            created_at: row.created_at,
        }
    }
}

/// An active person of the trust and the roles they are assigned (held, held before or to
/// come), for the development sign-in's list.
#[derive(Debug, Clone)]
pub struct PersonRoles {
    pub id: Uuid,
    pub display_name: String,
    /// The roles' codes, sorted, each once.
    pub roles: Vec<String>,
}

/// An academy as the trust lead registers it.
#[derive(Debug, Clone)]
pub struct NewAcademy<'a> {
    pub name: &'a str,
    /// The DfE unique reference number: six digits.
    pub urn: &'a str,
    pub phase: &'a str,
    pub local_authority: &'a str,
    pub region_id: Option<Uuid>,
}

/// A role to give a person, over the scope `scope_kind` names.
#[derive(Debug, Clone)]
pub struct NewRole {
    pub person_id: Uuid,
    pub role: Role,
    pub scope_kind: ScopeKind,
    pub region_id: Option<Uuid>,
    pub academy_id: Option<Uuid>,
    pub starts_on: NaiveDate,
    /// The last day the role is held; `None` while open-ended.
    pub ends_on: Option<NaiveDate>,
}

/// `value` trimmed, refused when empty or longer than `max` characters.
fn required_text<'v>(
    field: &'static str,
    value: &'v str,
    max: usize,
) -> Result<&'v str, StoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// A plausible address: one `@` with something either side and no spaces. Whether it is real
/// is settled by the person signing in with it.
fn email_of(value: &str) -> Result<&str, StoreError> {
    let email = required_text("email", value, EMAIL_MAX_CHARS)?;
    let well_formed = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && email.matches('@').count() == 1
        && !email.chars().any(char::is_whitespace);
    if well_formed {
        Ok(email)
    } else {
        Err(StoreError::invalid("email", "is not an email address"))
    }
}

/// Creates a region of the trust.
pub async fn create_region(tx: &mut WriteTx<'_>, name: &str) -> Result<RegionView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    scope.require_trust_lead("create regions")?;
    let name = required_text("name", name, NAME_MAX_CHARS)?;
    let region = tx
        .insert(e::region::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            name: Set(name.to_owned()),
            created_at: Set(now),
        })
        .await?;
    Ok(RegionView::from(region))
}

/// The trust's regions, by name.
pub async fn list_regions(read: &ReadTx<'_>) -> Result<Vec<RegionView>, StoreError> {
    let scope = read.scope();
    scope.require_trust_lead("see regions")?;
    let mut regions = read.list::<e::region::Entity>().await?;
    regions.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(regions.into_iter().map(RegionView::from).collect())
}

/// Registers an academy of the trust, in one of its regions or none.
pub async fn create_academy(
    tx: &mut WriteTx<'_>,
    academy: NewAcademy<'_>,
) -> Result<AcademyView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    scope.require_trust_lead("register academies")?;
    let name = required_text("name", academy.name, NAME_MAX_CHARS)?;
    let urn = academy.urn.trim();
    if urn.len() != 6 || !urn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::invalid(
            "urn",
            "must be the DfE URN: six digits",
        ));
    }
    if !PHASES.contains(&academy.phase) {
        return Err(StoreError::invalid(
            "phase",
            format!("must be one of {}", PHASES.join(", ")),
        ));
    }
    let local_authority =
        required_text("local_authority", academy.local_authority, NAME_MAX_CHARS)?;
    if let Some(region) = academy.region_id {
        tx.find::<e::region::Entity>(region).await?;
    }
    // Checked under the chain's lock, which every writer of the trust takes first, so two
    // registrations of one URN cannot both pass; the unique index stays the last word.
    let taken = tx
        .list_where::<e::academy::Entity, _>(e::academy::Column::Urn.eq(urn))
        .await?;
    if !taken.is_empty() {
        return Err(StoreError::invalid(
            "urn",
            "is already an academy of this trust",
        ));
    }
    let row = tx
        .insert(e::academy::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            region_id: Set(academy.region_id),
            name: Set(name.to_owned()),
            urn: Set(urn.to_owned()),
            phase: Set(academy.phase.to_owned()),
            local_authority: Set(local_authority.to_owned()),
            created_at: Set(now),
        })
        .await?;
    Ok(AcademyView::from(row))
}

/// Moves an academy into a region of the trust, or out of every region (`None`). Its regional
/// lead's reach follows at their next request, since a scope is built per request.
pub async fn set_academy_region(
    tx: &mut WriteTx<'_>,
    academy_id: Uuid,
    region_id: Option<Uuid>,
) -> Result<AcademyView, StoreError> {
    let scope = tx.scope();
    scope.require_trust_lead("change academies")?;
    let mut academy = tx.find::<e::academy::Entity>(academy_id).await?;
    if let Some(region) = region_id {
        tx.find::<e::region::Entity>(region).await?;
    }
    if academy.region_id == region_id {
        return Ok(AcademyView::from(academy));
    }
    e::academy::Entity::update_many()
        .col_expr(e::academy::Column::RegionId, Expr::value(region_id))
        .filter(e::academy::Column::TrustId.eq(scope.trust_id()))
        .filter(e::academy::Column::Id.eq(academy.id))
        .exec(tx.connection())
        .await?;
    tx.audit(
        AuditEntry::new("update", "academy", Some(academy.id)).with_detail(json!({
            "region_id": { "from": academy.region_id, "to": region_id },
        })),
    )
    .await?;
    academy.region_id = region_id;
    Ok(AcademyView::from(academy))
}

/// The academies the scope sees, by name: the whole trust's for a trust-wide role, a region's
/// for its lead, one's own for academy staff.
pub async fn list_academies(read: &ReadTx<'_>) -> Result<Vec<AcademyView>, StoreError> {
    let mut academies = read.list::<e::academy::Entity>().await?;
    academies.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(academies.into_iter().map(AcademyView::from).collect())
}

/// Adds a person to the trust, to be linked to their account the first time they sign in with
/// this (verified) email. An email already in the trust, in any case, is refused: sign-in
/// matches emails case-insensitively and must find one person.
pub async fn invite_person(
    tx: &mut WriteTx<'_>,
    display_name: &str,
    email: &str,
) -> Result<PersonView, StoreError> {
    let scope = tx.scope();
    scope.require_trust_lead("invite people")?;
    let person = add_person(tx, display_name, email).await?;
    Ok(PersonView::from(person))
}

/// Adds a person to the trust in `tx`, refusing a bad name or email and an email the trust
/// already has. The check runs under the chain's lock, so no second invitation slips in.
async fn add_person(
    tx: &mut WriteTx<'_>,
    display_name: &str,
    email: &str,
) -> Result<e::person::Model, StoreError> {
    let display_name = required_text("display_name", display_name, NAME_MAX_CHARS)?;
    let email = email_of(email)?;
    let people = tx.list::<e::person::Entity>().await?;
    if people.iter().any(|p| p.email.eq_ignore_ascii_case(email)) {
        return Err(StoreError::invalid(
            "email",
            "belongs to someone already in this trust",
        ));
    }
    let now = tx.now();
    tx.insert(e::person::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tx.scope().trust_id()),
        display_name: Set(display_name.to_owned()),
        email: Set(email.to_owned()),
        job_title: Set(None),
        optional_reminders: Set(true),
        notification_preference: Set("immediate".to_owned()),
        oidc_subject: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .await
}

/// Invites a trust's first safeguarding lead, who then invites everyone else. Only the trust's
/// IT does this, from the command line: no person of the trust can make themself a lead.
pub async fn invite_first_lead(
    tx: &mut WriteTx<'_>,
    display_name: &str,
    email: &str,
) -> Result<PersonView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    if scope.actor() != &Actor::System(SystemActor::Cli) {
        return Err(StoreError::NotPermitted {
            action: "invite a trust's first lead",
        });
    }
    let person = add_person(tx, display_name, email).await?;
    tx.insert(e::role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(scope.trust_id()),
        person_id: Set(person.id),
        role: Set(Role::TrustSafeguardingLead.as_str().to_owned()),
        scope_kind: Set(ScopeKind::Trust.as_str().to_owned()),
        region_id: Set(None),
        academy_id: Set(None),
        starts_on: Set(now.date_naive()),
        ends_on: Set(None),
        created_at: Set(now),
    })
    .await?;
    Ok(PersonView::from(person))
}

/// The trust's people, active or not, by name.
pub async fn list_people(read: &ReadTx<'_>) -> Result<Vec<PersonView>, StoreError> {
    let scope = read.scope();
    scope.require_trust_lead("see people")?;
    let mut people = read.list::<e::person::Entity>().await?;
    people.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    Ok(people.into_iter().map(PersonView::from).collect())
}

/// The display name of a person of the trust whom `read`'s scope reads;
/// [`StoreError::NotFound`] for anyone else.
pub async fn display_name(read: &ReadTx<'_>, person_id: Uuid) -> Result<String, StoreError> {
    Ok(read
        .find::<e::person::Entity>(person_id)
        .await?
        .display_name)
}

/// The trust's active people with the roles they are assigned, for the development sign-in.
pub async fn people_with_roles(read: &ReadTx<'_>) -> Result<Vec<PersonRoles>, StoreError> {
    let people = read.list::<e::person::Entity>().await?;
    let roles = read.list::<e::role_assignment::Entity>().await?;
    Ok(people
        .into_iter()
        .filter(|person| person.active)
        .map(|person| {
            let mut held: Vec<String> = roles
                .iter()
                .filter(|r| r.person_id == person.id)
                .map(|r| r.role.clone())
                .collect();
            held.sort();
            held.dedup();
            PersonRoles {
                id: person.id,
                display_name: person.display_name,
                roles: held,
            }
        })
        .collect())
}

/// Deactivates a person: they can no longer sign in, and every session they have open ends
/// now, on every instance. Deactivating someone already inactive changes nothing.
pub async fn deactivate_person(tx: &mut WriteTx<'_>, person_id: Uuid) -> Result<(), StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    let lead = scope.require_trust_lead("deactivate people")?;
    // A lead who shut themselves out could leave the trust with no one to administer it.
    if person_id == lead {
        return Err(StoreError::invalid("id", "you cannot deactivate yourself"));
    }
    let person = tx.find::<e::person::Entity>(person_id).await?;
    if !person.active {
        return Ok(());
    }
    e::person::Entity::update_many()
        .col_expr(e::person::Column::Active, Expr::value(false))
        .col_expr(e::person::Column::UpdatedAt, Expr::value(now))
        .filter(e::person::Column::TrustId.eq(scope.trust_id()))
        .filter(e::person::Column::Id.eq(person.id))
        .exec(tx.connection())
        .await?;
    let ended = e::sign_in_session::Entity::update_many()
        .col_expr(e::sign_in_session::Column::EndedAt, Expr::value(Some(now)))
        .filter(e::sign_in_session::Column::TrustId.eq(scope.trust_id()))
        .filter(e::sign_in_session::Column::PersonId.eq(person.id))
        .filter(e::sign_in_session::Column::EndedAt.is_null())
        .exec(tx.connection())
        .await?;
    tx.audit(
        AuditEntry::new("deactivate", "person", Some(person.id))
            .with_detail(json!({ "sessions_ended": ended.rows_affected })),
    )
    .await?;
    Ok(())
}

/// Every role a person of the trust holds, has held or will hold, earliest first.
pub async fn list_roles(read: &ReadTx<'_>, person_id: Uuid) -> Result<Vec<RoleView>, StoreError> {
    let scope = read.scope();
    scope.require_trust_lead("see people's roles")?;
    read.find::<e::person::Entity>(person_id).await?;
    let mut roles = read
        .list_where::<e::role_assignment::Entity, _>(
            e::role_assignment::Column::PersonId.eq(person_id),
        )
        .await?;
    roles.sort_by(|a, b| a.starts_on.cmp(&b.starts_on).then(a.id.cmp(&b.id)));
    Ok(roles.into_iter().map(RoleView::from).collect())
}

/// The region and academy columns a role's scope needs: exactly the one its kind names.
fn placement_of(role: &NewRole) -> Result<(Option<Uuid>, Option<Uuid>), StoreError> {
    match role.scope_kind {
        ScopeKind::Trust if role.region_id.is_some() => Err(StoreError::invalid(
            "region_id",
            "a trust-wide role has no region",
        )),
        ScopeKind::Trust if role.academy_id.is_some() => Err(StoreError::invalid(
            "academy_id",
            "a trust-wide role has no academy",
        )),
        ScopeKind::Trust => Ok((None, None)),
        ScopeKind::Region if role.academy_id.is_some() => Err(StoreError::invalid(
            "academy_id",
            "a regional role has no academy",
        )),
        ScopeKind::Region => role
            .region_id
            .map(|region| (Some(region), None))
            .ok_or_else(|| StoreError::invalid("region_id", "is required for a regional role")),
        ScopeKind::Academy if role.region_id.is_some() => Err(StoreError::invalid(
            "region_id",
            "an academy role has no region",
        )),
        ScopeKind::Academy => role
            .academy_id
            .map(|academy| (None, Some(academy)))
            .ok_or_else(|| StoreError::invalid("academy_id", "is required for an academy role")),
    }
}

/// Gives an active person of the trust a role over a scope the role allows (a DSL is never
/// trust-wide), in a region or academy of the trust.
pub async fn assign_role(tx: &mut WriteTx<'_>, role: NewRole) -> Result<RoleView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    scope.require_trust_lead("assign roles")?;
    if !role.role.allowed_scopes().contains(&role.scope_kind) {
        let allowed: Vec<&str> = role
            .role
            .allowed_scopes()
            .iter()
            .map(|s| s.as_str())
            .collect();
        return Err(StoreError::invalid(
            "scope_kind",
            format!(
                "a {} may only be held at {} scope",
                role.role.as_str(),
                allowed.join(" or ")
            ),
        ));
    }
    let (region_id, academy_id) = placement_of(&role)?;
    if role.ends_on.is_some_and(|end| end < role.starts_on) {
        return Err(StoreError::invalid("ends_on", "is before starts_on"));
    }
    let person = tx.find::<e::person::Entity>(role.person_id).await?;
    if !person.active {
        return Err(StoreError::NotFound);
    }
    if let Some(region) = region_id {
        tx.find::<e::region::Entity>(region).await?;
    }
    if let Some(academy) = academy_id {
        tx.find::<e::academy::Entity>(academy).await?;
    }
    let row = tx
        .insert(e::role_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            person_id: Set(person.id),
            role: Set(role.role.as_str().to_owned()),
            scope_kind: Set(role.scope_kind.as_str().to_owned()),
            region_id: Set(region_id),
            academy_id: Set(academy_id),
            starts_on: Set(role.starts_on),
            ends_on: Set(role.ends_on),
            created_at: Set(now),
        })
        .await?;
    Ok(RoleView::from(row))
}

/// Ends a role assignment: `on` is the last day it is held. A role already ending by then is
/// left as it is, so a repeated request is harmless and never extends a role.
pub async fn end_role(
    tx: &mut WriteTx<'_>,
    assignment_id: Uuid,
    on: NaiveDate,
) -> Result<RoleView, StoreError> {
    let scope = tx.scope();
    scope.require_trust_lead("end roles")?;
    let mut assignment = tx.find::<e::role_assignment::Entity>(assignment_id).await?;
    if on < assignment.starts_on {
        return Err(StoreError::invalid("ends_on", "is before the role starts"));
    }
    if assignment.ends_on.is_some_and(|end| end <= on) {
        return Ok(RoleView::from(assignment));
    }
    e::role_assignment::Entity::update_many()
        .col_expr(e::role_assignment::Column::EndsOn, Expr::value(Some(on)))
        .filter(e::role_assignment::Column::TrustId.eq(scope.trust_id()))
        .filter(e::role_assignment::Column::Id.eq(assignment.id))
        .exec(tx.connection())
        .await?;
    tx.audit(
        AuditEntry::new("end", "role_assignment", Some(assignment.id)).with_detail(json!({
            "ends_on": { "from": assignment.ends_on, "to": on },
        })),
    )
    .await?;
    assignment.ends_on = Some(on);
    Ok(RoleView::from(assignment))
}
