//! `churn` mode: N short sessions opened and closed, C at a time, each logging in, opening a
//! PTY shell, typing a command or two of the script and leaving; the server's RSS and open
//! file descriptors are sampled after a warm-up and at every tenth of the run after it, to show
//! whether memory stays flat (issue 7: "RSS flat (within 5 %) after 100,000 sessions").
//!
//! The run is cut into segments at the sample points; each segment's sessions all finish, and
//! the server gets `settle` to finish closing them, before the sample is taken, so a sample
//! counts only what the server keeps after a session is gone, not the ones in flight.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use crate::client::{self, Shell, Target};
use crate::procfs::{ServerProc, own_cpu_seconds};

/// One sample of the server, taken with no session in flight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Sessions finished (or failed) when it was taken.
    pub sessions: usize,
    /// Server RSS, KiB.
    pub rss_kib: u64,
    /// Its anonymous part (heap, stacks: what a leak grows), KiB; `None` if the kernel does
    /// not say.
    pub rss_anon_kib: Option<u64>,
    /// File descriptors the server held.
    pub fds: usize,
    /// Seconds since the first session started.
    pub seconds: f64,
}

/// What one churn run measured.
#[derive(Debug, Serialize)]
pub struct ChurnReport {
    /// Sessions asked for.
    pub requested: usize,
    /// Sessions after which memory is the baseline.
    pub warmup: usize,
    /// Sessions that logged in, ran their commands and closed.
    pub completed: usize,
    /// Sessions that failed (refused, timed out, closed by the server early).
    pub failed: usize,
    /// Sessions never tried because `max_failures` had been reached.
    pub skipped: usize,
    /// The first failure.
    pub first_error: Option<String>,
    /// Commands each session typed.
    pub commands_per_session: usize,
    /// Source addresses the sessions came from.
    pub source_ips: usize,
    /// Wall-clock seconds for every session, pauses at the sample points included.
    pub wall_seconds: f64,
    /// `completed / wall_seconds`.
    pub sessions_per_second: f64,
    /// Server RSS before the first session, KiB.
    pub rss_start_kib: u64,
    /// Server RSS after the warm-up, KiB: the baseline growth is measured from.
    pub rss_warmup_kib: u64,
    /// Server RSS after the last session, KiB.
    pub rss_end_kib: u64,
    /// Highest RSS of the samples, KiB.
    pub rss_peak_kib: u64,
    /// `(end − warm-up) / warm-up`, in percent.
    pub growth_percent: f64,
    /// The same from the least-squares line through every sample: less at the mercy of
    /// the allocator's ups and downs at the two ends (RSS moves by a few MiB either way as
    /// the allocator returns and takes pages).
    pub fitted_growth_percent: f64,
    /// The least-squares slope of RSS over sessions, in bytes per session: what each
    /// session leaves behind, if anything.
    pub slope_bytes_per_session: f64,
    /// The slope over the second half of the samples only: near zero when memory levels
    /// off (a bounded cache filling up), like the whole run's when something grows per
    /// session.
    pub slope_second_half_bytes_per_session: f64,
    /// The slope of the anonymous RSS (`None` if the kernel does not say).
    pub anon_slope_bytes_per_session: Option<f64>,
    /// File descriptors the server held before the first session.
    pub fds_start: usize,
    /// File descriptors the server held after the last session.
    pub fds_end: usize,
    /// Every sample: the warm-up, then each tenth of the run.
    pub samples: Vec<Sample>,
    /// CPU seconds the server used over the run.
    pub server_cpu_seconds: f64,
    /// `completed / server_cpu_seconds`.
    pub sessions_per_server_cpu_second: Option<f64>,
    /// CPU seconds the load tool itself used.
    pub client_cpu_seconds: f64,
}

/// The settings of one run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Sessions to open and close.
    pub sessions: usize,
    /// Sessions in flight at once.
    pub concurrency: usize,
    /// Sessions before the baseline sample.
    pub warmup: usize,
    /// Commands each session types (taken in turn from the script).
    pub commands: usize,
    /// Wait before each sample, for the server to finish closing sessions.
    pub settle: Duration,
    /// Stop opening sessions after this many failed.
    pub max_failures: usize,
    /// Source addresses the sessions come from in turn (1: all from 127.0.0.1).
    pub source_ips: usize,
}

/// Most distinct source addresses: 127.0.0.2 up to 127.255.255.254.
pub const MAX_SOURCE_IPS: usize = (1 << 24) - 3;

