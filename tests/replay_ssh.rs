//! `mirage replay --ssh`: scenario files replayed over a real loopback SSH connection to an
//! in-process node pass as they do in the in-process mode, and a wrong expectation fails with
//! the same failure text in both modes.

use std::path::{Path, PathBuf};

use mirage::config::Config;
use mirage::sim::expect::Failure;
use mirage::sim::runner::{self, RunOptions};
use mirage::sim::ssh_mode::{self, SshReport};

fn options() -> RunOptions {
    RunOptions {
        real_time: false,
        jobs: 2,
        workers: 1,
        ..RunOptions::default()
    }
}

/// Replays `files` over SSH with the default configuration.
fn over_ssh(files: &[PathBuf]) -> Vec<SshReport> {
    let (reports, _) =
        ssh_mode::run_blocking(files, &Config::default(), &options(), |_| {}).expect("SSH replay");
    assert_eq!(reports.len(), files.len());
    reports
}

/// The failures of `file` replayed in-process.
fn in_process(file: &Path) -> Vec<Failure> {
    let (reports, _) = runner::run_blocking(
        &[file.to_owned()],
        &Config::default().auth,
        &options(),
        |_| {},
    )
    .expect("in-process replay");
    reports[0].failures.clone()
}

fn scenario(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(relative)
}

#[test]
fn scenario_files_pass_over_ssh() {
    let files = [
        "shell/echo-and-status.yaml", // PTY, refused then accepted password, `$?` checks
        "shell/exec-mode.yaml",       // one exec channel per input, exit statuses
        "campaigns/scp-upload-exec.yaml", // an scp -t upload, then run
        "auth/failed-then-root.yaml", // refused passwords retried on the same connection
        "auth/all-refused.yaml",      // no credential accepted: no shell
        "humans/typo-then-exit.yaml", // the shell ends at `exit`
    ]
    .map(scenario);
    let reports = over_ssh(&files);
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.report.passed)
        .map(SshReport::table)
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    let unchecked = |name: &str| {
        reports
            .iter()
            .find(|r| r.report.name == name)
            .map(|r| r.unchecked)
            .expect("reported")
    };
    // PTY `$?` checks cannot be made over SSH: reported, not passed.
    assert_eq!(unchecked("echo-and-status"), 2);
    // Exec statuses come back on the channel: all checked.
    assert_eq!(unchecked("exec-mode"), 0);
    // The recorded source address cannot be had over loopback.
    assert_eq!(unchecked("failed-then-root"), 1);
    // `exit` ends the shell, so the status of the line before it is the only one unseen.
    assert_eq!(unchecked("typo-then-exit"), 1);
    let table = reports
        .iter()
        .find(|r| r.report.name == "echo-and-status")
        .map(SshReport::table)
        .expect("reported");
    assert!(
        table.contains(
            "\n      unchecked over SSH: 2 (`status` after a PTY line, event address fields)\n"
        ),
        "{table}"
    );
}

const WRONG: &str = r#"version: 1
name: wrong-expectations
seed: 5
attacker:
  credentials: [{username: root, password: "x"}]
  pty: PTY
steps:
  - input: echo hi
    expect: {output: "bye\n"}
  - input: ls /nonexistent
    expect: {contains: ["No such thing"], status: 0}
expect:
  events:
    - eventid: cowrie.command.input
      count: 3
"#;

