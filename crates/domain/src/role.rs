//! The roles a person can hold, and how far each one reaches.

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A role in a trust's safeguarding supervision (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    TrustSafeguardingLead,
    DirectorOfEducation,
    RegionalSafeguardingLead,
    Headteacher,
    Dsl,
    DeputyDsl,
    PastoralLead,
    SafeguardingGovernor,
    ExternalSupervisor,
    Auditor,
}

/// Where a role assignment applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Trust,
    Region,
    Academy,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::TrustSafeguardingLead,
        Role::DirectorOfEducation,
        Role::RegionalSafeguardingLead,
        Role::Headteacher,
        Role::Dsl,
        Role::DeputyDsl,
        Role::PastoralLead,
        Role::SafeguardingGovernor,
        Role::ExternalSupervisor,
        Role::Auditor,
    ];

    /// The name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::TrustSafeguardingLead => "trust_safeguarding_lead",
            Role::DirectorOfEducation => "director_of_education",
            Role::RegionalSafeguardingLead => "regional_safeguarding_lead",
            Role::Headteacher => "headteacher",
            Role::Dsl => "dsl",
            Role::DeputyDsl => "deputy_dsl",
            Role::PastoralLead => "pastoral_lead",
            Role::SafeguardingGovernor => "safeguarding_governor",
            Role::ExternalSupervisor => "external_supervisor",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(name: &str) -> Result<Self, DomainError> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == name)
            .ok_or_else(|| DomainError::invalid("role", format!("`{name}` is not a role")))
    }

    /// The scopes an assignment of this role may have: a trust lead is trust-wide, a DSL belongs
    /// to one academy, an RSL to a region, and a governor or an external supervisor to either.
    pub fn allowed_scopes(self) -> &'static [ScopeKind] {
        match self {
            Role::TrustSafeguardingLead | Role::DirectorOfEducation | Role::Auditor => {
                &[ScopeKind::Trust]
            }
            Role::RegionalSafeguardingLead => &[ScopeKind::Region],
            Role::Headteacher | Role::Dsl | Role::DeputyDsl | Role::PastoralLead => {
                &[ScopeKind::Academy]
            }
            Role::SafeguardingGovernor | Role::ExternalSupervisor => {
                &[ScopeKind::Trust, ScopeKind::Academy]
            }
        }
    }
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Trust => "trust",
            ScopeKind::Region => "region",
            ScopeKind::Academy => "academy",
        }
    }

    pub fn parse(name: &str) -> Result<Self, DomainError> {
        [ScopeKind::Trust, ScopeKind::Region, ScopeKind::Academy]
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| DomainError::invalid("scope_kind", format!("`{name}` is not a scope")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_from_its_stored_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("caretaker").is_err());
    }

    #[test]
    fn a_dsl_is_never_trust_wide() {
        assert_eq!(Role::Dsl.allowed_scopes(), &[ScopeKind::Academy]);
        assert_eq!(
            Role::RegionalSafeguardingLead.allowed_scopes(),
            &[ScopeKind::Region]
        );
    }
}
