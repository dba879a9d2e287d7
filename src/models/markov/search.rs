//! [`Markov::predict_in`]'s search over the sorted counts (`index.rs`): a prediction reads
//! only the head of each distribution instead of adding whole distributions (the unigram one
//! holds every command the model knows) into a map on every call.
//!
//! A prediction is a weighted sum of a few next-command distributions (the command contexts
//! found, and the program chain's programs each spelled out as its commands). The `k` best
//! are found with the threshold algorithm (Fagin et al.): entries are pulled from the list
//! whose next pull lowers the bound most; each command pulled is scored exactly by looking it
//! up in every list; the search stops once the `k`-th best score found beats what any command
//! not yet pulled could score (the context lists' next entries plus the largest program
//! list's: a command is listed under one program, but for a few scored up front). The normalising total comes
//! from the lists' totals (minus the mass of guesses naming files the session never
//! fetched, counted per placeholder number at build time), so probabilities are those of the
//! full sum.
//!
//! Spelling fetched-file placeholders can give two model commands the same text (`sh <F1>` and
//! a literal `sh x.sh`); a guess's score is then the sum of every model command spelled that
//! way (found by trying each fetched name in the guess as literal or placeholder, up to
//! [`MAX_CHOICES`] of them), and the stop rule allows up to [`MERGED`] model commands behind
//! one unseen guess.

use std::borrow::Cow;
use std::collections::{BTreeSet, BinaryHeap};

use super::index::{Dist, Index};
use super::{Markov, Prediction, SEP};
use crate::models::context::SessionContext;

/// Most fetched-name parts of one guess tried both ways when looking for model commands
/// spelled the same (2^4 = 16 lookups); further ones are taken as typed.
const MAX_CHOICES: usize = 4;
/// How many model commands the stop rule assumes can stand behind one guess not yet pulled,
/// once the session has fetched a file (one without fetched files spells every command as
/// itself, so one).
const MERGED: f64 = 4.0;
/// Relative slack on the stop rule, for the rounding of sums taken in another order.
const SLACK: f64 = 1e-9;

/// One distribution taking part in a prediction.
struct List<'a> {
    dist: &'a Dist,
    /// Its weight in the sum.
    weight: f64,
    /// Witten-Bell: the factor on the shorter contexts' sum when this one is added (else 1).
    keep: f64,
    /// Witten-Bell: the weight it is added with before longer ones scale it (else `weight`).
    raw: f64,
    /// Whether the program-chain factor scales it (command contexts, when the chain is used).
    scaled: bool,
    /// The program whose commands it lists (program-chain lists only).
    program: Option<u32>,
    /// Entries pulled so far.
    pos: usize,
}

/// The lists of one prediction and how they combine.
struct Sum<'a> {
    lists: Vec<List<'a>>,
    /// How many of `lists` are command contexts (they come first).
    contexts: usize,
    /// `(program id, index in lists)` of the program chain's lists, by program id.
    programs: Vec<(u32, usize)>,
    /// Factor on the command-context part once the program chain is mixed in (else 1).
    factor: f64,
}

impl Sum<'_> {
    /// The exact unnormalised score of command `id`, its terms added in the order the whole
    /// sum adds them (so ties stay ties), and whether any list holds it.
    fn score(&self, index: &Index, id: u32) -> (f64, bool) {
        let mut score = 0.0;
        let mut present = false;
        for list in self.lists.iter().take(self.contexts) {
            score *= list.keep;
            let count = list.dist.count(id);
            if count > 0 {
                present = true;
                score += list.raw * f64::from(count) / f64::from(list.dist.total.max(1));
            }
        }
        score *= self.factor;
        for &pid in index
            .programs_of_token
            .get(id as usize)
            .map_or(&[][..], Vec::as_slice)
        {
            if let Ok(at) = self.programs.binary_search_by_key(&pid, |p| p.0) {
                let list = &self.lists[self.programs[at].1];
                let count = list.dist.count(id);
                if count > 0 {
                    present = true;
                    score += list.weight * f64::from(count) / f64::from(list.dist.total.max(1));
                }
            }
        }
        (score, present)
    }

    /// What the next entry of list `i` could add to any command's score, what the one after
    /// it could, and what a command holding a placeholder could (at most the first).
    fn bounds(&self, i: usize) -> (f64, f64, f64) {
        let list = &self.lists[i];
        let scale = if list.scaled { self.factor } else { 1.0 };
        let share = list.weight * scale / f64::from(list.dist.total.max(1));
        let at = |pos: usize| list.dist.ranked.get(pos).map_or(0, |e| e.1);
        let next = at(list.pos);
        (
            share * f64::from(next),
            share * f64::from(at(list.pos + 1)),
            share * f64::from(next.min(list.dist.placeholder_top)),
        )
    }

    /// The sum of the lists' spellable masses: the total of every guess's score.
    fn total(&self, names: usize) -> f64 {
        self.lists
            .iter()
            .map(|l| {
                let scale = if l.scaled { self.factor } else { 1.0 };
                l.weight * scale * l.dist.spellable(names)
            })
            .sum()
    }
}

