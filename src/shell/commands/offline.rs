//! Layer 3's error injection: the network and privileged commands fail the way they fail on
//! a real host behind a firewall that drops outbound traffic, for a user without rights.
//!
//! With [`ErrorInjection::Realistic`] (the session's
//! [`Deception`](crate::models::strategy::Deception)):
//!
//! - `wget` resolves names as before, then each try's connection times out after the
//!   kernel's SYN retries (127 s, or `-T`), with wget's `Retrying.` back-off (1 s, 2 s, …,
//!   10 s between tries) until `-t` tries (20 by default, at most 20 here) and `Giving up.`
//!   (status 4); `-O FILE` leaves the empty file real wget leaves.
//! - `curl` waits the same connection timeout (or `--connect-timeout`/`-m`) and fails with
//!   `curl: (28) Failed to connect to HOST port N after MS ms: Connection timed out`.
//! - `apt-get install` of a package the archive has but the host lacks gets as far as the
//!   download and then cannot resolve the mirror: `Err:` lines, `E: Failed to fetch …` and
//!   `E: Unable to fetch some archives, …` (status 100), as APT 2.4 prints them.
//! - `sudo` for a user who is not root, on a terminal, asks for a password three times and
//!   gives up: `sudo: 3 incorrect password attempts`.
//!
//! The time each failure takes is reported to [`crate::host::io_meter::block`], so the
//! session holds the answer that long (virtual time in replays). A download is still
//! recorded as a `cowrie.session.file_download` event with the URL: the attempt is what
//! operators need, whether or not it worked.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::CommandCtx;
use super::fetch::{Url, absolute, body, shasum_of};
use crate::events::EventKind;
use crate::host::io_meter;
use crate::models::strategy::ErrorInjection;

/// How long Linux tries to connect before `ETIMEDOUT` with the default `tcp_syn_retries` (6):
/// 1 + 2 + 4 + 8 + 16 + 32 + 64 seconds.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(127);

/// Most tries one `wget` URL is given here (wget's default; `-t 0` means endless there).
const MAX_TRIES: u32 = 20;

/// wget's `--waitretry` default: the most seconds it waits between tries.
const WAIT_RETRY: u32 = 10;

/// Whether the session's settings ask for realistic failures.
pub(crate) fn realistic(cx: &CommandCtx<'_>) -> bool {
    cx.state.deception.errors == ErrorInjection::Realistic
}

/// A little jitter on a timeout, fixed by what is being connected to: the kernel's timer
/// is never exact.
fn jitter_ms(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) % 900
}

