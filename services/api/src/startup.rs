//! Building and running the HTTP server: bind first (port 0 allowed), report the port, then run.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, Error, HttpMessage, HttpServer, web};
use anyhow::Context;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder, TracingLogger};

use crate::state::ApiState;
use crate::v1::{self, OpenApiJson};
use crate::{auth, edge, health, security};

/// A bound, not yet running, API server.
pub struct Application {
    port: u16,
    server: Server,
}

/// How long a stop waits for requests in flight before it drops them: a dropped request's
/// transaction rolls back, so nothing is half-written and a stuck request never holds a stop.
const SHUTDOWN_GRACE_SECONDS: u64 = 10;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Each request's span, as tracing-actix-web's default one but naming the path without its
/// query: a query can carry secrets (the sign-in callback's `code` and `state`), and the logs
/// keep none.
struct PathOnlySpans;

impl RootSpanBuilder for PathOnlySpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .unwrap_or("")
            .to_owned();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %request.path(),
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

impl Application {
    /// Binds `host:port` (0 picks a free port) and prepares the server.
    pub fn build(host: &str, port: u16, state: ApiState) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((host, port))
            .with_context(|| format!("cannot listen on {host}:{port}"))?;
        let port = listener.local_addr()?.port();
        let production = state.web.production;
        let state = web::Data::new(state);
        let document = web::Data::new(OpenApiJson(
            v1::document()
                .to_json()
                .context("cannot render the OpenAPI document")?,
        ));
        let server = HttpServer::new(move || {
            App::new()
                .wrap(edge::api_errors_as_problems())
                .wrap_fn(|req, srv| {
                    let id = req.extensions().get::<RequestId>().copied();
                    let response = srv.call(req);
                    async move {
                        let mut response = response.await?;
                        if let Some(value) =
                            id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                        {
                            response.headers_mut().insert(REQUEST_ID, value);
                        }
                        Ok(response)
                    }
                })
                .wrap(security::headers(production))
                .wrap(TracingLogger::<PathOnlySpans>::new())
                .app_data(state.clone())
                .configure(health::configure)
                .configure(v1::operations::configure_metrics)
                .configure(auth::configure)
                .configure(crate::web::configure)
                .app_data(document.clone())
                .app_data(edge::query_config())
                .service(web::scope("/api/v1").configure(v1::configure))
                .default_service(web::to(edge::unrouted))
        })
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through [`Application::handle`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
