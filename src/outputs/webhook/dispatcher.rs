//! The alert actor's side of webhook delivery: one bounded queue per webhook.
//!
//! [`Dispatcher::submit`] never waits: it `try_send`s into each webhook's queue and counts
//! what does not fit. Each queue is drained by its own [`SinkWorker`] task, so a slow or dead
//! webhook holds up only its own alerts, never a session or another webhook.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus::IntCounter;
use tokio::sync::mpsc;

use super::backoff::Backoff;
use super::dead_letter::DeadLetter;
use super::format::AlertPayload;
use super::rate_limit::TokenBucket;
use super::worker::{SinkCounters, SinkWorker};
use crate::config::AlertConfig;
use crate::events::Severity;
use crate::metrics::Metrics;

/// Why webhook delivery could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the webhook HTTP client")]
    Client(#[source] reqwest::Error),
    /// A webhook's URL does not parse; the URL is not repeated, it holds secrets.
    #[error("webhook {sink} has no valid URL")]
    Url {
        /// The webhook's label.
        sink: String,
    },
}

/// One webhook's queue, as the alert actor sees it.
struct SinkQueue {
    name: String,
    min_severity: Severity,
    tx: mpsc::Sender<Arc<AlertPayload>>,
    dropped: IntCounter,
}

/// Hands alerts to every webhook's queue without ever waiting. Cheap to clone.
#[derive(Clone, Default)]
pub struct Dispatcher {
    queues: Arc<[SinkQueue]>,
}

/// What [`Dispatcher::submit`] did with one alert.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// Queues that took it.
    pub queued: usize,
    /// Queues that were full (counted in `mirage_webhook_dropped_total`).
    pub dropped: usize,
}

impl Dispatcher {
    /// The dispatcher for every webhook in `config` and the workers that deliver for it; spawn
    /// each worker's [`SinkWorker::run`] on a tokio runtime (the node gives them their own
    /// arbiter). No webhooks: an empty dispatcher and no workers.
    pub fn build(
        config: &AlertConfig,
        data_dir: &Path,
        metrics: &Metrics,
    ) -> Result<(Dispatcher, Vec<SinkWorker>), WebhookError> {
        let sinks = config.sinks();
        if sinks.is_empty() {
            return Ok((Dispatcher::default(), Vec::new()));
        }
        let timeout = Duration::from_millis(config.timeout_ms.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A webhook answers where it is; a redirect is a misconfiguration, not a retry.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(WebhookError::Client)?;
        let dead_letter = DeadLetter::new(data_dir.join(&config.dead_letter));
        let backoff = Backoff {
            base: Duration::from_millis(config.retry_base_ms),
            max: Duration::from_millis(config.retry_max_ms.max(config.retry_base_ms)),
        };
        let now = Instant::now();
        let mut queues = Vec::with_capacity(sinks.len());
        let mut workers = Vec::with_capacity(sinks.len());
        for (index, sink) in sinks.iter().enumerate() {
            let name = format!("{}{index}", sink.format.as_str());
            let url = reqwest::Url::parse(&sink.url)
                .map_err(|_| WebhookError::Url { sink: name.clone() })?;
            let (tx, rx) = mpsc::channel(config.queue_size.max(1));
            let label = [name.as_str()];
            queues.push(SinkQueue {
                name: name.clone(),
                min_severity: sink.min_severity,
                tx,
                dropped: metrics.webhook_dropped_total.with_label_values(&label),
            });
            workers.push(SinkWorker {
                counters: SinkCounters {
                    sent: metrics.webhook_sent_total.with_label_values(&label),
                    rate_limited: metrics.webhook_rate_limited_total.with_label_values(&label),
                    failed: metrics.webhook_failed_total.with_label_values(&label),
                    retries: metrics.webhook_retries_total.with_label_values(&label),
                },
                name,
                format: sink.format,
                url,
                client: client.clone(),
                rx,
                bucket: TokenBucket::per_minute(config.rate_limit_per_minute, now),
                backoff,
                max_retries: config.max_retries,
                dead_letter: dead_letter.clone(),
                current: None,
            });
        }
        Ok((
            Dispatcher {
                queues: queues.into(),
            },
            workers,
        ))
    }

    /// The webhooks' labels (`json0`, `slack1`, …), in order.
    pub fn sinks(&self) -> Vec<&str> {
        self.queues.iter().map(|q| q.name.as_str()).collect()
    }

    /// Queues `alert` for every webhook that takes its severity. Never waits: a full queue
    /// drops the alert for that webhook and counts it.
    pub fn submit(&self, alert: AlertPayload) -> Submitted {
        let alert = Arc::new(alert);
        let mut submitted = Submitted::default();
        for queue in self
            .queues
            .iter()
            .filter(|q| alert.severity >= q.min_severity)
        {
            match queue.tx.try_send(alert.clone()) {
                Ok(()) => submitted.queued += 1,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    submitted.dropped += 1;
                    queue.dropped.inc();
                    tracing::warn!(sink = %queue.name, rule = %alert.rule, "Webhook queue full; alert dropped for it.");
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    // The worker is gone (node shutting down): nothing can deliver it.
                    submitted.dropped += 1;
                    queue.dropped.inc();
                }
            }
        }
        submitted
    }
}
