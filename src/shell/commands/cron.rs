//! `crontab` (Vixie cron 3.0pl1 as Debian and Ubuntu ship it).
//!
//! Crontabs live in the session's filesystem at `/var/spool/cron/crontabs/<user>`, so
//! `crontab file` followed by `crontab -l` shows what was installed, and `ls` of the spool
//! sees it. The file is checked like cron does (five time fields or an `@` keyword) before it
//! is installed. `-e` cannot start an editor: it fails as the editor would without a terminal.

use super::{Command, CommandCtx, usr_bin};

/// Where crontabs are kept.
const SPOOL: &str = "/var/spool/cron/crontabs";

/// `crontab`'s usage text.
const USAGE: &str = "usage:\tcrontab [-u user] [-n] file\n\
\tcrontab [ -u user ] [ -i ] { -e | -l | -r }\n\
\n\
\t-h\t(displays this help message)\n\
\n\
\tfile\t(default operation is replace, per 1003.2)\n\
\t-n\t(dry run: checks the syntax, then bails out)\n\
\t-u user\t(choose the user whose crontab is touched)\n\
\n\
\t-e\t(edit user's crontab)\n\
\t-l\t(list user's crontab)\n\
\t-r\t(delete user's crontab)\n\
\n\
\t-i\t(prompt before deleting user's crontab)\n";

/// `crontab`.
pub struct Crontab;

/// The first error in crontab `text` named `name`, as cron words it.
fn check(name: &str, text: &str) -> Option<String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Some("new crontab file is missing newline before EOF, can't install.\n".into());
    }
    const FIELDS: [(&str, u32, u32); 5] = [
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day-of-month", 1, 31),
        ("month", 1, 12),
        ("day-of-week", 0, 7),
    ];
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') || is_assignment(line) {
            continue;
        }
        if let Some(keyword) = line.strip_prefix('@') {
            let word = keyword.split_whitespace().next().unwrap_or("");
            let known = [
                "reboot", "yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly",
            ];
            if known.contains(&word) {
                continue;
            }
            return Some(format!(
                "\"{name}\":{}: bad time specifier\nerrors in crontab file, can't install.\n",
                n + 1
            ));
        }
        let mut words = line.split_whitespace();
        for (field, low, high) in FIELDS {
            let word = words.next().unwrap_or("");
            let names = field == "month" || field == "day-of-week";
            match valid_field(word, low, high, names) {
                Ok(()) => {}
                // cron reports a value out of range at line 0.
                Err(out_of_range) => {
                    let at = if out_of_range { 0 } else { n + 1 };
                    return Some(format!(
                        "\"{name}\":{at}: bad {field}\nerrors in crontab file, can't install.\n"
                    ));
                }
            }
        }
    }
    None
}

/// `NAME=value` lines set the environment of the jobs.
fn is_assignment(line: &str) -> bool {
    match line.split_once('=') {
        Some((name, _)) => {
            let name = name.trim();
            !name.is_empty()
                && !name.contains(char::is_whitespace)
                && !name.starts_with(|c: char| c.is_ascii_digit() || c == '*')
        }
        None => false,
    }
}

/// Checks one time field: `Err(true)` for a number out of range, `Err(false)` for bad syntax.
fn valid_field(word: &str, low: u32, high: u32, names: bool) -> Result<(), bool> {
    if word.is_empty() {
        return Err(false);
    }
    for item in word.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step
            && step.parse::<u32>().is_err()
        {
            return Err(false);
        }
        if range == "*" {
            continue;
        }
        for bound in range.splitn(2, '-') {
            let number = match bound.parse::<u32>() {
                Ok(v) => v,
                Err(_)
                    if names
                        && bound.len() == 3
                        && bound.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    continue;
                }
                Err(_) => return Err(false),
            };
            if number < low || number > high {
                return Err(true);
            }
        }
    }
    Ok(())
}

