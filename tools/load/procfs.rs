//! What the load tool reads about the server process from `/proc`: CPU time used
//! (`/proc/PID/stat` utime + stime, all threads) and resident memory (`/proc/PID/status` VmRSS).

use std::path::PathBuf;

use anyhow::{Context, bail};

/// A server process watched through `/proc`.
#[derive(Debug, Clone)]
pub struct ServerProc {
    pid: u32,
    ticks_per_second: f64,
}

impl ServerProc {
    /// Watches `pid`; fails at once if `/proc/PID/stat` cannot be read or parsed.
    pub fn new(pid: u32) -> anyhow::Result<ServerProc> {
        let watched = ServerProc {
            pid,
            ticks_per_second: clock_ticks_per_second(),
        };
        watched.cpu_seconds()?;
        Ok(watched)
    }

    /// CPU seconds (user + system, every thread) the process has used so far.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let path = self.path("stat");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let ticks = parse_stat_cpu_ticks(&text)
            .with_context(|| format!("cannot parse {}", path.display()))?;
        Ok(ticks as f64 / self.ticks_per_second)
    }

    /// Resident set size in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let path = self.path("status");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        parse_status_rss_kib(&text).with_context(|| format!("no VmRSS in {}", path.display()))
    }

    /// The anonymous part of the resident set in KiB (`RssAnon`: heap and stacks, not the
    /// mapped binary or files); `None` on kernels before 4.5, which do not report it.
    pub fn rss_anon_kib(&self) -> anyhow::Result<Option<u64>> {
        let path = self.path("status");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(parse_status_kib(&text, "RssAnon:"))
    }

    /// File descriptors the process holds open (entries of `/proc/PID/fd`).
    pub fn open_fds(&self) -> anyhow::Result<usize> {
        let path = self.path("fd");
        Ok(std::fs::read_dir(&path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .count())
    }

    fn path(&self, file: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/{file}", self.pid))
    }
}

/// The load tool's own CPU seconds (it shares the machine with the server, so reports say
/// how much it took).
pub fn own_cpu_seconds() -> f64 {
    ServerProc::new(std::process::id())
        .and_then(|me| me.cpu_seconds())
        .unwrap_or(f64::NAN)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line, in clock ticks. The command
/// name (field 2) is in parentheses and may itself hold spaces and `)`, so fields are counted
/// from the last `)`.
pub fn parse_stat_cpu_ticks(stat: &str) -> anyhow::Result<u64> {
    let Some(close) = stat.rfind(')') else {
        bail!("no command name in parentheses");
    };
    // After ") ": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) 12.
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let field = |index: usize, name: &str| -> anyhow::Result<u64> {
        fields
            .get(index)
            .with_context(|| format!("no {name} field"))?
            .parse::<u64>()
            .with_context(|| format!("{name} is not a number"))
    };
    Ok(field(11, "utime")? + field(12, "stime")?)
}

/// `VmRSS:  12345 kB` of a `/proc/PID/status` text, in KiB.
pub fn parse_status_rss_kib(status: &str) -> Option<u64> {
    parse_status_kib(status, "VmRSS:")
}

/// The `field` line (`RssAnon:`) of a `/proc/PID/status` text, in KiB.
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let mut words = line[field.len()..].split_whitespace();
    let value = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => Some(value),
        _ => None,
    }
}

/// `sysconf(_SC_CLK_TCK)` as `getconf CLK_TCK` prints it; 100 (Linux's USER_HZ on every
/// mainstream architecture) when `getconf` is missing.
fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|ticks| *ticks > 0.0)
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_counted_after_the_last_parenthesis() {
        // A command name with a space and a `)` must not shift the fields.
        let stat = "4242 (tokio rt) x) S 1 4242 4242 0 -1 4194560 1056 0 0 0 \
                    731 269 0 0 20 0 5 0 12345 1000000 2000 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat).unwrap(), 1000);
    }

    #[test]
    fn stat_without_enough_fields_is_an_error() {
        assert!(parse_stat_cpu_ticks("1 (sh) S 1 2").is_err());
        assert!(parse_stat_cpu_ticks("garbage").is_err());
    }

    #[test]
    fn rss_read_from_status() {
        let status = "Name:\tmirage\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nThreads:\t5\n";
        assert_eq!(parse_status_rss_kib(status), Some(51234));
        assert_eq!(parse_status_rss_kib("Name:\tkthreadd\n"), None);
        let status = "VmRSS:\t   51234 kB\nRssAnon:\t   31000 kB\nRssFile:\t   20234 kB\n";
        assert_eq!(parse_status_kib(status, "RssAnon:"), Some(31000));
        assert_eq!(parse_status_kib(status, "RssShmem:"), None);
    }

    #[test]
    fn own_process_is_readable_and_uses_cpu() {
        let me = ServerProc::new(std::process::id()).unwrap();
        let before = me.cpu_seconds().unwrap();
        // Burn some CPU so the tick counter must move.
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(120) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        assert!(me.cpu_seconds().unwrap() > before);
        assert!(me.rss_kib().unwrap() > 100);
        // stdin, stdout and stderr at least; one more while a file is open.
        let fds = me.open_fds().unwrap();
        assert!(fds >= 3);
        let file = std::fs::File::open("/proc/self/status").unwrap();
        assert!(me.open_fds().unwrap() > fds);
        drop(file);
    }
}
