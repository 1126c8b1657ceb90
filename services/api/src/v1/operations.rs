//! Operability: whether the daily scan ran and what it did, for the trust's leads at
//! `/api/v1/operations/scans`, and the same added up across trusts, naming none, for the
//! operator's Prometheus at `/metrics`.

use std::fmt::Write as _;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use haven_store::scan_run::{OperatorTotals, OutboxCounts, ScanRun};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::problem;

/// Days of runs summarised when the caller names none, and at most.
const DEFAULT_DAYS: u32 = 7;
const MAX_DAYS: u32 = 90;
/// Runs listed when the caller names no limit, and at most.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 200;

#[derive(Deserialize)]
struct ScansQuery {
    /// Read as text so a bad value is answered as a named field (422), not a bare 400.
    days: Option<String>,
    limit: Option<String>,
}

impl ScansQuery {
    fn days(&self) -> Result<u32, ApiError> {
        bounded(self.days.as_deref(), "days", DEFAULT_DAYS, MAX_DAYS)
    }

    fn limit(&self) -> Result<u64, ApiError> {
        bounded(self.limit.as_deref(), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    }
}

/// A whole number from 1 to `max`, `default` when absent.
fn bounded<T>(text: Option<&str>, field: &str, default: T, max: T) -> Result<T, ApiError>
where
    T: std::str::FromStr + PartialOrd + From<u8> + std::fmt::Display,
{
    let Some(text) = text else {
        return Ok(default);
    };
    match text.parse::<T>() {
        Ok(value) if value >= T::from(1) && value <= max => Ok(value),
        _ => Err(ApiError::Validation(vec![problem(
            field,
            format!("must be a whole number from 1 to {max}"),
        )])),
    }
}

/// The daily scan's recent runs over one trust and its outbox now.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScansAnswer {
    /// The window summarised, in days back from now.
    days: u32,
    /// The newest runs, newest first.
    runs: Vec<ScanRun>,
    /// The newest run, whenever it was.
    latest: Option<ScanRun>,
    /// Each scanned day's last run among those started in the window, newest day first.
    last_run_per_day: Vec<ScanRun>,
    /// The failed runs started in the window, newest first.
    failures: Vec<ScanRun>,
    /// The trust's notifications by delivery status.
    outbox: OutboxCounts,
    /// Those still to send: queued and sending.
    outbox_depth: u64,
}

#[utoipa::path(
    tag = "operations",
    summary = "The daily scan's recent runs over the caller's trust",
    description = "Whether the daily scan (07:00 in England) ran for the caller's trust and what it did: `runs`, the newest `limit` runs, newest first, each with the day it scanned (`scanned_on`), `started_at`, `finished_at`, `outcome` (succeeded or failed), the `error` of a failed run, and its counts (`qa_reviews_created`, `renewals_drafted`, `reminders_due`, `notifications_queued`, `skipped`, `queued_by_rule`); `latest`, the newest run; `last_run_per_day`, each scanned day's last run among those started in the last `days` days; `failures`, the failed runs among them; `outbox`, the trust's notifications by delivery status (queued, sending, sent, failed, bounced, and the reminders kept unsent as suppressed or carried by a digest as in_digest); and `outbox_depth`, those still to send (queued and sending). The scan's own job queue is not reachable from the API: its depth is in the scheduler's logs, and the outbox depth stands for it here. Trust safeguarding leads, directors of education, auditors and `read_figures` tokens only.",
    params(
        ("days" = Option<String>, Query, description = "The window summarised, in days back from now: 1 to 90, 7 when absent"),
        ("limit" = Option<String>, Query, description = "How many runs `runs` lists: 1 to 200, 20 when absent")
    ),
    responses(
        (status = 200, description = "`runs`, `latest`, `last_run_per_day`, `failures`, `outbox` and `outbox_depth`", body = ScansAnswer),
        (status = 403, description = "Not a trust safeguarding lead, director, auditor or read_figures token"),
        (status = 422, description = "A malformed days or limit")
    )
)]
#[get("/operations/scans")]
async fn scans(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<ScansQuery>,
) -> Result<HttpResponse, ApiError> {
    let days = query.days()?;
    let limit = query.limit()?;
    let runs = haven_store::scan_run::recent(&state.db, &caller.scope, limit).await?;
    let summary =
        haven_store::scan_run::summary(&state.db, &caller.scope, days, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(ScansAnswer {
        days: summary.days,
        runs,
        latest: summary.latest,
        last_run_per_day: summary.last_run_per_day,
        failures: summary.failures,
        outbox_depth: summary.outbox.queued.saturating_add(summary.outbox.sending),
        outbox: summary.outbox,
    }))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scans);
}

/// Prometheus's scrape of Haven's operator figures, in its text format (0.0.4). Totals across
/// every trust, naming none: no trust's id or name, no person, no record.
#[get("/metrics")]
async fn metrics(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let totals = haven_store::scan_run::operator_totals(&state.db).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(exposition(&totals)))
}

/// Mounts `/metrics` at the root, beside `/health`: it is for the operator's scraper, not part
/// of the API the OpenAPI document describes.
pub(crate) fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.service(metrics);
}

/// The figures as Prometheus text: a `# HELP` and `# TYPE` line per metric, then its samples.
fn exposition(totals: &OperatorTotals) -> String {
    let mut text = String::new();
    metric(
        &mut text,
        "haven_trusts",
        "gauge",
        "Trusts whose scans and outbox are counted here.",
        &[("", totals.trusts)],
    );
    metric(
        &mut text,
        "haven_scan_runs_total",
        "counter",
        "Runs of the daily scan over one trust, by outcome.",
        &[
            ("outcome=\"succeeded\"", totals.scans_succeeded),
            ("outcome=\"failed\"", totals.scans_failed),
        ],
    );
    let OutboxCounts {
        queued,
        sending,
        sent,
        failed,
        bounced,
        suppressed,
        in_digest,
        superseded,
    } = totals.outbox;
    metric(
        &mut text,
        "haven_notifications",
        "gauge",
        "Notifications in the outbox, by delivery status.",
        &[
            ("status=\"queued\"", queued),
            ("status=\"sending\"", sending),
            ("status=\"sent\"", sent),
            ("status=\"failed\"", failed),
            ("status=\"bounced\"", bounced),
            ("status=\"suppressed\"", suppressed),
            ("status=\"in_digest\"", in_digest),
            ("status=\"superseded\"", superseded),
        ],
    );
    metric(
        &mut text,
        "haven_scan_last_success_day_timestamp_seconds",
        "gauge",
        "The newest day a trust's scan succeeded for, as the Unix time of its midnight UTC; 0 when none has.",
        &[("", totals.last_successful_day.map_or(0, midnight))],
    );
    text
}

/// Appends one metric; a sample's labels are written between braces unless empty.
fn metric(text: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, u64)]) {
    // Writing to a String cannot fail.
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(text, "{name} {value}");
        } else {
            let _ = writeln!(text, "{name}{{{labels}}} {value}");
        }
    }
}

fn midnight(day: NaiveDate) -> u64 {
    u64::try_from(day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()).unwrap_or_default()
}
