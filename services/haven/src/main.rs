//! `haven`: every Haven process in one binary.

mod database;
mod serve;
mod telemetry;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use haven_config::Settings;
use haven_jobs::{Clock, SystemClock};
use haven_seed::{demo as seed, generate};

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
        #[arg(
            long,
            required_unless_present = "generate",
            conflicts_with = "generate"
        )]
        demo: bool,
        /// A generated trust of any size, for load tests: five staff per academy, a region per
        /// 20 academies, years of supervision up to today.
        #[arg(long)]
        generate: bool,
        /// Academies in the generated trust.
        #[arg(long, default_value_t = 1000)]
        academies: usize,
        /// Years of supervision history in the generated trust.
        #[arg(long, default_value_t = 5)]
        years: u32,
        /// The generated trust's slug.
        #[arg(long, default_value = "generated")]
        slug: String,
    },
    /// Setting up a trust: create it, invite its first lead, connect its sign-in.
    Trust {
        #[command(subcommand)]
        command: TrustCommand,
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
enum TrustCommand {
    /// Create a trust (a tenant).
    Create {
        #[arg(long)]
        name: String,
        /// The short name in its sign-in address: /sign-in/<slug>.
        #[arg(long)]
        slug: String,
    },
    /// Invite the trust's first safeguarding lead, who then invites everyone else.
    InviteLead {
        #[arg(long)]
        trust: String,
        #[arg(long)]
        name: String,
        /// The address their Microsoft 365 or Google account verifies.
        #[arg(long)]
        email: String,
    },
    /// Connect the trust's sign-in: exactly one of the three.
    Connect {
        #[arg(long)]
        trust: String,
        /// Microsoft Entra ID: the trust's tenant id.
        #[arg(long, group = "provider")]
        entra_tenant: Option<String>,
        /// Google Workspace: the trust's domain.
        #[arg(long, group = "provider")]
        google_domain: Option<String>,
        /// Any other OpenID Connect provider: its issuer URL.
        #[arg(long, group = "provider")]
        issuer: Option<String>,
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
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
    }
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
            let report = haven_scheduler::run_once(&db, as_of, &clock).await?;
            println!(
                "scan as of {}: {} trusts, {} QA reviews created, {} renewals drafted, {} reminders due, {} notifications queued",
                report.as_of,
                report.trusts,
                report.qa_reviews_created,
                report.renewals_drafted,
                report.reminders_due,
                report.notifications
            );
            Ok(())
        }
        Command::Notifier => serve::notifier(&settings, clock).await,
        Command::Migrate => {
            database::connect_and_migrate(&settings).await?;
            println!("the database schema is up to date");
            Ok(())
        }
        Command::Seed {
            generate: true,
            academies,
            years,
            slug,
            ..
        } => {
            let db = database::connect_and_migrate(&settings).await?;
            let shape = generate::Shape {
                slug,
                academies,
                years,
            };
            let counts = generate::trust(&db, &shape, clock.now()).await?;
            println!("trust {} generated: {counts}", shape.slug);
            Ok(())
        }
        Command::Seed { .. } => {
            let db = database::connect_and_migrate(&settings).await?;
            match seed::demo(&db, clock.now()).await? {
                seed::Seeded::Created(summary) => println!("demo trust seeded: {summary}"),
                seed::Seeded::AlreadyThere => println!("the demo trust is already there"),
            }
            Ok(())
        }
        Command::Trust { command } => {
            let db = database::connect_and_migrate(&settings).await?;
            trust_admin(&db, command, clock.now()).await
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

/// The trust a slug names, as the CLI acts on it.
#[expect(
    clippy::disallowed_methods,
    reason = "the operator's CLI acts for Haven across the trust it names"
)]
async fn cli_scope(db: &haven_store::Db, slug: &str) -> anyhow::Result<haven_store::Scope> {
    let trust = haven_store::trust::find_by_slug(db, slug)
        .await?
        .with_context(|| format!("no trust has the slug {slug:?}"))?;
    Ok(haven_store::Scope::system(
        trust.id,
        haven_store::SystemActor::Cli,
        haven_store::Origin::Cli,
    ))
}

#[allow(clippy::print_stdout, reason = "the CLI's answers are its output")]
async fn trust_admin(
    db: &haven_store::Db,
    command: TrustCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use haven_store::trust::{self, SignInProvider};
    match command {
        TrustCommand::Create { name, slug } => {
            if trust::find_by_slug(db, &slug).await?.is_some() {
                anyhow::bail!("a trust with the slug {slug:?} already exists");
            }
            let (created, _) = trust::create(
                db,
                &name,
                &slug,
                haven_store::SystemActor::Cli,
                haven_store::Origin::Cli,
                now,
            )
            .await?;
            println!("trust {} created: {}", created.slug, created.id);
        }
        TrustCommand::InviteLead {
            trust: slug,
            name,
            email,
        } => {
            let scope = cli_scope(db, &slug).await?;
            let mut tx = db.write(&scope, now).await?;
            let person = haven_store::admin::invite_first_lead(&mut tx, &name, &email)
                .await?
                .id;
            tx.commit().await?;
            println!("{name} invited as trust safeguarding lead of {slug}: {person}");
        }
        TrustCommand::Connect {
            trust: slug,
            entra_tenant,
            google_domain,
            issuer,
        } => {
            let provider = match (entra_tenant, google_domain, issuer) {
                (Some(tenant_id), None, None) => SignInProvider::Entra { tenant_id },
                (None, Some(hosted_domain), None) => SignInProvider::Google { hosted_domain },
                (None, None, Some(issuer)) => SignInProvider::Oidc { issuer },
                _ => {
                    anyhow::bail!("name exactly one of --entra-tenant, --google-domain or --issuer")
                }
            };
            let scope = cli_scope(db, &slug).await?;
            let mut tx = db.write(&scope, now).await?;
            trust::connect_provider(&mut tx, provider).await?;
            tx.commit().await?;
            println!("{slug} signs in at /sign-in/{slug}");
        }
    }
    Ok(())
}
