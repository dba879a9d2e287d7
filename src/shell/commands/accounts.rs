//! Passwords: `passwd` and `chpasswd` (shadow-utils with PAM, as on Ubuntu 22.04).
//!
//! A one-line command cannot answer prompts, so the answers come from standard input, as in
//! `echo -e "x\nx" | passwd`: the prompts are written (without the typed text or newlines,
//! since nothing is echoed) and the outcome is PAM's. A successful change rewrites the user's
//! `/etc/shadow` line in the session's overlay: a new SHA-512 crypt-shaped hash (`$6$salt$…`,
//! made up from the session's random source and the password, not a real crypt) and today's
//! day number as the last change, as setuid-root `passwd` writes it.

use rand::Rng;

use super::{Command, CommandCtx, usr_bin};
use crate::host::fs::Cred;

/// The crypt(3) alphabet.
const CRYPT_ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A `$6$salt$hash` string: a 16-character salt from the session's random source and an
/// 86-character hash derived from salt and password (same lengths and alphabet as glibc's).
fn sha512_crypt_like(cx: &mut CommandCtx<'_>, password: &str) -> String {
    let mut rng = cx.state.rng();
    let salt: String = (0..16)
        .map(|_| char::from(CRYPT_ALPHABET[rng.gen_range(0..CRYPT_ALPHABET.len())]))
        .collect();
    let mut state = format!("{salt}${password}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
        | 1;
    let hash: String = (0..86)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(CRYPT_ALPHABET[(state % 64) as usize])
        })
        .collect();
    format!("$6${salt}${hash}")
}

/// Puts a new hash for `password` and today's date into `user`'s `/etc/shadow` line. The
/// real tools are setuid root, so the file is written as root whoever runs them.
fn update_shadow(cx: &mut CommandCtx<'_>, user: &str, password: &str) {
    let hash = sha512_crypt_like(cx, password);
    let day = cx.now().timestamp().div_euclid(86_400);
    let saved = std::mem::replace(&mut cx.fs.cred, Cred::root());
    if let Ok(bytes) = cx.fs.read_limited("/etc/shadow", 1 << 20) {
        let text = String::from_utf8_lossy(&bytes);
        let mut out = String::new();
        for line in text.lines() {
            let mut fields: Vec<&str> = line.split(':').collect();
            let day_text = day.to_string();
            if fields.len() >= 3 && fields[0] == user {
                fields[1] = &hash;
                fields[2] = &day_text;
                out.push_str(&fields.join(":"));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        // A full overlay leaves the old line: the change is lost as on a full disk.
        if cx.fs.write("/etc/shadow", out.as_bytes(), false).is_err() {
            tracing::debug!("Shadow update refused by the overlay.");
        }
    }
    cx.fs.cred = saved;
}

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
        update_shadow(cx, &target, &first);
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
            let Some((user, password)) = line.split_once(':') else {
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
            } else {
                update_shadow(cx, user, password);
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

    /// The shadow line `grep` shows for `user` after `line` ran.
    fn shadow_after(user: &str, line: &str) -> Vec<String> {
        let (out, _) = run_status(&format!(
            "{line} >/dev/null 2>&1; grep '^{user}:' /etc/shadow"
        ));
        out.trim_end().split(':').map(str::to_owned).collect()
    }

    #[test]
    fn a_new_password_reaches_shadow() {
        let today = (crate::host::fixture::now().timestamp() / 86_400).to_string();
        let before = shadow_after("deploy", "true");
        for line in [
            "echo -e 'x1Yq9zz\\nx1Yq9zz' | passwd deploy",
            "echo deploy:n3wPass | chpasswd",
        ] {
            let fields = shadow_after("deploy", line);
            assert_eq!(fields.len(), 9, "{fields:?}");
            let hash: Vec<&str> = fields[1].split('$').collect();
            assert_eq!(hash.len(), 4, "{}", fields[1]);
            assert_eq!((hash[0], hash[1]), ("", "6"));
            assert_eq!(hash[2].len(), 16);
            assert_eq!(hash[3].len(), 86);
            assert_ne!(fields[1], before[1]);
            assert_eq!(fields[2], today);
            // The rest of the line is untouched.
            assert_eq!(fields[3..], before[3..]);
        }
        // A failed change leaves it alone.
        assert_eq!(
            shadow_after("deploy", "echo -e 'a\\nb' | passwd deploy"),
            before
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
