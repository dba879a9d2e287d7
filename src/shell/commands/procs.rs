//! Processes: `ps` and `top` (procps-ng).
//!
//! The process table is the profile's kernel threads and daemons plus the attacker's own
//! session: sshd's process for the login, the login shell on the session's terminal, and the
//! command being run, with PIDs that grow with the time since boot. Columns are laid out the
//! way procps does it: PID columns as wide as `pid_max` (4194304 on Ubuntu, so 7), user names
//! longer than the column cut with `+`, overflowing numbers pushing the next column right.

mod table;
mod top;

use std::borrow::Cow;

use chrono::{DateTime, Timelike, Utc};

use super::toolkit::{month, procps_version, short_name};
use super::{Command, CommandCtx, usr_bin};

pub(crate) use table::process_table;
pub use top::Top;

/// One process as the tools show it. Its texts borrow from the host profile where they can:
/// a table holds some hundred rows, built for every `ps`, `top`, `pgrep` and `ss -p`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Proc<'a> {
    pub pid: u32,
    pub ppid: u32,
    pub user: Cow<'a, str>,
    pub uid: u32,
    pub tty: Cow<'a, str>,
    pub stat: Cow<'a, str>,
    pub vsz: u64,
    pub rss: u64,
    pub shr: u64,
    pub nice: i32,
    pub start: DateTime<Utc>,
    /// CPU time in hundredths of a second.
    pub cpu_centis: u64,
    /// `comm` (at most 15 bytes).
    pub comm: Cow<'a, str>,
    /// The command line (`[name]` for kernel threads).
    pub args: Cow<'a, str>,
    pub kernel: bool,
}

/// How a column aligns, as procps' `CF_*` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Just {
    Right,
    Left,
    User,
    Unlimited,
}

/// A `ps` output column: header, width, alignment and how a process fills it.
struct Column {
    header: &'static str,
    width: usize,
    just: Just,
    cell: for<'p> fn(&'p Proc<'_>, &Ctx) -> Cow<'p, str>,
}

/// What cells need beyond the process.
struct Ctx {
    now: DateTime<Utc>,
    mem_total: u64,
}

/// procps' `show_one_proc`: pads and shifts cells exactly as it does when a cell overflows.
fn render_row<S: AsRef<str>>(cells: &[(S, usize, Just)]) -> String {
    let (mut correct, mut actual, mut dospace) = (0usize, 0usize, false);
    let mut out = String::with_capacity(cells.iter().map(|c| c.0.as_ref().len() + c.1 + 1).sum());
    for (i, (text, width, just)) in cells.iter().enumerate() {
        let text = text.as_ref();
        let last = i + 1 == cells.len();
        let mut amount = text.chars().count();
        // An overflowing user name is cut to its width, its last character a `+`.
        let cut = (*just == Just::User && !last && amount > *width).then(|| {
            let keep = width.saturating_sub(1);
            amount = keep + 1;
            keep
        });
        let leftpad = match just {
            Just::Right => width.saturating_sub(amount),
            _ => 0,
        };
        let mut space = (correct + leftpad).saturating_sub(actual);
        if correct + leftpad < actual + 1 {
            space = usize::from(dospace);
        }
        out.extend(std::iter::repeat_n(' ', space));
        match cut {
            Some(keep) => {
                out.extend(text.chars().take(keep));
                out.push('+');
            }
            None => out.push_str(text),
        }
        if last {
            break;
        }
        actual += space + amount;
        correct += width + 1;
        dospace = true;
    }
    out.push('\n');
    out
}

fn pct1(per_mille: u64) -> String {
    format!("{}.{}", per_mille / 10, per_mille % 10)
}

/// `STIME`/`START`: time today, `MmmDD` this year, else the year.
fn stime(start: DateTime<Utc>, now: DateTime<Utc>) -> String {
    use chrono::Datelike;
    if start.year() != now.year() {
        start.year().to_string()
    } else if start.ordinal() != now.ordinal() {
        format!("{}{:02}", month(start), start.day())
    } else {
        format!("{:02}:{:02}", start.hour(), start.minute())
    }
}