/// The source address of session `index` when sessions come from `ips` addresses in turn:
/// `None` (127.0.0.1, the kernel's choice) for one address, else 127.0.0.2 and up.
pub fn source_ip(index: usize, ips: usize) -> Option<IpAddr> {
    if ips <= 1 {
        return None;
    }
    let offset = (index % ips.min(MAX_SOURCE_IPS)) as u32;
    Some(IpAddr::V4(Ipv4Addr::from(
        u32::from(Ipv4Addr::new(127, 0, 0, 2)) + offset,
    )))
}

/// The session counts at which the server is sampled: `warmup`, then every tenth of
/// `sessions` beyond it, ending at `sessions`. A warm-up of the whole run or more leaves a
/// single sample at the end.
pub fn schedule(sessions: usize, warmup: usize) -> Vec<usize> {
    let warmup = warmup.min(sessions);
    let mut points = vec![warmup];
    for tenth in 1..=10 {
        let point = sessions * tenth / 10;
        if point > *points.last().unwrap_or(&0) {
            points.push(point);
        }
    }
    if points.last() != Some(&sessions) {
        points.push(sessions);
    }
    points.retain(|point| *point > 0);
    points
}

/// Growth from `base` to `to`, in percent of `base` (0 when there is no base).
pub fn growth_percent(base: u64, to: u64) -> f64 {
    if base == 0 {
        return 0.0;
    }
    (to as f64 - base as f64) * 100.0 / base as f64
}

/// Least-squares slope of `points` (x, y); 0 with fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let spread: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if spread == 0.0 {
        return 0.0;
    }
    points
        .iter()
        .map(|p| (p.0 - mean_x) * (p.1 - mean_y))
        .sum::<f64>()
        / spread
}

/// The RSS figures of a run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Summary {
    warmup_kib: u64,
    end_kib: u64,
    peak_kib: u64,
    growth_percent: f64,
    fitted_growth_percent: f64,
    slope_bytes: f64,
    slope_second_half_bytes: f64,
    anon_slope_bytes: Option<f64>,
}

/// Summarizes the samples (the first is the warm-up).
fn summarize(samples: &[Sample]) -> Summary {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Summary::default();
    };
    let bytes = |kib: u64| kib as f64 * 1024.0;
    let rss: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| (s.sessions as f64, bytes(s.rss_kib)))
        .collect();
    let slope_bytes = slope(&rss);
    let mean_x = rss.iter().map(|p| p.0).sum::<f64>() / rss.len() as f64;
    let mean_y = rss.iter().map(|p| p.1).sum::<f64>() / rss.len() as f64;
    let fitted = |x: f64| mean_y + slope_bytes * (x - mean_x);
    let (fit_first, fit_last) = (fitted(rss[0].0), fitted(rss[rss.len() - 1].0));
    let anon: Option<Vec<(f64, f64)>> = samples
        .iter()
        .map(|s| Some((s.sessions as f64, bytes(s.rss_anon_kib?))))
        .collect();
    Summary {
        warmup_kib: first.rss_kib,
        end_kib: last.rss_kib,
        peak_kib: samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
        growth_percent: growth_percent(first.rss_kib, last.rss_kib),
        fitted_growth_percent: if fit_first > 0.0 {
            (fit_last - fit_first) * 100.0 / fit_first
        } else {
            0.0
        },
        slope_bytes,
        slope_second_half_bytes: slope(&rss[rss.len() / 2..]),
        anon_slope_bytes: anon.map(|anon| slope(&anon)),
    }
}

