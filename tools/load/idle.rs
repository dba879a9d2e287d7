//! `idle` mode: open N authenticated sessions with a shell each, hold them, and measure how
//! much resident memory the server spends per idle session.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use crate::client::{self, Shell, Target};
use crate::procfs::ServerProc;

/// What one idle run measured.
#[derive(Debug, Serialize)]
pub struct IdleReport {
    /// Sessions asked for.
    pub requested: usize,
    /// Sessions that reached a shell prompt.
    pub opened: usize,
    /// Sessions that failed to open.
    pub failed: usize,
    /// Sessions never tried because `max_failures` had been reached.
    pub skipped: usize,
    /// The first opening failure.
    pub first_error: Option<String>,
    /// Seconds it took to open them.
    pub open_seconds: f64,
    /// Sessions still connected at the end of the hold.
    pub held: usize,
    /// Server RSS before (after one warm-up session came and went), KiB.
    pub rss_before_kib: u64,
    /// Server RSS with every session open and settled, KiB.
    pub rss_after_kib: u64,
    /// `(after − before) / opened`.
    pub kib_per_session: Option<f64>,
    /// File descriptors the server held before.
    pub fds_before: usize,
    /// File descriptors the server held with every session open.
    pub fds_open: usize,
    /// File descriptors the server held once every session was closed and `settle` passed.
    pub fds_after_close: usize,
}

/// Opens `sessions` shells, at most `parallel` at a time (giving up after `max_failures`
/// failed), waits `settle`, samples the server's RSS, holds them for `hold` and closes them.
pub async fn run(
    target: Target,
    sessions: usize,
    parallel: usize,
    settle: Duration,
    hold: Duration,
    max_failures: usize,
    server: ServerProc,
) -> anyhow::Result<IdleReport> {
    let config = client::config();
    // One session first, so memory the server allocates once (caches, pools, its first
    // session's lazily built state) is in the baseline, not spread over the measured ones.
    Shell::open(config.clone(), &target)
        .await?
        .close(target.timeout)
        .await;
    tokio::time::sleep(settle).await;
    let rss_before_kib = server.rss_kib()?;
    let fds_before = server.open_fds()?;

    let started = Instant::now();
    // A server at its limit makes every further attempt wait for the timeout: stop trying
    // after `max_failures`.
    let failures = AtomicUsize::new(0);
    let results: Vec<Option<anyhow::Result<Shell>>> = futures::stream::iter(0..sessions)
        .map(|_| async {
            if failures.load(Ordering::Relaxed) >= max_failures {
                return None;
            }
            let opened = Shell::open(config.clone(), &target).await;
            if opened.is_err() {
                failures.fetch_add(1, Ordering::Relaxed);
            }
            Some(opened)
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    let attempted = results.iter().flatten().count();
    let open_seconds = started.elapsed().as_secs_f64();
    let mut shells = Vec::with_capacity(sessions);
    let mut first_error = None;
    for result in results.into_iter().flatten() {
        match result {
            Ok(shell) => shells.push(shell),
            Err(err) => {
                first_error.get_or_insert(format!("{err:#}"));
            }
        }
    }
    let opened = shells.len();
    tokio::time::sleep(settle).await;
    let rss_after_kib = server.rss_kib()?;
    let fds_open = server.open_fds()?;
    tokio::time::sleep(hold).await;
    let held = shells.iter().filter(|shell| shell.is_open()).count();
    futures::stream::iter(shells)
        .map(|shell| shell.close(Duration::from_secs(2)))
        .buffer_unordered(parallel.max(1))
        .collect::<Vec<()>>()
        .await;
    tokio::time::sleep(settle).await;
    let fds_after_close = server.open_fds()?;
    Ok(IdleReport {
        requested: sessions,
        opened,
        failed: attempted - opened,
        skipped: sessions - attempted,
        first_error,
        open_seconds,
        held,
        rss_before_kib,
        rss_after_kib,
        kib_per_session: (opened > 0)
            .then(|| (rss_after_kib as f64 - rss_before_kib as f64) / opened as f64),
        fds_before,
        fds_open,
        fds_after_close,
    })
}
