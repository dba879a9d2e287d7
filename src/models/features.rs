//! Per-session features for the Layer 2 classifier ([`super::classifier`]), kept up to date
//! one input line at a time.
//!
//! [`SessionFeatures::push`] takes each line as it comes and does work bounded by the line's
//! length: it splits the line once ([`super::commands::split`]), updates counters, and keeps
//! the inter-line gaps in a bounded sorted list; [`SessionFeatures::vector`] then reads the
//! numbers off in constant time. Nothing re-scans what the session typed before.
//!
//! The vector has [`FEATURES`] numbers, named in [`NAMES`] (index = position):
//! - **timing** (0–8): lines, commands, mean line length, whether the lines have times, time
//!   from the first to the last line, median / longest inter-line gap, the gaps' stdev over
//!   mean, and a typing rate (bytes typed per second of gap). Unknown timing is −1.
//! - **content** (9–23): counts of command categories (recon, download, execute, persistence,
//!   password change, navigation, cleanup, sensitive reads, uploads), distinct programs,
//!   programs typed again with other arguments, stages running a non-discovery program,
//!   whether a known bot template appeared, `echo … | sh` scripts, `busybox` calls.
//! - **protocol** (24–26): SSH client family, auth method and user name class; 0 when unknown
//!   (some corpus sources and replays have none).
//! - **rule verdicts** (27–41): whether each of the labelling rules R1–R7 fires on the input so
//!   far, then the rules' verdict (the first that fires, R1…R8) one-hot. The weak labels are
//!   these rules over the whole session, so this is fair to use and a strong hint;
//!   [`RULE_FEATURES`] lists them so a model can be trained without them.
//! - **phases** (42–47): the attack-phase distribution of the HMM, filtered one command at a
//!   time when the features were made [`SessionFeatures::with_phases`] (or given as the
//!   `phases` argument of [`SessionFeatures::vector`]); zeros when no phase model runs.
//!
//! Pure and deterministic; never panics on attacker input.

use std::collections::HashMap;
use std::sync::Arc;

use super::analysis::{LineAnalysis, LineText};
use super::commands::{Command, Stage, split};
use super::hmm::{PhaseFilter, PhaseModel};
use super::labels::{CONSOLE, Class, DISCOVERY};
use super::normalize::{Normalized, normalize_command};
use super::phases::{Phase, tag};

/// How many attack phases the HMM distinguishes (its distribution fills the last slots).
pub const PHASES: usize = 6;
/// How many numbers a feature vector has.
pub const FEATURES: usize = 42 + PHASES;
/// Most inter-line gaps kept (sorted, for the median); later lines leave the timing as it is.
pub const MAX_GAPS: usize = 1024;
/// Most distinct programs remembered (for "typed again with other arguments").
pub const MAX_PROGRAMS: usize = 256;

/// Each feature's name, by index.
pub const NAMES: [&str; FEATURES] = [
    "lines",
    "commands",
    "mean_line_bytes",
    "timed",
    "elapsed_s",
    "gap_median_s",
    "gap_max_s",
    "gap_cv",
    "typing_bytes_per_s",
    "recon",
    "download",
    "execute",
    "persistence",
    "password_change",
    "navigation",
    "cleanup",
    "sensitive_read",
    "upload",
    "distinct_programs",
    "retyped_programs",
    "non_discovery_stages",
    "bot_template",
    "echo_pipe_sh",
    "busybox",
    "client_family",
    "auth_method",
    "user_class",
    "rule_r1_iot_probe",
    "rule_r2_ssh_key",
    "rule_r3_miner",
    "rule_r4_human",
    "rule_r5_dropper",
    "rule_r6_password",
    "rule_r7_recon_only",
    "verdict_r1",
    "verdict_r2",
    "verdict_r3",
    "verdict_r4",
    "verdict_r5",
    "verdict_r6",
    "verdict_r7",
    "verdict_r8",
    "phase_recon",
    "phase_credential_access",
    "phase_download_execute",
    "phase_persistence",
    "phase_lateral",
    "phase_cleanup",
];

