//! Supervision: a session whose handler panics is restarted from its checkpoint, its connection
//! stays up, and fifty other concurrent sessions notice nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client::{self, Msg};
use russh::{Channel, ChannelMsg};

use crate::common::{NodeProcess, PASSWORD, http_get};

struct AcceptAnyKey;

impl client::Handler for AcceptAnyKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// An interactive PTY shell over a real SSH connection.
struct Shell {
    _handle: client::Handle<AcceptAnyKey>,
    channel: Channel<Msg>,
    screen: Vec<u8>,
}

const STEP: Duration = Duration::from_secs(30);

impl Shell {
    async fn open(addr: std::net::SocketAddr) -> Shell {
        let config = Arc::new(client::Config::default());
        let mut handle = client::connect(config, addr, AcceptAnyKey)
            .await
            .expect("connect");
        let auth = handle
            .authenticate_password("root", PASSWORD)
            .await
            .expect("auth");
        assert!(auth.success(), "login refused");
        let channel = handle.channel_open_session().await.expect("channel");
        channel
            .request_pty(true, "xterm", 80, 24, 0, 0, &[])
            .await
            .expect("pty");
        channel.request_shell(true).await.expect("shell");
        let mut shell = Shell {
            _handle: handle,
            channel,
            screen: Vec::new(),
        };
        shell.read_until_prompt().await;
        shell
    }

    /// Reads until the screen ends with a root prompt; returns what arrived.
    async fn read_until_prompt(&mut self) -> String {
        let start = self.screen.len();
        let deadline = Instant::now() + STEP;
        loop {
            let text = String::from_utf8_lossy(&self.screen[start..]).into_owned();
            if text.ends_with("# ") && text.contains("root@") {
                return text;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(remaining, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => self.screen.extend_from_slice(&data),
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close)) | Ok(None) => {
                    panic!("connection closed; screen so far: {text:?}")
                }
                Ok(Some(_)) => {}
                Err(_) => panic!("no prompt within {STEP:?}; screen so far: {text:?}"),
            }
        }
    }

    /// Types a line and returns its output (between the echoed line and the next prompt).
    async fn run(&mut self, line: &str) -> String {
        self.channel
            .data_bytes(format!("{line}\r").into_bytes())
            .await
            .expect("send");
        let text = self.read_until_prompt().await;
        let after_echo = text.split_once("\r\n").map_or("", |(_, rest)| rest);
        let end = after_echo.rfind("root@").unwrap_or(after_echo.len());
        after_echo[..end].to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_session_restarts_from_its_checkpoint_and_fifty_others_see_nothing() {
    let node = NodeProcess::start(&[("MIRAGE_FAULT_PANIC_ON_INPUT", "trigger-fault")]);
    let addr = node.ssh;

    let mut bystanders = Vec::new();
    for _ in 0..50 {
        bystanders.push(tokio::spawn(async move { Shell::open(addr).await }));
    }
    let mut shells = Vec::new();
    for b in bystanders {
        shells.push(b.await.expect("bystander opened"));
    }

    let mut victim = Shell::open(addr).await;
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
    let events = node.wait_for_log("an alert", |e| e["eventid"] == "mirage.alert");
    let restarted: Vec<_> = events
        .iter()
        .filter(|e| e["eventid"] == "mirage.session.restarted")
        .collect();
    assert_eq!(restarted.len(), 1, "{restarted:?}");
    let alert = events
        .iter()
        .find(|e| e["eventid"] == "mirage.alert")
        .unwrap();
    assert_eq!(alert["session"], restarted[0]["session"]);
    assert_eq!(alert["rule"], "session_crash");
}
