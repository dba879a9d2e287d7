//! Who is on the box and since when: `uptime`, `w` (procps-ng), `who`, `users` (coreutils)
//! and `last` (util-linux).
//!
//! The logged-in user is the attacker's own session (its user, terminal, address and login
//! time from the [`ShellState`](crate::shell::ShellState)); the uptime and load come from the
//! profile, the same numbers `/proc/uptime`, `/proc/loadavg` and `top` show. `last` replays a
//! login history drawn from the seed: the boots since the machine was installed and the
//! admins' logins, then the current session.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

use super::toolkit::{month, parse, procps_usage, procps_version, short_name, weekday};
use super::{Command, CommandCtx, usr_bin};
use crate::host::HostProfile;

/// The login sessions utmp holds: only the attacker's, when it has a terminal.
pub(crate) fn users_logged_in(cx: &CommandCtx<'_>) -> usize {
    usize::from(!cx.state.tty.is_empty())
}

/// Someone else on the box: an admin, when the session's richness makes the host busy
/// ([`crate::host::richness::other_login`]).
pub(crate) fn other_login(cx: &CommandCtx<'_>) -> Option<crate::host::richness::OtherLogin> {
    crate::host::richness::other_login(cx.host, cx.state.deception.richness, cx.now())
}

/// Everyone logged in: the session's own login and any other.
pub(crate) fn users_on(cx: &CommandCtx<'_>) -> usize {
    users_logged_in(cx) + usize::from(other_login(cx).is_some())
}

/// When the session logged in (now, if the shell was not told).
pub(crate) fn login_time(cx: &CommandCtx<'_>) -> DateTime<Utc> {
    cx.state.login_time.unwrap_or_else(|| cx.now())
}

/// procps' `sprint_uptime`: ` 10:03:01 up 42 days,  2:50,  1 user,  load average: …`.
pub(crate) fn uptime_line(host: &HostProfile, now: DateTime<Utc>, users: usize) -> String {
    let up = host.uptime_secs(now);
    let days = up / 86_400;
    let hours = (up / 3_600) % 24;
    let minutes = (up / 60) % 60;
    let v4 = host.release().procps.starts_with('4');
    let mut out = format!(
        " {:02}:{:02}:{:02} up ",
        now.hour(),
        now.minute(),
        now.second()
    );
    if days > 0 {
        let plural = if v4 { days > 1 } else { days != 1 };
        out.push_str(&format!("{days} day{}, ", if plural { "s" } else { "" }));
    }
    if hours > 0 {
        out.push_str(&format!("{hours:2}:{minutes:02}, "));
    } else {
        out.push_str(&format!("{minutes} min, "));
    }
    let plural = if v4 { users > 1 } else { users != 1 };
    let load = host.load_at(now).avg;
    out.push_str(&format!(
        "{users:2} user{}, ",
        if plural { "s" } else { "" }
    ));
    out.push_str(&format!(
        " load average: {:.2}, {:.2}, {:.2}",
        load[0], load[1], load[2]
    ));
    out
}

/// `uptime -p`: procps 3.3 reduces each unit modulo the next; 4.0 subtracts.
fn pretty_uptime(up: u64, v4: bool) -> String {
    let (decades, years, weeks, days, hours, minutes, rest);
    if v4 {
        let mut left = up;
        let mut take = |unit: u64| {
            if left > unit {
                let n = left / unit;
                left -= n * unit;
                n
            } else {
                0
            }
        };
        decades = take(86_400 * 365 * 10);
        years = take(86_400 * 365);
        weeks = take(86_400 * 7);
        days = take(86_400);
        hours = take(3_600);
        minutes = take(60);
        rest = left;
    } else {
        decades = up / (86_400 * 365 * 10);
        years = (up / (86_400 * 365)) % 10;
        weeks = (up / (86_400 * 7)) % 52;
        days = (up / 86_400) % 7;
        hours = (up / 3_600) % 24;
        minutes = (up / 60) % 60;
        rest = up;
    }
    let mut parts = Vec::new();
    for (n, one, many) in [
        (decades, "decade", "decades"),
        (years, "year", "years"),
        (weeks, "week", "weeks"),
        (days, "day", "days"),
        (hours, "hour", "hours"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {}", if n > 1 { many } else { one }));
        }
    }
    if minutes > 0 || rest < 60 {
        parts.push(format!(
            "{minutes} {}",
            if minutes != 1 { "minutes" } else { "minute" }
        ));
    }
    format!("up {}", parts.join(", "))
}

