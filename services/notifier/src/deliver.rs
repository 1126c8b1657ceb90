//! The worker's half: one [`Notify`] job delivers one outbox row.
//!
//! The row is claimed (`sending`, committed) before any SMTP traffic, so two jobs for one row
//! send it once; the relay's answer is then recorded in one update with nothing in between.
//! The one window left is between the relay's acceptance and that update: a notifier that stops
//! there leaves the row `sending`, and the dispatcher sends it again after the sending timeout
//! with the same `Message-ID` (`<outbox id@sender's domain>`), which a receiver can collapse.
//!
//! Every outcome the row can record ends the job well: the row, not the queue, drives retries.
//! Only a database that cannot be reached fails the job.

use std::{sync::Arc, time::Duration};

use apalis::prelude::{BoxDynError, Data};
use haven_domain::notification::retry_delay;
use haven_jobs::{Clock, Notify};
use haven_store::outbox::{self, Delivered, SenderDefaults, Stopped};
use haven_store::{Db, Origin, Scope, StoreError, SystemActor};

use crate::render::{Envelope, Renderer};
use crate::transport::{FailureKind, Mailer};

/// How often a message that keeps failing transiently is tried, and how long between tries.
#[derive(Debug, Clone, Copy)]
pub struct RetryRule {
    /// The first wait; each later one doubles.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Tries before the message is marked failed.
    pub max_attempts: u32,
}

/// Everything a delivery needs, shared by the worker's concurrent jobs.
#[derive(Clone)]
pub struct Deliverer(Arc<Inner>);

struct Inner {
    db: Db,
    renderer: Renderer,
    mailer: Mailer,
    defaults: SenderDefaults,
    retry: RetryRule,
    clock: Arc<dyn Clock>,
}

impl Deliverer {
    /// A deliverer reading and recording rows in `db`, composing with `renderer`, sending with
    /// `mailer`.
    pub fn new(
        db: Db,
        renderer: Renderer,
        mailer: Mailer,
        defaults: SenderDefaults,
        retry: RetryRule,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self(Arc::new(Inner {
            db,
            renderer,
            mailer,
            defaults,
            retry,
            clock,
        }))
    }

