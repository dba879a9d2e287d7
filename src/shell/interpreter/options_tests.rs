//! `set -e`, `set -u`, `set -x`, `set -o` and `$-`, against what bash prints (checked with
//! bash 5.2, `bash --norc --noprofile -i`; interactive errors start with `-bash: `).

use crate::shell::commands::testing::{run, run_status, session, shell};

#[test]
fn dollar_dash_follows_the_flags() {
    assert_eq!(run("echo $-"), "himBHs\n");
    assert_eq!(run("set -e; echo $-; set +e; echo $-"), "ehimBHs\nhimBHs\n");
    assert_eq!(run("set -u; echo $-"), "himuBHs\n");
    assert_eq!(run("set -o xtrace; set +x; echo $-"), "+ set +x\nhimBHs\n");
    // A script is not interactive.
    assert_eq!(run("echo 'echo $-' > /tmp/f.sh; bash /tmp/f.sh"), "hB\n");
}

#[test]
fn set_o_lists_options() {
    let listing = run("set -o");
    assert!(
        listing.starts_with(
            "allexport      \toff\nbraceexpand    \ton\nemacs          \ton\nerrexit        \toff\n"
        ),
        "{listing}"
    );
    assert_eq!(listing.lines().count(), 27);
    assert!(listing.contains("\nxtrace         \toff\n"));
    assert!(run("set -x; set -o 2>/dev/null").contains("\nxtrace         \ton\n"));
    let commands = run("set +o");
    assert!(commands.starts_with("set +o allexport\nset -o braceexpand\nset -o emacs\n"));
    assert!(commands.contains("\nset -o monitor\n"));
    assert_eq!(
        run_status("set -o nosuch"),
        ("-bash: set: nosuch: invalid option name\n".to_owned(), 2)
    );
    assert_eq!(
        run_status("set -q"),
        (
            "-bash: set: -q: invalid option\nset: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(
        run("echo $SHELLOPTS; set -eu; echo $SHELLOPTS"),
        "braceexpand:emacs:hashall:histexpand:history:interactive-comments:monitor\n\
         braceexpand:emacs:errexit:hashall:histexpand:history:interactive-comments:monitor:nounset\n"
    );
    assert_eq!(
        run("set +q 2>&1 | head -1"),
        "-bash: set: +q: invalid option\n"
    );
    // Options persist from line to line.
    let shell = shell();
    let mut state = session("root");
    shell.run_line(&mut state, "set -o nounset");
    let out = shell.run_line(&mut state, "echo $-");
    assert_eq!(out.output, b"himuBHs\n");
}

#[test]
fn xtrace_prints_expanded_commands() {
    assert_eq!(
        run(r#"set -x; echo "a b" it\'s "" a=b"#),
        "+ echo 'a b' 'it'\\''s' '' a=b\na b it's  a=b\n"
    );
    assert_eq!(
        run("set -x; x='a b'; FOO=1 true"),
        "+ x='a b'\n+ FOO=1\n+ true\n"
    );
    assert_eq!(
        run("set -x; x=\"a b\"; [[ $x == a* ]]"),
        "+ x='a b'\n+ [[ a b == a* ]]\n"
    );
    assert_eq!(run("set -x; (( 1 + 2 ))"), "+ ((  1 + 2  ))\n");
    assert_eq!(
        run(
            r#"x="a b"; set -x; [[ $x == "a b" ]]; [[ $x =~ "a.c" ]]; [[ -n "$x" ]]; [[ $x == a\ b ]]"#
        ),
        "+ [[ a b == \\a\\ \\b ]]\n+ [[ a b =~ a\\.c ]]\n+ [[ -n a b ]]\n+ [[ a b == a\\ b ]]\n"
    );
    assert_eq!(run("PS4='>> '; set -x; echo hi"), ">> echo hi\nhi\n");
    assert_eq!(run("set -x; set +x; echo quiet"), "+ set +x\nquiet\n");
    assert_eq!(
        run(r#"set -x; for i in a "b c"; do :; done; case x in x) :;; esac"#),
        "+ for i in a \"b c\"\n+ :\n+ for i in a \"b c\"\n+ :\n+ case x in\n+ :\n"
    );
    assert_eq!(
        run("set -x; for ((i=0;i<1;i++)); do :; done"),
        "+ (( i=0 ))\n+ (( i<1 ))\n+ :\n+ (( i++ ))\n+ (( i<1 ))\n"
    );
    assert_eq!(
        run("set -x; x=$(echo $(echo z))"),
        "+++ echo z\n++ echo z\n+ x=z\n"
    );
    assert_eq!(
        run("set -x; (echo a); echo b | cat"),
        "+ echo a\na\n+ echo b\n+ cat\nb\n"
    );
}

#[test]
fn nounset_refuses_unset_parameters() {
    assert_eq!(
        run_status("set -u; echo $nope; echo same"),
        ("-bash: nope: unbound variable\n".to_owned(), 1)
    );
    assert_eq!(run("set -u; echo ${nope:-d} ${nope-e} \"$@\"."), "d e .\n");
    assert_eq!(
        run("set -u; echo ${#nope}"),
        "-bash: nope: unbound variable\n"
    );
    assert_eq!(run("set -u; echo $1"), "-bash: $1: unbound variable\n");
    let shell = shell();
    let mut state = session("root");
    shell.run_line(&mut state, "set -u");
    shell.run_line(&mut state, "echo $nope");
    let out = shell.run_line(&mut state, "echo $?; set +u; echo \"[$nope]\"");
    assert_eq!(out.output, b"1\n[]\n");
}

#[test]
fn errexit_with_bash_exceptions() {
    let (output, status) = run_status(
        "set -e; false && true; echo a; ! true; echo b; if false; then :; fi; echo c; \
         while false; do :; done; f() { false; echo inf; }; f || echo x; false; echo no",
    );
    assert_eq!(output, "a\nb\nc\ninf\n");
    assert_eq!(status, 1);
    assert_eq!(run("(set -e; false; echo no); echo after $?"), "after 1\n");
    assert_eq!(run("(set -e; true && false; echo no); echo $?"), "1\n");
    assert_eq!(run("(set -e; { false || true; }; echo yes)"), "yes\n");
    assert_eq!(
        run("(set -e; x=$(false; echo no); echo \"[$x]\")"),
        "[no]\n"
    );
}

#[test]
fn options_in_scripts() {
    assert_eq!(
        run("printf 'set -u\\necho $nope\\necho after\\n' > /tmp/u.sh; bash /tmp/u.sh; echo rc=$?"),
        "/tmp/u.sh: line 2: nope: unbound variable\nrc=1\n"
    );
    assert_eq!(
        run("printf 'set -e\\nfalse\\necho after\\n' > /tmp/e.sh; bash /tmp/e.sh; echo rc=$?"),
        "rc=1\n"
    );
    assert_eq!(
        run("printf 'set -x\\necho hi\\n' > /tmp/x.sh; bash /tmp/x.sh; echo $-"),
        "+ echo hi\nhi\nhimBHs\n"
    );
    // The interactive shell's options do not reach a child bash.
    assert_eq!(
        run("echo 'echo in' > /tmp/q.sh; set -x; bash /tmp/q.sh 2>/dev/null"),
        "+ bash /tmp/q.sh\nin\n"
    );
}
