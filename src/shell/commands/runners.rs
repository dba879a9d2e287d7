//! Programs that run other programs or show the environment they would get: `env` and
//! `printenv` here, `timeout` and `xargs` beside. The program they run
//! is a registry command, run in-process through [`run_nested`]; shell builtins such as
//! `cd` are not programs, so they are "No such file or directory", as `execvp` says.

use std::collections::BTreeMap;

use super::coreutils_help::{self, usage};
use super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::utils::run_nested;
use super::{Command, CommandCtx, lookup, try_help, usr_bin};
use crate::shell::interpreter::lookup::is_builtin;
use crate::shell::shared::Shared;

/// The status coreutils runners exit with when they fail themselves (`EXIT_CANCELED`).
pub(crate) const CANCELED: i32 = 125;

/// The registry command that `execvp(name)` would find: a program, not a shell builtin.
pub(crate) fn program(name: &str) -> Option<&'static dyn Command> {
    let command = lookup(name)?;
    let is_program = name.contains('/')
        || command.names().iter().any(|n| n.starts_with('/'))
        || !is_builtin(name);
    is_program.then_some(command)
}

/// Runs `argv` as a program with `env` as its environment (the session's is put back
/// afterwards); `None` if there is no such program.
pub(crate) fn run_with_env(
    cx: &mut CommandCtx<'_>,
    argv: &[String],
    env: Shared<BTreeMap<String, String>>,
) -> Option<i32> {
    let command = program(argv.first()?)?;
    let saved_env = std::mem::replace(&mut cx.state.env, env);
    // Shell-only variables are not part of a child's environment.
    let saved_vars = std::mem::take(&mut cx.state.vars);
    let status = run_nested(command, cx, argv);
    cx.state.env = saved_env;
    cx.state.vars = saved_vars;
    Some(status)
}

/// `env`: prints the environment, or runs a command in a modified one.
pub struct Env;

impl Command for Env {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("env")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('i', "ignore-environment", Arg::No),
            ('0', "null", Arg::No),
            ('u', "unset", Arg::Required),
            ('C', "chdir", Arg::Required),
            ('\0', "default-signal", Arg::Optional),
            ('\0', "ignore-signal", Arg::Optional),
            ('\0', "block-signal", Arg::Optional),
            ('\0', "list-signal-handling", Arg::No),
            ('v', "debug", Arg::No),
            ('S', "split-string", Arg::Required),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "env").to_owned();
        let (opts, mut operands) =
            match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, true) {
                Ok(parsed) => parsed,
                Err(message) => {
                    cx.err(message + &try_help(&prog));
                    return CANCELED;
                }
            };
        let (mut clear, mut null) = (false, false);
        let mut chdir: Option<String> = None;
        let mut unset = Vec::new();
        for opt in opts {
            match opt.key.as_str() {
                "help" => {
                    cx.out(usage(cx, &prog, "env", coreutils_help::ENV));
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text(
                        "env",
                        "Richard Mlynarik, David MacKenzie, and Assaf Gordon",
                    );
                    cx.out(text);
                    return 0;
                }
                "ignore-environment" => clear = true,
                "null" => null = true,
                "chdir" => chdir = opt.value,
                "unset" => unset.push(opt.value.unwrap_or_default()),
                "split-string" => {
                    // `-S 'a b'` splits its argument into words in front of the operands.
                    let words = opt.value.unwrap_or_default();
                    let split: Vec<String> = words.split_whitespace().map(String::from).collect();
                    operands.splice(0..0, split);
                }
                _ => {}
            }
        }
        if operands.first().is_some_and(|o| o == "-") {
            clear = true;
            operands.remove(0);
        }
        let mut env = if clear {
            Shared::default()
        } else {
            cx.state.env.clone()
        };
        // Variables the command line adds come after the inherited ones, as `putenv` appends.
        let mut added: Vec<(String, String)> = Vec::new();
        if !clear {
            for name in &unset {
                if name.is_empty() || name.contains('=') {
                    let text = format!(
                        "{prog}: cannot unset {}: Invalid argument\n",
                        cx.quote(name)
                    );
                    cx.err(text);
                    return CANCELED;
                }
                env.remove(name);
            }
        }
        let mut rest = operands.into_iter().peekable();
        while let Some((name, value)) = rest.peek().and_then(|o| o.split_once('=')) {
            if name.is_empty() {
                let text = format!("{prog}: cannot set {}: Invalid argument\n", cx.quote(""));
                cx.err(text);
                return CANCELED;
            }
            let (name, value) = (name.to_owned(), value.to_owned());
            if let Some(slot) = env.get_mut(&name) {
                *slot = value;
            } else {
                added.retain(|(n, _)| *n != name);
                added.push((name, value));
            }
            rest.next();
        }
        let command: Vec<String> = rest.collect();
        if null && !command.is_empty() {
            cx.err(format!(
                "{prog}: cannot specify --null (-0) with command\n{}",
                try_help(&prog)
            ));
            return CANCELED;
        }
        if chdir.is_some() && command.is_empty() {
            cx.err(format!(
                "{prog}: must specify command with --chdir (-C)\n{}",
                try_help(&prog)
            ));
            return CANCELED;
        }
        if command.is_empty() {
            let end = if null { '\0' } else { '\n' };
            let mut text = String::new();
            for (name, value) in &env {
                text.push_str(&format!("{name}={value}{end}"));
            }
            if !clear {
                // bash exports `$_`, the program's path, to every program it starts.
                text.push_str(&format!("_=/usr/bin/env{end}"));
            }
            for (name, value) in &added {
                text.push_str(&format!("{name}={value}{end}"));
            }
            cx.out(text);
            return 0;
        }
        env.extend(added);
        let old_cwd = cx.fs.cwd().to_owned();
        let old_state_cwd = cx.state.cwd.clone();
        if let Some(dir) = &chdir {
            let target = cx
                .fs
                .canonicalize(dir, crate::host::fs::Canon::Existing)
                .and_then(|path| {
                    if cx.fs.is_dir(&path) {
                        Ok(path)
                    } else {
                        Err(crate::host::fs::FsError::NotADirectory)
                    }
                });
            match target {
                Ok(path) => {
                    cx.fs.set_cwd(&path);
                    cx.state.cwd = path;
                }
                Err(err) => {
                    cx.err(format!(
                        "{prog}: cannot change directory to '{}': {err}\n",
                        dir.replace('\'', "'\\''")
                    ));
                    return CANCELED;
                }
            }
        }
        let status = run_with_env(cx, &command, env);
        cx.fs.set_cwd(&old_cwd);
        cx.state.cwd = old_state_cwd;
        match status {
            Some(status) => status,
            None => {
                let text = format!(
                    "{prog}: {}: No such file or directory\n",
                    cx.quote(&command[0])
                );
                cx.err(text);
                127
            }
        }
    }
}

