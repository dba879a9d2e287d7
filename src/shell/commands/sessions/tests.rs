//! Expected outputs written from procps-ng `whattime.c`/`uptime.c`/`w.c`, coreutils
//! `who.c` and util-linux `last.c` for the fixed host: booted Wed 10 Jan 2024 07:12:43, now
//! Wed 21 Feb 2024 10:03:01 (up 42 days, 2:50), root logged in at 10:02:11 from 203.0.113.5.

use super::{interval7, pretty_uptime};
use crate::shell::commands::testing::{host, run, run_as, run_status};

fn load() -> String {
    let l = host().load_at(crate::host::fixture::now()).avg;
    format!("{:.2}, {:.2}, {:.2}", l[0], l[1], l[2])
}

#[test]
fn uptime_lines() {
    assert_eq!(
        run("uptime"),
        format!(
            " 10:03:01 up 42 days,  2:50,  1 user,  load average: {}\n",
            load()
        )
    );
    assert_eq!(run("uptime -p"), "up 6 weeks, 2 hours, 50 minutes\n");
    assert_eq!(run("uptime -s"), "2024-01-10 07:12:43\n");
    assert_eq!(run("uptime -V"), "uptime from procps-ng 3.3.17\n");
    let (out, status) = run_status("uptime -x");
    assert!(out.starts_with("uptime: invalid option -- 'x'\n\nUsage:\n uptime [options]\n"));
    assert_eq!(status, 1);
}

#[test]
fn pretty_uptime_per_version() {
    // 3.3 reduces modulo; 4.0 subtracts and then always shows minutes.
    assert_eq!(pretty_uptime(59, false), "up 0 minutes");
    assert_eq!(pretty_uptime(3_600, false), "up 1 hour");
    // procps 4 compares with `>`: a whole hour is still 60 minutes.
    assert_eq!(pretty_uptime(3_600, true), "up 60 minutes");
    assert_eq!(pretty_uptime(3_601, true), "up 1 hour, 0 minutes");
    assert_eq!(
        pretty_uptime(86_400 * 8 + 60, false),
        "up 1 week, 1 day, 1 minute"
    );
    assert_eq!(
        pretty_uptime(86_400 * 400, false),
        "up 1 year, 5 weeks, 1 day"
    );
}

#[test]
fn w_shows_the_session() {
    assert_eq!(
        run("w"),
        format!(
            " 10:03:01 up 42 days,  2:50,  1 user,  load average: {}\n\
             USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n\
             root     pts/0    203.0.113.5      10:02    0.00s  0.02s  0.00s w\n",
            load()
        )
    );
    assert_eq!(
        run("w -h -s"),
        "root     pts/0    203.0.113.5       0.00s w -h -s\n"
    );
    assert_eq!(
        run("w nobody"),
        format!(
            " 10:03:01 up 42 days,  2:50,  1 user,  load average: {}\n\
         USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n",
            load()
        )
    );
}

#[test]
fn idle_intervals() {
    assert_eq!(interval7(0, 0), "  0.00s");
    assert_eq!(interval7(75, 0), "  1:15 ");
    assert_eq!(interval7(3 * 3_600 + 120, 0), "  3:02m");
    assert_eq!(interval7(3 * 86_400, 0), "  3days");
}

#[test]
fn who_and_users() {
    assert_eq!(
        run("who"),
        "root     pts/0        2024-02-21 10:02 (203.0.113.5)\n"
    );
    assert_eq!(
        run("LC_ALL=C who"),
        "root     pts/0        Feb 21 10:02 (203.0.113.5)\n"
    );
    assert_eq!(run("who -b"), "         system boot  2024-01-10 07:12\n");
    assert_eq!(run("who -q"), "root\n# users=1\n");
    assert_eq!(
        run("who -H"),
        "NAME     LINE         TIME             COMMENT\nroot     pts/0        2024-02-21 10:02 (203.0.113.5)\n"
    );
    assert_eq!(run("users"), "root\n");
    assert_eq!(
        String::from_utf8_lossy(&run_as("deploy", "whoami; who").output),
        "deploy\ndeploy   pts/0        2024-02-21 10:02 (203.0.113.5)\n"
    );
}

#[test]
fn last_lists_the_history_newest_first() {
    let out = run("last");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("root     pts/0        203.0.113.5      Wed Feb 21 10:02   still logged in")
    );
    assert!(
        out.contains("\nreboot   system boot  5.15.0-91-generi Wed Jan 10 07:12   still running\n")
    );
    assert!(out.contains("\n\nwtmp begins "));
    let footer = out.lines().last().unwrap_or_default();
    assert!(footer.starts_with("wtmp begins "), "{footer}");
    // `%a %b %e %H:%M:%S %Y`
    let date = footer.trim_start_matches("wtmp begins ");
    assert!(
        chrono::NaiveDateTime::parse_from_str(
            &date.split_whitespace().collect::<Vec<_>>().join(" "),
            "%a %b %d %H:%M:%S %Y"
        )
        .is_ok(),
        "{date}"
    );
    // Every row: `%-8.8s %-12.12s %-16.16s %-16.16s …`.
    for line in out.lines().take_while(|l| !l.is_empty()) {
        assert_eq!(line.get(8..9), Some(" "), "{line}");
        assert_eq!(line.get(21..22), Some(" "), "{line}");
        assert_eq!(line.get(38..39), Some(" "), "{line}");
    }
    assert_eq!(
        run("last -n 1 -R"),
        "root     pts/0        Wed Feb 21 10:02   still logged in\n\nwtmp begins ".to_owned()
            + out
                .lines()
                .last()
                .unwrap_or_default()
                .trim_start_matches("wtmp begins ")
            + "\n"
    );
    let reboots = run("last reboot");
    assert!(
        reboots
            .lines()
            .take_while(|l| !l.is_empty())
            .all(|l| l.starts_with("reboot "))
    );
}

#[test]
fn last_needs_its_wtmp() {
    // util-linux 2.37: a missing file cannot be opened; an emptied one has no entries and
    // begins at its change time.
    assert_eq!(
        run_status("rm -f /var/log/wtmp; last"),
        (
            "last: cannot open /var/log/wtmp: No such file or directory\n".into(),
            1
        )
    );
    assert_eq!(
        run_status("cat /dev/null > /var/log/wtmp; last"),
        ("\nwtmp begins Wed Feb 21 10:03:01 2024\n".into(), 0)
    );
}
