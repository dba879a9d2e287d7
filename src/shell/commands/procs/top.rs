//! `top`: one frame of the process viewer.
//!
//! `top -b -n 1` prints exactly what procps prints in batch mode for one frame, 79 columns
//! wide as without a terminal. Interactive `top` would take over the terminal until `q`; the
//! fake one prints the same single frame and returns, which is what bots that run `top` and
//! read its first screen see.

use std::fmt::Write as _;

use super::super::sessions::{uptime_line, users_on};
use super::super::toolkit::{parse, procps_usage, procps_version, short_name};
use super::super::{Command, CommandCtx, usr_bin};
use super::{Proc, process_table};

/// `top`.
pub struct Top;

/// The screen width top uses without a terminal or terminal type (`columns` less the last
/// cell).
const COLS: usize = 79;

impl Command for Top {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("top")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "top");
        let table = [
            ('b', "batch-mode", false),
            ('c', "cmdline-toggle", false),
            ('d', "delay", true),
            ('E', "scale-summary-mem", true),
            ('e', "scale-task-mem", true),
            ('H', "threads-show", false),
            ('i', "idle-toggle", false),
            ('n', "iterations", true),
            ('O', "list-fields", false),
            ('o', "sort-override", true),
            ('p', "pid", true),
            ('S', "accum-time-toggle", false),
            ('s', "secure-mode", false),
            ('U', "filter-any-user", true),
            ('u', "filter-only-euser", true),
            ('w', "width", true),
            ('1', "single-cpu-toggle", false),
            ('h', "help", false),
            ('v', "version", false),
        ];
        let v4 = cx.host.release().procps.starts_with('4');
        let (opts, _) = match parse(&prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                let usage = format!(
                    "{message}\nUsage:\n  {prog} -hv | -bcEeHiOSs1 -d secs -n max -u|U user -p pid(s) -o field -w [cols]\n"
                );
                cx.err(usage);
                return 1;
            }
        };
        let mut cmdline = false;
        // The terminal's width; without one, terminfo's 80 columns (one fewer for a terminal
        // type top cannot write the last column of, as when TERM is unset).
        let mut width = match cx.terminal() {
            Some(columns) => usize::from(columns),
            None if cx
                .state
                .var("TERM")
                .is_some_and(|t| !t.is_empty() && t != "dumb") =>
            {
                80
            }
            None => COLS,
        };
        let mut only_user: Option<String> = None;
        for opt in &opts {
            match opt.name {
                "help" => {
                    let text = if v4 {
                        procps_usage(
                            &prog,
                            "[options]",
                            " -b, --batch-mode                run in non-interactive batch mode\n",
                            "top(1)",
                        )
                    } else {
                        format!(
                            "  {prog} -hv | -bcEeHiOSs1 -d secs -n max -u|U user -p pid(s) -o field -w [cols]\n"
                        )
                    };
                    cx.out(text);
                    return 0;
                }
                "version" => {
                    let text = if v4 {
                        procps_version(cx, &prog)
                    } else {
                        format!("  {} from procps-ng {}\n", prog, cx.host.release().procps)
                    };
                    cx.out(text);
                    return 0;
                }
                "cmdline-toggle" => cmdline = true,
                "width" => {
                    width = opt
                        .value
                        .as_deref()
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(COLS)
                        .clamp(80, 512);
                }
                "filter-only-euser" | "filter-any-user" => only_user = opt.value.clone(),
                _ => {}
            }
        }
        let frame = frame(cx, argv, cmdline, width, only_user.as_deref());
        cx.out(frame);
        0
    }
}

/// top's `PR`: 20 + nice, `rt` for real-time threads; right-aligned in 3 columns.
fn push_priority(out: &mut String, p: &Proc<'_>) {
    if p.kernel && p.comm.starts_with("migration/") {
        out.push_str(" rt");
    } else if p.kernel && p.comm.starts_with("idle_inject/") {
        out.push_str("-51");
    } else {
        push_int(out, i64::from(20 + p.nice), 3);
    }
}

/// A KiB amount in top's task columns, right-aligned in `width`: plain, or scaled to `m`/`g`
/// when it does not fit.
fn push_mem(out: &mut String, kb: u64, width: usize) {
    let mut digits = Digits::default();
    if digits.of(kb).len() <= width {
        push_right(out, digits.of(kb), width);
        return;
    }
    let mb = kb as f64 / 1024.0;
    let text = format!("{mb:.1}m");
    if text.len() <= width {
        push_right(out, &text, width);
    } else {
        push_right(out, &format!("{:.1}g", mb / 1024.0), width);
    }
}

