//! Expected outputs written from procps-ng 3.3.17: `ps` formats (`DefSysV`, `-f`, BSD `x`
//! and `u`) laid out by `show_one_proc` with PID columns widened to pid_max's 7 digits, and
//! `top`'s batch frame (`STATE_line_1_fmt`, `STATE_lin2x7_fmt`, `MEMORY_lines_fmt`, the
//! default field list), for the fixed host and the root session on pts/0.

use super::{Just, render_row};
use crate::shell::commands::testing::{host, run, run_as};

fn cells(cells: &[(&str, usize, Just)]) -> Vec<(String, usize, Just)> {
    cells
        .iter()
        .map(|(t, w, j)| ((*t).to_owned(), *w, *j))
        .collect()
}

#[test]
fn show_one_proc_spacing() {
    let header = cells(&[
        ("USER", 8, Just::User),
        ("PID", 7, Just::Right),
        ("%CPU", 4, Just::Right),
        ("VSZ", 6, Just::Right),
        ("RSS", 5, Just::Right),
        ("COMMAND", 27, Just::Unlimited),
    ]);
    assert_eq!(
        render_row(&header),
        "USER         PID %CPU    VSZ   RSS COMMAND\n"
    );
    // A user name longer than the column is cut with '+'.
    let row = cells(&[
        ("systemd-network", 8, Just::User),
        ("401", 7, Just::Right),
        ("0.0", 4, Just::Right),
        ("16124", 6, Just::Right),
        ("8012", 5, Just::Right),
        ("x", 27, Just::Unlimited),
    ]);
    assert_eq!(render_row(&row), "systemd+     401  0.0  16124  8012 x\n");
    // An overflowing VSZ pushes RSS right by one, then the gap closes again.
    let row = cells(&[
        ("root", 8, Just::User),
        ("487", 7, Just::Right),
        ("0.0", 4, Just::Right),
        ("1318300", 6, Just::Right),
        ("18900", 5, Just::Right),
        ("x", 27, Just::Unlimited),
    ]);
    assert_eq!(render_row(&row), "root         487  0.0 1318300 18900 x\n");
}

#[test]
fn ps_default_shows_the_terminal() {
    let out = run("ps");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "    PID TTY          TIME CMD");
    assert!(lines[1].ends_with(" pts/0    00:00:00 bash"), "{out}");
    assert!(lines[2].ends_with(" pts/0    00:00:00 ps"), "{out}");
    let bash: u32 = lines[1]
        .trim()
        .split(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let ps: u32 = lines[2]
        .trim()
        .split(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    assert!(bash > 733 && ps > bash, "{out}");
}

#[test]
fn ps_ef_and_aux() {
    let out = run("ps -ef");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("UID          PID    PPID  C STIME TTY          TIME CMD")
    );
    assert_eq!(
        lines.next(),
        Some("root           1       0  0 Jan10 ?        00:23:35 /sbin/init")
    );
    assert_eq!(
        lines.next(),
        Some("root           2       0  0 Jan10 ?        00:00:00 [kthreadd]")
    );
    assert!(
        out.contains(
            "\nsystemd+     401       1  0 Jan10 ?        00:01:00 /lib/systemd/systemd-networkd\n"
        ),
        "{out}"
    );
    assert!(out.contains("\nroot         733       1  0 Jan10 ?        00:10:06 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\n"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.ends_with(" 10:02 ?        00:00:00 sshd: root@pts/0")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.ends_with(" 10:03 pts/0    00:00:00 ps -ef")),
        "{out}"
    );

    let aux = run("ps aux");
    let mut lines = aux.lines();
    assert_eq!(
        lines.next(),
        Some("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND")
    );
    assert_eq!(
        lines.next(),
        Some("root           1  0.0  0.3 167700 12900 ?        Ss   Jan10  23:35 /sbin/init")
    );
    assert!(aux.contains("\nsyslog       531  0.0  0.1 222404  5812 ?        Ssl  Jan10   1:30 /usr/sbin/rsyslogd -n -iNONE\n"), "{aux}");
    assert_eq!(run("ps -aux"), aux.replace("ps aux", "ps -aux"));
    assert_eq!(run("ps axu"), aux.replace("ps aux", "ps axu"));
}

