//! Small GNU coreutils programs: `yes`, `tty`, `arch`, `groups` and `sync` (`mktemp` has its
//! own file).

use super::coreutils_help::{self, usage};
use super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::{Command, CommandCtx, try_help, usr_bin};

/// Parses options that are only `--help` and `--version` plus `table`, answering those two
/// itself. `Err` carries the exit status to return.
pub(crate) fn standard(
    cx: &mut CommandCtx<'_>,
    argv: &[String],
    name: &str,
    table: &[Spec],
    help: &str,
    authors: &str,
    failure: i32,
) -> Result<(String, Vec<super::gnu_opts::Opt>, Vec<String>), i32> {
    let prog = prog_name(argv, name).to_owned();
    let mut full: Vec<Spec> = table.to_vec();
    full.push(('\0', "help", Arg::No));
    full.push(('\0', "version", Arg::No));
    let (opts, operands) = match getopt(&prog, argv.get(1..).unwrap_or_default(), &full, false) {
        Ok(parsed) => parsed,
        Err(message) => {
            cx.err(message + &try_help(&prog));
            return Err(failure);
        }
    };
    if let Some(opt) = opts.iter().find(|o| o.key == "help" || o.key == "version") {
        let text = if opt.key == "help" {
            usage(cx, &prog, name, help)
        } else {
            cx.coreutils_version_text(name, authors)
        };
        cx.out(text);
        return Err(0);
    }
    Ok((prog, opts, operands))
}

/// `yes`: its arguments (or `y`) again and again, until the output would stop taking them
/// (a pipe's reader leaving, or the command's output bound).
pub struct Yes;

impl Command for Yes {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("yes")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog_name(argv, "yes").to_owned();
        let args = argv.get(1..).unwrap_or_default();
        // yes parses only --help/--version (and --), as parse_long_options does.
        let mut words = args;
        if let Some(first) = args.first() {
            if args.len() == 1 && first == "--help" {
                cx.out(usage(cx, &prog, "yes", coreutils_help::YES));
                return 0;
            }
            if args.len() == 1 && first == "--version" {
                let text = cx.coreutils_version_text("yes", "David MacKenzie");
                cx.out(text);
                return 0;
            }
            if first == "--" {
                words = &args[1..];
            } else if let Some(err) = bad_option(&prog, first) {
                cx.err(err + &try_help(&prog));
                return 1;
            }
        }
        let mut line = if words.is_empty() {
            "y".to_owned()
        } else {
            words.join(" ")
        };
        line.push('\n');
        let room = cx.output_room();
        let mut out = String::with_capacity(room.min(1 << 24));
        while out.len() + line.len() <= room {
            out.push_str(&line);
        }
        cx.out(out);
        0
    }
}

/// The getopt error for an option-looking first argument of `yes` (which takes none).
fn bad_option(prog: &str, arg: &str) -> Option<String> {
    if arg == "-" || !arg.starts_with('-') {
        return None;
    }
    if let Some(long) = arg.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or("");
        let matches: Vec<&str> = ["help", "version"]
            .into_iter()
            .filter(|l| l.starts_with(name))
            .collect();
        return match matches.as_slice() {
            [] => Some(format!("{prog}: unrecognized option '{arg}'\n")),
            // A prefix of --help or --version alone was handled as the option itself.
            _ => None,
        };
    }
    let c = arg.chars().nth(1).unwrap_or('-');
    Some(format!("{prog}: invalid option -- '{c}'\n"))
}

/// `tty`: the session's terminal, when standard input is it.
pub struct Tty;

impl Command for Tty {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tty")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[('s', "silent", Arg::No), ('\0', "quiet", Arg::No)];
        let (prog, opts, operands) = match standard(
            cx,
            argv,
            "tty",
            OPTIONS,
            coreutils_help::TTY,
            "David MacKenzie",
            2,
        ) {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        if let Some(extra) = operands.first() {
            let text = format!("{prog}: extra operand {}\n", cx.quote(extra));
            cx.err(text + &try_help(&prog));
            return 2;
        }
        // Standard input is the terminal when the session has one and nothing is piped in.
        let on_tty = !cx.state.tty.is_empty() && cx.stdin.is_empty();
        if !opts.is_empty() {
            return if on_tty { 0 } else { 1 };
        }
        if on_tty {
            let tty = cx.state.tty.clone();
            cx.out(format!("/dev/{tty}\n"));
            0
        } else {
            cx.out("not a tty\n");
            1
        }
    }
}

