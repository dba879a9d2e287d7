//! Typo correction: a command the model never saw that is one edit away from exactly one
//! command it knows (`cat /porc/cpuinfo`, `apt get`, `exut`) was most likely a slip, which the
//! shell answered with "No such file" or "command not found"; people then type what they
//! meant. [`corrections`] finds that command so the prediction can mix it in.

use std::borrow::Cow;

use super::Markov;
use super::index::Index;
use crate::models::context::SessionContext;

/// Longest command compared, in bytes (longer ones are pasted, not mistyped).
const MAX_LEN: usize = 256;
/// Shortest command compared, in bytes: a word of two or three letters is one edit from
/// many others (`cde` from `cd`, but also a new word), so a slip there is a guess.
const MIN_LEN: usize = 4;

/// The one model command (by id) a single edit away from the session's last command, when
/// that command is unknown to the model and exactly one known command is that close; `None`
/// otherwise.
pub(super) fn correction(index: &Index, context: &SessionContext) -> Option<u32> {
    let last = context.last_token()?;
    if !(MIN_LEN..=MAX_LEN).contains(&last.len()) || index.token_ids.contains_key(last) {
        return None;
    }
    let names = context.fetched().len();
    let mut found = None;
    for (id, token) in index.tokens.iter().enumerate() {
        if token.len().abs_diff(last.len()) > 1
            || index.top_placeholder.get(id).copied().unwrap_or(0) > names
            || !one_edit(last.as_bytes(), token.as_bytes())
        {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = u32::try_from(id).ok();
    }
    found
}

impl Markov {
    /// Mixes the correction of the session's last command, if any, into `ranked` (guesses as
    /// typed, probability, program) with [`Markov::typo_weight`]; `unranked` gives the
    /// probability of a guess not in `ranked`.
    pub(super) fn mix_correction<'a>(
        &self,
        index: &'a Index,
        context: &SessionContext,
        ranked: &mut Vec<(Cow<'a, str>, f64, &'a str)>,
        unranked: impl FnOnce(&str) -> f64,
    ) {
        if self.typo_weight <= 0.0 {
            return;
        }
        let Some(id) = correction(index, context) else {
            return;
        };
        let Some(surface) = index.tokens.get(id as usize).and_then(|t| context.spell(t)) else {
            return;
        };
        let share = self.typo_weight.min(1.0);
        for guess in ranked.iter_mut() {
            guess.1 *= 1.0 - share;
        }
        match ranked.iter_mut().find(|g| g.0 == surface) {
            Some(guess) => guess.1 += share,
            None => {
                let before = unranked(&surface);
                let program = index.program_of.get(id as usize).map_or("", String::as_str);
                ranked.push((surface, before * (1.0 - share) + share, program));
            }
        }
    }
}

/// Whether `a` becomes `b` by exactly one insertion, deletion, substitution or swap of two
/// neighbouring bytes.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            a[1..] == b[1..] || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        std::cmp::Ordering::Less => a == &b[1..],
        std::cmp::Ordering::Greater => &a[1..] == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_is_one_insertion_deletion_substitution_or_swap() {
        for (a, b) in [
            ("apt get", "apt-get"),
            ("exut", "exit"),
            ("cat /porc/cpuinfo", "cat /proc/cpuinfo"),
            ("l", "ls"),
            ("lss", "ls"),
            ("sl", "ls"),
        ] {
            assert!(one_edit(a.as_bytes(), b.as_bytes()), "{a} / {b}");
        }
        for (a, b) in [
            ("ls", "ls"),
            ("ls -a", "ls -la -h"),
            ("abcd", "badc"),
            ("ab", ""),
        ] {
            assert!(!one_edit(a.as_bytes(), b.as_bytes()), "{a} / {b}");
        }
    }
}
