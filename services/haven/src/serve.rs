//! Running the services: together (`haven serve`) or one at a time. Each service is built, then
//! run until a shared shutdown signal; `serve` reports which one stopped first and why.

use std::future::Future;

use anyhow::Context;
use haven_api::{ApiState, Application, WebSettings};
use haven_config::Settings;
use haven_jobs::{Clock, QueueStore};
use haven_notifier::Notifier;
use haven_scheduler::Scheduler;
use secrecy::ExposeSecret;
use tokio::sync::watch;

use crate::{database, seed};

/// Resolves when the process is asked to stop (Ctrl-C, or SIGTERM from an orchestrator).
async fn stop_requested() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// One stop signal that every service of the process can wait on.
#[derive(Clone)]
struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    fn new() -> (watch::Sender<bool>, Self) {
        let (sender, receiver) = watch::channel(false);
        (sender, Self(receiver))
    }

    fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.0.clone();
        async move {
            // An error means the sender is gone, which also means stop.
            let _ = receiver.wait_for(|stop| *stop).await;
        }
    }
}

async fn queue(settings: &Settings) -> anyhow::Result<QueueStore> {
    let url = settings.queue.url.expose_secret();
    database::ensure_sqlite_dir(url)?;
    QueueStore::connect(url).await.context("the job queue")
}

async fn run_api(
    clock: impl Clock,
    settings: Settings,
    db: haven_store::Db,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let state = ApiState::new(db, clock, WebSettings::from_settings(&settings));
    let app = Application::build(&settings.server.host, settings.server.port, state)?;
    tracing::info!(
        address = %format!("{}:{}", settings.server.host, app.port()),
        "api listening"
    );
    let handle = app.handle();
    let stop = shutdown.wait();
    tokio::spawn(async move {
        stop.await;
        handle.stop(true).await;
    });
    app.run_until_stopped().await.context("the api server")
}

/// Runs `services` until a stop is requested or one of them ends, then stops the rest.
async fn run_until_stopped(
    sender: watch::Sender<bool>,
    services: Vec<(&'static str, tokio::task::JoinHandle<anyhow::Result<()>>)>,
) -> anyhow::Result<()> {
    let (names, handles): (Vec<_>, Vec<_>) = services.into_iter().unzip();
    let mut first = Box::pin(futures::future::select_all(handles));
    let mut outcome = Ok(());
    tokio::select! {
        () = stop_requested() => tracing::info!("stop requested"),
        (result, index, _) = &mut first => {
            let name = names.get(index).copied().unwrap_or("a service");
            outcome = match result {
                Ok(Ok(())) => Err(anyhow::anyhow!("{name} stopped unexpectedly")),
                Ok(Err(error)) => Err(error.context(format!("{name} failed"))),
                Err(join) => Err(anyhow::anyhow!("{name} crashed: {join}")),
            };
        }
    }
    let _ = sender.send(true);
    let (_, _, rest) = first.await;
    for handle in rest {
        if let Ok(Err(error)) = handle.await {
            tracing::error!(
                error = format!("{error:#}"),
                "a service failed while stopping"
            );
        }
    }
    outcome
}

pub async fn all(settings: &Settings, demo: bool, clock: impl Clock + Copy) -> anyhow::Result<()> {
    let db = database::connect_and_migrate(settings).await?;
    if demo {
        match seed::demo(&db, clock.now()).await? {
            seed::Seeded::Created(summary) => tracing::info!(%summary, "demo trust seeded"),
            seed::Seeded::AlreadyThere => tracing::info!("demo trust already there"),
        }
    }
    let queue = queue(settings).await?;
    let (sender, shutdown) = Shutdown::new();
    let scheduler = Scheduler::build(db.clone(), queue.clone(), clock);
    let notifier = Notifier::build(
        db.clone(),
        queue.clone(),
        &settings.email,
        &settings.server.public_url,
        clock,
    );
    let services = vec![
        (
            "api",
            tokio::spawn(run_api(
                clock,
                settings.clone(),
                db.clone(),
                shutdown.clone(),
            )),
        ),
        (
            "scheduler",
            tokio::spawn(scheduler.run_until_stopped(shutdown.wait())),
        ),
        (
            "notifier",
            tokio::spawn(notifier.run_until_stopped(shutdown.wait())),
        ),
    ];
    let outcome = run_until_stopped(sender, services).await;
    queue.close().await;
    outcome
}

pub async fn api(settings: &Settings, clock: impl Clock) -> anyhow::Result<()> {
    let db = database::connect_and_migrate(settings).await?;
    let (sender, shutdown) = Shutdown::new();
    let api = tokio::spawn(run_api(clock, settings.clone(), db, shutdown));
    run_until_stopped(sender, vec![("api", api)]).await
}

pub async fn scheduler(settings: &Settings, clock: impl Clock) -> anyhow::Result<()> {
    let db = database::connect_and_migrate(settings).await?;
    let queue = queue(settings).await?;
    let (sender, shutdown) = Shutdown::new();
    let scheduler = Scheduler::build(db, queue.clone(), clock);
    let handle = tokio::spawn(scheduler.run_until_stopped(shutdown.wait()));
    let outcome = run_until_stopped(sender, vec![("scheduler", handle)]).await;
    queue.close().await;
    outcome
}

pub async fn notifier(settings: &Settings, clock: impl Clock) -> anyhow::Result<()> {
    let db = database::connect_and_migrate(settings).await?;
    let queue = queue(settings).await?;
    let (sender, shutdown) = Shutdown::new();
    let notifier = Notifier::build(
        db,
        queue.clone(),
        &settings.email,
        &settings.server.public_url,
        clock,
    );
    let handle = tokio::spawn(notifier.run_until_stopped(shutdown.wait()));
    let outcome = run_until_stopped(sender, vec![("notifier", handle)]).await;
    queue.close().await;
    outcome
}