/// Indices of the rule-verdict features (R1–R7).
pub const RULE_FEATURES: std::ops::Range<usize> = 27..42;
/// Indices of the protocol features.
pub const PROTOCOL_FEATURES: std::ops::Range<usize> = 24..27;
/// Index of the first phase slot.
pub const PHASE_FEATURES: std::ops::Range<usize> = 42..FEATURES;

/// What the SSH layer knows about a session before it types anything; any part may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protocol {
    /// The client's version string (`SSH-2.0-libssh2_1.4.3`).
    pub client_version: Option<String>,
    /// How it authenticated (`password`, `none`, `publickey`, `keyboard-interactive`).
    pub auth: Option<String>,
    /// The user name it logged in as.
    pub username: Option<String>,
}

impl Protocol {
    /// The client family: 0 unknown, 1 OpenSSH, 2 libssh/libssh2, 3 paramiko, 4 PuTTY, 5 Go,
    /// 6 other Java/sshlib, 7 anything else.
    fn client_family(&self) -> f64 {
        let Some(version) = &self.client_version else {
            return 0.0;
        };
        let v = version.to_ascii_lowercase();
        let family = [
            ("openssh", 1.0),
            ("libssh", 2.0),
            ("paramiko", 3.0),
            ("putty", 4.0),
            ("go", 5.0),
            ("sshlib", 6.0),
            ("jsch", 6.0),
        ];
        let body = v.split_once('-').map_or(v.as_str(), |(_, rest)| rest);
        let body = body.split_once('-').map_or(body, |(_, rest)| rest);
        family
            .iter()
            .find(|(name, _)| body.starts_with(name))
            .map_or(7.0, |(_, code)| *code)
    }

    /// The auth method: 0 unknown, 1 password, 2 none, 3 public key, 4 keyboard-interactive,
    /// 5 other.
    fn auth_method(&self) -> f64 {
        match self.auth.as_deref() {
            None => 0.0,
            Some("password") => 1.0,
            Some("none") => 2.0,
            Some("publickey") => 3.0,
            Some("keyboard-interactive") => 4.0,
            Some(_) => 5.0,
        }
    }

    /// The user name class: 0 unknown, 1 root, 2 admin, 3 a device default (`ubnt`, `pi`,
    /// `support`, `user`, `guest`), 4 anything else.
    fn user_class(&self) -> f64 {
        match self.username.as_deref() {
            None => 0.0,
            Some("root") => 1.0,
            Some("admin") => 2.0,
            Some("ubnt" | "pi" | "support" | "user" | "guest") => 3.0,
            Some(_) => 4.0,
        }
    }
}

/// Programs that fetch a payload.
const FETCHERS: &[&str] = &["wget", "curl", "tftp", "ftpget", "sget"];

/// One session's features so far.
#[derive(Debug, Clone, Default)]
pub struct SessionFeatures {
    protocol: Protocol,
    lines: usize,
    commands: usize,
    bytes: usize,
    /// Whether some line came without a time (timing features are then unknown).
    untimed: bool,
    first_at: Option<f64>,
    last_at: Option<f64>,
    /// Inter-line gaps, sorted (at most [`MAX_GAPS`]).
    gaps: Vec<f64>,
    gap_sum: f64,
    gap_squares: f64,
    /// Bytes of the lines after the first (typed during the gaps).
    gap_bytes: usize,
    counts: Counts,
    /// Each program's first stage text (hashed), to notice it typed again differently.
    programs: HashMap<String, u64>,
    /// Distinct programs (stages without one not counted).
    distinct: usize,
    retyped: usize,
    /// Stages that run a program, and those whose program is not a discovery program.
    program_stages: usize,
    non_discovery: usize,
    console: bool,
    rules: Rules,
    /// The phase model and the session's filtered phase distribution, when one runs.
    phases: Option<(Arc<PhaseModel>, PhaseFilter)>,
    /// The tagged phase of the latest command (the phase without a phase model).
    last_tag: Option<Phase>,
}

/// Counters of command categories.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    recon: usize,
    download: usize,
    execute: usize,
    persistence: usize,
    password: usize,
    navigation: usize,
    cleanup: usize,
    sensitive: usize,
    upload: usize,
    echo_sh: usize,
    busybox: usize,
}

