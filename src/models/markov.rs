//! Layer 1: a variable-order back-off Markov model over normalized commands
//! ([`super::normalize`]) that predicts a session's next command from the ones before it.
//!
//! Two chains are counted side by side: one over whole normalized commands (order up to
//! [`Markov::order`]) and one over program names. A prediction takes the longest command
//! context seen in training and backs off to shorter ones with a small weight; when the
//! program chain knows a longer context than the command chain (an unseen variant of a known
//! pattern), it mixes in the program chain's guess, spelled as that program's most frequent
//! command. Counting is deterministic (ties break by token) and [`Markov::observe`] updates
//! online. The model (de)serializes as JSON with a format version and the hashes of its
//! training sequences, which decide whether an evaluated session is "novel".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::normalize::Normalized;

/// The model file format this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The context token before a session's first command.
const START: &str = "<S>";
/// Separator of tokens inside a context key (never typed by the normalizer's output paths).
const SEP: char = '\u{1f}';
/// Default [`Markov::backoff`].
const BACKOFF: f64 = 0.05;
/// Default [`Markov::program_weight`].
const PROGRAM_WEIGHT: f64 = 0.6;

/// Why a model file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not JSON of the model's shape.
    #[error("bad model file: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by another version of the format.
    #[error("model format version {found}, this build reads {FORMAT_VERSION}")]
    Version {
        /// The version in the file.
        found: u32,
    },
}

/// One predicted next command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The normalized command.
    pub token: String,
    /// Its program.
    pub program: String,
    /// Its probability among the candidates (they sum to 1).
    pub probability: f64,
}

type Counts = HashMap<String, HashMap<String, u32>>;

/// The variable-order back-off model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Markov {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Longest context, in commands.
    pub order: usize,
    /// Command context key → next command → count.
    tokens: Counts,
    /// Program context key → next program → count.
    programs: Counts,
    /// Program → its commands → count.
    by_program: Counts,
    /// Command → its program.
    program_of: HashMap<String, String>,
    /// Hashes of the normalized sequences the model was trained on.
    training: BTreeSet<u64>,
    /// Weight of each step down to a shorter command context.
    #[serde(default = "default_backoff")]
    pub backoff: f64,
    /// Weight of the program chain when it knows a longer context than the command chain.
    #[serde(default = "default_program_weight")]
    pub program_weight: f64,
}

fn default_backoff() -> f64 {
    BACKOFF
}

fn default_program_weight() -> f64 {
    PROGRAM_WEIGHT
}

impl Markov {
    /// An empty model with contexts up to `order` commands (at least 1).
    pub fn new(order: usize) -> Markov {
        Markov {
            version: FORMAT_VERSION,
            order: order.max(1),
            tokens: Counts::new(),
            programs: Counts::new(),
            by_program: Counts::new(),
            program_of: HashMap::new(),
            training: BTreeSet::new(),
            backoff: BACKOFF,
            program_weight: PROGRAM_WEIGHT,
        }
    }

