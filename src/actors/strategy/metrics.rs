//! Layer 3's Prometheus metrics, registered in the node's [`crate::metrics::Metrics`].

use prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

use super::{DIMENSIONS, option_names};

/// Choices, outcomes, rewards and saves.
#[derive(Clone)]
pub struct StrategyMetrics {
    /// Settings handed to sessions, by dimension (`latency`, …) and option (`human_jitter`, …).
    pub choices_total: IntCounterVec,
    /// Finished sessions reported, by whether the bandit learned from them (`learned`) or
    /// not (`ignored`: fixed mode, learning off, or no choice made).
    pub outcomes_total: IntCounterVec,
    /// The rewards of finished sessions (0..=1).
    pub reward: Histogram,
    /// Attempts to save the learned state, by result (`ok`, `error`).
    pub saves_total: IntCounterVec,
}

impl StrategyMetrics {
    /// Fresh, unregistered metrics, with every dimension and option at 0.
    pub fn new() -> StrategyMetrics {
        let metrics = StrategyMetrics {
            choices_total: IntCounterVec::new(
                Opts::new(
                    "mirage_strategy_choices_total",
                    "Deception settings handed to sessions, by dimension and option.",
                ),
                &["dimension", "option"],
            )
            .expect("valid metric"),
            outcomes_total: IntCounterVec::new(
                Opts::new(
                    "mirage_strategy_outcomes_total",
                    "Finished sessions reported to the strategy layer, by result (learned, ignored).",
                ),
                &["result"],
            )
            .expect("valid metric"),
            reward: Histogram::with_opts(
                HistogramOpts::new(
                    "mirage_strategy_reward",
                    "Reward (0..1) of finished sessions: dwell, commands, downloads, tokens.",
                )
                .buckets(vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
            )
            .expect("valid metric"),
            saves_total: IntCounterVec::new(
                Opts::new(
                    "mirage_strategy_saves_total",
                    "Saves of the learned strategy state to the store, by result (ok, error).",
                ),
                &["result"],
            )
            .expect("valid metric"),
        };
        for (d, dimension) in DIMENSIONS.iter().enumerate() {
            for option in option_names(d) {
                metrics
                    .choices_total
                    .with_label_values(&[dimension, option]);
            }
        }
        for result in ["learned", "ignored"] {
            metrics.outcomes_total.with_label_values(&[result]);
        }
        for result in ["ok", "error"] {
            metrics.saves_total.with_label_values(&[result]);
        }
        metrics
    }

    /// Registers every metric in `registry`.
    pub fn register(&self, registry: &Registry) {
        for vec in [&self.choices_total, &self.outcomes_total, &self.saves_total] {
            registry
                .register(Box::new(vec.clone()))
                .expect("unique metric");
        }
        registry
            .register(Box::new(self.reward.clone()))
            .expect("unique metric");
    }
}

impl Default for StrategyMetrics {
    fn default() -> Self {
        StrategyMetrics::new()
    }
}
