//! `last` (util-linux): the wtmp history.
//!
//! The history is drawn from the seed: the machine was installed some days before the
//! current boot, rebooted a few times since (each boot line naming the kernel), and its login
//! users came in now and then from their own addresses. The attacker's session is the newest
//! entry, "still logged in".

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::super::toolkit::{month, parse, short_name, weekday};
use super::super::{Command, CommandCtx, usr_bin};
use super::{login_time, users_logged_in};
use crate::host::HostProfile;

/// One wtmp session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// User (`reboot` for boots).
    pub user: String,
    /// Line (`system boot` for boots).
    pub line: String,
    /// Host (the kernel release for boots).
    pub host: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End, or `None` while still logged in / running.
    pub end: Option<DateTime<Utc>>,
    /// Whether the end was a shutdown rather than a logout.
    pub down: bool,
}

/// A public-looking IPv4 address for an admin's workstation.
fn admin_address(rng: &mut StdRng) -> String {
    let first = loop {
        let a: u8 = rng.gen_range(24..224);
        if ![127, 169, 172, 192, 198, 203, 100].contains(&a) && a != 10 {
            break a;
        }
    };
    format!(
        "{first}.{}.{}.{}",
        rng.gen_range(0..=255u8),
        rng.gen_range(0..=255u8),
        rng.gen_range(1..255u8)
    )
}

/// The past boots and logins, oldest first (without the attacker's session).
pub(crate) fn history(host: &HostProfile, now: DateTime<Utc>) -> (DateTime<Utc>, Vec<Entry>) {
    let mut rng = StdRng::seed_from_u64(host.seed ^ 0x1a57_1a57);
    let installed = host.boot_time
        - Duration::days(rng.gen_range(2..60))
        - Duration::seconds(rng.gen_range(0..86_400));
    let reboots = rng.gen_range(0..3);
    let mut boots = vec![installed];
    for i in 1..=reboots {
        let span = (host.boot_time - installed).num_seconds().max(2);
        let at = installed + Duration::seconds(span * i / (reboots + 1) + rng.gen_range(0..3_600));
        if at < host.boot_time - Duration::hours(1) {
            boots.push(at);
        }
    }
    boots.push(host.boot_time);
    let mut entries = Vec::new();
    for pair in boots.windows(2) {
        let down = pair[1] - Duration::seconds(rng.gen_range(20..90));
        entries.push(Entry {
            user: "reboot".to_owned(),
            line: "system boot".to_owned(),
            host: host.kernel_release.clone(),
            start: pair[0],
            end: Some(down),
            down: false,
        });
    }
    entries.push(Entry {
        user: "reboot".to_owned(),
        line: "system boot".to_owned(),
        host: host.kernel_release.clone(),
        start: host.boot_time,
        end: None,
        down: false,
    });
    for user in &host.users {
        let address = admin_address(&mut rng);
        for _ in 0..rng.gen_range(0..4) {
            let span = (now - installed).num_seconds() - 7_200;
            if span <= 0 {
                break;
            }
            let start = installed + Duration::seconds(rng.gen_range(600..span.max(601)));
            let mut end = start + Duration::seconds(rng.gen_range(120..4 * 3_600));
            let mut down = false;
            // A session cannot outlive the boot it started in.
            if let Some(next) = boots.iter().find(|b| **b > start)
                && end >= *next
            {
                end = *next - Duration::seconds(60);
                down = true;
            }
            if end <= start || end >= now {
                continue;
            }
            entries.push(Entry {
                user: user.name.clone(),
                line: format!("pts/{}", rng.gen_range(0..2)),
                host: address.clone(),
                start,
                end: Some(end),
                down,
            });
        }
    }
    entries.sort_by_key(|e| e.start);
    (installed, entries)
}

