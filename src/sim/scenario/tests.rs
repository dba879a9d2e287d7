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
            "scenarios/x.yaml:5: steps[1]: a step needs `input`, `upload` or `http`",
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
            "version: 1\nname: x\nattacker:\n  credentials: []\nsteps:\n  - input: ls\n",
            "scenarios/x.yaml:0: attacker.credentials: at least one credential (`input` and `upload` steps need an SSH login)",
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

const HTTP_ONLY: &str = "version: 1\nname: scan\nhttp_lure: wordpress\nattacker:\n  credentials: []\nsteps:\n  - http:\n      path: /wp-login.php?x=1\n      headers:\n        - [Host, example.com]\n        - [X-A, '1']\n        - [x-a, '2']\n    delay: 1\n    expect:\n      status: 200\n      header: {Server: Apache}\n  - http: {method: POST, path: /xmlrpc.php, body: '<x/>'}\n";

#[test]
fn an_http_only_scenario_loads_with_its_lure_headers_in_order_and_defaults() {
    let s = parse(HTTP_ONLY).unwrap();
    assert_eq!(s.http_lure, crate::config::HttpLure::Wordpress);
    assert!(s.attacker.credentials.is_empty());
    let first = s.steps[0].value.http.as_ref().unwrap();
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/wp-login.php?x=1");
    let names: Vec<&str> = first.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Host", "X-A", "x-a"]);
    assert_eq!(s.steps[0].value.expect.header["Server"], "Apache");
    let second = s.steps[1].value.http.as_ref().unwrap();
    assert_eq!(
        (second.method.as_str(), second.body.as_str()),
        ("POST", "<x/>")
    );
    // Without `http_lure`, the node's default.
    let s = parse("version: 1\nname: x\nsteps:\n  - http: {path: /}\n").unwrap();
    assert_eq!(s.http_lure, crate::config::HttpLure::Nginx);
    // A round trip keeps it all.
    let s = parse(HTTP_ONLY).unwrap();
    let again = parse(&s.to_yaml()).unwrap();
    assert_eq!(again.http_lure, s.http_lure);
    assert_eq!(again.steps[0].value, s.steps[0].value);
    assert_eq!(again.steps[1].value, s.steps[1].value);
}

#[test]
fn bad_http_steps_name_file_line_and_field() {
    let head = "version: 1\nname: x\nsteps:\n  - input: ls\n";
    let cases = [
        (
            "  - http: {path: index.html}\n",
            "scenarios/x.yaml:5: steps[1].http.path: \"index.html\" must start with `/` or be `*`",
        ),
        (
            "  - http: {method: 'GE T', path: /}\n",
            "scenarios/x.yaml:5: steps[1].http.method: \"GE T\" cannot be sent",
        ),
        (
            "  - http: {path: '/a b'}\n",
            "scenarios/x.yaml:5: steps[1].http.path: \"/a b\" cannot be sent",
        ),
        (
            "  - http:\n      path: /\n      headers:\n        - [Host, a]\n        - ['Bad:Name', x]\n",
            "scenarios/x.yaml:5: steps[1].http.headers[1]: \"Bad:Name\" is not a header name",
        ),
        (
            "  - http:\n      path: /\n      headers: [[X-A, \"a\\r\\nInjected: 1\"]]\n",
            "scenarios/x.yaml:5: steps[1].http.headers[0]: the value of X-A must not hold a line break",
        ),
        (
            "  - http: {path: /}\n    input: ls\n",
            "scenarios/x.yaml:5: steps[1].http: an `http` step cannot also have `input` or `upload`",
        ),
        (
            "  - input: ls\n    expect: {header: {Server: nginx}}\n",
            "scenarios/x.yaml:5: steps[1].expect.header: only an `http` step has response headers",
        ),
    ];
    for (step, want) in cases {
        let text = format!("{head}{step}");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with(want), "{text:?}: {err}");
    }
    // Type errors (a header that is not a pair, an unknown key) come from the parser, with
    // the line.
    for (step, line, what) in [
        (
            "  - http:\n      path: /\n      headers: [[Host]]\n",
            "7",
            "",
        ),
        ("  - http: {path: /, bodyy: x}\n", "5", "bodyy"),
        ("  - http: {method: GET}\n", "5", "path"),
    ] {
        let text = format!("{head}{step}");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("scenarios/x.yaml: "), "{err}");
        assert!(err.contains(line), "line {line}: {err}");
        assert!(err.contains(what), "{what}: {err}");
    }
    // Garbage methods are what scanners send: allowed.
    let text = format!("{head}  - http: {{method: 'G3T\\x', path: '*'}}\n");
    assert!(parse(&text).is_ok());
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
    fn arbitrary_text_never_panics(text in "(version|name|steps|input|expect|delay|http|path|method|headers|header|http_lure|-|:| |\\n|\\[|\\]|\\{|\\}|'|\"|&a|\\*a|!!str|[a-z0-9]){0,80}") {
        parse(&text).ok();
    }
}
