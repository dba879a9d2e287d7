//! The commands the fake shell knows: one file per family, one const registry.
//!
//! Each command is a unit struct implementing [`Command`]; its [`Command::names`] lists every
//! name that runs it (the bare name and, for programs, the paths an Ubuntu box has for it:
//! `/usr/bin/uname` and, through the merged-`/usr` symlink, `/bin/uname`). Adding a command is
//! one struct in its family's file, one line in [`COMMANDS`], and its tests below it.
//!
//! Commands are sync and pure: they read the [`HostProfile`] and the session's [`ShellState`]
//! through a [`CommandCtx`] and write bytes to it. They never touch the real machine.

mod accounts;
pub mod admin_state;
mod attrs;
mod awk;
mod bash_builtins;
mod binutils;
mod blockdev;
mod builtins;
mod busybox;
mod cformat;
mod checksum;
mod cmp;
#[cfg(test)]
mod consistency;
mod coreutils_help;
mod coreutils_misc;
mod cpu;
mod cron;
mod datetime;
mod dd;
mod disks;
mod dpkg;
mod expr;
mod fetch;
mod fetch_more;
mod files;
mod firewall;
mod getconf;
mod gnu_opts;
mod gzip;
mod jobs;
mod kernel_log;
mod langs;
mod lastlog;
mod lsb;
mod memory;
mod mktemp;
mod net;
mod netcat;
mod nettools;
mod od;
mod offline;
#[cfg(test)]
mod owners;
mod ping;
mod pkg;
mod proc_ctl;
mod procs;
mod runners;
mod scp;
mod sed;
mod seq;
mod services;
mod sessions;
mod shbuiltins;
mod shtest;
mod sockets;
mod ssh;
mod sysinfo;
mod tar;
mod telnet;
mod textutils;
mod timeout;
mod toolkit;
mod units;
mod users;
mod utils;
mod xargs;

use crate::events::EventKind;
use crate::host::HostProfile;
use crate::host::fs::Fs;
use crate::shell::state::ShellState;

/// The most output one command may produce (all streams); the rest is dropped, as a
/// terminal or pipe would stop taking it. Redirected files are bounded by their quota too.
pub const MAX_COMMAND_OUTPUT: usize = 16 << 20;

/// A command the shell can run.
pub trait Command: Sync {
    /// Every name that runs this command: bare, absolute and aliases.
    fn names(&self) -> &'static [&'static str];

    /// Runs the command with `argv` (`argv[0]` is the name as typed, which GNU tools repeat in
    /// their messages) and returns its exit status.
    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32;
}

