//! `systemctl` (systemd 249) and `service` (sysvinit-utils) on the profile's units.
//!
//! Units come from [`units`](super::units): the daemons `ps` shows, with their PIDs, plus
//! the boot-time oneshots. Root may start, stop, enable and disable them; the change is kept
//! in the session's [`AdminState`](super::admin_state::AdminState) and nothing runs. Other
//! users get polkit's refusal, as over SSH without an agent.

mod format;

use super::units::{IDLE_SCRIPTS, Unit, find, unit_name, units};
use super::{Command, CommandCtx};
use format::{bytes, since, timespan_ms};

/// `systemctl` (and the `reboot`/`poweroff`/`halt`/`shutdown` links to it).
pub struct Systemctl;

/// Names of `systemctl` and the programs linked to it.
const SYSTEMCTL_NAMES: &[&str] = &["systemctl", "/usr/bin/systemctl", "/bin/systemctl"];

impl Command for Systemctl {
    fn names(&self) -> &'static [&'static str] {
        SYSTEMCTL_NAMES
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv
            .first()
            .map_or("systemctl", |a| a.rsplit('/').next().unwrap_or(a));
        if ["reboot", "poweroff", "halt", "shutdown"].contains(&prog) {
            return power(cx, prog, argv.get(1..).unwrap_or_default());
        }
        let mut words: Vec<&str> = Vec::new();
        let mut all = false;
        let mut other_type = false;
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--version" => {
                    cx.out(SYSTEMCTL_VERSION);
                    return 0;
                }
                "-h" | "--help" => {
                    cx.out("systemctl [OPTIONS...] COMMAND ...\n\nQuery or send control commands to the system manager.\n");
                    return 0;
                }
                "-a" | "--all" => all = true,
                "--no-pager" | "--no-legend" | "-l" | "--full" | "-q" | "--quiet" | "--now"
                | "--system" | "--no-block" | "--plain" => {}
                "-t" | "--type" | "--state" => {
                    let value = args.next().map_or("", String::as_str);
                    other_type |= arg != "--state" && value != "service";
                }
                a if a.starts_with("--type=") || (a.starts_with("-t") && a.len() > 2) => {
                    other_type |= !a.ends_with("service");
                }
                a if a.starts_with("--state=") => {}
                a if a.starts_with("--") => {
                    cx.err(format!("systemctl: unrecognized option '{a}'\n"));
                    return 1;
                }
                a if a.starts_with('-') && a.len() > 1 => {
                    let c = a.chars().nth(1).unwrap_or('-');
                    cx.err(format!("systemctl: invalid option -- '{c}'\n"));
                    return 1;
                }
                a => words.push(a),
            }
        }
        let (verb, names) = match words.split_first() {
            Some((verb, names)) => (*verb, names),
            None => ("list-units", &[][..]),
        };
        match verb {
            "list-units" => list_units(cx, all, other_type),
            "status" => {
                let mut status = 0;
                for name in names {
                    status = status.max(unit_status(cx, name, status == 0));
                }
                if names.is_empty() {
                    cx.out(format!(
                        "● {}\n    State: running\n     Jobs: 0 queued\n   Failed: 0 units\n    Since: {}\n",
                        cx.host.hostname,
                        since(cx.host.boot_time, cx.now())
                    ));
                }
                status
            }
            "is-active" => {
                let mut status = 3;
                for name in names {
                    let active = find(cx, name).is_some_and(|u| u.active);
                    cx.out(if active { "active\n" } else { "inactive\n" });
                    if active {
                        status = 0;
                    }
                }
                if names.is_empty() {
                    cx.err("Too few arguments.\n");
                    return 1;
                }
                status
            }
            "is-enabled" => {
                if names.is_empty() {
                    cx.err("Too few arguments.\n");
                    return 1;
                }
                let mut status = 1;
                for name in names {
                    match find(cx, name) {
                        Some(unit) => {
                            cx.out(format!("{}\n", unit.file_state));
                            if unit.file_state.starts_with("enabled") || unit.file_state == "static"
                            {
                                status = 0;
                            }
                        }
                        None => {
                            cx.err(format!(
                                "Failed to get unit file state for {}: No such file or directory\n",
                                unit_name(name)
                            ));
                            return 1;
                        }
                    }
                }
                status
            }
            "start" | "stop" | "restart" | "reload" | "try-restart" | "reload-or-restart" => {
                change(cx, verb, names)
            }
            "enable" | "disable" => enable(cx, verb, names),
            "daemon-reload" => {
                if !cx.state.is_root() {
                    cx.err("Failed to reload daemon: Interactive authentication required.\n");
                    return 1;
                }
                0
            }
            "reboot" | "poweroff" | "halt" => power(cx, verb, &[]),
            other => {
                cx.err(format!("Unknown command verb {other}.\n"));
                1
            }
        }
    }
}

