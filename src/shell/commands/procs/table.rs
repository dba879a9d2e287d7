//! The process table: the profile's kernel threads and daemons plus the session's own
//! processes.

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};

use super::super::CommandCtx;
use super::Proc;

/// Every process at `now`, in PID order; `command` is the running command's argv. The
/// daemons' texts are borrowed from the host profile.
pub(crate) fn process_table<'a>(cx: &CommandCtx<'a>, command: &[String]) -> Vec<Proc<'a>> {
    let host = cx.host;
    let now = cx.now();
    let uptime = host.uptime_secs(now);
    let boot = host.boot_time;
    let mut procs = Vec::new();
    let uid_of = |user: &str| host.account(user).map_or(0, |a| a.uid);
    // Each service user's uid, looked up once: the services share a few users, and a lookup
    // builds the whole account.
    let mut uids: Vec<(&str, u32)> = Vec::new();
    for s in &host.services {
        let uid = match uids.iter().find(|(user, _)| *user == s.user) {
            Some(&(_, uid)) => uid,
            None => {
                let uid = uid_of(&s.user);
                uids.push((s.user.as_str(), uid));
                uid
            }
        };
        procs.push(Proc {
            pid: s.pid,
            ppid: s.ppid,
            user: Cow::Borrowed(&s.user),
            uid,
            tty: Cow::Borrowed(&s.tty),
            stat: Cow::Borrowed(&s.stat),
            vsz: s.vsz_kb,
            rss: s.rss_kb,
            shr: s.shr_kb,
            nice: s.nice,
            start: boot + Duration::seconds(i64::from(s.start_offset)),
            cpu_centis: s.cpu_secs(uptime) * 100 + u64::from(s.pid % 97),
            comm: Cow::Borrowed(&s.comm),
            args: Cow::Borrowed(&s.args),
            kernel: false,
        });
    }
    for k in host.kernel_threads() {
        let busy = k.name.starts_with("rcu_")
            || k.name.starts_with("ksoftirqd")
            || k.name.starts_with("kworker");
        procs.push(Proc {
            pid: k.pid,
            ppid: if k.pid == 2 { 0 } else { 2 },
            user: Cow::Borrowed("root"),
            uid: 0,
            tty: Cow::Borrowed("?"),
            stat: Cow::Borrowed(k.stat),
            vsz: 0,
            rss: 0,
            shr: 0,
            nice: match k.stat {
                "I<" => -20,
                "SN" if k.name == "khugepaged" => 19,
                "SN" => 5,
                _ => 0,
            },
            start: boot,
            cpu_centis: if busy { uptime / 900 } else { 0 },
            args: {
                let mut args = String::with_capacity(k.name.len() + 2);
                args.push('[');
                args.push_str(&k.name);
                args.push(']');
                Cow::Owned(args)
            },
            // The thread list is built for this table: its names are moved, not copied.
            comm: Cow::Owned(k.name),
            kernel: true,
        });
    }
    let account = host.session_account(&cx.state.user);
    let login = cx.state.login_time.unwrap_or(now);
    let login_uptime = host.uptime_secs(login);
    let sshd_pid = host.pid_at(login_uptime);
    let listener = host
        .services
        .iter()
        .find(|s| s.comm == "sshd")
        .map_or(1, |s| s.pid);
    let tty = if cx.state.tty.is_empty() {
        "?".to_owned()
    } else {
        cx.state.tty.clone()
    };
    let term = if cx.state.tty.is_empty() {
        "notty".to_owned()
    } else {
        cx.state.tty.clone()
    };
    let mut shell_parent = sshd_pid;
    if account.uid == 0 {
        procs.push(session_proc(
            sshd_pid,
            listener,
            "root",
            0,
            "?",
            "Ss",
            (17_164, 10_972, 8_704),
            login,
            3,
            "sshd",
            &format!("sshd: root@{term}"),
        ));
    } else {
        procs.push(session_proc(
            sshd_pid,
            listener,
            "root",
            0,
            "?",
            "Ss",
            (17_032, 10_880, 8_660),
            login,
            2,
            "sshd",
            &format!("sshd: {} [priv]", account.name),
        ));
        shell_parent = sshd_pid + 88;
        procs.push(session_proc(
            shell_parent,
            sshd_pid,
            &account.name,
            account.uid,
            "?",
            "S",
            (17_296, 8_124, 5_560),
            login,
            1,
            "sshd",
            &format!("sshd: {}@{term}", account.name),
        ));
    }
    let bash_pid =
        shell_parent + 1 + (host.seed % 3) as u32 + if account.uid == 0 { 95 } else { 0 };
    let history = cx.state.history.len() as u64;
    procs.push(session_proc(
        bash_pid,
        shell_parent,
        &account.name,
        account.uid,
        &tty,
        "Ss",
        (8_788, 5_460, 3_580),
        login,
        1 + history / 20,
        "bash",
        "-bash",
    ));
    let own_pid = host.pid_at(uptime).max(bash_pid + 2) + history as u32;
    let name = command
        .first()
        .map_or("ps", |c| c.rsplit('/').next().unwrap_or(c));
    let fg = if cx.state.tty.is_empty() { "R" } else { "R+" };
    procs.push(session_proc(
        own_pid,
        bash_pid,
        &account.name,
        account.uid,
        &tty,
        fg,
        (10_072, 3_588, 3_072),
        now,
        0,
        name,
        &command.join(" "),
    ));
    procs.sort_by_key(|p| p.pid);
    procs
}

#[allow(clippy::too_many_arguments)]
fn session_proc(
    pid: u32,
    ppid: u32,
    user: &str,
    uid: u32,
    tty: &str,
    stat: &'static str,
    sizes: (u64, u64, u64),
    start: DateTime<Utc>,
    cpu_centis: u64,
    comm: &str,
    args: &str,
) -> Proc<'static> {
    Proc {
        pid,
        ppid,
        user: Cow::Owned(user.to_owned()),
        uid,
        tty: Cow::Owned(tty.to_owned()),
        stat: Cow::Borrowed(stat),
        vsz: sizes.0,
        rss: sizes.1,
        shr: sizes.2,
        nice: 0,
        start,
        cpu_centis,
        comm: Cow::Owned(comm.chars().take(15).collect()),
        args: Cow::Owned(args.to_owned()),
        kernel: false,
    }
}
