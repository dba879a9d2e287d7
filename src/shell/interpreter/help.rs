//! Bash's self-description builtins: `help` (the builtin list and a few builtins' pages, in
//! bash 5.1.16's words for an 80-column terminal), `enable` (every builtin is enabled) and
//! `fc -l` (history listing).

use crate::shell::state::ShellState;

/// `help` without arguments, as bash 5.1.16 prints it 80 columns wide.
const LIST: &str = include_str!("help_list.txt");

/// `help NAME` pages, each after a `@@ NAME` line.
const TOPICS: &str = include_str!("help_topics.txt");

/// The most entries `fc -l` lists without a range (bash's default).
const FC_DEFAULT: usize = 16;

/// What a builtin printed and its status.
pub(super) struct Said {
    /// Standard output.
    pub out: String,
    /// Standard error, `-bash: ` prefix included.
    pub err: String,
    /// Exit status.
    pub status: i32,
}

impl Said {
    fn out(out: String) -> Said {
        Said {
            out,
            err: String::new(),
            status: 0,
        }
    }

    fn err(err: String, status: i32) -> Said {
        Said {
            out: String::new(),
            err,
            status,
        }
    }
}

/// The pages `help` has, in order: (name, text).
fn topics() -> impl Iterator<Item = (&'static str, &'static str)> {
    TOPICS.split("@@ ").filter(|t| !t.is_empty()).map(|topic| {
        let (name, text) = topic.split_once('\n').unwrap_or((topic, ""));
        (name, text)
    })
}

/// `help [-dms] [pattern …]`; `machine` is the host's (`x86_64`) for the version line.
pub(super) fn help(args: &[String], machine: &str) -> Said {
    const USAGE: &str = "help: usage: help [-dms] [pattern ...]\n";
    let mut short = false;
    let mut describe = false;
    let mut patterns = Vec::new();
    for arg in args {
        match arg.strip_prefix('-') {
            Some("-") if patterns.is_empty() => {}
            Some(flags) if !flags.is_empty() && patterns.is_empty() => {
                for c in flags.chars() {
                    match c {
                        's' => short = true,
                        'd' => describe = true,
                        'm' => {}
                        other => {
                            return Said::err(
                                format!("-bash: help: -{other}: invalid option\n{USAGE}"),
                                2,
                            );
                        }
                    }
                }
            }
            _ => patterns.push(arg.as_str()),
        }
    }
    if patterns.is_empty() {
        let machtype = format!("{machine}-pc-linux-gnu");
        return Said::out(LIST.replacen("x86_64-pc-linux-gnu", &machtype, 1));
    }
    let mut out = String::new();
    let mut missing = None;
    for pattern in patterns {
        let mut found = false;
        // Bash matches a plain word as a prefix of builtin names (`help e`).
        for (name, text) in topics().filter(|(name, _)| name.starts_with(pattern)) {
            found = true;
            let mut lines = text.lines();
            let synopsis = lines.next().unwrap_or("");
            let summary = lines.next().unwrap_or("").trim();
            if short {
                out.push_str(&format!("{synopsis}\n"));
            } else if describe {
                out.push_str(&format!("{name} - {summary}\n"));
            } else {
                out.push_str(text);
            }
        }
        if !found {
            missing = Some(pattern);
        }
    }
    match missing {
        Some(pattern) if out.is_empty() => Said::err(
            format!(
                "-bash: help: no help topics match `{pattern}'.  Try `help help' or `man -k {pattern}' or `info {pattern}'.\n"
            ),
            1,
        ),
        _ => Said::out(out),
    }
}

/// `enable [-a] [-p] [-n] [name …]`: every builtin is enabled; listing prints them.
pub(super) fn enable(args: &[String], builtins: &[&str]) -> Said {
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !names.is_empty() {
        // Turning builtins on or off changes nothing an attacker could see here.
        let unknown = names.iter().find(|n| !builtins.contains(&n.as_str()));
        return match unknown {
            Some(name) => Said::err(format!("-bash: enable: {name}: not a shell builtin\n"), 1),
            None => Said::out(String::new()),
        };
    }
    if args.iter().any(|a| a.contains('n') && a.starts_with('-')) {
        // `enable -n`: lists disabled builtins, and none are.
        return Said::out(String::new());
    }
    Said::out(builtins.iter().map(|b| format!("enable {b}\n")).collect())
}

/// An `fc` history specification: a number (negative: counted back), or the newest entry
/// starting with the text.
fn spec(text: &str, state: &ShellState) -> Option<i64> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let index = state
        .history
        .iter()
        .rev()
        .skip(1)
        .position(|entry| entry.starts_with(text))?;
    let number = state.history_base + state.history.len() - 1 - index;
    i64::try_from(number).ok()
}

/// `fc -l [-nr] [first [last]]`: history with numbers, the `fc` line itself left out. Other
/// forms would open an editor or re-run commands: they do nothing.
pub(super) fn fc(state: &ShellState, args: &[String]) -> Said {
    let mut list = false;
    let mut numbers = true;
    let mut reverse = false;
    let mut range: Vec<&str> = Vec::new();
    for arg in args {
        let flag = arg
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && !f.starts_with(|c: char| c.is_ascii_digit()));
        match flag {
            Some(flags) if range.is_empty() => {
                for c in flags.chars() {
                    match c {
                        'l' => list = true,
                        'n' => numbers = false,
                        'r' => reverse = true,
                        'e' | 's' => {}
                        other => {
                            return Said::err(
                                format!(
                                    "-bash: fc: -{other}: invalid option\nfc: usage: fc [-e ename] [-lnr] [first] [last] or fc -s [pat=rep] [command]\n"
                                ),
                                2,
                            );
                        }
                    }
                }
            }
            _ => range.push(arg.as_str()),
        }
    }
    if !list {
        return Said::out(String::new());
    }
    // The line running `fc` is the newest entry: bash leaves it out unless a positive
    // `first` asks for a range running up to now.
    let base = state.history_base;
    let current = base + state.history.len();
    let before = current.saturating_sub(1).max(base);
    let (first, last) = match range.first() {
        None => (before.saturating_sub(FC_DEFAULT - 1).max(base + 1), before),
        Some(text) => {
            let Some(n) = spec(text, state) else {
                return Said::err("-bash: fc: no command found\n".to_owned(), 1);
            };
            let first = match n {
                n if n < 0 => (before as i64 + 1 + n).max(base as i64 + 1) as usize,
                n if n as usize > current || (n as usize) <= base => base + 1,
                n => n as usize,
            };
            let last = match range.get(1).map(|t| spec(t, state)) {
                None if n > base as i64 && n <= current as i64 => current,
                None => before,
                Some(Some(m)) if m < 0 => (before as i64 + 1 + m).max(base as i64 + 1) as usize,
                Some(Some(m)) => (m as usize).clamp(base + 1, current.max(base + 1)),
                Some(None) => return Said::err("-bash: fc: no command found\n".to_owned(), 1),
            };
            (first, last)
        }
    };
    let (low, high, backwards) = if first <= last {
        (first, last, reverse)
    } else {
        (last, first, !reverse)
    };
    let mut lines: Vec<String> = (low..=high)
        .filter_map(|n| {
            let entry = state.history.get(n.checked_sub(base + 1)?)?;
            Some(if numbers {
                format!("{n}\t {entry}\n")
            } else {
                format!("\t {entry}\n")
            })
        })
        .collect();
    if backwards {
        lines.reverse();
    }
    Said::out(lines.concat())
}