impl Command for Crontab {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("crontab")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut user = cx.state.user.clone();
        let mut action = None;
        let mut file = None;
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-l" | "-r" | "-e" => action = Some(arg.clone()),
                "-i" | "-n" => {}
                "-u" => {
                    let Some(name) = args.next() else {
                        cx.err(format!(
                            "crontab: option requires an argument -- 'u'\ncrontab: usage error: unrecognized option\n{USAGE}"
                        ));
                        return 1;
                    };
                    if !cx.fs.cred().is_root() && *name != user {
                        cx.err("must be privileged to use -u\n");
                        return 1;
                    }
                    if cx.fs.accounts().user(name).is_none() {
                        cx.err(format!("crontab: user `{name}' unknown\n"));
                        return 1;
                    }
                    user = name.clone();
                }
                "-" => file = Some(arg.clone()),
                a if a.starts_with('-') => {
                    let c = a.chars().nth(1).unwrap_or('-');
                    let head = if c == 'h' {
                        String::new()
                    } else {
                        format!("crontab: invalid option -- '{c}'\n")
                    };
                    cx.err(format!(
                        "{head}crontab: usage error: unrecognized option\n{USAGE}"
                    ));
                    return 1;
                }
                _ => file = Some(arg.clone()),
            }
        }
        let path = format!("{SPOOL}/{user}");
        match action.as_deref() {
            Some("-l") => match cx.fs.read(&path) {
                Ok(bytes) => {
                    cx.out(bytes);
                    0
                }
                Err(_) => {
                    cx.err(format!("no crontab for {user}\n"));
                    1
                }
            },
            Some("-r") => {
                if cx.fs.unlink(&path).is_err() {
                    cx.err(format!("no crontab for {user}\n"));
                    return 1;
                }
                0
            }
            Some(_) => {
                if !cx.fs.exists(&path) {
                    cx.err(format!("no crontab for {user} - using an empty one\n"));
                }
                cx.err("crontab: \"/usr/bin/sensible-editor\" exited with status 1\n");
                1
            }
            None => {
                // No operand: crontab reads standard input, as `-`.
                let name = file.unwrap_or_else(|| "-".to_owned());
                let text = if name == "-" {
                    cx.stdin.to_vec()
                } else {
                    match cx.fs.read(&name) {
                        Ok(bytes) => bytes,
                        Err(err) => {
                            cx.err(format!("{name}: {err}\n"));
                            return 1;
                        }
                    }
                };
                let text = String::from_utf8_lossy(&text).into_owned();
                if let Some(error) = check(&name, &text) {
                    cx.err(error);
                    return 1;
                }
                cx.fs.mkdir_all(SPOOL, 0o730).unwrap_or(());
                match cx.fs.write_data(
                    &path,
                    crate::host::fs::Data::Bytes(std::sync::Arc::new(text.into_bytes())),
                    0o600,
                ) {
                    Ok(()) => 0,
                    Err(err) => {
                        cx.err(format!("crontab: {path}: {err}\n"));
                        1
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from Debian's cron 3.0pl1 `crontab`, run as root.

    use crate::shell::commands::testing::run_status;

    const USAGE_ERR: &str =
        "crontab: invalid option -- 'z'\ncrontab: usage error: unrecognized option\n";

    #[test]
    fn list_install_remove() {
        assert_eq!(
            run_status("crontab -l"),
            ("no crontab for root\n".into(), 1)
        );
        assert_eq!(
            run_status("crontab -r"),
            ("no crontab for root\n".into(), 1)
        );
        assert_eq!(
            run_status(
                "echo '* * * * * /tmp/x' > /tmp/cr; crontab /tmp/cr; crontab -l; ls /var/spool/cron/crontabs; crontab -r; crontab -l"
            ),
            ("* * * * * /tmp/x\nroot\nno crontab for root\n".into(), 1)
        );
        assert_eq!(
            run_status(
                "echo -e '@reboot x\\nA=b\\n# c\\n\\n*/5 * * * * x' | crontab -; crontab -l"
            ),
            ("@reboot x\nA=b\n# c\n\n*/5 * * * * x\n".into(), 0)
        );
    }

    #[test]
    fn errors_like_cron() {
        assert_eq!(
            run_status("crontab /nonexist"),
            ("/nonexist: No such file or directory\n".into(), 1)
        );
        assert_eq!(
            run_status("echo bad > /tmp/c2; crontab /tmp/c2"),
            (
                "\"/tmp/c2\":1: bad minute\nerrors in crontab file, can't install.\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("echo -n '* * * * * x' | crontab -"),
            (
                "new crontab file is missing newline before EOF, can't install.\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("echo '61 * * * * x' | crontab -"),
            (
                "\"-\":0: bad minute\nerrors in crontab file, can't install.\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("echo '* 25 * * * x' | crontab -"),
            (
                "\"-\":0: bad hour\nerrors in crontab file, can't install.\n".into(),
                1
            )
        );
        let (out, status) = run_status("crontab -z");
        assert_eq!(status, 1);
        assert!(out.starts_with(USAGE_ERR), "{out}");
        assert!(out.ends_with("\t-i\t(prompt before deleting user's crontab)\n"));
    }
}