/// One task row of the frame, as `{:>7} {user:<8} {:>3} {:>3} {:>7} {:>6} {:>6} {state}
/// {pcpu:>5.1} {pmem:>5.1} {time:>9} {name}` writes it, written by hand: a frame has a few
/// hundred rows and the formatting machinery was most of `top`'s time.
fn row(
    out: &mut String,
    p: &Proc<'_>,
    own: bool,
    mem_total: u64,
    cmdline: bool,
    command_width: usize,
) {
    push_int(out, i64::from(p.pid), 7);
    out.push(' ');
    let user_chars = p.user.chars().count();
    if user_chars > 8 {
        out.extend(p.user.chars().take(7));
        out.push('+');
    } else {
        out.push_str(&p.user);
        push_spaces(out, 8 - user_chars);
    }
    out.push(' ');
    push_priority(out, p);
    out.push(' ');
    push_int(out, i64::from(p.nice), 3);
    out.push(' ');
    push_mem(out, p.vsz, 7);
    out.push(' ');
    push_mem(out, p.rss, 6);
    out.push(' ');
    push_mem(out, p.shr, 6);
    out.push(' ');
    out.push(p.stat.chars().next().unwrap_or('S'));
    // Only top itself shows any %CPU in its first frame.
    out.push_str(if own { "   6.2 " } else { "   0.0 " });
    let pmem = p.rss as f64 * 100.0 / mem_total.max(1) as f64;
    if pmem == 0.0 {
        out.push_str("  0.0");
    } else {
        write!(out, "{pmem:>5.1}").expect("writing to a String cannot fail");
    }
    out.push(' ');
    let centis = p.cpu_centis;
    let mut digits = Digits::default();
    let minutes = digits.of(centis / 6_000);
    push_spaces(out, 9usize.saturating_sub(minutes.len() + 6));
    out.push_str(minutes);
    out.push(':');
    push_two(out, (centis / 100) % 60);
    out.push('.');
    push_two(out, centis % 100);
    out.push(' ');
    let name = if cmdline { &p.args } else { &p.comm };
    if name.chars().count() > command_width {
        out.extend(name.chars().take(command_width - 1));
        out.push('+');
    } else {
        out.push_str(name);
    }
    out.push('\n');
}

/// A stack buffer for an unsigned number's decimal digits.
#[derive(Default)]
struct Digits([u8; 20]);

