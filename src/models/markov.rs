//! Layer 1: a variable-order back-off Markov model over normalized commands
//! ([`super::normalize`]) that predicts a session's next command from the ones before it.
//!
//! Two chains are counted side by side: one over whole normalized commands (order up to
//! [`Markov::order`]) and one over program names. A prediction takes the longest command
//! context seen in training and backs off to shorter ones with a small weight; when the
//! program chain knows a longer context than the command chain (an unseen variant of a known
//! pattern), it mixes in the program chain's guess, spelled as that program's most frequent
//! command. Counting is deterministic (ties break by token) and [`Markov::observe`] updates
//! online.
//!
//! The context is a [`SessionContext`], which carries more than the command tokens:
//! - files the session fetched are referred to by recency (`chmod 777 <F1>` is "chmod the
//!   file fetched last", `<F2>` the one before), so a new campaign's
//!   `wget …/x.sh; chmod 777 x.sh` follows the known pattern; a guessed `<F1>` is spelled out
//!   with the session's own name, so it is judged against the command as typed;
//! - the login (SSH client, user and password), known before the first command, stands before
//!   the start symbol, so the same bot logging in the same way is recognised from its first
//!   command on; an unseen login backs off to the plain start;
//! - a cache of the session's own commands, mixed in with [`Markov::cache_weight`] once the
//!   session pauses like a person (people re-type `ls -a` and `./run`; scripts don't pause).
//! - a slip (a command the model never saw, one edit from exactly one command it knows) is
//!   expected to be typed again, right, with [`Markov::typo_weight`] (`typo.rs`).
//!
//! Predicting does not add whole distributions: the counts are interned and sorted once, after
//! loading or training (`index`), and a threshold search reads only their heads, about 3 µs per
//! command with the shipped model (BENCHMARKS.md, "Model latency").
//!
//! The model (de)serializes as JSON with a format version and the hashes of its training
//! sequences, which decide whether an evaluated session is "novel".

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::context::WINDOW;
pub use super::context::{Login, SessionContext};
use super::normalize::Normalized;

mod index;
mod memo;
#[cfg(test)]
mod reference;
mod search;
mod typo;

/// The model file format this code reads and writes (2: tokens with fetched-file
/// placeholders and login context).
pub const FORMAT_VERSION: u32 = 2;

/// Separator of tokens inside a context key (never typed by the normalizer's output paths).
const SEP: char = '\u{1f}';
/// Default [`Markov::backoff`].
const BACKOFF: f64 = 0.05;
/// Default [`Markov::program_weight`].
const PROGRAM_WEIGHT: f64 = 0.6;
/// Default [`Markov::escape`].
const ESCAPE: f64 = 0.0;
/// Default [`Markov::cache_weight`].
const CACHE_WEIGHT: f64 = 0.5;
/// Default [`Markov::lost_below`].
const LOST_BELOW: f64 = 0.1;
/// Default [`Markov::human_gap`].
const HUMAN_GAP: f64 = 2.0;
/// Default [`Markov::typo_weight`].
const TYPO_WEIGHT: f64 = 0.3;

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
    /// Witten-Bell escape factor: when above 0, contexts are interpolated, each longer one
    /// weighted by `seen / (seen + escape · distinct)`; at 0, the fixed [`Markov::backoff`].
    #[serde(default = "default_escape")]
    pub escape: f64,
    /// Weight of the session's own earlier commands once it pauses like a person.
    #[serde(default = "default_cache_weight")]
    pub cache_weight: f64,
    /// The cache is also mixed in when no model guess is this likely (the model is lost:
    /// the session left every pattern it knows).
    #[serde(default = "default_lost_below")]
    pub lost_below: f64,
    /// The pause, in seconds, that makes a session type like a person.
    #[serde(default = "default_human_gap")]
    pub human_gap: f64,
    /// Weight of the typo correction: after a command the model never saw that is one edit
    /// away from exactly one command it knows (`apt get`, `cat /porc/cpuinfo`), that command
    /// gets this share (the shell said "command not found"; people retype it right).
    #[serde(default = "default_typo_weight")]
    pub typo_weight: f64,
    /// The counts sorted for prediction; rebuilt after loading and after any count changes.
    #[serde(skip)]
    index: OnceLock<index::Index>,
}

fn default_backoff() -> f64 {
    BACKOFF
}

fn default_program_weight() -> f64 {
    PROGRAM_WEIGHT
}

fn default_escape() -> f64 {
    ESCAPE
}

fn default_cache_weight() -> f64 {
    CACHE_WEIGHT
}

fn default_lost_below() -> f64 {
    LOST_BELOW
}

fn default_human_gap() -> f64 {
    HUMAN_GAP
}

fn default_typo_weight() -> f64 {
    TYPO_WEIGHT
}

