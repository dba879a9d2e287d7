//! Finding and signalling processes: bash's `kill` builtin, procps-ng's `pgrep` and
//! sysvinit-utils' `pidof`, on the same process table `ps` shows. No signal is ever sent:
//! a process the user may signal "receives" it and carries on.

use super::procs::{Proc, process_table};
use super::toolkit::{parse, procps_usage, procps_version};
use super::{Command, CommandCtx, usr_bin};

/// Signal names by number (Linux x86-64), as `kill -l` lists them; 32 and 33 are unused.
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// The name of signal `n` without `SIG` (`RTMIN+3` for real-time ones).
fn signal_name(n: u32) -> Option<String> {
    match n {
        1..=31 => Some(SIGNALS[n as usize - 1].to_owned()),
        34 => Some("RTMIN".to_owned()),
        35..=49 => Some(format!("RTMIN+{}", n - 34)),
        50..=63 => Some(format!("RTMAX-{}", 64 - n)),
        64 => Some("RTMAX".to_owned()),
        _ => None,
    }
}

/// The number of signal `spec` (`9`, `KILL`, `SIGKILL`, `kill`).
fn signal_number(spec: &str) -> Option<u32> {
    if let Ok(n) = spec.parse::<u32>() {
        return (n == 0 || signal_name(n).is_some()).then_some(n);
    }
    let upper = spec.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    (1..=64).find(|n| signal_name(*n).as_deref() == Some(name))
}

/// bash's `kill -l` table.
fn signal_table() -> String {
    let mut out = String::new();
    let mut column = 0;
    for n in 1..=64 {
        let Some(name) = signal_name(n) else {
            continue;
        };
        out.push_str(&format!("{n:2}) SIG{name}"));
        column += 1;
        if column < 5 {
            out.push('\t');
        } else {
            out.push('\n');
            column = 0;
        }
    }
    if column != 0 {
        out.push('\n');
    }
    out
}

/// bash's `kill` usage line.
const KILL_USAGE: &str = "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n";

/// `kill` (the bash builtin).
pub struct Kill;

impl Command for Kill {
    fn names(&self) -> &'static [&'static str] {
        &["kill"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut args = argv.iter().skip(1).peekable();
        let Some(first) = args.peek().map(|a| a.as_str()) else {
            cx.err(KILL_USAGE);
            return 2;
        };
        if first == "-l" || first == "-L" {
            args.next();
            let rest: Vec<&String> = args.collect();
            if rest.is_empty() {
                cx.out(signal_table());
                return 0;
            }
            let mut status = 0;
            for spec in rest {
                let answer = match spec.parse::<u32>() {
                    Ok(n) => signal_name(if n > 128 { n - 128 } else { n }),
                    Err(_) => signal_number(spec).map(|n| n.to_string()),
                };
                match answer {
                    Some(a) => cx.out(format!("{a}\n")),
                    None => {
                        cx.err(format!(
                            "-bash: kill: {spec}: invalid signal specification\n"
                        ));
                        status = 1;
                    }
                }
            }
            return status;
        }
        let mut signal = 15;
        if first == "-s" || first == "-n" {
            args.next();
            let Some(spec) = args.next() else {
                cx.err(format!(
                    "-bash: kill: {first}: option requires an argument\n"
                ));
                return 2;
            };
            match signal_number(spec) {
                Some(n) => signal = n,
                None => {
                    cx.err(format!(
                        "-bash: kill: {spec}: invalid signal specification\n"
                    ));
                    return 1;
                }
            }
        } else if let Some(spec) = first.strip_prefix('-').filter(|s| !s.is_empty()) {
            if spec != "-" {
                match signal_number(spec) {
                    Some(n) => signal = n,
                    None => {
                        cx.err(format!(
                            "-bash: kill: {spec}: invalid signal specification\n"
                        ));
                        return 1;
                    }
                }
            }
            args.next();
        }
        let targets: Vec<&String> = args.collect();
        if targets.is_empty() {
            cx.err(KILL_USAGE);
            return 2;
        }
        let table = process_table(cx, argv);
        let me = cx.host.session_uid(&cx.state.user);
        let mut status = 0;
        for target in targets {
            if target.starts_with('%') {
                cx.err(format!("-bash: kill: {target}: no such job\n"));
                status = 1;
                continue;
            }
            let Ok(pid) = target.parse::<i64>() else {
                cx.err(format!(
                    "-bash: kill: {target}: arguments must be process or job IDs\n"
                ));
                status = 1;
                continue;
            };
            let found = u32::try_from(pid.unsigned_abs())
                .ok()
                .and_then(|p| table.iter().find(|proc| proc.pid == p));
            match found {
                None => {
                    cx.err(format!("-bash: kill: ({pid}) - No such process\n"));
                    status = 1;
                }
                Some(p) if me != 0 && p.uid != me => {
                    cx.err(format!("-bash: kill: ({pid}) - Operation not permitted\n"));
                    status = 1;
                }
                // The login shell dies of KILL and HUP (an interactive bash ignores TERM),
                // which ends the session as it would the SSH connection.
                Some(p) if p.ppid != 0 && p.args == "-bash" && (signal == 9 || signal == 1) => {
                    cx.request_exit(128 + signal as i32);
                }
                Some(_) => {}
            }
        }
        status
    }
}

