//! `lastlog` (shadow 4.8.1): every account of `/etc/passwd` with its last login. The logins
//! are the ones `last` shows: the session's own (its terminal, address and time, when it has
//! a terminal, as sshd records only those) and otherwise each user's newest login of the
//! seeded wtmp history.

use super::sessions::{history, login_time, users_logged_in};
use super::{Command, CommandCtx, usr_bin};

/// shadow's `maxIPv6Addrlen`: a link-local IPv6 address, `%` and an interface name.
const HOST_WIDTH: usize = 42;

/// `lastlog`.
pub struct Lastlog;

impl Command for Lastlog {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("lastlog")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut only: Option<String> = None;
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-u" | "--user" => match args.next() {
                    Some(user) => only = Some(user.clone()),
                    None => {
                        cx.err("lastlog: option requires an argument -- 'u'\n");
                        return 1;
                    }
                },
                a if a.starts_with("-u") => only = Some(a.trim_start_matches("-u").to_owned()),
                a if a.starts_with('-') => {}
                a => {
                    cx.err(format!("lastlog: unexpected argument: {a}\n"));
                    return 1;
                }
            }
        }
        let accounts = cx.fs.accounts();
        let users: Vec<_> = match &only {
            Some(name) => match accounts.user(name) {
                Some(user) => vec![user.clone()],
                None => {
                    cx.err(format!("lastlog: Unknown user or range: {name}\n"));
                    return 1;
                }
            },
            None => accounts.users.clone(),
        };
        let now = cx.now();
        let (_, past) = history(cx.host, now);
        let own = users_logged_in(cx) > 0;
        let mut out = format!(
            "Username         Port     From{}Latest\n",
            " ".repeat(HOST_WIDTH - 4)
        );
        for user in users {
            let latest = if own && user.name == cx.state.user {
                Some((
                    cx.state.tty.clone(),
                    cx.state.remote_ip.clone(),
                    login_time(cx),
                ))
            } else {
                past.iter()
                    .rev()
                    .find(|e| e.user == user.name)
                    .map(|e| (e.line.clone(), e.host.clone(), e.start))
            };
            match latest {
                Some((port, from, at)) => out.push_str(&format!(
                    "{:<16} {:<8.8} {:<HOST_WIDTH$}{}\n",
                    user.name,
                    port,
                    from,
                    at.format("%a %b %e %H:%M:%S %z %Y")
                )),
                None => out.push_str(&format!(
                    "{:<16} {:<8.8} {:<HOST_WIDTH$}**Never logged in**\n",
                    user.name, "", ""
                )),
            }
        }
        cx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    //! Expected layout from shadow 4.8.1's `lastlog`.

    use crate::shell::commands::testing::run_status;

    #[test]
    fn agrees_with_last() {
        // Every user `last` lists has its newest `last` login in lastlog, same port and host.
        let last = run_status("last -F").0;
        let lastlog = run_status("lastlog").0;
        let mut checked = 0;
        for line in last
            .lines()
            .filter(|l| !l.starts_with("reboot") && !l.is_empty())
        {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 3 || fields[0] == "wtmp" {
                continue;
            }
            let (user, port, from) = (fields[0], fields[1], fields[2]);
            checked += 1;
            let newest = last
                .lines()
                .find(|l| l.split_whitespace().next() == Some(user))
                .unwrap_or_default();
            if newest != line {
                continue;
            }
            let entry = lastlog
                .lines()
                .find(|l| l.split_whitespace().next() == Some(user))
                .unwrap_or_default();
            let shown: Vec<&str> = entry.split_whitespace().collect();
            assert_eq!(shown.get(1..3), Some(&[port, from][..]), "{entry}\n{last}");
            // Same login time: `last -F` shows `Wed Feb 21 10:02:11 2024`.
            let when = fields[3..8].join(" ");
            let logged = format!("{} {}", shown[3..7].join(" "), shown[8]);
            assert_eq!(logged, when, "{entry}\n{line}");
        }
        assert!(checked > 0, "{last}");
    }

    #[test]
    fn lists_every_account_with_the_session_login() {
        let (out, status) = run_status("lastlog");
        assert_eq!(status, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "Username         Port     From                                      Latest"
        );
        assert_eq!(
            lines[1],
            "root             pts/0    203.0.113.5                               Wed Feb 21 10:02:11 +0000 2024"
        );
        assert_eq!(
            lines[2],
            "daemon                                                              **Never logged in**"
        );
        assert_eq!(
            run_status("lastlog -u nosuch"),
            ("lastlog: Unknown user or range: nosuch\n".into(), 1)
        );
    }
}
