//! Session-level fidelity: exec requests (`bash -c`), `$$`/`$PPID`/`$!`, `$?` after command
//! substitutions and what unknown commands report. Expected texts are bash 5.1.16's.

use crate::shell::commands::testing::{run, run_as, run_status, session, shell};

/// Runs `line` as an SSH exec request of root would (`bash -c 'line'`).
fn exec(line: &str) -> (String, i32) {
    let mut state = session("root").exec_login();
    let outcome = shell().run_line(&mut state, line);
    (
        String::from_utf8_lossy(&outcome.output).into_owned(),
        outcome.status,
    )
}

#[test]
fn exec_requests_run_like_bash_dash_c() {
    assert_eq!(exec("echo $0 $-"), ("bash hBc\n".to_owned(), 0));
    assert_eq!(
        exec("foo"),
        ("bash: line 1: foo: command not found\n".to_owned(), 127)
    );
    assert_eq!(
        exec("cd /x"),
        (
            "bash: line 1: cd: /x: No such file or directory\n".to_owned(),
            1
        )
    );
    assert_eq!(
        exec("echo a\nfoo"),
        ("a\nbash: line 2: foo: command not found\n".to_owned(), 127)
    );
    assert_eq!(exec("exit 3"), (String::new(), 3));
    assert_eq!(
        exec("echo \"[$HISTSIZE][$HISTCONTROL][$PS1]\"; alias").0,
        "[][][]\n"
    );
}