/// The processes whose name (or, with `full`, command line) contains `pattern`, except the
/// asking command itself.
fn matches<'a>(
    table: &'a [Proc<'a>],
    pattern: &str,
    full: bool,
    exact: bool,
    own: u32,
) -> Vec<&'a Proc<'a>> {
    table
        .iter()
        .filter(|p| p.pid != own)
        .filter(|p| {
            let hay = if full { &*p.args } else { &*p.comm };
            if exact {
                hay == pattern
            } else {
                hay.contains(pattern)
            }
        })
        .collect()
}

/// `pgrep` (procps-ng).
pub struct Pgrep;

const PGREP_OPTIONS: &str = " -d, --delimiter <string>  specify output delimiter\n -l, --list-name           list PID and process name\n -a, --list-full           list PID and full command line\n -v, --inverse             negates the matching\n -w, --lightweight         list all TID\n -c, --count               count of matching processes\n -f, --full                use full process name to match\n -g, --pgroup <PGID,...>   match listed process group IDs\n -G, --group <GID,...>     match real group IDs\n -i, --ignore-case         match case insensitively\n -n, --newest              select most recently started\n -o, --oldest              select least recently started\n -P, --parent <PPID,...>   match only child processes of the given parent\n -s, --session <SID,...>   match session IDs\n -t, --terminal <tty,...>  match by controlling terminal\n -u, --euid <ID,...>       match by effective IDs\n -U, --uid <ID,...>        match by real IDs\n -x, --exact               match exactly with the command name\n -F, --pidfile <file>      read PIDs from file\n -L, --logpidfile          fail if PID file is not locked\n -r, --runstates <state>   match runstates [D,S,Z,...]\n --ns <PID>                match the processes that belong to the same\n                           namespace as <pid>\n --nslist <ns,...>         list which namespaces will be considered for\n                           the --ns option.\n                           Available namespaces: ipc, mnt, net, pid, user, uts\n\n -h, --help     display this help and exit\n -V, --version  output version information and exit\n";

