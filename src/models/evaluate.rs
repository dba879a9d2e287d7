//! `mirage evaluate`: how well the models do on a corpus of recorded sessions (the JSON-lines
//! format of the training data), in the views of the evaluation contract: next-command
//! prediction pooled, on novel sessions and per class, and classification after three
//! commands and at the end: by the trained classifier, with the rule labeller beside it as
//! the baseline and a confusion matrix (by the rules alone when the set has no classifier).
//!
//! Command *i* of a session is predicted from commands 0…*i*−1, where commands are input lines
//! split on `;` and newlines outside quotes. A session is *novel* when its normalized command
//! sequence is not among the model's training sequences. Pure: the caller reads the files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::hmm::{PhaseFilter, PhaseModel, argmax};
use super::markov::{Login, Markov, SessionContext};
use super::memory::NodeMemory;
use super::normalize::{Normalized, normalize_line};
use super::phases::tag;

mod classification;
mod stream;

use classification::classify;
#[cfg(test)]
use classification::macro_f1;
pub use classification::{
    ClassScores, ClassificationReport, Confusion, classifier_examples, classifier_input,
    train_classifier,
};

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
    /// The user name it logged in with, when known.
    #[serde(default)]
    pub username: Option<String>,
    /// The password it logged in with, when known.
    #[serde(default)]
    pub password: Option<String>,
    /// The SSH client's version string, when known.
    #[serde(default)]
    pub client_version: Option<String>,
    /// How it authenticated (`password`, `none`, …), when known.
    #[serde(default)]
    pub auth: Option<String>,
}

impl Session {
    /// Its normalized commands, in order.
    pub fn normalized(&self) -> Vec<Normalized> {
        self.commands
            .iter()
            .flat_map(|line| normalize_line(&line.input))
            .collect()
    }

    /// Its normalized commands, each with the time of its input line.
    pub fn timed(&self) -> Vec<(Option<f64>, Normalized)> {
        self.commands
            .iter()
            .flat_map(|line| normalize_line(&line.input).into_iter().map(|n| (line.t, n)))
            .collect()
    }

