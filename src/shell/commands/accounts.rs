//! Passwords: `passwd` and `chpasswd` (shadow-utils with PAM, as on Ubuntu 22.04).
//!
//! A one-line command cannot answer prompts, so the answers come from standard input, as in
//! `echo -e "x\nx" | passwd`: the prompts are written (without the typed text or newlines,
//! since nothing is echoed) and the outcome is PAM's. Nothing is really changed: the account
//! files stay as they are, which an attacker only notices by logging in again.

use super::{Command, CommandCtx, usr_bin};

/// The lines of standard input, as the prompts would read them.
fn stdin_lines(cx: &CommandCtx<'_>) -> Vec<String> {
    String::from_utf8_lossy(cx.stdin)
        .split_inclusive('\n')
        .map(|l| l.trim_end_matches('\n').to_owned())
        .collect()
}

/// `passwd`: change a user's password.
pub struct Passwd;

/// PAM's failure tail.
const UNCHANGED: &str =
    "passwd: Authentication token manipulation error\npasswd: password unchanged\n";

impl Command for Passwd {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("passwd")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let operands: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let me = cx.state.user.clone();
        let root = cx.fs.cred().is_root();
        let target = operands.first().map_or(me.clone(), |u| (*u).clone());
        if target != me && !root {
            cx.err(format!(
                "passwd: You may not view or modify password information for {target}.\n"
            ));
            return 1;
        }
        if cx.fs.accounts().user(&target).is_none() {
            cx.err(format!("passwd: user '{target}' does not exist\n"));
            return 1;
        }
        let mut lines = stdin_lines(cx).into_iter();
        if !root {
            cx.err(format!(
                "Changing password for {target}.\nCurrent password: "
            ));
            if lines.next().is_none() {
                cx.err(UNCHANGED);
                return 10;
            }
        }
        cx.err("New password: ");
        let Some(first) = lines.next() else {
            cx.err(format!("Password change has been aborted.\n{UNCHANGED}"));
            return 10;
        };
        cx.err("Retype new password: ");
        let Some(second) = lines.next() else {
            cx.err(format!("Password change has been aborted.\n{UNCHANGED}"));
            return 10;
        };
        if first != second {
            cx.err(format!("Sorry, passwords do not match.\n{UNCHANGED}"));
            return 10;
        }
        cx.err("passwd: password updated successfully\n");
        0
    }
}

/// `chpasswd`: passwords in bulk, `user:password` lines on standard input.
pub struct Chpasswd;

impl Command for Chpasswd {
    fn names(&self) -> &'static [&'static str] {
        &["chpasswd", "/usr/sbin/chpasswd", "/sbin/chpasswd"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, _argv: &[String]) -> i32 {
        let root = cx.fs.cred().is_root();
        let accounts = cx.fs.accounts();
        let mut status = 0;
        for (n, line) in stdin_lines(cx).iter().enumerate() {
            let n = n + 1;
            let Some((user, _)) = line.split_once(':') else {
                cx.err(format!("chpasswd: line {n}: missing new password\n"));
                status = 1;
                continue;
            };
            if !root || accounts.user(user).is_none() {
                cx.err(format!(
                    "chpasswd: (user {user}) pam_chauthtok() failed, error:\n\
                     Authentication token manipulation error\n\
                     chpasswd: (line {n}, user {user}) password not changed\n"
                ));
                status = 1;
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from shadow-utils 4.13 `passwd`/`chpasswd` with PAM, run as root.

    use crate::shell::commands::testing::{run_as, run_status};

    fn text(user: &str, line: &str) -> (String, i32) {
        let o = run_as(user, line);
        (String::from_utf8_lossy(&o.output).into_owned(), o.status)
    }

    #[test]
    fn passwd_like_shadow() {
        assert_eq!(
            run_status("echo -e 'x1Yq9zz\\nx1Yq9zz' | passwd"),
            (
                "New password: Retype new password: passwd: password updated successfully\n".into(),
                0
            )
        );
        assert_eq!(
            run_status("echo -e 'a\\nb' | passwd root"),
            (
                "New password: Retype new password: Sorry, passwords do not match.\n\
                 passwd: Authentication token manipulation error\npasswd: password unchanged\n"
                    .into(),
                10
            )
        );
        assert_eq!(
            run_status("passwd"),
            (
                "New password: Password change has been aborted.\n\
                 passwd: Authentication token manipulation error\npasswd: password unchanged\n"
                    .into(),
                10
            )
        );
        assert_eq!(
            run_status("passwd nosuch"),
            ("passwd: user 'nosuch' does not exist\n".into(), 1)
        );
    }

    #[test]
    fn passwd_for_others_needs_root() {
        assert_eq!(
            text("deploy", "passwd root"),
            (
                "passwd: You may not view or modify password information for root.\n".into(),
                1
            )
        );
    }

    #[test]
    fn chpasswd_like_shadow() {
        assert_eq!(run_status("echo root:pw | chpasswd"), (String::new(), 0));
        assert_eq!(
            run_status("echo nosuch:pw | chpasswd"),
            (
                "chpasswd: (user nosuch) pam_chauthtok() failed, error:\n\
                 Authentication token manipulation error\n\
                 chpasswd: (line 1, user nosuch) password not changed\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("echo garbage | chpasswd"),
            ("chpasswd: line 1: missing new password\n".into(), 1)
        );
    }
}
