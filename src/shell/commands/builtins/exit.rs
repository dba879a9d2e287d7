//! Status and leaving: `true`, `false`, `exit` and `logout`.

use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// `true`: status 0, whatever the arguments.
pub struct True;

impl Command for True {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("true")
    }

    fn run(&self, _: &mut CommandCtx<'_>, _: &[String]) -> i32 {
        0
    }
}

/// `false`: status 1, whatever the arguments.
pub struct False;

impl Command for False {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("false")
    }

    fn run(&self, _: &mut CommandCtx<'_>, _: &[String]) -> i32 {
        1
    }
}

/// What `exit`/`logout` do with their arguments (bash's `get_exitstat`).
fn exit_with(cx: &mut CommandCtx<'_>, name: &str, argv: &[String]) -> i32 {
    // Bash's `exit` builtin prints `logout` in an interactive login shell before it even
    // looks at its arguments; `logout` prints nothing. The session writes it (only it knows
    // whether the shell is interactive) when the line ends the shell.
    cx.state.exit_notice = name == "exit";
    let mut args = argv.get(1..).unwrap_or_default();
    if args.first().is_some_and(|a| a == "--") {
        args = &args[1..];
    }
    let Some(arg) = args.first() else {
        let status = cx.state.last_status;
        cx.request_exit(status);
        return status;
    };
    let Ok(n) = arg.trim().parse::<i64>() else {
        cx.err(format!("-bash: {name}: {arg}: numeric argument required\n"));
        cx.request_exit(2);
        return 2;
    };
    if args.len() > 1 {
        cx.err(format!("-bash: {name}: too many arguments\n"));
        cx.abort_line();
        return 1;
    }
    let status = (n & 0xff) as i32;
    cx.request_exit(status);
    status
}

/// `exit [n]`: ends the shell. The `logout` line an interactive login bash prints first is
/// the caller's to write, since only it knows whether the session is interactive; the
/// builtin marks [`ShellState::exit_notice`](crate::shell::ShellState::exit_notice) for it.
pub struct Exit;

impl Command for Exit {
    fn names(&self) -> &'static [&'static str] {
        &["exit"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        exit_with(cx, "exit", argv)
    }
}

/// `logout [n]`: ends a login shell, like `exit`, but silently: bash prints `logout` only for
/// `exit` and for end of input.
pub struct Logout;

impl Command for Logout {
    fn names(&self) -> &'static [&'static str] {
        &["logout"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        exit_with(cx, "logout", argv)
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn true_false_and_exit() {
        assert_eq!(run_status("true"), (String::new(), 0));
        assert_eq!(run_status("false"), (String::new(), 1));
        assert_eq!(run_status("/bin/false --help"), (String::new(), 1));
        let out = run_as("root", "exit");
        assert!(out.exit);
        assert_eq!((out.status, out.output.as_slice()), (0, &b""[..]));
        let out = run_as("root", "false; exit");
        assert!(out.exit && out.status == 1);
        let out = run_as("root", "exit 300; echo not reached");
        assert!(out.exit && out.status == 44 && out.output.is_empty());
        let out = run_as("root", "exit -1");
        assert!(out.exit && out.status == 255);
        let out = run_as("root", "logout 4");
        assert!(out.exit && out.status == 4);
        let out = run_as("root", "exit abc");
        assert!(out.exit && out.status == 2);
        assert_eq!(out.output, b"-bash: exit: abc: numeric argument required\n");
        let out = run_as("root", "exit 1 2; echo same line");
        assert!(!out.exit);
        assert_eq!(
            (out.status, out.output.as_slice()),
            (1, &b"-bash: exit: too many arguments\n"[..])
        );
        let out = run_as("root", "exit 3 | true; echo still here");
        assert!(!out.exit);
        assert_eq!(out.output, b"still here\n");
        let out = run_as("root", "(exit 3); echo $?");
        assert!(!out.exit);
        assert_eq!(out.output, b"3\n");
    }

    #[test]
    fn only_exit_in_the_shell_itself_asks_for_the_logout_notice() {
        use crate::shell::commands::testing::{session, shell};
        let notice = |line: &str| {
            let mut state = session("root");
            let out = shell().run_line(&mut state, line);
            (out.exit, state.exit_notice)
        };
        assert_eq!(notice("exit"), (true, true));
        assert_eq!(notice("exit 3"), (true, true));
        assert_eq!(notice("logout"), (true, false));
        assert_eq!(notice("logout 2"), (true, false));
        // A subshell's `exit` or `logout` runs on a copy of the state: only the last one the
        // shell itself ran counts.
        assert_eq!(notice("(exit 1); logout"), (true, false));
        assert_eq!(notice("(logout); exit"), (true, true));
        assert_eq!(notice("f() { exit 4; }; f"), (true, true));
    }
}
