//! The browsable page of the API at `/api/v1/docs`: the OpenAPI document rendered once into
//! HTML on the server, because Haven ships no JavaScript bundle (so no Swagger UI) and the page
//! must work offline and without script.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::{Components, OpenApi, RefOr, Required};

use crate::v1;
use crate::web::render;

/// A run of text from the document, either prose or a `code` span written between backticks.
struct Span {
    text: String,
    code: bool,
}

/// Text from the document with its backtick spans picked out, so they render as `<code>`.
struct Text(Vec<Span>);

impl Text {
    fn new(source: &str) -> Self {
        // An odd number of backticks leaves the last one unmatched: it stays literal prose.
        let mut pieces: Vec<&str> = source.split('`').collect();
        let mut spans = Vec::with_capacity(pieces.len());
        let trailing = if pieces.len().is_multiple_of(2) {
            pieces.pop().map(|rest| format!("`{rest}"))
        } else {
            None
        };
        for (index, piece) in pieces.into_iter().enumerate() {
            if !piece.is_empty() {
                spans.push(Span {
                    text: piece.to_owned(),
                    code: index % 2 == 1,
                });
            }
        }
        if let Some(text) = trailing {
            spans.push(Span { text, code: false });
        }
        Self(spans)
    }

    fn optional(source: Option<&String>) -> Option<Self> {
        source
            .map(|text| text.trim())
            .filter(|text| !text.is_empty())
            .map(Self::new)
    }

    fn spans(&self) -> &[Span] {
        &self.0
    }
}

struct ParameterRow {
    name: String,
    location: &'static str,
    required: bool,
    description: Option<Text>,
}

struct RequestBodyView {
    content_types: Vec<String>,
    required: bool,
    description: Option<Text>,
}

struct ResponseRow {
    status: String,
    description: Text,
}

struct OperationView {
    /// The anchor of the operation's heading, unique on the page.
    id: String,
    method: &'static str,
    path: String,
    summary: Option<Text>,
    description: Option<Text>,
    parameters: Vec<ParameterRow>,
    request_body: Option<RequestBodyView>,
    responses: Vec<ResponseRow>,
    /// How a caller proves who they are for this method.
    security: Text,
}

struct TagView {
    id: String,
    name: String,
    description: Option<Text>,
    operations: Vec<OperationView>,
}

/// The page's view of the document.
#[derive(Template)]
#[template(path = "api/docs.html")]
struct ApiDocs {
    title: String,
    version: String,
    description: Option<Text>,
    tags: Vec<TagView>,
}

/// Where operations without a tag are listed, after every tagged one.
const UNTAGGED: &str = "other";

/// Safe methods read only; the CSRF check in `auth` applies to every other one.
const SAFE_SECURITY: &str = "Signed in: the session cookie, or an API token in \
                             `Authorization: Bearer haven_…`.";
const UNSAFE_SECURITY: &str = "Signed in: the session cookie with the session's CSRF token in \
                               the `x-csrf-token` header, or an API token in \
                               `Authorization: Bearer haven_…` (no CSRF token needed).";

impl ApiDocs {
    /// Builds the page from the document: tags in the document's declared order, then the
    /// rest alphabetically; operations by path, then method.
    fn from_document(document: &OpenApi) -> Self {
        let components = document.components.as_ref();
        let mut by_tag: BTreeMap<String, Vec<OperationView>> = BTreeMap::new();
        let mut anchors = HashSet::new();
        for (path, item) in &document.paths.paths {
            for (method, operation) in operations(item) {
                let tag = operation
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.first())
                    .cloned()
                    .unwrap_or_else(|| UNTAGGED.to_owned());
                let id = unique(
                    &mut anchors,
                    format!("op-{}-{}", method.to_lowercase(), slug(path)),
                );
                let view = operation_view(id, method, path, item, operation, components);
                by_tag.entry(tag).or_default().push(view);
            }
        }

