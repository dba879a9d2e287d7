//! `mirage-load`: the load tool of issue 7 ("Load and memory"). A russh client that measures an
//! SSH server on this machine: handshakes per second and per server-CPU-second, interactive
//! command latency and throughput, and resident memory per idle session; plus a bare russh
//! server to compare against. Modes:
//!
//! - `handshake`: connect + key exchange + password login + disconnect, in a loop
//!   ([`handshake`]);
//! - `interactive`: N PTY shells typing an attack script, latency per command ([`interactive`]);
//! - `idle`: N open shells held while the server's RSS is sampled ([`idle`]);
//! - `churn`: N short sessions opened and closed while the server's RSS is sampled
//!   ([`churn`]);
//! - `bare-server`: russh 0.65 alone, accepting any password and echoing ([`bare`]).
//!
//! Every mode is bounded (timeouts, durations, counts) and talks to loopback addresses only.
//! `tools/load/compare.py` runs them against Mirage, the bare server and Cowrie, interleaved.

mod bare;
mod churn;
mod client;
mod handshake;
mod idle;
mod interactive;
mod procfs;
mod script;
mod stats;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::client::Target;
use crate::procfs::ServerProc;

/// The node's allocator here too, so the bare server is russh + tokio + mimalloc: Mirage's own
/// stack minus Mirage (with glibc's malloc the bare server's idle sessions cost more memory
/// than Mirage's).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Longest run any mode accepts, in seconds.
const MAX_SECONDS: f64 = 3600.0;
/// Most concurrent connections any mode opens.
const MAX_SESSIONS: usize = 20_000;
/// Most sessions a churn run opens and closes (one after another, not at once).
const MAX_CHURN_SESSIONS: usize = 10_000_000;

/// Load an SSH server on this machine and report what it costs.
#[derive(Parser)]
#[command(name = "mirage-load", version)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
    /// Print the report as one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Mode {
    /// Full handshake + password login + disconnect, in a loop.
    Handshake {
        #[command(flatten)]
        target: TargetArgs,
        /// Seconds to run.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Handshakes in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// Concurrent PTY shells typing an attack script in a loop; latency per command.
    Interactive {
        #[command(flatten)]
        target: TargetArgs,
        /// Concurrent shells.
        #[arg(long, default_value_t = 20)]
        sessions: usize,
        /// `builtin` (a ~20-command recon and staging session) or a file, one line per command.
        #[arg(long, default_value = "builtin")]
        script: String,
        /// Seconds to type for (after every shell is open).
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
    },
    /// Open N sessions with a shell each, hold them, report server RSS per session.
    Idle {
        #[command(flatten)]
        target: TargetArgs,
        /// Sessions to open and hold.
        #[arg(long, default_value_t = 1000)]
        sessions: usize,
        /// Sessions being opened at once.
        #[arg(long, default_value_t = 32)]
        parallel: usize,
        /// Seconds to wait before each RSS sample.
        #[arg(long, default_value_t = 2.0)]
        settle: f64,
        /// Seconds to hold every session after the sample.
        #[arg(long, default_value_t = 3.0)]
        hold: f64,
        /// Stop opening sessions after this many failed to open (the server is at a limit).
        #[arg(long, default_value_t = 32)]
        max_failures: usize,
    },
    /// Open and close N short sessions (login, shell, a command or two); sample server RSS.
    Churn {
        #[command(flatten)]
        target: TargetArgs,
        /// Sessions to open and close in all.
        #[arg(long, default_value_t = 100_000)]
        sessions: usize,
        /// Sessions in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Sessions before the baseline RSS sample.
        #[arg(long, default_value_t = 10_000)]
        warmup: usize,
        /// Commands each session types, in turn from the script.
        #[arg(long, default_value_t = 2)]
        commands: usize,
        /// `builtin` or a file, one line per command.
        #[arg(long, default_value = "builtin")]
        script: String,
        /// Seconds to wait before each sample, for the server to finish closing sessions.
        #[arg(long, default_value_t = 1.0)]
        settle: f64,
        /// Stop after this many sessions failed.
        #[arg(long, default_value_t = 100)]
        max_failures: usize,
        /// Sessions come from this many loopback addresses in turn (127.0.0.2 and up), so
        /// the server's per-address state is churned too; 1: all from 127.0.0.1.
        #[arg(long, default_value_t = 1)]
        source_ips: usize,
    },
    /// A bare russh server: any password, PTY shell that echoes and prompts.
    BareServer {
        /// Loopback address to listen on (port 0: any free port, printed).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
    },
}

