use super::screen::{PASTE_ON, count, ends_like_prompt};
use super::*;

/// What the node writes for `echo hi` typed at a root prompt, as one stream.
const ECHO_HI: &[u8] = b"echo hi\r\n\x1b[?2004l\rhi\r\n\x1b[?2004hroot@web01:~# ";

#[test]
fn output_is_between_the_echo_and_the_next_prompt() {
    assert_eq!(step_output(ECHO_HI, false), "hi\n");
}

#[test]
fn output_of_a_silent_line_is_empty() {
    let screen = b"true\r\n\x1b[?2004l\r\x1b[?2004hroot@web01:~# ";
    assert_eq!(step_output(screen, false), "");
}

#[test]
fn output_of_the_last_line_runs_to_the_end_of_the_stream() {
    let screen = b"exit\r\n\x1b[?2004l\rlogout\r\n";
    assert_eq!(step_output(screen, true), "logout\n");
}

#[test]
fn lines_typed_together_keep_their_echoes_and_continuation_prompts() {
    // `for i in 1 2\ndo echo $i; done`: the second line's echo and the `> ` prompt are part
    // of the output, as in the in-process mode.
    let screen = b"for i in 1 2\r\n\x1b[?2004l\r\x1b[?2004h> do echo $i; done\r\n\x1b[?2004l\r1\r\n2\r\n\x1b[?2004hroot@h:~# ";
    assert_eq!(step_output(screen, false), "> do echo $i; done\n1\n2\n");
}

#[test]
fn a_prompt_is_recognised_only_after_the_prompt_switch() {
    assert!(ends_like_prompt(ECHO_HI));
    assert!(ends_like_prompt(b"\x1b[?2004hadmin@h:/tmp$ "));
    assert!(ends_like_prompt(b"\x1b[?2004h> "));
    // Output that merely ends in `# ` is not a prompt, nor is a half-written one.
    assert!(!ends_like_prompt(b"echo '# '\r\n\x1b[?2004l\r# "));
    assert!(!ends_like_prompt(b"\x1b[?2004hroot@h:~"));
    assert!(!ends_like_prompt(b"\x1b[?2004hroot@h:~# \r\nmore"));
}

#[test]
fn prompts_are_counted_by_their_switches() {
    assert_eq!(count(ECHO_HI, PASTE_ON), 1);
    assert_eq!(count(b"", PASTE_ON), 0);
}

fn scenario(yaml: &str) -> Scenario {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, yaml).expect("write scenario");
    Scenario::load(&path).expect("valid scenario")
}

const PTY_STATUS: &str = r#"version: 1
name: status-checks
attacker:
  credentials: [{username: root, password: x}]
steps:
  - input: "false"
    expect: {status: 1}
  - upload: {path: a, content: b}
  - input: exit 3
    expect: {status: 3}
expect:
  events:
    - eventid: cowrie.session.connect
      fields: {src_ip: 203.0.113.10, protocol: ssh}
"#;

#[test]
fn unobservable_checks_are_left_out_and_counted() {
    let scenario = scenario(PTY_STATUS);
    // The first line's `$?` was not seen; the second ended the shell, so its status was.
    let (checkable, unchecked) = checkable(&scenario, &[false, true, true]);
    assert_eq!(unchecked, 2, "one PTY status, one address field");
    assert_eq!(checkable.steps[0].value.expect.status, None);
    assert_eq!(checkable.steps[2].value.expect.status, Some(3));
    let fields = &checkable.expect.events[0].fields;
    assert!(!fields.contains_key("src_ip"));
    assert_eq!(fields.get("protocol").map(String::as_str), Some("ssh"));
}

#[test]
fn steps_never_reached_keep_their_status_check() {
    let scenario = scenario(PTY_STATUS);
    let (checkable, unchecked) = checkable(&scenario, &[]);
    assert_eq!(unchecked, 1, "only the address field");
    assert_eq!(checkable.steps[0].value.expect.status, Some(1));
}

#[test]
fn the_table_says_how_many_checks_were_not_made() {
    let report = ScenarioReport {
        failures: vec![expect::Failure {
            what: "steps[0] (line 7): output".into(),
            expected: "a".into(),
            got: "b".into(),
        }],
        passed: false,
        name: "n".into(),
        ..ScenarioReport::broken(PathBuf::from("x.yaml"), String::new())
    };
    let report = SshReport {
        report: ScenarioReport {
            error: None,
            ..report
        },
        unchecked: 2,
    };
    let table = report.table();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("FAIL  n  (x.yaml)"), "{table}");
    assert!(lines[1].trim_start().starts_with("session "), "{table}");
    assert_eq!(
        lines[2],
        "      unchecked over SSH: 2 (`status` after a PTY line, event address fields)"
    );
    assert_eq!(lines[3], "      ✗ steps[0] (line 7): output");
}