/// What the rules R1–R6 have seen so far (R4 and R7 are decided from the counters).
#[derive(Debug, Clone, Copy, Default)]
struct Rules {
    iot: bool,
    /// `enable`, `system`, `shell`, `sh` typed as whole stages (R1 wants all four).
    units: [bool; 4],
    key: bool,
    miner: bool,
    template: bool,
    fetch: bool,
    password: bool,
}

impl SessionFeatures {
    /// A session that has typed nothing yet, with what its SSH layer knows.
    pub fn new(protocol: Protocol) -> SessionFeatures {
        SessionFeatures {
            protocol,
            ..SessionFeatures::default()
        }
    }

    /// The same, with the session's attack phase filtered by `model` after every command
    /// (the phase slots of [`SessionFeatures::vector`]).
    pub fn with_phases(mut self, model: Arc<PhaseModel>) -> SessionFeatures {
        self.phases = Some((model, PhaseFilter::new()));
        self
    }

    /// The session's current attack phase: the most likely phase of the filtered HMM
    /// distribution when a phase model runs, else the tagged phase of the latest command;
    /// `None` before the first command.
    pub(crate) fn phase(&self) -> Option<Phase> {
        match &self.phases {
            Some((model, filter)) if self.commands > 0 => Phase::ALL
                .get(super::hmm::argmax(&filter.posterior(model)))
                .copied(),
            Some(_) => None,
            None => self.last_tag,
        }
    }

    /// How many lines were taken.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// How many commands those lines held.
    pub fn commands(&self) -> usize {
        self.commands
    }

    /// Takes the next input line, typed `at` seconds after the session started (`None` when
    /// unknown). Work is bounded by the line's length.
    pub fn push(&mut self, at: Option<f64>, line: &str) {
        self.push_commands(at, line, split(line));
    }

    /// Takes a line already split into `commands` (the first ones of `line`, or all).
    pub fn push_commands(&mut self, at: Option<f64>, line: &str, commands: Vec<Command>) {
        self.push_parts(at, line, &commands, &[], &LineText::of(line));
    }

    /// [`SessionFeatures::push_commands`] with the line analysed before
    /// ([`super::analysis::analyze`]), so a line is split and normalized once for every
    /// model that reads it.
    pub fn push_analyzed(&mut self, at: Option<f64>, line: &str, analysis: &LineAnalysis) {
        self.push_parts(
            at,
            line,
            &analysis.commands,
            &analysis.normalized,
            &analysis.text,
        );
    }

    /// Takes a line split into `commands`, with their normalized forms made before
    /// (`normalized[i]` of `commands[i]`; those missing are made here) and its text checks.
    fn push_parts(
        &mut self,
        at: Option<f64>,
        line: &str,
        commands: &[Command],
        normalized: &[Normalized],
        text: &LineText,
    ) {
        let normal = |i: usize, command: &Command| match normalized.get(i) {
            Some(n) => std::borrow::Cow::Borrowed(n),
            None => std::borrow::Cow::Owned(normalize_command(command)),
        };
        self.lines += 1;
        self.bytes = self.bytes.saturating_add(line.len());
        self.time(at.filter(|t| t.is_finite()), line.len());
        self.line_text(text);
        let last = commands.len().saturating_sub(1);
        for (i, command) in commands.iter().enumerate() {
            if let Some((model, filter)) = &mut self.phases {
                filter.step(model, &normal(i, command));
            } else if i == last {
                self.last_tag = Some(tag(&normal(i, command)));
            }
            self.command(command);
            // `echo "cd /tmp; wget …" | sh`: the echoed script runs too.
            let piped = command.stages.windows(2).find_map(|pair| {
                (matches!(pair[0].program(), "echo" | "printf")
                    && matches!(pair[1].program(), "sh" | "bash"))
                .then(|| pair[0].args().join(" "))
            });
            if let Some(script) = piped {
                self.counts.echo_sh += 1;
                for inner in split(&script) {
                    self.command(&inner);
                }
            }
        }
    }