    /// What its login tells the command model before the first command.
    pub fn login(&self) -> Login {
        Login {
            client: self.client_version.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
        }
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

/// The report for a whole model set, as `mirage evaluate --models` and `mirage train` make it:
/// exactly the models a node would load, with a node memory as a node has one
/// ([`evaluate_with`]). A set without a command model predicts nothing.
pub fn evaluate_models(models: &super::bundle::Models, sessions: &[Session]) -> Report {
    evaluate_models_with(models, sessions, true)
}

/// [`evaluate_models`], with a node memory or (`memory` false) each session on its own.
pub fn evaluate_models_with(
    models: &super::bundle::Models,
    sessions: &[Session],
    memory: bool,
) -> Report {
    let empty;
    let markov = match &models.markov {
        Some(markov) => markov,
        None => {
            empty = Markov::new(1);
            &empty
        }
    };
    let node = memory.then(NodeMemory::default);
    let mut report = evaluate_with(markov, sessions, node.as_ref());
    report.classification = classify(
        models.classifier.as_ref(),
        models
            .phases
            .as_ref()
            .filter(|_| models.classifier.as_ref().is_some_and(|c| c.phases)),
        sessions,
    );
    report.prediction.phases = models
        .phases
        .as_ref()
        .map(|phases| evaluate_phases(phases, sessions));
    report
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
    train_recent(sessions, order, RECENCY)
}

/// How much more the newest session of a source counts than its oldest when training the
/// command model ([`train_recent`]): campaigns change their scripts over time, and the
/// sessions to predict are newer than all of them.
pub const RECENCY: u32 = 9;

/// The phase model trained supervised from these sessions (programs seen at least
/// [`PHASE_MIN_COUNT`] times are symbols; add-0.1 smoothing).
pub fn train_phases(sessions: &[Session]) -> PhaseModel {
    let sequences: Vec<Vec<Normalized>> = sessions.iter().map(Session::normalized).collect();
    PhaseModel::supervised(sequences.iter().map(Vec::as_slice), PHASE_MIN_COUNT, 0.1)
}

/// Fewest times a program must occur in training to be its own phase-model symbol.
pub const PHASE_MIN_COUNT: u32 = 3;

/// How the phase model does on sessions: its filtered phase against the tagger's, and how
/// well it explains the programs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PhaseReport {
    /// Share of commands whose most likely filtered phase is the tagger's.
    pub accuracy: f64,
    /// Share of commands whose phase the model foresaw (most likely phase one step ahead,
    /// before the command came) as the tagger's.
    pub next_accuracy: f64,
    /// Mean log-likelihood of a command's program under the model (nats per command).
    pub log_likelihood: f64,
    /// Commands judged.
    pub n: usize,
    /// Commands per tagged phase.
    pub counts: BTreeMap<String, usize>,
}

/// The phase model judged on `sessions`.
pub fn evaluate_phases(model: &PhaseModel, sessions: &[Session]) -> PhaseReport {
    let (mut hits, mut next_hits, mut n, mut ll) = (0usize, 0usize, 0usize, 0.0);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for session in sessions {
        let sequence = session.normalized();
        let mut filter = PhaseFilter::new();
        let symbols: Vec<usize> = sequence.iter().map(|c| model.observe(c)).collect();
        ll += model.log_likelihood(&symbols);
        for command in &sequence {
            let truth = tag(command);
            next_hits += usize::from(argmax(&filter.predict(model)) == truth.index());
            hits += usize::from(argmax(&filter.step(model, command)) == truth.index());
            n += 1;
            *counts.entry(truth.as_str().to_owned()).or_default() += 1;
        }
    }
    let share = |x: f64| if n == 0 { 0.0 } else { x / n as f64 };
    PhaseReport {
        accuracy: share(hits as f64),
        next_accuracy: share(next_hits as f64),
        log_likelihood: share(ll),
        n,
        counts,
    }
}

/// A trained command model of `order` in which, within each source, the newest sessions
/// count up to `1 + recency` times as much as the oldest.
pub fn train_recent(sessions: &[Session], order: usize, recency: u32) -> Markov {
    let mut by_source: BTreeMap<&str, Vec<&Session>> = BTreeMap::new();
    for session in sessions {
        by_source.entry(&session.source).or_default().push(session);
    }
    let mut model = Markov::new(order);
    for group in by_source.values_mut() {
        group.sort_by(|a, b| a.start.cmp(&b.start));
        let n = group.len().max(1) as f64;
        for (i, session) in group.iter().enumerate() {
            let weight = 1 + (f64::from(recency) * i as f64 / n).floor() as u32;
            model.train_weighted(&session.login(), &session.normalized(), weight);
        }
    }
    model
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
    /// The phase model, when the model set has one ([`evaluate_phases`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhaseReport>,
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

/// Evaluates `model` (and the rule labeller) on `sessions`, each on its own.
pub fn evaluate(model: &Markov, sessions: &[Session]) -> Report {
    evaluate_with(model, sessions, None)
}

/// Evaluates `model` on `sessions` as a node with this node memory predicts them
/// (`None`: none): prequentially, in time order, each session predicted with the memory of
/// the sessions that ended before it started, then remembered ([`stream`]).
pub fn evaluate_with(model: &Markov, sessions: &[Session], memory: Option<&NodeMemory>) -> Report {
    let (mut pooled, mut novel) = (Tally::default(), Tally::default());
    let mut per_class: BTreeMap<String, Tally> = BTreeMap::new();
    let mut ended: Vec<(f64, usize)> = Vec::new();
    for i in stream::order(sessions) {
        let session = &sessions[i];
        let timed = session.timed();
        let sequence: Vec<Normalized> = timed.iter().map(|(_, n)| n.clone()).collect();
        if let Some(memory) = memory {
            stream::remember_ended(memory, model, sessions, &mut ended, session);
        }
        let is_novel = !model.seen(&sequence);
        let mut context = SessionContext::new(&session.login());
        for (at, actual) in &timed {
            let predicted = match memory {
                Some(memory) => memory.predict(model, &context, 3),
                None => model.predict_in(&context, 3),
            };
            context.push(actual, *at);
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
        if memory.is_some() {
            ended.push((stream::end(session), i));
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
            phases: None,
        },
        classification: classify(None, None, sessions),
    }
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
        if let Some(phases) = &p.phases {
            writeln!(
                out,
                "phases (HMM vs tagger)   filtered {:.3}  next {:.3}  log-lik/cmd {:.3}  n {}",
                phases.accuracy, phases.next_accuracy, phases.log_likelihood, phases.n
            )
            .ok();
        }
        self.classification.table(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::classifier::TrainParams;

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
    fn the_phase_report_judges_the_filter_against_the_tagger() {
        let sessions = read_corpus(CORPUS).expect("corpus");
        let model = train_phases(&sessions);
        let report = evaluate_phases(&model, &sessions);
        // uname, w, free | uname, w, free | uname, wget | uname, w, free: 11 commands, the
        // wget the only one that is not recon.
        assert_eq!(report.n, 11);
        assert_eq!(report.counts["recon"], 10);
        assert_eq!(report.counts["download_execute"], 1);
        assert!(report.accuracy >= 10.0 / 11.0, "{report:?}");
        assert!(report.log_likelihood < 0.0, "{report:?}");
        let mut full = evaluate(&train(&sessions, 3), &sessions);
        full.prediction.phases = Some(report);
        assert!(full.table().contains("phases"));
        let json = serde_json::to_value(&full).expect("json");
        assert!(json["prediction"]["phases"]["accuracy"].is_number());
    }

    #[test]
    fn newer_sessions_count_more() {
        // The same login and start, two endings: the newer one wins once recency counts.
        let corpus = r#"
{"source": "a", "start": "2020-01-01T00:00:00Z", "commands": [{"t": 0, "input": "uname; w"}]}
{"source": "a", "start": "2020-01-02T00:00:00Z", "commands": [{"t": 0, "input": "uname; w"}]}
{"source": "a", "start": "2020-01-03T00:00:00Z", "commands": [{"t": 0, "input": "uname; id"}]}
"#;
        let sessions = read_corpus(corpus).expect("corpus");
        let after_uname = normalize_line("uname");
        let flat = train_recent(&sessions, 3, 0);
        assert_eq!(flat.predict(&after_uname, 1)[0].token, "w");
        let recent = train_recent(&sessions, 3, 9);
        assert_eq!(recent.predict(&after_uname, 1)[0].token, "id");
    }

    #[test]
    fn a_bad_line_is_named_by_number() {
        let err = read_corpus("{\"commands\": []}\nnot json\n").expect_err("bad line");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn classification_reports_the_model_beside_the_rules_with_a_confusion_matrix() {
        let sessions = read_corpus(CORPUS).expect("corpus");
        // Trained on recon sessions only, the trees know no dropper…
        let recon: Vec<Session> = sessions[..2].to_vec();
        let model = train_classifier(&recon, &TrainParams::default(), None).expect("a model");
        let models = super::super::bundle::Models {
            classifier: Some(model),
            ..Default::default()
        };
        let report = evaluate_models(&models, &sessions).classification;
        assert_eq!((report.source.as_str(), report.n), ("tree", 4));
        // …but the dropper's `wget` fired R5, which rules recon out: all four are right.
        assert_eq!((report.after_3, report.at_end), (1.0, 1.0));
        assert_eq!(report.rules.as_ref().map(|r| r.at_end), Some(1.0));
        let m = &report.confusion;
        let at = |name: &str| m.classes.iter().position(|c| c == name).unwrap();
        let (recon, dropper) = (at("recon_fingerprint"), at("malware_dropper"));
        assert_eq!(m.matrix[recon][recon], 3);
        assert_eq!(m.matrix[dropper][dropper], 1);
        assert_eq!(m.matrix.iter().flatten().sum::<usize>(), 4);
        let table = Report {
            classification: report,
            ..Report::default()
        }
        .table();
        assert!(table.contains("confusion at end"), "{table}");
        // Without a classifier the rules are the numbers, and there is no baseline row.
        let rules = evaluate_models(&Default::default(), &sessions).classification;
        assert_eq!((rules.source.as_str(), rules.rules), ("rules", None));
    }

    #[test]
    fn macro_f1_averages_over_classes() {
        let pairs = [("a", "a"), ("a", "b"), ("b", "b")].map(|(t, p)| (t.to_owned(), p.to_owned()));
        // a: tp1 fn1 → 2/3; b: tp1 fp1 → 2/3.
        assert!((macro_f1(&pairs) - 2.0 / 3.0).abs() < 1e-9);
    }
}
