//! Layer 2: the attacker class of a session from its features ([`super::features`]), by
//! one-vs-rest decision trees (one per class) or a bagged forest of such sets, fitted with
//! `linfa-trees`.
//!
//! Training takes a feature vector at *every prefix* of each training session (after 1, 2,
//! 3… commands, and at the end), labelled with the session's final label, so the model learns
//! to name the class early. Identical (vector, label) rows are merged into one weighted row,
//! which keeps fitting fast on the repetitive bot corpus.
//!
//! A fitted linfa tree is flattened into [`Tree`]: an array of splits and leaves whose leaves
//! hold the training weight of its class and of the rest that reached them. A class's score is
//! its trees' leaf share averaged over the bags; the prediction is the best score and the
//! confidence its share of all scores. That gives a stable JSON format with a version and
//! inference that allocates nothing (a few microseconds per vector).
//!
//! Deterministic: bootstrap samples come from a seeded RNG, rows are fed to linfa in a fixed
//! order, and the places where linfa's result depends on `HashMap` order are neutralised:
//! binary trees (see `tree.rs`), a nudge against equal weights, and canonical features
//! among those that split a node into the same halves (`Tree::route`).

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::features::{FEATURES, NAMES, Protocol, RULE_FEATURES};
use super::labels::Class;

mod prefixes;
#[cfg(test)]
mod tests;
mod tree;

pub use prefixes::{MAX_PREFIXES, features_after, prefix_vectors};
pub use tree::{Node, Tree};
use tree::{Row, fit};

/// The model file's format version; a file of another version is refused.
pub const FORMAT_VERSION: u32 = 2;
/// Every class, in the order of the leaves' weights.
pub const CLASSES: [Class; 8] = [
    Class::IotBotnetProbe,
    Class::SshKeyPersistence,
    Class::Cryptominer,
    Class::InteractiveHuman,
    Class::MalwareDropper,
    Class::CredentialHijack,
    Class::ReconFingerprint,
    Class::Other,
];
/// The index of `class` in [`CLASSES`].
pub fn class_index(class: Class) -> usize {
    CLASSES
        .iter()
        .position(|c| *c == class)
        .unwrap_or(CLASSES.len() - 1)
}

/// The class named `name` as the data spells it (`malware_dropper`).
pub fn class_named(name: &str) -> Option<Class> {
    CLASSES.iter().copied().find(|c| c.as_str() == name)
}

/// A class with how sure the model is of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The class.
    pub class: Class,
    /// The share of the leaf's training weight (averaged over the forest's trees) that had
    /// this class, in 0…1.
    pub confidence: f64,
}

/// How a classifier is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// Bags in the forest (each a one-vs-rest tree per class); 1 is a single set fitted on
    /// every session.
    pub trees: usize,
    /// Deepest split.
    pub max_depth: usize,
    /// Least training weight in a leaf.
    pub min_leaf_weight: f64,
    /// Seed of the bootstrap samples.
    pub seed: u64,
    /// Train without the rule-verdict features (they are zeroed for training and prediction).
    pub without_rules: bool,
    /// Give every session the same total weight, however many prefixes it has.
    pub per_session_weight: bool,
    /// Weight of a session's end row relative to its prefix rows (the class at the end is
    /// the one that stays).
    #[serde(default = "one")]
    pub end_weight: f64,
    /// Never name a class the rules have already ruled out: once R1, R2, R3, R5 or R6 fired
    /// (they never un-fire), the final label is that class or one of an earlier rule, so the
    /// prediction is the model's most likely class among those. Exact logic about the labels,
    /// not a guess; off when trained `without_rules`.
    #[serde(default = "yes")]
    pub rule_consistent: bool,
    /// Weight (in training rows) of the class's overall share mixed into every leaf's share.
    #[serde(default)]
    pub smoothing: f64,
    /// Below this score (a class's averaged leaf share) the model does not recognise the
    /// session and the rules' verdict is the class.
    #[serde(default)]
    pub abstain: f64,
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            trees: 1,
            max_depth: 24,
            min_leaf_weight: 1.0,
            seed: 6,
            without_rules: false,
            per_session_weight: false,
            end_weight: 1.0,
            rule_consistent: true,
            smoothing: 2.0,
            abstain: 0.5,
        }
    }
}

/// One labelled session for training: its lines with their times, what the SSH layer knew,
/// and its final class.
#[derive(Debug, Clone)]
pub struct Example {
    /// Input lines with their time in seconds since the start, when known.
    pub lines: Vec<(Option<f64>, String)>,
    /// Client version, auth method, user name.
    pub protocol: Protocol,
    /// The session's final class.
    pub class: Class,
}

