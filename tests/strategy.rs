//! Layer 3 on the real binary: a fixed strategy announced over SSH (JSON log and store), an
//! adaptive node that keeps what it learned across a restart (SQLite and PostgreSQL), and both
//! backends storing and restoring the state.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mirage::config::DatabaseConfig;
use mirage::store::EventStore;

use crate::common::{NodeProcess, OpenSsh, PASSWORD, PgDatabase, pg_addr, poll_until};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The store a node with `url` (empty: SQLite in `data_dir`) uses.
fn store(url: &str, data_dir: &Path) -> Arc<dyn EventStore> {
    let config = DatabaseConfig {
        url: url.to_owned(),
        ..DatabaseConfig::default()
    };
    mirage::store::open(&config, data_dir).unwrap()
}

/// Runs `command` in one SSH exec session.
fn ssh_exec(node: &NodeProcess, command: &str) {
    let (code, _, err) = OpenSsh::new(PASSWORD).run(node.ssh.port(), "root", &[command], b"");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_fixed_node_announces_its_settings_in_the_log_and_the_store() {
    let node = NodeProcess::start(&[
        ("MIRAGE_STRATEGY_MODE", "fixed"),
        ("MIRAGE_STRATEGY_FIXED_LATENCY", "human_jitter"),
        ("MIRAGE_STRATEGY_FIXED_ERRORS", "realistic"),
    ]);
    ssh_exec(&node, "uname -a");
    let events = node.wait_for_log("mirage.strategy", |e| e["eventid"] == "mirage.strategy");
    let strategy: Vec<_> = events
        .iter()
        .filter(|e| e["eventid"] == "mirage.strategy")
        .collect();
    // One session, one set of settings: announced once.
    assert_eq!(strategy.len(), 1, "{strategy:#?}");
    let e = strategy[0];
    assert_eq!(e["mode"], "fixed");
    assert_eq!(e["settings"]["latency"], "human_jitter");
    assert_eq!(e["settings"]["errors"], "realistic");
    assert_eq!(e["settings"]["enticement"], "medium");
    assert_eq!(e["settings"]["vulnerable"], "never");
    let session = e["session"].as_str().unwrap().to_owned();

    let rt = runtime();
    let store = store("", &node.data_dir);
    let stored = poll_until(
        Duration::from_secs(15),
        || {
            let events = rt.block_on(store.events(None, 1000)).ok()?;
            events
                .into_iter()
                .find(|e| e.kind.eventid() == "mirage.strategy")
        },
        || "no mirage.strategy event in the store".to_owned(),
    );
    assert_eq!(stored.session.0, session);
    let mirage::events::EventKind::Strategy { settings, mode, .. } = stored.kind else {
        unreachable!("found by its eventid");
    };
    assert_eq!(mode, "fixed");
    assert_eq!(
        settings.to_string(),
        "latency=human_jitter enticement=medium richness=standard errors=realistic vulnerable=never"
    );
}

/// How many outcomes the state `node` saved in `store` learned from (0: none saved).
fn saved_outcomes(rt: &tokio::runtime::Runtime, store: &Arc<dyn EventStore>, node: &str) -> u64 {
    rt.block_on(store.load_strategy(node))
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|state| state["outcomes"].as_u64())
        .unwrap_or(0)
}

/// An adaptive node learns from two sessions, is stopped, starts again on the same data and
/// database, learns from a third: the stored count goes 2, then 3.
fn adaptive_state_survives_a_restart(url: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let env = [
        ("MIRAGE_STRATEGY_MODE", "adaptive"),
        ("MIRAGE_STRATEGY_SAVE_SECS", "1"),
        ("MIRAGE_STRATEGY_SEED", "5"),
        ("MIRAGE_DATABASE_URL", url),
    ];
    let rt = runtime();
    let store = store(url, &dir);
    let mut node = NodeProcess::start_in(&dir, &env);
    ssh_exec(&node, "echo one");
    ssh_exec(&node, "cat /etc/passwd");
    let events = node.wait_for_log("mirage.strategy", |e| e["eventid"] == "mirage.strategy");
    let id = events[0]["sensor"].as_str().unwrap().to_owned();
    assert!(
        events
            .iter()
            .filter(|e| e["eventid"] == "mirage.strategy")
            .all(|e| e["mode"] == "adaptive")
    );
    poll_until(
        Duration::from_secs(20),
        || (saved_outcomes(&rt, &store, &id) >= 2).then_some(()),
        || format!("saved {} outcomes", saved_outcomes(&rt, &store, &id)),
    );
    let (status, _) = node.terminate();
    assert!(status.success());
    assert_eq!(saved_outcomes(&rt, &store, &id), 2);

    let node = NodeProcess::start_in(&dir, &env);
    poll_until(
        Duration::from_secs(15),
        || {
            node.stderr()
                .contains("Strategy state restored.")
                .then_some(())
        },
        || format!("not restored:\n{}", node.stderr()),
    );
    assert!(node.stderr().contains("outcomes=2"), "{}", node.stderr());
    ssh_exec(&node, "id");
    poll_until(
        Duration::from_secs(20),
        || (saved_outcomes(&rt, &store, &id) >= 3).then_some(()),
        || format!("saved {} outcomes", saved_outcomes(&rt, &store, &id)),
    );
}

#[test]
fn an_adaptive_node_keeps_what_it_learned_across_a_restart_on_sqlite() {
    adaptive_state_survives_a_restart("");
}

#[test]
fn an_adaptive_node_keeps_what_it_learned_across_a_restart_on_postgres() {
    let rt = runtime();
    let mut db = rt.block_on(PgDatabase::create());
    adaptive_state_survives_a_restart(&db.url(pg_addr()));
    rt.block_on(db.drop_now());
}

/// Saves, replaces and reads back a state per node on `store`.
async fn stores_and_restores(store: Arc<dyn EventStore>) {
    store.migrate().await.unwrap();
    assert_eq!(store.load_strategy("a").await.unwrap(), None);
    let first = r#"{"version":1,"outcomes":1}"#;
    let second = r#"{"version":1,"outcomes":2,"levels":{"*":[[{"pulls":1.5,"reward":0.25}]]}}"#;
    let now = chrono::Utc::now();
    store.save_strategy("a", first, now).await.unwrap();
    store.save_strategy("b", first, now).await.unwrap();
    store.save_strategy("a", second, now).await.unwrap();
    let json =
        |text: Option<String>| serde_json::from_str::<serde_json::Value>(&text.unwrap()).unwrap();
    assert_eq!(
        json(store.load_strategy("a").await.unwrap()),
        json(Some(second.to_owned()))
    );
    assert_eq!(
        json(store.load_strategy("b").await.unwrap()),
        json(Some(first.to_owned()))
    );
}

#[test]
fn both_backends_store_and_restore_the_state() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    rt.block_on(stores_and_restores(store("", tmp.path())));
    let mut db = rt.block_on(PgDatabase::create());
    rt.block_on(stores_and_restores(store(&db.url(pg_addr()), tmp.path())));
    rt.block_on(db.drop_now());
}
