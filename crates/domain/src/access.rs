//! Who may read a session's content (DESIGN §3): its record, its case notes and its agenda.
//!
//! The supervisor, the supervisee(s) and a trust safeguarding lead read it; anyone else only
//! under a live access grant that covers it. A grant covers a session's content when it names the
//! session's record, or when its subject is a party to the session (with or without a record
//! yet). A token never reads content, whatever it may otherwise see.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::role::Role;

/// Who asks to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// The person asking; `None` for a token or one of Haven's own processes.
    pub person_id: Option<Uuid>,
    /// The roles they hold today.
    pub roles: Vec<Role>,
    /// Whether the scope may read content at all: an integration's token never may.
    pub may_read_content: bool,
}

/// The session whose content is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContent {
    pub supervisor_id: Uuid,
    pub supervisee_ids: Vec<Uuid>,
    /// The session's record, once one is written.
    pub record_id: Option<Uuid>,
}

impl SessionContent {
    fn has_party(&self, person: Uuid) -> bool {
        person == self.supervisor_id || self.supervisee_ids.contains(&person)
    }
}

/// What a grant opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantCover {
    /// These records, and the case notes and agenda of their sessions.
    Records(BTreeSet<Uuid>),
    /// The content of every session where this person is the supervisor or a supervisee.
    SubjectPerson(Uuid),
}

/// When a grant opens anything: from its start until its end, unless revoked first. Nothing ends
/// a grant but this window: it is compared with the moment of reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantWindow {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Where a grant stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantState {
    Pending,
    Live,
    Expired,
    Revoked,
}

impl GrantState {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Pending => "pending",
            GrantState::Live => "live",
            GrantState::Expired => "expired",
            GrantState::Revoked => "revoked",
        }
    }
}

impl GrantWindow {
    /// A revoked grant stays revoked; otherwise it is live from `starts_at` until (not at)
    /// `ends_at`.
    pub fn state(&self, now: DateTime<Utc>) -> GrantState {
        if self.revoked_at.is_some() {
            GrantState::Revoked
        } else if now < self.starts_at {
            GrantState::Pending
        } else if now < self.ends_at {
            GrantState::Live
        } else {
            GrantState::Expired
        }
    }
}

/// An access grant: to whom, over what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub grantee_id: Uuid,
    pub cover: GrantCover,
    pub window: GrantWindow,
}

impl Grant {
    /// Whether this grant covers the session's content, whatever its window.
    pub fn covers(&self, content: &SessionContent) -> bool {
        match &self.cover {
            GrantCover::Records(records) => content.record_id.is_some_and(|r| records.contains(&r)),
            GrantCover::SubjectPerson(subject) => content.has_party(*subject),
        }
    }
}

/// Why a reader may read a session's content, or that they may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBasis {
    Supervisor,
    Supervisee,
    TrustSafeguardingLead,
    /// Under this live grant.
    Grant(Uuid),
    None,
}

impl ReadBasis {
    /// The name the audit log gives the basis.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadBasis::Supervisor => "supervisor",
            ReadBasis::Supervisee => "supervisee",
            ReadBasis::TrustSafeguardingLead => "trust_safeguarding_lead",
            ReadBasis::Grant(_) => "grant",
            ReadBasis::None => "none",
        }
    }

    pub fn may_read(self) -> bool {
        self != ReadBasis::None
    }

    /// The grant read under, if any.
    pub fn grant_id(self) -> Option<Uuid> {
        match self {
            ReadBasis::Grant(id) => Some(id),
            _ => None,
        }
    }
}

