//! Supervision: a session whose handler panics is restarted from its checkpoint, its connection
//! stays up, and fifty other concurrent sessions notice nothing.

use crate::common::{NodeProcess, SshShell, http_get};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_session_restarts_from_its_checkpoint_and_fifty_others_see_nothing() {
    let node = NodeProcess::start(&[("MIRAGE_FAULT_PANIC_ON_INPUT", "trigger-fault")]);
    let addr = node.ssh;

    let mut bystanders = Vec::new();
    for _ in 0..50 {
        bystanders.push(tokio::spawn(async move { SshShell::open(addr).await }));
    }
    let mut shells = Vec::new();
    for b in bystanders {
        shells.push(b.await.expect("bystander opened"));
    }

    let mut victim = SshShell::open(addr).await;
    assert_eq!(victim.run("cd /tmp").await, "");
    assert_eq!(victim.run("export FOO=bar").await, "");

    // Bystanders type while the victim's handler panics.
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for (i, mut shell) in shells.into_iter().enumerate() {
        let mut go = go_rx.clone();
        tasks.push(tokio::spawn(async move {
            go.wait_for(|g| *g).await.expect("start signal");
            for n in 0..5 {
                let out = shell.run(&format!("echo bystander-{i}-{n}")).await;
                assert_eq!(out, format!("bystander-{i}-{n}\r\n"), "bystander {i}");
            }
            shell
        }));
    }
    go_tx.send(true).unwrap();

    let crashed = victim.run("echo trigger-fault").await;
    assert_eq!(crashed, "Segmentation fault (core dumped)\r\n");
    // Restarted from the checkpoint: cwd, environment and history survived.
    assert_eq!(victim.run("pwd").await, "/tmp\r\n");
    assert_eq!(victim.run("echo $FOO").await, "bar\r\n");
    let history = victim.run("history").await;
    assert!(
        history.contains("cd /tmp") && history.contains("export FOO=bar"),
        "{history:?}"
    );

    let mut survivors = Vec::new();
    for t in tasks {
        survivors.push(t.await.expect("a bystander failed"));
    }
    for (i, shell) in survivors.iter_mut().enumerate() {
        assert_eq!(
            shell.run("whoami").await,
            "root\r\n",
            "bystander {i} after the crash"
        );
    }

    // The restart is counted, recorded and alerted.
    let (_, _, metrics) = http_get(node.admin, "/metrics");
    assert!(
        metrics.contains("mirage_actor_restarts_total{actor=\"session\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mirage_sessions_active{protocol=\"ssh\"} 51"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mirage_events_dropped_total 0"),
        "{metrics}"
    );
    let crash_alert =
        |e: &serde_json::Value| e["eventid"] == "mirage.alert" && e["rule"] == "session_crash";
    let events = node.wait_for_log("a crash alert", crash_alert);
    let restarted: Vec<_> = events
        .iter()
        .filter(|e| e["eventid"] == "mirage.session.restarted")
        .collect();
    assert_eq!(restarted.len(), 1, "{restarted:?}");
    let alert = events.iter().find(|e| crash_alert(e)).unwrap();
    assert_eq!(alert["session"], restarted[0]["session"]);
    assert_eq!(alert["rule"], "session_crash");
}