/// Runs `plan` against `target`, sampling `server`.
pub async fn run(
    target: Target,
    script: Vec<String>,
    plan: Plan,
    server: ServerProc,
) -> anyhow::Result<ChurnReport> {
    let config = client::config();
    let rss_start_kib = server.rss_kib()?;
    let fds_start = server.open_fds()?;
    let cpu_before = server.cpu_seconds()?;
    let own_before = own_cpu_seconds();
    let started = Instant::now();
    let completed = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let mut first_error = None;
    let mut samples = Vec::new();
    let mut done = 0;
    for point in schedule(plan.sessions, plan.warmup) {
        let errors: Vec<String> = futures::stream::iter(done..point)
            .map(|index| {
                let (config, target, script) = (config.clone(), &target, &script);
                let (completed, failures) = (&completed, &failures);
                async move {
                    if failures.load(Ordering::Relaxed) >= plan.max_failures {
                        return None;
                    }
                    let session = async {
                        let from = match source_ip(index, plan.source_ips) {
                            Some(source) => std::borrow::Cow::Owned(target.with_source(source)?),
                            None => std::borrow::Cow::Borrowed(target),
                        };
                        one_session(config, &from, script, index, plan.commands).await
                    };
                    match session.await {
                        Ok(()) => {
                            completed.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                        Err(err) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            Some(format!("{err:#}"))
                        }
                    }
                }
            })
            .buffer_unordered(plan.concurrency.max(1))
            .filter_map(|error| async move { error })
            .collect()
            .await;
        if first_error.is_none() {
            first_error = errors.into_iter().next();
        }
        done = point;
        tokio::time::sleep(plan.settle).await;
        samples.push(Sample {
            sessions: point,
            rss_kib: server.rss_kib()?,
            rss_anon_kib: server.rss_anon_kib()?,
            fds: server.open_fds()?,
            seconds: started.elapsed().as_secs_f64(),
        });
        if failures.load(Ordering::Relaxed) >= plan.max_failures {
            break;
        }
    }
    // The pauses at the sample points are not session time.
    let wall_seconds =
        started.elapsed().as_secs_f64() - plan.settle.as_secs_f64() * samples.len() as f64;
    let server_cpu_seconds = server.cpu_seconds()? - cpu_before;
    let client_cpu_seconds = own_cpu_seconds() - own_before;
    let completed = completed.into_inner();
    let failed = failures.into_inner();
    let summary = summarize(&samples);
    Ok(ChurnReport {
        requested: plan.sessions,
        warmup: plan.warmup.min(plan.sessions),
        completed,
        failed,
        skipped: plan.sessions - completed - failed,
        first_error,
        commands_per_session: plan.commands,
        source_ips: plan.source_ips.max(1),
        wall_seconds,
        sessions_per_second: completed as f64 / wall_seconds.max(f64::EPSILON),
        rss_start_kib,
        rss_warmup_kib: summary.warmup_kib,
        rss_end_kib: summary.end_kib,
        rss_peak_kib: summary.peak_kib,
        growth_percent: summary.growth_percent,
        fitted_growth_percent: summary.fitted_growth_percent,
        slope_bytes_per_session: summary.slope_bytes,
        slope_second_half_bytes_per_session: summary.slope_second_half_bytes,
        anon_slope_bytes_per_session: summary.anon_slope_bytes,
        fds_start,
        fds_end: samples.last().map_or(fds_start, |s| s.fds),
        samples,
        server_cpu_seconds,
        sessions_per_server_cpu_second: (server_cpu_seconds > 0.0)
            .then(|| completed as f64 / server_cpu_seconds),
        client_cpu_seconds,
    })
}

