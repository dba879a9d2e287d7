//! Layer 1 latency: what a session pays per command for next-command prediction with the
//! shipped model set (`models/`): `SessionContext::push` of the command, then
//! `Markov::predict_in(&context, 3)`, over the command lines of every `scenarios/**/*.yaml`
//! (each scenario one session, with its login and pauses).
//!
//! `cargo bench --bench models`. Criterion reports the mean per command; the run then times
//! 100,000 single commands with `Instant` and prints p50, p99 and p99.9. For comparison it also
//! times `Markov::predict(&commands, 3)`, which rebuilds the context from the session's
//! commands on each call.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use mirage::models::Models;
use mirage::models::markov::{Login, Markov, SessionContext};
use mirage::models::normalize::{Normalized, normalize_line};
use mirage::sim::scenario::{Scenario, collect};

/// Timed single calls for the percentiles.
const SAMPLES: usize = 100_000;

/// One scenario as the predictor sees it.
struct Session {
    login: Login,
    /// Normalized commands with their time since login, in seconds.
    commands: Vec<(Normalized, f64)>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn model() -> Markov {
    let models = Models::load(&root().join("models")).expect("models/ loads");
    models.markov.expect("models/ has a next-command model")
}

fn sessions() -> Vec<Session> {
    let files = collect(&[root().join("scenarios")]).expect("scenarios/ readable");
    let mut out = Vec::new();
    for file in files {
        let Ok(scenario) = Scenario::load(&file) else {
            continue;
        };
        let credential = scenario.attacker.credentials.last();
        let login = Login {
            client: Some(scenario.attacker.client.clone()),
            username: credential.map(|c| c.username.clone()),
            password: credential.map(|c| c.password.clone()),
        };
        let mut at = 0.0;
        let mut commands = Vec::new();
        for step in &scenario.steps {
            at += step.value.delay;
            for line in step.value.input.iter().flat_map(|i| i.lines()) {
                commands.extend(normalize_line(line).into_iter().map(|c| (c, at)));
            }
        }
        if !commands.is_empty() {
            out.push(Session { login, commands });
        }
    }
    assert!(!out.is_empty(), "scenarios/ has command lines");
    out
}

/// Walks the sessions one command at a time, starting each session afresh.
struct Walk<'a> {
    sessions: &'a [Session],
    session: usize,
    command: usize,
    context: SessionContext,
    /// The session's commands so far (for the `predict` comparison).
    typed: Vec<Normalized>,
}

impl<'a> Walk<'a> {
    fn new(sessions: &'a [Session]) -> Walk<'a> {
        Walk {
            sessions,
            session: 0,
            command: 0,
            context: SessionContext::new(&sessions[0].login),
            typed: Vec::new(),
        }
    }

    /// The next command; moves to the next session at the end of one.
    fn next(&mut self) -> &'a (Normalized, f64) {
        if self.command == self.sessions[self.session].commands.len() {
            self.session = (self.session + 1) % self.sessions.len();
            self.command = 0;
            self.context = SessionContext::new(&self.sessions[self.session].login);
            self.typed.clear();
        }
        self.command += 1;
        &self.sessions[self.session].commands[self.command - 1]
    }

    /// What a session does per command: push it, predict the next three.
    fn step(&mut self, model: &Markov) -> usize {
        let (command, at) = self.next();
        self.context.push(command, Some(*at));
        model.predict_in(&self.context, 3).len()
    }

    /// The same with the context rebuilt from the commands on each call.
    fn step_rebuilt(&mut self, model: &Markov) -> usize {
        let (command, _) = self.next();
        self.typed.push(command.clone());
        model.predict(&self.typed, 3).len()
    }
}

fn per_command(c: &mut Criterion) {
    let model = model();
    let sessions = sessions();
    let mut walk = Walk::new(&sessions);
    c.bench_function("layer 1: push + predict_in(3)", |b| {
        b.iter(|| black_box(walk.step(black_box(&model))))
    });
    let mut walk = Walk::new(&sessions);
    c.bench_function("layer 1: predict(&commands, 3)", |b| {
        b.iter(|| black_box(walk.step_rebuilt(black_box(&model))))
    });
}

criterion_group!(benches, per_command);

/// Times `n` single commands of `step`; returns them sorted.
fn sample(n: usize, mut step: impl FnMut() -> usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        black_box(step());
        times.push(start.elapsed());
    }
    times.sort_unstable();
    times
}

fn report(what: &str, times: &[Duration]) {
    if times.is_empty() {
        println!("{what}: none");
        return;
    }
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{what}, {} commands: p50 {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        times.len(),
        at(0.50),
        at(0.99),
        at(0.999),
        times[times.len() - 1]
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let model = model();
    let sessions = sessions();
    let commands: usize = sessions.iter().map(|s| s.commands.len()).sum();
    println!("{} scenario sessions, {commands} commands", sessions.len());
    let mut walk = Walk::new(&sessions);
    // Split by whether the session's own commands are mixed in (it pauses like a person).
    let (mut person, mut script) = (Vec::new(), Vec::new());
    let all = sample(SAMPLES, || {
        let start = Instant::now();
        let n = walk.step(&model);
        let took = start.elapsed();
        if walk.context.human_like(model.human_gap) {
            person.push(took);
        } else {
            script.push(took);
        }
        n
    });
    report("push + predict_in(3)", &all);
    person.sort_unstable();
    script.sort_unstable();
    report("  of which sessions that pause like a person", &person);
    report("  of which scripted sessions", &script);
    let mut walk = Walk::new(&sessions);
    report(
        "predict(&commands, 3)",
        &sample(SAMPLES, || walk.step_rebuilt(&model)),
    );
}
