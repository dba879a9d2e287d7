//! The model's counts in the form [`Markov::predict_in`]'s search reads (`search.rs`):
//! commands and programs interned (command ids follow the commands' order, so comparing ids
//! compares text), each next-item distribution sorted by count for sorted access and by id for
//! random access, with the mass of commands holding each fetched-file placeholder number.
//! Built once after loading or training; never serialized.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::Markov;

/// One next-item distribution, ready for sorted and random access.
#[derive(Debug, Clone, Default)]
pub(super) struct Dist {
    /// Sum of the counts.
    pub(super) total: u32,
    /// Distinct items.
    pub(super) distinct: usize,
    /// `(item id, count)`, largest count first (ties by id), for sorted access.
    pub(super) ranked: Vec<(u32, u32)>,
    /// `(item id, count)` by id, for random access.
    pub(super) by_id: Vec<(u32, u32)>,
    /// `(m, count)`: the mass of commands whose highest placeholder is `<Fm>` (m ≥ 1), which a
    /// session that fetched fewer than m files cannot spell.
    pub(super) placeholders: Vec<(usize, u32)>,
    /// The largest count of a command holding a placeholder (0: none does).
    pub(super) placeholder_top: u32,
}

impl Dist {
    fn new(
        counts: &HashMap<String, u32>,
        id: impl Fn(&str) -> u32,
        top: impl Fn(u32) -> usize,
    ) -> Dist {
        let mut by_id: Vec<(u32, u32)> = counts.iter().map(|(item, &c)| (id(item), c)).collect();
        by_id.sort_unstable();
        let mut ranked = by_id.clone();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut placeholders: Vec<(usize, u32)> = Vec::new();
        let mut placeholder_top = 0;
        for &(item, count) in &by_id {
            let m = top(item);
            if m == 0 {
                continue;
            }
            placeholder_top = placeholder_top.max(count);
            match placeholders.iter_mut().find(|p| p.0 == m) {
                Some(p) => p.1 = p.1.saturating_add(count),
                None => placeholders.push((m, count)),
            }
        }
        Dist {
            total: by_id.iter().fold(0u32, |t, e| t.saturating_add(e.1)),
            distinct: by_id.len(),
            ranked,
            by_id,
            placeholders,
            placeholder_top,
        }
    }

    /// The count of `item`, 0 when absent.
    pub(super) fn count(&self, item: u32) -> u32 {
        self.by_id
            .binary_search_by_key(&item, |e| e.0)
            .map_or(0, |i| self.by_id[i].1)
    }

    /// The share of the mass a session that fetched `names` files can spell.
    pub(super) fn spellable(&self, names: usize) -> f64 {
        let lost: u32 = self
            .placeholders
            .iter()
            .filter(|p| p.0 > names)
            .map(|p| p.1)
            .sum();
        f64::from(self.total.saturating_sub(lost)) / f64::from(self.total.max(1))
    }
}

/// A map from model text (commands, context keys) that is only ever looked up, never
/// iterated: each prediction makes dozens of lookups, and SipHash's keyed rounds were a
/// good part of them. Its keys come from the model file, not from attackers, so a
/// predictable hash costs nothing in safety (a lookup of attacker text meets the model's own
/// probe chains).
pub(super) type Lookup<V> = HashMap<String, V, BuildHasherDefault<WordHasher>>;

/// The multiply-rotate hash rustc uses for its own tables (FxHash), a word at a time.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The interned, sorted form of a [`Markov`] model's counts.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    /// Unique to this build of the index (0: not built), for caching its predictions.
    pub(super) id: u64,
    /// Command id → command; ids follow the commands' order, so comparing ids compares text.
    pub(super) tokens: Vec<String>,
    /// Command → id.
    pub(super) token_ids: Lookup<u32>,
    /// Command id → the highest placeholder number in it (0: none).
    pub(super) top_placeholder: Vec<usize>,
    /// Command id → its program ([`Markov`]'s `program_of`).
    pub(super) program_of: Vec<String>,
    /// Command id → the programs whose command lists hold it.
    pub(super) programs_of_token: Vec<Vec<u32>>,
    /// Commands listed under more than one program (a few, where the normalizer gives two
    /// programs' commands the same token).
    pub(super) shared: Vec<u32>,
    /// Command context key → next commands.
    pub(super) token_contexts: Lookup<Dist>,
    /// Program context key → next programs.
    pub(super) program_contexts: Lookup<Dist>,
    /// Program id → its commands.
    pub(super) by_program: Vec<Dist>,
}

