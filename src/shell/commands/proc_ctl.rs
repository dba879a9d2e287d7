//! `killall` (psmisc) and `pkill` (procps-ng) on the profile's process table. Signals are
//! never delivered: a matching process "is killed" silently and keeps running.

use super::{Command, CommandCtx, usr_bin};

/// Whether a process named `name` runs on the host (its `comm`, or the program of its
/// command line).
fn running(cx: &CommandCtx<'_>, name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    cx.host.services.iter().any(|s| {
        s.comm == base
            || s.args
                .split_whitespace()
                .next()
                .and_then(|p| p.rsplit('/').next())
                == Some(base)
    }) || ["bash", "sshd", "systemd"].contains(&base)
}

/// `killall`.
pub struct Killall;

const KILLALL_USAGE: &str = "Usage: killall [OPTION]... [--] NAME...\n       killall -l, --list\n       killall -V, --version\n\n  -e,--exact          require exact match for very long names\n  -I,--ignore-case    case insensitive process name match\n  -g,--process-group  kill process group instead of process\n  -y,--younger-than   kill processes younger than TIME\n  -o,--older-than     kill processes older than TIME\n  -i,--interactive    ask for confirmation before killing\n  -l,--list           list all known signal names\n  -q,--quiet          don't print complaints\n  -r,--regexp         interpret NAME as an extended regular expression\n  -s,--signal SIGNAL  send this signal instead of SIGTERM\n  -u,--user USER      kill only process(es) running as USER\n  -v,--verbose        report if the signal was successfully sent\n  -V,--version        display version information\n  -w,--wait           wait for processes to die\n  -n,--ns PID         match processes that belong to the same namespaces\n                      as PID\n  -Z,--context REGEXP kill only process(es) having context\n                      (must precede other arguments)\n\n";

impl Command for Killall {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("killall")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let quiet = argv.iter().skip(1).any(|a| a == "-q" || a == "--quiet");
        let names: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        if names.is_empty() {
            cx.err(KILLALL_USAGE);
            return 1;
        }
        let mut status = 0;
        for name in names {
            if !running(cx, name) {
                if !quiet {
                    cx.err(format!("{name}: no process found\n"));
                }
                status = 1;
            }
        }
        status
    }
}

/// `pkill`.
pub struct Pkill;

impl Command for Pkill {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("pkill")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let names: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let Some(name) = names.first() else {
            cx.err(
                "pkill: no matching criteria specified\nTry `pkill --help' for more information.\n",
            );
            return 2;
        };
        let found = cx
            .host
            .services
            .iter()
            .any(|s| s.comm.contains(name.as_str()))
            || ["bash", "sshd", "systemd"]
                .iter()
                .any(|p| p.contains(name.as_str()));
        if found { 0 } else { 1 }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from psmisc 23.6 `killall` and procps-ng 4.0 `pkill`.

    use crate::shell::commands::testing::run_status;

    #[test]
    fn like_psmisc_and_procps() {
        assert_eq!(
            run_status("killall nosuchproc"),
            ("nosuchproc: no process found\n".into(), 1)
        );
        assert_eq!(run_status("killall -9 sshd"), (String::new(), 0));
        assert_eq!(run_status("pkill nosuchproc"), (String::new(), 1));
        assert_eq!(
            run_status("pkill"),
            (
                "pkill: no matching criteria specified\nTry `pkill --help' for more information.\n"
                    .into(),
                2
            )
        );
        assert!(
            run_status("killall")
                .0
                .starts_with("Usage: killall [OPTION]... [--] NAME...\n")
        );
    }
}