/// `arch`: the machine hardware name, as `uname -m`.
pub struct ArchCmd;

impl Command for ArchCmd {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("arch")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const HELP: &str =
            "Usage: {prog} [OPTION]...\nPrint machine architecture.\n\n{opts}{footer}";
        let (prog, _, operands) = match standard(
            cx,
            argv,
            "arch",
            &[],
            HELP,
            "David MacKenzie and Karel Zak",
            1,
        ) {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        if let Some(extra) = operands.first() {
            let text = format!("{prog}: extra operand {}\n", cx.quote(extra));
            cx.err(text + &try_help(&prog));
            return 1;
        }
        let machine = cx.host.machine.clone();
        cx.out(format!("{machine}\n"));
        0
    }
}

/// `groups`: the groups of the session's user, or of each user named.
pub struct Groups;

impl Command for Groups {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("groups")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (prog, _, users) = match standard(
            cx,
            argv,
            "groups",
            &[],
            coreutils_help::GROUPS,
            "David MacKenzie and James Youngman",
            1,
        ) {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        if users.is_empty() {
            let me = cx.state.user.clone();
            let account = super::sysinfo::account_named(cx, &me)
                .unwrap_or_else(|| cx.host.session_account(&me));
            let names: Vec<String> = std::iter::once(account.group.clone())
                .chain(account.groups.iter().map(|(_, g)| g.clone()))
                .collect();
            cx.out(format!("{}\n", names.join(" ")));
            return 0;
        }
        let mut status = 0;
        for user in &users {
            let account = super::sysinfo::account_named(cx, user);
            let Some(account) = account else {
                let text = format!("{prog}: {}: no such user\n", cx.quote(user));
                cx.err(text);
                status = 1;
                continue;
            };
            let names: Vec<String> = std::iter::once(account.group.clone())
                .chain(account.groups.iter().map(|(_, g)| g.clone()))
                .collect();
            cx.out(format!("{user} : {}\n", names.join(" ")));
        }
        status
    }
}

/// `sync`: flushes nothing (there is nothing to flush), checking its operands.
pub struct Sync;

