//! The models a node runs with: one directory written by `mirage train` (a manifest plus one
//! JSON file per model), loaded at start and swapped in whole on reload. Sessions take the
//! current set through a [`ModelHandle`] when they start and keep it for their life, so a
//! reload never changes a model under a running session.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::classifier::ClassifierModel;
use super::hmm::PhaseModel;
use super::markov::Markov;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The next-command predictor's file name.
pub const MARKOV_FILE: &str = "markov.json";
/// The attack-phase HMM's file name.
pub const PHASES_FILE: &str = "phases.json";
/// The attacker-class classifier's file name.
pub const CLASSIFIER_FILE: &str = "classifier.json";

/// What `mirage train` wrote about a model set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The set's version: a digest of its model files, so equal files give equal versions.
    pub version: String,
    /// When it was trained (RFC 3339).
    pub trained_at: String,
    /// What it was trained from (`corpus:<file>` or `store:<database>`), and how many sessions.
    pub trained_from: String,
    /// The evaluation report on the held-out sessions (the `mirage evaluate --json` object),
    /// when training held some out.
    #[serde(default)]
    pub report: Option<serde_json::Value>,
}

/// A set of trained models. Any model may be missing; the session then falls back to rules.
#[derive(Debug, Default)]
pub struct Models {
    /// Where the set came from and its version.
    pub manifest: Manifest,
    /// The next-command predictor (Layer 1).
    pub markov: Option<Markov>,
    /// The attack-phase HMM (Layer 1), shared with the sessions' features.
    pub phases: Option<Arc<PhaseModel>>,
    /// The attacker-class classifier (Layer 2).
    pub classifier: Option<ClassifierModel>,
}

/// Why a model directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a model of this build's format.
    #[error("{path} is not a usable model file: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Models {
    /// Loads the model set in `dir`. A missing directory is an empty set (no models); a file
    /// that is present but unreadable or of another format is an error naming it.
    pub fn load(dir: &Path) -> Result<Models, LoadError> {
        let mut models = Models::default();
        if !dir.is_dir() {
            return Ok(models);
        }
        if let Some(text) = read_optional(&dir.join(MANIFEST_FILE))? {
            models.manifest =
                serde_json::from_str(&text).map_err(|err| format_error(dir, MANIFEST_FILE, err))?;
        }
        if let Some(text) = read_optional(&dir.join(MARKOV_FILE))? {
            models.markov =
                Some(Markov::from_json(&text).map_err(|err| format_error(dir, MARKOV_FILE, err))?);
        }
        if let Some(text) = read_optional(&dir.join(PHASES_FILE))? {
            models.phases = Some(Arc::new(
                PhaseModel::from_json(&text).map_err(|err| format_error(dir, PHASES_FILE, err))?,
            ));
        }
        if let Some(text) = read_optional(&dir.join(CLASSIFIER_FILE))? {
            let classifier = ClassifierModel::from_json(&text)
                .map_err(|err| format_error(dir, CLASSIFIER_FILE, err))?;
            if classifier.phases && models.phases.is_none() {
                return Err(format_error(
                    dir,
                    CLASSIFIER_FILE,
                    format!("it was trained with attack phases, and {PHASES_FILE} is missing"),
                ));
            }
            models.classifier = Some(classifier);
        }
        Ok(models)
    }

    /// Writes the set into `dir` (created if needed): each model's file, then the manifest
    /// with the version computed from those files. Each file is written to a temporary name
    /// and renamed, so a node loading meanwhile sees old or new files, never half of one.
    pub fn save(&mut self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut files: Vec<(&str, String)> = Vec::new();
        if let Some(markov) = &self.markov {
            files.push((MARKOV_FILE, canonical(&markov.to_json())?));
        }
        if let Some(phases) = &self.phases {
            files.push((PHASES_FILE, canonical(&phases.to_json())?));
        }
        if let Some(classifier) = &self.classifier {
            files.push((CLASSIFIER_FILE, classifier.to_json()));
        }
        // A model this set does not have must not be loaded with it from an older set.
        for name in [MARKOV_FILE, PHASES_FILE, CLASSIFIER_FILE] {
            if !files.iter().any(|(file, _)| *file == name) {
                match std::fs::remove_file(dir.join(name)) {
                    Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
                    _ => {}
                }
            }
        }
        let mut digest = Sha256::new();
        for (name, text) in &files {
            digest.update(name.as_bytes());
            digest.update([0]);
            digest.update(text.as_bytes());
            write_atomic(&dir.join(name), text)?;
        }
        self.manifest.version = hex::encode(&digest.finalize()[..6]);
        let manifest =
            serde_json::to_string_pretty(&self.manifest).map_err(std::io::Error::other)?;
        write_atomic(&dir.join(MANIFEST_FILE), &manifest)
    }

    /// The names of the models the set holds.
    pub fn present(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.markov.is_some() {
            names.push("markov");
        }
        if self.phases.is_some() {
            names.push("phases");
        }
        if self.classifier.is_some() {
            names.push("classifier");
        }
        names
    }

    /// The set's version, or `none` for an empty set.
    pub fn version(&self) -> &str {
        if self.manifest.version.is_empty() {
            "none"
        } else {
            &self.manifest.version
        }
    }
}