fn stamp(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// What `wget` does for one URL when nothing answers. `log` holds what was printed so far
/// for this URL (the `--time--  URL` line and the name resolution); `shown` is how the
/// connection target is printed (`1.2.3.4:80` or `host (host)|1.2.3.4|:80`). Returns wget's
/// status (4, network failure).
pub(crate) struct WgetAttempt<'a> {
    /// The URL as wget prints it.
    pub full: &'a str,
    /// The connection target as printed.
    pub shown: String,
    /// The start of the log, for the first try.
    pub log: String,
    /// `-O` or the file name it would save to.
    pub outfile: String,
    /// Whether `-O` named the file (real wget creates it before connecting).
    pub output_named: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-t`.
    pub tries: Option<u32>,
    /// `-T` / `--timeout` / `--connect-timeout`, seconds.
    pub timeout: Option<f64>,
}

/// Runs the failing download of `attempt`; returns wget's status.
pub(crate) fn wget_unreachable(cx: &mut CommandCtx<'_>, attempt: WgetAttempt<'_>) -> i32 {
    let tries = match attempt.tries {
        Some(0) | None => MAX_TRIES,
        Some(n) => n.min(MAX_TRIES),
    };
    let timeout = attempt
        .timeout
        .filter(|t| t.is_finite() && *t > 0.0)
        .map_or(
            CONNECT_TIMEOUT + Duration::from_millis(jitter_ms(attempt.full)),
            |t| Duration::from_secs_f64(t.min(CONNECT_TIMEOUT.as_secs_f64())),
        );
    let start = cx.now();
    let mut elapsed = Duration::ZERO;
    let mut log = attempt.log;
    for n in 1..=tries {
        if n > 1 {
            elapsed += Duration::from_secs(u64::from((n - 1).min(WAIT_RETRY)));
            let at = start + chrono::Duration::from_std(elapsed).unwrap_or_default();
            log.push_str(&format!(
                "--{}--  (try:{n:2})  {}\n",
                stamp(at),
                attempt.full
            ));
        }
        log.push_str(&format!(
            "Connecting to {}... failed: Connection timed out.\n",
            attempt.shown
        ));
        elapsed += timeout;
        log.push_str(if n < tries {
            "Retrying.\n\n"
        } else {
            "Giving up.\n\n"
        });
    }
    if attempt.output_named && attempt.outfile != "-" {
        // `-O` opens (and empties) the file before anything is fetched.
        cx.fs.write(&attempt.outfile, b"", false).ok();
    }
    let outfile = if attempt.outfile == "-" {
        "-".to_owned()
    } else {
        absolute(cx, &attempt.outfile)
    };
    record_attempt(cx, attempt.full, outfile);
    io_meter::block(elapsed);
    if !attempt.quiet {
        cx.err(log);
    }
    4
}

/// Records that `full` was asked for, with the stand-in's checksum a successful download
/// would have had (the same event as ever; a sample fetcher only puts a real file in
/// place of a stand-in that is there, so nothing appears).
fn record_attempt(cx: &mut CommandCtx<'_>, full: &str, outfile: String) {
    let name = full.rsplit('/').next().filter(|n| !n.is_empty());
    let bytes = body(full, name.unwrap_or("index.html"));
    cx.record(EventKind::FileDownload {
        url: full.to_owned(),
        outfile,
        shasum: shasum_of(full, &bytes),
    });
}

/// The seconds `--connect-timeout`, `-m` or `--max-time` give in curl's `args`, if any.
fn curl_timeout(args: &[String]) -> Option<f64> {
    let mut best: Option<f64> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let value = match arg {
            "--connect-timeout" | "--max-time" | "-m" => args.get(i + 1).map(String::as_str),
            a if a.starts_with("--connect-timeout=") || a.starts_with("--max-time=") => {
                a.split_once('=').map(|(_, v)| v)
            }
            a if a.starts_with("-m") && !a.starts_with("--") => {
                a.get(2..).filter(|v| !v.is_empty())
            }
            _ => None,
        };
        if let Some(secs) = value
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
        {
            best = Some(best.map_or(secs, |b| b.min(secs)));
        }
        i += 1;
    }
    best
}

/// curl's `HH:MM:SS` time field.
fn curl_time(secs: u64) -> String {
    format!("{:2}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60)
}

/// What `curl` does when nothing answers `url`; returns curl's status (28).
pub(crate) fn curl_unreachable(
    cx: &mut CommandCtx<'_>,
    url: &Url,
    args: &[String],
    outfile: Option<String>,
    progress: bool,
    quiet_errors: bool,
) -> i32 {
    let full = url.full();
    let limit = curl_timeout(args);
    let waited = match limit {
        Some(secs) => {
            Duration::from_secs_f64(secs.min(CONNECT_TIMEOUT.as_secs_f64()))
                + Duration::from_millis(1 + jitter_ms(&full) % 5)
        }
        None => CONNECT_TIMEOUT + Duration::from_millis(jitter_ms(&full)),
    };
    let outfile = match outfile {
        Some(path) => absolute(cx, &path),
        None => "-".to_owned(),
    };
    record_attempt(cx, &full, outfile);
    io_meter::block(waited);
    let mut text = String::new();
    if progress {
        let zero = "  0     0    0     0    0     0      0      0 --:--:--";
        text.push_str(
            "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n\
             \x20                                Dload  Upload   Total   Spent    Left  Speed\n",
        );
        text.push_str(&format!("\r{zero} --:--:-- --:--:--     0"));
        text.push_str(&format!(
            "\r{zero} {} --:--:--     0\n",
            curl_time(waited.as_secs())
        ));
    }
    if !quiet_errors {
        let ms = waited.as_millis();
        match limit {
            Some(_) => text.push_str(&format!(
                "curl: (28) Connection timed out after {ms} milliseconds\n"
            )),
            None => text.push_str(&format!(
                "curl: (28) Failed to connect to {} port {} after {ms} ms: Connection timed out\n",
                url.host, url.port
            )),
        }
    }
    if !text.is_empty() {
        cx.err(text);
    }
    28
}

/// `sudo` for a user who is not root, on a terminal: three empty tries at the password
/// prompt, then the refusal. Returns sudo's status (1).
pub(crate) fn sudo_denied(cx: &mut CommandCtx<'_>) -> i32 {
    let prompt = format!("[sudo] password for {}: \n", cx.state.user);
    cx.err(format!(
        "{prompt}Sorry, try again.\n{prompt}Sorry, try again.\n{prompt}sudo: 3 incorrect password attempts\n"
    ));
    // Typing each password, then PAM's failure delay (about two seconds).
    io_meter::block(Duration::from_millis(3 * (1_800 + 2_100)));
    1
}

#[path = "offline/apt.rs"]
pub(crate) mod apt;

#[cfg(test)]
#[path = "offline/tests.rs"]
mod tests;