/// `%a %b %e %H:%M`.
fn short_time(t: DateTime<Utc>) -> String {
    format!(
        "{} {} {:>2} {:02}:{:02}",
        weekday(t),
        month(t),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `%a %b %e %H:%M:%S %Y`.
pub(crate) fn full_time(t: DateTime<Utc>) -> String {
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        weekday(t),
        month(t),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// One `last` row in the default (short) time format.
fn row(e: &Entry, show_host: bool, full: bool) -> String {
    let user: String = e.user.chars().take(8).collect();
    let line: String = e.line.chars().take(12).collect();
    let host: String = e.host.chars().take(16).collect();
    let (login, in_len, out_len) = if full {
        (full_time(e.start), 24, 26)
    } else {
        (short_time(e.start), 16, 7)
    };
    let (logout, length) = match e.end {
        None if e.user == "reboot" => {
            if full {
                ("  still running".to_owned(), String::new())
            } else {
                ("  still".to_owned(), "running".to_owned())
            }
        }
        None => {
            if full {
                ("  still logged in".to_owned(), String::new())
            } else {
                ("  still".to_owned(), "logged in".to_owned())
            }
        }
        Some(end) => {
            let secs = (end - e.start).num_seconds().max(0);
            let (days, hours, mins) = (secs / 86_400, (secs / 3_600) % 24, (secs / 60) % 60);
            let length = if days > 0 {
                format!("({days}+{hours:02}:{mins:02})")
            } else {
                format!(" ({hours:02}:{mins:02})")
            };
            let out = if e.down {
                "- down ".to_owned()
            } else if full {
                format!("- {}", full_time(end))
            } else {
                format!("- {:02}:{:02}", end.hour(), end.minute())
            };
            (out, length)
        }
    };
    let text = if show_host {
        format!("{user:<8} {line:<12} {host:<16} {login:<in_len$} {logout:<out_len$} {length}")
    } else {
        format!("{user:<8} {line:<12} {login:<in_len$} {logout:<out_len$} {length}")
    };
    format!("{}\n", text.trim_end())
}

/// `last`.
pub struct Last;

impl Command for Last {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("last")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "last");
        // `-5` is `-n 5`.
        let args: Vec<String> = argv
            .get(1..)
            .unwrap_or_default()
            .iter()
            .map(|a| match a.strip_prefix('-') {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("--limit={n}")
                }
                _ => a.clone(),
            })
            .collect();
        let table = [
            ('a', "hostlast", false),
            ('d', "dns", false),
            ('f', "file", true),
            ('F', "fulltimes", false),
            ('i', "ip", false),
            ('n', "limit", true),
            ('R', "nohostname", false),
            ('s', "since", true),
            ('t', "until", true),
            ('p', "present", true),
            ('w', "fullnames", false),
            ('x', "system", false),
            ('\0', "time-format", true),
            ('h', "help", false),
            ('V', "version", false),
        ];
        let (opts, operands) = match parse(&prog, &args, &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(format!(
                    "{message}Try '{prog} --help' for more information.\n"
                ));
                return 1;
            }
        };
        let mut limit: Option<usize> = None;
        let (mut show_host, mut full) = (true, false);
        for opt in &opts {
            match opt.name {
                "help" => {
                    cx.out(format!(
                        "\nUsage:\n {prog} [options] [<username>...] [<tty>...]\n\nShow a listing of last logged in users.\n\nOptions:\n -<number>            how many lines to show\n -a, --hostlast       display hostnames in the last column\n -d, --dns            translate the IP number back into a hostname\n -f, --file <file>    use a specific file instead of /var/log/wtmp\n -F, --fulltimes      print full login and logout times and dates\n -i, --ip             display IP numbers in numbers-and-dots notation\n -n, --limit <number> how many lines to show\n -R, --nohostname     don't display the hostname field\n -s, --since <time>   display the lines since the specified time\n -t, --until <time>   display the lines until the specified time\n -p, --present <time> display who were present at the specified time\n -w, --fullnames      display full user and domain names\n -x, --system         display system shutdown entries and run level changes\n     --time-format <format>  show timestamps in the specified <format>:\n                               notime|short|full|iso\n\n -h, --help           display this help\n -V, --version        display version\n\nFor more details see last(1).\n"
                    ));
                    return 0;
                }
                "version" => {
                    let version = cx.host.release().util_linux;
                    cx.out(format!("{prog} from util-linux {version}\n"));
                    return 0;
                }
                "limit" => {
                    let v = opt.value.clone().unwrap_or_default();
                    match v.parse::<usize>() {
                        Ok(n) => limit = Some(n),
                        Err(_) => {
                            cx.err(format!("{prog}: failed to parse number: '{v}'\n"));
                            return 1;
                        }
                    }
                }
                "nohostname" => show_host = false,
                "fulltimes" => full = true,
                "file" => {
                    let file = opt.value.clone().unwrap_or_default();
                    if file != "/var/log/wtmp" {
                        cx.err(format!(
                            "{prog}: cannot open {file}: No such file or directory\n"
                        ));
                        return 1;
                    }
                }
                _ => {}
            }
        }
        // The history lives in /var/log/wtmp: removed, `last` cannot open it; emptied, it
        // has no entries and begins when the file was last changed.
        const WTMP: &str = "/var/log/wtmp";
        let Ok(wtmp) = cx.fs.stat(WTMP) else {
            cx.err(format!(
                "{prog}: cannot open {WTMP}: No such file or directory\n"
            ));
            return 1;
        };
        if wtmp.size == 0 {
            let begins = full_time(wtmp.ctime.to_datetime());
            cx.out(format!("\nwtmp begins {begins}\n"));
            return 0;
        }
        let now = cx.now();
        let (installed, mut entries) = history(cx.host, now);
        if users_logged_in(cx) > 0 {
            entries.push(Entry {
                user: cx.state.user.clone(),
                line: cx.state.tty.clone(),
                host: cx.state.remote_ip.clone(),
                start: login_time(cx),
                end: None,
                down: false,
            });
        }
        if let Some(other) = super::other_login(cx) {
            entries.push(Entry {
                user: other.user,
                line: other.tty,
                host: other.from,
                start: other.login,
                end: None,
                down: false,
            });
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.start));
        let mut out = String::new();
        let mut shown = 0;
        for e in &entries {
            if !operands.is_empty()
                && !operands.iter().any(|o| {
                    *o == e.user || *o == e.line || e.line.strip_prefix("tty") == Some(o.as_str())
                })
            {
                continue;
            }
            if limit.is_some_and(|n| shown >= n) {
                break;
            }
            out.push_str(&row(e, show_host, full));
            shown += 1;
        }
        out.push_str(&format!("\nwtmp begins {}\n", full_time(installed)));
        cx.out(out);
        0
    }
}
