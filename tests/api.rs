//! The HTTP front's own behaviour: health, readiness, request ids, problem documents.

use crate::harness::{Tenants, TestApp, backends, browser_a, get};

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

/// Every (method, path) the OpenAPI document lists, as the docs page marks its operations.
async fn documented_operations(app: &TestApp) -> Vec<String> {
    let document: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut all = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            all.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(!all.is_empty(), "the document lists no operations");
    all
}

/// The levels of the page's headings, in document order.
fn heading_levels(html: &str) -> Vec<u32> {
    html.match_indices("<h")
        .filter_map(|(at, _)| {
            let level = html[at + 2..].chars().next()?.to_digit(10)?;
            let after = html[at + 3..].chars().next()?;
            (after == '>' || after == ' ').then_some(level)
        })
        .collect()
}

#[tokio::test]
async fn the_api_has_a_browsable_page_listing_every_operation() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;

        // Nobody signed in: the page is public, like the document it renders.
        let page = app.get("/api/v1/docs").await;
        assert_eq!(page.status(), 200, "{backend:?}");
        let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("style-src 'self'"), "{csp}");
        let html = page.text().await.unwrap();

        for operation in documented_operations(&app).await {
            assert!(
                html.contains(&format!("data-operation=\"{operation}\"")),
                "{operation} is not on the page"
            );
        }
        assert!(html.contains("href=\"/api/v1/openapi.json\""));
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/haven.css\">"));
        assert!(!html.contains("<script"), "the page needs no JavaScript");

        // Headings go down one level at a time, starting from a single h1.
        let levels = heading_levels(&html);
        assert_eq!(levels.first(), Some(&1));
        assert_eq!(levels.iter().filter(|level| **level == 1).count(), 1);
        for pair in levels.windows(2) {
            assert!(pair[1] <= pair[0] + 1, "h{} follows h{}", pair[1], pair[0]);
        }

        // The table of contents links to every tag's heading.
        let anchors: Vec<&str> = html
            .split("<h2 id=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .filter(|id| *id != "contents")
            .collect();
        assert!(!anchors.is_empty());
        for anchor in anchors {
            assert!(
                html.contains(&format!("href=\"#{anchor}\"")),
                "no link to #{anchor}"
            );
        }

        // It holds no tenant data: a signed-in person sees exactly the same page.
        let lead = browser_a(&app, &tenants, tenants.lead_a).await;
        let signed_in = get(&app, &lead, "/api/v1/docs").await;
        assert_eq!(signed_in.status(), 200);
        assert_eq!(signed_in.text().await.unwrap(), html);
        app.stop().await;
    }
}

/// The schema `schema` names, following a `$ref` into the document's components.
fn resolved<'a>(
    document: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference} is not a component schema"));
            let named = &document["components"]["schemas"][name];
            assert!(!named.is_null(), "{reference} is not in the document");
            named
        }
        None => schema,
    }
}

/// Why `schema` says nothing of its body's fields, if it does not: a bare object, or no schema.
fn bare(document: &serde_json::Value, schema: &serde_json::Value) -> Option<String> {
    if schema.is_null() {
        return Some("no schema".to_owned());
    }
    let schema = resolved(document, schema);
    if schema["type"] == "array" {
        return bare(document, &schema["items"]);
    }
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|key| schema[*key].is_array());
    let described = schema["properties"]
        .as_object()
        .is_some_and(|fields| !fields.is_empty());
    let object = schema["type"] == "object" || schema["type"].is_null();
    (object && !described && !composed).then(|| format!("a bare object: {schema}"))
}

#[tokio::test]
async fn every_body_and_every_success_in_the_openapi_document_has_a_schema_with_its_fields() {
    let app = TestApp::spawn(crate::harness::Backend::Sqlite).await;
    let document: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut bodies = 0;
    let mut missing = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let operation_name = format!("{} {path}", method.to_uppercase());
            let mut contents = Vec::new();
            if let Some(body) = operation.get("requestBody") {
                let content = body["content"].as_object();
                assert!(
                    content.is_some_and(|types| !types.is_empty()),
                    "{operation_name}: a request body without content"
                );
                contents.push(("request", content.unwrap()));
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                match response["content"].as_object() {
                    Some(content) => contents.push((status.as_str(), content)),
                    // Every success but "no content" answers with a body a client must know.
                    None if status.starts_with('2') && status != "204" => {
                        missing.push(format!("{operation_name} ({status}): no body"));
                    }
                    None => {}
                }
            }
            for (what, content) in contents {
                for (media, body) in content {
                    if !media.contains("json") {
                        continue;
                    }
                    bodies += 1;
                    if let Some(reason) = bare(&document, &body["schema"]) {
                        missing.push(format!("{operation_name} ({what}, {media}): {reason}"));
                    }
                }
            }
        }
    }
    assert!(bodies > 0, "the document has no JSON bodies");
    assert!(
        missing.is_empty(),
        "bodies without their fields:\n{}",
        missing.join("\n")
    );
    app.stop().await;
}
