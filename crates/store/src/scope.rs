//! Who is asking, from where, and which of the trust's rows they may see.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use haven_domain::access::Reader;
use haven_domain::capability::Capability;
use haven_domain::role::{Role, ScopeKind};
use haven_entity as e;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::api_token::TokenIdentity;
use crate::{Db, StoreError};

/// Who acts: a person, an integration's API token, or one of Haven's own processes (never a
/// bypass: it still has a trust).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Person { id: Uuid, name: String },
    Token { id: Uuid, name: String },
    System(SystemActor),
}

/// Haven's own processes, named so the audit log says which one acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemActor {
    Seed,
    Cli,
    Scheduler,
    Notifier,
    /// Sign-in itself, before a person is known: resuming sessions, refusing strangers.
    SignIn,
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Http { ip: String },
    Cli,
    Worker,
}

/// The academies of the trust a scope may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcademyVisibility {
    Trust,
    Academies(BTreeSet<Uuid>),
}

/// One role a person holds on the scope's date, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRole {
    pub role: Role,
    pub scope: ScopeKind,
    pub region_id: Option<Uuid>,
    pub academy_id: Option<Uuid>,
}

/// A request turned into what it may touch: built once at the edge, passed to every store call.
#[derive(Debug, Clone)]
pub struct Scope {
    trust_id: Uuid,
    actor: Actor,
    origin: Origin,
    roles: Vec<HeldRole>,
    academies: AcademyVisibility,
    /// A token's capabilities; `None` for a person or one of Haven's processes, whose roles
    /// (or none, for a process) decide instead.
    capabilities: Option<BTreeSet<Capability>>,
}

impl Scope {
    /// One of Haven's own processes, acting across the whole of one trust. Outside the store
    /// every call is marked: clippy's `disallowed_methods` (clippy.toml) refuses it unless the
    /// call site says why it may cross every wall of the trust (docs/decisions.md, Tenancy).
    pub fn system(trust_id: Uuid, actor: SystemActor, origin: Origin) -> Self {
        Self::within_store(trust_id, actor, origin)
    }

    /// The store's own system scope, for the reads that come before any person's scope exists
    /// (checking a sign-in or an API token) and for creating a trust.
    pub(crate) fn within_store(trust_id: Uuid, actor: SystemActor, origin: Origin) -> Self {
        Self {
            trust_id,
            actor: Actor::System(actor),
            origin,
            roles: Vec::new(),
            academies: AcademyVisibility::Trust,
            capabilities: None,
        }
    }

    /// An integration's API token: the whole trust's figures, as its capabilities allow, with
    /// no roles, so nothing that asks for a role (managing tokens among it) lets it in.
    pub fn for_token(token: &TokenIdentity, origin: Origin) -> Self {
        Self {
            trust_id: token.trust_id,
            actor: Actor::Token {
                id: token.token_id,
                name: token.name.clone(),
            },
            origin,
            roles: Vec::new(),
            academies: AcademyVisibility::Trust,
            capabilities: Some(token.capabilities.iter().copied().collect()),
        }
    }

    /// A person of `trust_id`, with the roles they hold on `on`. A person who is not in the
    /// trust, or is no longer active, is [`StoreError::NotFound`].
    pub async fn for_person(
        db: &Db,
        trust_id: Uuid,
        person_id: Uuid,
        origin: Origin,
        on: NaiveDate,
    ) -> Result<Self, StoreError> {
        let txn = db.in_trust(trust_id).await?;
        let person = e::person::Entity::find_by_id(person_id)
            .filter(e::person::Column::TrustId.eq(trust_id))
            .filter(e::person::Column::Active.eq(true))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let assignments = e::role_assignment::Entity::find()
            .filter(e::role_assignment::Column::TrustId.eq(trust_id))
            .filter(e::role_assignment::Column::PersonId.eq(person_id))
            .filter(e::role_assignment::Column::StartsOn.lte(on))
            .all(&txn)
            .await?;
        let mut roles = Vec::new();
        for a in assignments {
            if a.ends_on.is_some_and(|end| end < on) {
                continue;
            }
            let (Ok(role), Ok(scope)) = (Role::parse(&a.role), ScopeKind::parse(&a.scope_kind))
            else {
                tracing::warn!(assignment = %a.id, "role assignment with an unknown role or scope ignored");
                continue;
            };
            roles.push(HeldRole {
                role,
                scope,
                region_id: a.region_id,
                academy_id: a.academy_id,
            });
        }
        let academies = visible_academies(&txn, trust_id, &roles).await?;
        txn.commit().await?;
        Ok(Self {
            trust_id,
            actor: Actor::Person {
                id: person.id,
                name: person.display_name,
            },
            origin,
            roles,
            academies,
            capabilities: None,
        })
    }