/// Every command, in no particular order; names must be unique (tested).
pub const COMMANDS: &[&dyn Command] = &[
    &gzip::Gzip,
    &gzip::Gunzip,
    &gzip::Zcat,
    &tar::Tar,
    &ping::Ping,
    &netcat::Netcat,
    &nettools::Arp,
    &nettools::Route,
    &telnet::Telnet,
    &builtins::Echo,
    &builtins::Pwd,
    &builtins::Cd,
    &builtins::Export,
    &builtins::History,
    &builtins::True,
    &builtins::False,
    &builtins::Exit,
    &builtins::Logout,
    &sysinfo::Whoami,
    &sysinfo::Id,
    &sysinfo::Uname,
    &sysinfo::Hostname,
    &cpu::Nproc,
    &cpu::Lscpu,
    &memory::Free,
    &disks::Df,
    &disks::MountCmd,
    &net::Ip,
    &net::Ifconfig,
    &sessions::Uptime,
    &sessions::W,
    &sessions::Who,
    &sessions::Users,
    &sessions::Last,
    &procs::Ps,
    &procs::Top,
    &sockets::Ss,
    &sockets::Netstat,
    &ssh::Ssh,
    &files::Ls,
    &files::Stat,
    &files::File,
    &files::Cat,
    &files::Head,
    &files::Tail,
    &files::Wc,
    &files::Tee,
    &files::Grep,
    &files::Cut,
    &files::Sort,
    &files::Uniq,
    &files::Touch,
    &files::Mkdir,
    &files::Rmdir,
    &files::Rm,
    &files::Cp,
    &files::Mv,
    &files::Ln,
    &files::Chmod,
    &files::Chown,
    &files::Chgrp,
    &files::Which,
    &files::Readlink,
    &files::Realpath,
    &files::Basename,
    &files::Dirname,
    &files::Find,
    &files::Du,
    &shtest::Test,
    &shbuiltins::Printf,
    &shbuiltins::Read,
    &shbuiltins::Let,
    &seq::Seq,
    &fetch::Wget,
    &fetch_more::Curl,
    &fetch_more::Tftp,
    &fetch_more::Ftpget,
    &busybox::Busybox,
    &accounts::Passwd,
    &accounts::Chpasswd,
    &cron::Crontab,
    &utils::Sleep,
    &utils::Base64,
    &checksum::Checksum,
    &utils::Clear,
    &utils::Nohup,
    &utils::Sudo,
    &langs::Python3,
    &langs::Perl,
    &awk::Awk,
    &pkg::AptGet,
    &proc_ctl::Killall,
    &proc_ctl::Pkill,
    &sed::Sed,
    &binutils::Strings,
    &binutils::Su,
    &services::Systemctl,
    &services::Service,
    &dpkg::Dpkg,
    &dpkg::DpkgQuery,
    &jobs::Kill,
    &jobs::Pgrep,
    &jobs::Pidof,
    &firewall::Iptables,
    &bash_builtins::Umask,
    &bash_builtins::Ulimit,
    &lsb::LsbRelease,
    &lsb::Hostnamectl,
    &attrs::Lsattr,
    &attrs::Chattr,
    &blockdev::Lsblk,
    &kernel_log::Dmesg,
    &users::Useradd,
    &users::Userdel,
    &users::Groupadd,
    &users::Adduser,
    &lastlog::Lastlog,
    &datetime::Date,
    &runners::Env,
    &runners::Printenv,
    &timeout::Timeout,
    &xargs::Xargs,
    &textutils::Tr,
    &textutils::Tac,
    &textutils::Nl,
    &textutils::Rev,
    &dd::Dd,
    &expr::Expr,
    &coreutils_misc::Yes,
    &coreutils_misc::Tty,
    &coreutils_misc::ArchCmd,
    &coreutils_misc::Groups,
    &coreutils_misc::Sync,
    &mktemp::Mktemp,
    &od::Od,
    &cmp::Cmp,
    &getconf::Getconf,
    &scp::Scp,
];

/// The command that `name` (as typed, after expansion) runs, if any: the first in
/// [`COMMANDS`] that answers to it, found in a table built on first use (every simple
/// command looks its name up, and scanning every command's names was a good part of that).
pub fn lookup(name: &str) -> Option<&'static dyn Command> {
    type ByName = std::collections::HashMap<&'static str, &'static dyn Command>;
    static BY_NAME: std::sync::OnceLock<ByName> = std::sync::OnceLock::new();
    BY_NAME
        .get_or_init(|| {
            let mut by_name = ByName::new();
            for &command in COMMANDS {
                for &name in command.names() {
                    by_name.entry(name).or_insert(command);
                }
            }
            by_name
        })
        .get(name)
        .copied()
}

/// Which output stream a chunk of output was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output (fd 1).
    Out,
    /// Standard error (fd 2).
    Err,
}

/// What a running command sees and how it answers.
pub struct CommandCtx<'a> {
    /// The fake machine.
    pub host: &'a HostProfile,
    /// The session's shell state (a copy, when the command runs in a subshell or pipeline).
    pub state: &'a mut ShellState,
    /// Standard input: the previous pipeline stage's output, a here-string, or nothing.
    pub stdin: &'a [u8],
    /// The session's filesystem, as this command's user in the shell's directory.
    pub fs: Fs<'a>,
    /// The terminal's width when standard output is the terminal (`None`: a pipe or file).
    terminal: Option<u16>,
    output: Vec<(Stream, Vec<u8>)>,
    output_bytes: usize,
    exit: Option<i32>,
    abort: bool,
    events: Vec<EventKind>,
}

