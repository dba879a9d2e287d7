//! Actor faults under load, on the real binary: panics injected in a session's shell, in its
//! classification/prediction step and in the event sink, while other sessions type. Each panic
//! is counted in `/metrics`, the node stays up, the other sessions notice nothing, and every
//! typed line reaches the store exactly once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{NodeProcess, SshShell, http_get, poll_until};
use crate::faults::busy_session;

/// Typed inputs in the node's SQLite store, with how many rows each has (none while the
/// store has no events table yet).
fn stored_inputs(data_dir: &Path) -> HashMap<String, usize> {
    let db = rusqlite::Connection::open(data_dir.join("mirage.db")).expect("open mirage.db");
    let Ok(mut stmt) = db.prepare(
        "SELECT json_extract(payload, '$.input') FROM events \
         WHERE eventid = 'cowrie.command.input'",
    ) else {
        return HashMap::new();
    };
    let mut counts = HashMap::new();
    for input in stmt
        .query_map([], |row| row.get::<_, String>(0))
        .expect("rows")
    {
        *counts.entry(input.expect("row")).or_default() += 1;
    }
    counts
}

/// The value of `mirage_actor_restarts_total{actor="<actor>"}` in a `/metrics` text.
pub fn restarts(metrics: &str, actor: &str) -> u64 {
    let prefix = format!("mirage_actor_restarts_total{{actor=\"{actor}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in\n{metrics}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_in_session_classifier_and_sink_are_counted_and_lose_nothing_under_load() {
    let node = NodeProcess::start(&[
        ("MIRAGE_FAULT_PANIC_ON_INPUT", "boomshell"),
        ("MIRAGE_FAULT_PANIC_ON_CLASSIFY", "boomclass"),
        ("MIRAGE_FAULT_PANIC_ON_EVENT", "boomsink"),
    ]);
    let (_, _, before) = http_get(node.admin, "/metrics");
    for actor in ["session", "classifier", "sink"] {
        assert_eq!(restarts(&before, actor), 0, "{actor} before any fault");
    }

    // Six sessions type while a seventh trips every fault three times.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for i in 0..6 {
        load.push(tokio::spawn(busy_session(
            node.ssh,
            format!("actorload{i}"),
            Duration::from_millis(5),
            stop.clone(),
        )));
    }
    let mut victim = SshShell::open(node.ssh).await;
    assert_eq!(victim.run("cd /tmp").await, "");
    let mut typed = vec!["cd /tmp".to_owned()];
    for n in 0..3 {
        // The classifier panics: the line still runs and answers.
        let line = format!("echo boomclass-{n}");
        assert_eq!(victim.run(&line).await, format!("boomclass-{n}\r\n"));
        typed.push(line);
        // The sink panics on the line's input event: the session does not notice.
        let line = format!("echo boomsink-{n}");
        assert_eq!(victim.run(&line).await, format!("boomsink-{n}\r\n"));
        typed.push(line);
        // The shell panics: bash's crashed child, then the session goes on from its checkpoint.
        let line = format!("echo boomshell-{n}");
        assert_eq!(
            victim.run(&line).await,
            "Segmentation fault (core dumped)\r\n"
        );
        typed.push(line);
        let line = format!("echo after-{n}");
        assert_eq!(victim.run(&line).await, format!("after-{n}\r\n"));
        typed.push(line);
    }
    assert_eq!(
        victim.run("pwd").await,
        "/tmp\r\n",
        "the checkpoint kept cwd"
    );
    typed.push("pwd".to_owned());

    stop.store(true, Ordering::SeqCst);
    let mut busy_lines = Vec::new();
    for (i, task) in load.into_iter().enumerate() {
        let busy = task.await.expect("a busy session failed");
        assert!(
            !busy.closed_by_server,
            "bystander {i} was cut off: {busy:?}"
        );
        assert!(busy.completed > 0, "bystander {i} got nothing done");
        busy_lines.extend((0..busy.completed).map(|n| format!("echo actorload{i}-{n}")));
    }

    // Each fault counted once per injection; the node is still up.
    let (_, _, metrics) = http_get(node.admin, "/metrics");
    for actor in ["session", "classifier", "sink"] {
        assert_eq!(restarts(&metrics, actor), 3, "{actor} panics counted");
    }
    let (status, _, _) = http_get(node.admin, "/healthz");
    assert_eq!(status, 200);

    // Every line typed, by the victim and the bystanders, stored exactly once (the sink's
    // panicking events too: they were spooled first).
    let expected: Vec<String> = typed.into_iter().chain(busy_lines).collect();
    let stored = poll_until(
        Duration::from_secs(30),
        || {
            let stored = stored_inputs(&node.data_dir);
            expected
                .iter()
                .all(|line| stored.contains_key(line))
                .then_some(stored)
        },
        || {
            let stored = stored_inputs(&node.data_dir);
            let missing: Vec<_> = expected
                .iter()
                .filter(|l| !stored.contains_key(*l))
                .collect();
            format!("lines missing from the store: {missing:?}")
        },
    );
    for line in &expected {
        assert_eq!(stored.get(line), Some(&1), "{line} stored once");
    }
}