    pub fn trust_id(&self) -> Uuid {
        self.trust_id
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn roles(&self) -> &[HeldRole] {
        &self.roles
    }

    pub fn academies(&self) -> &AcademyVisibility {
        &self.academies
    }

    /// What a token scope may do; `None` when the scope is a person's or a process's.
    pub fn capabilities(&self) -> Option<&BTreeSet<Capability>> {
        self.capabilities.as_ref()
    }

    /// Whether this scope may ever read record content. A token never may, whatever its
    /// capabilities: integrations get figures, and its academy visibility (the whole trust)
    /// must not be mistaken for the trust lead's reach.
    pub fn may_read_record_content(&self) -> bool {
        self.capabilities.is_none()
    }

    /// This scope as the rule of who reads content ([`read_basis`]) knows a reader.
    ///
    /// [`read_basis`]: haven_domain::access::read_basis
    pub(crate) fn reader(&self) -> Reader {
        Reader {
            person_id: self.person_id(),
            roles: self.roles.iter().map(|held| held.role).collect(),
            may_read_content: self.may_read_record_content(),
        }
    }

    /// Whether rows of `academy_id` are inside this scope.
    pub fn sees_academy(&self, academy_id: Uuid) -> bool {
        match &self.academies {
            AcademyVisibility::Trust => true,
            AcademyVisibility::Academies(set) => set.contains(&academy_id),
        }
    }

    /// This scope seeing `academy_id` as well, for reading that academy's rules (its term dates
    /// and effective policy) on behalf of a party to one of its agreements who may see no academy
    /// at all (an external supervisor). Only for those reads, once the caller has reached the
    /// agreement: never for reading or writing the academy's rows.
    pub(crate) fn reading_rules_of(&self, academy_id: Uuid) -> Self {
        let mut widened = self.clone();
        if let AcademyVisibility::Academies(set) = &mut widened.academies {
            set.insert(academy_id);
        }
        widened
    }

    /// Whether a person acts who is a trust safeguarding lead of this trust today.
    pub(crate) fn is_trust_lead(&self) -> bool {
        self.person_id().is_some()
            && self
                .roles
                .iter()
                .any(|held| held.role == Role::TrustSafeguardingLead)
    }

    /// The acting person when they are a trust safeguarding lead of this trust; anyone or
    /// anything else is refused `action`.
    pub(crate) fn require_trust_lead(&self, action: &'static str) -> Result<Uuid, StoreError> {
        match self.person_id() {
            Some(person) if self.is_trust_lead() => Ok(person),
            _ => Err(StoreError::NotPermitted { action }),
        }
    }

    /// The person acting, if a person is.
    pub fn person_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::Person { id, .. } => Some(*id),
            Actor::Token { .. } | Actor::System(_) => None,
        }
    }
}

/// A trust-wide role sees every academy; a regional one the region's; an academy one its own.
/// An external supervisor's role sees none: their standing is the agreements that name them
/// (DESIGN §1), which they reach as a party, so the rest of the academy stays closed to them.
async fn visible_academies(
    txn: &DatabaseTransaction,
    trust_id: Uuid,
    roles: &[HeldRole],
) -> Result<AcademyVisibility, StoreError> {
    let roles: Vec<&HeldRole> = roles
        .iter()
        .filter(|r| r.role != Role::ExternalSupervisor)
        .collect();
    if roles.iter().any(|r| r.scope == ScopeKind::Trust) {
        return Ok(AcademyVisibility::Trust);
    }
    let mut visible: BTreeSet<Uuid> = roles.iter().filter_map(|r| r.academy_id).collect();
    let regions: Vec<Uuid> = roles
        .iter()
        .filter(|r| r.scope == ScopeKind::Region)
        .filter_map(|r| r.region_id)
        .collect();
    if !regions.is_empty() {
        let in_regions = e::academy::Entity::find()
            .filter(e::academy::Column::TrustId.eq(trust_id))
            .filter(e::academy::Column::RegionId.is_in(regions))
            .all(txn)
            .await?;
        visible.extend(in_regions.into_iter().map(|a| a.id));
    }
    Ok(AcademyVisibility::Academies(visible))
}

impl SystemActor {
    pub fn as_str(self) -> &'static str {
        match self {
            SystemActor::Seed => "seed",
            SystemActor::Cli => "cli",
            SystemActor::Scheduler => "scheduler",
            SystemActor::Notifier => "notifier",
            SystemActor::SignIn => "sign_in",
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Http { ip } => write!(f, "http:{ip}"),
            Origin::Cli => f.write_str("cli"),
            Origin::Worker => f.write_str("worker"),
        }
    }
}
