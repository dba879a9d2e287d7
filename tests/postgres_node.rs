//! The real binary against PostgreSQL: events stored there, exactly once across an outage, and
//! nodes starting together on one fresh database.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::{
    NodeProcess, OpenSsh, PASSWORD, PgDatabase, bind_retrying, forward, http_get, pg_addr,
    pg_connect,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Event ids stored in `db`.
fn stored_ids(rt: &tokio::runtime::Runtime, db: &str) -> Vec<String> {
    rt.block_on(async {
        let client = pg_connect(db).await.unwrap();
        client
            .query("SELECT id::text FROM events", &[])
            .await
            .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
            .unwrap_or_default()
    })
}

fn logged_ids(node: &NodeProcess) -> HashSet<String> {
    node.log_events()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits (bounded) until the store holds exactly the events of the JSON log.
fn wait_until_stored(rt: &tokio::runtime::Runtime, db: &str, node: &NodeProcess) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stored = stored_ids(rt, db);
        let logged = logged_ids(node);
        if !logged.is_empty() && stored.iter().cloned().collect::<HashSet<_>>() == logged {
            return stored;
        }
        assert!(
            Instant::now() < deadline,
            "store has {} events, log has {}",
            stored.len(),
            logged.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_node_stores_every_event_in_postgres() {
    let rt = runtime();
    let mut db = rt.block_on(PgDatabase::create());
    let url = db.url(pg_addr());
    let node = NodeProcess::start(&[("MIRAGE_DATABASE_URL", &url)]);
    let (_, _, body) = http_get(node.admin, "/readyz");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["store_backend"], "postgres", "{body}");
    assert_eq!(ready["store"], "ok", "{body}");

    let (code, _, err) = OpenSsh::new(PASSWORD).run(node.ssh.port(), "root", &["uname -a"], b"");
    assert_eq!(code, 0, "{err}");
    node.wait_for_log("session close", |e| e["eventid"] == "cowrie.session.closed");
    let stored = wait_until_stored(&rt, &db.name, &node);
    assert_eq!(
        stored.len(),
        stored.iter().collect::<HashSet<_>>().len(),
        "no duplicates"
    );
    assert!(
        !node.data_dir.join("mirage.db").exists(),
        "SQLite is not used"
    );
    drop(node);
    rt.block_on(db.drop_now());
}

#[test]
fn a_node_spools_while_postgres_is_unreachable_and_stores_each_event_exactly_once() {
    let rt = runtime();
    let mut db = rt.block_on(PgDatabase::create());
    // A port where nothing listens yet; later a forwarder to the real server takes it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    let mut node = NodeProcess::start(&[
        ("MIRAGE_DATABASE_URL", &db.url(addr)),
        ("MIRAGE_DATABASE_CONNECT_TIMEOUT_MS", "300"),
    ]);
    // Startup did not wait for the database, and readiness says the truth about it.
    assert!(started.elapsed() < Duration::from_secs(60));
    let (status, _, body) = http_get(node.admin, "/readyz");
    assert_eq!(status, 200, "listeners are up: {body}");
    assert!(body.contains("\"store\":\"unreachable"), "{body}");

    let ssh = OpenSsh::new(PASSWORD);
    for i in 0..5 {
        let (code, _, err) = ssh.run(node.ssh.port(), "root", &[&format!("echo outage-{i}")], b"");
        assert_eq!(code, 0, "{err}");
    }
    node.wait_for_log("the last command", |e| e["input"] == "echo outage-4");
    let (_, _, metrics) = http_get(node.admin, "/metrics");
    let spooled: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mirage_events_spooled "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    assert!(spooled >= 5 * 5, "events wait in the spool: {spooled}");
    assert!(stored_ids(&rt, &db.name).is_empty());

    // The database comes back.
    let forwarder = rt.spawn(async move { forward(bind_retrying(addr).await, pg_addr()).await });
    let deadline = Instant::now() + Duration::from_secs(15);
    while node
        .log_events()
        .iter()
        .filter(|e| e["eventid"] == "cowrie.session.closed")
        .count()
        < 5
    {
        assert!(Instant::now() < deadline, "five sessions closed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stored = wait_until_stored(&rt, &db.name, &node);
    assert_eq!(
        stored.len(),
        logged_ids(&node).len(),
        "each event exactly once"
    );

    // A clean stop adds nothing twice.
    let (status, _) = node.terminate();
    assert!(status.success());
    let after = stored_ids(&rt, &db.name);
    assert_eq!(after.len(), after.iter().collect::<HashSet<_>>().len());
    assert_eq!(after.len(), logged_ids(&node).len());
    forwarder.abort();
    rt.block_on(db.drop_now());
}

#[test]
fn two_nodes_starting_together_migrate_one_fresh_database_once() {
    let rt = runtime();
    let mut db = rt.block_on(PgDatabase::create());
    let url = db.url(pg_addr());
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| NodeProcess::start(&[("MIRAGE_DATABASE_URL", &url)]));
        let b = s.spawn(|| NodeProcess::start(&[("MIRAGE_DATABASE_URL", &url)]));
        (a.join().unwrap(), b.join().unwrap())
    });
    // Both reach the store (readiness pings it, which connects and migrates).
    for node in [&a, &b] {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, _, body) = http_get(node.admin, "/readyz");
            if body.contains("\"store\":\"ok\"") {
                break;
            }
            assert!(Instant::now() < deadline, "{body}\n{}", node.stderr());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let versions: Vec<i32> = rt.block_on(async {
        let client = pg_connect(&db.name).await.unwrap();
        let rows = client
            .query("SELECT version FROM mirage_migrations", &[])
            .await
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    });
    assert_eq!(versions, vec![1, 2, 3, 4]);
    assert!(!a.stderr().contains("ERROR") && !b.stderr().contains("ERROR"));
    drop((a, b));
    rt.block_on(db.drop_now());
}
