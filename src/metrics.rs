//! Prometheus metrics of one node, served as text on the admin listener's `/metrics`.
//!
//! Each node owns its own [`prometheus::Registry`] (no global recorder), so several nodes can run
//! in one test process without mixing their numbers.

use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

/// The `reason` of `mirage_connections_refused_total` for the node-wide cap.
pub const REFUSED_NODE: &str = "node";
/// The `reason` of `mirage_connections_refused_total` for the per-address cap.
pub const REFUSED_PER_IP: &str = "per_ip";

/// Every metric the node exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Attacker sessions open now, by protocol.
    pub sessions_active: IntGaugeVec,
    /// Attacker sessions accepted since start, by protocol.
    pub sessions_total: IntCounterVec,
    /// Login attempts, by result (`success`, `failed`).
    pub logins_total: IntCounterVec,
    /// Command lines entered by attackers.
    pub commands_total: IntCounter,
    /// Events accepted by the sink, by eventid.
    pub events_total: IntCounterVec,
    /// Events waiting in the on-disk spool for the store.
    pub events_spooled: IntGauge,
    /// Events written to the store.
    pub events_stored_total: IntCounter,
    /// Events a full subscriber (the alert actor) could not take; they are still stored.
    pub events_dropped_total: IntCounter,
    /// Failed attempts to write to the store.
    pub store_errors_total: IntCounter,
    /// Actor restarts after a failure, by actor.
    pub actor_restarts_total: IntCounterVec,
    /// Time to answer one command line in a session actor.
    pub command_seconds: HistogramVec,
    /// Time to answer one HTTP request, by listener (`decoy`, `admin`).
    pub http_request_seconds: HistogramVec,
    /// Alerts raised, by rule and severity.
    pub alerts_raised_total: IntCounterVec,
    /// Alerts not raised because the same rule and key raised one within the dedup window.
    pub alerts_deduplicated_total: IntCounterVec,
    /// Alerts a webhook accepted (2xx), by sink (`json0`, `slack1`, …; never the URL).
    pub webhook_sent_total: IntCounterVec,
    /// Alerts not sent because the sink's rate limit was reached (dead-lettered), by sink.
    pub webhook_rate_limited_total: IntCounterVec,
    /// Alerts given up on after their retries (dead-lettered), by sink.
    pub webhook_failed_total: IntCounterVec,
    /// Delivery retries, by sink.
    pub webhook_retries_total: IntCounterVec,
    /// Alerts dropped because the sink's queue was full, by sink.
    pub webhook_dropped_total: IntCounterVec,
    /// Next-command predictions scored, by result: `top1` (the first guess was right), `top3`
    /// (the second or third was), `miss`. Each command counts once.
    pub predictions_total: IntCounterVec,
    /// Running share of scored commands the first guess predicted, since start.
    pub prediction_top1_ratio: Gauge,
    /// Running share of scored commands one of the three guesses predicted, since start.
    pub prediction_top3_ratio: Gauge,
    /// Connections closed at once past a cap, by protocol (`ssh`, `http`) and reason
    /// (`node`: the node-wide cap; `per_ip`: the per-address cap).
    pub connections_refused_total: IntCounterVec,
    /// Layer 4 persona: calls, cache hits, fallbacks, tokens.
    pub persona: crate::persona::metrics::PersonaMetrics,
    /// Layer 3 strategy: choices per dimension and option, outcomes, rewards, saves.
    pub strategy: crate::actors::strategy::StrategyMetrics,
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let latency_buckets = vec![
            0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0,
        ];
        let metrics = Metrics {
            sessions_active: IntGaugeVec::new(
                Opts::new("mirage_sessions_active", "Attacker sessions open now."),
                &["protocol"],
            )
            .expect("valid metric"),
            sessions_total: IntCounterVec::new(
                Opts::new(
                    "mirage_sessions_total",
                    "Attacker sessions accepted since start.",
                ),
                &["protocol"],
            )
            .expect("valid metric"),
            logins_total: IntCounterVec::new(
                Opts::new("mirage_logins_total", "Login attempts by result."),
                &["result"],
            )
            .expect("valid metric"),
            commands_total: IntCounter::new(
                "mirage_commands_total",
                "Command lines entered by attackers.",
            )
            .expect("valid metric"),
            events_total: IntCounterVec::new(
                Opts::new("mirage_events_total", "Events accepted by the sink."),
                &["eventid"],
            )
            .expect("valid metric"),
            events_spooled: IntGauge::new(
                "mirage_events_spooled",
                "Events waiting in the on-disk spool for the store.",
            )
            .expect("valid metric"),
            events_stored_total: IntCounter::new(
                "mirage_events_stored_total",
                "Events written to the store.",
            )
            .expect("valid metric"),
            events_dropped_total: IntCounter::new(
                "mirage_events_dropped_total",
                "Events a full subscriber (the alert actor) could not take; still stored.",
            )
            .expect("valid metric"),
            store_errors_total: IntCounter::new(
                "mirage_store_errors_total",
                "Failed attempts to write to the store.",
            )
            .expect("valid metric"),
            actor_restarts_total: IntCounterVec::new(
                Opts::new(
                    "mirage_actor_restarts_total",
                    "Actor restarts after a failure.",
                ),
                &["actor"],
            )
            .expect("valid metric"),
            command_seconds: HistogramVec::new(
                HistogramOpts::new(
                    "mirage_command_seconds",
                    "Time to answer one command line in a session actor.",
                )
                .buckets(latency_buckets.clone()),
                &["protocol"],
            )
            .expect("valid metric"),
            http_request_seconds: HistogramVec::new(
                HistogramOpts::new(
                    "mirage_http_request_seconds",
                    "Time to answer one HTTP request.",
                )
                .buckets(latency_buckets),
                &["listener"],
            )
            .expect("valid metric"),
            alerts_raised_total: IntCounterVec::new(
                Opts::new("mirage_alerts_raised_total", "Alerts raised."),
                &["rule", "severity"],
            )
            .expect("valid metric"),
            alerts_deduplicated_total: IntCounterVec::new(
                Opts::new(
                    "mirage_alerts_deduplicated_total",
                    "Alerts not raised: the same rule and key raised one within the dedup window.",
                ),
                &["rule"],
            )
            .expect("valid metric"),
            webhook_sent_total: IntCounterVec::new(
                Opts::new("mirage_webhook_sent_total", "Alerts a webhook accepted."),
                &["sink"],
            )
            .expect("valid metric"),
            webhook_rate_limited_total: IntCounterVec::new(
                Opts::new(
                    "mirage_webhook_rate_limited_total",
                    "Alerts over a webhook's rate limit (dead-lettered).",
                ),
                &["sink"],
            )
            .expect("valid metric"),
            webhook_failed_total: IntCounterVec::new(
                Opts::new(
                    "mirage_webhook_failed_total",
                    "Alerts a webhook never took after their retries (dead-lettered).",
                ),
                &["sink"],
            )
            .expect("valid metric"),
            webhook_retries_total: IntCounterVec::new(
                Opts::new("mirage_webhook_retries_total", "Webhook delivery retries."),
                &["sink"],
            )
            .expect("valid metric"),
            webhook_dropped_total: IntCounterVec::new(
                Opts::new(
                    "mirage_webhook_dropped_total",
                    "Alerts dropped because a webhook's queue was full.",
                ),
                &["sink"],
            )
            .expect("valid metric"),
            predictions_total: IntCounterVec::new(
                Opts::new(
                    "mirage_predictions_total",
                    "Next-command predictions scored, by result (top1, top3, miss).",
                ),
                &["result"],
            )
            .expect("valid metric"),
            prediction_top1_ratio: Gauge::new(
                "mirage_prediction_top1_ratio",
                "Share of commands the first next-command guess predicted, since start.",
            )
            .expect("valid metric"),
            prediction_top3_ratio: Gauge::new(
                "mirage_prediction_top3_ratio",
                "Share of commands one of the three next-command guesses predicted, since start.",
            )
            .expect("valid metric"),
            connections_refused_total: IntCounterVec::new(
                Opts::new(
                    "mirage_connections_refused_total",
                    "Connections closed at once past a cap, by protocol and reason (node, per_ip).",
                ),
                &["protocol", "reason"],
            )
            .expect("valid metric"),
            persona: crate::persona::metrics::PersonaMetrics::new(),
            strategy: crate::actors::strategy::StrategyMetrics::new(),
            registry,
        };
        // Invariant: every name above is distinct, so registration cannot collide.
        let registry = &metrics.registry;
        registry
            .register(Box::new(metrics.sessions_active.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.sessions_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.logins_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.commands_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.events_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.events_spooled.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.events_stored_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.events_dropped_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.store_errors_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.actor_restarts_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.command_seconds.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.http_request_seconds.clone()))
            .expect("unique metric");
        for alert_metric in [
            &metrics.alerts_raised_total,
            &metrics.alerts_deduplicated_total,
            &metrics.webhook_sent_total,
            &metrics.webhook_rate_limited_total,
            &metrics.webhook_failed_total,
            &metrics.webhook_retries_total,
            &metrics.webhook_dropped_total,
        ] {
            registry
                .register(Box::new(alert_metric.clone()))
                .expect("unique metric");
        }
        registry
            .register(Box::new(metrics.predictions_total.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.prediction_top1_ratio.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.prediction_top3_ratio.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(metrics.connections_refused_total.clone()))
            .expect("unique metric");
        metrics.persona.register(registry);
        metrics.strategy.register(registry);
        // Label sets that should show as 0 before anything happens.
        for protocol in ["ssh", "http"] {
            metrics.sessions_active.with_label_values(&[protocol]);
            metrics.sessions_total.with_label_values(&[protocol]);
        }
        for result in ["success", "failed"] {
            metrics.logins_total.with_label_values(&[result]);
        }
        for actor in ["session", "classifier", "sink"] {
            metrics.actor_restarts_total.with_label_values(&[actor]);
        }
        for protocol in ["ssh", "http"] {
            for reason in [REFUSED_NODE, REFUSED_PER_IP] {
                metrics
                    .connections_refused_total
                    .with_label_values(&[protocol, reason]);
            }
        }
        for result in ["top1", "top3", "miss"] {
            metrics.predictions_total.with_label_values(&[result]);
        }
        metrics
    }

    /// Counts one scored prediction in `mirage_predictions_total` and updates the running
    /// top-1 and top-3 ratios.
    pub fn record_prediction(&self, hit_top1: bool, hit_top3: bool) {
        let result = match (hit_top1, hit_top3) {
            (true, _) => "top1",
            (false, true) => "top3",
            (false, false) => "miss",
        };
        self.predictions_total.with_label_values(&[result]).inc();
        let count = |result: &str| self.predictions_total.with_label_values(&[result]).get();
        let (top1, top3, miss) = (count("top1"), count("top3"), count("miss"));
        let total = (top1 + top3 + miss).max(1) as f64;
        self.prediction_top1_ratio.set(top1 as f64 / total);
        self.prediction_top3_ratio.set((top1 + top3) as f64 / total);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Invariant: the text encoder only fails on a broken writer, and a Vec never fails.
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("encode to a Vec");
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_documented_families() {
        let m = Metrics::new();
        m.commands_total.inc();
        m.command_seconds
            .with_label_values(&["ssh"])
            .observe(0.0002);
        let text = m.render();
        for name in [
            "mirage_sessions_active",
            "mirage_sessions_total",
            "mirage_logins_total",
            "mirage_commands_total 1",
            "mirage_events_spooled",
            "mirage_actor_restarts_total",
            "mirage_command_seconds_bucket",
            "mirage_predictions_total{result=\"miss\"} 0",
            "mirage_connections_refused_total{protocol=\"http\",reason=\"per_ip\"} 0",
            "mirage_actor_restarts_total{actor=\"classifier\"} 0",
        ] {
            assert!(text.contains(name), "missing {name} in\n{text}");
        }
    }

    #[test]
    fn prediction_ratios_are_running_shares_of_every_scored_command() {
        let m = Metrics::new();
        m.record_prediction(true, true);
        m.record_prediction(false, true);
        m.record_prediction(false, false);
        m.record_prediction(true, true);
        let text = m.render();
        for line in [
            "mirage_predictions_total{result=\"top1\"} 2",
            "mirage_predictions_total{result=\"top3\"} 1",
            "mirage_predictions_total{result=\"miss\"} 1",
            "mirage_prediction_top1_ratio 0.5",
            "mirage_prediction_top3_ratio 0.75",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}

/// Which HTTP listener a request reached, for [`observe_http_latency`]; registered as app data.
#[derive(Clone)]
pub struct HttpTiming {
    /// Node metrics.
    pub metrics: Metrics,
    /// The `listener` label: `decoy` or `admin`.
    pub listener: &'static str,
}

/// actix-web middleware (use with `middleware::from_fn`): records each request's latency in
/// `mirage_http_request_seconds{listener}` when the app has [`HttpTiming`] data.
pub async fn observe_http_latency(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let timing = req.app_data::<actix_web::web::Data<HttpTiming>>().cloned();
    let started = std::time::Instant::now();
    let response = next.call(req).await;
    if let Some(timing) = timing {
        timing
            .metrics
            .http_request_seconds
            .with_label_values(&[timing.listener])
            .observe(started.elapsed().as_secs_f64());
    }
    response
}
