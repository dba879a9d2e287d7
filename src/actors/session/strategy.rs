//! The session's side of Layer 3 ([`crate::actors::strategy`]): it asks for its deception
//! settings when it starts and again whenever its announced attacker class or attack phase
//! changes, puts the answer into the shell state (`ShellState::deception`, which the shell
//! and the fake host obey) and announces each change as a `mirage.strategy` event. When the
//! session ends it reports what it ran with and what the attacker did ([`Outcome`]).
//!
//! Per line this costs a comparison and a few counters: the question goes out with `send`
//! and its answer comes back as a future on the session's own context, so no line ever waits
//! for it. Only SSH sessions take part (an HTTP session has no shell to deceive).

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::SessionActor;
use crate::actors::strategy::{Choice, Choose, Chosen, Outcome};
use crate::events::{EventKind, Protocol};
use crate::models::Class;
use crate::models::phases::Phase;
use crate::models::reward::SessionOutcome;
use crate::models::strategy::Deception;

/// Most settings a session asks for; past this its class and phase changes are not followed
/// (a session flipping phase on every line must not flood the event log).
pub const MAX_CHOICES: usize = 16;
/// Longest a session waits for its first settings before it goes on without (the strategy
/// actor answers from memory in microseconds; this only bounds a stuck one).
const FIRST_ANSWER: std::time::Duration = std::time::Duration::from_millis(500);
/// Longest last line kept for the reward's probe check, in bytes.
const MAX_LAST_LINE: usize = 512;

/// What the session asked for, ran with and did.
#[derive(Debug, Clone)]
pub(super) struct SessionStrategy {
    /// The class and phase last asked for (`None` before the first question).
    asked: Option<(Option<Class>, Option<Phase>)>,
    /// How many questions were sent.
    questions: usize,
    /// The settings in force, once an answer came.
    current: Option<Deception>,
    /// Every answer, in order.
    choices: Vec<Choice>,
    /// When the session started.
    started: DateTime<Utc>,
    commands: u32,
    downloads: u32,
    tokens: u32,
    last_line: Option<String>,
}

impl SessionStrategy {
    /// A session that started at `started` and asked nothing yet.
    pub(super) fn new(started: DateTime<Utc>) -> SessionStrategy {
        SessionStrategy {
            asked: None,
            questions: 0,
            current: None,
            choices: Vec::new(),
            started,
            commands: 0,
            downloads: 0,
            tokens: 0,
            last_line: None,
        }
    }

    /// Counts one input line (blank lines are not commands).
    fn line(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.commands = self.commands.saturating_add(1);
        let mut end = line.len().min(MAX_LAST_LINE);
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        self.last_line = Some(line[..end].to_owned());
    }

    /// The finished session, as of `now`.
    fn outcome(&self, now: DateTime<Utc>) -> SessionOutcome {
        SessionOutcome {
            dwell_secs: (now - self.started)
                .to_std()
                .map_or(0.0, |d| d.as_secs_f64()),
            commands: self.commands,
            downloads: self.downloads,
            tokens: self.tokens,
            last_line: self.last_line.clone(),
        }
    }
}

impl SessionActor {
    /// Whether this session takes part in Layer 3.
    fn strategy_on(&self) -> bool {
        self.deps.strategy.is_some() && self.origin.protocol == Protocol::Ssh
    }

    /// Asks for settings when the session starts (once: a restarted actor keeps them). The
    /// session's first message waits for the answer (bounded by [`FIRST_ANSWER`]), so even a
    /// one-command exec session runs with its settings.
    pub(super) fn strategy_start(&mut self, ctx: &mut Context<Self>) {
        if self.strategy.asked.is_none() {
            self.strategy_ask(None, None, true, ctx);
        }
    }

    /// After an input line (and its classification): counts it and asks again when the
    /// announced class or phase changed.
    pub(super) fn strategy_line(&mut self, line: &str, ctx: &mut Context<Self>) {
        if !self.strategy_on() {
            return;
        }
        self.strategy.line(line);
        let (class, phase) = self.classifier.context();
        if self.strategy.asked != Some((class, phase)) {
            self.strategy_ask(class, phase, false, ctx);
        }
    }

