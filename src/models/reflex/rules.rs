//! The rules file: its TOML form, checked strictly, and the compiled [`Rules`].
//!
//! ```toml
//! [[rule]]
//! name = "fork-bomb"
//! description = "the classic bash fork bomb"
//! regex = ':\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:'
//! actions = ["drop", { alert = "warning" }, { tag = "destructive" }]
//!
//! [[rule]]
//! name = "line-flood"
//! rate = { per = "ip", burst = 100, per_minute = 30 }
//! actions = [{ latency = { min_ms = 300, max_ms = 1500 } }]
//! ```
//!
//! Unknown keys, bad regexes and impossible values are errors that name the rule.

use std::time::Duration;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::events::Severity;

/// Most rules one file may hold.
pub const MAX_RULES: usize = 1000;
/// Longest latency one action may add.
const MAX_LATENCY_MS: u64 = 60_000;
/// Compiled size limit of one regex (and of the set), against pathological patterns.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest rule name and tag.
const MAX_NAME: usize = 64;

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file is not TOML, or has something other than `[[rule]]` tables.
    #[error("{file}: {message}")]
    File {
        /// The file (or `built-in rules`).
        file: String,
        /// What is wrong.
        message: String,
    },
    /// One rule is wrong.
    #[error("{file}: rule {rule:?}: {message}")]
    Rule {
        /// The file (or `built-in rules`).
        file: String,
        /// The rule's name, or `#n` when it has none.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// An input line, before the shell runs it.
    #[default]
    Line,
    /// A login that was accepted; subject `user:password` (the password may be unknown,
    /// then `user:`).
    LoginSucceeded,
    /// A login that was refused; subject `user:password`.
    LoginFailed,
    /// A download (`wget`, `curl`, …); subject the URL.
    Download,
    /// A planted honeytoken file was read; subject the token's id.
    HoneytokenRead,
    /// A command was not found; subject the command.
    CommandFailed,
}

impl Trigger {
    /// The name used in rules files.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Line => "line",
            Trigger::LoginSucceeded => "login_succeeded",
            Trigger::LoginFailed => "login_failed",
            Trigger::Download => "download",
            Trigger::HoneytokenRead => "honeytoken_read",
            Trigger::CommandFailed => "command_failed",
        }
    }
}

