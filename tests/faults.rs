//! Process faults under load, on the real binary: SIGKILL mid-load and a restart on the same
//! data directory (no accepted event lost or doubled; host keys, host profile and reflex
//! buckets back), and a graceful SIGTERM with twenty busy sessions (all closed, every event
//! flushed, exit within 10 s). The PostgreSQL outage is in `faults_postgres`.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use russh::ChannelMsg;

use crate::common::{NodeProcess, SshShell, keyscan, poll_until, root_pty_shell, shown};

/// How one busy session ended.
#[derive(Debug)]
pub struct Busy {
    /// Lines whose output came back.
    pub completed: usize,
    /// The server closed the connection (rather than the test stopping the loop).
    pub closed_by_server: bool,
}

/// Logs in and types `echo <tag>-<n>` lines one after another, each after the previous one's
/// output arrived and `pause` passed, until `stop` is set (and at least one line came back, so
/// a bystander on a slow machine has always done something when it is judged) or the server
/// closes the connection.
pub async fn busy_session(
    addr: SocketAddr,
    tag: String,
    pause: Duration,
    stop: Arc<AtomicBool>,
) -> Busy {
    let (_handle, mut channel) = root_pty_shell(addr).await;
    let mut completed = 0;
    let mut screen = Vec::new();
    loop {
        if stop.load(Ordering::SeqCst) && completed > 0 {
            return Busy {
                completed,
                closed_by_server: false,
            };
        }
        let line = format!("{tag}-{completed}");
        if channel
            .data_bytes(format!("echo {line}\r").into_bytes())
            .await
            .is_err()
        {
            return Busy {
                completed,
                closed_by_server: true,
            };
        }
        // The output line (not the echo of what was typed) starts a line and ends in CR LF;
        // readline's bracketed-paste switches are taken out first.
        let want = format!("\n{line}\r\n");
        loop {
            if shown(&String::from_utf8_lossy(&screen)).contains(&want) {
                screen.clear();
                completed += 1;
                tokio::time::sleep(pause).await;
                break;
            }
            match tokio::time::timeout(Duration::from_secs(30), channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => screen.extend_from_slice(&data),
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close)) | Ok(None) => {
                    return Busy {
                        completed,
                        closed_by_server: true,
                    };
                }
                Ok(Some(_)) => {}
                Err(_) => panic!("{tag}: no output for {line:?} within 30 s"),
            }
        }
    }
}

/// Events in the node's SQLite store: id → (eventid, input), and how many rows each id has.
fn sqlite_events(data_dir: &Path) -> Vec<(String, String, Option<String>)> {
    let db = rusqlite::Connection::open(data_dir.join("mirage.db")).expect("open mirage.db");
    let mut stmt = db
        .prepare("SELECT id, eventid, json_extract(payload, '$.input') FROM events")
        .expect("query");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("rows")
        .map(Result::unwrap)
        .collect()
}