    fn time(&mut self, at: Option<f64>, len: usize) {
        let Some(at) = at else {
            self.untimed = true;
            return;
        };
        if let Some(last) = self.last_at {
            if self.gaps.len() < MAX_GAPS {
                let gap = (at - last).max(0.0);
                let at = self.gaps.partition_point(|g| *g < gap);
                self.gaps.insert(at, gap);
                self.gap_sum += gap;
                self.gap_squares += gap * gap;
                self.gap_bytes = self.gap_bytes.saturating_add(len);
            }
        } else {
            self.first_at = Some(at);
        }
        self.last_at = Some(at);
    }

    /// The rules' text checks of one line, found by [`LineText::of`].
    fn line_text(&mut self, text: &LineText) {
        let r = &mut self.rules;
        r.iot |= text.iot;
        r.key |= text.key;
        r.miner |= text.miner;
        r.template |= text.template;
        if text.upload {
            r.fetch = true;
            self.counts.upload += 1;
        }
        r.password |= text.password;
        self.counts.sensitive += text.sensitive;
    }

    fn command(&mut self, command: &Command) {
        self.commands += 1;
        for (i, stage) in command.stages.iter().enumerate() {
            self.stage(i, stage);
        }
    }

    fn stage(&mut self, index: usize, stage: &Stage) {
        let program = stage.program();
        let text = stage.text();
        let args = stage.args();
        let first_arg = args.first().map_or("", String::as_str);
        if let Some(unit) = ["enable", "system", "shell", "sh"]
            .iter()
            .position(|u| text == *u)
        {
            self.rules.units[unit] = true;
        }
        if text.contains("authorized_keys")
            && (text.contains('>') || matches!(program, "tee" | "cp" | "mv" | "chattr" | "scp"))
        {
            self.rules.key = true;
        }
        let c = &mut self.counts;
        let fetch = FETCHERS.contains(&program);
        let upload = program == "cat" && first_arg.starts_with('>');
        if fetch
            || upload
            || (program == "perl" && !first_arg.is_empty() && !first_arg.starts_with('-'))
        {
            self.rules.fetch = true;
        }
        c.download += usize::from(fetch || program == "scp");
        c.upload += usize::from(upload);
        if program == "passwd" && (!args.is_empty() || index > 0) {
            self.rules.password = true;
        }
        c.password += usize::from(matches!(program, "passwd" | "chpasswd" | "usermod"));
        c.execute += usize::from(
            program == "chmod"
                || (matches!(program, "sh" | "bash") && !args.is_empty())
                || stage.words().first().is_some_and(|w| w.starts_with("./")),
        );
        c.persistence += usize::from(
            (program == "crontab" && first_arg != "-l")
                || text.contains("authorized_keys")
                || text.contains("rc.local")
                || text.contains(".bashrc")
                || program == "chattr"
                || (program == "systemctl" && first_arg == "enable"),
        );
        c.cleanup += usize::from(
            matches!(program, "rm" | "kill" | "pkill" | "killall" | "unset")
                || (program == "history" && first_arg == "-c"),
        );
        c.busybox += usize::from(text.contains("busybox"));
        // Stages without a program (`X=1`) count too, as the labeller counts them.
        let hash = fnv1a(text);
        match self.programs.get(program) {
            Some(first) if *first != hash => self.retyped += 1,
            Some(_) => {}
            None if self.programs.len() < MAX_PROGRAMS => {
                self.programs.insert(program.to_owned(), hash);
                self.distinct += usize::from(!program.is_empty());
            }
            None => {}
        }
        if program.is_empty() {
            return;
        }
        self.program_stages += 1;
        let discovery = DISCOVERY.contains(&program);
        c.recon += usize::from(discovery);
        self.non_discovery += usize::from(!discovery);
        let console = CONSOLE.contains(&program);
        c.navigation += usize::from(console);
        self.console |= console;
    }

    /// Median, longest, mean and stdev of the gaps; `None` without timing or gaps.
    fn gap_stats(&self) -> Option<(f64, f64, f64, f64)> {
        if self.untimed || self.gaps.is_empty() {
            return None;
        }
        let n = self.gaps.len();
        let median = if n % 2 == 1 {
            self.gaps[n / 2]
        } else {
            (self.gaps[n / 2 - 1] + self.gaps[n / 2]) / 2.0
        };
        let longest = self.gaps[n - 1];
        let mean = self.gap_sum / n as f64;
        let variance = (self.gap_squares / n as f64 - mean * mean).max(0.0);
        Some((median, longest, mean, variance.sqrt()))
    }