/// One session: log in, open a shell, type `commands` lines of the script (starting at line
/// `index`, so sessions spread over the whole script), close.
async fn one_session(
    config: std::sync::Arc<russh::client::Config>,
    target: &Target,
    script: &[String],
    index: usize,
    commands: usize,
) -> anyhow::Result<()> {
    let mut shell = Shell::open(config, target).await?;
    for step in 0..commands {
        let line = &script[(index + step) % script.len()];
        if let Err(err) = shell.run(line, target.timeout).await {
            shell.close(Duration::from_secs(2)).await;
            return Err(err);
        }
    }
    shell.close(target.timeout).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_after_the_warmup_and_every_tenth() {
        assert_eq!(
            schedule(100_000, 10_000),
            [
                10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000
            ]
        );
        // A warm-up between tenths: the tenths before it are skipped.
        assert_eq!(
            schedule(1000, 150),
            [150, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
        );
        // Fewer sessions than tenths: no sample twice.
        assert_eq!(schedule(5, 1), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn warmup_of_the_whole_run_or_none() {
        assert_eq!(schedule(500, 500), [500]);
        assert_eq!(schedule(500, 9000), [500]);
        assert_eq!(schedule(100, 0).first(), Some(&10));
        assert_eq!(schedule(100, 0).len(), 10);
    }

    #[test]
    fn sessions_take_source_addresses_in_turn() {
        assert_eq!(source_ip(0, 1), None);
        assert_eq!(source_ip(5, 0), None);
        let ip = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        assert_eq!(source_ip(0, 1000), ip("127.0.0.2"));
        assert_eq!(source_ip(254, 1000), ip("127.0.1.0"));
        assert_eq!(source_ip(1000, 1000), ip("127.0.0.2"));
        assert_eq!(
            source_ip(MAX_SOURCE_IPS - 1, usize::MAX),
            ip("127.255.255.254")
        );
        assert!((0..100_000).all(|i| source_ip(i, 100_000).unwrap().is_loopback()));
    }

    #[test]
    fn growth_in_percent_of_the_base() {
        assert_eq!(growth_percent(100_000, 105_000), 5.0);
        assert_eq!(growth_percent(100_000, 98_000), -2.0);
        assert_eq!(growth_percent(0, 5), 0.0);
    }

    fn sample(sessions: usize, rss_kib: u64) -> Sample {
        Sample {
            sessions,
            rss_kib,
            rss_anon_kib: Some(rss_kib / 2),
            fds: 30,
            seconds: 0.0,
        }
    }

    #[test]
    fn slope_of_a_line_and_of_noise() {
        assert_eq!(slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]), 2.0);
        // Up and down around a level: no slope.
        let flat = [
            (1.0, 10.0),
            (2.0, 12.0),
            (3.0, 8.0),
            (4.0, 12.0),
            (5.0, 8.0),
        ];
        assert!(slope(&flat).abs() < 0.5, "{}", slope(&flat));
        assert_eq!(slope(&[(1.0, 5.0)]), 0.0);
        assert_eq!(slope(&[(1.0, 5.0), (1.0, 7.0)]), 0.0);
    }

    #[test]
    fn leveling_off_shows_in_the_second_half() {
        // A cache that fills during the first half, then stays: growth, but none late.
        let samples: Vec<Sample> = (1..=10)
            .map(|tenth| sample(tenth * 10_000, 40_000 + 1000 * tenth.min(5) as u64))
            .collect();
        let summary = summarize(&samples);
        assert_eq!(
            (summary.warmup_kib, summary.end_kib, summary.peak_kib),
            (41_000, 45_000, 45_000)
        );
        assert!((summary.growth_percent - 9.756).abs() < 0.01);
        assert!(summary.slope_bytes > 10.0);
        assert_eq!(summary.slope_second_half_bytes, 0.0);
    }

    #[test]
    fn steady_leak_shows_in_both_halves() {
        // 100 bytes per session, forever.
        let samples: Vec<Sample> = (1..=10)
            .map(|tenth| {
                sample(
                    tenth * 10_000,
                    50_000 + (tenth * 10_000) as u64 * 100 / 1024,
                )
            })
            .collect();
        let summary = summarize(&samples);
        assert_eq!(summary.peak_kib, samples[9].rss_kib);
        assert!(summary.growth_percent > 15.0, "{summary:?}");
        assert!((summary.fitted_growth_percent - summary.growth_percent).abs() < 0.1);
        assert!((summary.slope_bytes - 100.0).abs() < 1.0, "{summary:?}");
        assert!((summary.slope_second_half_bytes - 100.0).abs() < 1.0);
        assert!((summary.anon_slope_bytes.unwrap() - 50.0).abs() < 1.0);
    }

    #[test]
    fn noisy_flat_memory_fits_flat() {
        // RSS up and down by a few MiB as the allocator gives pages back, ending high.
        let rss = [
            60_000, 62_000, 57_000, 63_000, 58_000, 62_000, 57_000, 61_000, 58_000, 63_500,
        ];
        let samples: Vec<Sample> = rss
            .iter()
            .enumerate()
            .map(|(i, kib)| sample((i + 1) * 10_000, *kib))
            .collect();
        let summary = summarize(&samples);
        // Over 5 % from end to end, about 1 % by the fitted line.
        assert!(summary.growth_percent > 5.0, "{summary:?}");
        assert!(summary.fitted_growth_percent < 1.0, "{summary:?}");
        assert_eq!(summarize(&[]), Summary::default());
    }

    #[test]
    fn peak_above_both_ends() {
        let samples = [sample(10, 1000), sample(20, 1500), sample(30, 1010)];
        let summary = summarize(&samples);
        assert_eq!(
            (summary.warmup_kib, summary.end_kib, summary.peak_kib),
            (1000, 1010, 1500)
        );
        assert!((summary.growth_percent - 1.0).abs() < 1e-9);
        // Without the anonymous figure, no anonymous slope.
        let mut blind = samples;
        blind[1].rss_anon_kib = None;
        assert_eq!(summarize(&blind).anon_slope_bytes, None);
    }
}