impl Digits {
    /// `n` in decimal.
    fn of(&mut self, mut n: u64) -> &str {
        let mut at = self.0.len();
        loop {
            at -= 1;
            self.0[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        std::str::from_utf8(&self.0[at..]).expect("ASCII digits")
    }
}

/// `n` right-aligned in `width` columns, as `{:>width}` writes it.
fn push_int(out: &mut String, n: i64, width: usize) {
    let mut digits = Digits::default();
    let text = digits.of(n.unsigned_abs());
    let len = text.len() + usize::from(n < 0);
    push_spaces(out, width.saturating_sub(len));
    if n < 0 {
        out.push('-');
    }
    out.push_str(text);
}

/// ASCII `text` right-aligned in `width` columns.
fn push_right(out: &mut String, text: &str, width: usize) {
    push_spaces(out, width.saturating_sub(text.len()));
    out.push_str(text);
}

/// `n` (below 100) in two digits, as `{:02}` writes it.
fn push_two(out: &mut String, n: u64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `count` spaces.
fn push_spaces(out: &mut String, count: usize) {
    const SPACES: &str = "                ";
    let mut left = count;
    while left > 0 {
        let now = left.min(SPACES.len());
        out.push_str(&SPACES[..now]);
        left -= now;
    }
}

/// One frame of `top -b`.
fn frame(
    cx: &CommandCtx<'_>,
    argv: &[String],
    cmdline: bool,
    width: usize,
    user: Option<&str>,
) -> String {
    let host = cx.host;
    let now = cx.now();
    let v4 = host.release().procps.starts_with('4');
    let procs = process_table(cx, argv);
    let mut out = format!("top -{}\n", uptime_line(host, now, users_on(cx)));
    let total = procs.len();
    out.push_str(&format!(
        "Tasks: {total:3} total, {:3} running, {:3} sleeping, {:3} stopped, {:3} zombie\n",
        1,
        total - 1,
        0,
        0
    ));
    // A quiet machine: a little user and system time, the rest idle.
    let uptime = host.uptime_secs(now);
    let us = ((host.seed ^ uptime) % 4) as f64 * 0.4;
    let sy = ((host.seed.rotate_left(7) ^ (uptime / 3)) % 3) as f64 * 0.4;
    let id = 100.0 - us - sy;
    out.push_str(&format!(
        "%Cpu(s):{us:5.1} us,{sy:5.1} sy,{:5.1} ni,{id:5.1} id,{:5.1} wa,{:5.1} hi,{:5.1} si,{:5.1} st{}\n",
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        if v4 { " " } else { "" }
    ));
    let m = host.memory_at(now);
    let cached = m.cached + m.sreclaimable + m.buffers;
    let used = if v4 {
        m.total.saturating_sub(m.available)
    } else {
        m.total.saturating_sub(m.free + cached)
    };
    let mib = |kb: u64| format!("{:.1} ", kb as f64 / 1024.0);
    out.push_str(&format!(
        "MiB Mem : {:>9}total, {:>9}free, {:>9}used, {:>9}buff/cache{}\n",
        mib(m.total),
        mib(m.free),
        mib(used),
        mib(cached),
        if v4 { "     " } else { "" }
    ));
    out.push_str(&format!(
        "MiB Swap: {:>9}total, {:>9}free, {:>9}used. {:>9}avail Mem \n",
        mib(m.swap_total),
        mib(m.swap_free),
        mib(m.swap_total - m.swap_free),
        mib(m.available)
    ));
    out.push('\n');
    let prefix_width = 71;
    let command_width = width.saturating_sub(prefix_width).max(7);
    out.push_str(
        "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n",
    );
    let own = procs.last().map_or(0, |p| p.pid);
    let mut rows: Vec<&Proc<'_>> = procs
        .iter()
        .filter(|p| user.is_none_or(|u| p.user == u || p.uid.to_string() == u))
        .collect();
    // Sorted by %CPU: only top itself shows any in its first frame; the rest in PID order.
    rows.sort_by_key(|p| (p.pid != own, p.pid));
    for p in rows {
        row(&mut out, p, p.pid == own, m.total, cmdline, command_width);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row as the formatting machinery wrote it before [`row`].
    fn formatted(
        p: &Proc<'_>,
        own: bool,
        total: u64,
        cmdline: bool,
        command_width: usize,
    ) -> String {
        fn mem_cell(kb: u64, width: usize) -> String {
            let plain = kb.to_string();
            if plain.len() <= width {
                return plain;
            }
            let mb = kb as f64 / 1024.0;
            let text = format!("{mb:.1}m");
            if text.len() <= width {
                return text;
            }
            format!("{:.1}g", mb / 1024.0)
        }
        let priority = if p.kernel && p.comm.starts_with("migration/") {
            "rt".to_owned()
        } else if p.kernel && p.comm.starts_with("idle_inject/") {
            "-51".to_owned()
        } else {
            (20 + p.nice).to_string()
        };
        let pcpu = if own { 6.2 } else { 0.0 };
        let pmem = p.rss as f64 * 100.0 / total.max(1) as f64;
        let centis = p.cpu_centis;
        let time = format!(
            "{}:{:02}.{:02}",
            centis / 6_000,
            (centis / 100) % 60,
            centis % 100
        );
        let user = if p.user.chars().count() > 8 {
            p.user.chars().take(7).collect::<String>() + "+"
        } else {
            p.user.to_string()
        };
        let name = if cmdline { &p.args } else { &p.comm };
        let name = if name.chars().count() > command_width {
            name.chars().take(command_width - 1).collect::<String>() + "+"
        } else {
            name.to_string()
        };
        let state = p.stat.chars().next().unwrap_or('S');
        format!(
            "{:>7} {user:<8} {priority:>3} {:>3} {:>7} {:>6} {:>6} {state} {pcpu:>5.1} {pmem:>5.1} {time:>9} {name}\n",
            p.pid,
            p.nice,
            mem_cell(p.vsz, 7),
            mem_cell(p.rss, 6),
            mem_cell(p.shr, 6),
        )
    }

    #[test]
    fn rows_are_what_the_format_strings_wrote() {
        let base = Proc {
            pid: 1,
            ppid: 0,
            user: "root".into(),
            uid: 0,
            tty: "?".into(),
            stat: "Ss".into(),
            vsz: 167_800,
            rss: 11_940,
            shr: 8_312,
            nice: 0,
            start: chrono::DateTime::UNIX_EPOCH,
            cpu_centis: 2_135,
            comm: "systemd".into(),
            args: "/sbin/init splash".into(),
            kernel: false,
        };
        let kernel = |comm: &str, nice: i32| Proc {
            user: "root".into(),
            stat: "I<".into(),
            vsz: 0,
            rss: 0,
            shr: 0,
            nice,
            comm: comm.to_owned().into(),
            args: format!("[{comm}]").into(),
            kernel: true,
            ..base.clone()
        };
        let cases = [
            base.clone(),
            Proc {
                pid: 4_194_303,
                user: "systemd-timesync".into(),
                nice: -5,
                vsz: 12_345_678,
                rss: 9_999_999,
                shr: 123_456_789,
                cpu_centis: 987_654_321,
                comm: "a-very-long-command-name".into(),
                stat: "".into(),
                ..base.clone()
            },
            Proc {
                user: "ünïcødé".into(),
                comm: "née".into(),
                rss: 1,
                cpu_centis: 0,
                ..base.clone()
            },
            Proc {
                user: "exactly8".into(),
                nice: 19,
                rss: 2_043_000,
                ..base.clone()
            },
            kernel("migration/0", 0),
            kernel("idle_inject/1", 0),
            kernel("kworker/0:0H-events_highpri", -20),
            kernel("khugepaged", 19),
        ];
        for p in &cases {
            for (own, total, cmdline, width) in [
                (false, 2_013_456, false, 8),
                (true, 2_013_456, true, 9),
                (false, 0, false, 30),
                (true, 16_000_000, true, 441),
            ] {
                let mut out = String::new();
                row(&mut out, p, own, total, cmdline, width);
                assert_eq!(out, formatted(p, own, total, cmdline, width), "{p:?}");
            }
        }
    }
}
