//! `lastlog` (shadow 4.8.1): every account of `/etc/passwd` with its last login; the
//! session's own login (its terminal, address and time) is the one the file records.

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
        let login = cx.state.login_time.unwrap_or_else(|| cx.now());
        let mut out = format!(
            "Username         Port     From{}Latest\n",
            " ".repeat(HOST_WIDTH - 4)
        );
        for user in users {
            if user.name == cx.state.user {
                let tty = if cx.state.tty.is_empty() {
                    "ssh".to_owned()
                } else {
                    cx.state.tty.clone()
                };
                out.push_str(&format!(
                    "{:<16} {:<8.8} {:<HOST_WIDTH$}{}\n",
                    user.name,
                    tty,
                    cx.state.remote_ip,
                    login.format("%a %b %e %H:%M:%S %z %Y")
                ));
            } else {
                out.push_str(&format!(
                    "{:<16} {:<8.8} {:<HOST_WIDTH$}**Never logged in**\n",
                    user.name, "", ""
                ));
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
