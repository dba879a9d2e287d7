//! Layer 0 reflexes in the real binary over real SSH: a canned answer instead of the shell
//! (with its alert at the webhook), a drop that closes the channel, a per-address rate whose
//! bucket outlives a restart, a bad rules file that stops `mirage run`; and in a replay,
//! latency on the virtual clock, instant and deterministic.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mirage::config::AuthConfig;
use mirage::events::{Event, EventKind};
use mirage::sim::replay::{Replay, ReplayOptions, Replayer};
use mirage::sim::scenario::Scenario;
use russh::ChannelMsg;

use crate::common::{NodeProcess, SshShell, poll_until_async, root_pty_shell, wait_bounded};
use crate::webhook::{Answer, Receiver};

const RULES: &str = r#"
[[rule]]
name = "canned-hello"
description = "answers the magic word itself"
contains = "magic-canned"
actions = [{ canned = { output = "answered by a reflex\n", status = 3 } }, { alert = "critical" }, { tag = "magic" }]

[[rule]]
name = "drop-me"
contains = "drop-me-now"
actions = ["drop"]

[[rule]]
name = "slow"
contains = "slowcmd"
actions = [{ latency = { ms = 800 } }]

[[rule]]
name = "dribble"
contains = "start-dribbling"
actions = [{ tarpit = { bytes_per_second = 200 } }]

[[rule]]
name = "ratecheck"
contains = "ratecheck"
rate = { per = "ip", burst = 3, per_minute = 1 }
actions = [{ canned = { output = "rate limited\n", status = 1 } }]
"#;

/// Reflexes do not need the trained models: a missing directory leaves them out.
const NO_MODELS: (&str, &str) = ("MIRAGE_MODELS_DIR", "/nonexistent/mirage-models");

fn write_rules(dir: &Path) -> String {
    let path = dir.join("rules.toml");
    std::fs::write(&path, RULES).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canned_rule_answers_instead_of_the_shell_and_a_drop_rule_closes_the_channel() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = write_rules(tmp.path());
    let receiver = Receiver::start(Answer::Status(200)).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_REFLEX_RULES", &rules),
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "critical"),
        NO_MODELS,
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    // The shell would have echoed the word; the reflex answers instead.
    let out = shell.run("echo magic-canned").await;
    assert_eq!(out, "answered by a reflex\r\n");
    assert_eq!(shell.run("echo $?").await, "3\r\n");
    assert_eq!(shell.run("echo plain").await, "plain\r\n");
    let (out, status) = shell.exec("echo magic-canned").await;
    assert_eq!((out.as_str(), status), ("answered by a reflex\n", Some(3)));

    let events = node.wait_for_log("the canned reflex", |e| {
        e["eventid"] == "mirage.reflex"
            && e["rule"] == "canned-hello"
            && e["action"] == "canned output"
    });
    let tagged = events
        .iter()
        .find(|e| e["eventid"] == "mirage.reflex" && e["action"] == "tag magic")
        .expect("a tag event");
    assert!(
        tagged["detail"]
            .as_str()
            .unwrap()
            .contains("session tags: magic"),
        "{tagged}"
    );
    // The alert action reaches the webhook with its own severity.
    let alert = poll_until_async(
        Duration::from_secs(15),
        || {
            receiver
                .alerts("reflex")
                .into_iter()
                .find(|b| b.to_string().contains("canned-hello"))
        },
        || format!("no reflex alert at the webhook: {:?}", receiver.requests()),
    )
    .await;
    assert_eq!(alert["severity"], "critical", "{alert}");

    // A drop ends the exec channel at once, with the status of a killed shell...
    let (out, status) = shell.exec("echo drop-me-now").await;
    assert_eq!((out.as_str(), status), ("", Some(255)));
    // ...and the interactive shell: no output, no prompt, the channel closes.
    let (_handle, mut channel) = root_pty_shell(node.ssh).await;
    channel
        .data_bytes(&b"echo drop-me-now\r"[..])
        .await
        .unwrap();
    let (mut screen, mut exit, mut closed) = (Vec::new(), None, false);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !closed {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, channel.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => screen.extend_from_slice(&data),
            Ok(Some(ChannelMsg::ExitStatus { exit_status })) => exit = Some(exit_status),
            Ok(Some(ChannelMsg::Close)) | Ok(None) => closed = true,
            Ok(Some(_)) => {}
            Err(_) => panic!("the drop did not close the channel: {screen:?}"),
        }
    }
    assert_eq!(exit, Some(255));
    let screen = String::from_utf8_lossy(&screen);
    let after = screen.split("drop-me-now").nth(1).unwrap_or_default();
    assert!(
        !after.contains("root@") && !after.contains("logout"),
        "{screen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_holds_the_output_and_a_tarpit_dribbles_it_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = write_rules(tmp.path());
    let node = NodeProcess::start(&[("MIRAGE_REFLEX_RULES", &rules), NO_MODELS]);
    let shell = SshShell::open(node.ssh).await;
    let timed = |command: &'static str| {
        let shell = &shell;
        async move {
            let started = Instant::now();
            let (out, status) = shell.exec(command).await;
            (out, status, started.elapsed())
        }
    };
    let (out, _, fast) = timed("echo quick").await;
    assert_eq!(out, "quick\n");
    let (out, status, slow) = timed("echo slowcmd").await;
    assert_eq!((out.as_str(), status), ("slowcmd\n", Some(0)));
    assert!(slow >= Duration::from_millis(800), "{slow:?}");
    assert!(fast < Duration::from_millis(800), "{fast:?}");
    // From the tarpit on, this session's output dribbles at 200 bytes a second: `seq 1 100`
    // is 292 bytes, so about a second and a half, in pieces, and in order.
    let (_, _, _) = timed("echo start-dribbling").await;
    let (out, status, took) = timed("seq 1 100").await;
    let expected: String = (1..=100).map(|n| format!("{n}\n")).collect();
    assert_eq!((out.as_str(), status), (expected.as_str(), Some(0)));
    assert!(took >= Duration::from_millis(1200), "{took:?}");
    let events = node.wait_for_log("the tarpit", |e| e["action"] == "tarpit 200 B/s");
    assert!(
        events
            .iter()
            .any(|e| e["rule"] == "slow" && e["action"] == "latency 800ms")
    );
}

