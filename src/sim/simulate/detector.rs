//! Detectors: simulated attackers that fingerprint honeypots.
//!
//! A detector runs a kit of the public probes ([`crate::models::probes`]) in the order such
//! kits run them (names and system facts first, then the environment, then active checks that
//! write, download and install), thinking between commands, and leaves at the FIRST tell it
//! sees. Every verdict is judged from what the session really answered (its output, `$?`, and
//! the virtual time the answer took), never from a flag of the node: whatever the node already
//! answers right is no tell, in either configuration.
//!
//! Which probes a detector runs, its think times and its canary names come from its own seed,
//! so it runs the same kit against `static` and `adaptive`.

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::driver::Answer;

/// Answers of cheap commands needed before timing is judged.
const TIMING_SAMPLES: usize = 6;
/// A coefficient of variation of cheap answers' latency below this is "machine-regular".
const TIMING_CV: f64 = 0.05;
/// A package install that succeeds faster than this (virtual seconds) did not download.
const INSTANT_INSTALL: f64 = 2.0;
/// MiB a detector writes with `dd` (well under any real disk's free space).
const DD_MIB: u32 = 64;
/// Fewer `ps aux` lines than this is an empty-looking host.
const FEW_PROCESSES: usize = 25;
/// Chance that a kit includes each probe.
const INCLUDE: f64 = 0.7;

/// The probes, in the order kits run them. `timing` is judged along the way.
const ORDER: &[&str] = &[
    "default_names",
    "kernel_version",
    "cpu_count",
    "echo_escape",
    "busybox",
    "ssh_version",
    "missing_commands",
    "empty_host",
    "write_persistence",
    "canary_download",
    "package_install",
    "disk_write_speed",
];

/// One probe of a kit: its commands and how their answers are judged.
#[derive(Debug, Clone)]
struct Step {
    probe: &'static str,
    lines: Vec<String>,
    /// Whether the commands are cheap (their latency feeds the timing check).
    cheap: bool,
}

/// What a detector does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    /// Type `line` after thinking `think`.
    Type {
        /// Think time before typing.
        think: Duration,
        /// The line.
        line: String,
    },
    /// Leave: on the tell named, or (`None`) having found none.
    Leave(Option<&'static str>),
}

/// A detector's state: its kit, where it is in it, what it has seen.
#[derive(Debug)]
pub struct Detector {
    steps: Vec<Step>,
    /// Index of the current step and of its next line.
    at: (usize, usize),
    answers: Vec<Answer>,
    cheap_latency: Vec<f64>,
    judges_timing: bool,
    /// Think time range in seconds (a script is fast, a person slow).
    think: (f64, f64),
    /// The SSH server's banner the detector saw when it connected.
    banner: String,
    /// What it wrote and expects to read back.
    token: String,
}

impl Detector {
    /// A detector drawn from `rng`, connected to a server that sent `banner`.
    pub fn new(rng: &mut StdRng, banner: &str) -> Detector {
        let token: String = (0..10)
            .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
            .collect();
        let canary = format!("http://203.0.113.{}:8080/{token}.sh", rng.gen_range(2..250));
        let package = *["nmap", "socat", "masscan", "tcpdump"]
            .choose(rng)
            .unwrap_or(&"nmap");
        let mut steps: Vec<Step> = ORDER
            .iter()
            .filter(|_| rng.gen_bool(INCLUDE))
            .map(|probe| step(probe, &token, &canary, package))
            .collect();
        if steps.is_empty() {
            steps.push(step("default_names", &token, &canary, package));
        }
        // Kits differ in order a little: swap one neighbouring pair.
        if steps.len() > 2 {
            let i = rng.gen_range(0..steps.len() - 1);
            steps.swap(i, i + 1);
        }
        let scripted = rng.gen_bool(0.5);
        Detector {
            steps,
            at: (0, 0),
            answers: Vec::new(),
            cheap_latency: Vec::new(),
            judges_timing: rng.gen_bool(0.5),
            think: if scripted { (0.2, 1.5) } else { (1.5, 8.0) },
            banner: banner.to_owned(),
            token,
        }
    }

