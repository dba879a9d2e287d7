//! A PostgreSQL outage under load: the test runs its own throwaway cluster (initdb in a temp
//! directory, its own port on 127.0.0.1; the system cluster on 5432 is never touched), stops it
//! for a minute while SSH sessions keep typing, starts it again, and counts ids: every event
//! the node logged is stored exactly once.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{NodeProcess, http_get};
use crate::faults::busy_session;

/// How long the cluster stays down (the "a minute").
const OUTAGE: Duration = Duration::from_secs(60);

/// A PostgreSQL cluster of one test, run as the `postgres` user from a temp directory.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// `initdb` into a fresh directory, on a free port, trusting local connections.
    fn init() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries in /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("an initdb");
        let dir = tempfile::tempdir().expect("tempdir");
        let (uid, gid) = postgres_ids();
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown to postgres");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, bin, port };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs one of the cluster's programs as `postgres`; panics with its output on failure.
    fn run(&self, program: &str, args: &[&str]) {
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program))
            .args(args)
            .output()
            .expect("runuser");
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starts the server and waits until it accepts connections.
    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server, disconnecting every client.
    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Connects as `postgres` to `dbname`.
    async fn connect(&self, dbname: &str) -> tokio_postgres::Client {
        let mut config = tokio_postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user("postgres")
            .dbname(dbname)
            .connect_timeout(Duration::from_secs(5));
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .expect("connect to the test cluster");
        tokio::spawn(async move {
            let _closed = connection.await;
        });
        client
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Best effort: it may be stopped already.
        let _stopped = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// The uid and gid of the `postgres` user.
fn postgres_ids() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a postgres user")
    };
    (id("-u"), id("-g"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_long_postgres_outage_under_load_stores_every_event_exactly_once() {
    let cluster = Cluster::init();
    cluster.start();
    cluster
        .connect("postgres")
        .await
        .batch_execute("CREATE DATABASE mirage_outage")
        .await
        .expect("create database");
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/mirage_outage",
        cluster.port
    );
    let node = NodeProcess::start(&[
        ("MIRAGE_DATABASE_URL", &url),
        ("MIRAGE_DATABASE_CONNECT_TIMEOUT_MS", "300"),
    ]);

    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for i in 0..4 {
        load.push(tokio::spawn(busy_session(
            node.ssh,
            format!("pgload{i}"),
            Duration::from_millis(100),
            stop.clone(),
        )));
    }
    let cluster_ref = &cluster;
    let stored_count = move || async move {
        cluster_ref
            .connect("mirage_outage")
            .await
            .query_one("SELECT count(*) FROM events", &[])
            .await
            .map(|row| row.get::<_, i64>(0))
            .unwrap_or(0)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stored_count().await < 20 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing reached the store"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    cluster.stop();
    let logged_before = node.log_events().len();
    tokio::time::sleep(OUTAGE).await;
    // The sessions kept working and their events were spooled.
    assert!(node.log_events().len() > logged_before + 100);
    let (_, _, metrics) = http_get(node.admin, "/metrics");
    let spooled: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mirage_events_spooled "))
        .and_then(|v| v.trim().parse().ok())
        .expect("mirage_events_spooled");
    assert!(spooled > 0, "events wait in the spool during the outage");
    cluster.start();

    // Load goes on a little after the restart, then stops.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        let busy = task.await.expect("a busy session failed");
        assert!(!busy.closed_by_server, "a session was dropped: {busy:?}");
    }

    // The four sessions' closes are the last events; after them the log is complete.
    node.wait_for_events("the sessions' closes", 4, |e| {
        e["eventid"] == "cowrie.session.closed"
    });
    let client = cluster.connect("mirage_outage").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let (stored, logged) = loop {
        let logged: HashSet<String> = node
            .log_events()
            .iter()
            .map(|e| e["uuid"].as_str().unwrap().to_owned())
            .collect();
        let rows = client
            .query("SELECT id::text FROM events", &[])
            .await
            .expect("query events");
        let stored: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let ids: HashSet<String> = stored.iter().cloned().collect();
        if ids == logged {
            break (stored, logged);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "store has {} events, log has {}; {} logged ones missing",
            ids.len(),
            logged.len(),
            logged.difference(&ids).count()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(stored.len(), logged.len(), "every event exactly once");
    eprintln!(
        "PostgreSQL outage of {OUTAGE:?}: {} events stored once each",
        stored.len()
    );
    let (_, _, metrics) = http_get(node.admin, "/metrics");
    assert!(
        metrics.contains("mirage_events_spooled 0"),
        "the spool drained: {metrics}"
    );
}