impl<'a> CommandCtx<'a> {
    /// A context for one command run on `fs`; `terminal` is the terminal's width when
    /// standard output goes to it.
    pub fn new(
        host: &'a HostProfile,
        state: &'a mut ShellState,
        stdin: &'a [u8],
        fs: Fs<'a>,
        terminal: Option<u16>,
    ) -> Self {
        CommandCtx {
            host,
            state,
            stdin,
            fs,
            terminal,
            output: Vec::new(),
            output_bytes: 0,
            exit: None,
            abort: false,
            events: Vec::new(),
        }
    }

    /// The terminal's width in columns when standard output is a terminal (`isatty(1)`),
    /// `None` when it is a pipe or a file.
    pub fn terminal(&self) -> Option<u16> {
        self.terminal
    }

    /// How many more bytes of output this command may write before [`MAX_COMMAND_OUTPUT`].
    pub fn output_room(&self) -> usize {
        MAX_COMMAND_OUTPUT.saturating_sub(self.output_bytes)
    }

    /// Writes to standard output.
    pub fn out(&mut self, bytes: impl AsRef<[u8]>) {
        self.write(Stream::Out, bytes.as_ref());
    }

    /// Writes to standard error.
    pub fn err(&mut self, bytes: impl AsRef<[u8]>) {
        self.write(Stream::Err, bytes.as_ref());
    }

    fn write(&mut self, stream: Stream, bytes: &[u8]) {
        let bytes = &bytes[..bytes.len().min(self.output_room())];
        if bytes.is_empty() {
            return;
        }
        self.output_bytes += bytes.len();
        match self.output.last_mut() {
            Some((last, buf)) if *last == stream => buf.extend_from_slice(bytes),
            _ => self.output.push((stream, bytes.to_vec())),
        }
    }

    /// Asks the shell to end with `status` (`exit`, `logout`).
    pub fn request_exit(&mut self, status: i32) {
        self.exit = Some(status);
    }

    /// The status `exit` asked for, if it did.
    pub fn exit_requested(&self) -> Option<i32> {
        self.exit
    }

    /// Discards the rest of the command line, as bash does after some builtin errors
    /// (`exit 1 2`).
    pub fn abort_line(&mut self) {
        self.abort = true;
    }

    /// The current time: the session's fixed clock, or the real one.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.state.now()
    }

    /// Records an event for the session's log (a download, …); the shell hands them back in
    /// [`LineOutcome::events`](crate::shell::LineOutcome::events).
    pub fn record(&mut self, event: EventKind) {
        self.events.push(event);
    }

    /// Takes the events recorded so far.
    pub fn take_events(&mut self) -> Vec<EventKind> {
        std::mem::take(&mut self.events)
    }

    /// Whether [`CommandCtx::abort_line`] was called.
    pub fn line_aborted(&self) -> bool {
        self.abort
    }

    /// The output written, in order, as (stream, bytes) chunks.
    pub fn into_output(self) -> Vec<(Stream, Vec<u8>)> {
        self.output
    }

    /// The locale setting that governs `category` (`LC_ALL`, then the category, then `LANG`).
    fn locale(&self, category: &str) -> &str {
        ["LC_ALL", category, "LANG"]
            .iter()
            .find_map(|name| self.state.var(name).filter(|v| !v.is_empty()))
            .unwrap_or("C")
    }

    /// Quotes `s` the way GNU tools' `quote()` does: ‘s’ in a UTF-8 locale, 's' otherwise.
    pub fn quote(&self, s: &str) -> String {
        let ctype = self.locale("LC_CTYPE").to_ascii_lowercase();
        if ctype.contains("utf-8") || ctype.contains("utf8") {
            format!("\u{2018}{s}\u{2019}")
        } else {
            format!("'{s}'")
        }
    }

    /// The `--help` and `--version` lines of a GNU coreutils usage text; their alignment
    /// changed in coreutils 9.
    pub fn coreutils_help_options(&self) -> &'static str {
        if self.host.coreutils_version.starts_with("8.") {
            "      --help     display this help and exit\n      --version  output version information and exit\n"
        } else {
            "      --help        display this help and exit\n      --version     output version information and exit\n"
        }
    }

    /// The end of every GNU coreutils `--help` text, for program `name`. The translation line
    /// appears unless the messages locale is an English one (`en_*`), as in coreutils.
    pub fn coreutils_help_footer(&self, name: &str) -> String {
        let translation = if self.locale("LC_MESSAGES").starts_with("en_") {
            ""
        } else {
            "Report any translation bugs to <https://translationproject.org/team/>\n"
        };
        format!(
            "\nGNU coreutils online help: <https://www.gnu.org/software/coreutils/>\n\
             {translation}Full documentation <https://www.gnu.org/software/coreutils/{name}>\n\
             or available locally via: info '(coreutils) {name} invocation'\n"
        )
    }

    /// The `--version` text of GNU coreutils program `name`, written by `authors`.
    pub fn coreutils_version_text(&self, name: &str, authors: &str) -> String {
        format!(
            "{name} (GNU coreutils) {version}\n\
             Copyright (C) {year} Free Software Foundation, Inc.\n\
             License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n\
             This is free software: you are free to change and redistribute it.\n\
             There is NO WARRANTY, to the extent permitted by law.\n\
             \n\
             Written by {authors}.\n",
            version = self.host.coreutils_version,
            year = self.host.coreutils_year(),
        )
    }
}

