//! The isolation matrix: every endpoint of the OpenAPI document (so it grows with the API by
//! itself), tried against trust A's academy A1 as every persona that must not see its records:
//! anonymous, a person of another trust, a person of another academy of the same trust, a
//! headteacher (figures only) and an auditor whose grant has expired.

use chrono::Duration;
use haven_domain::capability::Capability;
use haven_entity as e;
use haven_store::grant::{GrantTarget, NewGrant};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::harness::{Tenants, TestApp, backends, now};

/// What each path parameter names in trust A, by the collection it follows.
struct Targets {
    record: Uuid,
    session: Uuid,
    grant: Uuid,
    token: Uuid,
    academy: Uuid,
    person: Uuid,
    role: Uuid,
    agreement: Uuid,
    case_note: Uuid,
    action: Uuid,
    escalation: Uuid,
    qa_review: Uuid,
}

impl Targets {
    fn id_after(&self, collection: &str) -> Uuid {
        match collection {
            "records" => self.record,
            "sessions" => self.session,
            "grants" => self.grant,
            "tokens" => self.token,
            "academies" => self.academy,
            "people" => self.person,
            "roles" => self.role,
            "agreements" => self.agreement,
            "qa-reviews" => self.qa_review,
            "case-notes" => self.case_note,
            "actions" => self.action,
            "escalations" => self.escalation,
            other => panic!(
                "the isolation matrix does not know what an id after `{other}` names: \
                 add it to Targets"
            ),
        }
    }