/// The node's current model set, shared by every session; `replace` swaps it for all
/// sessions that start afterwards. A live node's handle also holds the node memory of its
/// finished sessions ([`super::memory`]); a replay's has none.
#[derive(Debug, Clone, Default)]
pub struct ModelHandle(
    Arc<RwLock<Arc<Models>>>,
    Option<Arc<super::memory::NodeMemory>>,
);

impl ModelHandle {
    /// A handle holding `models` (no node memory).
    pub fn new(models: Models) -> ModelHandle {
        ModelHandle(Arc::new(RwLock::new(Arc::new(models))), None)
    }

    /// This handle with a node memory its sessions predict with and feed when they end.
    pub fn with_memory(mut self, memory: Arc<super::memory::NodeMemory>) -> ModelHandle {
        self.1 = Some(memory);
        self
    }

    /// The node memory, when the node keeps one.
    pub fn memory(&self) -> Option<Arc<super::memory::NodeMemory>> {
        self.1.clone()
    }

    /// The current set.
    pub fn current(&self) -> Arc<Models> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `models` the current set.
    pub fn replace(&self, models: Models) {
        let models = Arc::new(models);
        match self.0.write() {
            Ok(mut guard) => *guard = models,
            Err(poisoned) => *poisoned.into_inner() = models,
        }
    }
}

/// `text` (JSON) with every object's keys sorted, so a model trained twice on the same data
/// is written byte for byte the same (models keep hash maps) and gets the same version.
fn canonical(text: &str) -> std::io::Result<String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(std::io::Error::other)?;
    serde_json::to_string(&value).map_err(std::io::Error::other)
}

fn read_optional(path: &Path) -> Result<Option<String>, LoadError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LoadError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn format_error(dir: &Path, file: &str, err: impl std::fmt::Display) -> LoadError {
    LoadError::Format {
        path: dir.join(file),
        reason: err.to_string(),
    }
}

fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::normalize::normalize_line;

    fn trained() -> Markov {
        let session: Vec<_> = ["uname -a", "cat /proc/cpuinfo", "w"]
            .iter()
            .flat_map(|l| normalize_line(l))
            .collect();
        Markov::trained(3, [session.as_slice()])
    }

    #[test]
    fn a_saved_set_loads_back_with_a_version_from_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut models = Models {
            markov: Some(trained()),
            ..Models::default()
        };
        models.save(dir.path()).unwrap();
        let loaded = Models::load(dir.path()).unwrap();
        assert_eq!(loaded.manifest, models.manifest);
        assert_eq!(loaded.version().len(), 12);
        let after_uname = normalize_line("uname -a");
        assert_eq!(
            loaded.markov.unwrap().predict(&after_uname, 1)[0].token,
            "cat /proc/cpuinfo"
        );
        // The same files give the same version.
        let again = dir.path().join("again");
        let mut copy = Models {
            markov: Some(trained()),
            manifest: models.manifest.clone(),
            ..Models::default()
        };
        copy.save(&again).unwrap();
        assert_eq!(copy.version(), models.version());
    }

    #[test]
    fn a_missing_directory_is_an_empty_set_and_a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Models::load(&dir.path().join("nope")).unwrap();
        assert!(missing.markov.is_none());
        assert_eq!(missing.version(), "none");
        std::fs::write(dir.path().join(MARKOV_FILE), "{\"version\": 999}").unwrap();
        let err = Models::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("markov.json"), "{err}");
    }

    #[test]
    fn a_replaced_set_is_what_later_readers_get() {
        let handle = ModelHandle::default();
        assert!(handle.current().markov.is_none());
        let before = handle.current();
        handle.replace(Models {
            markov: Some(trained()),
            ..Models::default()
        });
        assert!(handle.current().markov.is_some());
        assert!(before.markov.is_none(), "a running session keeps its set");
    }
}