/// The options a GNU program accepts: short flags and long names. None take arguments yet.
pub(crate) struct OptSpec {
    /// Short flags and the long name each stands for.
    pub short: &'static [(char, &'static str)],
    /// Long option names, in the program's table order (it decides the order of the
    /// possibilities in an "is ambiguous" message).
    pub long: &'static [&'static str],
}

/// The result of [`getopt`]: options (by long name) in the order given, operands, and the
/// first error, at which parsing stopped.
pub(crate) struct Parsed {
    pub opts: Vec<&'static str>,
    pub operands: Vec<String>,
    pub error: Option<String>,
}

/// Parses `args` (without `argv[0]`) like glibc's `getopt_long` with GNU argument permutation:
/// clustered short flags, unambiguous prefixes of long names, `--` ends options. Error texts
/// are glibc's, with `prog` as the program name and a trailing newline.
pub(crate) fn getopt(prog: &str, args: &[String], spec: &OptSpec) -> Parsed {
    let mut parsed = Parsed {
        opts: Vec::new(),
        operands: Vec::new(),
        error: None,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            parsed.operands.extend(iter.cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (body, None),
            };
            let found = match spec.long.iter().find(|l| **l == name) {
                Some(exact) => Ok(*exact),
                None => {
                    let matches: Vec<&'static str> = spec
                        .long
                        .iter()
                        .copied()
                        .filter(|l| l.starts_with(name))
                        .collect();
                    match matches.as_slice() {
                        [] => Err(format!("{prog}: unrecognized option '{arg}'\n")),
                        [one] => Ok(*one),
                        many => {
                            let list: String = many.iter().map(|m| format!(" '--{m}'")).collect();
                            Err(format!(
                                "{prog}: option '--{body}' is ambiguous; possibilities:{list}\n"
                            ))
                        }
                    }
                }
            };
            match found {
                Ok(long) if value.is_some() => {
                    parsed.error = Some(format!(
                        "{prog}: option '--{long}' doesn't allow an argument\n"
                    ));
                    break;
                }
                Ok(long) => parsed.opts.push(long),
                Err(message) => {
                    parsed.error = Some(message);
                    break;
                }
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            for c in arg.chars().skip(1) {
                match spec.short.iter().find(|(s, _)| *s == c) {
                    Some((_, long)) => parsed.opts.push(long),
                    None => {
                        parsed.error = Some(format!("{prog}: invalid option -- '{c}'\n"));
                        return parsed;
                    }
                }
            }
        } else {
            parsed.operands.push(arg.clone());
        }
    }
    parsed
}