/// `systemctl --version` of Ubuntu 22.04.
const SYSTEMCTL_VERSION: &str = "systemd 249 (249.11-0ubuntu3.12)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT +GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY -P11KIT -QRENCODE +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified\n";

/// `reboot`, `poweroff`, `halt`, `shutdown`: root's session ends; others are refused.
fn power(cx: &mut CommandCtx<'_>, what: &str, args: &[String]) -> i32 {
    if !cx.state.is_root() {
        let action = match what {
            "poweroff" | "shutdown" => "power off",
            "halt" => "halt",
            _ => "reboot",
        };
        cx.err(format!(
            "Failed to set wall message, ignoring: Interactive authentication required.\n\
             Failed to {action} system via logind: Interactive authentication required.\n\
             Failed to open initctl fifo: Permission denied\n\
             Failed to talk to init daemon.\n"
        ));
        return 1;
    }
    if what == "shutdown" {
        let words: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with('-'))
            .collect();
        if args.iter().any(|a| a == "-c") {
            return 0;
        }
        let when = words.first().copied().unwrap_or("+1");
        if when != "now" && when != "+0" && when != "0" {
            let now = cx.now();
            let at = match when.strip_prefix('+').map(str::parse::<i64>) {
                Some(Ok(minutes)) => Some(now + chrono::Duration::minutes(minutes.min(1 << 20))),
                Some(Err(_)) => None,
                None => chrono::NaiveTime::parse_from_str(when, "%H:%M")
                    .ok()
                    .map(|t| {
                        let today = now.date_naive().and_time(t).and_utc();
                        if today > now {
                            today
                        } else {
                            today + chrono::Duration::days(1)
                        }
                    }),
            };
            let Some(at) = at else {
                cx.err(format!("Failed to parse time specification: {when}\n"));
                return 1;
            };
            cx.err(format!(
                "Shutdown scheduled for {}, use 'shutdown -c' to cancel.\n",
                at.format("%a %Y-%m-%d %H:%M:%S UTC")
            ));
            return 0;
        }
    }
    cx.request_exit(0);
    0
}

/// `list-units --type=service`: the running and exited units, then the legend.
fn list_units(cx: &mut CommandCtx<'_>, all: bool, other_type: bool) -> i32 {
    let list: Vec<Unit> = units(cx)
        .into_iter()
        .filter(|u| !other_type && (all || u.active))
        .collect();
    let width = list.iter().map(|u| u.name.len()).max().unwrap_or(4).max(4);
    let sub_width = if list.iter().any(|u| u.active && !u.oneshot) {
        7
    } else if list.iter().any(|u| u.active) {
        6
    } else {
        4
    };
    let active_width = if list.iter().any(|u| !u.active) { 8 } else { 6 };
    let mut out = format!(
        "  {:width$} {:6} {:active_width$} {:sub_width$} DESCRIPTION\n",
        "UNIT", "LOAD", "ACTIVE", "SUB"
    );
    for u in &list {
        let (active, sub) = match (u.active, u.oneshot) {
            (true, false) => ("active", "running"),
            (true, true) => ("active", "exited"),
            (false, _) => ("inactive", "dead"),
        };
        out.push_str(&format!(
            "  {:width$} {:6} {active:active_width$} {sub:sub_width$} {}\n",
            u.name, "loaded", u.description
        ));
    }
    out.push_str(&format!(
        "\nLOAD   = Reflects whether the unit definition was properly loaded.\n\
         ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n\
         SUB    = The low-level unit activation state, values depend on unit type.\n\
         {} loaded units listed.{}\n\
         To show all installed unit files use 'systemctl list-unit-files'.\n",
        list.len(),
        if all {
            ""
        } else {
            " Pass --all to see loaded but inactive units, too."
        }
    ));
    cx.out(out);
    0
}

