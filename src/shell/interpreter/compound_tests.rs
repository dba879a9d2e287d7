//! Compound commands, functions, control builtins and `PS2` continuation, against what
//! bash 5.2 prints (`bash --norc --noprofile`; interactive errors start with `-bash: `).

use crate::shell::ShellState;
use crate::shell::commands::testing::{run, run_status, shell};

#[test]
fn if_elif_else() {
    assert_eq!(
        run("if false; then echo a; elif true; then echo b; else echo c; fi"),
        "b\n"
    );
    assert_eq!(run("if true; then echo a; fi; echo $?"), "a\n0\n");
    assert_eq!(run("if false; then echo a; fi; echo $?"), "0\n");
    assert_eq!(run("if false; then :; else false; fi; echo $?"), "1\n");
    assert_eq!(run("if ! false; then echo n; fi"), "n\n");
}

#[test]
fn loops() {
    assert_eq!(run("for i in 1 2; do echo $i; done; echo $?"), "1\n2\n0\n");
    assert_eq!(run("for i in {1..3}; do echo -n $i; done"), "123");
    assert_eq!(
        run(
            "for i in 1 2 3; do for j in a b; do case $j in b) continue 2;; esac; echo $i$j; done; done"
        ),
        "1a\n2a\n3a\n"
    );
    assert_eq!(
        run("x=5; until false; do x=$((x-1)); case $x in 2) break;; esac; done; echo $x"),
        "2\n"
    );
    assert_eq!(run("until false; do echo u; break; done"), "u\n");
    assert_eq!(
        run("for i in 1 2 3; do while true; do break 2; done; echo no; done; echo $i"),
        "1\n"
    );
    assert_eq!(run("for i; do echo $i; done; echo $?"), "0\n");
    assert_eq!(run("for i in; do echo $i; done; echo $?"), "0\n");
}

#[test]
fn case_patterns() {
    assert_eq!(run("case ab in a*) echo A;; *) echo B;; esac"), "A\n");
    assert_eq!(run("case x in (x|y) echo xy;& z) echo z;; esac"), "xy\nz\n");
    assert_eq!(run("case q in a) echo a;; esac; echo $?"), "0\n");
    assert_eq!(run("v=hello; case $v in h?llo) echo yes; esac"), "yes\n");
    assert_eq!(run("case '*' in \\*) echo star;; esac"), "star\n");
    assert_eq!(run("case abc in \"a*\") echo q;; a*) echo g;; esac"), "g\n");
}

#[test]
fn groups_and_redirections() {
    assert_eq!(run("{ echo a; echo b; } > /dev/null; echo $?"), "0\n");
    assert_eq!(run("{ echo a; echo b; } | wc -l"), "2\n");
    assert_eq!(
        run("for i in 1 2; do echo $i; done > /tmp/o; cat /tmp/o"),
        "1\n2\n"
    );
}

#[test]
fn functions() {
    assert_eq!(
        run("f() { echo \"f:$1:$#\"; return 3; }; f x y; echo $?"),
        "f:x:2\n3\n"
    );
    assert_eq!(run("function g { echo G; }; g"), "G\n");
    assert_eq!(run("function h() { echo H; }; h"), "H\n");
    assert_eq!(
        run("f() { local v=1; echo $v; }; v=0; f; echo \"[$v]\""),
        "1\n[0]\n"
    );
    assert_eq!(run("f() { local v=1; }; f; echo \"[$v]\""), "[]\n");
    assert_eq!(run("f() { shift; echo $*; }; f a b c"), "b c\n");
    assert_eq!(run("f() { for a; do echo $a; done; }; f 1 2"), "1\n2\n");
    assert_eq!(
        run("f() { echo in; }; unset -f f; f"),
        "-bash: f: command not found\n"
    );
    let mut state = crate::shell::commands::testing::session("root");
    let shell = shell();
    shell.run_line(&mut state, "greet() { echo hi $1; }");
    let out = shell.run_line(&mut state, "greet bob");
    assert_eq!(out.output, b"hi bob\n");
}

