//! Checking a [`Replay`] against its [`Scenario`]'s expectations.

use serde_json::Value;

use super::replay::Replay;
use super::scenario::{EventExpect, Scenario};
use crate::events::EventKind;
use crate::outputs::jsonlog::cowrie_json;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// Which expectation, e.g. `steps[2] (line 14): contains`.
    pub what: String,
    /// What the scenario expected.
    pub expected: String,
    /// What the replay gave.
    pub got: String,
}

/// Every expectation of `scenario` that `replay` fails, in file order.
pub fn check(scenario: &Scenario, replay: &Replay) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut fail = |what: String, expected: String, got: String| {
        failures.push(Failure {
            what,
            expected,
            got,
        })
    };
    for (i, (step, result)) in scenario
        .steps
        .iter()
        .zip(&replay.steps_by_index(scenario))
        .enumerate()
    {
        let expect = &step.value.expect;
        if expect.is_empty() {
            continue;
        }
        let at = format!("steps[{i}] (line {})", step.referenced.line());
        let Some(result) = result else {
            fail(
                format!("{at}: ran"),
                "the step to run".into(),
                "not reached".into(),
            );
            continue;
        };
        if result.skipped {
            fail(
                format!("{at}: ran"),
                "the step to run".into(),
                "the shell had already ended".into(),
            );
            continue;
        }
        let out = &result.output;
        if let Some(want) = &expect.output
            && want != out
        {
            fail(format!("{at}: output"), want.clone(), out.clone());
        }
        for want in &expect.contains {
            if !out.contains(want.as_str()) {
                fail(format!("{at}: contains"), want.clone(), out.clone());
            }
        }
        for unwanted in &expect.not_contains {
            if out.contains(unwanted.as_str()) {
                fail(format!("{at}: not_contains"), unwanted.clone(), out.clone());
            }
        }
        if let Some(pattern) = &expect.matches {
            let matched = super::patterns::compile(pattern).is_ok_and(|re| re.is_match(out));
            if !matched {
                fail(format!("{at}: matches"), pattern.clone(), out.clone());
            }
        }
        if let Some(want) = expect.status
            && want != result.status
        {
            fail(
                format!("{at}: status"),
                want.to_string(),
                result.status.to_string(),
            );
        }
        for (name, want) in &expect.header {
            let value = result
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str());
            if !value.is_some_and(|v| v.contains(want.as_str())) {
                let got = match value {
                    Some(v) => format!("{name}: {v}"),
                    None => format!("no {name} header"),
                };
                fail(format!("{at}: header {name}"), want.clone(), got);
            }
        }
    }

    // Only events an expectation names are turned into their JSON log lines.
    let logged = replay
        .events
        .iter()
        .filter(|e| {
            let id = e.kind.eventid();
            scenario.expect.events.iter().any(|w| w.eventid == id)
        })
        .map(cowrie_json)
        .collect::<Vec<Value>>();
    for want in &scenario.expect.events {
        let found = logged.iter().filter(|e| event_matches(e, want)).count();
        let ok = match want.count {
            Some(n) => found == n,
            None => found > 0,
        };
        if !ok {
            let expected = match want.count {
                Some(n) => format!("{n} × {}", describe(want)),
                None => describe(want),
            };
            let same_id: Vec<String> = logged
                .iter()
                .filter(|e| e["eventid"] == want.eventid.as_str())
                .map(|e| e.to_string())
                .collect();
            let got = if same_id.is_empty() {
                format!("no {} event", want.eventid)
            } else {
                format!(
                    "{found} matching; {} with that id: {}",
                    same_id.len(),
                    same_id.join(" ")
                )
            };
            fail("expect.events".into(), expected, got);
        }
    }
    for unwanted in &scenario.expect.no_events {
        let found = replay
            .events
            .iter()
            .filter(|e| e.kind.eventid() == unwanted.as_str())
            .count();
        if found > 0 {
            fail(
                "expect.no_events".into(),
                format!("no {unwanted}"),
                format!("{found} such events"),
            );
        }
    }
    let rules: Vec<&str> = replay
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Alert { rule, .. } => Some(rule.as_str()),
            _ => None,
        })
        .collect();
    for want in &scenario.expect.alerts {
        if !rules.contains(&want.as_str()) {
            fail(
                "expect.alerts".into(),
                want.clone(),
                format!("alerts raised: [{}]", rules.join(", ")),
            );
        }
    }
    if let Some(want) = scenario.expect.logged_in
        && want != replay.logged_in
    {
        fail(
            "expect.logged_in".into(),
            want.to_string(),
            replay.logged_in.to_string(),
        );
    }
    if let Some(want) = scenario.expect.session_open
        && want != replay.session_open
    {
        fail(
            "expect.session_open".into(),
            want.to_string(),
            replay.session_open.to_string(),
        );
    }
    if let Some(want) = &scenario.expect.class {
        let got = replay.class();
        if got != Some(want.as_str()) {
            fail(
                "expect.class".into(),
                want.clone(),
                got.unwrap_or("no mirage.classification event").to_owned(),
            );
        }
    }
    if let Some(want) = &scenario.expect.prediction {
        let got = replay.prediction();
        for (name, least, share) in [
            ("min_top1", want.min_top1, got.map(|g| g.top1)),
            ("min_top3", want.min_top3, got.map(|g| g.top3)),
        ] {
            let Some(least) = least else { continue };
            match (share, got) {
                (Some(share), Some(_)) if share >= least => {}
                (Some(share), Some(got)) => fail(
                    format!("expect.prediction.{name}"),
                    format!("at least {least}"),
                    format!("{share:.3} over {} commands", got.n),
                ),
                _ => fail(
                    format!("expect.prediction.{name}"),
                    format!("at least {least}"),
                    "no mirage.prediction event (no next-command model loaded?)".into(),
                ),
            }
        }
    }
    failures
}

