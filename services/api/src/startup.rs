//! Building and running the HTTP server: bind first (port 0 allowed), report the port, then run.

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpMessage, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::api::{self, OpenApiJson};
use crate::state::ApiState;
use crate::{auth, edge, health, pages, security};

/// A bound, not yet running, API server.
pub struct Application {
    port: u16,
    server: Server,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

impl Application {
    /// Binds `host:port` (0 picks a free port) and prepares the server.
    pub fn build(host: &str, port: u16, state: ApiState) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((host, port))
            .with_context(|| format!("cannot listen on {host}:{port}"))?;
        let port = listener.local_addr()?.port();
        let production = state.web.production;
        let state = web::Data::new(state);
        let document = web::Data::new(OpenApiJson(
            api::document()
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
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .configure(health::configure)
                .configure(crate::operations::configure_metrics)
                .configure(auth::configure)
                .configure(pages::configure)
                .configure(crate::notification_pages::configure)
                .configure(crate::subject_pages::configure)
                .app_data(document.clone())
                .app_data(edge::query_config())
                .service(web::scope("/api/v1").configure(api::configure))
                .default_service(web::to(edge::unrouted))
        })
        .disable_signals()
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
