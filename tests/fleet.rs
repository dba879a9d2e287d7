//! A fleet on one machine: three nodes (own ports, own data directories and node ids) sharing
//! one PostgreSQL database. They start at the same moment (the migrations run once), each
//! event lands once with the id of the node that saw it, and a node that could not reach the
//! database, killed with its events still queued, stores every one of them when it comes back.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{NodeProcess, OpenSsh, PASSWORD, PgDatabase, http_get, pg_addr, pg_connect};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Stored events: id → node id.
fn stored(rt: &tokio::runtime::Runtime, db: &str) -> HashMap<String, String> {
    rt.block_on(async {
        let client = pg_connect(db).await.unwrap();
        client
            .query("SELECT id::text, node_id FROM events", &[])
            .await
            .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            .unwrap_or_default()
    })
}

/// The ids of the events `node` logged (its JSON log, across restarts on the same directory).
fn logged(node: &NodeProcess) -> HashSet<String> {
    node.log_events()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect()
}

fn node_id(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("node_id"))
        .expect("node_id")
        .trim()
        .to_owned()
}

fn wait_store_ok(node: &NodeProcess) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, _, body) = http_get(node.admin, "/readyz");
        if body.contains("\"store\":\"ok\"") {
            return;
        }
        assert!(Instant::now() < deadline, "{body}\n{}", node.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn three_nodes_share_one_database_each_event_once_with_its_node_and_a_killed_node_loses_none() {
    let rt = runtime();
    let mut db = rt.block_on(PgDatabase::create());
    let url = db.url(pg_addr());
    // Node C is given a port where nothing listens: it cannot reach the database at first.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead_url = db.url(SocketAddr::from(([127, 0, 0, 1], dead.port())));
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = ["a", "b", "c"].iter().map(|n| tmp.path().join(n)).collect();
    let good = [
        ("MIRAGE_DATABASE_URL", url.as_str()),
        ("MIRAGE_DATABASE_CONNECT_TIMEOUT_MS", "300"),
    ];
    let unreachable = [
        ("MIRAGE_DATABASE_URL", dead_url.as_str()),
        ("MIRAGE_DATABASE_CONNECT_TIMEOUT_MS", "300"),
    ];
    // All three start at the same moment.
    let (a, b, mut c) = std::thread::scope(|s| {
        let a = s.spawn(|| NodeProcess::start_in(&dirs[0], &good));
        let b = s.spawn(|| NodeProcess::start_in(&dirs[1], &good));
        let c = s.spawn(|| NodeProcess::start_in(&dirs[2], &unreachable));
        (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
    });
    wait_store_ok(&a);
    wait_store_ok(&b);
    let ids: Vec<String> = dirs.iter().map(|d| node_id(d)).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        3,
        "distinct node ids"
    );

    // Each node serves its own sessions.
    let ssh = OpenSsh::new(PASSWORD);
    for (i, node) in [&a, &b, &c].into_iter().enumerate() {
        for n in 0..3 {
            let (code, out, err) = ssh.run(
                node.ssh.port(),
                "root",
                &[&format!("echo fleet-{i}-{n}")],
                b"",
            );
            assert_eq!(code, 0, "{err}");
            assert_eq!(out, format!("fleet-{i}-{n}\n"));
        }
    }
    c.wait_for_log("C's last command", |e| e["input"] == "echo fleet-2-2");
    // C's events are queued, not stored; kill it with them in its spool.
    assert!(
        !stored(&rt, &db.name).values().any(|n| n == &ids[2]),
        "C reached the database"
    );
    c.kill();
    let c = NodeProcess::start_in(&dirs[2], &good);

    // Every event of every node, once, under the id of the node that logged it.
    let nodes = [&a, &b, &c];
    let deadline = Instant::now() + Duration::from_secs(60);
    let by_id = loop {
        let by_id = stored(&rt, &db.name);
        let all_in = nodes
            .iter()
            .all(|node| logged(node).iter().all(|id| by_id.contains_key(id)));
        if all_in {
            break by_id;
        }
        assert!(
            Instant::now() < deadline,
            "events missing from the store: {}",
            nodes
                .iter()
                .map(|node| logged(node)
                    .iter()
                    .filter(|id| !by_id.contains_key(*id))
                    .count())
                .sum::<usize>()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut all_logged = HashSet::new();
    for (node, id) in nodes.iter().zip(&ids) {
        let mine = logged(node);
        let stored_mine: HashSet<String> = by_id
            .iter()
            .filter(|(_, n)| *n == id)
            .map(|(e, _)| e.clone())
            .collect();
        // The store may already hold a few events logged since (C's start, readiness pings).
        assert!(
            mine.is_subset(&stored_mine),
            "{id}: its events under its id"
        );
        all_logged.extend(mine);
    }
    let typed = rt.block_on(async {
        let client = pg_connect(&db.name).await.unwrap();
        client
            .query(
                "SELECT payload->>'input', node_id, count(*) FROM events \
                 WHERE eventid = 'cowrie.command.input' GROUP BY 1, 2",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    (r.get::<_, String>(1), r.get::<_, i64>(2)),
                )
            })
            .collect::<HashMap<_, _>>()
    });
    for (i, id) in ids.iter().enumerate() {
        for n in 0..3 {
            assert_eq!(
                typed.get(&format!("echo fleet-{i}-{n}")),
                Some(&(id.clone(), 1)),
                "fleet-{i}-{n}: once, from node {i}"
            );
        }
    }

    // Each migration ran once, though two nodes started on the fresh database together.
    let versions: Vec<(i32, i64)> = rt.block_on(async {
        let client = pg_connect(&db.name).await.unwrap();
        client
            .query(
                "SELECT version, count(*) FROM mirage_migrations GROUP BY version ORDER BY 1",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    });
    assert!(!versions.is_empty());
    for (n, (version, count)) in versions.iter().enumerate() {
        assert_eq!((*version, *count), (n as i32 + 1, 1), "{versions:?}");
    }
    drop((a, b, c));
    rt.block_on(db.drop_now());
}
