use std::sync::Arc;

use super::expand::MAX_WORD_BYTES;
use super::*;
use crate::shell::ShellState;
use crate::shell::commands::testing::{host, run, run_as, run_status};

#[test]
fn and_or_follow_status_like_bash() {
    assert_eq!(run("false || echo a"), "a\n");
    assert_eq!(run("true && false || echo b"), "b\n");
    assert_eq!(run("false && echo x; echo $?"), "1\n");
    assert_eq!(run("true || echo x; echo $?"), "0\n");
    assert_eq!(run("false || false && echo x || echo y"), "y\n");
    assert_eq!(run("true && echo a && echo b || echo c"), "a\nb\n");
    assert_eq!(run("false; echo $?; true; echo $?"), "1\n0\n");
    assert_eq!(run("! false; echo $?; ! true; echo $?"), "0\n1\n");
}

#[test]
fn unknown_command_text_and_status() {
    let out = run_as("root", "foo");
    assert_eq!(out.output, b"-bash: foo: command not found\n");
    assert_eq!(out.status, 127);
    assert_eq!(out.unknown_commands, ["foo"]);
    assert_eq!(run("foo; echo $?"), "-bash: foo: command not found\n127\n");
    assert_eq!(run("./foo"), "-bash: ./foo: No such file or directory\n");
    assert_eq!(run("''"), "-bash: : command not found\n");
    assert_eq!(run("foo 2>/dev/null; echo $?"), "127\n");
}

#[test]
fn variables_and_expansion() {
    assert_eq!(run("X=1 Y=2; echo $X$Y ${X}a"), "12 1a\n");
    assert_eq!(
        run("echo ~ ~/x ~root ~nope a=~"),
        "/root /root/x /root ~nope a=/root\n"
    );
    assert_eq!(run("A=\"a   b\"; echo $A \"$A\""), "a b a   b\n");
    assert_eq!(run("echo $UNSET x \"\" y"), "x  y\n");
    assert_eq!(
        run("X=1; echo ${#PATH} ${X:-def} ${NOPE:-def} ${X:+alt}"),
        "98 1 def alt\n"
    );
    assert_eq!(run("echo ${N:=set}; echo $N"), "set\nset\n");
    assert_eq!(
        run("echo $HOME $USER $SHELL $HOSTNAME $0"),
        "/root root /bin/bash web-prod-03 -bash\n"
    );
    assert_eq!(run("echo '$HOME' \"$HOME\" \\$HOME"), "$HOME /root $HOME\n");
    assert_eq!(run("echo a\\ b 'c'\"d\""), "a b cd\n");
    assert_eq!(
        run("echo $(whoami) `hostname` \"$(echo 'a   b')\" $(echo 'c   d')"),
        "root web-prod-03 a   b c d\n"
    );
    assert_eq!(run("echo $((1 + 2 * 3)) $((X+1))"), "7 1\n");
    assert_eq!(run("X=5; echo $((X * 2))"), "10\n");
    assert_eq!(
        run("FOO=bar sh_var=1; echo $FOO; export | grep FOO"),
        "bar\n"
    );
}

#[test]
fn assignments_run_left_to_right() {
    assert_eq!(run("X=5 Y=$X; echo $Y"), "5\n");
    assert_eq!(run("X=1; X=2 Y=$X true; echo $X $Y"), "1\n");
}

#[test]
fn brace_expansion_like_bash() {
    // Expected output from bash 5.2.
    assert_eq!(
        run(
            r#"echo {1..3} {a..c} {1..10..3} {05..7} x{a,b}y {a,{b,c}} {x} {} {a..} \{a,b\} "{a,b}" $HOME/{a,b} {3..1} {-1..1}"#
        ),
        "1 2 3 a b c 1 4 7 10 05 06 07 xay xby a b c {x} {} {a..} {a,b} {a,b} /root/a /root/b 3 2 1 -1 0 1\n"
    );
    assert_eq!(run("echo {1..100000} | true; echo ok"), "ok\n");
    let big = "x".repeat(60_000);
    let out = run(&format!("echo {{1..100}}{big} | true; echo ok"));
    assert!(out.ends_with("ok\n"), "{out}");
    assert_eq!(run("echo {a,b}{c,d}"), "ac ad bc bd\n");
}