/// Where the server is and how to log in.
#[derive(Args)]
struct TargetArgs {
    /// The server's SSH address (loopback only).
    #[arg(long)]
    target: SocketAddr,
    /// Login name.
    #[arg(long, default_value = "root")]
    user: String,
    /// Password the server accepts.
    #[arg(long, default_value = "hunter2")]
    password: String,
    /// The server's process id: its CPU time (/proc/PID/stat) and RSS (/proc/PID/status).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Seconds any single step (login, shell, one command) may take.
    #[arg(long, default_value_t = 15.0)]
    timeout: f64,
}

impl TargetArgs {
    fn build(self) -> anyhow::Result<(Target, Option<ServerProc>)> {
        let target = Target::new(
            self.target,
            self.user,
            self.password,
            seconds("--timeout", self.timeout)?,
        )?;
        let server = self
            .server_pid
            .map(ServerProc::new)
            .transpose()
            .context("cannot watch --server-pid")?;
        Ok((target, server))
    }
}

/// A positive, bounded number of seconds.
fn seconds(flag: &str, value: f64) -> anyhow::Result<Duration> {
    if !(value > 0.0 && value <= MAX_SECONDS) {
        bail!("{flag} must be between 0 and {MAX_SECONDS} seconds, not {value}");
    }
    Ok(Duration::from_secs_f64(value))
}

