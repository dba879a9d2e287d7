//! One webhook's delivery task: rate limit, POST with retries, dead-letter on failure.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use prometheus::IntCounter;
use tokio::sync::mpsc;

use super::backoff::Backoff;
use super::dead_letter::{DeadLetter, DeadLetterEntry};
use super::format::{self, AlertPayload};
use super::rate_limit::TokenBucket;
use crate::config::WebhookFormat;

/// One webhook's counters (label `sink`).
pub(super) struct SinkCounters {
    pub(super) sent: IntCounter,
    pub(super) rate_limited: IntCounter,
    pub(super) failed: IntCounter,
    pub(super) retries: IntCounter,
}

/// Delivers one webhook's queue, in order. Made by
/// [`Dispatcher::build`](super::Dispatcher::build); run it with [`SinkWorker::run`].
///
/// Dropped while alerts wait (the node stops): the alert in flight and every queued one go to
/// the dead-letter file with reason `shutdown`.
pub struct SinkWorker {
    pub(super) name: String,
    pub(super) format: WebhookFormat,
    pub(super) url: reqwest::Url,
    pub(super) client: reqwest::Client,
    pub(super) rx: mpsc::Receiver<Arc<AlertPayload>>,
    pub(super) bucket: TokenBucket,
    pub(super) backoff: Backoff,
    pub(super) max_retries: u32,
    pub(super) dead_letter: DeadLetter,
    pub(super) counters: SinkCounters,
    /// The alert being delivered and the attempts made so far.
    pub(super) current: Option<(Arc<AlertPayload>, u32)>,
}

/// How one delivery attempt went.
enum Attempt {
    /// 2xx.
    Sent,
    /// Worth retrying: 5xx, 429, timeout, connection failure.
    Retry(String),
    /// Not worth retrying: any other answer.
    Fatal(String),
}

impl SinkWorker {
    /// The webhook's label (`json0`, `slack1`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Delivers alerts until every [`Dispatcher`](super::Dispatcher) clone is gone.
    pub async fn run(mut self) {
        while let Some(alert) = self.rx.recv().await {
            if !self.bucket.try_take(Instant::now()) {
                self.counters.rate_limited.inc();
                tracing::warn!(sink = %self.name, rule = %alert.rule, next_in = ?self.bucket.next_in(), "Webhook rate limit reached.");
                self.give_up(&alert, "rate_limited", 0);
                continue;
            }
            self.current = Some((alert.clone(), 0));
            let outcome = self.deliver(&alert).await;
            self.current = None;
            match outcome {
                Ok(attempts) => {
                    self.counters.sent.inc();
                    tracing::debug!(sink = %self.name, rule = %alert.rule, attempts, "Alert delivered.");
                }
                Err((reason, attempts)) => {
                    self.counters.failed.inc();
                    self.give_up(&alert, &reason, attempts);
                }
            }
        }
    }

    /// POSTs `alert` until it is taken, refused, or the retries are used up. Ok: the attempts
    /// it took; Err: the last reason and the attempts made.
    async fn deliver(&mut self, alert: &AlertPayload) -> Result<u32, (String, u32)> {
        let body = format::body(self.format, alert).to_string().into_bytes();
        let mut retry = 0;
        loop {
            let attempts = retry + 1;
            if let Some((_, made)) = &mut self.current {
                *made = attempts;
            }
            let reason = match self.attempt(body.clone()).await {
                Attempt::Sent => return Ok(attempts),
                Attempt::Fatal(reason) => return Err((reason, attempts)),
                Attempt::Retry(reason) => reason,
            };
            if retry >= self.max_retries {
                return Err((reason, attempts));
            }
            self.counters.retries.inc();
            let delay = self.backoff.delay(retry, &mut rand::thread_rng());
            tracing::debug!(sink = %self.name, %reason, ?delay, "Webhook delivery failed; retrying.");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn attempt(&self, body: Vec<u8>) -> Attempt {
        let sent = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    Attempt::Sent
                } else if status.is_server_error() || status.as_u16() == 429 {
                    Attempt::Retry(format!("http {}", status.as_u16()))
                } else {
                    Attempt::Fatal(format!("http {}", status.as_u16()))
                }
            }
            // reqwest's own messages name the URL, which holds secrets: say what kind only.
            Err(err) if err.is_timeout() => Attempt::Retry("timeout".into()),
            Err(err) if err.is_connect() => Attempt::Retry("connection failed".into()),
            Err(_) => Attempt::Retry("request failed".into()),
        }
    }

    /// Writes `alert` to the dead-letter file.
    fn give_up(&self, alert: &AlertPayload, reason: &str, attempts: u32) {
        tracing::warn!(sink = %self.name, rule = %alert.rule, reason, attempts, "Alert not delivered; written to the dead-letter file.");
        let entry = DeadLetterEntry {
            timestamp: Utc::now(),
            sink: self.name.clone(),
            reason: reason.to_owned(),
            attempts,
            alert: alert.clone(),
        };
        if let Err(err) = self.dead_letter.append(&entry) {
            tracing::error!(sink = %self.name, error = %err, path = %self.dead_letter.path().display(), "Cannot write the dead-letter file; alert lost.");
        }
    }
}

impl Drop for SinkWorker {
    fn drop(&mut self) {
        if let Some((alert, attempts)) = self.current.take() {
            self.counters.failed.inc();
            self.give_up(&alert, "shutdown", attempts);
        }
        while let Ok(alert) = self.rx.try_recv() {
            self.counters.failed.inc();
            self.give_up(&alert, "shutdown", 0);
        }
    }
}
