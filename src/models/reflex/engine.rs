//! [`Rules::evaluate`]: one line or event against every rule, into one [`Verdict`].
//!
//! Rules are tried in file order and every rule that matches fires; their actions add up:
//! latencies are summed, the slowest tarpit wins, the first canned answer wins, any drop
//! drops, every alert is raised and every new tag is added. Each action taken is one
//! [`Fired`], which the session reports as a `mirage.reflex` event.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::buckets::{Buckets, RateKey};
use super::rules::{Action, Per, Rule, Rules, Trigger};
use crate::events::Severity;

/// What is being judged.
#[derive(Debug, Clone, Copy)]
pub enum Occurrence<'a> {
    /// An input line, before the shell runs it.
    Line(&'a str),
    /// An event the session saw, with its subject (URL, token, `user:password`, command).
    Event(Trigger, &'a str),
}

/// Who the occurrence comes from.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The session's source address.
    pub ip: IpAddr,
    /// The credential it logged in with (`user:password`, or `user:`).
    pub credential: &'a str,
    /// The session's tags so far.
    pub tags: &'a BTreeSet<String>,
}

/// A canned answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned {
    /// The rule that gave it.
    pub rule: String,
    /// The output, `\n` line ends.
    pub output: String,
    /// `$?` afterwards.
    pub status: i32,
}

/// One action a rule took, as its `mirage.reflex` event reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The rule.
    pub rule: String,
    /// The action, for operators: `latency 523ms`, `tarpit 16 B/s`, `canned output`, `drop`,
    /// `alert warning`, `tag bot`.
    pub action: String,
    /// Why: the rule's description, or what matched.
    pub detail: String,
}

/// Everything the rules decided about one occurrence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// Hold the output this much longer.
    pub latency: Duration,
    /// Send the session's output at most this many bytes per second from now on.
    pub tarpit: Option<u32>,
    /// Answer with this instead of running the line.
    pub canned: Option<Canned>,
    /// End the session.
    pub drop: bool,
    /// Alerts to raise: (rule, severity).
    pub alerts: Vec<(String, Severity)>,
    /// Tags to add to the session (not already on it).
    pub tags: Vec<String>,
    /// Every action taken, in order.
    pub fired: Vec<Fired>,
}

impl Verdict {
    /// Whether no rule fired.
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }
}

/// A session's own random numbers for jitter: SplitMix64, seeded from the session, so the
/// same session (a replay) draws the same delays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRng(u64);

impl SessionRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> SessionRng {
        SessionRng(seed)
    }

    /// A generator seeded from `text` (a session id) by FNV-1a.
    pub fn from_text(text: &str) -> SessionRng {
        let seed = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        SessionRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration drawn uniformly between `min` and `max` (inclusive, millisecond steps).
    pub fn between(&mut self, min: Duration, max: Duration) -> Duration {
        let (lo, hi) = (min.as_millis() as u64, max.as_millis() as u64);
        if hi <= lo {
            return min;
        }
        Duration::from_millis(lo + self.next_u64() % (hi - lo + 1))
    }
}