    /// The probes of its kit, in order.
    pub fn kit(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.probe).collect()
    }

    /// The next move, given the answer to its last line (`None` at the start).
    pub fn next(&mut self, last: Option<&Answer>, rng: &mut StdRng) -> Move {
        if let Some(answer) = last {
            let step = &self.steps[self.at.0];
            if step.cheap {
                self.cheap_latency.push(answer.took.as_secs_f64());
            }
            self.answers.push(answer.clone());
            if self.judges_timing && timing_is_regular(&self.cheap_latency) {
                return Move::Leave(Some("timing_regularity"));
            }
            self.at.1 += 1;
            if self.at.1 == step.lines.len() {
                let tell = judge(step.probe, &self.answers, &self.banner, &self.token);
                self.answers.clear();
                self.at = (self.at.0 + 1, 0);
                if tell {
                    return Move::Leave(Some(step.probe));
                }
            }
        }
        let Some(step) = self.steps.get(self.at.0) else {
            return Move::Leave(None);
        };
        let line = step.lines[self.at.1].clone();
        Move::Type {
            think: Duration::from_secs_f64(rng.gen_range(self.think.0..self.think.1)),
            line,
        }
    }
}

/// The commands of `probe`.
fn step(probe: &'static str, token: &str, canary: &str, package: &str) -> Step {
    let (lines, cheap): (Vec<String>, bool) = match probe {
        "default_names" => (vec!["hostname".into(), "cat /etc/passwd".into()], true),
        "kernel_version" => (vec!["uname -a".into(), "cat /proc/version".into()], true),
        "cpu_count" => (
            vec!["nproc".into(), "grep -c ^processor /proc/cpuinfo".into()],
            true,
        ),
        "echo_escape" => (vec!["echo -e '\\x41\\x42'".into()], true),
        "busybox" => (
            vec!["busybox".into(), "dpkg -l | grep busybox".into()],
            true,
        ),
        "ssh_version" => (vec!["ssh -V".into()], true),
        "missing_commands" => (
            vec![
                "which python3 perl gcc".into(),
                "dpkg -l python3 perl gcc".into(),
            ],
            true,
        ),
        "empty_host" => (
            vec!["ps aux | wc -l".into(), "ss -tln".into(), "w".into()],
            false,
        ),
        "write_persistence" => (
            vec![
                format!("echo {token} > /tmp/.{token}"),
                format!("cat /tmp/.{token}"),
            ],
            true,
        ),
        "canary_download" => (vec![format!("wget {canary}")], false),
        "package_install" => (vec![format!("apt-get install -y {package}")], false),
        _ => (
            vec![
                "df -m /tmp".into(),
                format!("dd if=/dev/zero of=/tmp/.{token}.img bs=1M count={DD_MIB}"),
            ],
            false,
        ),
    };
    Step {
        probe: match probe {
            p if ORDER.contains(&p) => p,
            _ => "disk_write_speed",
        },
        lines,
        cheap,
    }
}

/// Whether the cheap answers' latency is machine-regular (coefficient of variation near 0).
fn timing_is_regular(latency: &[f64]) -> bool {
    if latency.len() < TIMING_SAMPLES {
        return false;
    }
    let n = latency.len() as f64;
    let mean = latency.iter().sum::<f64>() / n;
    let var = latency.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    // All equal (instant included) is as regular as it gets.
    mean <= f64::EPSILON || var.sqrt() / mean < TIMING_CV
}

