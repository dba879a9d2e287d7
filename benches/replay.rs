//! Replay throughput: every scenario in `scenarios/` (or `MIRAGE_BENCH_DIR`), copied
//! `MIRAGE_BENCH_COPIES` times (default 50), replayed in one run through the real session path
//! with the full actor graph, models included: the set in `models/` (or `MIRAGE_MODELS_DIR`;
//! a directory without models measures the rules-only node). Prints commands per second and scenarios per second (wall time of
//! the run, this machine's cores), first as `mirage replay` runs (files parsed in the run),
//! then with the files parsed before the clock starts (the replay and its checks alone).
//!
//! `cargo bench --bench replay` (release profile). Not a test: it reports how many replays
//! failed their expectations but measures them all. `MIRAGE_BENCH_ROUNDS` (default 3) sets
//! the rounds per line and `MIRAGE_BENCH_ONLY` (`files` or `loaded`) runs one line only: a
//! quicker run for profiling and A/B comparisons.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use mirage::config::AuthConfig;
use mirage::models::{ModelHandle, Models};
use mirage::sim::runner::{Job, RunOptions, run_blocking, run_jobs_blocking};
use mirage::sim::scenario::{Scenario, collect};

/// mimalloc instead of glibc's malloc: the node and replays allocate many small, short-lived
/// strings (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let dir = std::env::var_os("MIRAGE_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"));
    let files = collect(&[dir]).expect("scenarios folder");
    let copies: usize = std::env::var("MIRAGE_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let mut all = Vec::with_capacity(files.len() * copies);
    for _ in 0..copies {
        all.extend(files.iter().cloned());
    }
    let models_dir = std::env::var_os("MIRAGE_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    let models = Models::load(&models_dir).expect("the model set loads");
    println!(
        "models: {} from {} ({})",
        models.version(),
        models_dir.display(),
        models.present().join(", ")
    );
    let options = RunOptions {
        models: ModelHandle::new(models),
        ..RunOptions::default()
    };
    // Warm-up: builds the hosts' filesystem images once.
    run_blocking(&files, &AuthConfig::default(), &options, |_| {}).expect("warm-up");
    // As `mirage replay` runs: each file parsed, replayed, checked.
    let from_files: Vec<Job> = all.iter().cloned().map(Job::File).collect();
    // The replay alone (with its checks): the YAML parsed before the clock starts.
    let only = std::env::var("MIRAGE_BENCH_ONLY").unwrap_or_default();
    let loaded: Vec<Job> = all
        .iter()
        .filter(|_| only != "files")
        .map(|file| {
            let scenario = Scenario::load(file).expect("scenario loads");
            Job::Loaded(file.clone(), Arc::new(scenario))
        })
        .collect();
    let rounds: usize = std::env::var("MIRAGE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    for (what, jobs) in [("files", &from_files), ("loaded", &loaded)] {
        if !only.is_empty() && only != what {
            continue;
        }
        for round in 1..=rounds {
            let started = Instant::now();
            let (reports, _) =
                run_jobs_blocking(jobs, &AuthConfig::default(), &options, |_| {}).expect("replay");
            let wall = started.elapsed().as_secs_f64();
            let failed = reports.iter().filter(|r| !r.passed).count();
            let commands: usize = reports.iter().map(|r| r.commands).sum();
            println!(
                "{what} round {round}: {} scenarios ({} files x {copies}, {failed} failed), {commands} commands in {wall:.3} s: {:.0} commands/s, {:.0} scenarios/s ({} workers, {} jobs)",
                reports.len(),
                files.len(),
                commands as f64 / wall,
                reports.len() as f64 / wall,
                options.workers,
                options.jobs,
            );
        }
    }
}