    /// The path with every `{param}` replaced by trust A's object of that collection.
    fn concrete(&self, template: &str) -> String {
        let mut previous = "";
        template
            .split('/')
            .map(|segment| {
                // A year, not an id: any academic year of academy A1 will do.
                let part = if segment == "{academic_year}" {
                    "2025".to_owned()
                } else if segment.starts_with('{') {
                    self.id_after(previous).to_string()
                } else {
                    segment.to_owned()
                };
                previous = segment;
                part
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The endpoints the API documents: (method, path template).
async fn endpoints(app: &TestApp) -> Vec<(Method, String)> {
    let document: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut all = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            all.push((
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                path.clone(),
            ));
        }
    }
    all.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
    all
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Persona {
    Anonymous,
    OtherTrust,
    OtherAcademy,
    Headteacher,
    ExpiredGrant,
}

const PERSONAS: [Persona; 5] = [
    Persona::Anonymous,
    Persona::OtherTrust,
    Persona::OtherAcademy,
    Persona::Headteacher,
    Persona::ExpiredGrant,
];

/// Text of trust A's record that no persona here may ever receive.
const CONTENT: &str = "Case 4471";

/// Text of a case note of academy A1, as secret as the record.
const CASE_NOTE_CONTENT: &str = "Strategy meeting 5502";

/// A case note on `session_a1`, written straight to the store (its record is already signed,
/// so the API would refuse a new one).
async fn case_note_a1(db: &haven_store::Db, tenants: &Tenants) -> Uuid {
    use sea_orm::ActiveValue::Set;
    let system = crate::harness::system_scope(
        tenants.trust_a,
        haven_store::SystemActor::Seed,
        haven_store::Origin::Cli,
    );
    let mut tx = db.write(&system, now()).await.unwrap();
    let note = tx
        .insert(e::case_note::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(tenants.trust_a),
            academy_id: Set(tenants.academy_a1),
            session_id: Set(tenants.session_a1),
            case_reference: Set("CP-5502".into()),
            child_initials: Set("JS".into()),
            child_name_encrypted: Set(None),
            case_status: Set("cp_plan".into()),
            update_text: Set(CASE_NOTE_CONTENT.into()),
            childs_view: Set(CASE_NOTE_CONTENT.into()),
            parents_views: Set(CASE_NOTE_CONTENT.into()),
            visiting_pattern: Set("Weekly".into()),
            logs_up_to_date: Set(true),
            chronology_up_to_date: Set(false),
            risk_factors: Set(CASE_NOTE_CONTENT.into()),
            protective_factors: Set(CASE_NOTE_CONTENT.into()),
            outstanding_actions: Set(CASE_NOTE_CONTENT.into()),
            created_by: Set(tenants.dsl_a1),
            row_version: Set(1),
            created_at: Set(now()),
            updated_at: Set(now()),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    note.id
}

/// An action of `session_a1` and an escalation of `record_a1`, both of academy A1, made through
/// the store by the session's parties.
async fn action_and_escalation_a1(db: &haven_store::Db, tenants: &Tenants) -> (Uuid, Uuid) {
    let supervisor = tenants.scope_a(db, tenants.rsl_a).await;
    let mut tx = db.write(&supervisor, now()).await.unwrap();
    let action = haven_store::action::create(
        &mut tx,
        tenants.session_a1,
        haven_store::action::NewAction {
            description: "Chase the minutes".into(),
            owner_id: tenants.dsl_a1,
            due_on: chrono::NaiveDate::from_ymd_opt(2025, 12, 15).unwrap(),
            record_id: Some(tenants.record_a1),
            case_note_id: None,
        },
    )
    .await
    .unwrap();
    let escalation = haven_store::escalation::raise(
        &mut tx,
        haven_store::escalation::NewEscalation {
            subject: haven_store::escalation::Subject::Record(tenants.record_a1),
            escalated_to: haven_store::escalation::EscalatedTo::DirectorOfEducation,
            assignee_id: None,
            reason: "Threshold disputed".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (action.id, escalation.id)
}

#[tokio::test]
async fn no_endpoint_gives_any_outsider_a_record_or_another_tenants_data() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = &app.test_db.db;
        let tenants = Tenants::create(db).await;
        let lead = tenants.scope_a(db, tenants.lead_a).await;
        let mut tx = db.write(&lead, now() - Duration::days(10)).await.unwrap();
        let expired = haven_store::grant::create(
            &mut tx,
            NewGrant {
                grantee_id: tenants.auditor_a,
                reason: "case review, now over",
                target: GrantTarget::Records(vec![tenants.record_a1]),
                starts_at: now() - Duration::days(10),
                ends_at: now() - Duration::days(1),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.write(&lead, now()).await.unwrap();
        let (token, _) = haven_store::api_token::create(
            &mut tx,
            "trust reporting",
            &[Capability::ReadFigures],
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let role = e::role_assignment::Entity::find()
            .filter(e::role_assignment::Column::PersonId.eq(tenants.dsl_a1))
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap()
            .id;
        let mut tx = db.write(&lead, now()).await.unwrap();
        let agreement = haven_store::agreement::draft(
            &mut tx,
            haven_store::agreement::NewAgreement {
                academy_id: tenants.academy_a1,
                kind: haven_store::agreement::Kind::OneToOne,
                supervisor_id: tenants.rsl_a,
                supervisee_ids: vec![tenants.dsl_a1],
                terms: haven_store::agreement::TermsInput {
                    plan_cadence: "half_termly".into(),
                    plan_weeks: None,
                    extended_each_half_term: false,
                    minimum: None,
                    session_minutes: Some(60),
                    max_cases_per_session: Some(3),
                    agenda_required: Some(true),
                    standard_agenda: "Cases, actions, wellbeing".into(),
                    records_location: "Haven".into(),
                    confidentiality_terms: "As the trust policy".into(),
                    diversity_terms: "As the trust policy".into(),
                },
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let case_note = case_note_a1(db, &tenants).await;
        let (action, escalation) = action_and_escalation_a1(db, &tenants).await;
        crate::qa::add_director(db, &tenants).await;
        let qa_review = crate::qa::generate_a(db, &tenants)
            .await
            .into_iter()
            .find(|r| r.academy_id == tenants.academy_a1)
            .unwrap()
            .id;
        let targets = Targets {
            record: tenants.record_a1,
            session: tenants.session_a1,
            grant: expired.id,
            token: token.id,
            academy: tenants.academy_a1,
            person: tenants.dsl_a1,
            role,
            agreement: agreement.id,
            case_note,
            action,
            escalation,
            qa_review,
        };
        // Ids that name trust A's academy A1: nobody outside it may be told of them.
        let a1_ids: Vec<String> = [
            tenants.record_a1,
            tenants.session_a1,
            tenants.academy_a1,
            tenants.dsl_a1,
            agreement.id,
            case_note,
            action,
            escalation,
            qa_review,
        ]
        .iter()
        .map(Uuid::to_string)
        .collect();

        let endpoints = endpoints(&app).await;
        assert!(
            endpoints.len() >= 10,
            "the document lists {} endpoints",
            endpoints.len()
        );
        let mut checked = 0;
        for (method, template) in &endpoints {
            let path = targets.concrete(template);
            for persona in PERSONAS {
                let scope = match persona {
                    Persona::Anonymous => None,
                    Persona::OtherTrust => Some(tenants.scope_b(db, tenants.dsl_b1).await),
                    Persona::OtherAcademy => Some(tenants.scope_a(db, tenants.dsl_a2).await),
                    Persona::Headteacher => Some(tenants.scope_a(db, tenants.head_a1).await),
                    Persona::ExpiredGrant => Some(tenants.scope_a(db, tenants.auditor_a).await),
                };
                let browser = match &scope {
                    Some(scope) => Some(app.browser(scope, Duration::minutes(1)).await),
                    None => None,
                };
                let mut request = app.request(method.clone(), &path, browser.as_ref());
                if let Some(browser) = &browser {
                    // The token is sent, so what stops a request is the wall, not CSRF.
                    request = request.header("x-csrf-token", &browser.csrf_token);
                }
                if *method != Method::GET && *method != Method::DELETE {
                    request = request.json(&serde_json::json!({}));
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                let body = response.text().await.unwrap();
                let case = format!("{backend:?} {persona:?} {method} {path} → {status}: {body}");
                assert!(!status.is_server_error(), "{case}");
                assert!(!body.contains(CONTENT), "record content leaked: {case}");
                assert!(
                    !body.contains(CASE_NOTE_CONTENT),
                    "case-note text leaked: {case}"
                );
                if persona == Persona::Anonymous {
                    assert_eq!(status, 401, "{case}");
                }
                if matches!(persona, Persona::OtherTrust | Persona::OtherAcademy) {
                    for id in &a1_ids {
                        assert!(
                            !body.contains(id.as_str()),
                            "an id of academy A1 leaked: {case}"
                        );
                    }
                }
                // Nobody here may change anything of trust A; ending one's own session is theirs.
                if *method != Method::GET && template != "/api/v1/session" {
                    assert!(!status.is_success(), "a write went through: {case}");
                }
                checked += 1;
            }
        }
        eprintln!(
            "isolation matrix ({backend:?}): {} endpoints × {} personas = {checked} requests",
            endpoints.len(),
            PERSONAS.len()
        );
        app.stop().await;
    }
}
