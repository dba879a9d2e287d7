//! `mirage train`: every model trained from one corpus, with the evaluation report that goes
//! into the model set's manifest.
//!
//! The report is an honest estimate: the newest `holdout` share of each source is held out,
//! the models are trained on the rest and judged on it (as `mirage evaluate --holdout` does).
//! The set that is written is then trained again on the whole corpus, so the shipped models
//! know every session the report's models had not seen.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::bundle::{Manifest, Models};
use super::evaluate::{self, Report, Session, holdout};

/// How models are trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Longest context of the command model, in commands.
    pub order: usize,
    /// Newest share of each source held out for the report (0: no report).
    pub holdout: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            order: 5,
            holdout: 0.2,
        }
    }
}

/// Every model, trained on `sessions`.
pub fn train_models(sessions: &[Session], options: &TrainOptions) -> Models {
    // The classifier learns from the phase model's distributions, so the phases come first.
    let phases = Arc::new(evaluate::train_phases(sessions));
    Models {
        markov: Some(evaluate::train(sessions, options.order)),
        classifier: evaluate::train_classifier(sessions, &Default::default(), Some(&phases)),
        phases: Some(phases),
        ..Models::default()
    }
}

/// The model set to ship with its held-out report (when `options.holdout` > 0; also in the
/// manifest) from models trained on the older part; the set itself is trained on all of
/// `sessions`. `from` says where the sessions came from; `now` is the training time written
/// into the manifest.
pub fn train_release(
    sessions: Vec<Session>,
    options: &TrainOptions,
    from: &str,
    now: DateTime<Utc>,
) -> (Models, Option<Report>) {
    let count = sessions.len();
    let report = (options.holdout > 0.0).then(|| {
        let (older, newest) = holdout(sessions.clone(), options.holdout);
        let judged = train_models(&older, options);
        (
            evaluate::evaluate_models(&judged, &newest),
            older.len(),
            newest.len(),
        )
    });
    let manifest_report = report.as_ref().map(|(report, older, newest)| {
        let mut value = serde_json::to_value(report).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "split".to_owned(),
                serde_json::json!({
                    "holdout": options.holdout,
                    "trained_on": older,
                    "held_out": newest,
                }),
            );
        }
        value
    });
    let mut models = train_models(&sessions, options);
    models.manifest = Manifest {
        version: String::new(),
        trained_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        trained_from: format!("{from} ({count} sessions)"),
        report: manifest_report,
    };
    (models, report.map(|(report, _, _)| report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::evaluate::read_corpus;

    fn corpus() -> Vec<Session> {
        let mut text = String::new();
        for day in 1..=20 {
            text.push_str(&format!(
                r#"{{"source": "s", "start": "2026-01-{day:02}T00:00:00Z", "label": "recon_fingerprint", "commands": [{{"t": 0, "input": "uname -a"}}, {{"t": 1, "input": "cat /proc/cpuinfo"}}, {{"t": 2, "input": "free -m"}}]}}"#
            ));
            text.push('\n');
        }
        read_corpus(&text).unwrap()
    }

    #[test]
    fn a_release_set_carries_its_held_out_report_and_knows_every_session() {
        let now = Utc::now();
        let (models, report) =
            train_release(corpus(), &TrainOptions::default(), "corpus:test", now);
        assert!(report.is_some());
        let report = models.manifest.report.as_ref().expect("a report");
        assert_eq!(report["split"]["held_out"], 4);
        assert_eq!(report["split"]["trained_on"], 16);
        // A deterministic chain is predicted exactly on the held-out sessions.
        assert_eq!(report["prediction"]["pooled"]["top1"], 1.0);
        assert_eq!(models.manifest.trained_from, "corpus:test (20 sessions)");
        let markov = models.markov.as_ref().unwrap();
        let all: Vec<_> = corpus().iter().map(Session::normalized).collect();
        assert!(all.iter().all(|s| markov.seen(s)));
    }

    #[test]
    fn no_holdout_means_no_report() {
        let options = TrainOptions {
            holdout: 0.0,
            ..TrainOptions::default()
        };
        let (models, report) = train_release(corpus(), &options, "corpus:test", Utc::now());
        assert!(report.is_none());
        assert!(models.manifest.report.is_none());
        assert!(models.markov.is_some());
    }
}