/// Why a classifier could not be trained or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// Nothing to learn from.
    #[error("no labelled sessions to train on")]
    Empty,
    /// linfa refused the data.
    #[error("decision tree fit failed: {0}")]
    Fit(String),
    /// The file is not JSON of this format.
    #[error("not a classifier model file")]
    Json(#[from] serde_json::Error),
    /// The file is of another format version or feature layout.
    #[error("classifier model format {found}, expected {FORMAT_VERSION} with {FEATURES} features")]
    Version {
        /// The version found.
        found: u32,
    },
}

/// The trained classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierModel {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The feature names it was trained on, to refuse a file of another feature layout.
    pub features: Vec<String>,
    /// How it was trained.
    pub params: TrainParams,
    /// Training rows (after merging identical ones) and sessions.
    pub rows: usize,
    /// Training sessions.
    pub sessions: usize,
    /// Each class's share of the training weight (in [`CLASSES`] order).
    pub priors: Vec<f64>,
    /// The trees: tree `b * CLASSES.len() + c` tells class `c` from the rest in bag `b`.
    pub trees: Vec<Tree>,
    /// Whether it was trained with the phase model's distribution in the phase features: it
    /// then runs only beside a phase model (a model set checks this when it loads).
    #[serde(default)]
    pub phases: bool,
}