#[test]
fn a_wrong_expectation_fails_alike_in_both_modes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |pty: &str| {
        let path = dir.path().join(format!("wrong-{pty}.yaml"));
        std::fs::write(&path, WRONG.replace("PTY", pty)).expect("write scenario");
        path
    };
    let (pty, exec) = (write("true"), write("false"));
    let reports = over_ssh(&[pty.clone(), exec.clone()]);
    let ls_error = "ls: cannot access '/nonexistent': No such file or directory\n";
    let output = Failure {
        what: "steps[0] (line 8): output".into(),
        expected: "bye\n".into(),
        got: "hi\n".into(),
    };
    let contains = Failure {
        what: "steps[1] (line 10): contains".into(),
        expected: "No such thing".into(),
        got: ls_error.into(),
    };
    let status = Failure {
        what: "steps[1] (line 10): status".into(),
        expected: "0".into(),
        got: "2".into(),
    };
    let events = Failure {
        what: "expect.events".into(),
        expected: "3 × cowrie.command.input".into(),
        got: String::new(),
    };
    for (report, file) in reports.iter().zip([&pty, &exec]) {
        let report = &report.report;
        assert!(!report.passed);
        let mut ssh = report.failures.clone();
        let mut local = in_process(file);
        // The events' got text lists the events, with ids and times that differ per run.
        for failures in [&mut ssh, &mut local] {
            let last = failures.last_mut().expect("an events failure");
            assert!(
                last.got.starts_with("2 matching; 2 with that id: "),
                "{last:?}"
            );
            last.got.clear();
        }
        if file == &pty {
            // `$?` after a PTY line is not observable over SSH: unchecked, not failed.
            assert_eq!(
                local,
                [
                    output.clone(),
                    contains.clone(),
                    status.clone(),
                    events.clone()
                ]
            );
            assert_eq!(ssh, [output.clone(), contains.clone(), events.clone()]);
        } else {
            assert_eq!(
                local,
                [
                    output.clone(),
                    contains.clone(),
                    status.clone(),
                    events.clone()
                ]
            );
            assert_eq!(ssh, local);
        }
    }
}

#[test]
fn http_scenario_files_pass_over_a_real_connection() {
    let files = [
        "http/env-git-secrets-scan.yaml", // HTTP only, honeytoken reads, HEAD
        "http/wordpress-xmlrpc-bruteforce.yaml", // POST bodies, lockout
        "http/phpmyadmin-login-run.yaml", // Apache lure, login events
        "http/recon-then-ssh.yaml",       // HTTP then SSH from one address
    ]
    .map(scenario);
    let reports = over_ssh(&files);
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.report.passed)
        .map(SshReport::table)
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

const WRONG_HTTP: &str = r#"version: 1
name: wrong-http
http_lure: wordpress
attacker:
  credentials: []
steps:
  - http: {path: /wp-login.php, headers: [[Host, blog.example.net]]}
    expect: {status: 404, header: {Server: nginx, X-Powered-By: ""}}
  - http:
      method: POST
      path: /wp-login.php
      headers: [[Host, blog.example.net], [Content-Type, application/x-www-form-urlencoded]]
      body: log=admin&pwd=hunter2
    expect: {status: 302, contains: ["Dashboard"]}
  - http: {path: /.git/config, headers: [[Host, blog.example.net]]}
    expect: {status: 500, header: {Content-Type: text/html}}
  - http: {method: BR3W, path: /, headers: [[Host, blog.example.net]]}
    expect: {status: 0}
  - http: {path: /nothing-here, headers: [[Host, blog.example.net]]}
    expect: {status: 200}
"#;

#[test]
fn an_http_scenario_gives_the_same_answers_in_both_modes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("wrong-http.yaml");
    std::fs::write(&file, WRONG_HTTP).expect("write scenario");
    let reports = over_ssh(std::slice::from_ref(&file));
    let report = &reports[0].report;
    assert!(!report.passed);
    assert_eq!(reports[0].unchecked, 0, "every HTTP check is made over TCP");
    let local = in_process(&file);
    // Every expectation is wrong on purpose: each mode's failures show what it got, and they
    // are the same failures (statuses, headers, bodies of the same pages).
    assert_eq!(report.failures, local);
    let what: Vec<&str> = local.iter().map(|f| f.what.as_str()).collect();
    assert!(what.contains(&"steps[0] (line 7): status"), "{what:?}");
    assert!(
        what.contains(&"steps[0] (line 7): header Server"),
        "{what:?}"
    );
    assert!(what.contains(&"steps[4] (line 19): status"), "{what:?}");
    let server = local
        .iter()
        .find(|f| f.what == "steps[0] (line 7): header Server")
        .expect("a Server failure");
    assert_eq!(server.got, "Server: Apache/2.4.52 (Ubuntu)");
}
