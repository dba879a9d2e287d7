//! `strings` (GNU binutils) and `su` (util-linux).

use super::{Command, CommandCtx, lookup, usr_bin};

/// The printable runs of at least `min` characters in `data`, one per line.
fn printable_runs(data: &[u8], min: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut run: Vec<u8> = Vec::new();
    for &b in data.iter().chain(std::iter::once(&0u8)) {
        if (0x20..0x7f).contains(&b) || b == b'\t' {
            run.push(b);
        } else {
            if run.len() >= min {
                out.extend_from_slice(&run);
                out.push(b'\n');
            }
            run.clear();
        }
    }
    out
}

/// `strings`: printable character runs of four or more.
pub struct Strings;

impl Command for Strings {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("strings")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let files: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        if files.is_empty() {
            let runs = printable_runs(cx.stdin, 4);
            cx.out(runs);
            return 0;
        }
        let mut status = 0;
        for name in files {
            if cx.fs.is_dir(name) {
                cx.err(format!("strings: Warning: '{name}' is a directory\n"));
                status = 1;
                continue;
            }
            match cx.fs.read(name) {
                Ok(bytes) => {
                    let runs = printable_runs(&bytes, 4);
                    cx.out(runs);
                }
                Err(_) => {
                    cx.err(format!("strings: '{name}': No such file\n"));
                    status = 1;
                }
            }
        }
        status
    }
}

/// `su`: root may run `su [-] [USER] -c COMMAND`; others fail to authenticate.
pub struct Su;

impl Command for Su {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("su")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        if !cx.fs.cred().is_root() {
            cx.err("Password: su: Authentication failure\n");
            return 1;
        }
        let mut args = argv.iter().skip(1);
        let mut command = None;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-c" | "--command" => command = args.next().cloned(),
                "-" | "-l" | "--login" | "-m" | "-p" => {}
                "-s" | "--shell" => {
                    args.next();
                }
                user if !user.starts_with('-') && cx.fs.accounts().user(user).is_none() => {
                    cx.err(format!("su: user {user} does not exist or the user entry does not contain all the required fields\n"));
                    return 1;
                }
                _ => {}
            }
        }
        let Some(command) = command else {
            return 0;
        };
        let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        let Some(name) = words.first() else {
            return 0;
        };
        match lookup(name).filter(|_| name != "su") {
            Some(program) => super::utils::run_nested(program, cx, &words),
            None => {
                cx.err(format!("bash: line 1: {name}: command not found\n"));
                127
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from GNU binutils 2.40 `strings` and util-linux 2.38 `su`.

    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn strings_like_binutils() {
        assert_eq!(
            run_status("echo -e 'ab\\0abcd\\tef\\0xyzw' | strings"),
            ("abcd\tef\nxyzw\n".into(), 0)
        );
        assert_eq!(
            run_status("strings nofile"),
            ("strings: 'nofile': No such file\n".into(), 1)
        );
        assert_eq!(
            run_status("strings /tmp"),
            ("strings: Warning: '/tmp' is a directory\n".into(), 1)
        );
    }

    #[test]
    fn su_needs_a_password() {
        let o = run_as("deploy", "su root");
        assert_eq!(
            (String::from_utf8_lossy(&o.output).into_owned(), o.status),
            ("Password: su: Authentication failure\n".into(), 1)
        );
        assert_eq!(run_status("su - root -c 'echo hi'"), ("hi\n".into(), 0));
    }
}