        let declared = document.tags.as_deref().unwrap_or_default();
        let mut tags = Vec::with_capacity(by_tag.len());
        for declared_tag in declared {
            if let Some(operations) = by_tag.remove(&declared_tag.name) {
                tags.push((
                    declared_tag.name.clone(),
                    Text::optional(declared_tag.description.as_ref()),
                    operations,
                ));
            }
        }
        let untagged = by_tag.remove(UNTAGGED);
        tags.extend(by_tag.into_iter().map(|(name, ops)| (name, None, ops)));
        if let Some(operations) = untagged {
            tags.push((UNTAGGED.to_owned(), None, operations));
        }

        Self {
            title: document.info.title.clone(),
            version: document.info.version.clone(),
            description: Text::optional(document.info.description.as_ref()),
            tags: tags
                .into_iter()
                .map(|(name, description, operations)| TagView {
                    id: unique(&mut anchors, format!("tag-{}", slug(&name))),
                    name,
                    description,
                    operations,
                })
                .collect(),
        }
    }
}

/// The operations of a path, in the order a reader expects: read, create, replace, change,
/// remove.
fn operations(item: &PathItem) -> Vec<(&'static str, &Operation)> {
    [
        ("GET", &item.get),
        ("HEAD", &item.head),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
        ("OPTIONS", &item.options),
        ("TRACE", &item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_ref().map(|op| (method, op)))
    .collect()
}

fn operation_view(
    id: String,
    method: &'static str,
    path: &str,
    item: &PathItem,
    operation: &Operation,
    components: Option<&Components>,
) -> OperationView {
    let shared = item.parameters.iter().flatten();
    let own = operation.parameters.iter().flatten();
    let parameters = shared
        .chain(own)
        .map(|parameter| parameter_row(parameter, components))
        .collect();

    let request_body = operation.request_body.as_ref().map(|body| match body {
        RefOr::T(body) => RequestBodyView {
            content_types: body.content.keys().cloned().collect(),
            required: matches!(body.required, Some(Required::True)),
            description: Text::optional(body.description.as_ref()),
        },
        RefOr::Ref(reference) => RequestBodyView {
            content_types: Vec::new(),
            required: false,
            description: Some(Text::new(&reference_text(
                &reference.ref_location,
                &reference.description,
            ))),
        },
    });

    let responses = operation
        .responses
        .responses
        .iter()
        .map(|(status, response)| ResponseRow {
            status: with_reason(status),
            description: Text::new(&match response {
                RefOr::T(response) => response.description.clone(),
                RefOr::Ref(reference) => components
                    .and_then(|c| c.responses.get(component_name(&reference.ref_location)))
                    .and_then(|found| match found {
                        RefOr::T(response) => Some(response.description.clone()),
                        RefOr::Ref(_) => None,
                    })
                    .unwrap_or_else(|| {
                        reference_text(&reference.ref_location, &reference.description)
                    }),
            }),
        })
        .collect();

    OperationView {
        id,
        method,
        path: path.to_owned(),
        summary: Text::optional(operation.summary.as_ref()),
        description: Text::optional(operation.description.as_ref()),
        parameters,
        request_body,
        responses,
        security: Text::new(if matches!(method, "GET" | "HEAD" | "OPTIONS") {
            SAFE_SECURITY
        } else {
            UNSAFE_SECURITY
        }),
    }
}

fn parameter_row(parameter: &RefOr<Parameter>, components: Option<&Components>) -> ParameterRow {
    let from = |parameter: &Parameter| ParameterRow {
        name: parameter.name.clone(),
        location: location(&parameter.parameter_in),
        required: matches!(parameter.required, Required::True),
        description: Text::optional(parameter.description.as_ref()),
    };
    match parameter {
        RefOr::T(parameter) => from(parameter),
        RefOr::Ref(reference) => components
            .and_then(|c| c.parameters.get(component_name(&reference.ref_location)))
            .and_then(|found| match found {
                RefOr::T(parameter) => Some(from(parameter)),
                RefOr::Ref(_) => None,
            })
            .unwrap_or_else(|| ParameterRow {
                name: component_name(&reference.ref_location).to_owned(),
                location: "see the document",
                required: false,
                description: Some(Text::new(&reference_text(
                    &reference.ref_location,
                    &reference.description,
                ))),
            }),
    }
}

/// `404` → `404 Not Found`; a range such as `4XX` or `default` stays as written.
fn with_reason(status: &str) -> String {
    status
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .and_then(|code| code.canonical_reason())
        .map_or_else(|| status.to_owned(), |reason| format!("{status} {reason}"))
}

fn location(place: &ParameterIn) -> &'static str {
    match place {
        ParameterIn::Path => "path",
        ParameterIn::Query => "query",
        ParameterIn::Header => "header",
        ParameterIn::Cookie => "cookie",
        ParameterIn::QueryString => "query string",
    }
}