impl Index {
    /// Interns and sorts the model's counts.
    pub(super) fn build(model: &Markov) -> Index {
        let mut all: BTreeSet<&str> = BTreeSet::new();
        for dist in model.tokens.values().chain(model.by_program.values()) {
            all.extend(dist.keys().map(String::as_str));
        }
        all.extend(model.program_of.keys().map(String::as_str));
        let tokens: Vec<String> = all.into_iter().map(str::to_owned).collect();
        let token_ids: Lookup<u32> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let top_placeholder: Vec<usize> = tokens.iter().map(|t| top_placeholder(t)).collect();
        let program_of = tokens
            .iter()
            .map(|t| model.program_of.get(t).cloned().unwrap_or_default())
            .collect();
        let mut programs: BTreeSet<&str> = model.by_program.keys().map(String::as_str).collect();
        for dist in model.programs.values() {
            programs.extend(dist.keys().map(String::as_str));
        }
        let program_ids: HashMap<String, u32> = programs
            .iter()
            .enumerate()
            .map(|(i, p)| ((*p).to_owned(), i as u32))
            .collect();
        let token_id = |t: &str| token_ids.get(t).copied().unwrap_or(u32::MAX);
        let program_id = |p: &str| program_ids.get(p).copied().unwrap_or(u32::MAX);
        let top = |id: u32| top_placeholder.get(id as usize).copied().unwrap_or(0);
        let mut by_program = vec![Dist::default(); programs.len()];
        let mut programs_of_token = vec![Vec::new(); tokens.len()];
        for (program, dist) in &model.by_program {
            let pid = program_id(program);
            for token in dist.keys() {
                if let Some(list) = programs_of_token.get_mut(token_id(token) as usize) {
                    list.push(pid);
                }
            }
            if let Some(slot) = by_program.get_mut(pid as usize) {
                *slot = Dist::new(dist, token_id, top);
            }
        }
        let token_contexts = model
            .tokens
            .iter()
            .map(|(key, dist)| (key.clone(), Dist::new(dist, token_id, top)))
            .collect();
        let program_contexts = model
            .programs
            .iter()
            .map(|(key, dist)| (key.clone(), Dist::new(dist, program_id, |_| 0)))
            .collect();
        static BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Index {
            id: BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            tokens,
            token_ids,
            top_placeholder,
            program_of,
            shared: (0..programs_of_token.len() as u32)
                .filter(|&id| programs_of_token[id as usize].len() > 1)
                .collect(),
            programs_of_token,
            token_contexts,
            program_contexts,
            by_program,
        }
    }
}

/// The highest `<Fn>` (n ≥ 1) placeholder number in `token`, as [`SessionContext::spell`]
/// reads them; 0 when none.
fn top_placeholder(token: &str) -> usize {
    let mut top = 0;
    let mut rest = token;
    while let Some(at) = rest.find("<F") {
        let after = rest.get(at + 2..).unwrap_or("");
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let tail = after.get(digits..).unwrap_or("");
        match after.get(..digits).unwrap_or("").parse::<usize>() {
            Ok(n) if n > 0 && tail.starts_with('>') => {
                top = top.max(n);
                rest = tail.get(1..).unwrap_or("");
            }
            _ => rest = after,
        }
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::context::SessionContext;
    use crate::models::normalize::normalize_line;

    #[test]
    fn placeholder_numbers_are_read_as_spelling_reads_them() {
        let context = SessionContext::from_commands(&normalize_line(
            "wget http://a/x.sh; wget http://a/y.sh",
        ));
        for (token, top) in [
            ("sh <F1>", 1),
            ("cp <F2> <F1>", 2),
            ("cat <F3>", 3),
            ("echo <F0> <F> <Fx> <F12", 0),
            ("ls", 0),
        ] {
            assert_eq!(top_placeholder(token), top, "{token}");
            // Spelled out exactly when the session fetched that many files.
            assert_eq!(context.spell(token).is_some(), top <= 2, "{token}");
        }
    }
}