fn pcpu_per_mille(p: &Proc<'_>, now: DateTime<Utc>) -> u64 {
    let elapsed = (now - p.start).num_seconds().max(1) as u64;
    (p.cpu_centis * 10 / elapsed).min(999)
}

const COL_PID: Column = Column {
    header: "PID",
    width: 7,
    just: Just::Right,
    cell: |p, _| p.pid.to_string().into(),
};
const COL_PPID: Column = Column {
    header: "PPID",
    width: 7,
    just: Just::Right,
    cell: |p, _| p.ppid.to_string().into(),
};
const COL_UID: Column = Column {
    header: "UID",
    width: 8,
    just: Just::User,
    cell: |p, _| Cow::Borrowed(&p.user),
};
const COL_USER: Column = Column {
    header: "USER",
    width: 8,
    just: Just::User,
    cell: |p, _| Cow::Borrowed(&p.user),
};
const COL_C: Column = Column {
    header: "C",
    width: 2,
    just: Just::Right,
    cell: |p, c| (pcpu_per_mille(p, c.now) / 10).to_string().into(),
};
const COL_STIME: Column = Column {
    header: "STIME",
    width: 5,
    just: Just::Right,
    cell: |p, c| stime(p.start, c.now).into(),
};
const COL_START: Column = Column {
    header: "START",
    width: 5,
    just: Just::Right,
    cell: |p, c| stime(p.start, c.now).into(),
};
const COL_TTY: Column = Column {
    header: "TTY",
    width: 8,
    just: Just::Left,
    cell: |p, _| Cow::Borrowed(&p.tty),
};
const COL_TIME: Column = Column {
    header: "TIME",
    width: 8,
    just: Just::Right,
    cell: |p, _| {
        let s = p.cpu_centis / 100;
        let (d, h, m, s) = (s / 86_400, (s / 3_600) % 24, (s / 60) % 60, s % 60);
        if d > 0 {
            format!("{d}-{h:02}:{m:02}:{s:02}").into()
        } else {
            format!("{h:02}:{m:02}:{s:02}").into()
        }
    },
};
const COL_BSDTIME: Column = Column {
    header: "TIME",
    width: 6,
    just: Just::Right,
    cell: |p, _| format!("{}:{:02}", p.cpu_centis / 6_000, (p.cpu_centis / 100) % 60).into(),
};
const COL_STAT: Column = Column {
    header: "STAT",
    width: 4,
    just: Just::Left,
    cell: |p, _| Cow::Borrowed(&p.stat),
};
const COL_PCPU: Column = Column {
    header: "%CPU",
    width: 4,
    just: Just::Right,
    cell: |p, c| pct1(pcpu_per_mille(p, c.now)).into(),
};
const COL_PMEM: Column = Column {
    header: "%MEM",
    width: 4,
    just: Just::Right,
    cell: |p, c| pct1(p.rss * 1000 / c.mem_total.max(1)).into(),
};
const COL_VSZ: Column = Column {
    header: "VSZ",
    width: 6,
    just: Just::Right,
    cell: |p, _| p.vsz.to_string().into(),
};
const COL_RSS: Column = Column {
    header: "RSS",
    width: 5,
    just: Just::Right,
    cell: |p, _| p.rss.to_string().into(),
};
const COL_ARGS: Column = Column {
    header: "COMMAND",
    width: 27,
    just: Just::Unlimited,
    cell: |p, _| Cow::Borrowed(&p.args),
};
const COL_CMD: Column = Column {
    header: "CMD",
    width: 27,
    just: Just::Unlimited,
    cell: |p, _| Cow::Borrowed(&p.args),
};
const COL_COMM: Column = Column {
    header: "CMD",
    width: 15,
    just: Just::Unlimited,
    cell: |p, _| Cow::Borrowed(&p.comm),
};

/// `ps`: a snapshot of the current processes.
pub struct Ps;

/// Which processes `ps` selects.
#[derive(Debug, Default, Clone, Copy)]
struct Selection {
    all: bool,
    bsd_a: bool,
    bsd_x: bool,
}

