//! The HTTP front's own behaviour: health, readiness, request ids, problem documents.

use crate::harness::{TestApp, backends};

#[tokio::test]
async fn health_answers_and_ready_checks_the_database() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let health = app.get("/health").await;
        assert_eq!(health.status(), 200);
        let ready = app.get("/ready").await;
        assert_eq!(ready.status(), 200, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    let first = app.get("/health").await;
    let second = app.get("/no-such-page").await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (a, b) = (id(&first).unwrap(), id(&second).unwrap());
    assert_ne!(a, b);
    app.stop().await;
}