impl Command for Pgrep {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("pgrep")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const TABLE: &[(char, &str, bool)] = &[
            ('d', "delimiter", true),
            ('l', "list-name", false),
            ('a', "list-full", false),
            ('v', "inverse", false),
            ('w', "lightweight", false),
            ('c', "count", false),
            ('f', "full", false),
            ('i', "ignore-case", false),
            ('n', "newest", false),
            ('o', "oldest", false),
            ('x', "exact", false),
            ('u', "euid", true),
            ('U', "uid", true),
            ('P', "parent", true),
            ('t', "terminal", true),
            ('h', "help", false),
            ('V', "version", false),
        ];
        let (opts, operands) = match parse("pgrep", argv.get(1..).unwrap_or_default(), TABLE) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(format!(
                    "{message}\nUsage:\n pgrep [options] <pattern>\n\nOptions:\n{PGREP_OPTIONS}\nFor more details see pgrep(1).\n"
                ));
                return 2;
            }
        };
        let has = |name: &str| opts.iter().any(|o| o.name == name);
        if has("help") {
            cx.out(procps_usage(
                "pgrep",
                "[options] <pattern>",
                PGREP_OPTIONS,
                "pgrep(1)",
            ));
            return 0;
        }
        if has("version") {
            let text = procps_version(cx, "pgrep");
            cx.out(text);
            return 0;
        }
        let user = opts
            .iter()
            .find(|o| o.name == "euid" || o.name == "uid")
            .and_then(|o| o.value.clone());
        if operands.len() > 1 {
            cx.err("pgrep: only one pattern can be provided\nTry `pgrep --help' for more information.\n");
            return 2;
        }
        let Some(pattern) = operands
            .first()
            .cloned()
            .or_else(|| user.is_some().then(String::new))
        else {
            cx.err(
                "pgrep: no matching criteria specified\nTry `pgrep --help' for more information.\n",
            );
            return 2;
        };
        let table = process_table(cx, argv);
        let own = table.iter().map(|p| p.pid).max().unwrap_or(0);
        let ignore_case = has("ignore-case");
        let folded: Vec<Proc<'_>> = if ignore_case {
            table
                .iter()
                .map(|p| Proc {
                    comm: p.comm.to_lowercase().into(),
                    args: p.args.to_lowercase().into(),
                    ..p.clone()
                })
                .collect()
        } else {
            table.clone()
        };
        let pattern = if ignore_case {
            pattern.to_lowercase()
        } else {
            pattern
        };
        let mut found: Vec<u32> = matches(&folded, &pattern, has("full"), has("exact"), own)
            .into_iter()
            .filter(|p| {
                user.as_deref()
                    .is_none_or(|u| p.user == u || u.parse::<u32>().is_ok_and(|uid| uid == p.uid))
            })
            .map(|p| p.pid)
            .collect();
        if has("inverse") {
            found = table
                .iter()
                .map(|p| p.pid)
                .filter(|pid| *pid != own && !found.contains(pid))
                .collect();
        }
        if has("newest") {
            found = found.iter().copied().max().into_iter().collect();
        } else if has("oldest") {
            found = found.iter().copied().min().into_iter().collect();
        }
        if has("count") {
            cx.out(format!("{}\n", found.len()));
            return i32::from(found.is_empty());
        }
        let delimiter = opts
            .iter()
            .find(|o| o.name == "delimiter")
            .and_then(|o| o.value.clone())
            .unwrap_or_else(|| "\n".to_owned());
        let lines: Vec<String> = found
            .iter()
            .filter_map(|pid| table.iter().find(|p| p.pid == *pid))
            .map(|p| {
                if has("list-full") {
                    format!("{} {}", p.pid, p.args)
                } else if has("list-name") {
                    format!("{} {}", p.pid, p.comm)
                } else {
                    p.pid.to_string()
                }
            })
            .collect();
        if !lines.is_empty() {
            cx.out(format!("{}\n", lines.join(&delimiter)));
        }
        i32::from(found.is_empty())
    }
}

/// `pidof` (sysvinit-utils / procps): PIDs of a program, newest first, on one line.
pub struct Pidof;