#[test]
fn control_builtins_outside_their_place() {
    assert_eq!(
        run_status("break; echo $?"),
        (
            "-bash: break: only meaningful in a `for', `while', or `until' loop\n0\n".to_owned(),
            0
        )
    );
    assert_eq!(
        run("return; echo $?"),
        "-bash: return: can only `return' from a function or sourced script\n2\n"
    );
    assert_eq!(
        run_status("local x"),
        (
            "-bash: local: can only be used in a function\n".to_owned(),
            1
        )
    );
}

#[test]
fn syntax_errors_like_bash() {
    for (line, token) in [
        ("if true; fi", "fi"),
        ("while true; do done", "done"),
        ("done", "done"),
        ("fi; echo x", "fi"),
        ("if ; then echo; fi", ";"),
        ("then", "then"),
    ] {
        assert_eq!(
            run_status(line),
            (
                format!("-bash: syntax error near unexpected token `{token}'\n"),
                2
            ),
            "{line}"
        );
    }
}

#[test]
fn open_constructs_prompt_for_more() {
    let shell = shell();
    let mut state = ShellState::login("root");
    let out = shell.run_line(&mut state, "for i in 1 2 3; do");
    assert!(out.incomplete && out.output.is_empty());
    assert_eq!(shell.prompt(&state), "> ");
    let out = shell.run_line(&mut state, "echo $i");
    assert!(out.incomplete);
    let out = shell.run_line(&mut state, "done");
    assert!(!out.incomplete);
    assert_eq!(out.output, b"1\n2\n3\n");
    assert_eq!(
        shell.prompt(&state),
        "root@web-01:~# ".replace("web-01", shell.host().short_hostname())
    );
    assert_eq!(
        state.history.last(),
        Some("for i in 1 2 3; do echo $i; done")
    );
    shell.run_line(&mut state, "if true");
    assert_eq!(shell.prompt(&state), "> ");
    state.cancel_pending();
    let out = shell.run_line(&mut state, "echo ok");
    assert_eq!(out.output, b"ok\n");
    shell.run_line(&mut state, "while true");
    let out = shell.end_of_input(&mut state).expect("pending");
    assert_eq!(out.output, b"-bash: syntax error: unexpected end of file\n");
    assert_eq!((out.status, state.last_status), (2, 2));
    assert!(shell.end_of_input(&mut state).is_none());
}

#[test]
fn scripts_run_multi_line_constructs() {
    let script = "echo -e 'for i in a b\\ndo\\n  echo $i\\ndone\\nif true\\nthen\\n  echo t\\nfi' > /tmp/s.sh; sh /tmp/s.sh; bash /tmp/s.sh";
    assert_eq!(run(script), "a\nb\nt\na\nb\nt\n");
    assert_eq!(
        run("echo 'for i in 1; do' > /tmp/b.sh; bash /tmp/b.sh"),
        "/tmp/b.sh: line 2: syntax error: unexpected end of file\n"
    );
}

#[test]
fn runaway_loops_and_recursion_stop() {
    let (out, _) = run_status("while true; do :; done; echo after");
    assert_eq!(
        out,
        "-bash: fork: retry: Resource temporarily unavailable\n"
    );
    let (out, status) = run_status("f() { f; }; f");
    assert!(
        out.ends_with("maximum function nesting level exceeded (64)\n"),
        "{out}"
    );
    assert_eq!(status, 1);
    for line in [
        "f() { ( f ); }; f",
        "f() { echo $(f); }; f",
        "f() { { { { { { { { f; }; }; }; }; }; }; }; }; f",
        "f() { if true; then for i in 1; do while true; do case a in a) f;; esac; done; done; fi; }; f",
        "echo 'f() { . /tmp/r.sh; }; f' > /tmp/r.sh; . /tmp/r.sh",
        "alias q='q; q'; q",
        "f() { eval f; }; f",
    ] {
        let (out, _) = run_status(line);
        assert!(out.len() < 4096, "{line}: {out}");
    }
    // A fork bomb: every branch fails at the nesting limit; the output cap bounds it.
    let (out, _) = run_status("f() { f | f; }; f");
    assert!(out.len() <= crate::shell::MAX_OUTPUT_BYTES);
    let (out, _) =
        run_status("for i in {1..1000}; do for j in {1..1000}; do x=1; done; done; echo no");
    assert_eq!(
        out,
        "-bash: fork: retry: Resource temporarily unavailable\n"
    );
}