impl Rules {
    /// Judges `what` from `who` at `now` against every rule. Rate-limited rules take tokens
    /// from `buckets`; jitter comes from `rng`. Never fails, never panics: attacker text only
    /// meets regexes, substring tests and the splitter.
    pub fn evaluate(
        &self,
        what: Occurrence<'_>,
        who: &Subject<'_>,
        now: DateTime<Utc>,
        buckets: &mut Buckets,
        rng: &mut SessionRng,
    ) -> Verdict {
        let mut verdict = Verdict::default();
        match what {
            Occurrence::Line(line) | Occurrence::Event(Trigger::Line, line) => {
                // Most lines match no pattern: the plain search is cheaper than the
                // overlapping one, which runs only when something matched.
                let matched = self
                    .line_set
                    .is_match(line)
                    .then(|| self.line_set.matches(line));
                let programs: Vec<String> = if self.needs_programs {
                    // Split once per line for every model (and kept for lines seen lately).
                    crate::models::analysis::analyze(line)
                        .commands
                        .iter()
                        .flat_map(|c| c.stages.iter().map(|s| s.program().to_owned()))
                        .collect()
                } else {
                    Vec::new()
                };
                for rule in self.rules.iter().filter(|r| r.on == Trigger::Line) {
                    let hit = rule
                        .set_patterns
                        .iter()
                        .all(|&i| matched.as_ref().is_some_and(|m| m.matched(i)))
                        && (rule.programs.is_empty()
                            || rule.programs.iter().any(|p| programs.contains(p)));
                    if hit {
                        self.fire(rule, "line", who, now, buckets, rng, &mut verdict);
                    }
                }
            }
            Occurrence::Event(trigger, subject) => {
                if !self.has_events {
                    return verdict;
                }
                for rule in self.rules.iter().filter(|r| r.on == trigger) {
                    if rule.event_patterns.iter().all(|p| p.is_match(subject)) {
                        self.fire(rule, trigger.as_str(), who, now, buckets, rng, &mut verdict);
                    }
                }
            }
        }
        verdict
    }

    /// Checks the rule's tag and rate, then takes its actions into `verdict`.
    #[allow(clippy::too_many_arguments)]
    fn fire(
        &self,
        rule: &Rule,
        what: &str,
        who: &Subject<'_>,
        now: DateTime<Utc>,
        buckets: &mut Buckets,
        rng: &mut SessionRng,
        verdict: &mut Verdict,
    ) {
        if let Some(tag) = &rule.tagged
            && !who.tags.contains(tag)
            && !verdict.tags.contains(tag)
        {
            return;
        }
        let mut detail = if rule.description.is_empty() {
            format!("matched a {}", what.replace('_', " "))
        } else {
            rule.description.clone()
        };
        if let Some(rate) = rule.rate {
            let key = match rate.per {
                Per::Ip => RateKey::Ip(who.ip),
                Per::Credential => RateKey::Credential(who.credential),
            };
            if buckets.take(&rule.name, rate, key, now) {
                return;
            }
            let per = match rate.per {
                Per::Ip => "address",
                Per::Credential => "credential",
            };
            detail.push_str(&format!(
                "; over {} at once and {} a minute from this {per}",
                rate.burst, rate.per_minute
            ));
        }
        for action in &rule.actions {
            let text = match action {
                Action::Latency { min, max } => {
                    let delay = rng.between(*min, *max);
                    verdict.latency = verdict.latency.saturating_add(delay);
                    format!("latency {}ms", delay.as_millis())
                }
                Action::Tarpit { bytes_per_second } => {
                    let slowest = verdict
                        .tarpit
                        .map_or(*bytes_per_second, |b| b.min(*bytes_per_second));
                    verdict.tarpit = Some(slowest);
                    format!("tarpit {bytes_per_second} B/s")
                }
                Action::Canned { output, status } => {
                    if verdict.canned.is_some() {
                        continue;
                    }
                    verdict.canned = Some(Canned {
                        rule: rule.name.clone(),
                        output: output.clone(),
                        status: *status,
                    });
                    "canned output".to_owned()
                }
                Action::Drop => {
                    verdict.drop = true;
                    "drop".to_owned()
                }
                Action::Alert(severity) => {
                    verdict.alerts.push((rule.name.clone(), *severity));
                    format!("alert {}", severity_name(*severity))
                }
                Action::Tag(tag) => {
                    if who.tags.contains(tag) || verdict.tags.contains(tag) {
                        continue;
                    }
                    verdict.tags.push(tag.clone());
                    format!("tag {tag}")
                }
            };
            verdict.fired.push(Fired {
                rule: rule.name.clone(),
                action: text,
                detail: detail.clone(),
            });
        }
    }
}

/// The lowercase name of a severity, as rules files and alerts spell it.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}
