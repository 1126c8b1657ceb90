//! What an API token may do. A token has no roles: it has capabilities, and none of them reaches
//! record content, which only a supervisor, a supervisee or the trust lead reads (DESIGN §3).

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// One thing an integration's token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Dashboards and figures across the trust: dates, counts, statuses, never record content.
    ReadFigures,
}

impl Capability {
    pub const ALL: [Capability; 1] = [Capability::ReadFigures];

    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ReadFigures => "read_figures",
        }
    }

    pub fn parse(name: &str) -> Result<Self, DomainError> {
        Capability::ALL
            .into_iter()
            .find(|capability| capability.as_str() == name)
            .ok_or_else(|| {
                DomainError::invalid("capabilities", format!("`{name}` is not a capability"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_reads_back_from_its_stored_name() {
        for capability in Capability::ALL {
            assert_eq!(Capability::parse(capability.as_str()).unwrap(), capability);
            assert_eq!(
                serde_json::to_value(capability).unwrap(),
                capability.as_str()
            );
        }
        assert!(Capability::parse("read_records").is_err());
    }
}
