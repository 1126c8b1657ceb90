//! A generated trust of any size, for load tests (DESIGN §6): `haven seed --generate`.
//!
//! One trust of N academies, a region (and its regional lead) per 20 of them, five staff in each
//! academy (head, DSL, deputy DSL, pastoral lead, safeguarding governor), and Y years of
//! supervision up to `now`: the DSL's agreement with the regional lead and the deputy's with the
//! DSL, renewed every year, each with its sessions (held, a few cancelled and re-held or not),
//! agendas, records and signatures (a few left unsigned or unsent), actions (a few left overdue),
//! quarterly QA reviews and training. Academies alternate between Esteem's half-termly plan (the
//! trust's default) and Captain Cook's 4-weekly one; both send the default reminder table.
//!
//! Choices come from arithmetic on the indexes and a fixed-seed generator, and ids from `now` and
//! a counter, so two runs on the same clock write the same rows. Rows go in as multi-row inserts,
//! one audit entry per statement rather than per row: the demo's row-by-row entries would make a
//! trust of this size take hours to write.

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use haven_domain::record_content::{Decision, RecordContent};
use haven_domain::{
    Cadence, PolicySettings, Role, ScopeKind, SessionKind, TermCalendar, add_working_days,
    is_working_day, planned_dates, qa_due_dates,
};
use haven_entity as e;
use haven_store::agreement::{Terms, TermsInput};
use haven_store::{Db, Origin, Scope, StoreError, SystemActor, TenantTable, WriteTx};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelBehavior, ActiveModelTrait};
use serde_json::{Value, json};
use uuid::{Builder, Uuid};

use crate::SeedError;
use crate::days::{Span, hm, london, plus, trust_id, weekday};

/// Rows per insert statement: the widest table has 26 columns, so a statement stays well under
/// SQLite's 32,766 bound parameters (and PostgreSQL's 65,535).
const CHUNK: usize = 500;
/// Academies per region, each region with one regional lead.
const REGION_SIZE: usize = 20;
const EMAIL_DOMAIN: &str = "generated.example";
const FIRST_NAMES: [&str; 20] = [
    "Amy", "Ben", "Chloe", "Daniel", "Emma", "Farah", "Gary", "Hannah", "Imran", "Joanne", "Kate",
    "Liam", "Megan", "Nathan", "Owen", "Priya", "Rachel", "Simon", "Tom", "Zainab",
];
const SURNAMES: [&str; 20] = [
    "Ashworth",
    "Barker",
    "Clough",
    "Dale",
    "Earnshaw",
    "Firth",
    "Greenwood",
    "Haigh",
    "Hussain",
    "Kershaw",
    "Leckie",
    "Moss",
    "Nuttall",
    "Patel",
    "Pollard",
    "Rigby",
    "Shaw",
    "Tate",
    "Wood",
    "Young",
];

/// How big a trust to generate.
#[derive(Debug, Clone)]
pub struct Shape {
    pub slug: String,
    pub academies: usize,
    pub years: u32,
}

/// What was written, for the CLI's answer.
#[derive(Debug, Default)]
pub struct Counts {
    pub academies: usize,
    pub people: usize,
    pub agreements: usize,
    pub sessions: usize,
    pub records: usize,
    pub actions: usize,
    pub qa_reviews: usize,
    pub trainings: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} academies, {} people, {} agreements, {} sessions, {} records, {} actions, {} QA reviews, {} training records",
            self.academies,
            self.people,
            self.agreements,
            self.sessions,
            self.records,
            self.actions,
            self.qa_reviews,
            self.trainings
        )
    }
}

/// Writes the trust `shape` describes, in one transaction, unless its slug is taken.
pub async fn trust(db: &Db, shape: &Shape, now: DateTime<Utc>) -> Result<Counts, SeedError> {
    if shape.academies == 0 || shape.years == 0 {
        return Err(refused!(
            "a generated trust needs at least one academy and one year"
        ));
    }
    if haven_store::trust::find_by_slug(db, &shape.slug)
        .await?
        .is_some()
    {
        return Err(refused!(
            "a trust with the slug {:?} already exists",
            shape.slug
        ));
    }
    let mut generator = Generator::new(now, shape.years)?;
    #[expect(
        clippy::disallowed_methods,
        reason = "the generator writes a whole new trust as Haven"
    )]
    let scope = Scope::system(Uuid::now_v7(), SystemActor::Seed, Origin::Cli);
    let name = format!("Generated Trust ({} academies)", shape.academies);
    let (_, mut tx) = db.create_trust(&scope, &name, &shape.slug, now).await?;
    generator.trust_wide(trust_id(&tx))?;
    let mut index = 0;
    while index < shape.academies {
        let size = REGION_SIZE.min(shape.academies - index);
        generator.region(trust_id(&tx), index, size)?;
        generator.rows.flush(&mut tx).await?;
        index += size;
    }
    tx.commit().await?;
    generator.counts.academies = shape.academies;
    Ok(generator.counts)
}

