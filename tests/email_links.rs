//! The pages Haven's emails link to: each subject's page shows its staff names, dates and status
//! to whoever the API lets see the subject, never its content or a case reference; everyone else
//! gets the same "not found" page as for a missing subject, and anyone not signed in is sent to
//! sign in.

use haven_domain::Subject;
use haven_domain::notification::page_path;
use haven_entity as e;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::escalations::holder;
use crate::harness::{Browser, Tenants, TestApp, backends, browser_a, browser_b, call};
use crate::qa::{add_director, generate_a};

/// A case reference written into the fixture's record, an action and an escalation: no page
/// may show it.
const CASE: &str = "4471";

/// Words of the content written through the API, which no page may show either.
const CONTENT: [&str; 3] = [
    "plan agreed",
    "strategy meeting",
    "threshold for a referral",
];

/// One page an email links to, who may see it and what it must show them.
struct Link {
    path: String,
    viewer: Uuid,
    shows: Vec<&'static str>,
}

struct World {
    app: TestApp,
    tenants: Tenants,
    links: Vec<Link>,
}

async fn created(app: &TestApp, browser: &Browser, path: &str, body: Value) -> Value {
    let (status, body) = call(app, Method::POST, path, browser, Some(body)).await;
    assert_eq!(status, 201, "{path}: {body}");
    body
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_owned()
}

/// Trust A with one subject of each kind about `session_a1` (supervisor Rhys Regional,
/// supervisee Dev Brook), its content carrying a case reference.
async fn world(app: TestApp) -> World {
    let db = &app.test_db.db;
    let tenants = Tenants::create(db).await;
    let governor = holder(
        &app,
        &tenants,
        "Gail Governor",
        "safeguarding_governor",
        Some(tenants.academy_a1),
    )
    .await;
    let director = add_director(db, &tenants).await;
    let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;
    let supervisee = browser_a(&app, &tenants, tenants.dsl_a1).await;

    let action = created(
        &app,
        &supervisor,
        &format!("/api/v1/sessions/{}/actions", tenants.session_a1),
        json!({
            "description": format!("Case {CASE}: chase the strategy meeting minutes"),
            "owner_id": tenants.dsl_a1,
            "due_on": "2026-02-20",
            "record_id": tenants.record_a1,
        }),
    )
    .await;
    let training = created(
        &app,
        &supervisee,
        &format!("/api/v1/people/{}/training", tenants.dsl_a1),
        json!({ "course": "DSL refresher", "kind": "dsl", "completed_on": "2025-06-01" }),
    )
    .await;
    let escalation = created(
        &app,
        &supervisee,
        "/api/v1/escalations",
        json!({
            "record_id": tenants.record_a1,
            "escalated_to": "safeguarding_governor",
            "assignee_id": governor,
            "reason": format!("Case {CASE}: we disagree on the threshold for a referral"),
        }),
    )
    .await;
    let agreement = e::supervision_session::Entity::find_by_id(tenants.session_a1)
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .agreement_id;
    let review = generate_a(db, &tenants)
        .await
        .into_iter()
        .find(|review| review.academy_id == tenants.academy_a1)
        .expect("a review of academy A1 is due")
        .id;

    let links = vec![
        Link {
            path: page_path(Subject::Session(tenants.session_a1)),
            viewer: tenants.dsl_a1,
            shows: vec![
                "Supervision session",
                "Rhys Regional",
                "Dev Brook",
                "1 December 2025",
                "held",
                "signed",
            ],
        },
        Link {
            path: page_path(Subject::Record(tenants.record_a1)),
            viewer: tenants.dsl_a1,
            shows: vec![
                "Supervision record",
                "Rhys Regional",
                "Dev Brook",
                "1 December 2025",
                "signed",
            ],
        },
        Link {
            path: page_path(Subject::Supervisee(tenants.dsl_a1)),
            viewer: tenants.dsl_a1,
            shows: vec!["Supervision of Dev Brook", "with Rhys Regional"],
        },
        Link {
            path: format!("/actions/{}", id_of(&action)),
            viewer: tenants.dsl_a1,
            shows: vec!["Dev Brook", "20 February 2026", "open"],
        },
        Link {
            path: page_path(Subject::Agreement(agreement)),
            viewer: tenants.dsl_a1,
            shows: vec!["Rhys Regional", "Dev Brook", "8 September 2025", "active"],
        },
        Link {
            path: page_path(Subject::QaReview(review)),
            viewer: director,
            shows: vec!["Quality assurance review", "Dora Director"],
        },
        Link {
            path: format!("/training/{}", id_of(&training)),
            viewer: tenants.dsl_a1,
            shows: vec!["Training of Dev Brook", "1 June 2025", "1 June 2027"],
        },
        Link {
            path: format!("/escalations/{}", id_of(&escalation)),
            viewer: tenants.dsl_a1,
            shows: vec!["Dev Brook", "Gail Governor", "safeguarding governor"],
        },
    ];
    World {
        app,
        tenants,
        links,
    }
}

