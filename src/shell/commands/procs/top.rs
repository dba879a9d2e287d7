//! `top`: one frame of the process viewer.
//!
//! `top -b -n 1` prints exactly what procps prints in batch mode for one frame, 79 columns
//! wide as without a terminal. Interactive `top` would take over the terminal until `q`; the
//! fake one prints the same single frame and returns, which is what bots that run `top` and
//! read its first screen see.

use std::borrow::Cow;
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

/// top's `PR`: 20 + nice, `rt` for real-time threads.
fn priority(p: &Proc) -> String {
    if p.kernel && p.comm.starts_with("migration/") {
        "rt".to_owned()
    } else if p.kernel && p.comm.starts_with("idle_inject/") {
        "-51".to_owned()
    } else {
        (20 + p.nice).to_string()
    }
}

/// A KiB amount in top's task columns: plain, or scaled to `m`/`g` when it does not fit.
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
    let mut rows: Vec<&Proc> = procs
        .iter()
        .filter(|p| user.is_none_or(|u| p.user == u || p.uid.to_string() == u))
        .collect();
    // Sorted by %CPU: only top itself shows any in its first frame; the rest in PID order.
    rows.sort_by_key(|p| (p.pid != own, p.pid));
    for p in rows {
        let pcpu = if p.pid == own { 6.2 } else { 0.0 };
        let pmem = p.rss as f64 * 100.0 / m.total.max(1) as f64;
        let centis = p.cpu_centis;
        let time = format!(
            "{}:{:02}.{:02}",
            centis / 6_000,
            (centis / 100) % 60,
            centis % 100
        );
        let user: Cow<'_, str> = if p.user.chars().count() > 8 {
            Cow::Owned(p.user.chars().take(7).collect::<String>() + "+")
        } else {
            Cow::Borrowed(&p.user)
        };
        let name = if cmdline { &p.args } else { &p.comm };
        let name: Cow<'_, str> = if name.chars().count() > command_width {
            Cow::Owned(name.chars().take(command_width - 1).collect::<String>() + "+")
        } else {
            Cow::Borrowed(name)
        };
        let state = p.stat.chars().next().unwrap_or('S');
        // Straight into the frame: a process table has a few hundred rows.
        writeln!(
            out,
            "{:>7} {user:<8} {:>3} {:>3} {:>7} {:>6} {:>6} {state} {pcpu:>5.1} {pmem:>5.1} {time:>9} {name}",
            p.pid,
            priority(p),
            p.nice,
            mem_cell(p.vsz, 7),
            mem_cell(p.rss, 6),
            mem_cell(p.shr, 6),
        )
        .expect("writing to a String cannot fail");
    }
    out
}