/// A program-chain list in the heap, ordered by its next entry's bound.
struct Head {
    list: usize,
    /// [`Sum::bounds`] of the list.
    bounds: (f64, f64, f64),
}

impl Head {
    fn new(list: usize, bounds: (f64, f64, f64)) -> Head {
        Head { list, bounds }
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Head) -> std::cmp::Ordering {
        self.bounds
            .0
            .total_cmp(&other.bounds.0)
            .then(other.list.cmp(&self.list))
    }
}

/// A guess found: its text as the session would type it, score and program.
struct Guess<'a> {
    surface: Cow<'a, str>,
    score: f64,
    program: &'a str,
}

impl Markov {
    /// The lists a prediction after `context` sums, with the same weights as the full sum.
    fn lists<'a>(&self, index: &'a Index, context: &SessionContext) -> Sum<'a> {
        let mut lists: Vec<List<'a>> = Vec::new();
        let (items, reach) = context.items(false, self.order);
        let keys = Keys::new(&items, reach);
        let mut token_order = None;
        if self.escape > 0.0 {
            for n in 0..=reach {
                let Some(dist) = index.token_contexts.get(keys.get(n)) else {
                    continue;
                };
                token_order = Some(n);
                let keep = if lists.is_empty() {
                    0.0
                } else {
                    let (seen, distinct) = (f64::from(dist.total), dist.distinct as f64);
                    self.escape * distinct / (seen + self.escape * distinct)
                };
                for list in &mut lists {
                    list.weight *= keep;
                }
                lists.push(List {
                    dist,
                    weight: 1.0 - keep,
                    keep,
                    raw: 1.0 - keep,
                    scaled: true,
                    program: None,
                    pos: 0,
                });
            }
        } else {
            let mut weight = 1.0;
            for n in (0..=reach).rev() {
                let Some(dist) = index.token_contexts.get(keys.get(n)) else {
                    continue;
                };
                token_order.get_or_insert(n);
                lists.push(List {
                    dist,
                    weight,
                    keep: 1.0,
                    raw: weight,
                    scaled: true,
                    program: None,
                    pos: 0,
                });
                weight *= self.backoff;
            }
        }
        let contexts = lists.len();
        let mut factor = 1.0;
        let (programs, reach) = context.items(true, self.order);
        let keys = Keys::new(&programs, reach);
        let program_order = (0..=reach)
            .rev()
            .find_map(|n| index.program_contexts.get(keys.get(n)).map(|d| (n, d)));
        if let Some((n, dist)) = program_order
            && token_order.is_none_or(|t| n > t)
        {
            let scale = lists
                .iter()
                .map(|l| l.weight)
                .sum::<f64>()
                .max(f64::MIN_POSITIVE);
            factor = (1.0 - self.program_weight) / scale;
            for &(pid, count) in &dist.ranked {
                let share = self.program_weight * f64::from(count) / f64::from(dist.total.max(1));
                if let Some(commands) = index.by_program.get(pid as usize)
                    && commands.total > 0
                {
                    lists.push(List {
                        dist: commands,
                        weight: share,
                        keep: 1.0,
                        raw: share,
                        scaled: false,
                        program: Some(pid),
                        pos: 0,
                    });
                }
            }
        }
        let mut programs: Vec<(u32, usize)> = lists
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.program.map(|p| (p, i)))
            .collect();
        programs.sort_unstable();
        Sum {
            lists,
            contexts,
            programs,
            factor,
        }
    }

    /// The `k` best guesses after `context` (see [`Markov::predict_in`]).
    pub(super) fn search(
        &self,
        index: &Index,
        context: &SessionContext,
        k: usize,
    ) -> Vec<Prediction> {
        if k == 0 {
            return Vec::new();
        }
        let names = context.fetched();
        let mut sum = self.lists(index, context);
        // Besides its own spelling, a guess not yet pulled can stand for this many model
        // commands holding a placeholder.
        let merged = if names.is_empty() { 0.0 } else { MERGED - 1.0 };
        let mut done: BTreeSet<u32> = BTreeSet::new();
        let mut guesses: Vec<Guess<'_>> = Vec::new();
        let mut best: Vec<f64> = Vec::with_capacity(k + 1);
        // The program chain's lists, by what their next entry could add. A command is in the
        // context lists and in one program's list, except the few listed under several
        // programs: those are scored first, so the largest program bound is the bound.
        let mut heap: BinaryHeap<Head> = BinaryHeap::new();
        if !sum.programs.is_empty() {
            for &id in &index.shared {
                if let Some(guess) = self.examine(index, &sum, context, id, &mut done) {
                    add(guess, &mut guesses, &mut best, k);
                }
            }
            for i in sum.contexts..sum.lists.len() {
                heap.push(Head::new(i, sum.bounds(i)));
            }
        }
        let unseen = loop {
            // The threshold: what a guess not pulled yet could score. Pull next from the list
            // whose next pull lowers it most (a flat list, all ones, does not: its entries are
            // better found through the lists that rank them).
            let (mut theta, mut theta_placeholder) = (0.0, 0.0);
            let mut pick: Option<(usize, f64, f64)> = None;
            let mut consider = |i: usize, (bound, after, placeholder): (f64, f64, f64)| {
                theta += bound;
                theta_placeholder += placeholder;
                let drop = bound - after;
                if bound > 0.0 && pick.is_none_or(|(_, d, b)| drop > d || (drop == d && bound > b))
                {
                    pick = Some((i, drop, bound));
                }
            };
            for i in 0..sum.contexts {
                consider(i, sum.bounds(i));
            }
            if let Some(head) = heap.peek() {
                consider(head.list, head.bounds);
            }
            let unseen = (theta + merged * theta_placeholder) * (1.0 + SLACK);
            let Some((i, _, _)) = pick else { break unseen };
            if best.len() >= k && best[k - 1] > unseen {
                break unseen;
            }
            let list = &mut sum.lists[i];
            let id = list.dist.ranked[list.pos].0;
            list.pos += 1;
            if i >= sum.contexts {
                heap.pop();
                let bounds = sum.bounds(i);
                if bounds.0 > 0.0 {
                    heap.push(Head::new(i, bounds));
                }
            }
            if let Some(guess) = self.examine(index, &sum, context, id, &mut done) {
                add(guess, &mut guesses, &mut best, k);
            }
        };
        let total = sum.total(names.len());
        let mut ranked: Vec<(Cow<'_, str>, f64, &str)> = guesses
            .into_iter()
            .map(|g| {
                (
                    g.surface,
                    if total > 0.0 {
                        g.score / total
                    } else {
                        g.score
                    },
                    g.program,
                )
            })
            .collect();
        let any = total > 0.0 || !ranked.is_empty();
        let lost = any && ranked.iter().all(|g| g.1 < self.lost_below);
        // The share the model keeps once the session's cache is mixed in (1: not mixed).
        let mut kept = 1.0;
        if self.cache_weight > 0.0 && (lost || context.human_like(self.human_gap)) {
            let cached = context.cache();
            if !cached.is_empty() {
                let model_share = if any { 1.0 - self.cache_weight } else { 0.0 };
                kept = model_share;
                for guess in &mut ranked {
                    guess.1 *= model_share;
                }
                let mut fresh = Vec::new();
                for (token, p, program) in cached {
                    match ranked.iter_mut().find(|g| g.0 == token) {
                        Some(guess) => guess.1 += (1.0 - model_share) * p,
                        None => fresh.push((token, p, program)),
                    }
                }
                // Commands of the session's the search did not reach, likeliest first: each
                // scores at most its cache share plus what an unpulled guess could; once that
                // cannot reach the k-th guess, neither can the rest.
                let reach = if total > 0.0 { unseen / total } else { unseen };
                let mut kth = kth_best(&ranked, k);
                let upper =
                    |p: f64| (model_share * reach + (1.0 - model_share) * p) * (1.0 + SLACK);
                fresh.retain(|f| upper(f.1) >= kth);
                fresh.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
                for (token, p, program) in fresh {
                    if upper(p) < kth {
                        break;
                    }
                    // A command of the session's the search did not reach: its model score.
                    let (score, model_program) = self.surface_score(index, &sum, context, token);
                    let model = if total > 0.0 { score / total } else { score };
                    ranked.push((
                        Cow::Borrowed(token),
                        model * model_share + (1.0 - model_share) * p,
                        model_program.unwrap_or(program),
                    ));
                    kth = kth_best(&ranked, k);
                }
            }
        }
        self.mix_correction(index, context, &mut ranked, |surface| {
            // A correction the search did not reach: its own score, as the whole sum has it.
            let (score, _) = self.surface_score(index, &sum, context, surface);
            let model = if total > 0.0 { score / total } else { score };
            let cached = if kept < 1.0 {
                context
                    .cache()
                    .iter()
                    .find(|c| c.0 == surface)
                    .map_or(0.0, |c| c.1)
            } else {
                0.0
            };
            model * kept + (1.0 - kept) * cached
        });
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(k)
            .map(|(token, probability, program)| Prediction {
                token: token.into_owned(),
                program: program.to_owned(),
                probability,
            })
            .collect()
    }

    /// The guess command `id` spells to, scored with every model command spelled the same;
    /// `None` when it cannot be spelled or its guess was scored already.
    fn examine<'a>(
        &self,
        index: &'a Index,
        sum: &Sum<'_>,
        context: &SessionContext,
        id: u32,
        done: &mut BTreeSet<u32>,
    ) -> Option<Guess<'a>> {
        if !done.insert(id) {
            return None;
        }
        let token = index.tokens.get(id as usize)?;
        if index.top_placeholder.get(id as usize).copied().unwrap_or(0) > context.fetched().len() {
            return None;
        }
        let surface = context.spell(token)?;
        let ids = spellings(index, context, &surface, id);
        let mut score = 0.0;
        let mut program = None;
        for &other in &ids {
            done.insert(other);
            let (s, present) = sum.score(index, other);
            if present {
                score += s;
                program.get_or_insert(other);
            }
        }
        let program = program.and_then(|p| index.program_of.get(p as usize))?;
        Some(Guess {
            surface,
            score,
            program,
        })
    }

    /// The unnormalised model score of a guess typed as `surface`, and the program of its
    /// first model spelling (`None`: no model command is spelled so).
    fn surface_score<'a>(
        &self,
        index: &'a Index,
        sum: &Sum<'_>,
        context: &SessionContext,
        surface: &str,
    ) -> (f64, Option<&'a str>) {
        // The command as typed is its own spelling unless it holds a placeholder.
        let literal = index
            .token_ids
            .get(surface)
            .copied()
            .filter(|&id| index.top_placeholder.get(id as usize) == Some(&0));
        let ids = match literal {
            Some(id) => spellings(index, context, surface, id),
            None => spellings(index, context, surface, u32::MAX),
        };
        let mut score = 0.0;
        let mut program = None;
        for id in ids {
            if id == u32::MAX {
                continue;
            }
            let (s, present) = sum.score(index, id);
            if present {
                score += s;
                program.get_or_insert(id);
            }
        }
        (
            score,
            program
                .and_then(|p| index.program_of.get(p as usize))
                .map(String::as_str),
        )
    }
}

