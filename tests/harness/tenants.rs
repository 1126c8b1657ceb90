//! Two trusts, built through the store as any caller would: trust A has a region with two
//! academies, trust B one academy. Each academy has an agreement and a session, so every wall
//! (other trust, other academy, other role) has something behind it to leak.

use chrono::NaiveDate;
use haven_entity as e;
use haven_store::{Db, Origin, Scope, SystemActor, WriteTx};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::at;

pub struct Tenants {
    pub trust_a: Uuid,
    pub academy_a1: Uuid,
    pub academy_a2: Uuid,
    pub lead_a: Uuid,
    pub rsl_a: Uuid,
    pub head_a1: Uuid,
    pub dsl_a1: Uuid,
    pub dsl_a2: Uuid,
    pub session_a1: Uuid,
    pub session_a2: Uuid,
    /// The record of `session_a1`, held (supervisor `rsl_a`, supervisee `dsl_a1`).
    pub record_a1: Uuid,
    /// A trust-wide auditor of trust A: no role reaches record content, only a grant.
    pub auditor_a: Uuid,
    pub trust_b: Uuid,
    pub academy_b1: Uuid,
    /// Trust B's safeguarding lead, who reads every record of trust B and none of trust A.
    pub lead_b: Uuid,
    pub dsl_b1: Uuid,
    /// Held, with `record_b1`.
    pub session_b1: Uuid,
    pub record_b1: Uuid,
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 12).unwrap()
}

async fn academy(tx: &mut WriteTx<'_>, region: Option<Uuid>, name: &str, urn: &str) -> Uuid {
    tx.insert(e::academy::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tx.scope().trust_id()),
        region_id: Set(region),
        name: Set(name.into()),
        urn: Set(urn.into()),
        phase: Set("primary".into()),
        local_authority: Set("Telford and Wrekin".into()),
        created_at: Set(tx.now()),
    })
    .await
    .unwrap()
    .id
}

async fn person(
    tx: &mut WriteTx<'_>,
    name: &str,
    role: &str,
    scope: (&str, Option<Uuid>, Option<Uuid>),
) -> Uuid {
    let id = tx
        .insert(e::person::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(tx.scope().trust_id()),
            display_name: Set(name.into()),
            email: Set(format!(
                "{}@example.org",
                name.to_lowercase().replace(' ', ".")
            )),
            job_title: Set(None),
            optional_reminders: Set(true),
            notification_preference: Set("immediate".into()),
            oidc_subject: Set(None),
            active: Set(true),
            created_at: Set(tx.now()),
            updated_at: Set(tx.now()),
        })
        .await
        .unwrap()
        .id;
    tx.insert(e::role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(tx.scope().trust_id()),
        person_id: Set(id),
        role: Set(role.into()),
        scope_kind: Set(scope.0.into()),
        region_id: Set(scope.1),
        academy_id: Set(scope.2),
        starts_on: Set(NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()),
        ends_on: Set(None),
        created_at: Set(tx.now()),
    })
    .await
    .unwrap();
    id
}

/// An active one-to-one agreement and one session under it: planned, or `held` in December.
async fn supervision(
    tx: &mut WriteTx<'_>,
    academy_id: Uuid,
    supervisor: Uuid,
    supervisee: Uuid,
    held: bool,
) -> Uuid {
    let trust_id = tx.scope().trust_id();
    let agreement_id = Uuid::now_v7();
    tx.insert(e::agreement::ActiveModel {
        id: Set(agreement_id),
        trust_id: Set(trust_id),
        academy_id: Set(academy_id),
        lineage_id: Set(agreement_id),
        version: Set(1),
        previous_version_id: Set(None),
        kind: Set("one_to_one".into()),
        supervisor_id: Set(supervisor),
        status: Set("active".into()),
        plan_cadence: Set("half_termly".into()),
        plan_weeks: Set(None),
        extended_each_half_term: Set(false),
        minimum: Set("half_termly".into()),
        session_minutes: Set(60),
        max_cases_per_session: Set(Some(3)),
        agenda_required: Set(true),
        standard_agenda: Set("Cases, actions, wellbeing".into()),
        records_location: Set("Haven".into()),
        confidentiality_terms: Set("As the trust policy".into()),
        diversity_terms: Set("As the trust policy".into()),
        activated_on: Set(Some(NaiveDate::from_ymd_opt(2025, 9, 8).unwrap())),
        review_due_on: Set(Some(NaiveDate::from_ymd_opt(2026, 9, 8).unwrap())),
        ended_on: Set(None),
        content_hash: Set(None),
        row_version: Set(1),
        created_at: Set(tx.now()),
        updated_at: Set(tx.now()),
    })
    .await
    .unwrap();
    tx.insert(e::agreement_supervisee::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust_id),
        academy_id: Set(academy_id),
        agreement_id: Set(agreement_id),
        person_id: Set(supervisee),
    })
    .await
    .unwrap();
    tx.insert(e::supervision_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust_id),
        academy_id: Set(academy_id),
        agreement_id: Set(agreement_id),
        kind: Set("formal".into()),
        mode: Set("in_person".into()),
        status: Set(if held { "held" } else { "planned" }.into()),
        starts_at: Set(if held {
            at(2025, 12, 1)
        } else {
            at(2026, 2, 2)
        }),
        duration_minutes: Set(60),
        location: Set(None),
        held_marked_at: Set(held.then(|| at(2025, 12, 1))),
        held_on: Set(None),
        cancelled_at: Set(None),
        cancelled_on: Set(None),
        cancelled_by: Set(None),
        cancel_reason: Set(None),
        rebooking_of_id: Set(None),
        rebooked_late: Set(false),
        note: Set(None),
        ical_sequence: Set(0),
        row_version: Set(1),
        created_at: Set(tx.now()),
        updated_at: Set(tx.now()),
    })
    .await
    .unwrap()
    .id
}