/// The built-in `line-flood` rule in an in-process replay.
fn replay_line_flood() -> (Replay, Duration) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reflex/line-flood.yaml");
    let scenario = Scenario::load(&path).unwrap();
    actix::System::new().block_on(async {
        let replayer = Replayer::new(&AuthConfig::default(), ReplayOptions::default()).unwrap();
        let started = Instant::now();
        let replay = replayer.replay(&scenario).await;
        (replay, started.elapsed())
    })
}

#[test]
fn in_a_replay_latency_moves_the_virtual_clock_and_replays_stay_identical() {
    let (first, wall) = replay_line_flood();
    let latencies: Vec<u64> = first
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Reflex { rule, action, .. } if rule == "line-flood" => action
                .strip_prefix("latency ")
                .and_then(|ms| ms.strip_suffix("ms"))
                .map(|ms| ms.parse().unwrap()),
            _ => None,
        })
        .collect();
    // 155 lines against a burst of 150: the 151st is held 300 to 1500 ms, and so is each
    // later one while the bucket is empty; it refills at 40 a minute on the virtual clock,
    // which the holds themselves move on, so not all five are held.
    assert!((1..=5).contains(&latencies.len()), "{latencies:?}");
    assert!(latencies.iter().all(|ms| (300..=1500).contains(ms)));
    // The two steps' delays (1 s each) plus the latencies, on the virtual clock only.
    let held = Duration::from_millis(latencies.iter().sum());
    assert_eq!(first.duration, Duration::from_secs(2) + held);
    assert!(wall < held, "the replay waited for real: {wall:?}");
    // The jitter is seeded by the session: the same file replays to the same events.
    let (second, _) = replay_line_flood();
    let strip = |r: &Replay| -> Vec<Event> {
        r.events
            .iter()
            .cloned()
            .map(|mut e| {
                e.id = uuid::Uuid::nil();
                e
            })
            .collect()
    };
    assert_eq!(strip(&first), strip(&second));
}

fn exec_lines(node: &NodeProcess, n: usize) -> Vec<String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let shell = SshShell::open(node.ssh).await;
        let mut outs = Vec::new();
        for _ in 0..n {
            outs.push(shell.exec("echo ratecheck").await.0);
        }
        outs
    })
}