impl ClassifierModel {
    /// Trains on `examples` (deterministic for the same examples and params); with `phases`,
    /// the phase features hold each prefix's filtered phase distribution, and the model then
    /// needs that phase model wherever it runs ([`ClassifierModel::phases`]).
    pub fn train(
        examples: &[Example],
        params: &TrainParams,
        phases: Option<&std::sync::Arc<super::hmm::PhaseModel>>,
    ) -> Result<ClassifierModel, ClassifierError> {
        if examples.is_empty() {
            return Err(ClassifierError::Empty);
        }
        let per_session: Vec<Vec<[f64; FEATURES]>> = examples
            .iter()
            .map(|e| {
                let mut rows = prefix_vectors(&e.lines, &e.protocol, phases);
                if params.without_rules {
                    rows.iter_mut().for_each(mask_rules);
                }
                rows
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(params.seed);
        let mut trees = Vec::new();
        let mut total_rows = 0;
        let mut priors = vec![0.0; CLASSES.len()];
        for t in 0..params.trees.max(1) {
            // Tree 0 of a forest sees every session; the others a bootstrap sample.
            let picks: Vec<usize> = if t == 0 {
                (0..examples.len()).collect()
            } else {
                (0..examples.len())
                    .map(|_| rng.gen_range(0..examples.len()))
                    .collect()
            };
            let rows = merge(
                picks.iter().map(|&i| (&per_session[i], &examples[i])),
                params,
            );
            total_rows = total_rows.max(rows.len());
            if t == 0 {
                for row in &rows {
                    priors[row.class] += row.weight;
                }
                let total: f64 = priors.iter().sum();
                priors
                    .iter_mut()
                    .for_each(|p| *p /= total.max(f64::MIN_POSITIVE));
            }
            for class in 0..CLASSES.len() {
                trees.push(fit(&rows, class, params)?);
            }
        }
        Ok(ClassifierModel {
            version: FORMAT_VERSION,
            features: NAMES.iter().map(|n| (*n).to_owned()).collect(),
            params: params.clone(),
            rows: total_rows,
            sessions: examples.len(),
            priors,
            trees,
            phases: phases.is_some(),
        })
    }

    /// The class of a session with features `x`.
    pub fn predict(&self, x: &[f64; FEATURES]) -> Prediction {
        // The highest-ranked class whose rule fired for good: the final label cannot rank
        // below it (see `TrainParams::rule_consistent`).
        let floor = if self.params.rule_consistent && !self.params.without_rules {
            settled(x)
        } else {
            CLASSES.len() - 1
        };
        let mut x = *x;
        if self.params.without_rules {
            mask_rules(&mut x);
        }
        // Tree `b * CLASSES.len() + c` of bag `b` tells class `c` from the rest.
        let mut sum = [0.0; CLASSES.len()];
        // A leaf's share is smoothed toward the class's share of all training rows (an
        // m-estimate): a leaf of three rows is not as sure as one of three hundred.
        let m = self.params.smoothing.max(0.0);
        for bag in self.trees.chunks_exact(CLASSES.len()) {
            for ((s, tree), prior) in sum.iter_mut().zip(bag).zip(&self.priors) {
                if let Some((class, total)) = tree.leaf(&x)
                    && total + m > 0.0
                {
                    *s += (class + m * prior) / (total + m);
                }
            }
        }
        let allowed = &sum[..=floor];
        let total: f64 = allowed.iter().sum();
        if total <= 0.0 {
            // No tree knows a class the rules still allow: the rules' class, as sure as they
            // are (certain only for R1, which nothing overrides).
            return Prediction {
                class: CLASSES[floor],
                confidence: if floor == 0 { 1.0 } else { 0.0 },
            };
        }
        // Ties go to the earlier class, as the rules give priority.
        let (best, share) =
            allowed
                .iter()
                .enumerate()
                .fold(
                    (floor, f64::MIN),
                    |(bi, bs), (i, s)| {
                        if *s > bs { (i, *s) } else { (bi, bs) }
                    },
                );
        let bags = (self.trees.len() / CLASSES.len()).max(1) as f64;
        if share / bags < self.params.abstain && !self.params.without_rules {
            // No class's trees claim the session (it is unlike the training sessions of every
            // class): the rules' verdict, with the share the model gives it.
            let verdicts = RULE_FEATURES.start + 7..RULE_FEATURES.end;
            if let Some(verdict) = x[verdicts].iter().position(|v| *v > 0.5)
                && verdict <= floor
            {
                return Prediction {
                    class: CLASSES[verdict],
                    confidence: sum[verdict] / total,
                };
            }
        }
        Prediction {
            class: CLASSES[best],
            confidence: share / total,
        }
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A model from JSON written by [`ClassifierModel::to_json`] of this format version.
    pub fn from_json(text: &str) -> Result<ClassifierModel, ClassifierError> {
        #[derive(Deserialize)]
        struct Header {
            version: u32,
            #[serde(default)]
            features: Vec<String>,
        }
        let header: Header = serde_json::from_str(text)?;
        if header.version != FORMAT_VERSION || header.features != NAMES {
            return Err(ClassifierError::Version {
                found: header.version,
            });
        }
        Ok(serde_json::from_str(text)?)
    }

    /// A short description (`forest of 15 trees, 1234 leaves`).
    pub fn describe(&self) -> String {
        let leaves: usize = self
            .trees
            .iter()
            .map(|t| {
                t.nodes
                    .iter()
                    .filter(|n| matches!(n, Node::Leaf { .. }))
                    .count()
            })
            .sum();
        format!(
            "{} bag(s) of {} trees, {leaves} leaves",
            self.trees.len() / CLASSES.len(),
            CLASSES.len()
        )
    }
}

/// The index (in [`CLASSES`], which is rule order) of the first rule among R1, R2, R3, R5 and
/// R6 that has fired on `x`: these never un-fire as input goes on, so the session's final
/// label is this class or one of a rule before it. The last index when none fired.
fn settled(x: &[f64; FEATURES]) -> usize {
    let flags = RULE_FEATURES.start;
    // (flag offset, class index): R1 iot, R2 key, R3 miner, R5 dropper, R6 password.
    [(0, 0), (1, 1), (2, 2), (4, 4), (5, 5)]
        .iter()
        .find(|(flag, _)| x[flags + flag] > 0.5)
        .map_or(CLASSES.len() - 1, |(_, class)| *class)
}

fn mask_rules(x: &mut [f64; FEATURES]) {
    x[RULE_FEATURES].iter_mut().for_each(|v| *v = 0.0);
}

/// Merges the rows of the picked sessions: identical (vector, class) rows add their weights.
/// A `BTreeMap` keeps the order fixed, so linfa sees the same data every time.
fn merge<'a>(
    picks: impl Iterator<Item = (&'a Vec<[f64; FEATURES]>, &'a Example)>,
    params: &TrainParams,
) -> Vec<Row> {
    let mut merged: BTreeMap<(Vec<u64>, usize), f64> = BTreeMap::new();
    for (rows, example) in picks {
        let weight = if params.per_session_weight {
            1.0 / rows.len().max(1) as f64
        } else {
            1.0
        };
        let class = class_index(example.class);
        for (i, x) in rows.iter().enumerate() {
            let key = (x.iter().map(|v| v.to_bits()).collect(), class);
            let end = if i + 1 == rows.len() {
                params.end_weight
            } else {
                1.0
            };
            *merged.entry(key).or_default() += weight * end;
        }
    }
    merged
        .into_iter()
        .map(|((bits, class), weight)| {
            let mut x = [0.0; FEATURES];
            for (v, b) in x.iter_mut().zip(bits) {
                *v = f64::from_bits(b);
            }
            Row { x, class, weight }
        })
        .collect()
}