    /// R4: timing that looks like typing, and a person's choice of programs (as the labeller
    /// decides it, from the counters).
    fn human(&self) -> bool {
        let Some((median, longest, mean, stdev)) = self.gap_stats() else {
            return false;
        };
        self.lines >= 3
            && !self.rules.template
            && median >= 1.0
            && longest >= 3.0
            && mean > 0.0
            && stdev / mean >= 0.3
            && self.distinct >= 3
            && (self.console || self.retyped > 0)
    }

    /// R7: only discovery and housekeeping programs.
    fn recon_only(&self) -> bool {
        self.program_stages > 0 && self.non_discovery == 0
    }

    /// The class the rules R1–R8 give the input so far (the first rule that fires wins), from
    /// the counters: the same answer as [`super::labels::Labeller`] without re-reading the
    /// session.
    pub fn rule_class(&self) -> Class {
        let r = &self.rules;
        if r.iot || r.units.iter().all(|u| *u) {
            Class::IotBotnetProbe
        } else if r.key {
            Class::SshKeyPersistence
        } else if r.miner {
            Class::Cryptominer
        } else if self.human() {
            Class::InteractiveHuman
        } else if r.fetch {
            Class::MalwareDropper
        } else if r.password {
            Class::CredentialHijack
        } else if self.recon_only() {
            Class::ReconFingerprint
        } else {
            Class::Other
        }
    }

    /// The feature vector (see [`NAMES`]), with the phase distribution `phases` or, without
    /// one, the session's own filtered distribution when it runs a phase model.
    pub fn vector(&self, phases: Option<[f64; PHASES]>) -> [f64; FEATURES] {
        let phases = phases.or_else(|| {
            self.phases
                .as_ref()
                .map(|(model, filter)| filter.posterior(model))
        });
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let count = |n: usize| n as f64;
        let gaps = self.gap_stats();
        let timed = !self.untimed && self.last_at.is_some();
        let elapsed = match (timed, self.first_at, self.last_at) {
            (true, Some(first), Some(last)) => (last - first).max(0.0),
            _ => -1.0,
        };
        let (median, longest, cv, rate) = match gaps {
            Some((median, longest, mean, stdev)) => (
                median,
                longest,
                if mean > 0.0 { stdev / mean } else { 0.0 },
                if self.gap_sum > 0.0 {
                    self.gap_bytes as f64 / self.gap_sum
                } else {
                    -1.0
                },
            ),
            None => (-1.0, -1.0, -1.0, -1.0),
        };
        let c = &self.counts;
        let r = &self.rules;
        let mut v = [0.0; FEATURES];
        let head = [
            count(self.lines),
            count(self.commands),
            if self.lines == 0 {
                0.0
            } else {
                self.bytes as f64 / self.lines as f64
            },
            flag(timed),
            elapsed,
            median,
            longest,
            cv,
            rate,
            count(c.recon),
            count(c.download),
            count(c.execute),
            count(c.persistence),
            count(c.password),
            count(c.navigation),
            count(c.cleanup),
            count(c.sensitive),
            count(c.upload),
            count(self.distinct),
            count(self.retyped),
            count(self.non_discovery),
            flag(r.template),
            count(c.echo_sh),
            count(c.busybox),
            self.protocol.client_family(),
            self.protocol.auth_method(),
            self.protocol.user_class(),
            flag(r.iot || r.units.iter().all(|u| *u)),
            flag(r.key),
            flag(r.miner),
            flag(self.human()),
            flag(r.fetch),
            flag(r.password),
            flag(self.recon_only()),
        ];
        v[..head.len()].copy_from_slice(&head);
        // `Class` lists the classes in rule order, R1 first.
        v[RULE_FEATURES.start + 7 + self.rule_class() as usize] = 1.0;
        if let Some(phases) = phases {
            v[PHASE_FEATURES].copy_from_slice(&phases);
        }
        v
    }
}

/// FNV-1a, to remember a stage's text in 8 bytes.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
