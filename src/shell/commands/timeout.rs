//! `timeout` (GNU coreutils): runs a program with a time limit. Emulated programs finish at
//! once, so only `sleep` can outlast the limit; then timeout answers as if it had killed it.

use super::coreutils_help::{self, usage};
use super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::runners::{CANCELED, program, run_with_env};
use super::{Command, CommandCtx, try_help, usr_bin};

/// `timeout`: runs the command under a time limit.
pub struct Timeout;

impl Command for Timeout {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("timeout")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('k', "kill-after", Arg::Required),
            ('s', "signal", Arg::Required),
            ('v', "verbose", Arg::No),
            ('\0', "foreground", Arg::No),
            ('\0', "preserve-status", Arg::No),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "timeout").to_owned();
        let (opts, operands) = match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, true)
        {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(&prog));
                return CANCELED;
            }
        };
        let (mut signal, mut verbose, mut preserve) = (None, false, false);
        for opt in opts {
            match opt.key.as_str() {
                "verbose" => verbose = true,
                "preserve-status" => preserve = true,
                "help" => {
                    cx.out(usage(cx, &prog, "timeout", coreutils_help::TIMEOUT));
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("timeout", "Padraig Brady");
                    cx.out(text);
                    return 0;
                }
                "kill-after" => {
                    let value = opt.value.unwrap_or_default();
                    if !valid_duration(&value) {
                        return self.bad_interval(cx, &prog, &value);
                    }
                }
                "signal" => {
                    let value = opt.value.unwrap_or_default();
                    if !valid_signal(&value) {
                        let text = format!("{prog}: {}: invalid signal\n", cx.quote(&value));
                        cx.err(text + &try_help(&prog));
                        return CANCELED;
                    }
                    let name = value.strip_prefix("SIG").unwrap_or(&value).to_owned();
                    signal = Some(match name.parse::<i32>() {
                        Ok(n) => SIGNALS
                            .iter()
                            .find(|(_, number)| *number == n)
                            .map_or(name.clone(), |(s, _)| (*s).to_owned()),
                        Err(_) => name,
                    });
                }
                _ => {}
            }
        }
        if operands.len() < 2 {
            cx.err(try_help(&prog));
            return CANCELED;
        }
        if !valid_duration(&operands[0]) {
            return self.bad_interval(cx, &prog, &operands[0]);
        }
        let command = &operands[1..];
        let limit = seconds(&operands[0]).unwrap_or(0.0);
        // Emulated commands finish at once, except `sleep`, which would outlast the limit.
        let sleeps =
            command[0].rsplit('/').next() == Some("sleep") && program(&command[0]).is_some();
        let slept: f64 = command[1..].iter().filter_map(|a| seconds(a)).sum();
        let status = run_with_env(cx, command, cx.state.env.clone());
        if status == Some(0) && sleeps && limit > 0.0 && slept > limit {
            let signal = signal.unwrap_or_else(|| "TERM".to_owned());
            if verbose {
                let text = format!(
                    "{prog}: sending signal {signal} to command {}\n",
                    cx.quote(&command[0])
                );
                cx.err(text);
            }
            let number = signal_number(&signal);
            return if preserve {
                128 + number
            } else if number == 9 {
                137
            } else {
                124
            };
        }
        match status {
            Some(status) => status,
            None => {
                let text = format!(
                    "{prog}: failed to run command {}: No such file or directory\n",
                    cx.quote(&command[0])
                );
                cx.err(text);
                127
            }
        }
    }
}

impl Timeout {
    fn bad_interval(&self, cx: &mut CommandCtx<'_>, prog: &str, value: &str) -> i32 {
        let text = format!("{prog}: invalid time interval {}\n", cx.quote(value));
        cx.err(text + &try_help(prog));
        CANCELED
    }
}

/// A `timeout` duration: a non-negative number with an optional `s`, `m`, `h` or `d`.
fn valid_duration(text: &str) -> bool {
    seconds(text).is_some()
}

/// A duration (`1.5`, `2m`, `1d`) in seconds.
fn seconds(text: &str) -> Option<f64> {
    let (number, unit) = match text.strip_suffix(['s', 'm', 'h', 'd']) {
        Some(number) => (number, text.chars().last().unwrap_or('s')),
        None => (text, 's'),
    };
    if number.is_empty() || number.starts_with(['+', '-']) {
        return None;
    }
    let value = number
        .parse::<f64>()
        .ok()
        .filter(|v| *v >= 0.0 && v.is_finite())?;
    let scale = match unit {
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86400.0,
        _ => 1.0,
    };
    Some(value * scale)
}

/// Signal names and numbers (x86-64 Linux) for `timeout -s`.
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
];

/// The number of signal `name` (TERM when unknown).
fn signal_number(name: &str) -> i32 {
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(15, |(_, number)| *number)
}

/// A signal as `timeout -s` takes it: a number up to 64, or a name with or without `SIG`.
fn valid_signal(text: &str) -> bool {
    const NAMES: &[&str] = &[
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV",
        "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CLD", "CONT", "STOP", "TSTP", "TTIN",
        "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS",
    ];
    if let Ok(n) = text.parse::<u32>() {
        return n <= 64;
    }
    let name = text.strip_prefix("SIG").unwrap_or(text);
    NAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    //! Expected texts from coreutils 8.32's `timeout.c` and the real tool's statuses.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn timeout_runs_the_command() {
        assert_eq!(run_status("timeout 5 echo hi"), ("hi\n".into(), 0));
        assert_eq!(run_status("timeout -s KILL 1m false"), (String::new(), 1));
        assert_eq!(run_status("timeout 10 date -u +%Y"), ("2024\n".into(), 0));
        assert_eq!(
            run_status("timeout"),
            ("Try 'timeout --help' for more information.\n".into(), 125)
        );
        assert_eq!(
            run_status("timeout x echo"),
            (
                "timeout: invalid time interval \u{2018}x\u{2019}\nTry 'timeout --help' for more information.\n"
                    .into(),
                125
            )
        );
        assert_eq!(
            run_status("timeout 1 nosuch"),
            (
                "timeout: failed to run command \u{2018}nosuch\u{2019}: No such file or directory\n"
                    .into(),
                127
            )
        );
        assert_eq!(run_status("timeout 1 sleep 5"), (String::new(), 124));
        assert_eq!(run_status("timeout 10 sleep 5"), (String::new(), 0));
        assert_eq!(
            run_status("timeout -s KILL 1 sleep 1m"),
            (String::new(), 137)
        );
        assert_eq!(
            run_status("timeout --preserve-status 1 sleep 2"),
            (String::new(), 143)
        );
        assert_eq!(
            run_status("timeout -v 1 sleep 2"),
            (
                "timeout: sending signal TERM to command \u{2018}sleep\u{2019}\n".into(),
                124
            )
        );
        assert!(run("timeout --help").starts_with(
            "Usage: timeout [OPTION] DURATION COMMAND [ARG]...\n  or:  timeout [OPTION]\n"
        ));
    }
}