impl Command for Ps {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("ps")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "ps");
        let args = argv.get(1..).unwrap_or_default();
        // procps' `arg_parse`: when the options make no sense as SysV ones, it resets and
        // parses them all again as BSD options (`ps -aux` is `ps aux`, `ps -x` is `ps x`),
        // and only when that fails too does it report the first error.
        let opts = match parse_options(cx, &prog, args, false) {
            Ok(opts) => opts,
            Err(Parse::Done(status)) => return status,
            Err(Parse::Bad(first)) => match parse_options(cx, &prog, args, true) {
                Ok(opts) => opts,
                Err(Parse::Done(status)) => return status,
                Err(Parse::Bad(_)) => {
                    cx.err(format!("error: {first}\n{}", usage(&prog)));
                    return 1;
                }
            },
        };
        let Opts {
            sel,
            full,
            user_fmt,
            bsd,
            no_header,
            wide,
            users,
            pids,
        } = opts;
        let now = cx.now();
        let procs = process_table(cx, argv);
        let me = cx.host.session_account(&cx.state.user);
        let my_tty = if cx.state.tty.is_empty() {
            "?".to_owned()
        } else {
            cx.state.tty.clone()
        };
        let selected: Vec<&Proc<'_>> = procs
            .iter()
            .filter(|p| {
                if !pids.is_empty() {
                    return pids.contains(&p.pid);
                }
                if !users.is_empty() {
                    return users
                        .iter()
                        .any(|u| *u == p.user || u.parse::<u32>().ok() == Some(p.uid));
                }
                if sel.all || (sel.bsd_a && sel.bsd_x) {
                    return true;
                }
                if sel.bsd_a {
                    return p.tty != "?";
                }
                if sel.bsd_x {
                    return p.uid == me.uid;
                }
                p.uid == me.uid && p.tty == my_tty
            })
            .collect();
        let columns: Vec<&Column> = if user_fmt {
            vec![
                &COL_USER,
                &COL_PID,
                &COL_PCPU,
                &COL_PMEM,
                &COL_VSZ,
                &COL_RSS,
                &COL_TTY,
                &COL_STAT,
                &COL_START,
                &COL_BSDTIME,
                &COL_ARGS,
            ]
        } else if bsd {
            vec![&COL_PID, &COL_TTY, &COL_STAT, &COL_BSDTIME, &COL_ARGS]
        } else if full {
            vec![
                &COL_UID, &COL_PID, &COL_PPID, &COL_C, &COL_STIME, &COL_TTY, &COL_TIME, &COL_CMD,
            ]
        } else {
            vec![&COL_PID, &COL_TTY, &COL_TIME, &COL_COMM]
        };
        let ctx = Ctx {
            now,
            mem_total: cx.host.memory.total_kb,
        };
        // On a terminal ps cuts lines at its width (132 with `w`, unlimited with `ww`).
        let limit = match (cx.terminal(), wide) {
            (Some(columns), 0) => Some(usize::from(columns)),
            (Some(columns), 1) => Some(usize::from(columns).max(132)),
            _ => None,
        };
        let push = |out: &mut String, row: String| match limit {
            Some(limit) => {
                for line in row.lines() {
                    out.extend(line.chars().take(limit));
                    out.push('\n');
                }
            }
            None => out.push_str(&row),
        };
        let mut out = String::new();
        if !no_header {
            let cells: Vec<(&str, usize, Just)> = columns
                .iter()
                .map(|c| (c.header, c.width, c.just))
                .collect();
            push(&mut out, render_row(&cells));
        }
        let mut cells: Vec<(Cow<'_, str>, usize, Just)> = Vec::with_capacity(columns.len());
        for p in &selected {
            cells.clear();
            cells.extend(columns.iter().map(|c| ((c.cell)(p, &ctx), c.width, c.just)));
            push(&mut out, render_row(&cells));
        }
        cx.out(out);
        i32::from(selected.is_empty())
    }
}

