//! The working directory: `pwd` and `cd`, over the session's filesystem.

use super::options::{builtin_opts, invalid_option};
use crate::host::fs::{Access, Canon, FsError};
use crate::shell::commands::{Command, CommandCtx, OptSpec, getopt, try_help, usr_bin};
use crate::shell::state::ShellState;

/// `pwd`: the logical working directory (`-P`: with symlinks resolved). `/bin/pwd` is the
/// coreutils program, which defaults to `-P`.
pub struct Pwd;

/// `path` with its symbolic links resolved in the session's filesystem (itself if it cannot
/// be resolved, e.g. after the directory was removed).
fn physical(cx: &CommandCtx<'_>, path: &str) -> String {
    cx.fs
        .canonicalize(path, Canon::Existing)
        .unwrap_or_else(|_| path.to_owned())
}

impl Command for Pwd {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("pwd")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let cwd = cx.state.cwd.clone();
        if argv.first().is_some_and(|n| n.contains('/')) {
            const SPEC: OptSpec = OptSpec {
                short: &[('L', "logical"), ('P', "physical")],
                long: &["logical", "physical", "help", "version"],
            };
            let prog = &argv[0];
            let parsed = getopt(prog, args, &SPEC);
            let mut logical = false;
            for opt in &parsed.opts {
                match *opt {
                    "help" => {
                        let text = format!(
                            "Usage: {prog} [OPTION]...\nPrint the full filename of the current working directory.\n\n\
                             \x20 -L, --logical   use PWD from environment, even if it contains symlinks\n\
                             \x20 -P, --physical  avoid all symlinks\n{}\n\
                             If no option is specified, -P is assumed.\n\n\
                             NOTE: your shell may have its own version of pwd, which usually supersedes\n\
                             the version described here.  Please refer to your shell's documentation\n\
                             for details about the options it supports.\n{}",
                            cx.coreutils_help_options(),
                            cx.coreutils_help_footer("pwd")
                        );
                        cx.out(text);
                        return 0;
                    }
                    "version" => {
                        let text = cx.coreutils_version_text("pwd", "Jim Meyering");
                        cx.out(text);
                        return 0;
                    }
                    "logical" => logical = true,
                    _ => logical = false,
                }
            }
            if let Some(error) = parsed.error {
                cx.err(error + &try_help(prog));
                return 1;
            }
            if !parsed.operands.is_empty() {
                cx.err(format!("{prog}: ignoring non-option arguments\n"));
            }
            let shown = if logical { cwd } else { physical(cx, &cwd) };
            cx.out(format!("{shown}\n"));
            return 0;
        }
        let flags = match builtin_opts(args, "LP") {
            Ok((flags, _)) => flags,
            Err(opt) => return invalid_option(cx, "pwd", &opt, "pwd [-LP]"),
        };
        let shown = if flags.last() == Some(&'P') {
            physical(cx, &cwd)
        } else {
            cwd
        };
        cx.out(format!("{shown}\n"));
        0
    }
}

/// Joins `arg` to `cwd` and removes `.`, `..` and repeated slashes like bash's logical `cd`:
/// a `..` is only taken back over a directory that exists (bash checks, so `cd /nope/..`
/// fails). A leading `//` (exactly two) is kept, as POSIX allows and bash does.
fn normalise(cx: &CommandCtx<'_>, cwd: &str, arg: &str) -> Result<String, FsError> {
    let absolute = arg.starts_with('/');
    let base = if absolute { arg } else { cwd };
    let double = base.starts_with("//") && !base.starts_with("///");
    let mut parts: Vec<&str> = Vec::new();
    let mut all: Vec<&str> = Vec::new();
    if !absolute {
        all.extend(cwd.split('/'));
    }
    all.extend(arg.split('/'));
    for part in all {
        match part {
            "" | "." => {}
            ".." => {
                let here = format!("/{}", parts.join("/"));
                match cx.fs.stat(&here) {
                    Ok(stat) if stat.is_dir() => {
                        parts.pop();
                    }
                    Ok(_) => return Err(FsError::NotADirectory),
                    // Bash only checks that it is there; search permission is chdir's job.
                    Err(FsError::PermissionDenied) => {
                        parts.pop();
                    }
                    Err(err) => return Err(err),
                }
            }
            _ => parts.push(part),
        }
    }
    let prefix = if double { "//" } else { "/" };
    Ok(format!("{prefix}{}", parts.join("/")))
}

/// What `chdir(2)` says about `path`: it must be a directory the user may search.
fn chdir(cx: &CommandCtx<'_>, path: &str) -> Result<(), FsError> {
    let stat = cx.fs.stat(path)?;
    if !stat.is_dir() {
        return Err(FsError::NotADirectory);
    }
    cx.fs.access(path, Access::Exec)
}

/// Sets a variable that bash keeps exported (PWD, OLDPWD) unless the user unexported it.
fn set_exported(state: &mut ShellState, name: &str, value: String) {
    if state.vars.contains_key(name) {
        state.vars.insert(name.to_owned(), value);
    } else {
        state.env.insert(name.to_owned(), value);
    }
}

