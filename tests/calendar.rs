//! An academy's term dates: six half terms a year, set a year at a time by a trust lead or the
//! academy's headteacher, refused (and nothing written) when they cannot be read as that.

use haven_domain::TermCalendar;
use haven_store::{Origin, StoreError, SystemActor};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Tenants, TestApp, backends};
use crate::harness::{browser_a, browser_b, get, lead_b, refusals, send};

/// A realistic year's six half terms, as the API takes them.
fn year(academic_year: i32) -> Vec<Value> {
    TermCalendar::england_typical(academic_year, academic_year)
        .unwrap()
        .half_terms()
        .map(|ht| json!({ "number": ht.number, "starts_on": ht.starts_on, "ends_on": ht.ends_on }))
        .collect()
}

#[tokio::test]
async fn the_headteacher_or_a_trust_lead_sets_a_year_and_whoever_sees_the_academy_reads_it() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let db = &app.test_db.db;
        let tenants = Tenants::create(db).await;
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let dsl = browser_a(&app, &tenants, tenants.dsl_a1).await;
        let base = format!("/api/v1/academies/{}/term-dates", tenants.academy_a1);

        let set = send(
            &app,
            &head,
            Method::PUT,
            &format!("{base}/2025"),
            Some(json!({ "half_terms": year(2025) })),
        )
        .await;
        assert_eq!(set.status(), 200, "{backend:?}");
        let set: Value = set.json().await.unwrap();
        assert_eq!(set["academic_year"], 2025);
        assert_eq!(set["half_terms"].as_array().unwrap().len(), 6);

        let next = send(
            &app,
            &lead,
            Method::PUT,
            &format!("{base}/2026"),
            Some(json!({ "half_terms": year(2026) })),
        )
        .await;
        assert_eq!(next.status(), 200, "{backend:?}");

        let read: Value = get(&app, &dsl, &base).await.json().await.unwrap();
        let years = read.as_array().unwrap();
        assert_eq!(years.len(), 2);
        assert_eq!(years[0]["academic_year"], 2025);
        assert_eq!(years[0]["half_terms"], json!(year(2025)));
        assert_eq!(years[1]["half_terms"][5], year(2026)[5]);

        let system =
            crate::harness::system_scope(tenants.trust_a, SystemActor::Scheduler, Origin::Worker);
        let read = db.read(&system).await.unwrap();
        let calendar = haven_store::calendar::term_calendar(&read, tenants.academy_a1)
            .await
            .unwrap();
        read.finish().await.unwrap();
        assert_eq!(
            calendar,
            TermCalendar::england_typical(2025, 2026).unwrap(),
            "{backend:?}"
        );

        // Replacing a year leaves six half terms, not twelve.
        let mut moved = year(2025);
        moved[0]["starts_on"] = json!("2025-09-01");
        let replaced = send(
            &app,
            &head,
            Method::PUT,
            &format!("{base}/2025"),
            Some(json!({ "half_terms": moved })),
        )
        .await;
        assert_eq!(replaced.status(), 200);
        let read: Value = get(&app, &dsl, &base).await.json().await.unwrap();
        assert_eq!(read[0]["half_terms"].as_array().unwrap().len(), 6);
        assert_eq!(read[0]["half_terms"][0]["starts_on"], "2025-09-01");

        let by_dsl = send(
            &app,
            &dsl,
            Method::PUT,
            &format!("{base}/2025"),
            Some(json!({ "half_terms": year(2025) })),
        )
        .await;
        assert_eq!(by_dsl.status(), 403, "a DSL does not set term dates");
        let read = db.read(&system).await.unwrap();
        let unset = haven_store::calendar::term_calendar(&read, tenants.academy_a2).await;
        read.finish().await.unwrap();
        assert!(
            matches!(
                unset,
                Err(StoreError::Invalid {
                    field: "term_dates",
                    ..
                })
            ),
            "an academy without term dates is refused, not guessed: {unset:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn dates_that_are_not_six_half_terms_a_year_are_refused_naming_half_terms_and_nothing_changes()
 {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let base = format!("/api/v1/academies/{}/term-dates", tenants.academy_a1);
        let put = |academic_year: i32, half_terms: Vec<Value>| {
            let path = format!("{base}/{academic_year}");
            let (app, lead) = (&app, &lead);
            async move {
                send(
                    app,
                    lead,
                    Method::PUT,
                    &path,
                    Some(json!({ "half_terms": half_terms })),
                )
                .await
            }
        };
        assert_eq!(put(2025, year(2025)).await.status(), 200, "{backend:?}");

        let mut five = year(2025);
        five.pop();
        let mut overlapping = year(2025);
        overlapping[1]["starts_on"] = overlapping[0]["ends_on"].clone();
        let mut reversed = year(2025);
        reversed[2]["starts_on"] = json!("2026-03-01");
        reversed[2]["ends_on"] = json!("2026-01-05");
        let mut outside = year(2025);
        outside[5]["ends_on"] = json!("2026-08-03");
        for (half_terms, academic_year, why) in [
            (five, 2025, "found 5"),
            (overlapping, 2025, "overlap"),
            (reversed, 2025, "after it ends"),
            (outside, 2025, "outside its academic year"),
            (year(2027), 2027, "not consecutive"),
        ] {
            let refused = refusals(put(academic_year, half_terms).await).await;
            assert_eq!(refused.len(), 1, "{backend:?} {refused:?}");
            assert_eq!(refused[0].0, "half_terms");
            assert!(refused[0].1.contains(why), "{why}: {refused:?}");
        }
        let mut unreadable = year(2025);
        unreadable[3] = json!({ "number": 4, "starts_on": "next monday", "ends_on": "2026-03-27" });
        assert_eq!(
            refusals(put(2025, unreadable).await).await[0].0,
            "half_terms"
        );
        let unknown = send(
            &app,
            &lead,
            Method::PUT,
            &format!("{base}/2025"),
            Some(json!({ "half_terms": year(2025), "inset_days": [] })),
        )
        .await;
        assert_eq!(refusals(unknown).await[0].0, "inset_days");

        let read: Value = get(&app, &lead, &base).await.json().await.unwrap();
        assert_eq!(
            read,
            json!([{ "academic_year": 2025, "half_terms": year(2025) }])
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_academys_term_dates_are_not_found_for_another_trust_or_another_academy() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let base = format!("/api/v1/academies/{}/term-dates", tenants.academy_a1);
        let body = json!({ "half_terms": year(2025) });
        for outsider in [
            lead_b(&app, &tenants).await,
            browser_b(&app, &tenants, tenants.dsl_b1).await,
            browser_a(&app, &tenants, tenants.dsl_a2).await,
        ] {
            assert_eq!(
                get(&app, &outsider, &base).await.status(),
                404,
                "{backend:?}"
            );
            let put = send(
                &app,
                &outsider,
                Method::PUT,
                &format!("{base}/2025"),
                Some(body.clone()),
            )
            .await;
            assert_eq!(put.status(), 404, "{backend:?}");
        }
        // The headteacher of A1 is not the headteacher of A2, which they do not see.
        let head = browser_a(&app, &tenants, tenants.head_a1).await;
        let a2 = format!("/api/v1/academies/{}/term-dates/2025", tenants.academy_a2);
        assert_eq!(
            send(&app, &head, Method::PUT, &a2, Some(body))
                .await
                .status(),
            404
        );
        app.stop().await;
    }
}