/// `systemctl status NAME`: the unit's status block; 0 if running, 3 if not, 4 if unknown.
fn unit_status(cx: &mut CommandCtx<'_>, name: &str, first: bool) -> i32 {
    let Some(unit) = find(cx, name) else {
        cx.err(format!("Unit {} could not be found.\n", unit_name(name)));
        return 4;
    };
    let now = cx.now();
    let mut out = String::new();
    if !first {
        out.push('\n');
    }
    let dot = if unit.active { '●' } else { '○' };
    out.push_str(&format!("{dot} {} - {}\n", unit.name, unit.description));
    let path = if unit.name.starts_with("snap.") {
        format!("/etc/systemd/system/{}", unit.name)
    } else {
        format!("/lib/systemd/system/{}", unit.name)
    };
    let preset = if unit.file_state == "static" || unit.file_state == "generated" {
        String::new()
    } else {
        format!("; vendor preset: {}", unit.preset)
    };
    out.push_str(&format!(
        "     Loaded: loaded ({path}; {}{preset})\n",
        unit.file_state
    ));
    let state = match (unit.active, unit.oneshot) {
        (true, false) => "active (running)",
        (true, true) => "active (exited)",
        (false, _) => "inactive (dead)",
    };
    out.push_str(&format!(
        "     Active: {state} since {}\n",
        since(unit.since, now)
    ));
    for (i, doc) in unit.docs.iter().enumerate() {
        let label = if i == 0 {
            "       Docs: "
        } else {
            "             "
        };
        out.push_str(&format!("{label}{doc}\n"));
    }
    if unit.active
        && let Some(main) = &unit.main
    {
        out.push_str(&format!("   Main PID: {} ({})\n", main.pid, main.comm));
        let tasks = 1 + unit.others.len();
        let limit = cx.host.memory.total_kb / 4 / 32 * 15 / 100;
        out.push_str(&format!("      Tasks: {tasks} (limit: {limit})\n"));
        let rss: u64 = main.rss_kb + unit.others.iter().map(|s| s.rss_kb).sum::<u64>();
        out.push_str(&format!("     Memory: {}\n", bytes(rss * 1024)));
        let uptime = cx.host.uptime_secs(now);
        let cpu_ms = main.cpu_secs(uptime) * 1000 + u64::from(main.pid % 997);
        out.push_str(&format!("        CPU: {}\n", timespan_ms(cpu_ms)));
        out.push_str(&format!("     CGroup: /system.slice/{}\n", unit.name));
        let procs: Vec<_> = std::iter::once(main).chain(unit.others.iter()).collect();
        for (i, p) in procs.iter().enumerate() {
            let branch = if i + 1 == procs.len() {
                "└─"
            } else {
                "├─"
            };
            out.push_str(&format!(
                "             {branch}{} {}\n",
                p.pid,
                quote_args(&p.args)
            ));
        }
    }
    // Root and the `adm` group read the journal: the unit's start at boot.
    let reads_journal = cx.state.is_root()
        || cx
            .host
            .session_account(&cx.state.user)
            .groups
            .iter()
            .any(|(gid, name)| *gid == 0 || name == "adm" || name == "systemd-journal");
    if reads_journal
        && unit.active
        && unit.since <= cx.host.boot_time + chrono::Duration::minutes(5)
    {
        out.push('\n');
        out.push_str(&journal(cx, &unit));
    }
    cx.out(out);
    if unit.active { 0 } else { 3 }
}

/// The journal lines `status` shows for a unit started at boot.
fn journal(cx: &CommandCtx<'_>, unit: &Unit) -> String {
    let host = cx.host.short_hostname();
    let stamp = unit.since.format("%b %d %H:%M:%S");
    let done = if unit.oneshot { "Finished" } else { "Started" };
    let mut out = format!(
        "{stamp} {host} systemd[1]: Starting {}...\n",
        unit.description
    );
    if let Some(main) = &unit.main
        && main.comm == "sshd"
    {
        for l in &main.listen {
            let addr = l
                .addr
                .as_deref()
                .unwrap_or(if l.v6 { "::" } else { "0.0.0.0" });
            out.push_str(&format!(
                "{stamp} {host} sshd[{}]: Server listening on {addr} port {}.\n",
                main.pid, l.port
            ));
        }
    }
    out.push_str(&format!(
        "{stamp} {host} systemd[1]: {done} {}.\n",
        unit.description
    ));
    out
}

/// A command line as systemd 249 prints it in a cgroup tree: a process whose argv[0] holds
/// spaces (a retitled `sshd: …`) is shown quoted as one word.
fn quote_args(args: &str) -> String {
    if args.contains(": ") {
        format!("\"{args}\"")
    } else {
        args.to_owned()
    }
}

/// `start`/`stop`/`restart` as root records the change; others are refused by polkit.
fn change(cx: &mut CommandCtx<'_>, verb: &str, names: &[&str]) -> i32 {
    if names.is_empty() {
        cx.err("Too few arguments.\n");
        return 1;
    }
    let now = cx.now();
    for name in names {
        let full = unit_name(name);
        if !cx.state.is_root() {
            let what = match verb {
                "start" => "start",
                "stop" => "stop",
                "reload" => "reload",
                _ => "restart",
            };
            cx.err(format!(
                "Failed to {what} {full}: Interactive authentication required.\n\
                 See system logs and 'systemctl status {full}' for details.\n"
            ));
            return 1;
        }
        let Some(unit) = find(cx, name) else {
            let what = match verb {
                "start" => "start",
                "stop" => "stop",
                "reload" => "reload",
                _ => "restart",
            };
            cx.err(format!("Failed to {what} {full}: Unit {full} not found.\n"));
            return 5;
        };
        let active = verb != "stop";
        if verb == "try-restart" && !unit.active {
            continue;
        }
        cx.state.admin.change_unit(&unit.name, |c| {
            c.active = Some(active);
            if active != unit.active || verb.contains("restart") {
                c.since = Some(now);
            }
        });
    }
    0
}