    /// Counts what a line captured: honeytokens read and downloads among its events.
    pub(super) fn strategy_effects(&mut self, tokens: usize, events: &[EventKind]) {
        let downloads = events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    EventKind::FileDownload { .. } | EventKind::FileUpload { .. }
                )
            })
            .count();
        let s = &mut self.strategy;
        s.tokens = s
            .tokens
            .saturating_add(u32::try_from(tokens).unwrap_or(u32::MAX));
        s.downloads = s
            .downloads
            .saturating_add(u32::try_from(downloads).unwrap_or(u32::MAX));
    }

    /// Sends the question for `class` and `phase`; the answer arrives on this context
    /// (`first`: before the session handles its next message).
    fn strategy_ask(
        &mut self,
        class: Option<Class>,
        phase: Option<Phase>,
        first: bool,
        ctx: &mut Context<Self>,
    ) {
        if !self.strategy_on() || self.strategy.questions >= MAX_CHOICES {
            return;
        }
        let Some(strategy) = self.deps.strategy.clone() else {
            return;
        };
        self.strategy.asked = Some((class, phase));
        self.strategy.questions += 1;
        let question = strategy.send(Choose {
            session: self.origin.session.clone(),
            class,
            phase,
        });
        let answer = async move {
            match tokio::time::timeout(FIRST_ANSWER, question).await {
                Ok(Ok(chosen)) => Some(chosen),
                _ => None,
            }
        }
        .into_actor(self)
        .map(move |answer, act, _| match answer {
            Some(chosen) => act.strategy_apply(chosen, class, phase),
            None => tracing::debug!(session = %act.origin.session, "No strategy answer."),
        });
        if first {
            ctx.wait(answer);
        } else {
            ctx.spawn(answer);
        }
    }

    /// Puts `chosen` into force and announces it when the settings changed.
    fn strategy_apply(&mut self, chosen: Chosen, class: Option<Class>, phase: Option<Phase>) {
        self.strategy.choices.push(Choice {
            class,
            phase,
            settings: chosen.settings,
        });
        if self.strategy.current == Some(chosen.settings) {
            return;
        }
        self.strategy.current = Some(chosen.settings);
        self.state.deception = chosen.settings;
        self.emit(EventKind::Strategy {
            settings: chosen.settings,
            mode: chosen.mode.as_str().to_owned(),
            class: class.map(Class::as_str).unwrap_or_default().to_owned(),
            phase: phase.map(Phase::as_str).unwrap_or_default().to_owned(),
        });
    }

    /// The session is over: reports its choices and what the attacker did.
    pub(super) fn strategy_finish(&mut self) {
        if !self.strategy_on() || self.strategy.choices.is_empty() {
            return;
        }
        if let Some(strategy) = &self.deps.strategy {
            strategy.do_send(Outcome {
                session: self.origin.session.clone(),
                choices: std::mem::take(&mut self.strategy.choices),
                outcome: self.strategy.outcome(self.deps.clock.now()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_and_the_last_kept_bounded() {
        let start = Utc::now();
        let mut s = SessionStrategy::new(start);
        s.line("   ");
        s.line("uname -a");
        s.line(&"é".repeat(MAX_LAST_LINE));
        assert_eq!(s.commands, 2);
        let last = s.last_line.clone().unwrap();
        assert!(last.len() <= MAX_LAST_LINE && last.starts_with('é'));
        s.line("cat /proc/cpuinfo");
        let outcome = s.outcome(start + chrono::TimeDelta::seconds(90));
        assert_eq!(outcome.dwell_secs, 90.0);
        assert_eq!(outcome.commands, 3);
        assert_eq!(outcome.last_line.as_deref(), Some("cat /proc/cpuinfo"));
        // A clock that went back gives no dwell rather than a panic.
        assert_eq!(
            s.outcome(start - chrono::TimeDelta::seconds(5)).dwell_secs,
            0.0
        );
    }
}
