//! `[[ … ]]`, `(( … ))` and `for (( … ))` against what bash prints (bash 5.2 checked with
//! `bash -c`; the two-line syntax errors are bash 5.1's, which adds `syntax error near`).

use crate::shell::commands::testing::{run, run_status};

/// Runs `tests` (each a `[[ … ]]` line) and returns their statuses, space separated.
fn statuses(tests: &[&str]) -> String {
    let line: Vec<String> = tests
        .iter()
        .map(|t| format!("{t}; echo -n \"$? \""))
        .collect();
    run(&line.join("; "))
}

#[test]
fn string_comparisons_use_patterns_unless_quoted() {
    assert_eq!(
        statuses(&[
            r#"x="a b"; [[ $x == "a b" ]]"#,
            r#"[[ $x = a\ * ]]"#,
            r#"[[ abc == a"*" ]]"#,
            r#"[[ "a*" == a"*" ]]"#,
            r#"p='a*'; [[ abc == $p ]]"#,
            r#"[[ abc == "$p" ]]"#,
            "[[ a != b ]]",
            "[[ abc != a?c ]]",
            "[[ a < b ]]",
            "[[ a > b ]]",
        ]),
        "0 0 1 0 0 1 0 1 0 1 "
    );
}

#[test]
fn words_are_not_split_or_globbed() {
    assert_eq!(
        statuses(&[
            r#"x="a b"; [[ $x ]]"#,
            "y=; [[ $y ]]",
            r#"[[ "" ]]"#,
            "[[ * == '*' ]]",
            "[[ -z $unset ]]",
            "[[ -n x ]]",
        ]),
        "0 1 1 0 0 0 "
    );
}

#[test]
fn integers_logic_and_grouping() {
    assert_eq!(
        statuses(&[
            "[[ 3 -gt 1+1 ]]",
            "[[ 010 -eq 8 ]]",
            "[[ x -eq 0 ]]",
            "[[ ( 1 -lt 2 ) && ( b > a ) ]]",
            "[[ ! 1 -eq 1 ]]",
            "[[ 1 -eq 2 || 2 -eq 2 ]]",
            "[[ 1 -ne 1 ]]",
            "[[ 2 -le 2 && 3 -ge 4 ]]",
        ]),
        "0 0 0 0 1 0 1 1 "
    );
    assert_eq!(
        run_status("[[ 1 -eq 1+ ]]; echo $?"),
        (
            "-bash: [[: 1+: syntax error: operand expected (error token is \"+\")\n1\n".to_owned(),
            0
        )
    );
}

#[test]
fn file_tests_see_the_fake_filesystem() {
    assert_eq!(
        statuses(&[
            "[[ -f /etc/passwd && ! -d /etc/passwd ]]",
            "[[ -d /etc || -f /nope ]]",
            "[[ -e /nonexistent ]]",
            "[[ -s /etc/hostname ]]",
            "touch /tmp/empty; [[ -s /tmp/empty ]]",
            "[[ -r /etc/shadow ]]",
            "[[ -x /bin/sh ]]",
        ]),
        "0 0 1 0 1 0 0 "
    );
}

#[test]
fn regex_matches_set_bash_rematch() {
    assert_eq!(
        run("[[ abc =~ ^a(b|x)c$ ]]; echo $? $BASH_REMATCH"),
        "0 abc\n"
    );
    assert_eq!(
        statuses(&[
            r#"[[ a.c =~ "a.c" ]]"#,
            r#"[[ abc =~ "a.c" ]]"#,
            "[[ abc =~ a.c ]]",
            r#"[[ "a b" =~ (a b) ]]"#,
            "[[ x =~ [ ]]",
            "[[ 192.168.1.7 =~ ^[0-9]+(\\.[0-9]+){3}$ ]]",
        ]),
        "0 1 0 0 2 0 "
    );
}