/// `printenv`: all of the environment, or the values of the variables named.
pub struct Printenv;

impl Command for Printenv {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("printenv")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('0', "null", Arg::No),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "printenv").to_owned();
        let (opts, names) = match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, false) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(&prog));
                return 2;
            }
        };
        let mut end = '\n';
        for opt in opts {
            match opt.key.as_str() {
                "help" => {
                    cx.out(usage(cx, &prog, "printenv", coreutils_help::PRINTENV));
                    return 0;
                }
                "version" => {
                    let text = cx
                        .coreutils_version_text("printenv", "David MacKenzie and Richard Mlynarik");
                    cx.out(text);
                    return 0;
                }
                _ => end = '\0',
            }
        }
        let mut text = String::new();
        if names.is_empty() {
            for (name, value) in &cx.state.env {
                text.push_str(&format!("{name}={value}{end}"));
            }
            text.push_str(&format!("_=/usr/bin/printenv{end}"));
            cx.out(text);
            return 0;
        }
        let mut found = 0;
        for name in &names {
            let value = if name == "_" {
                Some("/usr/bin/printenv")
            } else {
                cx.state.env.get(name).map(String::as_str)
            };
            if let Some(value) = value.filter(|_| !name.contains('=')) {
                text.push_str(&format!("{value}{end}"));
                found += 1;
            }
        }
        cx.out(text);
        if found == names.len() { 0 } else { 1 }
    }
}
#[cfg(test)]
mod tests {
    //! Expected texts from coreutils 8.32's sources and the real tools' behaviour.

    use crate::shell::commands::testing::{run, run_as, run_status};