/// `enable`/`disable` as root: the symlink messages; others are refused by polkit.
fn enable(cx: &mut CommandCtx<'_>, verb: &str, names: &[&str]) -> i32 {
    if names.is_empty() {
        cx.err("Too few arguments.\n");
        return 1;
    }
    if !cx.state.is_root() {
        cx.err(format!(
            "Failed to {verb} unit: Interactive authentication required.\n"
        ));
        return 1;
    }
    let mut messages = String::new();
    for name in names {
        let Some(unit) = find(cx, name) else {
            cx.err(format!(
                "Failed to {verb} unit: Unit file {} does not exist.\n",
                unit_name(name)
            ));
            return 1;
        };
        if let Some(script) = unit.sysv {
            messages.push_str(&format!(
                "Synchronizing state of {} with SysV service script with /lib/systemd/systemd-sysv-install.\n\
                 Executing: /lib/systemd/systemd-sysv-install {verb} {script}\n",
                unit.name
            ));
        }
        let link = format!("/etc/systemd/system/multi-user.target.wants/{}", unit.name);
        match (verb, unit.file_state) {
            ("enable", "disabled") => messages.push_str(&format!(
                "Created symlink {link} → /lib/systemd/system/{}.\n",
                unit.name
            )),
            ("disable", "enabled") => messages.push_str(&format!("Removed {link}.\n")),
            _ => {}
        }
        if unit.file_state == "static" {
            messages.push_str(
                "The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\n\
                 Alias= settings in the [Install] section, and DefaultInstance= for template\n\
                 units). This means they are not meant to be enabled or disabled using systemctl.\n",
            );
        }
        let on = verb == "enable";
        cx.state
            .admin
            .change_unit(&unit.name, |c| c.enabled = Some(on));
    }
    cx.err(messages);
    0
}

/// `service` (sysvinit-utils): `--status-all` over `/etc/init.d`, else `systemctl VERB NAME`.
pub struct Service;

impl Command for Service {
    fn names(&self) -> &'static [&'static str] {
        &["service", "/usr/sbin/service", "/sbin/service"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
        match args.as_slice() {
            [] => {
                cx.err("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n");
                1
            }
            ["--status-all", ..] => {
                let mut scripts: Vec<(String, bool)> = units(cx)
                    .into_iter()
                    .filter_map(|u| u.sysv.map(|s| (s.to_owned(), u.active)))
                    .collect();
                scripts.extend(IDLE_SCRIPTS.iter().map(|s| ((*s).to_owned(), false)));
                scripts.sort();
                let mut out = String::new();
                for (script, running) in scripts {
                    let mark = if running { '+' } else { '-' };
                    out.push_str(&format!(" [ {mark} ]  {script}\n"));
                }
                cx.out(out);
                0
            }
            ["--version" | "-V", ..] => {
                cx.out("service ver. 1.61\n");
                0
            }
            ["-h" | "--help", ..] => {
                cx.out("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n");
                0
            }
            [name] => {
                match find(cx, name).and_then(|u| u.sysv) {
                    Some(script) => cx.err(format!(
                        "Usage: /etc/init.d/{script} {{start|stop|restart|reload|force-reload|status}}\n"
                    )),
                    None => cx.err(format!("{name}: unrecognized service\n")),
                }
                1
            }
            [name, verb, ..] => {
                let verb = if *verb == "--full-restart" {
                    "restart"
                } else {
                    verb
                };
                match verb {
                    "status" => unit_status(cx, name, true),
                    "start" | "stop" | "restart" | "reload" | "force-reload" => {
                        let verb = if verb == "force-reload" {
                            "restart"
                        } else {
                            verb
                        };
                        change(cx, verb, &[name])
                    }
                    _ => {
                        match find(cx, name).and_then(|u| u.sysv) {
                            Some(script) => cx.err(format!(
                                "Usage: /etc/init.d/{script} {{start|stop|restart|reload|force-reload|status}}\n"
                            )),
                            None => cx.err(format!("{name}: unrecognized service\n")),
                        }
                        1
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