/// `#/components/responses/NotFound` → `NotFound`.
fn component_name(location: &str) -> &str {
    location.rsplit('/').next().unwrap_or(location)
}

fn reference_text(location: &str, description: &str) -> String {
    if description.is_empty() {
        format!("Defined at `{location}` in the document.")
    } else {
        description.to_owned()
    }
}

/// A fragment identifier from any text: lowercase ASCII letters and digits joined by hyphens.
fn slug(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// `candidate`, or it with a counter when the page already has that anchor.
fn unique(taken: &mut HashSet<String>, candidate: String) -> String {
    let mut id = candidate.clone();
    let mut counter = 2;
    while taken.contains(&id) {
        id = format!("{candidate}-{counter}");
        counter += 1;
    }
    taken.insert(id.clone());
    id
}

/// The page, rendered on first use; `None` when it failed (logged), so the route answers 500
/// rather than the server refusing to start over documentation.
static PAGE: LazyLock<Option<String>> =
    LazyLock::new(|| match ApiDocs::from_document(&v1::document()).render() {
        Ok(html) => Some(html),
        Err(error) => {
            tracing::error!(%error, "the API's documentation page failed to render");
            None
        }
    });

/// Renders the page now, so the first reader does not wait for it.
pub(crate) fn prepare() {
    LazyLock::force(&PAGE);
}

/// `GET /api/v1/docs`: the page, the same for everyone, so it needs no sign-in.
pub(crate) async fn page() -> HttpResponse {
    match PAGE.as_deref() {
        Some(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html.to_owned()),
        None => render(
            StatusCode::INTERNAL_SERVER_ERROR,
            &crate::web::Message {
                title: "API documentation unavailable".into(),
                paragraphs: vec![
                    "The machine-readable document is at /api/v1/openapi.json.".into(),
                ],
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &Text) -> Vec<(&str, bool)> {
        text.spans()
            .iter()
            .map(|span| (span.text.as_str(), span.code))
            .collect()
    }

    #[test]
    fn backticks_become_code_spans_and_an_unmatched_one_stays_literal() {
        assert_eq!(
            spans(&Text::new("the `x-csrf-token` header")),
            vec![("the ", false), ("x-csrf-token", true), (" header", false)]
        );
        assert_eq!(
            spans(&Text::new("`a` then `b")),
            vec![("a", true), (" then ", false), ("`b", false)]
        );
    }

    #[test]
    fn statuses_are_named_when_they_are_codes() {
        assert_eq!(with_reason("404"), "404 Not Found");
        assert_eq!(with_reason("4XX"), "4XX");
    }

    #[test]
    fn anchors_are_slugs_and_never_repeat() {
        let mut taken = HashSet::new();
        assert_eq!(
            unique(
                &mut taken,
                format!("op-get-{}", slug("/api/v1/agreements/{id}"))
            ),
            "op-get-api-v1-agreements-id"
        );
        assert_eq!(
            unique(&mut taken, "op-get-api-v1-agreements-id".into()),
            "op-get-api-v1-agreements-id-2"
        );
    }

    #[test]
    fn every_documented_operation_is_on_the_page_once() {
        let document = v1::document();
        let page = ApiDocs::from_document(&document);
        let documented: usize = document
            .paths
            .paths
            .values()
            .map(|item| operations(item).len())
            .sum();
        let listed: usize = page.tags.iter().map(|tag| tag.operations.len()).sum();
        assert_eq!(listed, documented);
        assert!(page.render().is_ok());
    }
}
