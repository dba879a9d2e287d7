//! What `mirage replay` prints: a table per scenario and a summary, or JSON.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::expect::Failure;
use super::replay::Replay;

/// The outcome of one scenario file.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// The file.
    pub file: PathBuf,
    /// The scenario's name (empty when the file could not be loaded).
    pub name: String,
    /// Whether every expectation held.
    pub passed: bool,
    /// Why the file could not be loaded, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The expectations that failed.
    pub failures: Vec<Failure>,
    /// The replayed session's id.
    pub session: String,
    /// Lines typed.
    pub commands: usize,
    /// Events the session produced.
    pub events: usize,
    /// Alerts raised.
    pub alerts: usize,
    /// The class the classifier concluded (the last `mirage.classification`), if any.
    pub class: Option<String>,
    /// How well the next-command model predicted the commands (`None`: nothing predicted).
    pub prediction: Option<super::expect::PredictionAccuracy>,
    /// Virtual time the session lasted, seconds.
    pub virtual_secs: f64,
}

impl ScenarioReport {
    /// The report of a replay.
    pub fn of(file: PathBuf, name: &str, replay: &Replay, failures: Vec<Failure>) -> Self {
        let alerts = replay
            .events
            .iter()
            .filter(|e| matches!(e.kind, crate::events::EventKind::Alert { .. }))
            .count();
        ScenarioReport {
            file,
            name: name.to_owned(),
            passed: failures.is_empty(),
            error: None,
            failures,
            session: replay.session.to_string(),
            commands: replay.commands(),
            events: replay.events.len(),
            alerts,
            class: replay.class().map(str::to_owned),
            prediction: replay.prediction(),
            virtual_secs: replay.duration.as_secs_f64(),
        }
    }

    /// The report of a file that could not be loaded.
    pub fn broken(file: PathBuf, error: String) -> Self {
        ScenarioReport {
            file,
            name: String::new(),
            passed: false,
            error: Some(error),
            failures: Vec::new(),
            session: String::new(),
            commands: 0,
            events: 0,
            alerts: 0,
            class: None,
            prediction: None,
            virtual_secs: 0.0,
        }
    }

    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let verdict = if self.passed { "PASS" } else { "FAIL" };
        let name = if self.name.is_empty() {
            "-"
        } else {
            &self.name
        };
        out.push_str(&format!("{verdict}  {name}  ({})\n", self.file.display()));
        if let Some(error) = &self.error {
            for line in error.lines() {
                out.push_str(&format!("      {line}\n"));
            }
            return out;
        }
        let class = self.class.as_deref().unwrap_or("-");
        let accuracy = self.prediction.map_or("-".to_owned(), |a| {
            format!("top1 {:.2} top3 {:.2} of {}", a.top1, a.top3, a.n)
        });
        out.push_str(&format!("      session {}  commands {}  events {}  alerts {}  class {class}  prediction {accuracy}  virtual {:.1} s\n",
            self.session, self.commands, self.events, self.alerts, self.virtual_secs
        ));
        for failure in &self.failures {
            out.push_str(&format!("      ✗ {}\n", failure.what));
            out.push_str(&format!(
                "          expected: {}\n",
                quote(&failure.expected)
            ));
            out.push_str(&format!("          got:      {}\n", quote(&failure.got)));
        }
        out
    }
}

/// A value shown on one line, bounded.
fn quote(text: &str) -> String {
    let mut shown: String = format!("{text:?}").chars().take(400).collect();
    if shown.len() < format!("{text:?}").len() {
        shown.push('…');
    }
    shown
}

/// The summary line of a run.
pub fn summary(reports: &[ScenarioReport], wall: Duration) -> String {
    let passed = reports.iter().filter(|r| r.passed).count();
    let commands: usize = reports.iter().map(|r| r.commands).sum();
    let secs = wall.as_secs_f64().max(1e-9);
    format!(
        "{} scenarios: {passed} passed, {} failed; {commands} commands in {:.2} s ({:.0} commands/s, {:.1} scenarios/s)",
        reports.len(),
        reports.len() - passed,
        wall.as_secs_f64(),
        commands as f64 / secs,
        reports.len() as f64 / secs,
    )
}