impl Command for Pidof {
    fn names(&self) -> &'static [&'static str] {
        &[
            "pidof",
            "/usr/bin/pidof",
            "/bin/pidof",
            "/usr/sbin/pidof",
            "/sbin/pidof",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut single = false;
        let mut names = Vec::new();
        for arg in argv.iter().skip(1) {
            match arg.as_str() {
                "-s" => single = true,
                "-V" => {
                    let text = procps_version(cx, "pidof");
                    cx.out(text);
                    return 0;
                }
                a if a.starts_with('-') => {}
                a => names.push(a.to_owned()),
            }
        }
        let table = process_table(cx, argv);
        let own = table.iter().map(|p| p.pid).max().unwrap_or(0);
        let mut pids: Vec<u32> = Vec::new();
        for name in &names {
            let base = name.rsplit('/').next().unwrap_or(name);
            let mut these: Vec<u32> = table
                .iter()
                .filter(|p| p.pid != own && !p.kernel)
                .filter(|p| {
                    let program = p.args.split_whitespace().next().unwrap_or("");
                    let program = program.trim_end_matches(':');
                    p.comm == base
                        || program == name.as_str()
                        || program.rsplit('/').next() == Some(base)
                })
                .map(|p| p.pid)
                .collect();
            these.sort_unstable_by(|a, b| b.cmp(a));
            if single {
                these.truncate(1);
            }
            pids.extend(these);
        }
        if pids.is_empty() {
            return 1;
        }
        let line: Vec<String> = pids.iter().map(u32::to_string).collect();
        cx.out(format!("{}\n", line.join(" ")));
        0
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from bash 5.1's `kill`, procps-ng 3.3.17's `pgrep` and `pidof`.

    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn kill_lists_signals_like_bash() {
        let (out, status) = run_status("kill -l");
        assert_eq!(status, 0);
        assert!(out.starts_with(" 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n"));
        assert!(out.contains("\n31) SIGSYS\t34) SIGRTMIN\t35) SIGRTMIN+1\t"));
        assert!(out.ends_with("\n63) SIGRTMAX-1\t64) SIGRTMAX\t\n"));
        assert_eq!(run_status("kill -l 9"), ("KILL\n".into(), 0));
        assert_eq!(run_status("kill -l SIGTERM"), ("15\n".into(), 0));
        assert_eq!(run_status("kill -l 137"), ("KILL\n".into(), 0));
    }

    #[test]
    fn kill_errors_like_bash() {
        assert_eq!(run_status("kill"), (super::KILL_USAGE.into(), 2));
        assert_eq!(
            run_status("kill -9 999999"),
            ("-bash: kill: (999999) - No such process\n".into(), 1)
        );
        assert_eq!(
            run_status("kill -99 1"),
            ("-bash: kill: 99: invalid signal specification\n".into(), 1)
        );
        assert_eq!(
            run_status("kill abc"),
            (
                "-bash: kill: abc: arguments must be process or job IDs\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("kill %1"),
            ("-bash: kill: %1: no such job\n".into(), 1)
        );
        // Root may signal sshd (pid 733 in `ps`); a user may not.
        assert_eq!(run_status("kill -9 733"), (String::new(), 0));
        let outcome = run_as("deploy", "kill -HUP 733");
        assert_eq!(
            String::from_utf8_lossy(&outcome.output),
            "-bash: kill: (733) - Operation not permitted\n"
        );
        assert_eq!(outcome.status, 1);
    }

    #[test]
    fn killing_the_login_shell_ends_the_session() {
        let pid = run_status("pgrep -x bash").0.trim().to_owned();
        let outcome = run_as("root", &format!("kill -9 {pid}; echo after"));
        assert!(outcome.exit);
        assert!(!String::from_utf8_lossy(&outcome.output).contains("after"));
        let outcome = run_as("root", &format!("kill {pid}; echo after"));
        assert!(!outcome.exit);
    }

    #[test]
    fn pgrep_and_pidof_agree_with_ps() {
        assert_eq!(run_status("pgrep sshd").0.lines().next(), Some("733"));
        assert_eq!(run_status("pgrep -x cron"), ("512\n".into(), 0));
        assert_eq!(run_status("pgrep -l rsyslog"), ("531 rsyslogd\n".into(), 0));
        assert_eq!(
            run_status("pgrep -a cron"),
            ("512 /usr/sbin/cron -f -P\n".into(), 0)
        );
        assert_eq!(run_status("pgrep -c nosuch"), ("0\n".into(), 1));
        assert_eq!(run_status("pgrep nosuch"), (String::new(), 1));
        assert_eq!(
            run_status("pgrep"),
            (
                "pgrep: no matching criteria specified\nTry `pgrep --help' for more information.\n"
                    .into(),
                2
            )
        );
        assert_eq!(run_status("pidof cron"), ("512\n".into(), 0));
        assert_eq!(run_status("pidof rsyslogd cron"), ("531 512\n".into(), 0));
        assert_eq!(run_status("pidof nosuch"), (String::new(), 1));
        assert_eq!(
            run_status("pgrep -V"),
            ("pgrep from procps-ng 3.3.17\n".into(), 0)
        );
    }
}