#[test]
fn conditional_syntax_errors_like_bash() {
    let cases = [
        (
            "[[ a b ]]",
            "-bash: conditional binary operator expected\n-bash: syntax error near `b'\n",
        ),
        (
            "[[ -z ]]",
            "-bash: unexpected argument `]]' to conditional unary operator\n-bash: syntax error near `]]'\n",
        ),
        (
            "[[ 1 -eq ]]",
            "-bash: unexpected argument `]]' to conditional binary operator\n-bash: syntax error near `]]'\n",
        ),
        (
            "[[ ( a ]]",
            "-bash: unexpected token `]]', expected `)'\n-bash: syntax error near `]]'\n",
        ),
        (
            "[[ a = b c ]]",
            "-bash: syntax error in conditional expression\n-bash: syntax error near `c'\n",
        ),
        (
            "[[ a ) ]]",
            "-bash: syntax error in conditional expression: unexpected token `)'\n-bash: syntax error near `)'\n",
        ),
        (
            "[[ a || || b ]]",
            "-bash: unexpected token `||' in conditional command\n-bash: syntax error near `||'\n",
        ),
        ("[[ ]]", "-bash: syntax error near `]]'\n"),
        (
            "[[ a ]] b",
            "-bash: syntax error near unexpected token `b'\n",
        ),
    ];
    for (line, message) in cases {
        assert_eq!(run_status(line), (message.to_owned(), 2), "{line}");
    }
}

#[test]
fn unfinished_conditional_waits_for_more() {
    let shell = crate::shell::commands::testing::shell();
    let mut state = crate::shell::commands::testing::session("root");
    let first = shell.run_line(&mut state, "[[ -d /tmp &&");
    assert!(first.incomplete);
    let second = shell.run_line(&mut state, "-d /etc ]] && echo both");
    assert_eq!(second.output, b"both\n");
}

#[test]
fn arithmetic_command() {
    assert_eq!(
        run("(( 1 + 2 )); echo $?; (( 0 )); echo $?; (( )); echo $?"),
        "0\n1\n1\n"
    );
    assert_eq!(
        run("((a=1,b=a+2)); echo $a $b $?; ((a++)); echo $a; ((b+=5, b*=2)); echo $b"),
        "1 3 0\n2\n16\n"
    );
    assert_eq!(
        run("echo $((i++)) $i; echo $((++i)) $((i--)) $i"),
        "0 1\n2 2 1\n"
    );
    assert_eq!(
        run("x=0; (( x || (y=5) )); echo ${y-unset}; (( 1 || (z=5) )); echo ${z-unset}"),
        "5\nunset\n"
    );
    assert_eq!(
        run_status("((1=2)); echo $?"),
        (
            "-bash: ((: 1=2: attempted assignment to non-variable (error token is \"=2\")\n1\n"
                .to_owned(),
            0
        )
    );
    assert_eq!(
        run("((1/0)); echo $?"),
        "-bash: ((: 1/0: division by 0 (error token is \"0\")\n1\n"
    );
    assert_eq!(
        run("(( 1 + )); echo $?"),
        "-bash: ((: 1 + : syntax error: operand expected (error token is \"+ \")\n1\n"
    );
    // `((` that closes as two subshells is two subshells.
    assert_eq!(run("((echo a); echo b)"), "a\nb\n");
}

#[test]
fn arithmetic_for_loops() {
    assert_eq!(
        run("for ((i=0;i<3;i++)); do echo $i; done; echo $?"),
        "0\n1\n2\n0\n"
    );
    assert_eq!(run("for ((i=0;i<2;i++)) { echo $i; }"), "0\n1\n");
    assert_eq!(
        run("for (( ; ; )) ; do echo once; break; done; echo $?"),
        "once\n0\n"
    );
    assert_eq!(
        run("for ((i=10; i>0; i-=4)); do if ((i < 5)); then continue; fi; echo $i; done"),
        "10\n6\n"
    );
    assert_eq!(
        run_status("for ((i=0; i<2)); do :; done"),
        (
            "-bash: syntax error: arithmetic expression required\n-bash: syntax error: `((i=0; i<2))'\n"
                .to_owned(),
            2
        )
    );
    // The line's step budget stops an endless loop.
    let (output, _) = run_status("for ((;;)); do :; done; echo after");
    assert_eq!(
        output,
        "-bash: fork: retry: Resource temporarily unavailable\n"
    );
}

#[test]
fn arithmetic_and_conditionals_in_loops_and_lists() {
    assert_eq!(
        run("i=0; while (( i < 3 )); do ((i++)); done; echo $i"),
        "3\n"
    );
    assert_eq!(
        run("n=0; until [[ $n == 2 ]]; do n=$((n+1)); done; echo $n"),
        "2\n"
    );
    assert_eq!(
        run("[[ -d /tmp ]] && echo dir || echo nodir; ! [[ -d /tmp ]] || echo negated"),
        "dir\nnegated\n"
    );
    assert_eq!(
        run("f() [[ $1 == y* ]]; f yes && echo y; f no || echo n"),
        "y\nn\n"
    );
    assert_eq!(run("[[ a == a ]] > /tmp/out; echo $?"), "0\n");
}
