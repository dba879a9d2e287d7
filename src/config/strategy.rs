//! The `[strategy]` section of [`Config`](super::Config): deception settings the sessions use.

use serde::{Deserialize, Serialize};

/// Deception settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    /// Least delay added before each HTTP decoy answer, in milliseconds.
    pub http_latency_min_ms: u64,
    /// Most delay added before each HTTP decoy answer; each answer waits a uniformly random
    /// time between the two, like a real application's varying response time.
    pub http_latency_max_ms: u64,
}

impl Default for StrategyConfig {
    fn default() -> Self {
        StrategyConfig {
            http_latency_min_ms: 5,
            http_latency_max_ms: 60,
        }
    }
}