/// Whether the answers to `probe`'s commands show a tell.
fn judge(probe: &str, answers: &[Answer], banner: &str, token: &str) -> bool {
    let out = |i: usize| answers.get(i).map_or("", |a| a.output.as_str());
    match probe {
        "default_names" => {
            let host = out(0).trim();
            host == "svr04"
                || out(1)
                    .lines()
                    .any(|l| l.starts_with("phil:") || l.starts_with("richard:"))
        }
        "kernel_version" => {
            let release = out(0).split_whitespace().nth(2).unwrap_or("");
            release.is_empty() || !out(1).contains(release)
        }
        "cpu_count" => {
            let a = out(0).trim().parse::<u32>().ok();
            let b = out(1).trim().parse::<u32>().ok();
            a.is_none() || a != b
        }
        "echo_escape" => out(0).trim_end_matches('\n') != "AB",
        "busybox" => {
            // `BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3) multi-call binary.` against
            // `ii  busybox-static  1:1.36.1-6ubuntu3.1  amd64  …`.
            let banner = out(0).lines().find(|l| l.starts_with("BusyBox v"));
            let package = out(1).lines().find(|l| l.starts_with("ii  busybox"));
            match (banner, package) {
                (None, None) => false,
                (Some(banner), Some(package)) => package
                    .split_whitespace()
                    .nth(2)
                    .is_some_and(|version| !banner.contains(version)),
                _ => true,
            }
        }
        "ssh_version" => {
            // `SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10` → `OpenSSH_8.9p1`.
            let software = banner
                .strip_prefix("SSH-2.0-")
                .and_then(|s| s.split_whitespace().next())
                .unwrap_or(banner);
            !out(0).contains(software)
        }
        "missing_commands" => ["python3", "perl", "gcc"].iter().any(|program| {
            let installed = out(1)
                .lines()
                .any(|l| l.starts_with("ii  ") && l.split_whitespace().nth(1) == Some(program));
            let found = out(0)
                .lines()
                .any(|l| l.trim_end().ends_with(&format!("/{program}")));
            installed && !found
        }),
        "empty_host" => {
            let processes = out(0).trim().parse::<usize>().unwrap_or(0);
            let listening: Vec<&str> = out(1)
                .lines()
                .filter(|l| l.starts_with("LISTEN"))
                .filter(|l| !l.contains("127.0.0.53") && !l.contains("127.0.0.54"))
                .collect();
            let only_ssh = listening.iter().all(|l| {
                l.split_whitespace()
                    .nth(3)
                    .is_some_and(|a| a.ends_with(":22"))
            });
            // `w`'s header counts the detector itself.
            let alone = out(2).lines().next().is_some_and(|l| l.contains(" 1 user"));
            processes < FEW_PROCESSES || (only_ssh && alone)
        }
        "write_persistence" => out(1).trim() != token,
        "canary_download" => {
            // The canary server saw no request: any answer but a failure is a lie.
            let failed = answers.first().is_none_or(|a| a.status != 0)
                || [
                    "failed",
                    "timed out",
                    "refused",
                    "unable to resolve",
                    "ERROR",
                ]
                .iter()
                .any(|w| out(0).contains(w));
            !failed
        }
        "package_install" => answers
            .first()
            .is_some_and(|a| a.status == 0 && a.took.as_secs_f64() < INSTANT_INSTALL),
        "disk_write_speed" => {
            let Some(dd) = answers.get(1) else {
                return false;
            };
            // `/dev/root  49399  3785  43145  9% /`: the fourth field is free MiB.
            let free = out(0)
                .lines()
                .nth(1)
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|f| f.parse::<u64>().ok());
            // `… copied, 0.0101631 s, 1.7 GB/s`: what dd says it took.
            let reported = dd
                .output
                .split("copied, ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|r| r.parse::<f64>().ok());
            if dd.output.contains("command not found") {
                true
            } else if dd.output.contains("No space left on device") {
                free.is_some_and(|f| f > u64::from(DD_MIB))
            } else if dd.status == 0 {
                // The answer came before dd says it finished.
                reported.is_none_or(|r| dd.took.as_secs_f64() < r)
            } else {
                false
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn answer(output: &str, status: i32, took: f64) -> Answer {
        Answer {
            line: String::new(),
            output: output.into(),
            status,
            took: Duration::from_secs_f64(took),
            open: true,
        }
    }

    #[test]
    fn tells_are_judged_from_the_answers() {
        let banner = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10";
        assert!(judge(
            "cpu_count",
            &[answer("4\n", 0, 0.0), answer("2\n", 0, 0.0)],
            banner,
            "t"
        ));
        assert!(!judge(
            "cpu_count",
            &[answer("2\n", 0, 0.0), answer("2\n", 0, 0.0)],
            banner,
            "t"
        ));
        assert!(judge(
            "echo_escape",
            &[answer("\\x41\\x42\n", 0, 0.0)],
            banner,
            "t"
        ));
        assert!(!judge(
            "echo_escape",
            &[answer("AB\n", 0, 0.0)],
            banner,
            "t"
        ));
        assert!(!judge(
            "ssh_version",
            &[answer(
                "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2\n",
                0,
                0.0
            )],
            banner,
            "t"
        ));
        assert!(judge(
            "ssh_version",
            &[answer("OpenSSH_7.4p1\n", 0, 0.0)],
            banner,
            "t"
        ));
        let saved = answer("'x.sh' saved [123/123]\n", 0, 0.0);
        assert!(judge("canary_download", &[saved], banner, "t"));
        let timeout = answer(
            "Connecting to 203.0.113.5:8080... failed: Connection timed out.\n",
            4,
            0.0,
        );
        assert!(!judge("canary_download", &[timeout], banner, "t"));
        assert!(judge(
            "package_install",
            &[answer("Setting up nmap\n", 0, 0.2)],
            banner,
            "t"
        ));
        assert!(!judge(
            "package_install",
            &[answer("Setting up nmap\n", 0, 9.0)],
            banner,
            "t"
        ));
        assert!(judge(
            "write_persistence",
            &[answer("", 0, 0.0), answer("", 1, 0.0)],
            banner,
            "tok"
        ));
        assert!(!judge(
            "write_persistence",
            &[answer("", 0, 0.0), answer("tok\n", 0, 0.0)],
            banner,
            "tok"
        ));
    }

    #[test]
    fn inconsistent_facts_are_tells_and_consistent_ones_are_not() {
        let b = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5";
        let busybox = answer(
            "BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3) multi-call binary.\n",
            0,
            0.0,
        );
        let newer = answer(
            "ii  busybox-static  1:1.36.1-6ubuntu3.1  amd64  busybox-static\n",
            0,
            0.0,
        );
        let same = answer(
            "ii  busybox-static  1:1.30.1-7ubuntu3  amd64  busybox-static\n",
            0,
            0.0,
        );
        assert!(judge("busybox", &[busybox.clone(), newer], b, "t"));
        assert!(!judge("busybox", &[busybox.clone(), same], b, "t"));
        assert!(judge("busybox", &[busybox, answer("", 1, 0.0)], b, "t"));
        let df = answer(
            "Filesystem 1M-blocks Used Available Use% Mounted on\n/dev/root 49399 3785 43145 9% /\n",
            0,
            0.0,
        );
        let full = answer(
            "dd: error writing '/tmp/x': No space left on device\n",
            1,
            0.0,
        );
        assert!(judge("disk_write_speed", &[df.clone(), full], b, "t"));
        let fast = answer(
            "67108864 bytes (67 MB, 64 MiB) copied, 0.04 s, 1.7 GB/s\n",
            0,
            0.0,
        );
        assert!(judge("disk_write_speed", &[df.clone(), fast], b, "t"));
        let slow = answer(
            "67108864 bytes (67 MB, 64 MiB) copied, 0.04 s, 1.7 GB/s\n",
            0,
            0.3,
        );
        assert!(!judge("disk_write_speed", &[df, slow], b, "t"));
        let ss_only = answer(
            "State Recv-Q Send-Q Local Peer\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n",
            0,
            0.0,
        );
        let ss_busy = answer(
            "State Recv-Q Send-Q Local Peer\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nLISTEN 0 80 127.0.0.1:3306 0.0.0.0:*\n",
            0,
            0.0,
        );
        let alone = answer(
            " 10:00:00 up 3 days,  1 user,  load average: 0.00\n",
            0,
            0.0,
        );
        let company = answer(
            " 10:00:00 up 3 days,  2 users,  load average: 0.00\n",
            0,
            0.0,
        );
        let ps = answer("81\n", 0, 0.0);
        assert!(judge(
            "empty_host",
            &[ps.clone(), ss_only.clone(), alone.clone()],
            b,
            "t"
        ));
        assert!(!judge(
            "empty_host",
            &[ps.clone(), ss_only, company],
            b,
            "t"
        ));
        assert!(!judge("empty_host", &[ps, ss_busy, alone.clone()], b, "t"));
        assert!(judge(
            "empty_host",
            &[answer("9\n", 0, 0.0), answer("", 0, 0.0), alone],
            b,
            "t"
        ));
    }

    #[test]
    fn instant_or_constant_answers_are_regular_and_jitter_is_not() {
        assert!(!timing_is_regular(&[0.0; 3]));
        assert!(timing_is_regular(&[0.0; 6]));
        assert!(timing_is_regular(&[0.1; 8]));
        assert!(!timing_is_regular(&[0.05, 0.2, 0.11, 0.4, 0.09, 0.3]));
    }

    #[test]
    fn a_detector_leaves_at_its_first_tell() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut d = Detector::new(&mut rng, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10");
        d.judges_timing = false;
        d.steps = vec![
            step("echo_escape", "tok", "http://x/", "nmap"),
            step("cpu_count", "tok", "http://x/", "nmap"),
        ];
        let Move::Type { line, .. } = d.next(None, &mut rng) else {
            panic!("a detector types first");
        };
        assert!(line.starts_with("echo -e"));
        let Move::Type { line, .. } = d.next(Some(&answer("AB\n", 0, 0.0)), &mut rng) else {
            panic!("no tell yet");
        };
        assert_eq!(line, "nproc");
        assert!(matches!(
            d.next(Some(&answer("4\n", 0, 0.0)), &mut rng),
            Move::Type { .. }
        ));
        assert_eq!(
            d.next(Some(&answer("1\n", 0, 0.0)), &mut rng),
            Move::Leave(Some("cpu_count"))
        );
    }
}