/// `uptime`.
pub struct Uptime;

impl Command for Uptime {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("uptime")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "uptime");
        let usage = procps_usage(
            &prog,
            "[options]",
            " -p, --pretty   show uptime in pretty format\n -h, --help     display this help and exit\n -s, --since    system up since\n -V, --version  output version information and exit\n",
            "uptime(1)",
        );
        let table = [
            ('p', "pretty", false),
            ('h', "help", false),
            ('s', "since", false),
            ('V', "version", false),
        ];
        let (opts, operands) = match parse(&prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &usage);
                return 1;
            }
        };
        let mut pretty = false;
        for opt in &opts {
            match opt.name {
                "pretty" => pretty = true,
                "help" => {
                    cx.out(usage);
                    return 0;
                }
                "since" => {
                    let boot = cx.host.boot_time;
                    cx.out(format!("{}\n", boot.format("%Y-%m-%d %H:%M:%S")));
                    return 0;
                }
                "version" => {
                    let text = procps_version(cx, &prog);
                    cx.out(text);
                    return 0;
                }
                _ => {}
            }
        }
        if !operands.is_empty() {
            cx.err(usage);
            return 1;
        }
        let now = cx.now();
        let line = if pretty {
            let v4 = cx.host.release().procps.starts_with('4');
            pretty_uptime(cx.host.uptime_secs(now), v4)
        } else {
            uptime_line(cx.host, now, users_on(cx))
        };
        cx.out(format!("{line}\n"));
        0
    }
}

/// procps' 7-column time interval (`  0.00s`, ` 2:03m`, ` 3days`).
fn interval7(secs: u64, centis: u64) -> String {
    if secs >= 48 * 3_600 {
        format!(" {:2}days", secs / 86_400)
    } else if secs >= 3_600 {
        format!(" {:2}:{:02}m", secs / 3_600, (secs / 60) % 60)
    } else if secs > 60 {
        format!(" {:2}:{:02} ", secs / 60, secs % 60)
    } else {
        format!(" {secs:2}.{centis:02}s")
    }
}

/// procps' 7-column login time: `HH:MM`, weekday and hour, or day-month-year.
fn login_column(login: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let ago = (now - login).num_seconds();
    if ago > 12 * 3_600 && login.ordinal() != now.ordinal() {
        if ago > 6 * 86_400 {
            format!(
                " {:02}{:>3}{:02}",
                login.day(),
                month(login),
                login.year() % 100
            )
        } else {
            format!(" {:>3}{:02}  ", weekday(login), login.hour())
        }
    } else {
        format!(" {:02}:{:02}  ", login.hour(), login.minute())
    }
}

/// `w`: who is logged in and what they are doing.
pub struct W;

