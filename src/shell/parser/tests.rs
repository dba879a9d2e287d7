use super::word::lit;
use super::*;

fn words(line: &str) -> Vec<Vec<Part>> {
    let list = parse(line).expect("parses");
    let Command::Simple(cmd) = &list.items[0].1.commands[0] else {
        panic!("simple")
    };
    cmd.words.iter().map(|w| w.parts.clone()).collect()
}

#[test]
fn connectors_and_pipelines() {
    let list = parse("a; b && c || d | e &").expect("parses");
    let kinds: Vec<Connector> = list.items.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        kinds,
        [
            Connector::Seq,
            Connector::Seq,
            Connector::And,
            Connector::Or
        ]
    );
    assert_eq!(list.items[3].1.commands.len(), 2);
}

#[test]
fn quotes_and_escapes() {
    assert_eq!(
        words(r#"echo 'a b' "c $X" d\ e"#)[1..],
        [
            vec![lit("a b", true)],
            vec![
                lit("c ", true),
                Part::Param {
                    name: "X".into(),
                    op: None,
                    quoted: true
                }
            ],
            vec![lit("d", false), lit(" ", true), lit("e", false)],
        ]
    );
}

#[test]
fn syntax_errors_match_bash() {
    let err = |line: &str| parse(line).expect_err(line).message();
    assert_eq!(
        err("&& echo"),
        "-bash: syntax error near unexpected token `&&'\n"
    );
    assert_eq!(
        err("echo a ;; b"),
        "-bash: syntax error near unexpected token `;;'\n"
    );
    assert_eq!(
        err("| x"),
        "-bash: syntax error near unexpected token `|'\n"
    );
    assert_eq!(err(";"), "-bash: syntax error near unexpected token `;'\n");
    assert_eq!(
        err("echo a && && b"),
        "-bash: syntax error near unexpected token `&&'\n"
    );
    assert_eq!(
        err("echo a | | b"),
        "-bash: syntax error near unexpected token `|'\n"
    );
    assert_eq!(
        err("echo ) a"),
        "-bash: syntax error near unexpected token `)'\n"
    );
    assert_eq!(
        err("echo a >"),
        "-bash: syntax error near unexpected token `newline'\n"
    );
    assert_eq!(
        err("echo a &&"),
        "-bash: syntax error: unexpected end of file\n"
    );
    assert_eq!(
        err("echo 'a"),
        "-bash: unexpected EOF while looking for matching `''\n"
    );
    assert_eq!(
        err("echo $(echo a"),
        "-bash: unexpected EOF while looking for matching `)'\n"
    );
    assert_eq!(
        err("echo ${a"),
        "-bash: unexpected EOF while looking for matching `}'\n"
    );
}

#[test]
fn assignments_and_redirects() {
    let list = parse("A=1 B=~/x cmd 2>&1 >/dev/null").expect("parses");
    let Command::Simple(cmd) = &list.items[0].1.commands[0] else {
        panic!("simple")
    };
    assert_eq!(cmd.assignments.len(), 2);
    assert_eq!(cmd.assignments[1].1.parts[0], Part::Tilde(String::new()));
    assert_eq!(cmd.redirects.len(), 2);
    assert_eq!(cmd.redirects[0].fd, Some(2));
    assert_eq!(cmd.redirects[0].op, RedirOp::DupOut);
}

#[test]
fn comments_and_empty_lines() {
    assert!(parse("").expect("empty").items.is_empty());
    assert!(
        parse("   # just a comment")
            .expect("comment")
            .items
            .is_empty()
    );
    assert_eq!(parse("echo a # b").expect("parses").items.len(), 1);
    assert_eq!(words("echo a#b")[1], [lit("a#b", false)]);
}

#[test]
fn nesting_is_bounded() {
    let deep = "$(".repeat(10_000);
    assert!(parse(&format!("echo {deep}")).is_err());
    let deep = "(".repeat(10_000);
    assert!(parse(&deep).is_err());
}

#[test]
fn here_documents_take_the_following_lines() {
    let list = parse("cat <<EOF; echo b\nx $y\n\"q\"\nEOF\necho c").expect("parses");
    assert_eq!(list.items.len(), 3);
    let Command::Simple(cat) = &list.items[0].1.commands[0] else {
        panic!("simple")
    };
    let doc = cat.redirects[0].heredoc.as_ref().expect("a body");
    assert_eq!(
        (doc.text.as_str(), doc.quoted, doc.closed),
        ("x $y\n\"q\"\n", false, true)
    );
    // Quoted delimiters, `<<-` tab stripping, two documents on one line.
    let list = parse("cat <<'A' <<-B\n$a\nA\n\t\tb\n\tB").expect("parses");
    let Command::Simple(cat) = &list.items[0].1.commands[0] else {
        panic!("simple")
    };
    let bodies: Vec<(&str, bool)> = cat
        .redirects
        .iter()
        .filter_map(|r| r.heredoc.as_ref())
        .map(|d| (d.text.as_str(), d.quoted))
        .collect();
    assert_eq!(bodies, [("$a\n", true), ("b\n", false)]);
    // Not yet closed: more lines are wanted, unless the text is all there is.
    assert_eq!(parse("cat <<EOF\nx"), Err(ParseError::Incomplete));
    assert!(parse_to_end("cat <<EOF\nx").is_ok());
    // `<<<` and `<<` in quotes or comments are not here-documents.
    assert!(parse("cat <<< x; echo '<<E' \"<<F\" # <<G").is_ok());
    // Nor is a shift in arithmetic.
    assert!(parse("echo $((1<<4)) \"$((2 << 1))\"; (( x <<= 1 ))").is_ok());
}

#[test]
fn background_marks_its_pipeline() {
    let list = parse("sleep 1 & echo a; b &").expect("parses");
    let marks: Vec<bool> = list.items.iter().map(|(_, p)| p.background).collect();
    assert_eq!(marks, [true, false, true]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn parsing_never_panics(text in "([a-z ]|<<-?|'|\"|\\\\|\n|\t|EOF|\\$\\(|\\)|&|;|!|\\^|#){0,64}") {
        // Only that it returns: any result is fine for arbitrary text.
        let _parsed = parse(&text);
        let _to_end = parse_to_end(&text);
        let _body = heredoc_parts(&text);
    }
}

#[test]
fn a_shared_parse_is_the_parse_and_is_kept() {
    for line in [
        "cat /proc/cpuinfo | grep name | wc -l",
        "for i in 1 2; do echo $i; done",
        "echo 'open",
        "cat <<EOF",
        "echo )",
        "",
    ] {
        let shared = parse_shared(line);
        assert_eq!(*shared, parse(line), "{line:?}");
        assert!(std::sync::Arc::ptr_eq(&shared, &parse_shared(line)));
    }
    let long = format!("echo {}", "x".repeat(5000));
    assert_eq!(*parse_shared(&long), parse(&long));
    assert!(!std::sync::Arc::ptr_eq(
        &parse_shared(&long),
        &parse_shared(&long)
    ));
}