impl Command for Sync {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("sync")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[('d', "data", Arg::No), ('f', "file-system", Arg::No)];
        let (prog, opts, files) = match standard(
            cx,
            argv,
            "sync",
            OPTIONS,
            coreutils_help::SYNC,
            "Jim Meyering and Giuseppe Scrivano",
            1,
        ) {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let data = opts.iter().any(|o| o.key == "data");
        let fs = opts.iter().any(|o| o.key == "file-system");
        if data && fs {
            cx.err(format!(
                "{prog}: cannot specify both --data and --file-system\n"
            ));
            return 1;
        }
        if data && files.is_empty() {
            cx.err(format!("{prog}: --data needs at least one argument\n"));
            return 1;
        }
        let mut status = 0;
        for file in &files {
            if let Err(err) = cx.fs.stat(file) {
                let text = format!("{prog}: error opening {}: {err}\n", cx.quote(file));
                cx.err(text);
                status = 1;
            }
        }
        status
    }
}
#[cfg(test)]
mod tests {
    //! Expected texts from GNU coreutils 8.32 with the same arguments.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn yes_repeats_until_the_reader_stops() {
        assert_eq!(run("yes | head -n 3"), "y\ny\ny\n");
        assert_eq!(run("yes a b | head -n 2"), "a b\na b\n");
        assert_eq!(run("yes -- -x | head -n 1"), "-x\n");
        assert_eq!(
            run_status("yes -x"),
            (
                "yes: invalid option -- 'x'\nTry 'yes --help' for more information.\n".into(),
                1
            )
        );
        assert_eq!(
            run("yes --help"),
            "Usage: yes [STRING]...\n  or:  yes OPTION\n\
             Repeatedly output a line with all specified STRING(s), or 'y'.\n\n\
             \x20     --help     display this help and exit\n\
             \x20     --version  output version information and exit\n\n\
             GNU coreutils online help: <https://www.gnu.org/software/coreutils/>\n\
             Report any translation bugs to <https://translationproject.org/team/>\n\
             Full documentation <https://www.gnu.org/software/coreutils/yes>\n\
             or available locally via: info '(coreutils) yes invocation'\n"
        );
        let (out, status) = run_status("yes | wc -c");
        assert_eq!(status, 0);
        let bytes: usize = out.trim().parse().unwrap_or(0);
        assert!(
            bytes > 1_000_000 && bytes <= super::super::MAX_COMMAND_OUTPUT,
            "{bytes}"
        );
    }

    #[test]
    fn tty_names_the_session_terminal() {
        assert_eq!(run_status("tty"), ("/dev/pts/0\n".into(), 0));
        assert_eq!(run_status("echo x | tty"), ("not a tty\n".into(), 1));
        assert_eq!(run_status("tty -s"), (String::new(), 0));
        assert_eq!(
            run_status("tty x"),
            (
                "tty: extra operand \u{2018}x\u{2019}\nTry 'tty --help' for more information.\n"
                    .into(),
                2
            )
        );
        assert_eq!(
            run_status("tty -x"),
            (
                "tty: invalid option -- 'x'\nTry 'tty --help' for more information.\n".into(),
                2
            )
        );
    }

    #[test]
    fn arch_groups_sync() {
        assert_eq!(run("arch"), format!("{}\n", run("uname -m").trim_end()));
        assert!(
            run("arch --help")
                .starts_with("Usage: arch [OPTION]...\nPrint machine architecture.\n\n")
        );
        assert!(run("arch --version").ends_with("Written by David MacKenzie and Karel Zak.\n"));
        assert_eq!(run("groups"), "root\n");
        assert_eq!(run("groups root"), "root : root\n");
        let id_groups = run("id -Gn deploy");
        assert_eq!(run("groups deploy"), format!("deploy : {id_groups}"));
        assert_eq!(
            run_status("groups nosuch"),
            ("groups: \u{2018}nosuch\u{2019}: no such user\n".into(), 1)
        );
        assert_eq!(run_status("sync"), (String::new(), 0));
        assert_eq!(
            run_status("sync -d"),
            ("sync: --data needs at least one argument\n".into(), 1)
        );
        assert_eq!(
            run_status("sync /nonexistent"),
            (
                "sync: error opening \u{2018}/nonexistent\u{2019}: No such file or directory\n"
                    .into(),
                1
            )
        );
    }

    #[test]
    fn this_familys_programs_survive_odd_arguments() {
        let programs = [
            "date",
            "env",
            "printenv",
            "yes",
            "tr",
            "xargs",
            "tac",
            "nl",
            "dd",
            "mktemp",
            "expr",
            "tty",
            "arch",
            "groups",
            "sync",
            "timeout",
            "sha1sum",
            "sha512sum",
            "rev",
        ];
        let odd = [
            "",
            "-",
            "--",
            "---",
            "-\\x00",
            "--=",
            "--help=x",
            "-z -z",
            "'['",
            "'[:'",
            "'[=='",
            "'[a*'",
            "'a-'",
            "'\\'",
            "@",
            "@-99999999999999999999",
            "+%",
            "+%-",
            "+%99999999Y",
            "-d",
            "-d @",
            "-d '9999999-99-99'",
            "-I",
            "-Ix",
            "bs=99999999999999999999",
            "count=18446744073709551615 if=/dev/zero of=/dev/null",
            "skip=99999 if=/bin/ls",
            "-n -1",
            "-I '' echo",
            "-L",
            "-0",
            "\\( \\( \\(",
            ": : :",
            "substr a b c",
            "-p",
            "--tmpdir=",
            "XXXXXX/x",
            "--suffix=/x",
            "1 -- x",
            "-s 99 1",
            "env env env",
        ];
        for program in programs {
            for args in odd {
                let line = format!("{program} {args} </dev/null | head -c 100000");
                let (_, status) = run_status(&line);
                assert!((0..=255).contains(&status), "{line}");
            }
        }
    }
}