/// The rate-limit rule the SIGKILL test trips, so its bucket must outlive the kill.
const RULES: &str = r#"
[[rule]]
name = "ratecheck"
contains = "ratecheck"
rate = { per = "ip", burst = 3, per_minute = 1 }
actions = [{ canned = { output = "rate limited\n", status = 1 } }]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_load_loses_no_accepted_event_and_restores_keys_profile_and_buckets() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules.toml");
    std::fs::write(&rules, RULES).unwrap();
    let rules = rules.display().to_string();
    let dir = tmp.path().join("data");
    let env = [("MIRAGE_REFLEX_RULES", rules.as_str())];
    let mut node = NodeProcess::start_in(&dir, &env);

    // Key lines without the `[host]:port` in front (the restarted node has another port).
    let keys = |port: u16| -> Vec<String> {
        keyscan(port)
            .iter()
            .map(|line| line.split_once(' ').map_or("", |(_, key)| key).to_owned())
            .collect()
    };
    let keys_before = keys(node.ssh.port());
    assert!(!keys_before.is_empty());
    let profile_before = std::fs::read(dir.join("host.json")).expect("host.json");
    let mut shell = SshShell::open(node.ssh).await;
    let hostname_before = shell.run("hostname").await;
    // Trip the rate limit, then wait for the periodic save of the buckets.
    let mut outs = Vec::new();
    for _ in 0..4 {
        outs.push(shell.exec("echo ratecheck").await.0);
    }
    assert_eq!(outs[3], "rate limited\n", "{outs:?}");
    drop(shell);
    let buckets = dir.join("reflex").join("buckets.json");
    poll_until(
        Duration::from_secs(45),
        || {
            std::fs::read_to_string(&buckets)
                .ok()
                .filter(|s| s.contains("ratecheck|ip|127.0.0.1"))
        },
        || "the buckets were never saved".into(),
    );

    // Five sessions type as fast as the node answers; SIGKILL once they are well under way.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for i in 0..5 {
        load.push(tokio::spawn(busy_session(
            node.ssh,
            format!("killload{i}"),
            Duration::ZERO,
            stop.clone(),
        )));
    }
    let typed = |e: &serde_json::Value| {
        e["eventid"] == "cowrie.command.input"
            && e["input"]
                .as_str()
                .is_some_and(|i| i.starts_with("echo killload"))
    };
    node.wait_for_events("commands under load", 60, typed);
    node.kill();
    for task in load {
        let busy = task.await.expect("a busy session failed");
        assert!(busy.closed_by_server, "{busy:?}");
    }
    // What the node had accepted: every event in the JSON log is spooled before it is logged.
    let accepted: Vec<serde_json::Value> = node.log_events();
    let accepted_commands: HashMap<String, String> = accepted
        .iter()
        .filter(|e| typed(e))
        .map(|e| {
            (
                e["uuid"].as_str().unwrap().to_owned(),
                e["input"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(accepted_commands.len() >= 60);

    // Restart on the same directory: the spool drains into the store.
    let node = NodeProcess::start_in(&dir, &env);
    let accepted_ids: HashSet<String> = accepted
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    let stored = poll_until(
        Duration::from_secs(30),
        || {
            let stored = sqlite_events(&dir);
            let ids: HashSet<String> = stored.iter().map(|(id, _, _)| id.clone()).collect();
            accepted_ids.is_subset(&ids).then_some(stored)
        },
        || {
            let ids: HashSet<String> = sqlite_events(&dir).into_iter().map(|r| r.0).collect();
            format!(
                "{} accepted events missing from the store",
                accepted_ids.difference(&ids).count()
            )
        },
    );
    // Every accepted command exactly once (the inputs are unique markers).
    let mut per_input: HashMap<String, usize> = HashMap::new();
    for (_, eventid, input) in &stored {
        if eventid == "cowrie.command.input"
            && let Some(input) = input
            && input.starts_with("echo killload")
        {
            *per_input.entry(input.clone()).or_default() += 1;
        }
    }
    for input in accepted_commands.values() {
        assert_eq!(per_input.get(input), Some(&1), "{input} stored once");
    }
    assert!(per_input.values().all(|&n| n == 1), "no input stored twice");

    // Host keys, host profile and the reflex buckets are back.
    assert_eq!(keys(node.ssh.port()), keys_before, "same host keys");
    assert_eq!(
        std::fs::read(dir.join("host.json")).unwrap(),
        profile_before,
        "same host profile"
    );
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("hostname").await, hostname_before);
    assert_eq!(
        shell.exec("echo ratecheck").await.0,
        "rate limited\n",
        "the address is still over its rate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_twenty_busy_sessions_closes_them_flushes_every_event_and_exits_in_time() {
    let mut node = NodeProcess::start(&[]);
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for i in 0..20 {
        load.push(tokio::spawn(busy_session(
            node.ssh,
            format!("termload{i}"),
            Duration::ZERO,
            stop.clone(),
        )));
    }
    // Every session logged in and typing.
    for i in 0..20 {
        let tag = format!("echo termload{i}-");
        node.wait_for_events("a command of each session", 3, |e| {
            e["input"].as_str().is_some_and(|s| s.starts_with(&tag))
        });
    }

    let (status, took) = node.terminate();
    assert!(status.success(), "exit status {status}:\n{}", node.stderr());
    assert!(took < Duration::from_secs(10), "exit took {took:?}");
    // For the record (`--nocapture`).
    eprintln!("SIGTERM with 20 busy sessions: exited after {took:?}");
    for task in load {
        let busy = task.await.expect("a busy session failed");
        assert!(busy.closed_by_server, "session still open: {busy:?}");
        // Three of its lines were logged, and each was typed only after the previous one's
        // output came back: at least two answers reached the client before the stop.
        assert!(busy.completed >= 2, "{busy:?}");
    }

    // Every event is in the JSON log and the store, once; nothing is left in the spool.
    let logged = node.log_events();
    let closed = logged
        .iter()
        .filter(|e| e["eventid"] == "cowrie.session.closed")
        .count();
    assert_eq!(closed, 20, "each session's close was logged");
    let logged_ids: HashSet<String> = logged
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    let stored = sqlite_events(&node.data_dir);
    let stored_ids: HashSet<String> = stored.iter().map(|r| r.0.clone()).collect();
    assert_eq!(stored.len(), stored_ids.len(), "no duplicates");
    let missing: Vec<String> = logged
        .iter()
        .filter(|e| !stored_ids.contains(e["uuid"].as_str().unwrap()))
        .map(|e| e["eventid"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(
        stored_ids, logged_ids,
        "the store holds what the log holds; missing: {missing:?}"
    );
    let spooled = std::fs::read_dir(node.data_dir.join("spool"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .count();
    assert_eq!(spooled, 0, "nothing left in the spool");
}