/// Whose token bucket a rate counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// The session's source address.
    Ip,
    /// The credential the session logged in with.
    Credential,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateSpec {
    per: Per,
    burst: u32,
    per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencySpec {
    ms: Option<u64>,
    min_ms: Option<u64>,
    max_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TarpitSpec {
    bytes_per_second: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CannedSpec {
    output: String,
    #[serde(default)]
    status: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ActionSpec {
    Latency(LatencySpec),
    Tarpit(TarpitSpec),
    Canned(CannedSpec),
    Drop,
    Alert(Severity),
    Tag(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    on: Trigger,
    regex: Option<String>,
    contains: Option<String>,
    #[serde(default)]
    programs: Vec<String>,
    tagged: Option<String>,
    rate: Option<RateSpec>,
    actions: Vec<ActionSpec>,
}

/// A token bucket's settings: `burst` tokens at most, `per_minute` back each minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Whose bucket.
    pub per: Per,
    /// Tokens when full: how many occurrences pass before the rule fires.
    pub burst: u32,
    /// Tokens added per minute.
    pub per_minute: u32,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Hold the output this long, or a time drawn between the two bounds.
    Latency {
        /// Least delay.
        min: Duration,
        /// Most delay (equal to `min` for a fixed delay).
        max: Duration,
    },
    /// From now on, send the session's output at most this many bytes per second.
    Tarpit {
        /// Bytes per second, at least 1.
        bytes_per_second: u32,
    },
    /// Answer the line with this text and status; the shell does not run it.
    Canned {
        /// The output, `\n` line ends.
        output: String,
        /// `$?` afterwards.
        status: i32,
    },
    /// End the session as a lost connection does.
    Drop,
    /// Raise an alert of this severity.
    Alert(Severity),
    /// Tag the session.
    Tag(String),
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its unique name: the `rule` of its `mirage.reflex` events.
    pub name: String,
    /// For operators; the `detail` of its events when set.
    pub description: String,
    /// What it looks at.
    pub on: Trigger,
    /// Indexes of its line patterns (regex, contains) in the line set.
    pub(super) set_patterns: Vec<usize>,
    /// Its patterns, for event rules (matched one by one: events are rare).
    pub(super) event_patterns: Vec<Regex>,
    /// Programs, any of which the line must run.
    pub(super) programs: Vec<String>,
    /// A tag the session must carry.
    pub(super) tagged: Option<String>,
    /// Its token bucket, if it is rate-limited.
    pub rate: Option<Rate>,
    /// What it does, in order.
    pub actions: Vec<Action>,
}

/// A compiled rules file.
#[derive(Debug, Clone)]
pub struct Rules {
    pub(super) rules: Vec<Rule>,
    /// Every line rule's patterns, one pass per line.
    pub(super) line_set: RegexSet,
    /// Whether any line rule names programs (then each line is split once).
    pub(super) needs_programs: bool,
    /// Whether any rule is an event rule of each trigger (cheap skip).
    pub(super) has_events: bool,
}

impl Rules {
    /// Parses and checks a rules file. `file` names it in errors (a path, or `built-in rules`).
    pub fn parse(file: &str, text: &str) -> Result<Rules, RulesError> {
        let file_error = |message: String| RulesError::File {
            file: file.to_owned(),
            message,
        };
        let table: toml::Table = toml::from_str(text)
            .map_err(|err| file_error(err.to_string().trim_end().to_owned()))?;
        if let Some(key) = table.keys().find(|k| k.as_str() != "rule") {
            return Err(file_error(format!(
                "unknown key `{key}`: a rules file holds only [[rule]] tables"
            )));
        }
        let entries = match table.get("rule") {
            None => Vec::new(),
            Some(toml::Value::Array(entries)) => entries.clone(),
            Some(_) => {
                return Err(file_error(
                    "`rule` must be an array of tables ([[rule]])".into(),
                ));
            }
        };
        if entries.len() > MAX_RULES {
            return Err(file_error(format!(
                "{} rules; at most {MAX_RULES} are allowed",
                entries.len()
            )));
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut rules: Vec<Rule> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.into_iter().enumerate() {
            let label = entry
                .get("name")
                .and_then(toml::Value::as_str)
                .map_or_else(|| format!("#{}", index + 1), str::to_owned);
            let rule_error = |message: String| RulesError::Rule {
                file: file.to_owned(),
                rule: label.clone(),
                message,
            };
            let spec = RuleSpec::deserialize(entry)
                .map_err(|err| rule_error(err.to_string().trim_end().to_owned()))?;
            if rules.iter().any(|r| r.name == spec.name) {
                return Err(rule_error("a rule of this name comes earlier".into()));
            }
            let rule = compile(spec, &mut patterns).map_err(rule_error)?;
            rules.push(rule);
        }
        let line_set = RegexSetBuilder::new(&patterns)
            .size_limit(REGEX_SIZE_LIMIT * 8)
            .build()
            .map_err(|err| file_error(format!("the rules' patterns together: {err}")))?;
        Ok(Rules {
            needs_programs: rules
                .iter()
                .any(|r| r.on == Trigger::Line && !r.programs.is_empty()),
            has_events: rules.iter().any(|r| r.on != Trigger::Line),
            rules,
            line_set,
        })
    }

    /// The built-in rules ([`super::DEFAULT_RULES`]).
    pub fn builtin() -> Result<Rules, RulesError> {
        Rules::parse("built-in rules", super::DEFAULT_RULES)
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks one rule and adds its line patterns to `patterns`.
fn compile(spec: RuleSpec, patterns: &mut Vec<String>) -> Result<Rule, String> {
    if !valid_name(&spec.name) {
        return Err(format!(
            "name must be 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`"
        ));
    }
    if spec.actions.is_empty() {
        return Err("has no actions".into());
    }
    let mut texts = Vec::new();
    if let Some(regex) = &spec.regex {
        // Checked alone first, so the error names this rule's pattern.
        RegexBuilder::new(regex)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|err| format!("bad regex: {err}"))?;
        texts.push(regex.clone());
    }
    if let Some(contains) = &spec.contains {
        if contains.is_empty() {
            return Err("`contains` is empty".into());
        }
        texts.push(regex::escape(contains));
    }
    if spec.on != Trigger::Line && !spec.programs.is_empty() {
        return Err(format!(
            "`programs` only applies to lines, not `on = \"{}\"`",
            spec.on.as_str()
        ));
    }
    if spec
        .programs
        .iter()
        .any(|p| p.is_empty() || p.contains(char::is_whitespace))
    {
        return Err("`programs` holds an empty name or one with spaces".into());
    }
    if spec.on == Trigger::Line
        && texts.is_empty()
        && spec.programs.is_empty()
        && spec.tagged.is_none()
        && spec.rate.is_none()
    {
        return Err(
            "matches every line: give `regex`, `contains`, `programs`, `tagged` or `rate`".into(),
        );
    }
    if let Some(tag) = &spec.tagged
        && !valid_name(tag)
    {
        return Err(format!(
            "`tagged` must be 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`"
        ));
    }
    let rate = match &spec.rate {
        Some(r) if r.burst == 0 => return Err("rate: `burst` must be at least 1".into()),
        Some(r) => Some(Rate {
            per: r.per,
            burst: r.burst,
            per_minute: r.per_minute,
        }),
        None => None,
    };
    let mut actions = Vec::with_capacity(spec.actions.len());
    for action in spec.actions {
        actions.push(match action {
            ActionSpec::Latency(l) => {
                let (min, max) = match (l.ms, l.min_ms, l.max_ms) {
                    (Some(ms), None, None) => (ms, ms),
                    (None, Some(min), Some(max)) if min <= max => (min, max),
                    (None, Some(_), Some(_)) => {
                        return Err("latency: `min_ms` exceeds `max_ms`".into());
                    }
                    _ => {
                        return Err(
                            "latency: give either `ms` or both `min_ms` and `max_ms`".into()
                        );
                    }
                };
                if max > MAX_LATENCY_MS {
                    return Err(format!("latency: at most {MAX_LATENCY_MS} ms"));
                }
                Action::Latency {
                    min: Duration::from_millis(min),
                    max: Duration::from_millis(max),
                }
            }
            ActionSpec::Tarpit(t) if t.bytes_per_second == 0 => {
                return Err("tarpit: `bytes_per_second` must be at least 1".into());
            }
            ActionSpec::Tarpit(t) => Action::Tarpit {
                bytes_per_second: t.bytes_per_second,
            },
            ActionSpec::Canned(_) if spec.on != Trigger::Line => {
                return Err(format!(
                    "canned output answers a line; this rule is `on = \"{}\"`",
                    spec.on.as_str()
                ));
            }
            ActionSpec::Canned(c) => Action::Canned {
                output: c.output,
                status: c.status,
            },
            ActionSpec::Drop => Action::Drop,
            ActionSpec::Alert(severity) => Action::Alert(severity),
            ActionSpec::Tag(tag) if !valid_name(&tag) => {
                return Err(format!(
                    "tag must be 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`"
                ));
            }
            ActionSpec::Tag(tag) => Action::Tag(tag),
        });
    }
    let (set_patterns, event_patterns) = if spec.on == Trigger::Line {
        let first = patterns.len();
        patterns.extend(texts);
        ((first..patterns.len()).collect(), Vec::new())
    } else {
        let compiled = texts
            .iter()
            .map(|t| {
                RegexBuilder::new(t)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|err| format!("bad regex: {err}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        (Vec::new(), compiled)
    };
    Ok(Rule {
        name: spec.name,
        description: spec.description,
        on: spec.on,
        set_patterns,
        event_patterns,
        programs: spec.programs,
        tagged: spec.tagged,
        rate,
        actions,
    })
}
