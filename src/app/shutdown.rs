//! [`Node::shutdown`]: the node's one way down, in the order that loses nothing.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{FLUSH_TIMEOUT, Node};
use crate::actors::sink::Flush;

impl Node {
    /// Stops accepting, closes every session (recording their closing events), drains the
    /// spool into the store for a few seconds, flushes the log, and stops the listeners.
    /// Returns how many events stay in the spool for the next start.
    pub async fn shutdown(self) -> u64 {
        self.readiness.ssh.store(false, Ordering::SeqCst);
        self.readiness.http.store(false, Ordering::SeqCst);
        // Nobody listening means the SSH task already ended; either way it is stopping.
        self.ssh_shutdown.send_replace(true);
        if let Err(err) = self.ssh_task.await {
            tracing::error!(error = %err, "The SSH listener task failed.");
        }
        // Stops accepting, ends every HTTP session (their closing events) and saves the limits.
        self.http_shutdown.send_replace(true);
        if let Err(err) = self.http_task.await {
            tracing::error!(error = %err, "The HTTP listener task failed.");
        }
        let pending = self
            .sink
            .send(Flush {
                timeout: FLUSH_TIMEOUT,
            })
            .await
            .unwrap_or(u64::MAX);
        // The attacker records as of the last event.
        if let Some(correlation) = &self.correlation
            && let Err(err) = correlation
                .send(crate::actors::correlation::SaveRecords)
                .await
        {
            tracing::warn!(error = %err, "Cannot save the attacker records.");
        }
        self.readiness.admin.store(false, Ordering::SeqCst);
        self.admin.stop(true).await;
        // The session actors go now, before the last drain: what they send as they are
        // dropped (a recording's `cowrie.log.closed`, Layer 3's outcome) must still reach the
        // store and the strategy's final save. Bounded, so a stuck thread cannot hold the exit.
        for arbiter in &self.arbiters {
            arbiter.stop();
        }
        let arbiters = self.arbiters;
        let joined = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::task::spawn_blocking(move || {
                for arbiter in arbiters {
                    if arbiter.join().is_err() {
                        tracing::error!("A session worker thread failed.");
                    }
                }
            }),
        )
        .await;
        if joined.is_err() {
            tracing::warn!("Session workers still busy after 5 s; shutting down without them.");
        }
        // Events that reached the sink while the above ran (an alert raised from the last
        // events, a session's last update) are drained too; skipped when the store is down,
        // so a shutdown never waits twice.
        //
        // Events can reach the sink while a drain runs (it does not hold the mailbox), so it
        // drains until two drains 50 ms apart leave nothing, at most five times; a drain that
        // ran into its timeout means the store is down: the rest stays in the spool.
        let mut pending = pending;
        if pending == 0 {
            for attempt in 0..5 {
                let started = std::time::Instant::now();
                pending = self
                    .sink
                    .send(Flush {
                        timeout: FLUSH_TIMEOUT,
                    })
                    .await
                    .unwrap_or(u64::MAX);
                if (pending == 0 && attempt > 0) || started.elapsed() >= FLUSH_TIMEOUT {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        // Layer 3's learned state, as of the sessions' outcomes so far.
        if let Some(strategy) = &self.strategy
            && !matches!(
                strategy.send(crate::actors::strategy::SaveStrategy).await,
                Ok(true)
            )
        {
            tracing::warn!("Cannot save the strategy state at shutdown.");
        }
        if let Some(reflex) = &self.reflex {
            reflex.save_if_dirty();
        }
        // Alerts queued or in flight go to the dead-letter file as their tasks are dropped;
        // wait for that (it is a few file appends) so none is lost at exit.
        if let Some(arbiter) = self.webhook_arbiter {
            arbiter.stop();
            if arbiter.join().is_err() {
                tracing::error!("The webhook delivery thread failed.");
            }
        }
        drop(self.ssh_runtime);
        if pending > 0 {
            tracing::warn!(
                pending,
                "Store unreachable at shutdown; events stay in the spool."
            );
        }
        pending
    }
}