#[test]
fn ansi_c_quoting() {
    assert_eq!(
        run_as("root", r#"echo $'a\tb\x41\101\cAz\u00e9\q' $"x""#).output,
        "a\tbAA\x01zé\\q x\n".as_bytes()
    );
}

#[test]
fn parameter_operators_like_bash() {
    // Expected output from bash 5.2.
    assert_eq!(
        run("P=/usr/local/bin/tool.tar.gz; echo ${P#*/} ${P##*/} ${P%.*} ${P%%.*}"),
        "usr/local/bin/tool.tar.gz tool.tar.gz /usr/local/bin/tool.tar /usr/local/bin/tool\n"
    );
    assert_eq!(
        run(
            "S=hello-world-hello; echo ${S/hello/bye} ${S//hello/bye} ${S/#hello/X} ${S/%hello/X} ${S//o}"
        ),
        "bye-world-hello bye-world-bye X-world-hello hello-world-X hell-wrld-hell\n"
    );
    assert_eq!(
        run("S=abcdef; echo ${S:2} ${S:1:3} ${S: -2} ${S:1:-1} ${S:9}"),
        "cdef bcd ef bcde\n"
    );
    assert_eq!(
        run("S=hello; echo ${S^} ${S^^} ${S,,} X${HOME#/}"),
        "Hello HELLO hello Xroot\n"
    );
}

#[test]
fn expansion_errors_drop_the_rest_of_the_line() {
    assert_eq!(
        run_status("echo ${a b}; echo after"),
        ("-bash: ${a b}: bad substitution\n".to_owned(), 1)
    );
    assert_eq!(
        run("echo $((7/0)); echo after"),
        "-bash: 7/0: division by 0 (error token is \"0\")\n"
    );
    assert_eq!(
        run("echo ${X:?}; echo after"),
        "-bash: X: parameter null or not set\n"
    );
}

#[test]
fn syntax_errors_have_status_2_and_are_in_history() {
    let shell = Shell::new(Arc::new(host()));
    let mut state = ShellState::login("root");
    // Bash 5.1 reads on after `&&` (`> `); Ctrl-D there ends the command.
    assert!(shell.run_line(&mut state, "echo a &&").incomplete);
    let out = shell.end_of_input(&mut state).expect("pending");
    assert_eq!(out.output, b"-bash: syntax error: unexpected end of file\n");
    assert_eq!(out.status, 2);
    assert_eq!(state.last_status, 2);
    assert_eq!(state.history, ["echo a &&"]);
}

#[test]
fn temporary_assignments_and_subshells() {
    assert_eq!(run("X=1; X=2 true; echo $X"), "1\n");
    assert_eq!(run("cd /tmp | true; pwd"), "/root\n");
    assert_eq!(run("(cd /tmp; pwd); pwd"), "/tmp\n/root\n");
    assert_eq!(run("echo $(cd /tmp; pwd) $(pwd)"), "/tmp /root\n");
    assert_eq!(run("(exit 7); echo $?"), "7\n");
    assert_eq!(run("X=$(false); echo $?"), "1\n");
}

#[test]
fn pipes_and_redirections() {
    assert_eq!(run("echo hidden | true; echo shown"), "shown\n");
    assert_eq!(run("uname -z 2>/dev/null; echo $?"), "1\n");
    assert_eq!(run("echo a >/dev/null; echo b > /tmp/x"), "");
    assert_eq!(run("uname -z 2>&1 >/dev/null | true"), "");
    assert_eq!(run("uname -z >/dev/null 2>&1"), "");
    assert_eq!(run("echo err >&2"), "err\n");
    assert_eq!(run("foo |& true"), "");
    assert_eq!(run("echo a &> /dev/null; echo b"), "b\n");
    assert_eq!(run("echo a > $NOPE"), "-bash: $NOPE: ambiguous redirect\n");
    assert_eq!(run("echo x | foo"), "-bash: foo: command not found\n");
    // In a subshell a background job prints no `[1] PID` notice.
    assert_eq!(run("(echo a & echo b)"), "a\nb\n");
    assert_eq!(run("echo a # comment"), "a\n");
}

#[test]
fn prompt_for_root_and_users() {
    let shell = Shell::new(Arc::new(host()));
    let mut root = ShellState::login("root");
    assert_eq!(shell.prompt(&root), "root@web-prod-03:~# ");
    shell.run_line(&mut root, "cd /tmp");
    assert_eq!(shell.prompt(&root), "root@web-prod-03:/tmp# ");
    shell.run_line(&mut root, "cd /root/.ssh");
    assert_eq!(shell.prompt(&root), "root@web-prod-03:~/.ssh# ");
    let mut user = ShellState::login("alice");
    assert_eq!(shell.prompt(&user), "alice@web-prod-03:~$ ");
    shell.run_line(&mut user, "cd /tmp");
    assert_eq!(shell.prompt(&user), "alice@web-prod-03:/tmp$ ");
    shell.run_line(&mut user, "cd /home");
    assert_eq!(shell.prompt(&user), "alice@web-prod-03:/home$ ");
    let mut dotted = host();
    dotted.hostname = "db02.example.com".to_owned();
    let shell = Shell::new(Arc::new(dotted));
    assert_eq!(shell.prompt(&ShellState::login("root")), "root@db02:~# ");
}

#[test]
fn history_is_recorded_before_running() {
    let shell = Shell::new(Arc::new(host()));
    let mut state = ShellState::login("root");
    shell.run_line(&mut state, "echo one");
    shell.run_line(&mut state, " echo secret");
    shell.run_line(&mut state, "");
    let out = shell.run_line(&mut state, "history");
    assert_eq!(out.output, b"    1  echo one\n    2  history\n");
}

#[test]
fn long_lines_get_an_error() {
    let shell = Shell::new(Arc::new(host()));
    let mut state = ShellState::login("root");
    let line = format!("echo {}", "x".repeat(MAX_LINE_BYTES));
    let out = shell.run_line(&mut state, &line);
    assert_eq!(out.output, b"-bash: echo: Argument list too long\n");
    assert_eq!(out.status, 126);
    assert!(state.history.is_empty());
}

#[test]
fn output_and_expansions_are_bounded() {
    let shell = Shell::new(Arc::new(host()));
    let mut state = ShellState::login("root");
    shell.run_line(
        &mut state,
        "A=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    );
    let mut last = None;
    for _ in 0..20 {
        last = Some(shell.run_line(&mut state, "A=$A$A"));
    }
    let out = last.expect("ran");
    assert!(String::from_utf8_lossy(&out.output).contains("cannot allocate"));
    assert!(state.var("A").map_or(0, str::len) <= MAX_WORD_BYTES);
    // Many large variables, or one huge command line, hit the state and argv caps.
    shell.run_line(&mut state, "A=${A:0:1000000}");
    let out = shell.run_line(
        &mut state,
        &(0..20)
            .map(|i| format!("V{i}=$A"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    assert!(String::from_utf8_lossy(&out.output).contains("cannot allocate"));
    assert!(state.vars_bytes() <= crate::shell::state::MAX_VARS_BYTES);
    let out = shell.run_line(&mut state, &format!("echo {}", "$A ".repeat(100)));
    assert_eq!(out.output, b"-bash: echo: Argument list too long\n");
}

#[test]
fn forking_is_bounded_per_line() {
    let shell = Shell::new(Arc::new(host()));
    let mut state = ShellState::login("root");
    shell.run_line(&mut state, &format!("A={}", "x".repeat(60_000)));
    shell.run_line(&mut state, "A=$A$A$A$A$A$A$A$A; A=$A$A");
    assert!(state.vars_bytes() > 900_000);
    let line = vec!["true"; 10_000].join("|");
    let started = std::time::Instant::now();
    let out = shell.run_line(&mut state, &line);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        String::from_utf8_lossy(&out.output)
            .starts_with("-bash: fork: Resource temporarily unavailable\n")
    );
    // The budget is per line.
    assert_eq!(
        shell.run_line(&mut state, "echo $(echo ok)").output,
        b"ok\n"
    );
}

/// The deepest nesting the parser and evaluator accept must fit in a small thread stack
/// (actor threads have 2 MiB; this checks with half of that, in a debug build).
#[test]
fn deep_nesting_fits_in_a_small_stack() {
    let lines = [
        format!("echo $(({}1{}))", "(".repeat(70), ")".repeat(70)),
        format!("echo {}x{}", "$(echo ".repeat(40), ")".repeat(40)),
        format!("echo {}x{}", "${X:-".repeat(40), "}".repeat(40)),
        format!("echo {}x{}", "\"$(".repeat(40), ")\"".repeat(40)),
        format!("{}true{}", "(".repeat(40), ")".repeat(40)),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let shell = Shell::new(Arc::new(host()));
            let mut state = ShellState::login("root");
            for line in &lines {
                let _ = shell.run_line(&mut state, line);
            }
        })
        .expect("spawn");
    assert!(handle.join().is_ok());
}

#[test]
fn state_is_the_whole_checkpoint() {
    let shell = Shell::new(Arc::new(host()));
    let mut state = ShellState::login("root");
    shell.run_line(&mut state, "cd /var/log; X=1; export Y=2; false");
    let mut restored: ShellState =
        serde_json::from_str(&serde_json::to_string(&state).expect("save")).expect("load");
    assert_eq!(restored, state);
    let out = shell.run_line(&mut restored, "echo $? $X $Y; pwd");
    assert_eq!(out.output, b"1 1 2\n/var/log\n");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn on_arbitrary_text(line in any::<String>()) {
            let shell = crate::shell::commands::testing::shell();
            let mut state = ShellState::login("root");
            let _ = shell.run_line(&mut state, &line);
            let _ = shell.prompt(&state);
        }

        #[test]
        fn on_shell_syntax(
            lines in proptest::collection::vec(
                "[a-z $(){}`'\"\\\\|&;<>!#~=0-9:?+*/.%^_-]{0,80}",
                1..6,
            ),
            user in "root|alice",
        ) {
            let shell = crate::shell::commands::testing::shell();
            let mut state = ShellState::login(&user);
            for line in &lines {
                let out = shell.run_line(&mut state, line);
                prop_assert!(out.output.len() <= MAX_OUTPUT_BYTES);
                if out.exit {
                    break;
                }
            }
        }

        #[test]
        fn on_command_words(
            words in proptest::collection::vec(
                "uname|id|whoami|hostname|echo|cd|pwd|export|history|exit|true|false|-[a-zA-Z]{1,4}|--[a-z]{1,8}|/[a-z/.]{0,12}|\\.\\.|[A-Z]=[a-z]{0,3}|-e|\\\\[0-9a-z]{1,4}",
                0..8,
            ),
        ) {
            let shell = crate::shell::commands::testing::shell();
            let mut state = ShellState::login("alice");
            let _ = shell.run_line(&mut state, &words.join(" "));
        }
    }
}