impl Command for W {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("w")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "w");
        let usage = procps_usage(
            &prog,
            "[options] [user]",
            " -h, --no-header     do not print header\n -u, --no-current    ignore current process username\n -s, --short         short format\n -f, --from          show remote hostname field\n -o, --old-style     old style output\n -i, --ip-addr       display IP address instead of hostname (if possible)\n\n     --help     display this help and exit\n -V, --version  output version information and exit\n",
            "w(1)",
        );
        let table = [
            ('h', "no-header", false),
            ('u', "no-current", false),
            ('s', "short", false),
            ('f', "from", false),
            ('o', "old-style", false),
            ('i', "ip-addr", false),
            ('\0', "help", false),
            ('V', "version", false),
        ];
        let (opts, operands) = match parse(&prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &usage);
                return 1;
            }
        };
        let (mut header, mut long, mut from) = (true, true, true);
        for opt in &opts {
            match opt.name {
                "help" => {
                    cx.out(usage);
                    return 0;
                }
                "version" => {
                    let text = procps_version(cx, &prog);
                    cx.out(text);
                    return 0;
                }
                "no-header" => header = false,
                "short" => long = false,
                "from" => from = !from,
                _ => {}
            }
        }
        let now = cx.now();
        let users = users_logged_in(cx);
        let mut out = String::new();
        if header {
            out.push_str(&uptime_line(cx.host, now, users_on(cx)));
            out.push('\n');
            out.push_str("USER     TTY      ");
            if from {
                out.push_str("FROM           ");
            }
            out.push_str(if long {
                "  LOGIN@   IDLE   JCPU   PCPU WHAT\n"
            } else {
                "   IDLE WHAT\n"
            });
        }
        let wanted = operands.first().is_none_or(|u| *u == cx.state.user);
        if users > 0 && wanted {
            let user: String = cx.state.user.chars().take(8).collect();
            let tty: String = cx.state.tty.chars().take(8).collect();
            out.push_str(&format!("{user:<9}{tty:<9}"));
            if from {
                let host: String = cx.state.remote_ip.chars().take(16).collect();
                let host = if host.is_empty() {
                    "-".to_owned()
                } else {
                    host
                };
                out.push_str(&format!("{host:<16}"));
            }
            let jcpu = 1 + (cx.state.history.len() as u64 % 4);
            if long {
                out.push_str(&login_column(login_time(cx), now));
                out.push_str(&interval7(0, 0));
                out.push_str(&interval7(0, jcpu));
                out.push_str(&interval7(0, 0));
            } else {
                out.push_str(&interval7(0, 0));
            }
            out.push(' ');
            // procps cuts WHAT to the terminal width less the other columns (512 without one).
            let columns = cx.terminal().map_or(512, usize::from).clamp(7, 512);
            let fixed = 21 + 8 + if from { 16 } else { 0 } + if long { 20 } else { 0 };
            let maxcmd = columns.saturating_sub(fixed).clamp(7, 512);
            out.push_str(&argv.join(" ").chars().take(maxcmd).collect::<String>());
            out.push('\n');
        }
        if let Some(other) = other_login(cx)
            && operands.first().is_none_or(|u| *u == other.user)
        {
            let user: String = other.user.chars().take(8).collect();
            out.push_str(&format!("{user:<9}{:<9}", other.tty));
            if from {
                out.push_str(&format!("{:<16}", other.from));
            }
            if long {
                out.push_str(&login_column(other.login, now));
                out.push_str(&interval7(other.idle_secs, 0));
                out.push_str(&interval7(0, 4 + other.idle_secs % 90));
                out.push_str(&interval7(0, 1 + other.idle_secs % 7));
            } else {
                out.push_str(&interval7(other.idle_secs, 0));
            }
            out.push(' ');
            out.push_str(&other.what);
            out.push('\n');
        }
        cx.out(out);
        0
    }
}

/// `who`: users logged in (coreutils).
pub struct Who;

