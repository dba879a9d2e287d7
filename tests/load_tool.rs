//! The load tool (`mirage-load`, issue 7) against a real node: what it counts really happened
//! on the node (its JSON log says so), and it reads the node's CPU time.

use std::process::Command;
use std::time::Duration;

use crate::common::{NodeProcess, PASSWORD, wait_bounded};

/// The node's process id, found by its data directory in `/proc/*/environ` (unique per test).
fn node_pid(node: &NodeProcess) -> u32 {
    let wanted = format!("MIRAGE_DATA_DIR={}", node.data_dir.display());
    let pids = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok());
    for pid in pids {
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if environ
            .split(|b| *b == 0)
            .any(|var| var == wanted.as_bytes())
        {
            return pid;
        }
    }
    panic!("no process with {wanted}");
}

/// Runs `mirage-load MODE --json …` (bounded) and parses its report.
fn load(mode: &str, args: &[&str]) -> serde_json::Value {
    let child = Command::new(env!("CARGO_BIN_EXE_mirage-load"))
        .arg(mode)
        .arg("--json")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mirage-load");
    let (code, stdout, stderr) = wait_bounded(child, Duration::from_secs(90));
    assert_eq!(code, 0, "mirage-load {mode} failed: {stderr}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout:?}"))
}

fn count(events: &[serde_json::Value], eventid: &str) -> u64 {
    events.iter().filter(|e| e["eventid"] == eventid).count() as u64
}

#[test]
fn handshake_mode_counts_real_logins_and_the_nodes_cpu() {
    let node = NodeProcess::start(&[]);
    let pid = node_pid(&node).to_string();
    let target = node.ssh.to_string();
    let report = load(
        "handshake",
        &[
            "--target",
            &target,
            "--password",
            PASSWORD,
            "--duration",
            "2",
            "--concurrency",
            "2",
            "--server-pid",
            &pid,
            "--timeout",
            "30",
        ],
    );
    let handshakes = report["handshakes"].as_u64().expect("handshakes");
    assert!(handshakes > 0, "{report}");
    assert_eq!(report["failures"], 0, "{report}");
    let cpu = report["server_cpu_seconds"].as_f64().expect("server CPU");
    // Key exchanges cost the node CPU; two cores for ~2 s bound it from above.
    assert!(
        cpu > 0.0 && cpu < 2.0 * report["wall_seconds"].as_f64().unwrap() + 0.1,
        "{report}"
    );
    let per_cpu = report["handshakes_per_server_cpu_second"].as_f64().unwrap();
    assert!((per_cpu - handshakes as f64 / cpu).abs() < 1e-6, "{report}");
    // Every counted handshake was a login the node accepted and logged.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let mut logged = 0;
    while logged < handshakes && std::time::Instant::now() < deadline {
        logged = count(&node.log_events(), "cowrie.login.success");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        logged >= handshakes,
        "{logged} logins logged, {handshakes} counted"
    );

    // A password the userdb denies: no handshake counted, the refusal reported.
    let refused = load(
        "handshake",
        &[
            "--target",
            &target,
            "--password",
            "root",
            "--duration",
            "1",
            "--concurrency",
            "1",
        ],
    );
    assert_eq!(refused["handshakes"], 0, "{refused}");
    assert!(refused["failures"].as_u64().unwrap() > 0, "{refused}");
    assert!(
        refused["first_error"].as_str().unwrap().contains("refused"),
        "{refused}"
    );
}

#[test]
fn interactive_mode_times_commands_the_node_ran() {
    let node = NodeProcess::start(&[("MIRAGE_REFLEX_ENABLED", "false")]);
    let pid = node_pid(&node).to_string();
    let target = node.ssh.to_string();
    let report = load(
        "interactive",
        &[
            "--target",
            &target,
            "--password",
            PASSWORD,
            "--sessions",
            "2",
            "--duration",
            "2",
            "--server-pid",
            &pid,
            "--timeout",
            "30",
        ],
    );
    let commands = report["commands"].as_u64().expect("commands");
    assert!(commands > 0, "{report}");
    assert_eq!(report["session_errors"], 0, "{report}");
    let latency = &report["latency"];
    let (p50, p99, max) = (
        latency["p50_ms"].as_f64().unwrap(),
        latency["p99_ms"].as_f64().unwrap(),
        latency["max_ms"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{report}");
    assert!(
        report["server_cpu_seconds"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    // Each timed command is a line the node's shell ran and logged.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let mut logged = 0;
    while logged < commands && std::time::Instant::now() < deadline {
        logged = count(&node.log_events(), "cowrie.command.input");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        logged >= commands,
        "{logged} commands logged, {commands} timed"
    );
}