#[test]
fn a_per_address_rate_fires_after_its_burst_and_outlives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = write_rules(tmp.path());
    let dir = tmp.path().join("data");
    let env = [("MIRAGE_REFLEX_RULES", rules.as_str()), NO_MODELS];
    let mut node = NodeProcess::start_in(&dir, &env);
    let outs = exec_lines(&node, 4);
    assert_eq!(outs[..3], ["ratecheck\n", "ratecheck\n", "ratecheck\n"]);
    assert_eq!(outs[3], "rate limited\n");
    node.terminate();
    let saved = std::fs::read_to_string(dir.join("reflex").join("buckets.json")).unwrap();
    assert!(saved.contains("ratecheck|ip|127.0.0.1"), "{saved}");
    // A new process on the same data directory: the address is still over its rate.
    let node = NodeProcess::start_in(&dir, &env);
    assert_eq!(exec_lines(&node, 1), ["rate limited\n"]);
    // A damaged bucket file is a warning and a fresh start, not a crash.
    drop(node);
    std::fs::write(dir.join("reflex").join("buckets.json"), "{not json").unwrap();
    let node = NodeProcess::start_in(&dir, &env);
    assert_eq!(exec_lines(&node, 1), ["ratecheck\n"]);
    assert!(
        node.stderr().contains("Reflex buckets unreadable"),
        "{}",
        node.stderr()
    );
}

#[test]
fn a_bad_rules_file_stops_mirage_run_naming_the_file_the_rule_and_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[rule]]\nname = \"ok\"\ncontains = \"x\"\nactions = [\"drop\"]\n\n\
         [[rule]]\nname = \"broken\"\nregex = \"(unclosed\"\nactions = [\"drop\"]\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .arg("run")
        .env("MIRAGE_DATA_DIR", tmp.path().join("data"))
        .env("MIRAGE_SSH_LISTEN", "127.0.0.1:0")
        .env("MIRAGE_HTTP_LISTEN", "127.0.0.1:0")
        .env("MIRAGE_ADMIN_LISTEN", "127.0.0.1:0")
        .env("MIRAGE_REFLEX_RULES", &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, _, stderr) = wait_bounded(child, Duration::from_secs(60));
    assert_eq!(code, 1, "{stderr}");
    for part in [
        path.display().to_string().as_str(),
        "rule \"broken\"",
        "bad regex",
    ] {
        assert!(stderr.contains(part), "{part:?} not in {stderr}");
    }
}

/// Tries one password login with russh's client: `Some(accepted)` with the connection still
/// open, or `None` when the server closed the connection instead.
async fn try_login(addr: std::net::SocketAddr, user: &str, password: &str) -> Option<bool> {
    let config = std::sync::Arc::new(russh::client::Config::default());
    let mut handle = russh::client::connect(config, addr, crate::common::AcceptAnyKey)
        .await
        .expect("ssh handshake");
    let auth = tokio::time::timeout(
        Duration::from_secs(30),
        handle.authenticate_password(user, password),
    )
    .await
    .expect("the server answers or closes in time");
    // A refused login leaves the connection open for another try; a dropped one is gone.
    let mut closed = handle.is_closed();
    for _ in 0..10 {
        if closed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        closed = handle.is_closed();
    }
    match auth {
        Ok(result) if !closed => Some(result.success()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins_are_judged_per_credential_and_a_drop_closes_the_connection() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules.toml");
    std::fs::write(
        &rules,
        r#"
[[rule]]
name = "stuffing"
description = "the same wrong credential again and again"
on = "login_failed"
regex = '^oracle:'
rate = { per = "credential", burst = 2, per_minute = 0 }
actions = [{ alert = "warning" }, "drop"]
"#,
    )
    .unwrap();
    let node = NodeProcess::start(&[("MIRAGE_REFLEX_RULES", rules.to_str().unwrap()), NO_MODELS]);
    // Two refusals fit the bucket; a third of the same credential is dropped, not answered.
    for _ in 0..2 {
        assert_eq!(try_login(node.ssh, "oracle", "letmein").await, Some(false));
    }
    let third = try_login(node.ssh, "oracle", "letmein").await;
    assert_eq!(third, None, "{}", node.stderr());
    // Another credential has its own bucket; a matching one of the same user is refused as usual.
    assert_eq!(try_login(node.ssh, "support", "letmein").await, Some(false));
    assert_eq!(try_login(node.ssh, "oracle", "other").await, Some(false));
    let events = node.wait_for_events("stuffing reflexes", 2, |e| {
        e["eventid"] == "mirage.reflex" && e["rule"] == "stuffing"
    });
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["alert warning", "drop"]);
    assert!(events.iter().all(|e| e["src_ip"] == "127.0.0.1"));
}
