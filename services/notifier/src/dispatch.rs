//! The dispatcher: every poll interval, in each trust, it queues again the rows a stopped
//! notifier left `sending`, leases the rows that are due and pushes one [`Notify`] job for each.
//!
//! The outbox row is the truth and the job only a nudge: a job that is lost, or a push that
//! fails, costs the row its lease's wait, after which the next round leases it again.

use std::{sync::Arc, time::Duration};

use haven_jobs::{Clock, JobsError, Notify, QueueStore};
use haven_store::{Db, Origin, Scope, StoreError, SystemActor, outbox};
use tokio::sync::watch;
use uuid::Uuid;

/// How long a leased row is left to its job before another round may lease it again.
pub const LEASE: Duration = Duration::from_secs(60);
/// The most rows of one trust leased in one round.
pub const LEASE_LIMIT: u64 = 500;

/// Why a round stopped short.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("the outbox: {0}")]
    Store(#[from] StoreError),
    #[error("the notification queue: {0}")]
    Queue(#[from] JobsError),
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Rows found `sending` past the timeout and queued again.
    pub recovered: u64,
    /// Rows leased and pushed as jobs.
    pub pushed: usize,
}

/// Leases due outbox rows and pushes their jobs.
#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    queue: QueueStore,
    clock: Arc<dyn Clock>,
    sending_timeout: Duration,
    max_attempts: u32,
}

impl Dispatcher {
    /// A dispatcher over `db`'s outbox pushing to `queue`; a row `sending` for longer than
    /// `sending_timeout` is taken to be interrupted, and sent again unless it has been tried
    /// `max_attempts` times.
    pub fn new(
        db: Db,
        queue: QueueStore,
        clock: Arc<dyn Clock>,
        sending_timeout: Duration,
        max_attempts: u32,
    ) -> Self {
        Self {
            db,
            queue,
            clock,
            sending_timeout,
            max_attempts,
        }
    }

    /// One round over every trust. A trust whose round fails does not hold up the others.
    ///
    /// # Errors
    /// The records database or the queue failed (the first failure is returned once every
    /// trust has had its turn); rows leased but not pushed are leased again when their lease
    /// runs out.
    #[tracing::instrument(skip_all)]
    pub async fn round(&self) -> Result<Round, DispatchError> {
        let mut round = Round::default();
        let mut failure = None;
        for trust_id in outbox::trust_ids(&self.db).await? {
            if let Err(error) = self.trust_round(trust_id, &mut round).await {
                tracing::warn!(%trust_id, %error, "dispatching a trust's notifications failed");
                failure.get_or_insert(error);
            }
        }
        failure.map_or(Ok(round), Err)
    }

    #[tracing::instrument(skip_all, fields(%trust_id))]
    async fn trust_round(&self, trust_id: Uuid, round: &mut Round) -> Result<(), DispatchError> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the notifier sends what the trust's outbox holds, for every person of it"
        )]
        let scope = Scope::system(trust_id, SystemActor::Notifier, Origin::Worker);
        if !outbox::has_work(&self.db, &scope, self.clock.now(), self.sending_timeout).await? {
            return Ok(());
        }
        let recovered = outbox::recover_interrupted(
            &self.db,
            &scope,
            self.clock.now(),
            self.sending_timeout,
            self.max_attempts,
        )
        .await?;
        if recovered > 0 {
            tracing::warn!(
                %trust_id,
                recovered,
                "messages interrupted while sending are queued again"
            );
        }
        round.recovered = round.recovered.saturating_add(recovered);
        let now = self.clock.now();
        let leased_until = outbox::lease_end(now, LEASE);
        let leased = outbox::lease_due(&self.db, &scope, now, LEASE, LEASE_LIMIT).await?;
        for outbox_id in leased {
            self.queue
                .push_notify(Notify {
                    trust_id,
                    outbox_id,
                    leased_until: Some(leased_until),
                })
                .await?;
            round.pushed = round.pushed.saturating_add(1);
        }
        Ok(())
    }

    /// Runs a round every `interval` until `stop` turns true.
    pub async fn run(self, interval: Duration, mut stop: watch::Receiver<bool>) {
        loop {
            match self.round().await {
                Ok(round) if round.pushed > 0 => {
                    tracing::debug!(pushed = round.pushed, "notifications dispatched");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "dispatching notifications failed"),
            }
            tokio::select! {
                _ = stop.wait_for(|stop| *stop) => break,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}