    /// A model of `order` trained on these sessions' normalized commands.
    pub fn trained<'a>(order: usize, sessions: impl IntoIterator<Item = &'a [Normalized]>) -> Self {
        let mut model = Markov::new(order);
        for session in sessions {
            model.train(session);
        }
        model
    }

    /// Counts every transition of one session and remembers its sequence hash.
    pub fn train(&mut self, session: &[Normalized]) {
        for i in 0..session.len() {
            self.observe(&session[..i], &session[i]);
        }
        self.training.insert(sequence_hash(session));
    }

    /// Counts one transition: `next` came after `context` (the session's commands so far).
    pub fn observe(&mut self, context: &[Normalized], next: &Normalized) {
        let tokens = with_start(context, |n| n.token.as_str());
        let programs = with_start(context, |n| n.program.as_str());
        for n in 0..=self.order.min(tokens.len()) {
            bump(&mut self.tokens, key(&tokens, n), &next.token);
            bump(&mut self.programs, key(&programs, n), &next.program);
        }
        bump(&mut self.by_program, next.program.clone(), &next.token);
        self.program_of
            .entry(next.token.clone())
            .or_insert_with(|| next.program.clone());
    }

    /// Whether this normalized sequence was one the model was trained on.
    pub fn seen(&self, session: &[Normalized]) -> bool {
        self.training.contains(&sequence_hash(session))
    }

    /// The `k` most likely next commands after `context`, most likely first.
    pub fn predict(&self, context: &[Normalized], k: usize) -> Vec<Prediction> {
        let tokens = with_start(context, |n| n.token.as_str());
        let programs = with_start(context, |n| n.program.as_str());
        let mut scores: BTreeMap<&str, f64> = BTreeMap::new();
        let mut weight = 1.0;
        let mut token_order = None;
        for n in (0..=self.order.min(tokens.len())).rev() {
            let Some(dist) = self.tokens.get(&key(&tokens, n)) else {
                continue;
            };
            token_order.get_or_insert(n);
            add(&mut scores, dist, weight);
            weight *= self.backoff;
        }
        let program_order = (0..=self.order.min(programs.len()))
            .rev()
            .find_map(|n| self.programs.get(&key(&programs, n)).map(|d| (n, d)));
        if let Some((n, dist)) = program_order
            && token_order.is_none_or(|t| n > t)
        {
            let total: u32 = dist.values().sum();
            let scale = scores.values().sum::<f64>().max(f64::MIN_POSITIVE);
            for value in scores.values_mut() {
                *value *= (1.0 - self.program_weight) / scale;
            }
            for (program, count) in dist {
                let share = self.program_weight * f64::from(*count) / f64::from(total.max(1));
                if let Some(commands) = self.by_program.get(program) {
                    add(&mut scores, commands, share);
                }
            }
        }
        let total: f64 = scores.values().sum();
        let mut ranked: Vec<(&str, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        ranked
            .into_iter()
            .take(k)
            .map(|(token, score)| Prediction {
                token: token.to_owned(),
                program: self.program_of.get(token).cloned().unwrap_or_default(),
                probability: if total > 0.0 { score / total } else { 0.0 },
            })
            .collect()
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A model from its JSON, refusing other format versions.
    pub fn from_json(text: &str) -> Result<Markov, ModelError> {
        #[derive(Deserialize)]
        struct Header {
            version: u32,
        }
        let header: Header = serde_json::from_str(text)?;
        if header.version != FORMAT_VERSION {
            return Err(ModelError::Version {
                found: header.version,
            });
        }
        Ok(serde_json::from_str(text)?)
    }
}

/// A stable 64-bit hash (FNV-1a) of a normalized command sequence.
pub fn sequence_hash(session: &[Normalized]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for command in session {
        for byte in command.token.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn with_start<'a>(
    context: &'a [Normalized],
    part: impl Fn(&'a Normalized) -> &'a str,
) -> Vec<&'a str> {
    std::iter::once(START)
        .chain(context.iter().map(part))
        .collect()
}

/// The key of the last `n` items of `items`.
fn key(items: &[&str], n: usize) -> String {
    let mut out = String::new();
    for (i, item) in items[items.len().saturating_sub(n)..].iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.push_str(item);
    }
    out
}

fn bump(counts: &mut Counts, context: String, next: &str) {
    let entry = counts.entry(context).or_default();
    if let Some(count) = entry.get_mut(next) {
        *count = count.saturating_add(1);
    } else {
        entry.insert(next.to_owned(), 1);
    }
}

fn add<'a>(scores: &mut BTreeMap<&'a str, f64>, dist: &'a HashMap<String, u32>, weight: f64) {
    let total: u32 = dist.values().sum();
    for (token, count) in dist {
        *scores.entry(token.as_str()).or_default() +=
            weight * f64::from(*count) / f64::from(total.max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::normalize::normalize_line;

    fn session(lines: &[&str]) -> Vec<Normalized> {
        lines.iter().flat_map(|l| normalize_line(l)).collect()
    }

    fn top(model: &Markov, context: &[Normalized]) -> String {
        model
            .predict(context, 1)
            .first()
            .map(|p| p.token.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_deterministic_chain_is_predicted_exactly() {
        let chain = session(&[
            "uname -a",
            "cat /proc/cpuinfo",
            "free -m",
            "w",
            "crontab -l",
        ]);
        let model = Markov::trained(5, [chain.as_slice(), chain.as_slice()]);
        for i in 0..chain.len() {
            let predicted = model.predict(&chain[..i], 3);
            assert_eq!(predicted[0].token, chain[i].token, "step {i}");
            assert!(predicted[0].probability > 0.9, "step {i}: {predicted:?}");
        }
    }

    #[test]
    fn longer_context_beats_shorter() {
        // After `cd /tmp`, `wget` follows in one template and `ls` in another; what came
        // before `cd /tmp` decides.
        let a = session(&["uname -a", "cd /tmp", "wget http://a/x"]);
        let b = session(&["w", "cd /tmp", "ls"]);
        let model = Markov::trained(3, [a.as_slice(), a.as_slice(), b.as_slice()]);
        assert_eq!(top(&model, &session(&["w", "cd /tmp"])), "ls");
        assert_eq!(
            top(&model, &session(&["uname -a", "cd /tmp"])),
            "wget <URL>"
        );
        let p = model.predict(&session(&["uname -a", "cd /tmp"]), 3);
        let sum: f64 = p.iter().map(|p| p.probability).sum();
        assert!(p[0].probability > 0.9 && sum <= 1.0 + 1e-9, "{p:?}");
    }

    #[test]
    fn unseen_arguments_back_off_to_the_program_chain() {
        let a = session(&["cat /etc/passwd", "uname -a"]);
        let model = Markov::trained(3, [a.as_slice()]);
        // `cat` with other arguments was never seen: the program chain knows what follows cat.
        assert_eq!(top(&model, &session(&["cat /etc/shadow"])), "uname -a");
        assert_eq!(model.predict(&session(&["cat /x"]), 1)[0].program, "uname");
    }

    #[test]
    fn observe_updates_online_and_novelty_uses_training_hashes() {
        let a = session(&["id", "whoami"]);
        let mut model = Markov::trained(2, [a.as_slice()]);
        assert!(model.seen(&a));
        assert!(!model.seen(&session(&["id", "pwd"])));
        let ctx = session(&["id"]);
        for _ in 0..3 {
            model.observe(&ctx, &session(&["pwd"])[0]);
        }
        assert_eq!(top(&model, &ctx), "pwd");
    }

    #[test]
    fn json_round_trip_keeps_predictions_and_checks_the_version() {
        let a = session(&["uname -a; w", "cat /proc/cpuinfo"]);
        let model = Markov::trained(4, [a.as_slice()]);
        let json = model.to_json();
        let back = Markov::from_json(&json).expect("round trip");
        assert_eq!(back.predict(&a[..1], 2), model.predict(&a[..1], 2));
        assert!(back.seen(&a));
        let wrong = json.replacen("\"version\":1", "\"version\":99", 1);
        assert!(matches!(
            Markov::from_json(&wrong),
            Err(ModelError::Version { found: 99 })
        ));
        assert!(Markov::from_json("{").is_err());
    }

    #[test]
    fn an_empty_model_predicts_nothing() {
        assert!(Markov::new(3).predict(&session(&["ls"]), 3).is_empty());
    }
}