/// Takes in a guess found, keeping `best` the `k` best scores.
fn add<'a>(guess: Guess<'a>, guesses: &mut Vec<Guess<'a>>, best: &mut Vec<f64>, k: usize) {
    if let Some(same) = guesses.iter_mut().find(|g| g.surface == guess.surface) {
        // A spelling the name search did not try (a placeholder inside a word): merged all the
        // same; `best` keeps the lower score, which only searches further.
        same.score += guess.score;
        return;
    }
    let at = best.partition_point(|&s| s >= guess.score);
    best.insert(at, guess.score);
    best.truncate(k);
    guesses.push(guess);
}

/// The `k`-th best probability among `guesses` (−∞ when fewer).
fn kth_best(guesses: &[(Cow<'_, str>, f64, &str)], k: usize) -> f64 {
    let mut probabilities: Vec<f64> = guesses.iter().map(|g| g.1).collect();
    if probabilities.len() < k {
        return f64::NEG_INFINITY;
    }
    probabilities.sort_by(|a, b| b.total_cmp(a));
    probabilities[k - 1]
}

/// The model commands (ids, ascending) the session spells as `surface`, with `id` (one of
/// them, or `u32::MAX`); each part of `surface` that is a fetched name is tried as typed and
/// as its placeholder.
fn spellings(index: &Index, context: &SessionContext, surface: &str, id: u32) -> Vec<u32> {
    let names = context.fetched();
    let mut ids = vec![id];
    if names.is_empty() {
        return ids;
    }
    // Byte ranges of the parts (words split on '/') that are fetched names.
    let mut choices: Vec<(usize, usize, usize)> = Vec::new();
    let mut at = 0;
    for word in surface.split(' ') {
        let mut part_at = at;
        for part in word.split('/') {
            if let Some(n) = names.iter().position(|name| name == part)
                && choices.len() < MAX_CHOICES
            {
                choices.push((part_at, part_at + part.len(), n + 1));
            }
            part_at += part.len() + 1;
        }
        at += word.len() + 1;
    }
    for mask in 0u32..(1 << choices.len()) {
        // Mask 0 replaces nothing: the surface itself, looked up without a copy.
        let text: Cow<'_, str> = if mask == 0 {
            Cow::Borrowed(surface)
        } else {
            let mut text = String::with_capacity(surface.len() + 8);
            let mut from = 0;
            for (bit, &(start, end, n)) in choices.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    text.push_str(surface.get(from..start).unwrap_or(""));
                    text.push_str("<F");
                    text.push_str(&n.to_string());
                    text.push('>');
                    from = end;
                }
            }
            text.push_str(surface.get(from..).unwrap_or(""));
            Cow::Owned(text)
        };
        if let Some(&other) = index.token_ids.get(&*text)
            && !ids.contains(&other)
            && context.spell(&text).is_some_and(|s| s == surface)
        {
            ids.push(other);
        }
    }
    ids.sort_unstable();
    ids
}

/// The context keys of the last `n` items (`n` ≤ reach), as suffixes of one joined string.
struct Keys {
    joined: String,
    /// Byte offset of each item's start in `joined`, the oldest used first.
    starts: Vec<usize>,
}

impl Keys {
    fn new(items: &[&str], reach: usize) -> Keys {
        let used = items
            .get(items.len().saturating_sub(reach)..)
            .unwrap_or(&[]);
        let mut joined = String::with_capacity(used.iter().map(|i| i.len() + 1).sum());
        let mut starts = Vec::with_capacity(used.len());
        for (i, item) in used.iter().enumerate() {
            if i > 0 {
                joined.push(SEP);
            }
            starts.push(joined.len());
            joined.push_str(item);
        }
        Keys { joined, starts }
    }

    /// The key of the last `n` items.
    fn get(&self, n: usize) -> &str {
        if n == 0 || n > self.starts.len() {
            return "";
        }
        let start = self.starts[self.starts.len() - n];
        self.joined.get(start..).unwrap_or("")
    }
}