    #[test]
    fn env_lists_the_exported_environment() {
        let out = run("env");
        assert!(out.contains("HOME=/root\n"));
        assert!(out.contains("LANG=C.UTF-8\n"));
        assert!(out.ends_with("_=/usr/bin/env\n"));
        // Shell-only variables are not in the environment.
        assert!(!run("FOO=1; env").contains("FOO="));
        assert!(run("export FOO=1; env").contains("FOO=1\n"));
        assert!(run("env BAR=2").ends_with("_=/usr/bin/env\nBAR=2\n"));
        assert_eq!(run("env -i"), "");
        assert_eq!(run("env -i A=1 B=2"), "A=1\nB=2\n");
        assert_eq!(run("env - A=1"), "A=1\n");
        assert!(!run("env -u HOME").contains("HOME="));
        assert_eq!(run("env -i -0 A=1 B=2"), "A=1\0B=2\0");
    }

    #[test]
    fn env_runs_programs_in_the_new_environment() {
        assert_eq!(run("env A=1 printenv A"), "1\n");
        assert_eq!(run("env -i A=1 printenv"), "A=1\n_=/usr/bin/printenv\n");
        assert_eq!(run("env TZ=Asia/Tokyo date +%H:%M"), "19:03\n");
        assert_eq!(run("env -C /etc pwd; pwd"), "/etc\n/root\n");
        assert_eq!(
            run_status("env -C /nonexistent pwd"),
            (
                "env: cannot change directory to '/nonexistent': No such file or directory\n"
                    .into(),
                125
            )
        );
        assert_eq!(run("env echo hi; printenv A; echo $?"), "hi\n1\n");
        assert_eq!(
            run_status("env nosuch"),
            (
                "env: \u{2018}nosuch\u{2019}: No such file or directory\n".into(),
                127
            )
        );
        assert_eq!(
            run_status("env cd /"),
            (
                "env: \u{2018}cd\u{2019}: No such file or directory\n".into(),
                127
            )
        );
        assert_eq!(
            run_status("env -z"),
            (
                "env: invalid option -- 'z'\nTry 'env --help' for more information.\n".into(),
                125
            )
        );
        assert_eq!(
            run_status("env -u"),
            (
                "env: option requires an argument -- 'u'\nTry 'env --help' for more information.\n"
                    .into(),
                125
            )
        );
        assert_eq!(
            run_status("env -0 echo"),
            (
                "env: cannot specify --null (-0) with command\nTry 'env --help' for more information.\n"
                    .into(),
                125
            )
        );
        // The command's own options are its own.
        assert_eq!(run("env date -u +%Y"), "2024\n");
    }

    #[test]
    fn env_help_and_version() {
        let help = run("env --help");
        assert!(help.starts_with(
            "Usage: env [OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]\n\
             Set each NAME to VALUE in the environment and run COMMAND.\n"
        ));
        assert!(
            help.contains(
                "\nA mere - implies -i.  If no COMMAND, print the resulting environment.\n"
            )
        );
        assert!(
            run("env --version")
                .ends_with("Written by Richard Mlynarik, David MacKenzie, and Assaf Gordon.\n")
        );
    }

    #[test]
    fn printenv_like_coreutils() {
        assert_eq!(
            run_status("printenv HOME USER"),
            ("/root\nroot\n".into(), 0)
        );
        assert_eq!(
            String::from_utf8_lossy(&run_as("deploy", "printenv HOME").output),
            "/home/deploy\n"
        );
        assert_eq!(run_status("printenv NOPE"), (String::new(), 1));
        assert_eq!(run_status("printenv HOME NOPE"), ("/root\n".into(), 1));
        assert_eq!(run("printenv -0 USER"), "root\0");
        assert!(run("printenv").ends_with("_=/usr/bin/printenv\n"));
        assert_eq!(
            run_status("printenv -x"),
            (
                "printenv: invalid option -- 'x'\nTry 'printenv --help' for more information.\n"
                    .into(),
                2
            )
        );
        assert_eq!(
            run("printenv --help"),
            "Usage: printenv [OPTION]... [VARIABLE]...\n\
             Print the values of the specified environment VARIABLE(s).\n\
             If no VARIABLE is specified, print name and value pairs for them all.\n\n\
             \x20 -0, --null     end each output line with NUL, not newline\n\
             \x20     --help     display this help and exit\n\
             \x20     --version  output version information and exit\n\n\
             GNU coreutils online help: <https://www.gnu.org/software/coreutils/>\n\
             Report any translation bugs to <https://translationproject.org/team/>\n\
             Full documentation <https://www.gnu.org/software/coreutils/printenv>\n\
             or available locally via: info '(coreutils) printenv invocation'\n"
        );
    }
}
