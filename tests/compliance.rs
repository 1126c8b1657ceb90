//! Compliance read models: each supervisee's status on a date with the reasons behind it, and
//! the dashboards' roll-ups by academy, region and trust, each reader seeing their own reach.
//!
//! The fixture's agreements are half-termly (the default, Esteem's minimum), active from
//! 8 September 2025; Dev (A1) was supervised on 1 December 2025, Dana (A2) never yet.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{
    Tenants, TestApp, TestClock, at, backends, browser_a, fields_of, get, lead_b, send,
    with_term_dates,
};

async fn read(app: &TestApp, browser: &crate::harness::Browser, path: &str) -> Value {
    let response = get(app, browser, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// The entry of `person` in a supervisees answer.
fn entry_of(answer: &Value, person: Uuid) -> Value {
    answer["supervisees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["person_id"] == json!(person))
        .cloned()
        .unwrap_or_else(|| panic!("no entry for {person} in {answer}"))
}

fn kinds(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["kind"].as_str().unwrap())
        .collect()
}

fn people(answer: &Value) -> Vec<Uuid> {
    answer["supervisees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| serde_json::from_value(entry["person_id"].clone()).unwrap())
        .collect()
}

#[tokio::test]
async fn a_supervisee_is_due_soon_before_the_half_term_ends_and_overdue_after_it_with_the_reason() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let on = |date: &str| format!("/api/v1/compliance/supervisees?as_of={date}");

        // Held in the autumn's second half term: the spring's first must have one by 13 Feb.
        let january = read(&app, &lead, &on("2026-01-12")).await;
        assert_eq!(january["as_of"], "2026-01-12", "{backend:?}");
        let dev = entry_of(&january, tenants.dsl_a1);
        assert_eq!(dev["level"], "on_track", "{dev}");
        assert_eq!(dev["reasons"], json!([]));
        assert_eq!(dev["academy_id"], json!(tenants.academy_a1));
        assert_eq!(dev["supervisor_id"], json!(tenants.rsl_a));
        assert_eq!(dev["name"], "Dev Brook");

        // Ten working days before the deadline the cell turns amber, and says when.
        let soon = entry_of(&read(&app, &lead, &on("2026-01-30")).await, tenants.dsl_a1);
        assert_eq!(soon["level"], "due_soon", "{soon}");
        assert_eq!(soon["reasons"][0]["kind"], "minimum_due_soon");
        assert_eq!(soon["reasons"][0]["due"], "2026-02-13");
        assert_eq!(soon["reasons"][0]["working_days_left"], 10);
        assert!(
            soon["reasons"][0]["text"]
                .as_str()
                .unwrap()
                .contains("2026-02-13")
        );
        let earlier = entry_of(&read(&app, &lead, &on("2026-01-29")).await, tenants.dsl_a1);
        assert_eq!(earlier["level"], "on_track", "eleven working days left");

        // The last day of the half term is still in time; the first day of the holiday is not.
        let last_day = entry_of(&read(&app, &lead, &on("2026-02-13")).await, tenants.dsl_a1);
        assert_eq!(last_day["level"], "due_soon");
        let holiday = entry_of(&read(&app, &lead, &on("2026-02-14")).await, tenants.dsl_a1);
        assert_eq!(holiday["level"], "overdue", "{holiday}");
        let reason = &holiday["reasons"][0];
        assert_eq!(reason["kind"], "minimum_breached");
        assert_eq!(reason["last_held"], "2025-12-01");
        assert_eq!(reason["due"], "2026-02-13");
        assert_eq!(
            reason["text"],
            "no session held since 2025-12-01; minimum half-termly was due 2026-02-13"
        );

        // Dana has had nothing since her agreement began: overdue since the first half term.
        let dana = entry_of(&january, tenants.dsl_a2);
        assert_eq!(dana["level"], "overdue", "{dana}");
        assert_eq!(dana["reasons"][0]["last_held"], Value::Null);
        assert_eq!(dana["reasons"][0]["since"], "2025-09-08");
        assert_eq!(dana["reasons"][0]["due"], "2025-10-24");
        assert_eq!(
            january["supervisees"][0]["person_id"],
            json!(tenants.dsl_a2)
        );

        let malformed = get(&app, &lead, &on("12/01/2026")).await;
        assert_eq!(fields_of(malformed).await, ["as_of"], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_status_reads_what_haven_knew_that_day_and_a_held_session_restarts_the_clock() {
    for backend in backends() {
        let clock = TestClock::starting_at(at(2026, 1, 12));
        let app = TestApp::spawn_with_clock(backend, clock.clone(), |_| {}).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;

        // Dana's planned session of 2 February, marked held that afternoon.
        let afternoon = at(2026, 2, 2) + chrono::Duration::hours(5);
        clock.set(afternoon);
        let scope = tenants.scope_a(&app.test_db.db, tenants.rsl_a).await;
        let supervisor = app.browser_at(&scope, afternoon).await;
        let held = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("/api/v1/sessions/{}/held", tenants.session_a2),
            Some(json!({})),
        )
        .await;
        assert_eq!(
            held.status(),
            200,
            "{backend:?} {}",
            held.text().await.unwrap()
        );

        let on = |date: &str| format!("/api/v1/compliance/supervisees?as_of={date}");
        let before = entry_of(
            &read(&app, &supervisor, &on("2026-02-01")).await,
            tenants.dsl_a2,
        );
        assert_eq!(
            before["level"], "overdue",
            "the day before, nothing was held"
        );
        let that_day = entry_of(
            &read(&app, &supervisor, &on("2026-02-02")).await,
            tenants.dsl_a2,
        );
        assert_eq!(that_day["level"], "on_track", "{that_day}");

        // Today is the clock's unless asked: held this half term, next due by 27 March.
        let today = read(&app, &supervisor, "/api/v1/compliance/supervisees").await;
        assert_eq!(today["as_of"], "2026-02-02");
        assert_eq!(entry_of(&today, tenants.dsl_a2)["level"], "on_track");
        let next = entry_of(
            &read(&app, &supervisor, &on("2026-03-28")).await,
            tenants.dsl_a2,
        );
        assert_eq!(next["reasons"][0]["due"], "2026-03-27", "{next}");
        assert_eq!(next["level"], "overdue");
        app.stop().await;
    }
}

#[tokio::test]
async fn flags_show_late_records_overdue_actions_past_review_expired_training_and_overdue_qa() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let supervisor = browser_a(&app, &tenants, tenants.rsl_a).await;

        let action = send(
            &app,
            &supervisor,
            Method::POST,
            &format!("/api/v1/sessions/{}/actions", tenants.session_a1),
            Some(json!({
                "description": "Chase the strategy meeting minutes",
                "owner_id": tenants.dsl_a1,
                "due_on": "2026-01-09",
                "record_id": tenants.record_a1,
            })),
        )
        .await;
        assert_eq!(action.status(), 201, "{backend:?}");
        let training = send(
            &app,
            &lead,
            Method::POST,
            &format!("/api/v1/people/{}/training", tenants.dsl_a1),
            Some(json!({ "course": "DSL refresher", "kind": "dsl", "completed_on": "2023-11-20" })),
        )
        .await;
        assert_eq!(training.status(), 201);
        let qa = send(
            &app,
            &lead,
            Method::POST,
            "/api/v1/qa-reviews/generate",
            Some(json!({ "as_of": "2026-01-12" })),
        )
        .await;
        assert_eq!(qa.status(), 200);

        let answer = read(
            &app,
            &lead,
            "/api/v1/compliance/supervisees?as_of=2026-01-12",
        )
        .await;
        let dev = entry_of(&answer, tenants.dsl_a1);
        assert_eq!(
            kinds(&dev["flags"]),
            [
                "records_not_sent",
                "actions_overdue",
                "training_expired",
                "qa_overdue"
            ],
            "{dev}"
        );
        assert_eq!(dev["flags"][0]["count"], 1);
        assert_eq!(dev["flags"][0]["days"], 14);
        assert_eq!(dev["flags"][2]["expired_on"], "2025-11-20");
        assert_eq!(dev["level"], "on_track", "flags sit beside the colour");

        // Before the action fell due, the training lapsed or the review was late, none showed.
        let earlier = read(
            &app,
            &lead,
            "/api/v1/compliance/supervisees?as_of=2025-11-15",
        )
        .await;
        assert_eq!(
            kinds(&entry_of(&earlier, tenants.dsl_a1)["flags"]),
            Vec::<&str>::new()
        );

        let review = read(
            &app,
            &lead,
            "/api/v1/compliance/supervisees?as_of=2026-09-09",
        )
        .await;
        let dev_in_september = entry_of(&review, tenants.dsl_a1);
        let flags = kinds(&dev_in_september["flags"]);
        assert!(flags.contains(&"agreement_past_review"), "{flags:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_academy_without_term_dates_says_so_instead_of_a_guessed_status() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let answer = read(
            &app,
            &lead,
            "/api/v1/compliance/supervisees?as_of=2026-01-12",
        )
        .await;
        let dana = entry_of(&answer, tenants.dsl_a2);
        assert_eq!(dana["level"], "on_track", "{backend:?}");
        assert_eq!(kinds(&dana["flags"]), ["term_dates_missing"]);
        assert!(
            dana["flags"][0]["text"]
                .as_str()
                .unwrap()
                .contains("term dates")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn dashboards_roll_statuses_up_by_academy_region_and_trust() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;

        let academies = read(&app, &lead, "/api/v1/compliance/academies?as_of=2026-01-12").await;
        let academies = academies["academies"].as_array().unwrap();
        assert_eq!(academies.len(), 2, "{backend:?}");
        assert_eq!(academies[0]["name"], "Brook Primary");
        assert_eq!(academies[0]["level"], "on_track");
        assert_eq!(academies[0]["supervisees"], 1);
        assert_eq!(academies[0]["on_track"], 1);
        assert_eq!(academies[0]["flags"]["records_not_sent"], 1);
        assert_eq!(academies[1]["name"], "Hill Primary");
        assert_eq!(academies[1]["level"], "overdue");
        assert_eq!(academies[1]["overdue"], 1);

        let regions = read(&app, &lead, "/api/v1/compliance/regions?as_of=2026-01-12").await;
        let north = &regions["regions"][0];
        assert_eq!(north["name"], "North");
        assert_eq!(north["academies"], 2);
        assert_eq!(north["supervisees"], 2);
        assert_eq!(north["level"], "overdue");
        assert_eq!(
            (north["on_track"].clone(), north["overdue"].clone()),
            (json!(1), json!(1))
        );

        let trust = read(&app, &lead, "/api/v1/compliance/trust?as_of=2026-01-12").await;
        assert_eq!(trust["trust"]["trust_id"], json!(tenants.trust_a));
        assert_eq!(trust["trust"]["academies"], 2);
        assert_eq!(trust["trust"]["supervisees"], 2);
        assert_eq!(trust["trust"]["overdue"], 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn each_reader_sees_compliance_only_within_their_reach() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let supervisees = "/api/v1/compliance/supervisees";

        let rsl = browser_a(&app, &tenants, tenants.rsl_a).await;
        let mut seen = people(&read(&app, &rsl, supervisees).await);
        seen.sort();
        let mut both = vec![tenants.dsl_a1, tenants.dsl_a2];
        both.sort();
        assert_eq!(seen, both, "{backend:?}");

        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        assert_eq!(
            people(&read(&app, &head, supervisees).await),
            [tenants.dsl_a1]
        );
        let dsl_a2 = browser_a(&app, &tenants, tenants.dsl_a2).await;
        assert_eq!(
            people(&read(&app, &dsl_a2, supervisees).await),
            [tenants.dsl_a2]
        );
        let filtered = format!("{supervisees}?academy_id={}", tenants.academy_a1);
        assert_eq!(
            people(&read(&app, &dsl_a2, &filtered).await),
            Vec::<Uuid>::new()
        );
        let academies = read(&app, &dsl_a2, "/api/v1/compliance/academies").await;
        assert_eq!(academies["academies"].as_array().unwrap().len(), 1);
        assert_eq!(
            academies["academies"][0]["academy_id"],
            json!(tenants.academy_a2)
        );
        let regions = read(&app, &dsl_a2, "/api/v1/compliance/regions").await;
        assert_eq!(
            regions["regions"],
            json!([]),
            "a DSL sees one academy, not the region"
        );
        for outside_the_trust_view in [&dsl_a2, &rsl, &head] {
            let trust = get(&app, outside_the_trust_view, "/api/v1/compliance/trust").await;
            assert_eq!(trust.status(), 403);
        }

        // Another trust's lead sees their own trust's people and none of these.
        let other = lead_b(&app, &tenants).await;
        let theirs = people(&read(&app, &other, supervisees).await);
        assert_eq!(theirs, [tenants.dsl_b1]);
        let asked = format!("{supervisees}?academy_id={}", tenants.academy_a1);
        assert_eq!(
            people(&read(&app, &other, &asked).await),
            Vec::<Uuid>::new()
        );
        let their_academies = read(&app, &other, "/api/v1/compliance/academies").await;
        assert_eq!(
            their_academies["academies"][0]["academy_id"],
            json!(tenants.academy_b1)
        );
        assert_eq!(their_academies["academies"].as_array().unwrap().len(), 1);
        let their_trust = read(&app, &other, "/api/v1/compliance/trust").await;
        assert_eq!(their_trust["trust"]["trust_id"], json!(tenants.trust_b));
        assert_eq!(their_trust["trust"]["supervisees"], 1);

        let anonymous = app.get(supervisees).await;
        assert_eq!(anonymous.status(), 401);
        app.stop().await;
    }
}