#[test]
fn exec_requests_give_bash_dash_c_syntax_errors() {
    assert_eq!(
        exec("echo \"open"),
        (
            "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n\
             bash: -c: line 2: syntax error: unexpected end of file\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(
        exec("for i in 1; do"),
        (
            "bash: -c: line 2: syntax error: unexpected end of file\n".to_owned(),
            2
        )
    );
    assert_eq!(
        exec("echo a; echo )"),
        (
            "bash: -c: line 1: syntax error near unexpected token `)'\n\
             bash: -c: line 1: `echo a; echo )'\n"
                .to_owned(),
            2
        )
    );
    // Lines before the error run; a quote may span lines.
    assert_eq!(exec("echo a\necho \"b\nc\""), ("a\nb\nc\n".to_owned(), 0));
}

#[test]
fn the_login_shell_keeps_its_dash_bash_wording() {
    assert_eq!(run("echo $0"), "-bash\n");
    assert_eq!(run("cd /x"), "-bash: cd: /x: No such file or directory\n");
}

#[test]
fn dollar_dollar_is_the_bash_ps_lists() {
    let pid = run("pgrep -x bash").trim().to_owned();
    assert!(!pid.is_empty());
    assert_eq!(run("echo $$"), format!("{pid}\n"));
    // A subshell keeps the parent's `$$`.
    assert_eq!(run("(echo $$)"), format!("{pid}\n"));
    // `ps -ef`: UID PID PPID …; the shell's line ends in `-bash`.
    let table = run("ps -ef");
    let fields: Vec<&str> = table
        .lines()
        .find(|l| l.ends_with(" -bash"))
        .expect("ps lists the login shell")
        .split_whitespace()
        .collect();
    assert_eq!(fields[1], pid);
    assert_eq!(run("echo $PPID"), format!("{}\n", fields[2]));
    // A user's shell too.
    let user =
        String::from_utf8_lossy(&run_as("deploy", "echo $$; pgrep -x bash").output).into_owned();
    let mut lines = user.lines();
    assert_eq!(lines.next(), lines.next());
    // `$!` is empty until something runs in the background.
    assert_eq!(run("echo \"[$!]\""), "[]\n");
}

#[test]
fn kill_nine_dollar_dollar_ends_the_session() {
    let outcome = run_as("root", "kill -9 $$; echo after");
    assert!(outcome.exit);
}

#[test]
fn dollar_question_after_command_substitution() {
    assert_eq!(run("echo $(false) $?"), "1\n");
    assert_eq!(run("false; echo $? $(true) $?"), "1 0\n");
    assert_eq!(run("false; x=$(true) y=$?; echo $y"), "0\n");
    assert_eq!(run("false; a=$(exit 4); echo $?"), "4\n");
    assert_eq!(run("false; : $(exit 3); echo $?"), "0\n");
    assert_eq!(run("echo $(false); echo $?"), "\n0\n");
}

#[test]
fn unknown_commands_are_reported_whole() {
    let outcome = run_as("root", "zzminer --threads 4; echo ok | zzother  -x  'a b'");
    assert_eq!(
        outcome.unknown_commands,
        ["zzminer --threads 4", "zzother -x a b"]
    );
}

/// Types `lines` one by one into root's interactive shell: the `> ` prompts seen in between,
/// and the output of the line that ran.
fn typed(lines: &[&str]) -> (Vec<String>, String) {
    let shell = shell();
    let mut state = session("root");
    let mut prompts = Vec::new();
    let mut output = String::new();
    for line in lines {
        let outcome = shell.run_line(&mut state, line);
        prompts.push(shell.prompt(&state));
        output.push_str(&String::from_utf8_lossy(&outcome.output));
    }
    (prompts, output)
}

#[test]
fn unclosed_quotes_and_backslashes_continue_on_the_next_line() {
    let (prompts, output) = typed(&["echo \"open", "close\""]);
    assert_eq!(prompts, ["> ", "root@web-prod-03:~# "]);
    assert_eq!(output, "open\nclose\n");
    let (prompts, output) = typed(&["echo 'a", "b'"]);
    assert_eq!(prompts[0], "> ");
    assert_eq!(output, "a\nb\n");
    let (prompts, output) = typed(&["echo a \\", "b"]);
    assert_eq!(prompts[0], "> ");
    assert_eq!(output, "a b\n");
    let (prompts, output) = typed(&["echo a &&", "echo b"]);
    assert_eq!(prompts[0], "> ");
    assert_eq!(output, "a\nb\n");
    // An escaped backslash ends the line.
    assert_eq!(typed(&["echo a\\\\"]).1, "a\\\n");
}

#[test]
fn ctrl_d_inside_a_quote_gives_bash_errors() {
    let shell = shell();
    let mut state = session("root");
    assert!(shell.run_line(&mut state, "echo \"open").incomplete);
    let end = shell.end_of_input(&mut state).expect("a quote was open");
    assert_eq!(
        String::from_utf8_lossy(&end.output),
        "-bash: unexpected EOF while looking for matching `\"'\n\
         -bash: syntax error: unexpected end of file\n"
    );
    assert_eq!(end.status, 2);
}

#[test]
fn here_documents_typed_over_several_lines() {
    let (prompts, output) = typed(&["cat <<EOF", "hi $HOME", "\"q\" \\$x", "EOF"]);
    assert_eq!(prompts[..3], ["> ", "> ", "> "]);
    assert_eq!(output, "hi /root\n\"q\" $x\n");
    let shell = shell();
    let mut state = session("root");
    for line in ["cat <<EOF", "a", "EOF"] {
        shell.run_line(&mut state, line);
    }
    assert_eq!(state.history, ["cat <<EOF\na\nEOF"]);
    let (_, output) = typed(&["cat <<'EOF' | wc -l", "$HOME", "x", "EOF"]);
    assert_eq!(output, "2\n");
    let (_, output) = typed(&["cat <<-END", "\t\tindented $((1+2))", "\tEND"]);
    assert_eq!(output, "indented 3\n");
    assert_eq!(
        exec("cat <<EOF\nhi"),
        (
            "bash: line 2: warning: here-document at line 1 delimited by end-of-file (wanted `EOF')\nhi\n"
                .to_owned(),
            0
        )
    );
    // Ctrl-D inside the body: bash's warning.
    let mut state = session("root");
    assert!(shell.run_line(&mut state, "cat <<'END'").incomplete);
    assert!(shell.run_line(&mut state, "hi").incomplete);
    let end = shell.end_of_input(&mut state).expect("a body was open");
    assert_eq!(
        String::from_utf8_lossy(&end.output),
        "-bash: warning: here-document at line 1 delimited by end-of-file (wanted `END')\n"
    );
    // In one pasted text, as scripts and exec requests get it.
    assert_eq!(
        exec("cat <<EOF > /tmp/x\nline $USER\nEOF\ncat /tmp/x; echo done").0,
        "line root\ndone\n"
    );
}

#[test]
fn background_jobs_in_the_interactive_shell() {
    let shell = shell();
    let mut state = session("root");
    let pid = run("pgrep -x bash").trim().parse::<u32>().expect("a pid");
    let first = shell.run_line(&mut state, "sleep 5 &");
    let text = String::from_utf8_lossy(&first.output).into_owned();
    let job: u32 = text
        .strip_prefix("[1] ")
        .and_then(|rest| rest.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("bash's job notice, got {text:?}"));
    assert!(job > pid);
    // `$!` is that PID and `$?` is 0; the finished job is reported before the next prompt.
    let next = shell.run_line(&mut state, "echo $! $?");
    assert_eq!(
        String::from_utf8_lossy(&next.output),
        format!("{job} 0\n[1]+  Done                    sleep 5\n")
    );
    assert_eq!(
        String::from_utf8_lossy(&shell.run_line(&mut state, "jobs").output),
        ""
    );
    // Two jobs on one line; a failing one shows its status.
    let two = shell.run_line(&mut state, "sleep 1 & false > /dev/null &");
    assert!(String::from_utf8_lossy(&two.output).starts_with("[1] "));
    let after = shell.run_line(&mut state, "true");
    assert_eq!(
        String::from_utf8_lossy(&after.output),
        "[1]-  Done                    sleep 1\n[2]+  Exit 1                  false > /dev/null\n"
    );
}

#[test]
fn background_jobs_elsewhere_are_quiet() {
    assert_eq!(run("(echo a &); echo $?"), "a\n0\n");
    // `bash -c`: no notices; the job runs in a subshell, so `cd` stays there.
    let (out, status) = exec("false; cd /tmp & pwd; echo $?; echo $! | grep -c '^[0-9]'");
    assert_eq!((out.as_str(), status), ("/root\n0\n1\n", 0));
}

#[test]
fn history_expansion_echoes_and_records_the_expanded_line() {
    let shell = shell();
    let mut state = session("root");
    let mut say =
        |line: &str| String::from_utf8_lossy(&shell.run_line(&mut state, line).output).into_owned();
    assert_eq!(say("echo hello world"), "hello world\n");
    assert_eq!(say("!!"), "echo hello world\nhello world\n");
    // Ubuntu's `HISTCONTROL=ignoreboth` kept the repeat out of history.
    assert_eq!(say("echo other"), "other\n");
    assert_eq!(say("!-2 x"), "echo hello world x\nhello world x\n");
    assert_eq!(say("false"), "");
    // A failed event leaves `$?` alone and the line out of history.
    assert_eq!(say("!zz"), "-bash: !zz: event not found\n");
    assert_eq!(say("echo $?"), "1\n");
    assert_eq!(say("^1^2"), "-bash: :s^1^2: substitution failed\n");
    assert_eq!(say("^?^HOME"), "echo $HOME\n/root\n");
    assert_eq!(say("^nope^x"), "-bash: :s^nope^x: substitution failed\n");
    assert_eq!(say("echo 'a!!b' !$"), "echo 'a!!b' $HOME\na!!b /root\n");
    assert_eq!(
        state.history,
        [
            "echo hello world",
            "echo other",
            "echo hello world x",
            "false",
            "echo $?",
            "echo $HOME",
            "echo 'a!!b' $HOME"
        ]
    );
}

#[test]
fn set_plus_o_history_stops_recording() {
    let shell = shell();
    let mut state = session("root");
    for line in [
        "echo a",
        "set +o history",
        "echo secret",
        "set -o history",
        "echo b",
    ] {
        shell.run_line(&mut state, line);
    }
    assert_eq!(state.history, ["echo a", "set +o history", "echo b"]);
    shell.run_line(&mut state, "history -c");
    assert!(state.history.is_empty());
}

#[test]
fn help_enable_and_fc_as_bash_5_1() {
    let list = run("help");
    assert!(list.starts_with(
        "GNU bash, version 5.1.16(1)-release (x86_64-pc-linux-gnu)\n\
         These shell commands are defined internally.  Type `help' to see this list.\n"
    ));
    assert!(list.contains(
        "\n job_spec [&]                            history [-c] [-d offset] [n] or hist>\n"
    ));
    assert_eq!(list.lines().count(), 46);
    assert_eq!(
        run("help -s cd echo"),
        "cd: cd [-L|[-P [-e]] [-@]] [dir]\necho: echo [-neE] [arg ...]\n"
    );
    assert_eq!(
        run("help -d cd"),
        "cd - Change the shell working directory.\n"
    );
    let cd = run("help cd");
    assert!(cd.starts_with(
        "cd: cd [-L|[-P [-e]] [-@]] [dir]\n    Change the shell working directory.\n"
    ));
    assert_eq!(cd.lines().count(), 34);
    assert_eq!(
        run_status("help nosuch"),
        (
            "-bash: help: no help topics match `nosuch'.  Try `help help' or `man -k nosuch' or `info nosuch'.\n"
                .to_owned(),
            1
        )
    );
    assert_eq!(
        exec("help -x").0,
        "bash: line 1: help: -x: invalid option\nhelp: usage: help [-dms] [pattern ...]\n"
    );
    let enabled = run("enable -a");
    assert_eq!(enabled.lines().count(), 61);
    assert!(enabled.starts_with("enable .\nenable :\nenable [\nenable alias\n"));
    assert!(enabled.ends_with("enable unset\nenable wait\n"));
}

#[test]
fn fc_lists_history_like_bash() {
    let shell = shell();
    let mut state = session("root");
    let mut say =
        |line: &str| String::from_utf8_lossy(&shell.run_line(&mut state, line).output).into_owned();
    say("echo a");
    say("echo b");
    assert_eq!(say("fc -l"), "1\t echo a\n2\t echo b\n");
    assert_eq!(
        say("fc -l 1"),
        "1\t echo a\n2\t echo b\n3\t fc -l\n4\t fc -l 1\n"
    );
    assert_eq!(say("fc -ln -2"), "\t fc -l\n\t fc -l 1\n");
    assert_eq!(say("fc -l x"), "-bash: fc: no command found\n");
}

#[test]
fn the_prompt_is_ps1_decoded() {
    let shell = shell();
    let mut state = session("root");
    assert_eq!(shell.prompt(&state), "root@web-prod-03:~# ");
    assert_eq!(
        String::from_utf8_lossy(&shell.run_line(&mut state, "echo \"$PS1\"").output),
        "${debian_chroot:+($debian_chroot)}\\u@\\h:\\w\\$ \n"
    );
    shell.run_line(&mut state, "cd /var/log");
    assert_eq!(shell.prompt(&state), "root@web-prod-03:/var/log# ");
    shell.run_line(&mut state, "PS1='x> '");
    assert_eq!(shell.prompt(&state), "x> ");
    shell.run_line(&mut state, r"PS1='[\u@\H \W]\$ ' debian_chroot=jail");
    assert_eq!(shell.prompt(&state), "[root@web-prod-03 log]# ");
    shell.run_line(
        &mut state,
        r#"PS1='${debian_chroot:+($debian_chroot)}\w \\ \101$ '"#,
    );
    assert_eq!(shell.prompt(&state), "(jail)/var/log \\ A$ ");

    let mut user = session("deploy");
    assert_eq!(shell.prompt(&user), "deploy@web-prod-03:~$ ");
    user.set_terminal("xterm-256color");
    assert_eq!(
        shell.prompt(&user),
        "\x1b]0;deploy@web-prod-03: ~\x07\x1b[01;32mdeploy@web-prod-03\x1b[00m:\x1b[01;34m~\x1b[00m$ "
    );
    assert_eq!(exec("echo \"[$PS1]\"").0, "[]\n");
}

#[test]
fn umask_shapes_the_modes_of_new_files() {
    assert_eq!(
        run("touch /tmp/a; mkdir /tmp/d; echo x > /tmp/r; stat -c '%a %n' /tmp/a /tmp/d /tmp/r"),
        "644 /tmp/a\n755 /tmp/d\n644 /tmp/r\n"
    );
    assert_eq!(
        run(
            "umask 077; touch /tmp/a; mkdir /tmp/d; echo x > /tmp/r; stat -c '%a %n' /tmp/a /tmp/d /tmp/r"
        ),
        "600 /tmp/a\n700 /tmp/d\n600 /tmp/r\n"
    );
    assert_eq!(
        run("umask 0; (umask 027; touch /tmp/s); touch /tmp/p; stat -c '%a' /tmp/s /tmp/p"),
        "640\n666\n"
    );
}

#[test]
fn random_is_fifteen_bits_from_the_session_seed() {
    let draws = run("for i in 1 2 3 4 5 6 7 8; do echo $RANDOM; done");
    let numbers: Vec<u32> = draws
        .lines()
        .map(|l| l.parse().expect("a number"))
        .collect();
    assert_eq!(numbers.len(), 8);
    assert!(numbers.iter().all(|n| *n < 32768));
    assert!(numbers.windows(2).any(|w| w[0] != w[1]), "{numbers:?}");
    let dice = run("for i in 1 2 3 4 5 6 7 8 9 10; do echo $((RANDOM % 6 + 1)); done");
    assert!(dice.lines().all(|d| ("1"..="6").contains(&d)), "{dice}");
    assert!(
        dice.lines().any(|d| d != dice.lines().next().unwrap_or("")),
        "{dice}"
    );
    // The same session replayed draws the same numbers.
    assert_eq!(
        run("for i in 1 2 3 4 5 6 7 8; do echo $RANDOM; done"),
        draws
    );
}

#[test]
fn exec_requests_word_path_errors_like_bash_dash_c() {
    assert_eq!(
        exec("./nope; /tmp"),
        (
            "bash: line 1: ./nope: No such file or directory\nbash: line 1: /tmp: Is a directory\n"
                .to_owned(),
            126
        )
    );
}

#[test]
fn job_control_builtins_without_jobs() {
    assert_eq!(
        run_status("fg"),
        ("-bash: fg: current: no such job\n".to_owned(), 1)
    );
    assert_eq!(
        run("bg; fg %2"),
        "-bash: bg: current: no such job\n-bash: fg: %2: no such job\n"
    );
    assert_eq!(run("disown"), "-bash: disown: current: no such job\n");
    assert_eq!(
        run("wait; echo $?; wait 1234; echo $?; wait %1; echo $?"),
        "0\n-bash: wait: pid 1234 is not a child of this shell\n127\n-bash: wait: %1: no such job\n127\n"
    );
    assert_eq!(
        run_status("suspend"),
        (
            "-bash: suspend: cannot suspend a login shell\n".to_owned(),
            1
        )
    );
    assert_eq!(run("caller; echo $?"), "1\n");
    let times = run("times");
    assert_eq!(times.lines().count(), 2);
    assert!(
        times
            .lines()
            .all(|l| l.starts_with("0m0.") && l.contains("s 0m0."))
    );
    assert_eq!(
        exec("fg %1; echo $?; disown %1"),
        (
            "bash: line 1: fg: no job control\n1\nbash: line 1: disown: %1: no such job\n"
                .to_owned(),
            1
        )
    );
}
