//! The `[models]` section of [`Config`](super::Config): where the trained models come from.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Trained models (next-command predictor, attack-phase HMM, classifier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelsConfig {
    /// Directory of model files written by `mirage train` (`manifest.json` and one file per
    /// model), loaded at start and again on `POST /api/models/reload`. A directory that does
    /// not exist leaves the node with the rule labeller only (a warning says so); a directory
    /// whose files cannot be read stops the node at start.
    pub dir: PathBuf,
}

impl Default for ModelsConfig {
    fn default() -> Self {
        ModelsConfig {
            dir: PathBuf::from("./models"),
        }
    }
}
