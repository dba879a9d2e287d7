//! Expected texts from mawk 1.3.4 20200120 (Ubuntu 22.04's and Debian 12's awk).

use proptest::prelude::*;

use crate::shell::commands::testing::{run, run_status};

#[test]
fn prints_fields_like_mawk() {
    assert_eq!(
        run_status("echo 'a b c' | awk '{print $2 $3, $NF; print NR}'"),
        ("bc c\n1\n".into(), 0)
    );
    assert_eq!(
        run_status("echo -e 'root:x:0\\nbin:x:1' | awk -F: '$3==1{print $1}'"),
        ("bin\n".into(), 0)
    );
    assert_eq!(
        run_status("echo -e 'a 1\\nb 2' | awk '/b/ {print $(NF-1)} END{print NR}'"),
        ("b\n2\n".into(), 0)
    );
    assert_eq!(
        run_status("echo 'model name : Intel Xeon' | awk '{print $4,$5,$6,$7,$8,$9;}'"),
        ("Intel Xeon    \n".into(), 0)
    );
}

#[test]
fn comparison_patterns_and_logic() {
    let passwd =
        "printf 'root:x:0:0\\nalice:x:1000:1000\\nbob:x:1500:1500\\nnobody:x:65534:65534\\n'";
    assert_eq!(
        run(&format!(
            "{passwd} | awk -F: '$3>=1000 && $3<2000 {{print $1}}'"
        )),
        "alice\nbob\n"
    );
    assert_eq!(
        run(&format!(
            "{passwd} | awk -F: '$3 == 0 || $1 ~ /^no/ {{print $1}}'"
        )),
        "root\nnobody\n"
    );
    assert_eq!(
        run(&format!("{passwd} | awk -F: '!($3 > 0)'")),
        "root:x:0:0\n"
    );
    // The real /etc/passwd: root is uid 0.
    assert_eq!(run("awk -F: '$3 == 0 {print $1}' /etc/passwd"), "root\n");
}

#[test]
fn if_else_and_loops() {
    assert_eq!(
        run("printf '1 a\\n5 b\\n' | awk '{ if ($1 > 3) print $2 }'"),
        "b\n"
    );
    assert_eq!(
        run("printf '1 a\\n5 b\\n' | awk '{ if ($1 > 3) print $2; else print \"no\" }'"),
        "no\nb\n"
    );
    assert_eq!(
        run("awk 'BEGIN { while (1) {i++; if (i>5) break}; print i }'"),
        "6\n"
    );
    assert_eq!(
        run("awk 'BEGIN{x[\"a\"]=1; x[\"b\"]=2; for(k in x) s+=x[k]; print s}'"),
        "3\n"
    );
    assert_eq!(
        run("awk 'BEGIN{for (i = 0; i < 3; i++) printf \"%d,\", i; print \"\"}'"),
        "0,1,2,\n"
    );
    assert_eq!(
        run("awk 'function f(n){return n<2?n:f(n-1)+f(n-2)} BEGIN{print f(10)}'"),
        "55\n"
    );
}

#[test]
fn records_fields_and_builtins() {
    assert_eq!(
        run("echo 'a b c' | awk '{$2=\"X\"; print; print NF}'"),
        "a X c\n3\n"
    );
    assert_eq!(run("echo 'a b c' | awk '{NF=2; print}'"), "a b\n");
    assert_eq!(
        run(
            "awk 'BEGIN{print length(\"h\u{e9}llo\"), substr(\"hello\",2,3), index(\"hello\",\"ll\"), toupper(\"abc\")}'"
        ),
        "6 ell 3 ABC\n"
    );
    assert_eq!(
        run(
            "awk 'BEGIN{print substr(\"hello\",-1,3) \"|\" substr(\"hello\",0) \"|\" substr(\"hello\",1.5,2) \"|\" substr(\"hello\",0,1) \"|\"}'"
        ),
        "hell|hello|he|h|\n"
    );
    assert_eq!(
        run("echo 'foo bar foo' | awk '{n=gsub(/foo/,\"[&]\"); print n, $0}'"),
        "2 [foo] bar [foo]\n"
    );
    assert_eq!(
        run("awk 'BEGIN{print match(\"foobar\", /ob/), RSTART, RLENGTH}'"),
        "3 3 2\n"
    );
    assert_eq!(
        run("awk 'BEGIN{n=split(\"a:b:c\", arr, \":\"); print n, arr[3]}'"),
        "3 c\n"
    );
    assert_eq!(
        run("awk 'BEGIN{printf \"%5.2f|%s|%d|%c%c\\n\", 3.14159, \"hi\", 42.9, 65, \"hello\"}'"),
        " 3.14|hi|42|Ah\n"
    );
    assert_eq!(
        run("echo '3 4' | awk '{print $1 * $2, $1 \" \" $2, ($1 > $2)}'"),
        "12 3 4 0\n"
    );
    assert_eq!(run("printf 'a\\nb\\nc\\nd\\n' | awk '/b/,/c/'"), "b\nc\n");
    assert_eq!(run("printf 'x\\ny\\nx\\n' | awk '!seen[$0]++'"), "x\ny\n");
}

