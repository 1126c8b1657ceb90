//! The content of a supervision record (Appendix 2 with Gibbs' reflective cycle), what a record
//! must hold before it is sent for signature, and what an amendment changed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::DomainError;
use crate::signature::{ContentHash, content_hash};

/// A record's content. Every section may be empty while it is a draft; unknown sections are
/// refused so a misspelt one is never silently dropped from what is signed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordContent {
    pub review_of_previous_actions: Vec<ActionReview>,
    pub agenda_items: Vec<String>,
    pub issues_discussed: Vec<String>,
    pub decisions: Vec<Decision>,
    pub training_undertaken: Vec<String>,
    pub training_planned: Vec<String>,
    /// Personal factors and wellbeing.
    pub wellbeing: String,
    pub gibbs: Gibbs,
    /// The people present, for a group session.
    pub group_attendees: Vec<Uuid>,
    pub next_session_on: Option<NaiveDate>,
}

/// An action from an earlier session, reviewed at this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionReview {
    /// The `supervision_action` it reviews, when it came from one.
    pub action_id: Option<Uuid>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub progress: String,
}

/// A decision and why it was taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Decision {
    pub decision: String,
    pub reasons: String,
}

/// Gibbs' reflective cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gibbs {
    pub description: String,
    pub feelings: String,
    pub evaluation: String,
    pub analysis: String,
    pub conclusion: String,
    pub action_plan: String,
}

/// One section's value before and after an amendment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub before: Value,
    pub after: Value,
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl RecordContent {
    /// Reads content as a client or the database holds it.
    pub fn from_json(value: Value) -> Result<Self, DomainError> {
        serde_json::from_value(value).map_err(|e| DomainError::invalid("content", e.to_string()))
    }

    /// The content as stored: the JSON whose canonical form is hashed.
    pub fn to_json(&self) -> Result<Value, DomainError> {
        serde_json::to_value(self).map_err(|e| DomainError::Hash(e.to_string()))
    }

    /// What a record must say before a party is asked to sign it: the issues discussed and the
    /// decisions taken, each with its reasons.
    pub fn validate_for_sending(&self) -> Result<(), DomainError> {
        if self.issues_discussed.iter().all(|issue| blank(issue)) {
            return Err(DomainError::invalid(
                "issues_discussed",
                "name at least one issue discussed",
            ));
        }
        if self.decisions.is_empty() {
            return Err(DomainError::invalid(
                "decisions",
                "record at least one decision, with its reasons",
            ));
        }
        if self
            .decisions
            .iter()
            .any(|d| blank(&d.decision) || blank(&d.reasons))
        {
            return Err(DomainError::invalid(
                "decisions",
                "every decision needs its text and its reasons",
            ));
        }
        Ok(())
    }

    /// The hash a party signs.
    pub fn hash(&self) -> Result<ContentHash, DomainError> {
        content_hash(self)
    }
}

/// The sections that differ between two contents, each with its value before and after.
pub fn changes(before: &Value, after: &Value) -> BTreeMap<String, Change> {
    let empty = serde_json::Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    before
        .keys()
        .chain(after.keys())
        .filter_map(|key| {
            let old = before.get(key).cloned().unwrap_or(Value::Null);
            let new = after.get(key).cloned().unwrap_or(Value::Null);
            (old != new).then(|| {
                (
                    key.clone(),
                    Change {
                        before: old,
                        after: new,
                    },
                )
            })
        })
        .collect()
}