#[test]
fn ps_bsd_x_and_users() {
    let x = run("ps x");
    assert!(
        x.starts_with(
            "    PID TTY      STAT   TIME COMMAND\n      1 ?        Ss    23:35 /sbin/init\n"
        ),
        "{x}"
    );
    // root's processes only: not the network daemons.
    assert!(!x.contains("systemd-networkd"));
    let user = String::from_utf8_lossy(&run_as("deploy", "ps x").output).into_owned();
    assert!(
        user.contains(" ?        S      0:00 sshd: deploy@pts/0\n"),
        "{user}"
    );
    assert!(user.contains(" pts/0    Ss     0:00 -bash\n"), "{user}");
    assert!(!user.contains("/sbin/init"));
}

#[test]
fn top_batch_frame() {
    let h = host();
    let now = crate::host::fixture::now();
    let m = h.memory_at(now);
    let out = run("top -b -n 1");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("top - 10:03:01 up 42 days,  2:50,  1 user,  load average: "),
        "{out}"
    );
    let procs = out.lines().skip(7).count();
    assert_eq!(
        lines[1],
        format!(
            "Tasks: {procs:3} total,   1 running, {:3} sleeping,   0 stopped,   0 zombie",
            procs - 1
        )
    );
    assert!(lines[2].starts_with("%Cpu(s):"), "{out}");
    assert!(lines[2].ends_with(" si,  0.0 st"), "{out}");
    let mib = |kb: u64| format!("{:.1}", kb as f64 / 1024.0);
    let cache = m.cached + m.sreclaimable + m.buffers;
    assert_eq!(
        lines[3],
        format!(
            "MiB Mem : {:>8} total, {:>8} free, {:>8} used, {:>8} buff/cache",
            mib(m.total),
            mib(m.free),
            mib(m.total - m.free - cache),
            mib(cache)
        )
    );
    assert_eq!(
        lines[4],
        format!(
            "MiB Swap:      0.0 total,      0.0 free,      0.0 used. {:>8} avail Mem ",
            mib(m.available)
        )
    );
    assert_eq!(lines[5], "");
    assert_eq!(
        lines[6],
        "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND"
    );
    assert!(lines[7].ends_with(" R   6.2   0.1   0:00.00 top"), "{out}");
    assert!(
        out.contains(
            "\n      1 root      20   0  167700  12900   8424 S   0.0   0.3  23:35.01 systemd\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "\n    241 root      19  -1   55412  17240  16088 S   0.0   0.4  10:06.47 systemd+\n"
        ),
        "{out}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= 79), "{out}");
    // Interactive top prints the same single frame.
    assert_eq!(run("top").lines().count(), lines.len());
}

#[test]
fn ps_dashed_bsd_options_fall_back_to_bsd() {
    // procps 3.3.17 re-reads options that are bad SysV ones as BSD ones, without a warning.
    let x = run("ps -x");
    assert!(
        x.starts_with(
            "    PID TTY      STAT   TIME COMMAND\n      1 ?        Ss    23:35 /sbin/init\n"
        ),
        "{x}"
    );
    assert_eq!(run("ps -ax").lines().next(), run("ps ax").lines().next());
    assert!(!run("ps -aux").contains("Warning"));
    // `-u x` names no user, so `-aux` is `aux` even written with a separate `u`.
    assert!(run("ps -au x").starts_with("USER         PID %CPU %MEM"));
    // A real SysV `-u` still selects by user.
    assert!(run("ps -u root").starts_with("    PID TTY          TIME CMD\n"));
}

#[test]
fn ps_bad_in_both_syntaxes_reports_the_sysv_error() {
    let (out, status) = crate::shell::commands::testing::run_status("ps -K");
    assert_eq!(status, 1);
    assert!(
        out.starts_with("error: unsupported SysV option\n\nUsage:\n ps [options]\n"),
        "{out}"
    );
}
