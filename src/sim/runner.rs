//! Running many scenario files: load, replay concurrently, check, report. A file that cannot
//! be loaded, or a replay that fails in any way, is a failed report, never a crash.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::{FutureExt as _, StreamExt as _};

use super::expect;
use super::replay::Replayer;
use super::report::ScenarioReport;
use super::scenario::Scenario;

/// Replays `files` (up to `concurrency` at once) on the current arbiter and reports each, in
/// the order given; `done` sees each report as it completes (for a progress bar).
pub async fn run(
    files: &[PathBuf],
    replayer: &Replayer,
    concurrency: usize,
    done: impl Fn(&ScenarioReport),
) -> Vec<ScenarioReport> {
    futures::stream::iter(files.iter().cloned().enumerate())
        .map(|(n, file)| async move { run_one(file, replayer, n as u64).await })
        .buffered(concurrency.max(1))
        .inspect(|report| done(report))
        .collect()
        .await
}

/// Loads, replays and checks one file, the `n`-th of its run.
pub async fn run_one(file: PathBuf, replayer: &Replayer, n: u64) -> ScenarioReport {
    match Scenario::load(&file) {
        Ok(scenario) => run_loaded(file, &scenario, replayer, n).await,
        Err(err) => ScenarioReport::broken(file, err.to_string()),
    }
}

/// Replays and checks a scenario already loaded from `file`, the `n`-th of its run.
pub async fn run_loaded(
    file: PathBuf,
    scenario: &Scenario,
    replayer: &Replayer,
    n: u64,
) -> ScenarioReport {
    match AssertUnwindSafe(replayer.replay_nth(scenario, n))
        .catch_unwind()
        .await
    {
        Ok(replay) => {
            let failures = expect::check(scenario, &replay);
            ScenarioReport::of(file, &scenario.name, &replay, failures)
        }
        Err(_) => ScenarioReport::broken(file, "the replay failed (panic); see the log".into()),
    }
}

/// One scenario for [`run_jobs_blocking`]: a file still to load, or one loaded before.
#[derive(Debug, Clone)]
pub enum Job {
    /// Load the file, then replay it.
    File(PathBuf),
    /// Replay this scenario, loaded from that file.
    Loaded(PathBuf, Arc<Scenario>),
}

impl Job {
    fn path(&self) -> &PathBuf {
        match self {
            Job::File(path) | Job::Loaded(path, _) => path,
        }
    }

    async fn run(self, replayer: &Replayer, n: u64) -> ScenarioReport {
        match self {
            Job::File(file) => run_one(file, replayer, n).await,
            Job::Loaded(file, scenario) => run_loaded(file, &scenario, replayer, n).await,
        }
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
    /// The trained models the sessions run (empty: rules only).
    pub models: crate::models::ModelHandle,
}

impl Default for RunOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        RunOptions {
            real_time: false,
            jobs: 256,
            workers: cores.clamp(1, 8),
            models: crate::models::ModelHandle::default(),
        }
    }
}

/// Replays `files` on a fresh actor system with the node's auth settings `auth`: what
/// `mirage replay` and `tests/scenarios.rs` run. Returns the reports in file order and the
/// wall time taken.
///
/// Each worker arbiter drives its share of the replays itself (`options.jobs` in all), taking
/// the next file from one shared queue; a replay's session actors, collector and alert actor
/// live on the same arbiter as its driver, so a step never crosses threads and the workers
/// stay busy without a central thread in the way.
pub fn run_blocking(
    files: &[PathBuf],
    auth: &crate::config::AuthConfig,
    options: &RunOptions,
    done: impl Fn(&ScenarioReport),
) -> Result<(Vec<ScenarioReport>, std::time::Duration), String> {
    let jobs: Vec<Job> = files.iter().cloned().map(Job::File).collect();
    run_jobs_blocking(&jobs, auth, options, done)
}

/// [`run_blocking`] for a mix of files and scenarios loaded before (a benchmark measures the
/// replay without the YAML parsing this way).
pub fn run_jobs_blocking(
    jobs: &[Job],
    auth: &crate::config::AuthConfig,
    options: &RunOptions,
    done: impl Fn(&ScenarioReport),
) -> Result<(Vec<ScenarioReport>, std::time::Duration), String> {
    let system = actix::System::new();
    let workers = options.workers.max(1);
    let arbiters: Vec<actix::Arbiter> = (0..workers).map(|_| actix::Arbiter::new()).collect();
    let replay_options = super::replay::ReplayOptions {
        real_time: options.real_time,
        // Empty: each replay's sessions run on the arbiter that drives it.
        workers: Vec::new(),
        uploads: None,
        models: options.models.clone(),
    };
    let result = system.block_on(async {
        let replayer = Arc::new(Replayer::new(auth, replay_options)?);
        let started = std::time::Instant::now();
        let queue = Arc::new(Mutex::new(
            jobs.iter()
                .cloned()
                .enumerate()
                .collect::<Vec<_>>()
                .into_iter(),
        ));
        let per_worker = options.jobs.div_ceil(workers).max(1);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for arbiter in &arbiters {
            let (replayer, queue, tx) = (replayer.clone(), queue.clone(), tx.clone());
            let next = move || queue.lock().unwrap_or_else(|e| e.into_inner()).next();
            arbiter.spawn(async move {
                futures::stream::iter(std::iter::from_fn(next))
                    .map(|(n, job)| {
                        let replayer = replayer.clone();
                        async move { (n, job.run(&replayer, n as u64).await) }
                    })
                    .buffer_unordered(per_worker)
                    .for_each(|done| {
                        tx.send(done).ok();
                        async {}
                    })
                    .await;
            });
        }
        drop(tx);
        let mut reports: Vec<Option<ScenarioReport>> = vec![None; jobs.len()];
        while let Some((n, report)) = rx.recv().await {
            done(&report);
            reports[n] = Some(report);
        }
        let reports = reports
            .into_iter()
            .zip(jobs)
            .map(|(report, job)| {
                report.unwrap_or_else(|| {
                    ScenarioReport::broken(job.path().clone(), "the replay did not finish".into())
                })
            })
            .collect();
        Ok((reports, started.elapsed()))
    });
    for arbiter in &arbiters {
        arbiter.stop();
    }
    result
}