/// UUIDv7s stamped with `now`, told apart by a counter.
struct Ids {
    millis: u64,
    counter: u64,
}

impl Ids {
    fn next(&mut self) -> Uuid {
        self.counter = self.counter.wrapping_add(1);
        let mut bytes = [0u8; 10];
        for (slot, byte) in bytes.iter_mut().skip(2).zip(self.counter.to_be_bytes()) {
            *slot = byte;
        }
        Builder::from_unix_timestamp_millis(self.millis, &bytes).into_uuid()
    }
}

/// A linear congruential generator (Knuth's MMIX constants) from a fixed seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33).checked_rem(n).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A number of days in `low..=high`.
    fn days(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high.saturating_sub(low).saturating_add(1)).unwrap_or(1);
        low.saturating_add(i64::try_from(self.below(span)).unwrap_or(0))
    }
}

/// Rows waiting to be written, table by table, in the order their foreign keys need.
#[derive(Default)]
struct Rows {
    regions: Vec<e::region::ActiveModel>,
    academies: Vec<e::academy::ActiveModel>,
    term_dates: Vec<e::term_date::ActiveModel>,
    policies: Vec<e::policy_setting::ActiveModel>,
    people: Vec<e::person::ActiveModel>,
    roles: Vec<e::role_assignment::ActiveModel>,
    trainings: Vec<e::training_record::ActiveModel>,
    agreements: Vec<e::agreement::ActiveModel>,
    supervisees: Vec<e::agreement_supervisee::ActiveModel>,
    agreement_signatures: Vec<e::agreement_signature::ActiveModel>,
    sessions: Vec<e::supervision_session::ActiveModel>,
    attendees: Vec<e::session_attendee::ActiveModel>,
    agendas: Vec<e::agenda::ActiveModel>,
    records: Vec<e::supervision_record::ActiveModel>,
    record_signatures: Vec<e::record_signature::ActiveModel>,
    actions: Vec<e::supervision_action::ActiveModel>,
    qa_reviews: Vec<e::qa_review::ActiveModel>,
}

impl Rows {
    async fn flush(&mut self, tx: &mut WriteTx<'_>) -> Result<(), StoreError> {
        put(tx, &mut self.regions).await?;
        put(tx, &mut self.academies).await?;
        put(tx, &mut self.term_dates).await?;
        put(tx, &mut self.policies).await?;
        put(tx, &mut self.people).await?;
        put(tx, &mut self.roles).await?;
        put(tx, &mut self.trainings).await?;
        put(tx, &mut self.agreements).await?;
        put(tx, &mut self.supervisees).await?;
        put(tx, &mut self.agreement_signatures).await?;
        put(tx, &mut self.sessions).await?;
        put(tx, &mut self.attendees).await?;
        put(tx, &mut self.agendas).await?;
        put(tx, &mut self.records).await?;
        put(tx, &mut self.record_signatures).await?;
        put(tx, &mut self.actions).await?;
        put(tx, &mut self.qa_reviews).await
    }
}

