//! The `[reflex]` section of [`Config`](super::Config): the Layer 0 reflex rules sessions run.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::models::reflex::{Rules, RulesError};

/// Layer 0 reflexes: rules on input lines, events and rates that add latency, tarpit, answer
/// with canned output, drop the session, raise alerts and tag sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReflexConfig {
    /// Run the reflex rules on every session's lines and events. `false`: no reflexes.
    pub enabled: bool,
    /// The rules file (TOML, see `assets/reflex/default.toml` for the format). Empty: the
    /// built-in rules. A file that cannot be read or has a bad rule stops the node at start,
    /// naming the file, the rule and the reason.
    pub rules: PathBuf,
}

impl Default for ReflexConfig {
    fn default() -> Self {
        ReflexConfig {
            enabled: true,
            rules: PathBuf::new(),
        }
    }
}

impl ReflexConfig {
    /// The compiled rules: the file's, or the built-in ones when `rules` is empty; `None`
    /// when reflexes are off.
    pub fn load_rules(&self) -> Result<Option<Rules>, RulesError> {
        if !self.enabled {
            return Ok(None);
        }
        if self.rules.as_os_str().is_empty() {
            return Rules::builtin().map(Some);
        }
        let file = self.rules.display().to_string();
        let text = std::fs::read_to_string(&self.rules).map_err(|err| RulesError::File {
            file: file.clone(),
            message: format!("cannot read it: {err}"),
        })?;
        Rules::parse(&file, &text).map(Some)
    }

    /// Checks that the rules load.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.load_rules()
            .map(drop)
            .map_err(|err| ConfigError::Invalid {
                key: "reflex.rules",
                message: err.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_builtin_rules_and_off_loads_none() {
        let rules = ReflexConfig::default().load_rules().unwrap().unwrap();
        assert_eq!(rules.len(), Rules::builtin().unwrap().len());
        let off = ReflexConfig {
            enabled: false,
            rules: PathBuf::from("/nonexistent/rules.toml"),
        };
        assert!(off.load_rules().unwrap().is_none());
        off.validate().unwrap();
    }

    #[test]
    fn a_bad_or_missing_file_names_the_file_and_rule() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(
            &path,
            "[[rule]]\nname = \"broken\"\nregex = \"[z-a]\"\nactions = [\"drop\"]\n",
        )
        .unwrap();
        let config = ReflexConfig {
            enabled: true,
            rules: path.clone(),
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "reflex.rules: {}: rule \"broken\": bad regex",
                path.display()
            )),
            "{err}"
        );
        let missing = ReflexConfig {
            enabled: true,
            rules: dir.path().join("none.toml"),
        };
        let err = missing.validate().unwrap_err().to_string();
        assert!(err.contains("none.toml: cannot read it"), "{err}");
    }
}