/// A count of connections between 1 and [`MAX_SESSIONS`].
fn count(flag: &str, value: usize) -> anyhow::Result<usize> {
    if value == 0 || value > MAX_SESSIONS {
        bail!("{flag} must be between 1 and {MAX_SESSIONS}, not {value}");
    }
    Ok(value)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mirage-load: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let json = cli.json;
    match cli.mode {
        Mode::Handshake {
            target,
            duration,
            concurrency,
        } => {
            let (target, server) = target.build()?;
            let report = handshake::run(
                target,
                seconds("--duration", duration)?,
                count("--concurrency", concurrency)?,
                server,
            )
            .await?;
            print(json, &report, || {
                format!(
                    "handshakes      {} ({} failed, {} timed out) in {:.1} s\n\
                     rate            {:.1} handshakes/s\n\
                     server CPU      {}\n\
                     per server-CPU  {}\n\
                     load tool CPU   {:.2} s{}",
                    report.handshakes,
                    report.failures,
                    report.timeouts,
                    report.wall_seconds,
                    report.handshakes_per_second,
                    or_dash(report.server_cpu_seconds, "s"),
                    or_dash(report.handshakes_per_server_cpu_second, "handshakes/CPU-s"),
                    report.client_cpu_seconds,
                    first_error(&report.first_error),
                )
            })
        }
        Mode::Interactive {
            target,
            sessions,
            script,
            duration,
        } => {
            let (target, server) = target.build()?;
            let script = script::load(&script)?;
            let report = interactive::run(
                target,
                count("--sessions", sessions)?,
                script,
                seconds("--duration", duration)?,
                server,
            )
            .await?;
            print(json, &report, || {
                let latency = report.latency.map_or("-".to_owned(), |p| {
                    format!(
                        "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                        p.p50_ms, p.p90_ms, p.p99_ms, p.max_ms
                    )
                });
                format!(
                    "commands        {} in {:.1} s on {} shells ({} stopped early)\n\
                     rate            {:.1} commands/s\n\
                     latency         {latency}\n\
                     server CPU      {}\n\
                     per server-CPU  {}\n\
                     load tool CPU   {:.2} s{}",
                    report.commands,
                    report.wall_seconds,
                    report.sessions,
                    report.session_errors,
                    report.commands_per_second,
                    or_dash(report.server_cpu_seconds, "s"),
                    or_dash(report.commands_per_server_cpu_second, "commands/CPU-s"),
                    report.client_cpu_seconds,
                    first_error(&report.first_error),
                )
            })
        }
        Mode::Idle {
            target,
            sessions,
            parallel,
            settle,
            hold,
            max_failures,
        } => {
            let (target, server) = target.build()?;
            let Some(server) = server else {
                bail!("idle mode measures the server's memory: give --server-pid");
            };
            let report = idle::run(
                target,
                count("--sessions", sessions)?,
                count("--parallel", parallel)?,
                seconds("--settle", settle)?,
                seconds("--hold", hold)?,
                count("--max-failures", max_failures)?,
                server,
            )
            .await?;
            print(json, &report, || {
                format!(
                    "sessions        {} opened of {} in {:.1} s ({} failed, {} not tried), \
                     {} still up after the hold\n\
                     server RSS      {} KiB before, {} KiB with them open\n\
                     per session     {}\n\
                     server fds      {} before, {} with them open, {} after closing{}",
                    report.opened,
                    report.requested,
                    report.open_seconds,
                    report.failed,
                    report.skipped,
                    report.held,
                    report.rss_before_kib,
                    report.rss_after_kib,
                    or_dash(report.kib_per_session, "KiB"),
                    report.fds_before,
                    report.fds_open,
                    report.fds_after_close,
                    first_error(&report.first_error),
                )
            })
        }
        Mode::Churn {
            target,
            sessions,
            concurrency,
            warmup,
            commands,
            script,
            settle,
            max_failures,
            source_ips,
        } => {
            let (target, server) = target.build()?;
            let Some(server) = server else {
                bail!("churn mode measures the server's memory: give --server-pid");
            };
            if sessions == 0 || sessions > MAX_CHURN_SESSIONS {
                bail!("--sessions must be between 1 and {MAX_CHURN_SESSIONS}, not {sessions}");
            }
            if source_ips > churn::MAX_SOURCE_IPS {
                bail!("--source-ips must be at most {}", churn::MAX_SOURCE_IPS);
            }
            if commands > 100 {
                bail!("--commands must be at most 100, not {commands}");
            }
            let plan = churn::Plan {
                sessions,
                concurrency: count("--concurrency", concurrency)?,
                warmup,
                commands,
                settle: seconds("--settle", settle)?,
                max_failures: count("--max-failures", max_failures)?,
                source_ips,
            };
            let report = churn::run(target, script::load(&script)?, plan, server).await?;
            print(json, &report, || {
                let samples: Vec<String> = report
                    .samples
                    .iter()
                    .map(|s| format!("{}: {} KiB {} fds", s.sessions, s.rss_kib, s.fds))
                    .collect();
                format!(
                    "sessions        {} closed of {} in {:.1} s ({} failed, {} not tried), \
                     {} commands each, from {} addresses\n\
                     rate            {:.1} sessions/s\n\
                     server RSS      {} KiB at start, {} KiB after {} (warm-up), {} KiB at end, \
                     peak {} KiB\n\
                     growth          {:.2} % after the warm-up ({:.2} % fitted), \
                     {:.0} bytes per session ({:.0} in the second half, {} anonymous)\n\
                     server fds      {} at start, {} at end\n\
                     samples         {}\n\
                     server CPU      {:.2} s\n\
                     per server-CPU  {}\n\
                     load tool CPU   {:.2} s{}",
                    report.completed,
                    report.requested,
                    report.wall_seconds,
                    report.failed,
                    report.skipped,
                    report.commands_per_session,
                    report.source_ips,
                    report.sessions_per_second,
                    report.rss_start_kib,
                    report.rss_warmup_kib,
                    report.warmup,
                    report.rss_end_kib,
                    report.rss_peak_kib,
                    report.growth_percent,
                    report.fitted_growth_percent,
                    report.slope_bytes_per_session,
                    report.slope_second_half_bytes_per_session,
                    report
                        .anon_slope_bytes_per_session
                        .map_or("-".to_owned(), |b| format!("{b:.0}")),
                    report.fds_start,
                    report.fds_end,
                    samples.join(", "),
                    report.server_cpu_seconds,
                    or_dash(report.sessions_per_server_cpu_second, "sessions/CPU-s"),
                    report.client_cpu_seconds,
                    first_error(&report.first_error),
                )
            })
        }
        Mode::BareServer { listen } => bare::serve(listen).await,
    }
}

/// Prints `report` as JSON, or as the text `text` makes.
fn print<R: Serialize>(
    json: bool,
    report: &R,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        println!("{}", text());
    }
    Ok(())
}

fn or_dash(value: Option<f64>, unit: &str) -> String {
    value.map_or("- (no --server-pid)".to_owned(), |v| {
        format!("{v:.2} {unit}")
    })
}

fn first_error(error: &Option<String>) -> String {
    error
        .as_ref()
        .map_or(String::new(), |e| format!("\nfirst error     {e}"))
}