/// Whether a record's history holds together: the content signed (`original`), each amendment
/// in order (its `changes`, `previous_hash` and `content_hash`) and the content as it stands now
/// must chain. Undoing the amendments from the current content, newest first, must pass through
/// every hash the amendments recorded and arrive at the hash that was signed.
pub fn history_holds(
    original: &str,
    amendments: &[(BTreeMap<String, Change>, String, String)],
    current: &Value,
    current_hash: &str,
) -> bool {
    let hash_of = |value: &Value| content_hash(value).map(|h| h.to_string()).ok();
    let mut content = current.clone();
    let mut expected = current_hash.to_owned();
    if hash_of(&content).as_deref() != Some(expected.as_str()) {
        return false;
    }
    for (changes, previous_hash, new_hash) in amendments.iter().rev() {
        if *new_hash != expected || hash_of(&content).as_deref() != Some(new_hash.as_str()) {
            return false;
        }
        let Some(fields) = content.as_object_mut() else {
            return false;
        };
        for (field, change) in changes {
            if fields.get(field).cloned().unwrap_or(Value::Null) != change.after {
                return false;
            }
            if change.before.is_null() {
                fields.remove(field);
            } else {
                fields.insert(field.clone(), change.before.clone());
            }
        }
        if hash_of(&content).as_deref() != Some(previous_hash.as_str()) {
            return false;
        }
        expected.clone_from(previous_hash);
    }
    expected == original
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sendable() -> RecordContent {
        RecordContent {
            issues_discussed: vec!["Case 4471: neglect concerns".into()],
            decisions: vec![Decision {
                decision: "Refer to children's social care".into(),
                reasons: "Threshold met".into(),
            }],
            ..RecordContent::default()
        }
    }

    #[test]
    fn a_record_without_issues_or_reasoned_decisions_cannot_be_sent() {
        assert!(sendable().validate_for_sending().is_ok());
        let mut no_issues = sendable();
        no_issues.issues_discussed = vec!["  ".into()];
        assert!(matches!(
            no_issues.validate_for_sending(),
            Err(DomainError::Invalid {
                field: "issues_discussed",
                ..
            })
        ));
        let mut no_reasons = sendable();
        if let Some(d) = no_reasons.decisions.first_mut() {
            d.reasons = String::new();
        }
        assert!(matches!(
            no_reasons.validate_for_sending(),
            Err(DomainError::Invalid {
                field: "decisions",
                ..
            })
        ));
    }

    #[test]
    fn unknown_sections_are_refused_and_missing_ones_are_empty() {
        assert!(RecordContent::from_json(json!({"reflection": "x"})).is_err());
        let read = RecordContent::from_json(json!({"wellbeing": "ok"})).unwrap();
        assert_eq!(read.wellbeing, "ok");
        assert!(read.decisions.is_empty());
    }

    #[test]
    fn the_stored_json_hashes_as_the_content_does() {
        let content = sendable();
        let stored = content.to_json().unwrap();
        assert_eq!(content_hash(&stored).unwrap(), content.hash().unwrap());
    }

    #[test]
    fn a_history_chains_only_when_every_amendment_undoes_to_its_previous_hash() {
        let original = sendable().to_json().unwrap();
        let original_hash = content_hash(&original).unwrap().to_string();
        let mut amended = sendable();
        amended.wellbeing = "Workload high; time off agreed".into();
        let amended = amended.to_json().unwrap();
        let amended_hash = content_hash(&amended).unwrap().to_string();
        let diff = changes(&original, &amended);
        assert_eq!(diff.keys().collect::<Vec<_>>(), ["wellbeing"]);
        let chain = vec![(diff.clone(), original_hash.clone(), amended_hash.clone())];
        assert!(history_holds(
            &original_hash,
            &chain,
            &amended,
            &amended_hash
        ));
        assert!(history_holds(
            &original_hash,
            &[],
            &original,
            &original_hash
        ));
        // Content overwritten without an amendment no longer matches its hash.
        assert!(!history_holds(
            &original_hash,
            &chain,
            &original,
            &amended_hash
        ));
        assert!(!history_holds(&original_hash, &[], &amended, &amended_hash));
        let forged = vec![(diff, amended_hash.clone(), amended_hash.clone())];
        assert!(!history_holds(
            &original_hash,
            &forged,
            &amended,
            &amended_hash
        ));
    }
}
