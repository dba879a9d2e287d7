//! The classification part of `mirage evaluate`: the trained classifier (or the rule labeller)
//! after three commands and at the end of each labelled session, macro-F1, the rules' baseline
//! and the confusion matrix.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Session;
use crate::models::classifier::{
    CLASSES, ClassifierModel, Example, TrainParams, class_named, features_after,
};
use crate::models::commands::split;
use crate::models::features::Protocol;
use crate::models::hmm::PhaseModel;
use crate::models::labels::label;

/// Session classification against the corpus labels: the trained classifier's numbers when
/// the model set has one (`source: tree`), else the rule labeller's (`source: rules`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Accuracy from the first three commands.
    pub after_3: f64,
    /// Accuracy from the whole session.
    pub at_end: f64,
    /// Macro-F1 of the whole-session labels over the classes present.
    pub macro_f1: f64,
    /// Macro-F1 of the labels from the first three commands.
    #[serde(default)]
    pub macro_f1_after_3: f64,
    /// Which classifier the numbers above are of: `tree` (a trained model) or `rules`.
    #[serde(default)]
    pub source: String,
    /// Labelled sessions judged.
    #[serde(default)]
    pub n: usize,
    /// The rule labeller on the same sessions, as the baseline (when `source` is `tree`).
    #[serde(default)]
    pub rules: Option<ClassScores>,
    /// Whole-session confusion matrix of `source`.
    #[serde(default)]
    pub confusion: Confusion,
}

/// Accuracy after three commands, at the end, and macro-F1 of one classifier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// Accuracy from the first three commands.
    pub after_3: f64,
    /// Accuracy from the whole session.
    pub at_end: f64,
    /// Macro-F1 of the whole-session labels.
    pub macro_f1: f64,
}

/// A confusion matrix: `matrix[truth][predicted]` session counts, both indexing `classes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// The classes, in row and column order.
    pub classes: Vec<String>,
    /// Counts, rows the corpus label, columns the prediction.
    pub matrix: Vec<Vec<usize>>,
}

/// `(truth, predicted)` class names of the labelled sessions, from their first three commands
/// and from all of them.
type Judged = (Vec<(String, String)>, Vec<(String, String)>);

/// The rule labeller on the first three commands and on all, against the corpus labels.
fn judge_rules(sessions: &[Session]) -> Judged {
    let (mut early, mut end) = (Vec::new(), Vec::new());
    for session in sessions {
        let Some(truth) = &session.label else {
            continue;
        };
        let first3: Vec<(Option<f64>, String)> = session
            .commands
            .iter()
            .flat_map(|line| {
                split(&line.input)
                    .into_iter()
                    .map(move |c| (line.t, c.text))
            })
            .take(3)
            .collect();
        let first3 = label(
            &first3
                .iter()
                .map(|(t, s)| (*t, s.as_str()))
                .collect::<Vec<_>>(),
        );
        let all: Vec<(Option<f64>, &str)> = session
            .commands
            .iter()
            .map(|l| (l.t, l.input.as_str()))
            .collect();
        early.push((truth.clone(), first3.class.as_str().to_owned()));
        end.push((truth.clone(), label(&all).class.as_str().to_owned()));
    }
    (early, end)
}

/// A trained classifier on the first three commands and on all, against the corpus labels.
fn judge_model(
    model: &ClassifierModel,
    phases: Option<&Arc<PhaseModel>>,
    sessions: &[Session],
) -> Judged {
    let (mut early, mut end) = (Vec::new(), Vec::new());
    for session in sessions {
        let Some(truth) = &session.label else {
            continue;
        };
        let (lines, protocol) = classifier_input(session);
        let at = |commands| {
            let features = features_after(&lines, &protocol, phases, commands);
            model
                .predict(&features.vector(None))
                .class
                .as_str()
                .to_owned()
        };
        early.push((truth.clone(), at(Some(3))));
        end.push((truth.clone(), at(None)));
    }
    (early, end)
}

/// A corpus session's lines and login as the classifier takes them.
pub fn classifier_input(session: &Session) -> (Vec<(Option<f64>, String)>, Protocol) {
    let lines = session
        .commands
        .iter()
        .map(|l| (l.t, l.input.clone()))
        .collect();
    let protocol = Protocol {
        client_version: session.client_version.clone(),
        auth: session.auth.clone(),
        username: session.username.clone(),
    };
    (lines, protocol)
}

/// Training examples for the classifier: each session's lines and login, labelled with its
/// corpus label (or, without one, the rules' label of the whole session).
pub fn classifier_examples(sessions: &[Session]) -> Vec<Example> {
    sessions
        .iter()
        .filter(|s| !s.commands.is_empty())
        .map(|session| {
            let (lines, protocol) = classifier_input(session);
            let class = session
                .label
                .as_deref()
                .and_then(class_named)
                .unwrap_or_else(|| {
                    let all: Vec<(Option<f64>, &str)> =
                        lines.iter().map(|(t, l)| (*t, l.as_str())).collect();
                    label(&all).class
                });
            Example {
                lines,
                protocol,
                class,
            }
        })
        .collect()
}