impl Markov {
    /// An empty model with contexts up to `order` commands (1 to [`WINDOW`] − 1).
    pub fn new(order: usize) -> Markov {
        Markov {
            version: FORMAT_VERSION,
            order: order.clamp(1, WINDOW - 1),
            tokens: Counts::new(),
            programs: Counts::new(),
            by_program: Counts::new(),
            program_of: HashMap::new(),
            training: BTreeSet::new(),
            backoff: BACKOFF,
            program_weight: PROGRAM_WEIGHT,
            escape: ESCAPE,
            cache_weight: CACHE_WEIGHT,
            lost_below: LOST_BELOW,
            human_gap: HUMAN_GAP,
            typo_weight: TYPO_WEIGHT,
            index: OnceLock::new(),
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
        self.train_in(&Login::default(), session);
    }

    /// Counts every transition of one session that logged in with `login`.
    pub fn train_in(&mut self, login: &Login, session: &[Normalized]) {
        self.train_weighted(login, session, 1);
    }

    /// Counts every transition of one session `weight` times (recent sessions can count
    /// more than old ones: campaigns change their scripts over time).
    pub fn train_weighted(&mut self, login: &Login, session: &[Normalized], weight: u32) {
        let weight = weight.max(1);
        let mut context = SessionContext::new(login);
        for command in session {
            self.count(&context, command, weight);
            context.push(command, None);
        }
        self.training.insert(sequence_hash(session));
    }

    /// Counts one transition: `next` came after `context` (the session's commands so far).
    pub fn observe(&mut self, context: &[Normalized], next: &Normalized) {
        self.count(&SessionContext::from_commands(context), next, 1);
    }

    /// Counts one transition: `next` came after `context`.
    pub fn observe_in(&mut self, context: &SessionContext, next: &Normalized) {
        self.count(context, next, 1);
    }

    fn count(&mut self, context: &SessionContext, next: &Normalized, weight: u32) {
        self.index.take();
        let token = context.target(next);
        let (tokens, reach) = context.items(false, self.order);
        for n in 0..=reach {
            bump(&mut self.tokens, key(&tokens, n), &token, weight);
        }
        let (programs, reach) = context.items(true, self.order);
        for n in 0..=reach {
            bump(&mut self.programs, key(&programs, n), &next.program, weight);
        }
        bump(&mut self.by_program, next.program.clone(), &token, weight);
        self.program_of
            .entry(token)
            .or_insert_with(|| next.program.clone());
    }

    /// Whether this normalized sequence was one the model was trained on.
    pub fn seen(&self, session: &[Normalized]) -> bool {
        self.training.contains(&sequence_hash(session))
    }

    /// The `k` most likely next commands after `context` (a session with no login
    /// information and no times), most likely first.
    pub fn predict(&self, context: &[Normalized], k: usize) -> Vec<Prediction> {
        self.predict_in(&SessionContext::from_commands(context), k)
    }

    /// The `k` most likely next commands in this session, most likely first, their
    /// probabilities summing to at most 1. Fetched-file placeholders are spelled out with the
    /// session's names; a guess naming a file the session has not fetched is dropped.
    ///
    /// Reads only the heads of the distributions involved (a threshold search over counts
    /// sorted once after loading or training, `markov/index.rs`): the result is that of summing
    /// them whole, probabilities equal up to the rounding of sums taken in another order.
    ///
    /// The guesses are shared with the thread's other predictions from the same context
    /// (`memo.rs`): bots that type the same script get the same guesses.
    pub fn predict_in(&self, context: &SessionContext, k: usize) -> Vec<Prediction> {
        self.cached_search(self.index(), context, k)
    }

    /// The longest command context, in items (login, start, commands), that the model knows
    /// in this session (`None`: not even the empty one, an empty model).
    pub fn known_order(&self, context: &SessionContext) -> Option<usize> {
        let (items, reach) = context.items(false, self.order);
        let index = self.index();
        (0..=reach)
            .rev()
            .find(|&n| index.token_contexts.contains_key(&key(&items, n)))
    }

    /// The prediction index, built on first use after loading or training.
    fn index(&self) -> &index::Index {
        self.index.get_or_init(|| index::Index::build(self))
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
        let model: Markov = serde_json::from_str(text)?;
        // Sorted now, so a node's first session does not pay for it.
        model.index();
        Ok(model)
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

fn bump(counts: &mut Counts, context: String, next: &str, weight: u32) {
    let entry = counts.entry(context).or_default();
    if let Some(count) = entry.get_mut(next) {
        *count = count.saturating_add(weight);
    } else {
        entry.insert(next.to_owned(), weight);
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
        let wrong = json.replacen("\"version\":2", "\"version\":99", 1);
        assert!(matches!(
            Markov::from_json(&wrong),
            Err(ModelError::Version { found: 99 })
        ));
        assert!(Markov::from_json("{").is_err());
    }

    #[test]
    fn a_fetched_file_is_predicted_by_its_own_name() {
        // Two campaigns with other file names teach "chmod, then run, the file just fetched";
        // a third name is predicted spelled out, as typed.
        let a = session(&["cd /tmp", "wget http://a/x.sh", "chmod 777 x.sh", "sh x.sh"]);
        let b = session(&["cd /tmp", "wget http://b/y.sh", "chmod 777 y.sh", "sh y.sh"]);
        let model = Markov::trained(4, [a.as_slice(), b.as_slice()]);
        let c = session(&["cd /tmp", "wget http://c/new.sh"]);
        let guess = model.predict(&c, 3);
        assert_eq!(guess[0].token, "chmod <NUM> new.sh", "{guess:?}");
        assert_eq!(guess[0].program, "chmod");
        assert!(guess[0].probability > 0.9, "{guess:?}");
        let ran = session(&["cd /tmp", "wget http://c/new.sh", "chmod 777 new.sh"]);
        assert_eq!(top(&model, &ran), "sh new.sh");
        // Without a fetched file a placeholder cannot be spelled out: no such guess.
        assert!(
            model
                .predict(&session(&["cd /tmp", "chmod 777 q"]), 5)
                .iter()
                .all(|p| !p.token.contains("<F")),
        );
    }

    #[test]
    fn the_login_tells_which_bot_starts() {
        let login = |user: &str| Login {
            client: Some("SSH-2.0-Go".into()),
            username: Some(user.into()),
            password: Some("1234".into()),
        };
        let mut model = Markov::new(3);
        for _ in 0..3 {
            model.train_in(&login("admin"), &session(&["cat /proc/cpuinfo", "w"]));
        }
        model.train_in(&login("pi"), &session(&["uname -a", "w"]));
        let start = |user: &str| {
            model.predict_in(&SessionContext::new(&login(user)), 1)[0]
                .token
                .clone()
        };
        assert_eq!(start("admin"), "cat /proc/cpuinfo");
        assert_eq!(start("pi"), "uname -a");
        // An unseen login backs off to what sessions start with overall.
        assert_eq!(start("oracle"), "cat /proc/cpuinfo");
    }

    #[test]
    fn a_session_that_pauses_like_a_person_is_expected_to_retype() {
        // After a `cd` the model knows three equally likely commands; a person who ran
        // `ls -a` after their last `cd` is expected to do it again, a script is not.
        let bots: Vec<Vec<Normalized>> = [["cd /x", "uname"], ["cd /y", "w"], ["cd /z", "id"]]
            .iter()
            .map(|lines| session(lines))
            .collect();
        let model = Markov::trained(2, bots.iter().map(Vec::as_slice));
        let typed = session(&["cd /home", "ls -a", "cd /var"]);
        let mut person = SessionContext::new(&Login::default());
        let mut script = SessionContext::new(&Login::default());
        for (i, command) in typed.iter().enumerate() {
            person.push(command, Some(5.0 * i as f64));
            script.push(command, Some(0.1 * i as f64));
        }
        assert_eq!(model.predict_in(&person, 1)[0].token, "ls -a");
        assert_eq!(
            model.predict_in(&script, 1)[0].token,
            "id",
            "ties go by token"
        );
        let p = model.predict_in(&person, 10);
        let sum: f64 = p.iter().map(|p| p.probability).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn witten_bell_escape_also_predicts_a_chain_exactly() {
        let chain = session(&["uname -a", "w", "free -m", "w", "id"]);
        let mut model = Markov::trained(3, [chain.as_slice(), chain.as_slice()]);
        model.escape = 1.0;
        for i in 0..chain.len() {
            assert_eq!(top(&model, &chain[..i]), chain[i].token, "step {i}");
        }
    }

    #[test]
    fn a_mistyped_command_is_expected_to_be_retyped_right() {
        let model = Markov::trained(
            3,
            [
                session(&["uname -a", "cat /proc/cpuinfo", "free -m"]).as_slice(),
                session(&["uname -a", "w", "exit"]).as_slice(),
            ],
        );
        let share = |model: &Markov, context: &[Normalized], token: &str| {
            model
                .predict(context, 10)
                .iter()
                .find(|p| p.token == token)
                .map_or(0.0, |p| p.probability)
        };
        // One edit from one known command: the slip's correction gets the typo share.
        let slip = session(&["uname -a", "cat /porc/cpuinfo"]);
        let fixed = share(&model, &slip, "cat /proc/cpuinfo");
        let mut off = model.clone();
        off.typo_weight = 0.0;
        let unfixed = share(&off, &slip, "cat /proc/cpuinfo");
        assert!(fixed >= 0.3 && fixed > unfixed + 0.25, "{fixed} {unfixed}");
        let sum: f64 = model.predict(&slip, 10).iter().map(|p| p.probability).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
        // When the model has no other idea, the correction comes first.
        assert_eq!(top(&model, &session(&["exut"])), "exit");
        // One edit from two known commands is ambiguous: no correction.
        let mut two = model.clone();
        two.train(&session(&["cat /porc/cpuinf", "id"]));
        assert!(share(&two, &slip, "cat /proc/cpuinfo") < 0.2);
    }

    #[test]
    fn an_empty_model_predicts_nothing() {
        assert!(Markov::new(3).predict(&session(&["ls"]), 3).is_empty());
    }
}
