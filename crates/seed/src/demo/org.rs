//! The trust's shape: regions, academies with their term dates and policies, people and the roles
//! they hold, and their safeguarding training.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use haven_domain::PolicySettings;
use haven_domain::role::{Role, ScopeKind};
use haven_entity as e;
use haven_store::WriteTx;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::Seed;
use crate::days::{plus, trust_id};

use crate::SeedError;

const EMAIL_DOMAIN: &str = "northernlights.example";

/// The four seed policies the academies follow, in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    CaptainCook,
    OldPark,
    CoopSouthfield,
    Esteem,
}

impl Policy {
    const CYCLE: [Policy; 4] = [
        Policy::CaptainCook,
        Policy::OldPark,
        Policy::CoopSouthfield,
        Policy::Esteem,
    ];

    pub fn settings(self) -> PolicySettings {
        match self {
            Policy::CaptainCook => PolicySettings::captain_cook(),
            Policy::OldPark => PolicySettings::old_park(),
            Policy::CoopSouthfield => PolicySettings::coop_southfield(),
            Policy::Esteem => PolicySettings::esteem(),
        }
    }
}

const REGIONS: [&str; 3] = ["Tees Valley", "West Yorkshire", "Lancashire and Cumbria"];

/// A deputy's role at their academy.
#[derive(Clone, Copy)]
enum Deputy {
    Dsl(&'static str),
    Pastoral(&'static str),
}

struct AcademyRow {
    name: &'static str,
    urn: &'static str,
    phase: &'static str,
    local_authority: &'static str,
    region: usize,
    head: &'static str,
    /// `None` where the head is also the DSL.
    dsl: Option<&'static str>,
    deputies: [Deputy; 2],
}

/// Academy `i` follows `Policy::CYCLE[i % 4]`. Rachel Gill, DSL at Ormesby Bank, is also a
/// deputy DSL at its sister school Hemlington Grove; Slaidburn's head is its DSL.
const ACADEMIES: [AcademyRow; 12] = [
    AcademyRow {
        name: "Ormesby Bank Primary Academy",
        urn: "147210",
        phase: "primary",
        local_authority: "Middlesbrough",
        region: 0,
        head: "Andrew Beckett",
        dsl: Some("Rachel Gill"),
        deputies: [
            Deputy::Dsl("Amy Sutcliffe"),
            Deputy::Pastoral("Gary Pollard"),
        ],
    },
    AcademyRow {
        name: "Hemlington Grove Primary Academy",
        urn: "147325",
        phase: "primary",
        local_authority: "Middlesbrough",
        region: 0,
        head: "Susan Marsden",
        dsl: Some("Lee Bramley"),
        deputies: [Deputy::Dsl("Hannah Leckie"), Deputy::Dsl("Rachel Gill")],
    },
    AcademyRow {
        name: "Skelton Moor Academy",
        urn: "148031",
        phase: "secondary",
        local_authority: "Redcar and Cleveland",
        region: 0,
        head: "Paul Hendry",
        dsl: Some("Sarah Hutchinson"),
        deputies: [
            Deputy::Dsl("Chloe Barker"),
            Deputy::Pastoral("Ryan Atkinson"),
        ],
    },
    AcademyRow {
        name: "Fairfield Vale Primary Academy",
        urn: "148412",
        phase: "primary",
        local_authority: "Stockton-on-Tees",
        region: 0,
        head: "Gillian Roe",
        dsl: Some("Emma Clough"),
        deputies: [Deputy::Dsl("Megan Firth"), Deputy::Pastoral("Joseph Dale")],
    },
    AcademyRow {
        name: "Calder Heights Academy",
        urn: "145987",
        phase: "secondary",
        local_authority: "Calderdale",
        region: 1,
        head: "David Ashworth",
        dsl: Some("Daniel Wood"),
        deputies: [
            Deputy::Dsl("Natalie Shaw"),
            Deputy::Pastoral("Adam Kershaw"),
        ],
    },
    AcademyRow {
        name: "Beeston Park Primary Academy",
        urn: "146204",
        phase: "primary",
        local_authority: "Leeds",
        region: 1,
        head: "Karen Oldroyd",
        dsl: Some("Farah Hussain"),
        deputies: [
            Deputy::Dsl("Zainab Patel"),
            Deputy::Pastoral("Laura Jagger"),
        ],
    },
    AcademyRow {
        name: "Thornhill Edge Academy",
        urn: "146890",
        phase: "all_through",
        local_authority: "Kirklees",
        region: 1,
        head: "Richard Thwaite",
        dsl: Some("Kirsty Moss"),
        deputies: [
            Deputy::Dsl("Peter Greenwood"),
            Deputy::Pastoral("Jessica Nuttall"),
        ],
    },
    AcademyRow {
        name: "Wrenthorpe Fields Primary Academy",
        urn: "149117",
        phase: "primary",
        local_authority: "Wakefield",
        region: 1,
        head: "Nicola Pennock",
        dsl: Some("Thomas Haigh"),
        deputies: [
            Deputy::Dsl("Rebecca Earnshaw"),
            Deputy::Pastoral("Liam Horsfall"),
        ],
    },
    AcademyRow {
        name: "Slaidburn Church of England Primary Academy",
        urn: "149560",
        phase: "primary",
        local_authority: "Lancashire",
        region: 2,
        head: "Catherine Airey",
        dsl: None,
        deputies: [
            Deputy::Dsl("Joanne Tate"),
            Deputy::Pastoral("Craig Whiteley"),
        ],
    },
    AcademyRow {
        name: "Layton Brook Primary Academy",
        urn: "150023",
        phase: "primary",
        local_authority: "Blackpool",
        region: 2,
        head: "Stephen Rigby",
        dsl: Some("Louise Parkin"),
        deputies: [
            Deputy::Dsl("Sophie Birtwistle"),
            Deputy::Pastoral("Michael Cowell"),
        ],
    },
    AcademyRow {
        name: "Eden Valley Academy",
        urn: "150381",
        phase: "secondary",
        local_authority: "Westmorland and Furness",
        region: 2,
        head: "Alison Metcalfe",
        dsl: Some("Mohammed Akhtar"),
        deputies: [Deputy::Dsl("Kate Dobson"), Deputy::Pastoral("Owen Lister")],
    },
    AcademyRow {
        name: "Ribble View Academy",
        urn: "150744",
        phase: "special",
        local_authority: "Lancashire",
        region: 2,
        head: "Jonathan Cross",
        dsl: Some("Victoria Lund"),
        deputies: [
            Deputy::Dsl("Fiona Baxter"),
            Deputy::Pastoral("Nathan Greaves"),
        ],
    },
];

/// The Co-op academy whose regional lead supervises the DSL and a deputy together [CO].
pub const GROUP_ACADEMY: usize = 2;
/// The academy with its own safeguarding governor; the others' disputes go to the trust's.
const GOVERNED_ACADEMY: usize = 1;

const TRUST_LEAD: &str = "Helen Whitfield";
const DIRECTOR: &str = "Mark Ellison";
const RSLS: [&str; 3] = ["Joanne Pryce", "Imran Qureshi", "Claire Dunmore"];
const TRUST_GOVERNOR: &str = "Patricia Holroyd";
const ACADEMY_GOVERNOR: &str = "Geoffrey Lumb";
const EXTERNAL_SUPERVISOR: &str = "Ruth Kavanagh";
const AUDITOR: &str = "Simon Bradshaw";

/// DSL training that lapsed before `now`, and that lapses within the 60-day reminder window.
const TRAINING_EXPIRED: [&str; 2] = ["Natalie Shaw", "Sophie Birtwistle"];
const TRAINING_EXPIRING: [&str; 2] = ["Kirsty Moss", "Fiona Baxter"];

#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub name: String,
}

/// One academy and who supervises whom there.
pub struct Academy {
    pub index: usize,
    pub id: Uuid,
    pub name: &'static str,
    pub policy: Policy,
    pub dsl: Person,
    /// The RSL, or the external supervisor where the head is the DSL [OP].
    pub dsl_supervisor: Person,
    /// `one_to_one`, `group` or `external`.
    pub dsl_agreement_kind: &'static str,
    pub deputies: Vec<Person>,
    /// Who hears this academy's escalated disagreements.
    pub governor: Person,
}

pub struct Trust {
    pub director: Person,
    pub academies: Vec<Academy>,
}

/// Creates people on first mention and adds roles to them, so one person can hold several.
struct People<'a, 'b> {
    tx: &'a mut WriteTx<'b>,
    by_name: BTreeMap<&'static str, Person>,
    /// Who holds a role that needs DSL training, and which kind.
    trained: Vec<(Person, &'static str)>,
    /// Who supervises others, so has had supervision training.
    supervisors: Vec<Person>,
}

impl People<'_, '_> {
    async fn get(
        &mut self,
        seed: &mut Seed,
        name: &'static str,
        job_title: &str,
    ) -> Result<Person, SeedError> {
        if let Some(person) = self.by_name.get(name) {
            return Ok(person.clone());
        }
        let email = format!(
            "{}@{EMAIL_DOMAIN}",
            name.to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(".")
        );
        let id = seed.ids.next();
        let now = seed.now;
        self.tx
            .insert(e::person::ActiveModel {
                id: Set(id),
                trust_id: Set(trust_id(self.tx)),
                display_name: Set(name.to_owned()),
                email: Set(email),
                job_title: Set(Some(job_title.to_owned())),
                optional_reminders: Set(true),
                notification_preference: Set(if seed.rng.chance(25) {
                    "digest"
                } else {
                    "immediate"
                }
                .to_owned()),
                oidc_subject: Set(None),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .await?;
        seed.counts.people = seed.counts.people.saturating_add(1);
        let person = Person {
            id,
            name: name.to_owned(),
        };
        self.by_name.insert(name, person.clone());
        Ok(person)
    }

    async fn role(
        &mut self,
        seed: &mut Seed,
        person: &Person,
        role: Role,
        region_id: Option<Uuid>,
        academy_id: Option<Uuid>,
    ) -> Result<(), SeedError> {
        let scope = match (region_id, academy_id) {
            (_, Some(_)) => ScopeKind::Academy,
            (Some(_), None) => ScopeKind::Region,
            (None, None) => ScopeKind::Trust,
        };
        self.tx
            .insert(e::role_assignment::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust_id(self.tx)),
                person_id: Set(person.id),
                role: Set(role.as_str().to_owned()),
                scope_kind: Set(scope.as_str().to_owned()),
                region_id: Set(region_id),
                academy_id: Set(academy_id),
                starts_on: Set(seed.history_starts),
                ends_on: Set(None),
                created_at: Set(seed.now),
            })
            .await?;
        let training = match role {
            Role::TrustSafeguardingLead | Role::RegionalSafeguardingLead | Role::Dsl => Some("dsl"),
            Role::DeputyDsl => Some("deputy_dsl"),
            _ => None,
        };
        if let Some(kind) = training
            && !self.trained.iter().any(|(p, _)| p.id == person.id)
        {
            self.trained.push((person.clone(), kind));
        }
        let supervises = matches!(
            role,
            Role::RegionalSafeguardingLead | Role::Dsl | Role::ExternalSupervisor
        );
        if supervises && !self.supervisors.iter().any(|p| p.id == person.id) {
            self.supervisors.push(person.clone());
        }
        Ok(())
    }
}

/// Regions, academies, term dates, policy settings, people, roles and training.
pub async fn create(tx: &mut WriteTx<'_>, seed: &mut Seed) -> Result<Trust, SeedError> {
    let trust = trust_id(tx);
    let now = seed.now;
    let mut regions = Vec::new();
    for name in REGIONS {
        let id = seed.ids.next();
        tx.insert(e::region::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            name: Set(name.to_owned()),
            created_at: Set(now),
        })
        .await?;
        regions.push(id);
    }
    tx.insert(e::policy_setting::ActiveModel {
        id: Set(seed.ids.next()),
        trust_id: Set(trust),
        academy_id: Set(None),
        scope_key: Set("trust".to_owned()),
        settings: Set(serde_json::to_value(PolicySettings::esteem())?),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .await?;

    let mut academy_ids = Vec::new();
    for (index, row) in ACADEMIES.iter().enumerate() {
        let id = seed.ids.next();
        tx.insert(e::academy::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            region_id: Set(regions.get(row.region).copied()),
            name: Set(row.name.to_owned()),
            urn: Set(row.urn.to_owned()),
            phase: Set(row.phase.to_owned()),
            local_authority: Set(row.local_authority.to_owned()),
            created_at: Set(now),
        })
        .await?;
        for half_term in seed.cal.half_terms() {
            tx.insert(e::term_date::ActiveModel {
                id: Set(seed.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(id),
                academic_year: Set(half_term.academic_year),
                half_term: Set(i16::from(half_term.number)),
                starts_on: Set(half_term.starts_on),
                ends_on: Set(half_term.ends_on),
            })
            .await?;
        }
        tx.insert(e::policy_setting::ActiveModel {
            id: Set(seed.ids.next()),
            trust_id: Set(trust),
            academy_id: Set(Some(id)),
            scope_key: Set(id.to_string()),
            settings: Set(serde_json::to_value(policy_of(index).settings())?),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
        academy_ids.push(id);
    }

    let mut people = People {
        tx,
        by_name: BTreeMap::new(),
        trained: Vec::new(),
        supervisors: Vec::new(),
    };
    let lead = people
        .get(seed, TRUST_LEAD, "Trust Strategic Safeguarding Lead")
        .await?;
    people
        .role(seed, &lead, Role::TrustSafeguardingLead, None, None)
        .await?;
    let director = people.get(seed, DIRECTOR, "Director of Education").await?;
    people
        .role(seed, &director, Role::DirectorOfEducation, None, None)
        .await?;
    let mut rsls = Vec::new();
    for (name, region) in RSLS.into_iter().zip(&regions) {
        let rsl = people.get(seed, name, "Regional Safeguarding Lead").await?;
        people
            .role(
                seed,
                &rsl,
                Role::RegionalSafeguardingLead,
                Some(*region),
                None,
            )
            .await?;
        rsls.push(rsl);
    }
    let trust_governor = people
        .get(
            seed,
            TRUST_GOVERNOR,
            "Trustee with responsibility for safeguarding",
        )
        .await?;
    people
        .role(
            seed,
            &trust_governor,
            Role::SafeguardingGovernor,
            None,
            None,
        )
        .await?;
    let auditor = people.get(seed, AUDITOR, "Safeguarding auditor").await?;
    people
        .role(seed, &auditor, Role::Auditor, None, None)
        .await?;

    let mut academies = Vec::new();
    for ((index, row), id) in ACADEMIES.iter().enumerate().zip(academy_ids) {
        let head = people.get(seed, row.head, "Headteacher").await?;
        people
            .role(seed, &head, Role::Headteacher, None, Some(id))
            .await?;
        let dsl = match row.dsl {
            Some(name) => {
                people
                    .get(seed, name, "Designated Safeguarding Lead")
                    .await?
            }
            None => head.clone(),
        };
        people.role(seed, &dsl, Role::Dsl, None, Some(id)).await?;
        let mut deputies = Vec::new();
        for deputy in row.deputies {
            let (name, title, role) = match deputy {
                Deputy::Dsl(name) => (name, "Deputy Designated Safeguarding Lead", Role::DeputyDsl),
                Deputy::Pastoral(name) => (name, "Pastoral Lead", Role::PastoralLead),
            };
            let person = people.get(seed, name, title).await?;
            people.role(seed, &person, role, None, Some(id)).await?;
            deputies.push(person);
        }
        let (dsl_supervisor, dsl_agreement_kind) = if row.dsl.is_none() {
            let external = people
                .get(
                    seed,
                    EXTERNAL_SUPERVISOR,
                    "Independent safeguarding supervisor",
                )
                .await?;
            people
                .role(seed, &external, Role::ExternalSupervisor, None, Some(id))
                .await?;
            (external, "external")
        } else {
            let rsl = rsls
                .get(row.region)
                .cloned()
                .ok_or_else(|| refused!("{} has no regional lead", row.name))?;
            let kind = if index == GROUP_ACADEMY {
                "group"
            } else {
                "one_to_one"
            };
            (rsl, kind)
        };
        let governor = if index == GOVERNED_ACADEMY {
            let governor = people
                .get(seed, ACADEMY_GOVERNOR, "Safeguarding governor")
                .await?;
            people
                .role(seed, &governor, Role::SafeguardingGovernor, None, Some(id))
                .await?;
            governor
        } else {
            trust_governor.clone()
        };
        academies.push(Academy {
            index,
            id,
            name: row.name,
            policy: policy_of(index),
            dsl,
            dsl_supervisor,
            dsl_agreement_kind,
            deputies,
            governor,
        });
    }

    let People {
        tx,
        trained,
        supervisors,
        ..
    } = people;
    training(tx, seed, &trained, &supervisors).await?;
    Ok(Trust {
        director,
        academies,
    })
}

fn policy_of(index: usize) -> Policy {
    Policy::CYCLE
        .get(index % Policy::CYCLE.len())
        .copied()
        .unwrap_or(Policy::Esteem)
}

/// DSL training for everyone whose role needs it, refreshed every two years [CC], most of it
/// current; supervision training, which does not expire, for everyone who supervises.
async fn training(
    tx: &mut WriteTx<'_>,
    seed: &mut Seed,
    trained: &[(Person, &'static str)],
    supervisors: &[Person],
) -> Result<(), SeedError> {
    for (n, (person, kind)) in (0i64..).zip(trained) {
        let two_years_ago = seed
            .today
            .checked_sub_months(Months::new(24))
            .unwrap_or(seed.today);
        let completed_on = if TRAINING_EXPIRED.contains(&person.name.as_str()) {
            plus(two_years_ago, -seed.rng.days(15, 60))
        } else if TRAINING_EXPIRING.contains(&person.name.as_str()) {
            plus(two_years_ago, seed.rng.days(20, 50))
        } else {
            // Spread over the last 20 months: current, and not expiring within the 60-day window.
            plus(seed.today, -(60 + (n * 37) % 560))
        };
        let course = if *kind == "dsl" {
            "Designated Safeguarding Lead training (refresher)"
        } else {
            "Deputy Designated Safeguarding Lead training"
        };
        insert_training(tx, seed, person, course, kind, completed_on, true).await?;
    }
    for (n, person) in (0i64..).zip(supervisors) {
        let completed_on = plus(seed.history_starts, -(30 + n * 11));
        let course = "Safeguarding supervision skills";
        insert_training(tx, seed, person, course, "supervision", completed_on, false).await?;
    }
    Ok(())
}

async fn insert_training(
    tx: &mut WriteTx<'_>,
    seed: &mut Seed,
    person: &Person,
    course: &str,
    kind: &str,
    completed_on: NaiveDate,
    expires: bool,
) -> Result<(), SeedError> {
    let expires_on = expires
        .then(|| completed_on.checked_add_months(Months::new(24)))
        .flatten();
    tx.insert(e::training_record::ActiveModel {
        id: Set(seed.ids.next()),
        trust_id: Set(trust_id(tx)),
        person_id: Set(person.id),
        course: Set(course.to_owned()),
        kind: Set(kind.to_owned()),
        completed_on: Set(completed_on),
        expires_on: Set(expires_on),
        created_at: Set(seed.now),
    })
    .await?;
    Ok(())
}