/// How well the next-command model predicted a replay's commands.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PredictionAccuracy {
    /// Share of the scored commands the first guess predicted.
    pub top1: f64,
    /// Share of the scored commands one of the three guesses predicted.
    pub top3: f64,
    /// Commands scored (`mirage.prediction` events).
    pub n: usize,
}

impl Replay {
    /// The class the node settled on: the `class` of the replay's last
    /// `mirage.classification` event; `None` when the session was never classified.
    pub fn class(&self) -> Option<&str> {
        self.events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Classification { class, .. } => Some(class.as_str()),
            _ => None,
        })
    }

    /// How well the commands were predicted, from the replay's `mirage.prediction` events;
    /// `None` when there were none (no model loaded, or no command typed).
    pub fn prediction(&self) -> Option<PredictionAccuracy> {
        let (mut top1, mut top3, mut n) = (0usize, 0usize, 0usize);
        for event in &self.events {
            if let EventKind::Prediction {
                hit_top1, hit_top3, ..
            } = &event.kind
            {
                n += 1;
                top1 += usize::from(*hit_top1);
                top3 += usize::from(*hit_top3);
            }
        }
        (n > 0).then(|| PredictionAccuracy {
            top1: top1 as f64 / n as f64,
            top3: top3 as f64 / n as f64,
            n,
        })
    }

    /// The result of each scenario step (by the step's index; `None` for a step that has no
    /// result: an upload alone, or a step the replay never reached).
    fn steps_by_index(&self, scenario: &Scenario) -> Vec<Option<&super::replay::StepResult>> {
        let mut results = vec![None; scenario.steps.len()];
        for result in &self.steps {
            if let Some(slot) = results.get_mut(result.step) {
                *slot = Some(result);
            }
        }
        results
    }
}

fn event_matches(event: &Value, want: &EventExpect) -> bool {
    event["eventid"] == want.eventid.as_str()
        && want.fields.iter().all(|(key, value)| match &event[key] {
            Value::String(s) => s == value,
            Value::Null => false,
            other => &other.to_string() == value,
        })
}

fn describe(want: &EventExpect) -> String {
    if want.fields.is_empty() {
        return want.eventid.clone();
    }
    let fields: Vec<String> = want
        .fields
        .iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{} with {}", want.eventid, fields.join(", "))
}
