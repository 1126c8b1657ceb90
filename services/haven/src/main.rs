//! `haven`: every Haven process in one binary.

mod database;
mod seed;
mod serve;
mod telemetry;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use haven_config::Settings;
use haven_jobs::{Clock, SystemClock};

#[derive(Debug, Parser)]
#[command(
    name = "haven",
    version,
    about = "Safeguarding supervision for academy trusts"
)]
struct Cli {
    /// A TOML configuration file; `HAVEN_*` environment variables override it.
    #[arg(long, global = true, env = "HAVEN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The API, the scheduler and the notifier in one process.
    Serve {
        /// Seed the demo trust if it is not there yet.
        #[arg(long)]
        demo: bool,
    },
    /// The API alone.
    Api,
    /// The scheduler alone, or one scan.
    Scheduler {
        #[command(subcommand)]
        command: Option<SchedulerCommand>,
    },
    /// The notifier alone.
    Notifier,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed data.
    Seed {
        /// The demo trust: 3 regions, 12 academies, about 60 people, two years of supervision.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum SchedulerCommand {
    /// Run the daily scan as of a date, in this process, and exit.
    RunOnce {
        /// The day to scan, as YYYY-MM-DD; today in London if left out.
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute every trust's hash chain; exits non-zero at the first break.
    Verify,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("haven: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout, reason = "the CLI's answers are its output")]
async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log.format, &settings.log.filter);
    let clock = SystemClock;
    match cli.command {
        Command::Serve { demo } => serve::all(&settings, demo, clock).await,
        Command::Api => serve::api(&settings, clock).await,
        Command::Scheduler { command: None } => serve::scheduler(&settings, clock).await,
        Command::Scheduler {
            command: Some(SchedulerCommand::RunOnce { as_of }),
        } => {
            let db = database::connect_and_migrate(&settings).await?;
            let as_of = as_of.unwrap_or_else(|| clock.today_london());
            let report = haven_scheduler::run_once(&db, as_of).await?;
            println!(
                "scan as of {}: {} notifications",
                report.as_of, report.notifications
            );
            Ok(())
        }
        Command::Notifier => serve::notifier(&settings).await,
        Command::Migrate => {
            database::connect_and_migrate(&settings).await?;
            println!("the database schema is up to date");
            Ok(())
        }
        Command::Seed { demo: _ } => {
            let db = database::connect_and_migrate(&settings).await?;
            match seed::demo(&db, clock.now()).await? {
                seed::Seeded::Created(summary) => println!("demo trust seeded: {summary}"),
                seed::Seeded::AlreadyThere => println!("the demo trust is already there"),
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = database::connect(&settings).await?;
            for trust in haven_store::trust::all(&db).await? {
                let report = haven_store::audit::verify(&db, trust.id)
                    .await
                    .with_context(|| format!("trust {} ({})", trust.name, trust.slug))?;
                println!("{}: {} entries, chain intact", trust.slug, report.entries);
            }
            Ok(())
        }
    }
}