/// Why `reader` may read `content` at `now`: as its supervisor, as a supervisee, as a trust
/// safeguarding lead, or under the first of `grants` (in the order given) that is theirs, live
/// and covers it; [`ReadBasis::None`] otherwise. A party reads as a party even when they hold a
/// grant too, so the log says what their reading rests on.
pub fn read_basis(
    reader: &Reader,
    content: &SessionContent,
    grants: &[Grant],
    now: DateTime<Utc>,
) -> ReadBasis {
    // A token's trust-wide visibility must never pass for a person's entitlement.
    if !reader.may_read_content {
        return ReadBasis::None;
    }
    let Some(person) = reader.person_id else {
        return ReadBasis::None;
    };
    if person == content.supervisor_id {
        return ReadBasis::Supervisor;
    }
    if content.supervisee_ids.contains(&person) {
        return ReadBasis::Supervisee;
    }
    if reader.roles.contains(&Role::TrustSafeguardingLead) {
        return ReadBasis::TrustSafeguardingLead;
    }
    grants
        .iter()
        .find(|grant| {
            grant.grantee_id == person
                && grant.window.state(now) == GrantState::Live
                && grant.covers(content)
        })
        .map_or(ReadBasis::None, |grant| ReadBasis::Grant(grant.id))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 12, 9, 0, 0).unwrap()
    }

    struct World {
        supervisor: Uuid,
        supervisee: Uuid,
        auditor: Uuid,
        record: Uuid,
        content: SessionContent,
    }

    fn world() -> World {
        let (supervisor, supervisee, record) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        World {
            supervisor,
            supervisee,
            auditor: Uuid::now_v7(),
            record,
            content: SessionContent {
                supervisor_id: supervisor,
                supervisee_ids: vec![supervisee],
                record_id: Some(record),
            },
        }
    }

    fn person(id: Uuid, roles: &[Role]) -> Reader {
        Reader {
            person_id: Some(id),
            roles: roles.to_vec(),
            may_read_content: true,
        }
    }

    fn live() -> GrantWindow {
        GrantWindow {
            starts_at: now() - Duration::days(1),
            ends_at: now() + Duration::days(1),
            revoked_at: None,
        }
    }

    fn grant(grantee: Uuid, cover: GrantCover, window: GrantWindow) -> Grant {
        Grant {
            id: Uuid::now_v7(),
            grantee_id: grantee,
            cover,
            window,
        }
    }

    #[test]
    fn the_parties_and_a_trust_lead_read_without_a_grant() {
        let w = world();
        let cases = [
            (person(w.supervisor, &[Role::Dsl]), ReadBasis::Supervisor),
            (person(w.supervisee, &[Role::Dsl]), ReadBasis::Supervisee),
            (
                person(Uuid::now_v7(), &[Role::TrustSafeguardingLead]),
                ReadBasis::TrustSafeguardingLead,
            ),
            (
                person(Uuid::now_v7(), &[Role::Headteacher]),
                ReadBasis::None,
            ),
            (person(w.auditor, &[Role::Auditor]), ReadBasis::None),
        ];
        for (reader, basis) in cases {
            assert_eq!(read_basis(&reader, &w.content, &[], now()), basis);
        }
    }

    #[test]
    fn a_token_or_a_process_never_reads_even_as_a_party() {
        let w = world();
        let token = Reader {
            may_read_content: false,
            ..person(w.supervisor, &[Role::TrustSafeguardingLead])
        };
        assert_eq!(read_basis(&token, &w.content, &[], now()), ReadBasis::None);
        let process = Reader {
            person_id: None,
            roles: Vec::new(),
            may_read_content: true,
        };
        assert_eq!(
            read_basis(&process, &w.content, &[], now()),
            ReadBasis::None
        );
    }

    #[test]
    fn a_grant_naming_the_record_opens_its_sessions_content_and_no_other() {
        let w = world();
        let named = grant(
            w.auditor,
            GrantCover::Records(BTreeSet::from([w.record])),
            live(),
        );
        let reader = person(w.auditor, &[Role::Auditor]);
        assert_eq!(
            read_basis(&reader, &w.content, std::slice::from_ref(&named), now()),
            ReadBasis::Grant(named.id)
        );
        let other = SessionContent {
            record_id: Some(Uuid::now_v7()),
            ..w.content.clone()
        };
        assert_eq!(
            read_basis(&reader, &other, std::slice::from_ref(&named), now()),
            ReadBasis::None
        );
        let no_record_yet = SessionContent {
            record_id: None,
            ..w.content
        };
        assert_eq!(
            read_basis(&reader, &no_record_yet, &[named], now()),
            ReadBasis::None,
            "a grant of records opens no session without one"
        );
    }

    #[test]
    fn a_grant_over_a_person_opens_every_session_they_are_a_party_to() {
        let w = world();
        let reader = person(w.auditor, &[Role::Auditor]);
        for subject in [w.supervisor, w.supervisee] {
            let over = grant(w.auditor, GrantCover::SubjectPerson(subject), live());
            let no_record_yet = SessionContent {
                record_id: None,
                ..w.content.clone()
            };
            for content in [&w.content, &no_record_yet] {
                assert_eq!(
                    read_basis(&reader, content, std::slice::from_ref(&over), now()),
                    ReadBasis::Grant(over.id)
                );
            }
        }
        let stranger = grant(w.auditor, GrantCover::SubjectPerson(Uuid::now_v7()), live());
        assert_eq!(
            read_basis(&reader, &w.content, &[stranger], now()),
            ReadBasis::None
        );
    }

    #[test]
    fn only_a_live_grant_of_the_reader_opens_anything() {
        let w = world();
        let cover = || GrantCover::Records(BTreeSet::from([w.record]));
        let reader = person(w.auditor, &[Role::Auditor]);
        let closed = [
            GrantWindow {
                revoked_at: Some(now() - Duration::hours(1)),
                ..live()
            },
            GrantWindow {
                starts_at: now() + Duration::hours(1),
                ..live()
            },
            GrantWindow {
                ends_at: now(),
                ..live()
            },
        ];
        for window in closed {
            let grants = [grant(w.auditor, cover(), window)];
            assert_eq!(
                read_basis(&reader, &w.content, &grants, now()),
                ReadBasis::None,
                "{:?}",
                window.state(now())
            );
        }
        let someone_elses = [grant(Uuid::now_v7(), cover(), live())];
        assert_eq!(
            read_basis(&reader, &w.content, &someone_elses, now()),
            ReadBasis::None
        );
    }

    #[test]
    fn the_first_live_covering_grant_is_named_and_a_party_reads_as_a_party() {
        let w = world();
        let expired = grant(
            w.auditor,
            GrantCover::SubjectPerson(w.supervisee),
            GrantWindow {
                ends_at: now() - Duration::hours(1),
                ..live()
            },
        );
        let first = grant(w.auditor, GrantCover::SubjectPerson(w.supervisee), live());
        let second = grant(
            w.auditor,
            GrantCover::Records(BTreeSet::from([w.record])),
            live(),
        );
        let grants = [expired, first.clone(), second];
        let reader = person(w.auditor, &[Role::Auditor]);
        assert_eq!(
            read_basis(&reader, &w.content, &grants, now()),
            ReadBasis::Grant(first.id)
        );
        let party = grant(
            w.supervisee,
            GrantCover::SubjectPerson(w.supervisee),
            live(),
        );
        assert_eq!(
            read_basis(&person(w.supervisee, &[]), &w.content, &[party], now()),
            ReadBasis::Supervisee
        );
    }

    #[test]
    fn a_grant_states_where_it_stands() {
        let window = live();
        assert_eq!(
            window.state(window.starts_at - Duration::seconds(1)),
            GrantState::Pending
        );
        assert_eq!(window.state(window.starts_at), GrantState::Live);
        assert_eq!(window.state(window.ends_at), GrantState::Expired);
        let revoked = GrantWindow {
            revoked_at: Some(now()),
            ..window
        };
        assert_eq!(revoked.state(window.starts_at), GrantState::Revoked);
        let names: Vec<&str> = [
            GrantState::Pending,
            GrantState::Live,
            GrantState::Expired,
            GrantState::Revoked,
        ]
        .map(GrantState::as_str)
        .to_vec();
        assert_eq!(names, ["pending", "live", "expired", "revoked"]);
    }
}
