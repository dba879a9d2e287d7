//! Running many scenario files: load, replay concurrently, check, report. A file that cannot
//! be loaded, or a replay that fails in any way, is a failed report, never a crash.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

use futures::{FutureExt as _, StreamExt as _};

use super::expect;
use super::replay::Replayer;
use super::report::ScenarioReport;
use super::scenario::Scenario;

/// Replays `files` (up to `concurrency` at once) and reports each, in the order given;
/// `done` sees each report as it completes (for a progress bar).
pub async fn run(
    files: &[PathBuf],
    replayer: &Replayer,
    concurrency: usize,
    done: impl Fn(&ScenarioReport),
) -> Vec<ScenarioReport> {
    futures::stream::iter(files.iter().cloned())
        .map(|file| async move { run_one(file, replayer).await })
        .buffered(concurrency.max(1))
        .inspect(|report| done(report))
        .collect()
        .await
}

/// Loads, replays and checks one file.
pub async fn run_one(file: PathBuf, replayer: &Replayer) -> ScenarioReport {
    let scenario = match Scenario::load(&file) {
        Ok(scenario) => scenario,
        Err(err) => return ScenarioReport::broken(file, err.to_string()),
    };
    match AssertUnwindSafe(replayer.replay(&scenario))
        .catch_unwind()
        .await
    {
        Ok(replay) => {
            let failures = expect::check(&scenario, &replay);
            ScenarioReport::of(file, &scenario.name, &replay, failures)
        }
        Err(_) => ScenarioReport::broken(file, "the replay failed (panic); see the log".into()),
    }
}

/// How [`run_blocking`] runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Pace steps like the recording.
    pub real_time: bool,
    /// Scenarios replayed at once.
    pub jobs: usize,
    /// Arbiter threads the session actors run on.
    pub workers: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        RunOptions {
            real_time: false,
            jobs: 256,
            workers: cores.clamp(1, 8),
        }
    }
}

/// Replays `files` on a fresh actor system with the node's auth settings `auth`: what
/// `mirage replay` and `tests/scenarios.rs` run. Returns the reports in file order and the
/// wall time taken.
pub fn run_blocking(
    files: &[PathBuf],
    auth: &crate::config::AuthConfig,
    options: &RunOptions,
    done: impl Fn(&ScenarioReport),
) -> Result<(Vec<ScenarioReport>, std::time::Duration), String> {
    let system = actix::System::new();
    let arbiters: Vec<actix::Arbiter> = (0..options.workers)
        .map(|_| actix::Arbiter::new())
        .collect();
    let replay_options = super::replay::ReplayOptions {
        real_time: options.real_time,
        workers: arbiters.iter().map(actix::Arbiter::handle).collect(),
        uploads: None,
    };
    let result = system.block_on(async {
        let replayer = Replayer::new(auth, replay_options)?;
        let started = std::time::Instant::now();
        let reports = run(files, &replayer, options.jobs, done).await;
        Ok((reports, started.elapsed()))
    });
    for arbiter in &arbiters {
        arbiter.stop();
    }
    result
}