/// Writes `rows` in statements of [`CHUNK`] rows, in order (a rebooking after the session it
/// rebooks, a version after the one it renews), and empties it.
async fn put<A>(tx: &mut WriteTx<'_>, rows: &mut Vec<A>) -> Result<(), StoreError>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    A::Entity: TenantTable,
{
    let mut rest = std::mem::take(rows);
    while !rest.is_empty() {
        let tail = rest.split_off(CHUNK.min(rest.len()));
        tx.insert_many(rest).await?;
        rest = tail;
    }
    Ok(())
}

/// One academy's people.
struct Staff {
    dsl: Uuid,
    deputy: Uuid,
}

/// One agreement lineage being written.
struct Lineage {
    academy: Uuid,
    index: usize,
    supervisor: Uuid,
    supervisee: Uuid,
    weekday: Weekday,
    time: NaiveTime,
    settings: PolicySettings,
}

/// One version of a lineage.
struct Version {
    id: Uuid,
    activated_on: NaiveDate,
    ends_on: Option<NaiveDate>,
}

struct Generator {
    now: DateTime<Utc>,
    today: NaiveDate,
    years: u32,
    /// Role assignments start here, a little before the first agreement.
    history_starts: NaiveDate,
    /// The last day of the current half term: sessions are planned up to it.
    horizon: NaiveDate,
    cal: TermCalendar,
    ids: Ids,
    rng: Lcg,
    rows: Rows,
    counts: Counts,
    director: Uuid,
    /// Everyone who needs DSL training so far, with its kind, for the numbering of its dates.
    trained: usize,
    record_content: Value,
    record_hash: String,
}

impl Generator {
    fn new(now: DateTime<Utc>, years: u32) -> Result<Self, SeedError> {
        let Span {
            today,
            history_starts,
            horizon,
            cal,
        } = Span::back_from(
            now,
            years.saturating_mul(12).saturating_add(2),
            &format!("{years} years"),
        )?;
        // One content for every generated record, as the store's own type: it parses, amends
        // and verifies as an entered record does.
        let content = RecordContent {
            issues_discussed: vec!["Generated for a load test: cases discussed.".to_owned()],
            decisions: vec![Decision {
                decision: "Actions agreed for each case.".to_owned(),
                reasons: "Generated for a load test.".to_owned(),
            }],
            ..RecordContent::default()
        };
        let record_hash = content.hash()?.to_string();
        let record_content = content.to_json()?;
        Ok(Self {
            now,
            today,
            years,
            history_starts,
            horizon,
            cal,
            ids: Ids {
                millis: u64::try_from(now.timestamp_millis()).unwrap_or(0),
                counter: 0,
            },
            rng: Lcg(0x4745_4e45_5241_5445),
            rows: Rows::default(),
            counts: Counts::default(),
            director: Uuid::nil(),
            trained: 0,
            record_content,
            record_hash,
        })
    }

    /// `day` itself if it is a working day, else the next one.
    fn working_day_from(&self, day: NaiveDate) -> NaiveDate {
        if is_working_day(day, &self.cal) {
            day
        } else {
            add_working_days(day, 1, &self.cal).unwrap_or(day)
        }
    }

    /// The trust's default policy, its safeguarding lead and its director of education.
    fn trust_wide(&mut self, trust: Uuid) -> Result<(), SeedError> {
        self.rows.policies.push(e::policy_setting::ActiveModel {
            id: Set(self.ids.next()),
            trust_id: Set(trust),
            academy_id: Set(None),
            scope_key: Set("trust".to_owned()),
            settings: Set(serde_json::to_value(PolicySettings::esteem())?),
            row_version: Set(1),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        });
        let lead = self.person(trust, "Trust Strategic Safeguarding Lead", 0);
        self.role(trust, lead, Role::TrustSafeguardingLead, None, None);
        self.training(trust, lead, "dsl");
        self.director = self.person(trust, "Director of Education", 1);
        self.role(trust, self.director, Role::DirectorOfEducation, None, None);
        Ok(())
    }

    fn person(&mut self, trust: Uuid, job_title: &str, n: usize) -> Uuid {
        let id = self.ids.next();
        let first = FIRST_NAMES
            .get(n % FIRST_NAMES.len())
            .copied()
            .unwrap_or("Sam");
        let last = SURNAMES
            .get((n / FIRST_NAMES.len()) % SURNAMES.len())
            .copied()
            .unwrap_or("Smith");
        self.rows.people.push(e::person::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            display_name: Set(format!("{first} {last}")),
            email: Set(format!(
                "{}.{}.{n}@{EMAIL_DOMAIN}",
                first.to_lowercase(),
                last.to_lowercase()
            )),
            job_title: Set(Some(job_title.to_owned())),
            optional_reminders: Set(true),
            notification_preference: Set(if n.is_multiple_of(4) {
                "digest"
            } else {
                "immediate"
            }
            .to_owned()),
            oidc_subject: Set(None),
            active: Set(true),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        });
        self.counts.people += 1;
        id
    }

    fn role(
        &mut self,
        trust: Uuid,
        person: Uuid,
        role: Role,
        region_id: Option<Uuid>,
        academy_id: Option<Uuid>,
    ) {
        let scope = match (region_id, academy_id) {
            (_, Some(_)) => ScopeKind::Academy,
            (Some(_), None) => ScopeKind::Region,
            (None, None) => ScopeKind::Trust,
        };
        self.rows.roles.push(e::role_assignment::ActiveModel {
            id: Set(self.ids.next()),
            trust_id: Set(trust),
            person_id: Set(person),
            role: Set(role.as_str().to_owned()),
            scope_kind: Set(scope.as_str().to_owned()),
            region_id: Set(region_id),
            academy_id: Set(academy_id),
            starts_on: Set(self.history_starts),
            ends_on: Set(None),
            created_at: Set(london(self.history_starts, hm(9, 0))),
        });
    }

    /// The current DSL training (spread so a few have lapsed and a few lapse within the 60-day
    /// reminder window) and the one it renewed, two years earlier.
    fn training(&mut self, trust: Uuid, person: Uuid, kind: &str) {
        let n = i64::try_from(self.trained).unwrap_or(0);
        self.trained += 1;
        let current = plus(self.today, -(1 + (n * 37) % 780));
        let previous = current
            .checked_sub_months(Months::new(24))
            .unwrap_or(current);
        for completed_on in [previous, current] {
            self.rows.trainings.push(e::training_record::ActiveModel {
                id: Set(self.ids.next()),
                trust_id: Set(trust),
                person_id: Set(person),
                course: Set(if kind == "dsl" {
                    "Designated Safeguarding Lead training (refresher)"
                } else {
                    "Deputy Designated Safeguarding Lead training"
                }
                .to_owned()),
                kind: Set(kind.to_owned()),
                completed_on: Set(completed_on),
                expires_on: Set(completed_on.checked_add_months(Months::new(24))),
                created_at: Set(london(completed_on, hm(17, 0))),
            });
            self.counts.trainings += 1;
        }
    }

    /// A region of `size` academies from academy number `first`, with its regional lead.
    fn region(&mut self, trust: Uuid, first: usize, size: usize) -> Result<(), SeedError> {
        let number = first / REGION_SIZE + 1;
        let region = self.ids.next();
        self.rows.regions.push(e::region::ActiveModel {
            id: Set(region),
            trust_id: Set(trust),
            name: Set(format!("Region {number}")),
            created_at: Set(self.now),
        });
        let rsl = self.person(trust, "Regional Safeguarding Lead", 2 + number);
        self.role(
            trust,
            rsl,
            Role::RegionalSafeguardingLead,
            Some(region),
            None,
        );
        self.training(trust, rsl, "dsl");
        for index in first..first + size {
            self.academy(trust, region, rsl, index)?;
        }
        Ok(())
    }

    fn academy(
        &mut self,
        trust: Uuid,
        region: Uuid,
        rsl: Uuid,
        index: usize,
    ) -> Result<(), SeedError> {
        let id = self.ids.next();
        self.rows.academies.push(e::academy::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            region_id: Set(Some(region)),
            name: Set(format!("Generated Academy {}", index + 1)),
            urn: Set(format!("{}", 200_000 + index)),
            phase: Set(if index.is_multiple_of(3) {
                "secondary"
            } else {
                "primary"
            }
            .to_owned()),
            local_authority: Set("Generated".to_owned()),
            created_at: Set(self.now),
        });
        let half_terms: Vec<_> = self.cal.half_terms().cloned().collect();
        for half_term in half_terms {
            self.rows.term_dates.push(e::term_date::ActiveModel {
                id: Set(self.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(id),
                academic_year: Set(half_term.academic_year),
                half_term: Set(i16::from(half_term.number)),
                starts_on: Set(half_term.starts_on),
                ends_on: Set(half_term.ends_on),
            });
        }
        // Odd academies follow Captain Cook's 4-weekly plan; the rest keep the trust's default.
        let settings = if index % 2 == 1 {
            let settings = PolicySettings::captain_cook();
            self.rows.policies.push(e::policy_setting::ActiveModel {
                id: Set(self.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(Some(id)),
                scope_key: Set(id.to_string()),
                settings: Set(serde_json::to_value(&settings)?),
                row_version: Set(1),
                created_at: Set(self.now),
                updated_at: Set(self.now),
            });
            settings
        } else {
            PolicySettings::esteem()
        };
        let staff = self.staff(trust, id, index);
        let lineages = [
            Lineage {
                academy: id,
                index: index * 2,
                supervisor: rsl,
                supervisee: staff.dsl,
                weekday: weekday(index),
                time: hm(9, 30),
                settings: settings.clone(),
            },
            Lineage {
                academy: id,
                index: index * 2 + 1,
                supervisor: staff.dsl,
                supervisee: staff.deputy,
                weekday: weekday(index + 2),
                time: hm(13, 30),
                settings,
            },
        ];
        for lineage in &lineages {
            self.lineage(trust, lineage)?;
        }
        Ok(())
    }

    fn staff(&mut self, trust: Uuid, academy: Uuid, index: usize) -> Staff {
        let n = 100 + index * 5;
        let head = self.person(trust, "Headteacher", n);
        self.role(trust, head, Role::Headteacher, None, Some(academy));
        let dsl = self.person(trust, "Designated Safeguarding Lead", n + 1);
        self.role(trust, dsl, Role::Dsl, None, Some(academy));
        self.training(trust, dsl, "dsl");
        let deputy = self.person(trust, "Deputy Designated Safeguarding Lead", n + 2);
        self.role(trust, deputy, Role::DeputyDsl, None, Some(academy));
        self.training(trust, deputy, "deputy_dsl");
        let pastoral = self.person(trust, "Pastoral Lead", n + 3);
        self.role(trust, pastoral, Role::PastoralLead, None, Some(academy));
        let governor = self.person(trust, "Safeguarding governor", n + 4);
        self.role(
            trust,
            governor,
            Role::SafeguardingGovernor,
            None,
            Some(academy),
        );
        Staff { dsl, deputy }
    }

    /// A lineage renewed every year: its versions, their sessions and its QA reviews.
    fn lineage(&mut self, trust: Uuid, lineage: &Lineage) -> Result<(), SeedError> {
        // Staggered over two months so reviews and renewals fall due on different days.
        let offset = i64::try_from((lineage.index * 7) % 61).unwrap_or(0) - 30;
        let start = self
            .today
            .checked_sub_months(Months::new(self.years.saturating_mul(12)))
            .unwrap_or(self.history_starts);
        let first = self.working_day_from(plus(start, offset).max(plus(self.history_starts, 1)));
        let mut activations = Vec::new();
        for year in 0..self.years {
            let day = first
                .checked_add_months(Months::new(year.saturating_mul(12)))
                .map(|day| self.working_day_from(day))
                .filter(|day| *day < self.today);
            activations.extend(day);
        }
        let mut versions: Vec<Version> = Vec::new();
        for (n, activated_on) in activations.iter().enumerate() {
            let ends_on = activations.get(n + 1).copied();
            let previous = versions.last().map(|v| v.id);
            let lineage_id = versions.first().map(|v| v.id);
            let id = self.agreement(
                trust,
                lineage,
                n,
                previous,
                lineage_id,
                *activated_on,
                ends_on,
            )?;
            versions.push(Version {
                id,
                activated_on: *activated_on,
                ends_on,
            });
        }
        for version in &versions {
            let to = version.ends_on.map_or(self.horizon, |day| plus(day, -1));
            let planned = planned_dates(
                &lineage.settings.plan,
                version.activated_on,
                to,
                &self.cal,
                lineage.weekday,
            );
            for slot in planned {
                let kind = if slot.extended {
                    SessionKind::Extended
                } else {
                    SessionKind::Formal
                };
                self.slot(trust, lineage, version, slot.date, kind);
            }
        }
        for due_on in qa_due_dates(first, lineage.settings.qa_interval_months, self.today) {
            let Some(version) = versions
                .iter()
                .rev()
                .find(|v| v.activated_on <= due_on)
                .or(versions.first())
            else {
                continue;
            };
            let lineage_id = versions.first().map_or(version.id, |v| v.id);
            self.qa_review(trust, lineage, lineage_id, version.id, due_on);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments, reason = "one row's worth of facts")]
    fn agreement(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        number: usize,
        previous: Option<Uuid>,
        lineage_id: Option<Uuid>,
        activated_on: NaiveDate,
        ended_on: Option<NaiveDate>,
    ) -> Result<Uuid, SeedError> {
        let id = self.ids.next();
        let settings = &lineage.settings;
        let (cadence, weeks) = match settings.plan.cadence {
            Cadence::Weekly => ("weekly", None),
            Cadence::EveryNWeeks(weeks) => ("every_n_weeks", Some(i32::from(weeks.get()))),
            Cadence::HalfTermly => ("half_termly", None),
            Cadence::Termly => ("termly", None),
        };
        let minutes = i32::try_from(settings.session_length.minutes())?;
        let max_cases = settings
            .max_cases_per_session
            .map(|cap| i32::try_from(cap.get()))
            .transpose()?;
        let version = i32::try_from(number + 1)?;
        let terms = Terms::check(TermsInput {
            plan_cadence: cadence.to_owned(),
            plan_weeks: weeks.map(u32::try_from).transpose()?,
            extended_each_half_term: settings.plan.extended_each_half_term,
            minimum: Some(settings.minimum.cadence().code()),
            session_minutes: Some(u32::try_from(minutes)?),
            max_cases_per_session: max_cases.map(u32::try_from).transpose()?,
            agenda_required: Some(settings.agenda_required),
            standard_agenda: "Cases, actions from last time, wellbeing.".to_owned(),
            records_location: "Haven".to_owned(),
            confidentiality_terms:
                "What is discussed stays in supervision unless a child is at risk.".to_owned(),
            diversity_terms: "Both parties respect each other's background and views.".to_owned(),
        })?;
        let hash = terms.hash()?;
        let signed = london(activated_on, hm(10, 0));
        self.rows.agreements.push(e::agreement::ActiveModel {
            id: Set(id),
            trust_id: Set(trust),
            academy_id: Set(lineage.academy),
            lineage_id: Set(lineage_id.unwrap_or(id)),
            version: Set(version),
            previous_version_id: Set(previous),
            kind: Set("one_to_one".to_owned()),
            supervisor_id: Set(lineage.supervisor),
            status: Set(if ended_on.is_some() {
                "superseded"
            } else {
                "active"
            }
            .to_owned()),
            activated_on: Set(Some(activated_on)),
            review_due_on: Set(
                activated_on.checked_add_months(Months::new(settings.agreement_review_months))
            ),
            ended_on: Set(ended_on),
            row_version: Set(1),
            created_at: Set(london(plus(activated_on, -7), hm(12, 0))),
            updated_at: Set(ended_on.map_or(signed, |day| london(day, hm(10, 0)))),
            ..terms.columns()?
        });
        self.counts.agreements += 1;
        self.rows
            .supervisees
            .push(e::agreement_supervisee::ActiveModel {
                id: Set(self.ids.next()),
                trust_id: Set(trust),
                academy_id: Set(lineage.academy),
                agreement_id: Set(id),
                person_id: Set(lineage.supervisee),
            });
        for (person, at) in [
            (
                lineage.supervisor,
                london(plus(activated_on, -3), hm(16, 0)),
            ),
            (lineage.supervisee, signed),
        ] {
            self.rows
                .agreement_signatures
                .push(e::agreement_signature::ActiveModel {
                    id: Set(self.ids.next()),
                    trust_id: Set(trust),
                    academy_id: Set(lineage.academy),
                    agreement_id: Set(id),
                    person_id: Set(person),
                    signed_at: Set(at),
                    content_hash: Set(hash.clone()),
                });
        }
        Ok(id)
    }

    /// What became of one planned session: still ahead, held, or cancelled (and then mostly
    /// re-held within a few working days).
    fn slot(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        version: &Version,
        date: NaiveDate,
        kind: SessionKind,
    ) {
        let starts_at = london(date, lineage.time);
        let booked = london(version.activated_on, hm(10, 5)).min(starts_at - TimeDelta::days(1));
        if date >= self.today {
            self.planned(trust, lineage, version, date, kind, booked, None);
            return;
        }
        let roll = self.rng.below(100);
        if roll >= 4 {
            self.held(trust, lineage, version, date, kind, booked, None);
            return;
        }
        let cancelled_at = london(plus(date, -self.rng.days(1, 3)), hm(8, 15));
        let cancelled = self.session(
            trust,
            lineage,
            version,
            SessionRow {
                date,
                kind,
                status: "cancelled",
                created_at: booked,
                cancelled_at: Some(cancelled_at),
                rebooking_of: None,
            },
        );
        // One cancellation in four is never re-held.
        if roll == 0 {
            return;
        }
        let gap = 1 + u32::try_from(self.rng.below(4)).unwrap_or(0);
        let Some(day) = add_working_days(date, gap, &self.cal).filter(|day| *day <= self.horizon)
        else {
            return;
        };
        if day < self.today {
            self.held(
                trust,
                lineage,
                version,
                day,
                kind,
                cancelled_at,
                Some(cancelled),
            );
        } else {
            self.planned(
                trust,
                lineage,
                version,
                day,
                kind,
                cancelled_at,
                Some(cancelled),
            );
        }
    }

    fn session(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        version: &Version,
        row: SessionRow,
    ) -> Uuid {
        let id = self.ids.next();
        let starts_at = london(row.date, lineage.time);
        let held_marked_at =
            (row.status == "held").then(|| (starts_at + TimeDelta::days(1)).min(self.now));
        let minutes = i32::try_from(lineage.settings.session_length.minutes()).unwrap_or(60);
        self.rows
            .sessions
            .push(e::supervision_session::ActiveModel {
                id: Set(id),
                trust_id: Set(trust),
                academy_id: Set(lineage.academy),
                agreement_id: Set(version.id),
                kind: Set(row.kind.code().to_owned()),
                mode: Set("in_person".to_owned()),
                status: Set(row.status.to_owned()),
                starts_at: Set(starts_at),
                duration_minutes: Set(if row.kind.is_extended() {
                    minutes * 2
                } else {
                    minutes
                }),
                location: Set(Some("Safeguarding office".to_owned())),
                held_marked_at: Set(held_marked_at),
                held_on: Set(None),
                cancelled_at: Set(row.cancelled_at),
                cancelled_on: Set(None),
                cancelled_by: Set(row.cancelled_at.map(|_| lineage.supervisor)),
                cancel_reason: Set(row
                    .cancelled_at
                    .map(|_| "Called away to a child protection conference".to_owned())),
                rebooking_of_id: Set(row.rebooking_of),
                rebooked_late: Set(false),
                note: Set(None),
                ical_sequence: Set(i32::from(row.cancelled_at.is_some())),
                row_version: Set(1),
                created_at: Set(row.created_at),
                updated_at: Set(held_marked_at
                    .or(row.cancelled_at)
                    .unwrap_or(row.created_at)),
            });
        self.rows.attendees.push(e::session_attendee::ActiveModel {
            id: Set(self.ids.next()),
            trust_id: Set(trust),
            academy_id: Set(lineage.academy),
            session_id: Set(id),
            person_id: Set(lineage.supervisee),
            attended: Set((row.status == "held").then_some(true)),
        });
        self.counts.sessions += 1;
        id
    }

    #[allow(clippy::too_many_arguments, reason = "one session's worth of facts")]
    fn planned(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        version: &Version,
        date: NaiveDate,
        kind: SessionKind,
        created_at: DateTime<Utc>,
        rebooking_of: Option<Uuid>,
    ) {
        let id = self.session(
            trust,
            lineage,
            version,
            SessionRow {
                date,
                kind,
                status: "planned",
                created_at,
                cancelled_at: None,
                rebooking_of,
            },
        );
        let due = lineage.settings.agenda_deadline(date);
        if lineage.settings.agenda_required && due <= self.today {
            // Some supervisees are still drafting theirs, which the agenda reminder will find.
            let submitted = self
                .rng
                .chance(60)
                .then(|| london(plus(due, -1), hm(16, 0)).min(self.now));
            self.agenda(trust, lineage, id, submitted);
        }
    }

    fn agenda(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        session: Uuid,
        submitted_at: Option<DateTime<Utc>>,
    ) {
        let at = submitted_at.unwrap_or(self.now);
        self.rows.agendas.push(e::agenda::ActiveModel {
            id: Set(self.ids.next()),
            trust_id: Set(trust),
            academy_id: Set(lineage.academy),
            session_id: Set(session),
            submitted_by: Set(lineage.supervisee),
            items: Set(json!([{ "title": "Case updates" }, { "title": "Actions from last time" }])),
            submitted_at: Set(submitted_at),
            row_version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }

    /// A session that took place, its agenda, its record (sent and signed, mostly) and actions.
    #[allow(clippy::too_many_arguments, reason = "one session's worth of facts")]
    fn held(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        version: &Version,
        date: NaiveDate,
        kind: SessionKind,
        created_at: DateTime<Utc>,
        rebooking_of: Option<Uuid>,
    ) {
        let session = self.session(
            trust,
            lineage,
            version,
            SessionRow {
                date,
                kind,
                status: "held",
                created_at,
                cancelled_at: None,
                rebooking_of,
            },
        );
        let starts_at = london(date, lineage.time);
        if lineage.settings.agenda_required {
            let days_before = if self.rng.chance(4) {
                self.rng.days(2, 5)
            } else {
                self.rng.days(7, 10)
            };
            self.agenda(
                trust,
                lineage,
                session,
                Some(starts_at - TimeDelta::days(days_before)),
            );
        }
        let age = (self.today - date).num_days();
        // One old record in a hundred was never written.
        if age > 20 && self.rng.chance(1) {
            return;
        }
        let record = self.ids.next();
        let draft = age < 3;
        let sent_on = plus(date, self.rng.days(1, (age - 1).clamp(1, 10)));
        let sent_at = london(sent_on, hm(16, 30));
        let signed_on = plus(sent_on, self.rng.days(1, 6));
        let left_unsigned = self.rng.chance(1);
        let signing_late = age < 21 && self.rng.chance(25);
        let supervisee_signs = !(draft || signed_on >= self.today || left_unsigned || signing_late);
        let signed_at = london(signed_on, hm(12, 10));
        let record_created = (starts_at + TimeDelta::hours(5)).min(self.now);
        let status = if draft {
            "draft"
        } else if supervisee_signs {
            "signed"
        } else {
            "sent"
        };
        let frozen_at = supervisee_signs.then_some(signed_at);
        self.rows.records.push(e::supervision_record::ActiveModel {
            id: Set(record),
            trust_id: Set(trust),
            academy_id: Set(lineage.academy),
            session_id: Set(session),
            author_id: Set(lineage.supervisor),
            status: Set(status.to_owned()),
            content: Set(self.record_content.clone()),
            content_hash: Set((!draft).then(|| self.record_hash.clone())),
            sent_at: Set((!draft).then_some(sent_at)),
            sent_on: Set(None),
            paper_original: Set(None),
            frozen_at: Set(frozen_at),
            next_session_on: Set(None),
            row_version: Set(1),
            created_at: Set(record_created),
            updated_at: Set(frozen_at
                .or((!draft).then_some(sent_at))
                .unwrap_or(record_created)),
        });
        self.counts.records += 1;
        if draft {
            return;
        }
        let mut signers = vec![(lineage.supervisor, sent_at)];
        if supervisee_signs {
            signers.push((lineage.supervisee, signed_at));
        }
        for (person, at) in signers {
            self.rows
                .record_signatures
                .push(e::record_signature::ActiveModel {
                    id: Set(self.ids.next()),
                    trust_id: Set(trust),
                    academy_id: Set(lineage.academy),
                    record_id: Set(record),
                    person_id: Set(person),
                    outcome: Set("signed".to_owned()),
                    disagreement: Set(None),
                    signed_at: Set(at),
                    signed_on: Set(None),
                    medium: Set("electronic".into()),
                    entered_by_id: Set(None),
                    content_hash: Set(self.record_hash.clone()),
                });
        }
        for _ in 0..1 + self.rng.below(2) {
            self.action(trust, lineage, session, record, date, sent_at);
        }
    }

    /// An action agreed in a record: open until due, then done, except a few left overdue.
    fn action(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        session: Uuid,
        record: Uuid,
        date: NaiveDate,
        sent_at: DateTime<Utc>,
    ) {
        let owner = if self.rng.chance(75) {
            lineage.supervisee
        } else {
            lineage.supervisor
        };
        let due_on = plus(date, self.rng.days(14, 42));
        let (status, completed_on) = if due_on >= self.today || self.rng.chance(3) {
            ("open", None)
        } else {
            let done = plus(due_on, -self.rng.days(0, 10)).min(plus(self.today, -1));
            ("done", Some(done))
        };
        let created_at = sent_at.min(self.now);
        self.rows.actions.push(e::supervision_action::ActiveModel {
            id: Set(self.ids.next()),
            trust_id: Set(trust),
            academy_id: Set(lineage.academy),
            session_id: Set(session),
            record_id: Set(Some(record)),
            case_note_id: Set(None),
            description: Set(
                "Update the child's chronology and share it with the social worker".to_owned(),
            ),
            owner_id: Set(owner),
            due_on: Set(due_on),
            status: Set(status.to_owned()),
            completed_on: Set(completed_on),
            completed_at: Set(None),
            carried_from_id: Set(None),
            row_version: Set(1),
            created_at: Set(created_at),
            updated_at: Set(completed_on.map_or(created_at, |day| london(day, hm(17, 0)))),
        });
        self.counts.actions += 1;
    }

    /// A QA review: completed by the director within the month, except the newest (half of those
    /// still open) and one in fifty left overdue.
    fn qa_review(
        &mut self,
        trust: Uuid,
        lineage: &Lineage,
        lineage_id: Uuid,
        agreement: Uuid,
        due_on: NaiveDate,
    ) {
        let age = (self.today - due_on).num_days();
        let overdue_after = i64::from(lineage.settings.qa_overdue_days);
        let complete =
            age >= 1 && !self.rng.chance(2) && (age > overdue_after || self.rng.chance(50));
        let completed_at = complete.then(|| {
            let day = plus(due_on, self.rng.days(0, (age - 1).min(20)));
            london(day, hm(15, 0))
        });
        let created_at = london(due_on, hm(6, 0)).min(self.now);
        self.rows.qa_reviews.push(e::qa_review::ActiveModel {
            id: Set(self.ids.next()),
            trust_id: Set(trust),
            academy_id: Set(lineage.academy),
            agreement_lineage_id: Set(lineage_id),
            agreement_id: Set(agreement),
            reviewer_id: Set(Some(self.director)),
            due_on: Set(due_on),
            completed_at: Set(completed_at),
            completed_on: Set(None),
            sessions_planned: Set(complete.then_some(2)),
            sessions_held: Set(complete.then_some(2)),
            contract_agreed: Set(complete.then_some(true)),
            written_records: Set(complete.then_some(true)),
            checklist: Set(json!({})),
            comments: Set(complete.then(|| "Supervision is regular and well recorded.".to_owned())),
            key_actions: Set(None),
            row_version: Set(1),
            created_at: Set(created_at),
            updated_at: Set(completed_at.unwrap_or(created_at)),
        });
        self.counts.qa_reviews += 1;
    }
}

/// A session to write.
struct SessionRow {
    date: NaiveDate,
    kind: SessionKind,
    status: &'static str,
    created_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    rebooking_of: Option<Uuid>,
}