/// The written record of a held session, by its supervisor.
async fn record(tx: &mut WriteTx<'_>, session: Uuid, author: Uuid) -> Uuid {
    let session = tx
        .find::<e::supervision_session::Entity>(session)
        .await
        .unwrap();
    tx.insert(e::supervision_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(session.trust_id),
        academy_id: Set(session.academy_id),
        session_id: Set(session.id),
        author_id: Set(author),
        status: Set("signed".into()),
        content: Set(serde_json::json!({ "reflection": "Case 4471: plan agreed" })),
        content_hash: Set(None),
        sent_at: Set(None),
        sent_on: Set(None),
        paper_original: Set(None),
        frozen_at: Set(None),
        next_session_on: Set(None),
        row_version: Set(1),
        created_at: Set(tx.now()),
        updated_at: Set(tx.now()),
    })
    .await
    .unwrap()
    .id
}

impl Tenants {
    pub async fn create(db: &Db) -> Self {
        let now = at(2026, 1, 5);
        let suffix = Uuid::now_v7().simple().to_string();
        let (trust_a, system_a) = haven_store::trust::create(
            db,
            "Riverside Learning Trust",
            &format!("riverside-{suffix}"),
            SystemActor::Seed,
            Origin::Cli,
            now,
        )
        .await
        .unwrap();
        let mut tx = db.write(&system_a, now).await.unwrap();
        let region_a = tx
            .insert(e::region::ActiveModel {
                id: Set(Uuid::now_v7()),
                trust_id: Set(trust_a.id),
                name: Set("North".into()),
                created_at: Set(now),
            })
            .await
            .unwrap()
            .id;
        let academy_a1 = academy(&mut tx, Some(region_a), "Brook Primary", "100001").await;
        let academy_a2 = academy(&mut tx, Some(region_a), "Hill Primary", "100002").await;
        let lead_a = person(
            &mut tx,
            "Lena Lead",
            "trust_safeguarding_lead",
            ("trust", None, None),
        )
        .await;
        let rsl_a = person(
            &mut tx,
            "Rhys Regional",
            "regional_safeguarding_lead",
            ("region", Some(region_a), None),
        )
        .await;
        let head_a1 = person(
            &mut tx,
            "Hana Head",
            "headteacher",
            ("academy", None, Some(academy_a1)),
        )
        .await;
        let dsl_a1 = person(
            &mut tx,
            "Dev Brook",
            "dsl",
            ("academy", None, Some(academy_a1)),
        )
        .await;
        let dsl_a2 = person(
            &mut tx,
            "Dana Hill",
            "dsl",
            ("academy", None, Some(academy_a2)),
        )
        .await;
        let session_a1 = supervision(&mut tx, academy_a1, rsl_a, dsl_a1, true).await;
        let session_a2 = supervision(&mut tx, academy_a2, rsl_a, dsl_a2, false).await;
        let record_a1 = record(&mut tx, session_a1, rsl_a).await;
        let auditor_a = person(&mut tx, "Ali Auditor", "auditor", ("trust", None, None)).await;
        tx.commit().await.unwrap();

        let (trust_b, system_b) = haven_store::trust::create(
            db,
            "Moorland Academies",
            &format!("moorland-{suffix}"),
            SystemActor::Seed,
            Origin::Cli,
            now,
        )
        .await
        .unwrap();
        let mut tx = db.write(&system_b, now).await.unwrap();
        let academy_b1 = academy(&mut tx, None, "Moor Primary", "200001").await;
        let lead_b = person(
            &mut tx,
            "Lars Lead",
            "trust_safeguarding_lead",
            ("trust", None, None),
        )
        .await;
        let dsl_b1 = person(
            &mut tx,
            "Dee Moor",
            "dsl",
            ("academy", None, Some(academy_b1)),
        )
        .await;
        let session_b1 = supervision(&mut tx, academy_b1, lead_b, dsl_b1, true).await;
        let record_b1 = record(&mut tx, session_b1, lead_b).await;
        tx.commit().await.unwrap();

        Self {
            trust_a: trust_a.id,

            academy_a1,
            academy_a2,
            lead_a,
            rsl_a,
            head_a1,
            dsl_a1,
            dsl_a2,
            session_a1,
            session_a2,
            record_a1,
            auditor_a,
            trust_b: trust_b.id,
            academy_b1,
            lead_b,
            dsl_b1,
            session_b1,
            record_b1,
        }
    }

    /// The scope a person of trust A has on the fixture's date.
    pub async fn scope_a(&self, db: &Db, person: Uuid) -> Scope {
        Scope::for_person(db, self.trust_a, person, Origin::Cli, today())
            .await
            .unwrap()
    }

    /// The scope a person of trust B has on the fixture's date.
    pub async fn scope_b(&self, db: &Db, person: Uuid) -> Scope {
        Scope::for_person(db, self.trust_b, person, Origin::Cli, today())
            .await
            .unwrap()
    }
}
