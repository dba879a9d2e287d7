//! The per-line checkpoint (issue 7): after every interactive line the session records the
//! line in the shell's history and keeps a copy of the whole [`ShellState`] to restart from.
//! This times exactly that step (record, copy, drop the previous copy) for a session whose
//! history is full at 20, 100 and 1,000 entries (`HISTSIZE`; 1,000 is Ubuntu's and the cap),
//! so each line also drops the oldest entry: the cost should not grow with the history.
//!
//! `cargo bench --bench checkpoint`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group};
use mirage::shell::ShellState;

/// A login shell with `HISTSIZE=entries` and a full history (each line distinct, as bash's
/// `ignoredups` would otherwise fold them).
fn session(entries: usize) -> ShellState {
    let mut state = ShellState::login("root");
    state.set_terminal("xterm-256color");
    state.set_var("HISTSIZE", entries.to_string());
    for i in 0..entries {
        state.record_history(&format!("cat /proc/cpuinfo | grep name | wc -l # {i}"));
    }
    assert_eq!(state.history.len(), entries);
    state
}

fn per_line(c: &mut Criterion) {
    let mut group = c.benchmark_group("checkpoint per line");
    for entries in [20, 100, 1000] {
        group.bench_with_input(BenchmarkId::from_parameter(entries), &entries, |b, &n| {
            let mut state = session(n);
            let mut checkpoint = Arc::new(state.clone());
            let mut line = 0u64;
            b.iter(|| {
                line += 1;
                state.record_history(&format!("uname -a # {line}"));
                checkpoint = Arc::new(state.clone());
                black_box(&checkpoint);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, per_line);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