#[test]
fn aliases_and_type() {
    assert_eq!(run("alias ll"), "alias ll='ls -alF'\n");
    assert_eq!(run("alias x='echo hi'; x there"), "hi there\n");
    assert_eq!(run("type cd"), "cd is a shell builtin\n");
    assert_eq!(run("type ls"), "ls is aliased to `ls --color=auto'\n");
    assert_eq!(run("unalias ls; type ls"), "ls is /usr/bin/ls\n");
    assert_eq!(run("type -t ls if cd"), "alias\nkeyword\nbuiltin\n");
    assert_eq!(
        run_status("type nosuch"),
        ("-bash: type: nosuch: not found\n".to_owned(), 1)
    );
    assert_eq!(run("unalias zz"), "-bash: unalias: zz: not found\n");
    assert_eq!(run("command -v cd ls"), "cd\nalias ls='ls --color=auto'\n");
    assert_eq!(run("eval 'echo a; echo b'"), "a\nb\n");
    assert_eq!(run("echo abc | grep b"), "abc\n");
    let (out, status) = run_status("ll -d /tmp");
    assert!(out.starts_with("drwxrwxrwt") && status == 0, "{out}");
    assert_eq!(run("alias c='cd /tmp; pwd'; c"), "/tmp\n");
    assert_eq!(run("alias a=b b=a; a"), "-bash: a: command not found\n");
    assert_eq!(
        run("alias q='q; q'; q"),
        "-bash: q: command not found\n-bash: q: command not found\n"
    );
}

mod no_panic {
    use proptest::prelude::*;

    use crate::shell::ShellState;
    use crate::shell::commands::testing::shell;

    /// Tokens of compound syntax, joined at random: most lines are wrong, some run loops.
    const TOKENS: &[&str] = &[
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "for",
        "x",
        "in",
        "do",
        "done",
        "while",
        "until",
        "case",
        "esac",
        ";;",
        ";&",
        ";;&",
        ")",
        "(",
        "{",
        "}",
        "f()",
        "f",
        "function",
        "echo",
        "true",
        "false",
        ":",
        "break",
        "continue",
        "break 2",
        "return",
        "return 3",
        "local y=1",
        "shift",
        "$x",
        "$1",
        "\"$@\"",
        ";",
        "&&",
        "||",
        "|",
        "\n",
        "a*",
        "eval",
        "eval f",
        "alias f=f",
        "alias g='f; g'",
        "g",
        "unset -f f",
        "type f",
        "command -v",
        "2>&1",
        ">/tmp/o",
        "$(f)",
        "`f`",
        "1 2 3",
        "!",
        "ll",
        "exec",
        "source /tmp/o",
        "{1..3}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
        ))]

        #[test]
        fn on_compound_syntax(
            lines in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(TOKENS), 0..24),
                1..5,
            ),
        ) {
            let shell = shell();
            let mut state = ShellState::login("root");
            for line in &lines {
                let out = shell.run_line(&mut state, &line.join(" "));
                prop_assert!(out.output.len() <= crate::shell::MAX_OUTPUT_BYTES);
                let _ = shell.prompt(&state);
                if out.exit {
                    break;
                }
            }
        }
    }
}

#[test]
fn while_read_takes_lines_in_turn() {
    assert_eq!(
        run("printf 'a b\\nc d\\n' | while read x y; do echo \"$y-$x\"; done"),
        "b-a\nd-c\n"
    );
    assert_eq!(
        run("echo -e '1\\n2' > /tmp/l; while read n; do echo n$n; done < /tmp/l; echo $?"),
        "n1\nn2\n0\n"
    );
}

#[test]
fn set_and_positional_parameters() {
    assert_eq!(
        run("set -- a b c; echo $# $2; shift 2; echo $1"),
        "3 b\nc\n"
    );
    assert_eq!(run("set -e; set -x; echo $?"), "+ echo 0\n0\n");
    assert!(run("FOO='a b'; set").contains("FOO='a b'\n"));
    assert_eq!(
        run_status("set -Q"),
        (
            "-bash: set: -Q: invalid option\nset: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(run("exec echo hi; echo never"), "hi\n");
}