#[test]
fn numbers_like_mawk() {
    assert_eq!(
        run("awk 'BEGIN{print 1/3, 100000*100000, 1e6, 0.1+0.2, -0}'"),
        "0.333333 1e+10 1000000 0.3 0\n"
    );
    assert_eq!(
        run("awk 'BEGIN{print 2147483647, 2147483648, -2147483648}'"),
        "2147483647 2.14748e+09 -2.14748e+09\n"
    );
    assert_eq!(
        run_status("awk 'BEGIN{print 1/0; print 5%0}'"),
        ("inf\n-nan\n".into(), 0)
    );
    assert_eq!(
        run("awk 'BEGIN{print -3 % 2, 2^3^2, -2^2, !0 !1}'"),
        "-1 512 -4 10\n"
    );
    // Strings convert with strtod: hex, inf and nan too.
    assert_eq!(
        run(
            "awk 'BEGIN { print \"nan\"+0, \"inf\"+0, \"-inf\"+1, \"0x\"+0, \"0x1g\"+0, \" 0X10\"+0, \"nano\"+0 }'"
        ),
        "nan inf -inf 0 1 16 nan\n"
    );
    assert_eq!(
        run("awk 'BEGIN{CONVFMT=\"%.2g\"; y = 3.14159; print (y \"\")}'"),
        "3.1\n"
    );
}

#[test]
fn exit_runs_end_with_its_status() {
    assert_eq!(
        run_status("awk 'BEGIN { exit 3 } END {print \"end\"}'"),
        ("end\n".into(), 3)
    );
    assert_eq!(
        run_status("echo a | awk '{ exit } END { print NR }'"),
        ("1\n".into(), 0)
    );
}

#[test]
fn print_to_a_file() {
    assert_eq!(
        run("awk 'BEGIN { print \"a\" > \"/tmp/o\"; print \"b\" > \"/tmp/o\" }'; cat /tmp/o"),
        "a\nb\n"
    );
}

#[test]
fn errors_like_mawk() {
    assert_eq!(
        run_status("echo a | awk '{print $1'"),
        ("mawk: line 2: missing } near end of file\n".into(), 2)
    );
    assert_eq!(
        run_status("echo a | awk 'BEGIN{print 1'"),
        ("mawk: line 2: missing } near end of file\n".into(), 2)
    );
    assert_eq!(
        run_status("echo a | awk '{print $1 +}'"),
        ("mawk: line 1: syntax error at or near }\n".into(), 2)
    );
    assert_eq!(
        run_status("awk '{print}' nofile"),
        (
            "mawk: cannot open nofile (No such file or directory)\n".into(),
            2
        )
    );
    assert!(
        run_status("awk")
            .0
            .starts_with("Usage: mawk [Options] [Program] [file ...]\n")
    );
}

#[test]
fn runaway_programs_end() {
    // A real awk would spin forever; the emulation stops at its step budget.
    let (_, status) = run_status("awk 'BEGIN { while (1) x++ }'");
    assert_eq!(status, 0);
    let (out, _) = run_status("awk 'BEGIN { while (1) print \"y\" }' | head -2");
    assert_eq!(out, "y\ny\n");
    let (out, _) =
        run_status("awk 'function f(n) { return f(n+1) } BEGIN { f(1); print \"after\" }'");
    assert!(!out.contains("after"));
    let deep = format!(
        "awk 'BEGIN {{ print {}1{} }}'",
        "(".repeat(500),
        ")".repeat(500)
    );
    assert_eq!(run_status(&deep).1, 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// No program text, however broken, makes awk panic.
    #[test]
    fn never_panics(program in "[a-z$0-9(){};!<>=&|+*/%^~\"?:, \\[\\]\n-]{0,40}") {
        let quoted = program.replace('\'', "");
        let _ = run_status(&format!("echo 'a 1 b' | awk '{quoted}'"));
    }

    /// Programs built from the grammar's pieces run and never panic.
    #[test]
    fn structured_programs_never_panic(
        pieces in proptest::collection::vec(
            prop_oneof![
                Just("if ($1 > 3) print $2; else print \"x\""),
                Just("x[$1]++"),
                Just("for (k in x) n++"),
                Just("while (i < 3) i++"),
                Just("print substr($0, -2, 5), length"),
                Just("$3 = $1 $2"),
                Just("NF = 1"),
                Just("printf \"%5.2f %s\\n\", $1, $2"),
                Just("gsub(/a/, \"&&\")"),
                Just("n = split($0, parts, \"\")"),
                Just("y = 1 / 0"),
                Just("next"),
            ],
            0..6,
        )
    ) {
        let program = format!("$1 >= 0 && NR < 5 {{ {} }}", pieces.join("; "));
        let (_, status) = run_status(&format!("printf '1 a\\n7 b c\\n' | awk '{program}'"));
        prop_assert_eq!(status, 0);
    }
}

#[test]
fn deepest_programs_fit_the_stack() {
    // The most nesting the parser accepts, inside the deepest recursion: still no overflow.
    let nested = format!("{}f(n-1){}", "(1+".repeat(40), ")".repeat(40));
    let program = format!(
        "function f(n) {{ if (n > 0) {{ if (n) {{ while (0) ; return {nested} }} }} return 0 }} BEGIN {{ print f(200) > \"/dev/null\"; print \"ok\" }}"
    );
    let (out, _) = run_status(&format!("awk '{program}'"));
    assert!(!out.contains("syntax error"), "{out}");
}