    /// Delivers the row of `job` (see the module's documentation for what each outcome does).
    ///
    /// # Errors
    /// The records database failed; a row it had claimed stays `sending` and is sent again
    /// after the sending timeout.
    #[tracing::instrument(skip_all, fields(trust_id = %job.trust_id, outbox_id = %job.outbox_id))]
    pub async fn deliver(&self, job: Notify) -> Result<(), StoreError> {
        let this = &self.0;
        #[expect(
            clippy::disallowed_methods,
            reason = "the notifier sends what the trust's outbox holds, for every person of it"
        )]
        let scope = Scope::system(job.trust_id, SystemActor::Notifier, Origin::Worker);
        let now = this.clock.now();
        let claimed = match job.leased_until {
            Some(until) => {
                outbox::claim_leased(&this.db, &scope, job.outbox_id, until, now).await?
            }
            None => outbox::claim(&this.db, &scope, job.outbox_id, now).await?,
        };
        let Some(row) = claimed else {
            return Ok(());
        };
        let outgoing = match outbox::message(&this.db, &scope, &row, &this.defaults).await {
            Ok(outgoing) => outgoing,
            Err(StoreError::Invalid { reason, .. }) => {
                return self.failed(&scope, &row, &reason).await;
            }
            Err(StoreError::NotFound) => {
                return self
                    .failed(&scope, &row, "the message's trust was not found")
                    .await;
            }
            Err(other) => {
                // Nothing was sent: this try failed, and the row says when to try again. If
                // the database cannot take even that, the row is recovered after the timeout.
                let reason = format!("reading the message failed: {other}");
                return self.transient(&scope, &row, &reason).await.map(|_| ());
            }
        };
        let envelope = Envelope {
            message_id: message_id(row.id, &outgoing.from.email),
            from: outgoing.from,
            reply_to: outgoing.reply_to,
            sent_at: this.clock.now(),
        };
        let message = match this.renderer.compose(&outgoing.email, &envelope) {
            Ok(message) => message,
            Err(error) => {
                let reason = format!("the message could not be composed: {error}");
                return self.failed(&scope, &row, &reason).await;
            }
        };

        let sent = this.mailer.send(&message).await;
        // Nothing between the relay's answer and its record but this one update.
        let now = this.clock.now();
        let recorded = match sent {
            Ok(accepted) => {
                let delivered = Delivered {
                    smtp_response: accepted.response,
                    message_id: envelope.message_id,
                    delivered_to: outgoing.email.recipient.email,
                };
                outbox::record_sent(&this.db, &scope, row.id, now, &delivered).await?
            }
            Err(failure) => match failure.kind {
                FailureKind::Transient => self.transient(&scope, &row, &failure.reason).await?,
                FailureKind::Permanent => {
                    let stopped = Stopped::Failed;
                    outbox::record_stopped(&this.db, &scope, row.id, now, stopped, &failure.reason)
                        .await?
                }
                FailureKind::Bounced => {
                    let stopped = Stopped::Bounced;
                    outbox::record_stopped(&this.db, &scope, row.id, now, stopped, &failure.reason)
                        .await?
                }
            },
        };
        if !recorded {
            tracing::warn!(
                outbox_id = %row.id,
                "the send outlived the sending timeout; the row was queued again meanwhile"
            );
        }
        Ok(())
    }

    /// A try that may succeed later: queued again after the backoff of the attempts so far,
    /// or failed once they reach the maximum. Whether the row was still this send's.
    async fn transient(
        &self,
        scope: &Scope,
        row: &outbox::Row,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let this = &self.0;
        let now = this.clock.now();
        let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
        if attempts >= this.retry.max_attempts {
            let reason = format!("gave up after {attempts} attempts: {reason}");
            return outbox::record_stopped(&this.db, scope, row.id, now, Stopped::Failed, &reason)
                .await;
        }
        let wait = retry_delay(attempts, this.retry.base, this.retry.max);
        let next = chrono::Duration::from_std(wait)
            .ok()
            .and_then(|wait| now.checked_add_signed(wait))
            .unwrap_or(now);
        outbox::record_retry(&this.db, scope, row.id, now, next, reason).await
    }

    async fn failed(
        &self,
        scope: &Scope,
        row: &outbox::Row,
        reason: &str,
    ) -> Result<(), StoreError> {
        tracing::warn!(outbox_id = %row.id, reason, "message failed");
        outbox::record_stopped(
            &self.0.db,
            scope,
            row.id,
            self.0.clock.now(),
            Stopped::Failed,
            reason,
        )
        .await?;
        Ok(())
    }
}

/// The `Message-ID` of an outbox row: the same for every send of the row, so a receiver can
/// recognise a resend after an interrupted one.
pub fn message_id(outbox_id: uuid::Uuid, sender: &str) -> String {
    let domain = sender
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('>'))
        .filter(|domain| !domain.is_empty())
        .unwrap_or("haven");
    format!("<{outbox_id}@{domain}>")
}

/// The apalis handler: one job, one row.
pub(crate) async fn deliver(job: Notify, deliverer: Data<Deliverer>) -> Result<(), BoxDynError> {
    deliverer.deliver(job).await.map_err(|error| {
        tracing::error!(outbox_id = %job.outbox_id, %error, "delivery could not be recorded");
        error.into()
    })
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::message_id;

    #[test]
    fn a_message_id_is_the_row_at_the_senders_domain() {
        let id = Uuid::nil();
        assert_eq!(
            message_id(id, "alerts@trust.example"),
            format!("<{id}@trust.example>")
        );
        assert_eq!(message_id(id, "nobody"), format!("<{id}@haven>"));
    }
}