/// The options `ps` was given, once parsed.
#[derive(Debug, Default)]
struct Opts {
    sel: Selection,
    full: bool,
    user_fmt: bool,
    bsd: bool,
    no_header: bool,
    wide: u32,
    users: Vec<String>,
    pids: Vec<u32>,
}

/// Why parsing stopped: a text was printed (`--help`, `--version`) and `ps` ends with this
/// status, or the options are bad for this syntax (procps' error text).
enum Parse {
    Done(i32),
    Bad(&'static str),
}

/// The usage text procps prints after an error and for `--help`.
fn usage(prog: &str) -> String {
    format!(
        "\nUsage:\n {prog} [options]\n\n Try '{prog} --help <simple|list|output|threads|misc|all>'\n  or '{prog} --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n"
    )
}

/// Parses `args` as procps' `parse_all_options` does; with `force_bsd`, dashed options are
/// read as BSD ones (its second pass).
fn parse_options(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    args: &[String],
    force_bsd: bool,
) -> Result<Opts, Parse> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if let Some(long) = arg.strip_prefix("--") {
            match long.split('=').next().unwrap_or("") {
                "help" => {
                    cx.out(usage(prog));
                    return Err(Parse::Done(0));
                }
                "version" => {
                    let text = procps_version(cx, prog);
                    cx.out(text);
                    return Err(Parse::Done(0));
                }
                "no-headers" | "no-heading" => o.no_header = true,
                "sort" | "forest" | "cols" | "columns" | "width" | "lines" | "rows" => {}
                _ => return Err(Parse::Bad("unknown gnu long option")),
            }
        } else if let Some(flags) = arg.strip_prefix('-').filter(|_| !force_bsd) {
            let mut chars = flags.chars();
            while let Some(c) = chars.next() {
                match c {
                    'e' | 'A' => o.sel.all = true,
                    'f' | 'F' | 'l' => o.full = true,
                    'w' => o.wide += 1,
                    'a' | 'd' | 'N' | 'j' | 'H' | 'L' | 'T' | 'M' | 'y' | 'c' => {}
                    'u' | 'U' | 'p' | 'q' | 'o' | 'O' | 't' | 'C' | 'G' | 'g' | 's' => {
                        // The list is the rest of this argument or the next one.
                        let rest: String = chars.collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else if c == 'p' || c == 'q' {
                            return Err(Parse::Bad("list of process IDs must follow -p"));
                        } else {
                            return Err(Parse::Bad("list of users must follow -u"));
                        };
                        match c {
                            'u' | 'U' => {
                                for user in value.split(',') {
                                    let known = user.parse::<u32>().is_ok()
                                        || cx.fs.accounts().user(user).is_some();
                                    if !known {
                                        return Err(Parse::Bad("user name does not exist"));
                                    }
                                    o.users.push(user.to_owned());
                                }
                            }
                            'p' | 'q' => {
                                for pid in value.split(',') {
                                    match pid.parse::<u32>() {
                                        Ok(pid) => o.pids.push(pid),
                                        Err(_) => {
                                            return Err(Parse::Bad("process ID list syntax error"));
                                        }
                                    }
                                }
                            }
                            _ => {}
                        }
                        break;
                    }
                    _ => return Err(Parse::Bad("unsupported SysV option")),
                }
            }
        } else {
            let flags = arg.strip_prefix('-').unwrap_or(arg);
            if !flags.is_empty() && flags.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(pid) = flags.parse() {
                    o.pids.push(pid);
                }
                continue;
            }
            o.bsd = true;
            for c in flags.chars() {
                match c {
                    'a' => o.sel.bsd_a = true,
                    'x' => o.sel.bsd_x = true,
                    'u' => o.user_fmt = true,
                    'w' => o.wide += 1,
                    'h' => o.no_header = true,
                    'e' | 'f' | 'c' | 'S' | 'm' | 'n' | 'r' | 'v' | 'j' | 'l' | 's' | 'X' | 'L' => {
                    }
                    _ => return Err(Parse::Bad("unsupported option (BSD syntax)")),
                }
            }
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests;