async fn page(app: &TestApp, browser: Option<&Browser>, path: &str) -> reqwest::Response {
    app.request(Method::GET, path, browser)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_who_may_see_the_subject_gets_its_page_with_staff_names_and_dates_never_its_content()
 {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        for link in &w.links {
            let viewer = browser_a(&w.app, &w.tenants, link.viewer).await;
            let answer = page(&w.app, Some(&viewer), &link.path).await;
            assert_eq!(answer.status(), 200, "{backend:?} {}", link.path);
            assert!(
                answer.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
            let html = answer.text().await.unwrap();
            for shown in &link.shows {
                assert!(
                    html.contains(shown),
                    "{backend:?} {} lacks {shown:?}: {html}",
                    link.path
                );
            }
            assert!(
                html.contains("<dl"),
                "{}: facts are a definition list",
                link.path
            );
            assert!(
                html.contains("href=\"/api/v1/"),
                "{}: links its JSON",
                link.path
            );
            for hidden in std::iter::once(CASE).chain(CONTENT) {
                assert!(
                    !html.contains(hidden),
                    "{backend:?} {} shows {hidden:?}",
                    link.path
                );
            }
        }
        w.app.stop().await;
    }
}

#[tokio::test]
async fn another_trust_and_another_academys_dsl_get_the_same_not_found_page_as_a_missing_subject() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let other_trust = browser_b(&w.app, &w.tenants, w.tenants.dsl_b1).await;
        let other_academy = browser_a(&w.app, &w.tenants, w.tenants.dsl_a2).await;
        let missing = page(
            &w.app,
            Some(&other_academy),
            &format!("/sessions/{}", Uuid::now_v7()),
        )
        .await;
        assert_eq!(missing.status(), 404);
        let missing = missing.text().await.unwrap();
        assert!(missing.contains("Page not found"));
        for link in &w.links {
            for (who, browser) in [
                ("another trust", &other_trust),
                ("another academy", &other_academy),
            ] {
                let answer = page(&w.app, Some(browser), &link.path).await;
                assert_eq!(answer.status(), 404, "{backend:?} {who} {}", link.path);
                assert_eq!(
                    answer.text().await.unwrap(),
                    missing,
                    "{backend:?} {who} {}",
                    link.path
                );
            }
        }
        w.app.stop().await;
    }
}

#[tokio::test]
async fn anyone_not_signed_in_is_sent_to_sign_in_and_an_api_token_gets_no_page() {
    for backend in backends() {
        let w = world(TestApp::spawn(backend).await).await;
        let lead = browser_a(&w.app, &w.tenants, w.tenants.lead_a).await;
        let (status, token) = call(
            &w.app,
            Method::POST,
            "/api/v1/tokens",
            &lead,
            Some(json!({ "name": "Power BI", "capabilities": ["read_figures"] })),
        )
        .await;
        assert_eq!(status, 201, "{token}");
        let token = token["token"].as_str().unwrap();
        for link in &w.links {
            let anonymous = page(&w.app, None, &link.path).await;
            assert_eq!(anonymous.status(), 303, "{backend:?} {}", link.path);
            // Sent to sign in, to come back here afterwards.
            let location = reqwest::Url::parse("http://haven.test")
                .unwrap()
                .join(anonymous.headers()["location"].to_str().unwrap())
                .unwrap();
            assert_eq!(location.path(), "/sign-in");
            let next: Vec<(String, String)> = location.query_pairs().into_owned().collect();
            assert_eq!(next, vec![("next".to_owned(), link.path.clone())]);
            let bearer = w
                .app
                .request(Method::GET, &link.path, None)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(bearer.status(), 404, "{backend:?} {}", link.path);
        }
        w.app.stop().await;
    }
}

#[tokio::test]
async fn every_path_an_email_links_to_is_routed_to_a_page() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let any = Uuid::now_v7();
        let subjects = [
            Subject::Session(tenants.session_a1),
            Subject::Record(tenants.record_a1),
            Subject::Supervisee(tenants.dsl_a1),
            Subject::Action(any),
            Subject::Agreement(any),
            Subject::QaReview(any),
            Subject::Training(any),
        ];
        let paths = subjects
            .into_iter()
            .map(page_path)
            .chain([format!("/escalations/{any}")]);
        for path in paths {
            let anonymous = page(&app, None, &path).await;
            assert_eq!(anonymous.status(), 303, "{backend:?} {path} is not routed");
            let signed_in = page(&app, Some(&lead), &path).await;
            assert!(
                [200, 404].contains(&signed_in.status().as_u16()),
                "{backend:?} {path}"
            );
            let html = signed_in.text().await.unwrap();
            assert!(
                html.contains("<main id=\"main\">"),
                "{backend:?} {path} answers a Haven page, not the router's bare 404"
            );
        }
        let unknown = page(&app, None, &format!("/nowhere/{any}")).await;
        assert_eq!(unknown.status(), 404, "the router's own 404 for comparison");
        app.stop().await;
    }
}
