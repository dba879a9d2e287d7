//! The persona's Prometheus metrics, registered in the node's [`crate::metrics::Metrics`].

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

/// Calls, cache hits, fallbacks and tokens.
#[derive(Clone)]
pub struct PersonaMetrics {
    /// Model calls by result: `ok`, `timeout`, `error` (HTTP error or unreadable answer),
    /// `rejected` (an answer sanitizing left nothing of), and `budget` (not made: a budget
    /// was spent).
    pub calls_total: IntCounterVec,
    /// Commands answered from the cache.
    pub cache_hits_total: IntCounter,
    /// Commands left to `command not found`.
    pub fallbacks_total: IntCounter,
    /// Tokens the API reported spending.
    pub tokens_total: IntCounter,
}

/// The `result` labels of `mirage_persona_calls_total`.
pub const CALL_RESULTS: &[&str] = &["ok", "timeout", "error", "rejected", "budget"];

impl PersonaMetrics {
    /// Fresh, unregistered metrics.
    pub fn new() -> PersonaMetrics {
        let metrics = PersonaMetrics {
            calls_total: IntCounterVec::new(
                Opts::new(
                    "mirage_persona_calls_total",
                    "Persona model calls by result (ok, timeout, error, rejected, budget).",
                ),
                &["result"],
            )
            .expect("valid metric"),
            cache_hits_total: IntCounter::new(
                "mirage_persona_cache_hits_total",
                "Commands the persona answered from its cache.",
            )
            .expect("valid metric"),
            fallbacks_total: IntCounter::new(
                "mirage_persona_fallbacks_total",
                "Commands the persona left to `command not found`.",
            )
            .expect("valid metric"),
            tokens_total: IntCounter::new(
                "mirage_persona_tokens_total",
                "Tokens the persona's model reported spending.",
            )
            .expect("valid metric"),
        };
        for result in CALL_RESULTS {
            metrics.calls_total.with_label_values(&[result]);
        }
        metrics
    }

    /// Registers every metric in `registry`.
    pub fn register(&self, registry: &Registry) {
        registry
            .register(Box::new(self.calls_total.clone()))
            .expect("unique metric");
        for counter in [
            &self.cache_hits_total,
            &self.fallbacks_total,
            &self.tokens_total,
        ] {
            registry
                .register(Box::new(counter.clone()))
                .expect("unique metric");
        }
    }
}

impl Default for PersonaMetrics {
    fn default() -> Self {
        PersonaMetrics::new()
    }
}