/// `Try 'prog --help' for more information.`
pub(crate) fn try_help(prog: &str) -> String {
    format!("Try '{prog} --help' for more information.\n")
}

/// The paths a program in `/usr/bin` has on a merged-`/usr` Ubuntu.
macro_rules! usr_bin {
    ($name:literal) => {
        &[$name, concat!("/usr/bin/", $name), concat!("/bin/", $name)]
    };
}
pub(crate) use usr_bin;

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for command tests: run a line on a fixed host and get its output.

    use std::sync::Arc;

    use crate::host::HostProfile;
    use crate::shell::{LineOutcome, Shell, ShellState};

    /// A fixed Ubuntu 22.04 host, so expected outputs can be written down.
    pub fn host() -> HostProfile {
        crate::host::fixture::jammy()
    }

    /// A shell for [`host`], built once (its filesystem image is the costly part).
    pub fn shell() -> Shell {
        static SHELL: std::sync::OnceLock<Shell> = std::sync::OnceLock::new();
        SHELL.get_or_init(|| Shell::new(Arc::new(host()))).clone()
    }

    /// Runs `line` as `user` on [`host`] and returns the outcome.
    pub fn run_as(user: &str, line: &str) -> LineOutcome {
        let shell = shell();
        let mut state = session(user);
        shell.run_line(&mut state, line)
    }

    /// A login of `user` from 203.0.113.5 on `pts/0` at 10:02:11, with the clock stopped at
    /// [`crate::host::fixture::now`].
    pub fn session(user: &str) -> ShellState {
        let mut state = ShellState::login(user);
        state.set_origin(
            std::net::IpAddr::from([203, 0, 113, 5]),
            crate::host::fixture::now() - chrono::Duration::seconds(50),
        );
        state.clock = Some(crate::host::fixture::now());
        state
    }

    /// Runs `line` as root and returns the output as text.
    pub fn run(line: &str) -> String {
        String::from_utf8_lossy(&run_as("root", line).output).into_owned()
    }

    /// Runs `line` as root and returns (output, status).
    pub fn run_status(line: &str) -> (String, i32) {
        let outcome = run_as("root", line);
        (
            String::from_utf8_lossy(&outcome.output).into_owned(),
            outcome.status,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique() {
        let mut seen = HashSet::new();
        for command in COMMANDS {
            for name in command.names() {
                assert!(seen.insert(*name), "{name} is registered twice");
            }
        }
    }

    #[test]
    fn lookup_finds_bare_and_path_names() {
        assert!(lookup("uname").is_some());
        assert!(lookup("/bin/uname").is_some());
        assert!(lookup("/usr/bin/uname").is_some());
        assert!(lookup("./uname").is_none());
        assert!(lookup("/usr/bin/cd").is_none());
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    const SPEC: OptSpec = OptSpec {
        short: &[('a', "all"), ('s', "kernel-name"), ('r', "kernel-release")],
        long: &[
            "all",
            "kernel-name",
            "kernel-release",
            "kernel-version",
            "help",
            "version",
        ],
    };

    #[test]
    fn getopt_like_glibc() {
        let p = getopt(
            "uname",
            &strings(&["-as", "x", "--kernel-n", "--", "-r"]),
            &SPEC,
        );
        assert_eq!(p.opts, ["all", "kernel-name", "kernel-name"]);
        assert_eq!(p.operands, ["x", "-r"]);
        assert!(p.error.is_none());
        let err = |args: &[&str]| {
            getopt("uname", &strings(args), &SPEC)
                .error
                .unwrap_or_default()
        };
        assert_eq!(err(&["-z"]), "uname: invalid option -- 'z'\n");
        assert_eq!(
            err(&["--foo=bar"]),
            "uname: unrecognized option '--foo=bar'\n"
        );
        assert_eq!(
            err(&["--k"]),
            "uname: option '--k' is ambiguous; possibilities: '--kernel-name' '--kernel-release' '--kernel-version'\n"
        );
        assert_eq!(
            err(&["--help=x"]),
            "uname: option '--help' doesn't allow an argument\n"
        );
    }
}