/// The classifier trained on `sessions` with `params` (and the phase distributions of
/// `phases`, when given), or `None` when there is nothing to learn from.
pub fn train_classifier(
    sessions: &[Session],
    params: &TrainParams,
    phases: Option<&Arc<PhaseModel>>,
) -> Option<ClassifierModel> {
    ClassifierModel::train(&classifier_examples(sessions), params, phases).ok()
}

fn scores((early, end): &Judged) -> ClassScores {
    let accuracy = |pairs: &[(String, String)]| {
        let hits = pairs.iter().filter(|(t, p)| t == p).count();
        if pairs.is_empty() {
            0.0
        } else {
            hits as f64 / pairs.len() as f64
        }
    };
    ClassScores {
        after_3: accuracy(early),
        at_end: accuracy(end),
        macro_f1: macro_f1(end),
    }
}

fn confusion(pairs: &[(String, String)]) -> Confusion {
    let classes: Vec<String> = CLASSES.iter().map(|c| c.as_str().to_owned()).collect();
    let index = |name: &str| classes.iter().position(|c| c == name);
    let mut matrix = vec![vec![0; classes.len()]; classes.len()];
    for (truth, predicted) in pairs {
        if let (Some(t), Some(p)) = (index(truth), index(predicted)) {
            matrix[t][p] += 1;
        }
    }
    Confusion { classes, matrix }
}

/// Classification by `model` (or by the rules without one) on the labelled sessions.
pub(super) fn classify(
    model: Option<&ClassifierModel>,
    phases: Option<&Arc<PhaseModel>>,
    sessions: &[Session],
) -> ClassificationReport {
    let rules = judge_rules(sessions);
    let (judged, source, baseline) = match model {
        Some(model) => (
            judge_model(model, phases, sessions),
            "tree",
            Some(scores(&rules)),
        ),
        None => (rules, "rules", None),
    };
    let main = scores(&judged);
    ClassificationReport {
        after_3: main.after_3,
        at_end: main.at_end,
        macro_f1: main.macro_f1,
        macro_f1_after_3: macro_f1(&judged.0),
        source: source.to_owned(),
        n: judged.1.len(),
        rules: baseline,
        confusion: confusion(&judged.1),
    }
}

/// Macro-F1 over the classes that occur as truth or prediction in `(truth, predicted)` pairs.
pub(super) fn macro_f1(pairs: &[(String, String)]) -> f64 {
    let mut counts: HashMap<&str, (usize, usize, usize)> = HashMap::new(); // tp, fp, fn
    for (truth, predicted) in pairs {
        if truth == predicted {
            counts.entry(truth).or_default().0 += 1;
        } else {
            counts.entry(predicted).or_default().1 += 1;
            counts.entry(truth).or_default().2 += 1;
        }
    }
    if counts.is_empty() {
        return 0.0;
    }
    let sum: f64 = counts
        .values()
        .map(|&(tp, fp, fn_)| {
            let denominator = 2 * tp + fp + fn_;
            if denominator == 0 {
                0.0
            } else {
                2.0 * tp as f64 / denominator as f64
            }
        })
        .sum();
    sum / counts.len() as f64
}

impl ClassificationReport {
    /// The classification part of the readable report: the scores of `source` and of the
    /// rules, then the whole-session confusion matrix.
    pub(super) fn table(&self, out: &mut String) {
        let c = self;
        writeln!(
            out,
            "\nclassification ({} sessions){:>14} {:>8}",
            c.n, c.source, "rules"
        )
        .ok();
        let rules = c.rules.as_ref();
        for (name, value, baseline) in [
            ("after 3 commands", c.after_3, rules.map(|r| r.after_3)),
            ("at end", c.at_end, rules.map(|r| r.at_end)),
            ("macro-F1", c.macro_f1, rules.map(|r| r.macro_f1)),
        ] {
            let baseline = baseline.map_or("-".to_owned(), |b| format!("{b:.3}"));
            writeln!(out, "{name:<24} {value:>7.3} {baseline:>8}").ok();
        }
        let m = &c.confusion;
        if m.matrix.iter().flatten().all(|n| *n == 0) {
            return;
        }
        writeln!(
            out,
            "\nconfusion at end (rows: label, columns: {})",
            c.source
        )
        .ok();
        let short = |name: &str| name.chars().take(6).collect::<String>();
        write!(out, "{:<20}", "").ok();
        for class in &m.classes {
            write!(out, " {:>6}", short(class)).ok();
        }
        writeln!(out).ok();
        for (class, row) in m.classes.iter().zip(&m.matrix) {
            write!(out, "{class:<20}").ok();
            for n in row {
                write!(out, " {n:>6}").ok();
            }
            writeln!(out).ok();
        }
    }
}