/// `cd`: changes the logical working directory, checked against the session's filesystem.
pub struct Cd;

impl Command for Cd {
    fn names(&self) -> &'static [&'static str] {
        &["cd"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let (flags, operands) = match builtin_opts(args, "LPe@") {
            Ok(parsed) => parsed,
            Err(opt) => {
                return invalid_option(cx, "cd", &opt, "cd [-L|[-P [-e]] [-@]] [dir]");
            }
        };
        if operands.len() > 1 {
            cx.err("-bash: cd: too many arguments\n");
            return 1;
        }
        let mut print = false;
        let target = match operands.first().map(String::as_str) {
            None => match cx.state.var("HOME") {
                Some(home) => home.to_owned(),
                None => {
                    cx.err("-bash: cd: HOME not set\n");
                    return 1;
                }
            },
            Some("-") => match cx.state.var("OLDPWD") {
                Some(old) if !old.is_empty() => {
                    print = true;
                    old.to_owned()
                }
                _ => {
                    cx.err("-bash: cd: OLDPWD not set\n");
                    return 1;
                }
            },
            Some(dir) => dir.to_owned(),
        };
        if target.is_empty() {
            // bash 5: `cd ""` changes nothing and succeeds.
            return 0;
        }
        let cwd = cx.state.cwd.clone();
        let checked = normalise(cx, &cwd, &target).and_then(|path| chdir(cx, &path).map(|()| path));
        let resolved = match checked {
            Ok(path) => path,
            Err(err) => {
                cx.err(format!("-bash: cd: {target}: {err}\n"));
                return 1;
            }
        };
        let new = if flags.contains(&'P') {
            physical(cx, &resolved)
        } else {
            resolved
        };
        let old = cx
            .state
            .var("PWD")
            .map_or_else(|| cwd.clone(), str::to_owned);
        set_exported(cx.state, "OLDPWD", old);
        set_exported(cx.state, "PWD", new.clone());
        cx.state.cwd = new.clone();
        cx.fs.set_cwd(&new);
        if print {
            cx.out(format!("{new}\n"));
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_as, run_status};

    #[test]
    fn pwd_and_errors() {
        assert_eq!(run("pwd"), "/root\n");
        assert_eq!(run("pwd foo"), "/root\n");
        assert_eq!(
            run_status("pwd -Lx"),
            (
                "-bash: pwd: -x: invalid option\npwd: usage: pwd [-LP]\n".to_owned(),
                2
            )
        );
        assert_eq!(
            run("pwd --foo"),
            "-bash: pwd: --: invalid option\npwd: usage: pwd [-LP]\n"
        );
        assert_eq!(
            run("cd /var/run; pwd; pwd -P; cd ..; pwd"),
            "/var/run\n/run\n/var\n"
        );
        assert_eq!(run("cd /bin; /bin/pwd; /bin/pwd -L"), "/usr/bin\n/bin\n");
    }

    #[test]
    fn cd_normalises() {
        assert_eq!(run("cd /tmp/; pwd"), "/tmp\n");
        assert_eq!(run("cd ///tmp/./; pwd"), "/tmp\n");
        assert_eq!(run("cd //tmp; pwd"), "//tmp\n");
        assert_eq!(run("cd /..; pwd"), "/\n");
        assert_eq!(run("cd /usr/local/../bin; pwd"), "/usr/bin\n");
        assert_eq!(run("cd ..; pwd; cd var/log; pwd"), "/\n/var/log\n");
        assert_eq!(run("cd /tmp; cd; pwd"), "/root\n");
        assert_eq!(
            run("cd /tmp; cd ~; pwd; echo $PWD $OLDPWD"),
            "/root\n/root /tmp\n"
        );
        assert_eq!(run("cd /etc; cd -; cd -"), "/root\n/etc\n");
        assert_eq!(run("cd /tmp; cd ''; pwd"), "/tmp\n");
    }

    #[test]
    fn cd_errors_like_bash() {
        assert_eq!(
            run_status("cd /nope"),
            (
                "-bash: cd: /nope: No such file or directory\n".to_owned(),
                1
            )
        );
        assert_eq!(
            run("cd nope; pwd"),
            "-bash: cd: nope: No such file or directory\n/root\n"
        );
        assert_eq!(
            run("cd /nope/.."),
            "-bash: cd: /nope/..: No such file or directory\n"
        );
        assert_eq!(run("cd -"), "-bash: cd: OLDPWD not set\n");
        assert_eq!(run("cd a b"), "-bash: cd: too many arguments\n");
        assert_eq!(
            run_status("cd -x"),
            (
                "-bash: cd: -x: invalid option\ncd: usage: cd [-L|[-P [-e]] [-@]] [dir]\n"
                    .to_owned(),
                2
            )
        );
        assert_eq!(run("cd /tmp; HOME= cd; pwd"), "/tmp\n");
        let user =
            String::from_utf8_lossy(&run_as("alice", "cd /root; cd /home/alice; pwd").output)
                .into_owned();
        assert_eq!(user, "-bash: cd: /root: Permission denied\n/home/alice\n");
    }
}