impl Command for Who {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("who")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("who", String::as_str);
        let table = [
            ('a', "all", false),
            ('b', "boot", false),
            ('d', "dead", false),
            ('H', "heading", false),
            ('l', "login", false),
            ('\0', "lookup", false),
            ('m', "m", false),
            ('p', "process", false),
            ('q', "count", false),
            ('r', "runlevel", false),
            ('s', "short", false),
            ('t', "time", false),
            ('T', "mesg", false),
            ('w', "writable", false),
            ('u', "users", false),
            ('\0', "message", false),
            ('\0', "help", false),
            ('\0', "version", false),
        ];
        let (opts, operands) = match parse(prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &super::try_help(prog));
                return 1;
            }
        };
        let has = |n: &str| opts.iter().any(|o| o.name == n);
        if has("help") {
            let text = format!(
                "Usage: {prog} [OPTION]... [ FILE | ARG1 ARG2 ]\nPrint information about users who are currently logged in.\n\n{}{}",
                cx.coreutils_help_options(),
                cx.coreutils_help_footer("who")
            );
            cx.out(text);
            return 0;
        }
        if has("version") {
            let text = cx.coreutils_version_text(
                "who",
                "Joseph Arceneaux, David MacKenzie, and Michael Stone",
            );
            cx.out(text);
            return 0;
        }
        if operands.len() > 2 {
            let text = format!(
                "{prog}: extra operand {}\n{}",
                cx.quote(&operands[2]),
                super::try_help(prog)
            );
            cx.err(text);
            return 1;
        }
        // `who am i` and `who -m` show only the invoking terminal: the same one here.
        let iso = {
            let lc = ["LC_ALL", "LC_TIME", "LANG"]
                .iter()
                .find_map(|n| cx.state.var(n).filter(|v| !v.is_empty()))
                .unwrap_or("C");
            lc != "C" && lc != "POSIX"
        };
        let fmt_time = |t: DateTime<Utc>| {
            if iso {
                t.format("%Y-%m-%d %H:%M").to_string()
            } else {
                format!(
                    "{} {:>2} {:02}:{:02}",
                    month(t),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            }
        };
        let width = if iso { 16 } else { 12 };
        let users = users_logged_in(cx);
        let other = other_login(cx);
        if has("count") {
            let mut names: Vec<String> = Vec::new();
            if users > 0 {
                names.push(cx.state.user.clone());
            }
            names.extend(other.iter().map(|o| o.user.clone()));
            let count = names.len();
            cx.out(format!("{}\n# users={count}\n", names.join(" ")));
            return 0;
        }
        let line = |name: &str, mesg: Option<char>, tty: &str, time: &str, rest: &str| {
            let mesg = mesg.map_or(String::new(), |m| format!(" {m}"));
            let text = format!("{name:<8}{mesg} {tty:<12} {time:<width$}{rest}");
            format!("{}\n", text.trim_end())
        };
        let all = has("all");
        let mesg = if has("mesg") || has("writable") || all {
            Some('+')
        } else {
            None
        };
        let mut out = String::new();
        if has("heading") {
            let mesg_col = if mesg.is_some() { Some('S') } else { None };
            let extra = if has("users") || all {
                " IDLE          PID COMMENT"
            } else {
                " COMMENT"
            };
            out.push_str(&line("NAME", mesg_col, "LINE", "TIME", extra));
        }
        let boot_time = fmt_time(cx.host.boot_time);
        if has("boot") || all {
            out.push_str(&line(
                "",
                if mesg.is_some() { Some(' ') } else { None },
                "system boot",
                &boot_time,
                "",
            ));
        }
        if has("runlevel") || all {
            let t = fmt_time(cx.host.boot_time + Duration::seconds(9));
            out.push_str(&line(
                "",
                if mesg.is_some() { Some(' ') } else { None },
                "run-level 5",
                &t,
                "",
            ));
        }
        let only_special = has("boot")
            || has("runlevel")
            || has("dead")
            || has("login")
            || has("process")
            || has("time");
        if users > 0 && (!only_special || all) {
            let login = fmt_time(login_time(cx));
            let rest = if has("users") || all {
                let pid = cx.host.pid_at(cx.host.uptime_secs(login_time(cx)));
                format!("   .      {pid:>10} ({})", cx.state.remote_ip)
            } else {
                format!(" ({})", cx.state.remote_ip)
            };
            out.push_str(&line(&cx.state.user, mesg, &cx.state.tty, &login, &rest));
        }
        if let Some(other) = other.filter(|_| !only_special || all) {
            let login = fmt_time(other.login);
            let rest = if has("users") || all {
                let pid = cx.host.pid_at(cx.host.uptime_secs(other.login));
                let idle = format!(
                    "{:02}:{:02}",
                    other.idle_secs / 3600,
                    (other.idle_secs / 60) % 60
                );
                format!(" {idle}    {pid:>10} ({})", other.from)
            } else {
                format!(" ({})", other.from)
            };
            out.push_str(&line(&other.user, mesg, &other.tty, &login, &rest));
        }
        cx.out(out);
        0
    }
}

/// `users`: the names of logged-in users.
pub struct Users;

impl Command for Users {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("users")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, _argv: &[String]) -> i32 {
        let mut names: Vec<String> = Vec::new();
        if users_logged_in(cx) > 0 {
            names.push(cx.state.user.clone());
        }
        names.extend(other_login(cx).map(|o| o.user));
        if !names.is_empty() {
            // `users` sorts the names.
            names.sort();
            cx.out(format!("{}\n", names.join(" ")));
        }
        0
    }
}

mod last;
pub use last::Last;
pub(crate) use last::history;

#[cfg(test)]
mod tests;
