//! The `[strategy]` section of [`Config`](super::Config): deception settings the sessions use
//! (Layer 3).

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::models::bandit::Exploration;
use crate::models::strategy::Deception;

/// How sessions get their deception settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyMode {
    /// The bandit picks them per attacker class and attack phase and learns from each
    /// session's outcome.
    #[default]
    Adaptive,
    /// Every session runs `strategy.fixed` (for comparison with the adaptive mode).
    Fixed,
    /// No Layer 3: the static honeypot's settings and no `mirage.strategy` events.
    Off,
}

impl StrategyMode {
    /// The mode's name as configuration and events spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyMode::Adaptive => "adaptive",
            StrategyMode::Fixed => "fixed",
            StrategyMode::Off => "off",
        }
    }
}

/// Deception settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    /// Least delay added before each HTTP decoy answer, in milliseconds.
    pub http_latency_min_ms: u64,
    /// Most delay added before each HTTP decoy answer; each answer waits a uniformly random
    /// time between the two, like a real application's varying response time.
    pub http_latency_max_ms: u64,
    /// `adaptive` (the bandit chooses and learns), `fixed` (every session runs
    /// [`StrategyConfig::fixed`]) or `off` (no Layer 3).
    pub mode: StrategyMode,
    /// The settings of the `fixed` mode.
    pub fixed: Deception,
    /// Whether the adaptive mode learns from finished sessions; `false` keeps choosing from
    /// what it learned so far (restored from the store) without changing it.
    pub learning: bool,
    /// Most share, in percent, of recent choices per setting that may differ from the option
    /// that looks best so far.
    pub exploration_max_percent: u32,
    /// Chance, in percent, that a setting is chosen uniformly at random (never more than
    /// `exploration_max_percent`): keeps noticing when attackers change.
    pub exploration_min_percent: u32,
    /// The learned state is saved to the store at most this often (seconds), and at shutdown.
    pub save_secs: u64,
    /// Seed of the adaptive mode's random choices; `0`: a fresh seed at each start.
    pub seed: u64,
}

impl Default for StrategyConfig {
    fn default() -> Self {
        StrategyConfig {
            http_latency_min_ms: 5,
            http_latency_max_ms: 60,
            mode: StrategyMode::Adaptive,
            fixed: Deception::default(),
            learning: true,
            exploration_max_percent: 20,
            exploration_min_percent: 2,
            save_secs: 10,
            seed: 0,
        }
    }
}

impl StrategyConfig {
    /// Refuses exploration bounds that contradict each other and a zero save interval.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.exploration_max_percent > 100 {
            return Err(ConfigError::Invalid {
                key: "strategy.exploration_max_percent",
                message: "must be at most 100".into(),
            });
        }
        if self.exploration_min_percent > self.exploration_max_percent {
            return Err(ConfigError::Invalid {
                key: "strategy.exploration_min_percent",
                message: "must not exceed strategy.exploration_max_percent".into(),
            });
        }
        if self.save_secs == 0 {
            return Err(ConfigError::Invalid {
                key: "strategy.save_secs",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// The bandit's exploration bound.
    pub fn exploration(&self) -> Exploration {
        Exploration {
            max_share: f64::from(self.exploration_max_percent.min(100)) / 100.0,
            floor: f64::from(
                self.exploration_min_percent
                    .min(self.exploration_max_percent),
            ) / 100.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::models::strategy::{ErrorInjection, LatencyProfile};

    #[test]
    fn the_section_reads_every_setting() {
        let text = "[strategy]\nmode = \"fixed\"\nlearning = false\nexploration_max_percent = 10\n\
                    exploration_min_percent = 1\nsave_secs = 3\nseed = 42\n\
                    [strategy.fixed]\nlatency = \"human_jitter\"\nerrors = \"realistic\"\n";
        let c = Config::from_toml(Path::new("t.toml"), text).unwrap();
        let s = &c.strategy;
        assert_eq!(s.mode, StrategyMode::Fixed);
        assert!(!s.learning);
        assert_eq!(s.fixed.latency, LatencyProfile::HumanJitter);
        assert_eq!(s.fixed.errors, ErrorInjection::Realistic);
        assert_eq!((s.save_secs, s.seed), (3, 42));
        assert_eq!(
            s.exploration(),
            Exploration {
                max_share: 0.1,
                floor: 0.01
            }
        );
        assert!(s.validate().is_ok());
    }

    #[test]
    fn a_misspelt_fixed_setting_is_refused_not_ignored() {
        let text = "[strategy]\nmode = \"fixed\"\n[strategy.fixed]\nlatencey = \"slow_disk\"\n";
        let err = Config::from_toml(Path::new("t.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("latencey"), "{err}");
    }

    #[test]
    fn contradictory_bounds_are_refused_by_name() {
        let mut s = StrategyConfig {
            exploration_min_percent: 30,
            ..StrategyConfig::default()
        };
        let err = s.validate().unwrap_err().to_string();
        assert!(err.starts_with("strategy.exploration_min_percent"), "{err}");
        s.exploration_min_percent = 0;
        s.exploration_max_percent = 101;
        assert!(s.validate().is_err());
        s.exploration_max_percent = 5;
        s.save_secs = 0;
        assert!(s.validate().unwrap_err().to_string().contains("save_secs"));
    }

    #[test]
    fn a_bad_mode_is_refused() {
        let err = Config::from_toml(Path::new("t.toml"), "[strategy]\nmode = \"clever\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("clever") || err.contains("mode"), "{err}");
    }
}
