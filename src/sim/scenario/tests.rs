use std::path::Path;

use super::{Scenario, ScenarioError};

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(Path::new("scenarios/x.yaml"), text)
}

const MINIMAL: &str = "version: 1\nname: minimal\nsteps:\n  - input: uname -a\n";

#[test]
fn a_minimal_file_takes_the_documented_defaults() {
    let s = parse(MINIMAL).unwrap();
    assert_eq!(s.name, "minimal");
    assert_eq!(s.seed, 1);
    assert_eq!(s.start.to_rfc3339(), "2026-01-05T10:00:00+00:00");
    assert_eq!(s.attacker.ip.to_string(), "203.0.113.10");
    assert_eq!(s.attacker.credentials[0].username, "root");
    assert!(s.attacker.pty);
    assert_eq!(s.steps.len(), 1);
    assert_eq!(s.steps[0].value.input.as_deref(), Some("uname -a"));
    assert_eq!(s.steps[0].referenced.line(), 4);
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let err = parse("version: 1\nname: x\nsteps:\n  - input: ls\n    delya: 2\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("scenarios/x.yaml: "), "{err}");
    assert!(err.contains("delya"), "{err}");
    assert!(err.contains('5'), "line 5 named: {err}");
}

#[test]
fn a_wrong_type_names_the_line() {
    let err = parse("version: 1\nname: x\nattacker:\n  ip: not-an-ip\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("scenarios/x.yaml: "), "{err}");
    assert!(err.contains('4'), "{err}");
}

#[test]
fn semantic_errors_name_line_and_field() {
    let cases = [
        (
            "version: 2\nname: x\n",
            "scenarios/x.yaml:0: version: 2 is not a format this build reads (it reads 1)",
        ),
        (
            "version: 1\nname: ' '\n",
            "scenarios/x.yaml:0: name: must not be empty",
        ),
        (
            "version: 1\nname: x\nsteps:\n  - input: a\n  - delay: 1\n",
            "scenarios/x.yaml:5: steps[1]: a step needs `input` or `upload`",
        ),
        (
            "version: 1\nname: x\nsteps:\n  - input: a\n    delay: -1\n",
            "scenarios/x.yaml:4: steps[0].delay: -1 is not a number of seconds from 0 to 86400",
        ),
        (
            "version: 1\nname: x\nsteps:\n  - input: a\n    expect:\n      matches: '('\n",
            "scenarios/x.yaml:4: steps[0].expect.matches: not a regular expression",
        ),
        (
            "version: 1\nname: x\nattacker:\n  credentials: []\n",
            "scenarios/x.yaml:0: attacker.credentials: at least one credential",
        ),
        (
            "version: 1\nname: x\nsteps:\n  - upload: {path: /tmp/a, content: x, mode: '999'}\n",
            "scenarios/x.yaml:4: steps[0].upload.mode: \"999\" is not an octal mode like \"0755\"",
        ),
    ];
    for (text, want) in cases {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.starts_with(want), "{text:?}: {err}");
    }
}

#[test]
fn a_scenario_survives_a_round_trip_through_yaml() {
    let text = "version: 1\nname: trip\ntags: [a, b]\nseed: 7\nattacker:\n  ip: 198.51.100.4\n  credentials:\n    - {username: admin, password: admin}\nsteps:\n  - input: \"echo 'a: b'\"\n    delay: 1.5\n    expect:\n      output: \"a: b\\n\"\n      status: 0\nexpect:\n  events:\n    - eventid: cowrie.command.input\n      fields: {input: \"echo 'a: b'\"}\n  session_open: true\n";
    let s = parse(text).unwrap();
    let again = parse(&s.to_yaml()).unwrap();
    assert_eq!(again.name, s.name);
    assert_eq!(again.attacker, s.attacker);
    assert_eq!(again.expect, s.expect);
    let steps = |s: &Scenario| s.steps.iter().map(|x| x.value.clone()).collect::<Vec<_>>();
    assert_eq!(steps(&again), steps(&s));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn arbitrary_text_never_panics(text in "(version|name|steps|input|expect|delay|-|:| |\\n|\\[|\\]|\\{|\\}|'|\"|&a|\\*a|!!str|[a-z0-9]){0,80}") {
        parse(&text).ok();
    }
}
