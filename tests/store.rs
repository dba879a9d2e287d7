//! The event store and the spool, run against both backends.
//!
//! Every scenario is one `async fn(&Backend)`; `backend_tests!` turns it into
//! `store::sqlite::<name>` and `store::postgres::<name>`. The SQLite backend lives in a temporary
//! directory. The PostgreSQL backend needs a server on 127.0.0.1:5432 (override with
//! `MIRAGE_TEST_PG_ADDR`) that trusts user `postgres`; each test creates its own
//! `mirage_test_<hex>` database and drops it afterwards, also when the test fails.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use mirage::config::DatabaseConfig;
use mirage::events::{ClientKex, Event, EventKind, Protocol, SessionId, SessionOrigin, Severity};
use mirage::store::spool::{self, Spool};
use mirage::store::{self, EventStore};
use tempfile::TempDir;
use tokio::task::JoinHandle;

use crate::common::{PgDatabase, bind_retrying, forward, pg_addr, pg_connect};

/// Upper bound for one whole test, setup and cleanup excluded.
const TEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Connect timeout of stores pointed at a target that is down: failures must come quickly.
const SHORT_CONNECT_TIMEOUT_MS: u64 = 500;
/// Connect (and SQLite busy) timeout of stores pointed at a live target.
const CONNECT_TIMEOUT_MS: u64 = 5000;

/// Generates `mod $backend` with one `#[tokio::test]` per scenario. Cleanup runs also when
/// the scenario panics or times out.
macro_rules! backend_tests {
    ($backend:ident: $($name:ident),*) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = super::Backend::$backend().await;
                    let scenario = std::panic::AssertUnwindSafe(tokio::time::timeout(
                        super::TEST_TIMEOUT,
                        super::$name(&backend),
                    ));
                    let outcome = futures::FutureExt::catch_unwind(scenario).await;
                    backend.finish().await;
                    match outcome {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => panic!("test timed out after {:?}", super::TEST_TIMEOUT),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
            )*
        }
    };
}

/// Runs every scenario against both backends.
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        backend_tests!(sqlite: $($name),*);
        backend_tests!(postgres: $($name),*);
    };
}

scenarios! {
    insert_and_read_back,
    inserting_twice_stores_once,
    migrate_twice_is_fine,
    concurrent_migrations_apply_each_version_once,
    spool_drains_exactly_once_across_an_outage,
    crash_between_commit_and_removal_stores_once,
    spool_recovers_an_unsealed_segment,
    torn_last_line_is_skipped,
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// Case 1: Events of several kinds and two sessions come back equal, in order, filtered by session.
async fn insert_and_read_back(b: &Backend) {
    let store = b.store();
    assert_eq!(store.backend(), b.name());
    store.ping().await.expect("ping");
    assert_eq!(store.count().await.unwrap(), 0);

    let (a, c) = (
        SessionId("aaaaaaaaaaaa".into()),
        SessionId("cccccccccccc".into()),
    );
    let from_a = session_events(&origin(&a, false), 0, every_kind().len());
    let from_c = session_events(&origin(&c, true), 1, every_kind().len());
    let mut all: Vec<Event> = from_a.iter().chain(&from_c).cloned().collect();
    // Insert in an order that is neither time nor id order.
    let mut shuffled = all.clone();
    shuffled.reverse();
    shuffled.rotate_left(5);
    assert_eq!(store.insert(&shuffled).await.unwrap(), all.len() as u64);
    assert_eq!(store.count().await.unwrap(), all.len() as u64);

    all.sort_by_key(|e| (e.timestamp, e.id));
    assert_eq!(store.events(None, 1000).await.unwrap(), all);
    assert_eq!(store.events(None, 5).await.unwrap(), all[..5]);
    assert_eq!(store.events(Some(&a), 1000).await.unwrap(), from_a);
    assert_eq!(store.events(Some(&c), 1000).await.unwrap(), from_c);
    assert_eq!(store.events(Some(&c), 2).await.unwrap(), from_c[..2]);
    let nobody = SessionId("000000000000".into());
    assert!(store.events(Some(&nobody), 1000).await.unwrap().is_empty());
    assert_eq!(store.insert(&[]).await.unwrap(), 0);

    // A second store on the same database (a restarted node) sees the same events.
    let again = b.store();
    assert_eq!(again.events(None, 1000).await.unwrap(), all);
}

/// Case 2: Inserting the same events again stores nothing new, also within one batch.
async fn inserting_twice_stores_once(b: &Backend) {
    let store = b.store();
    let events = session_events(&origin(&SessionId::random(), false), 0, 20);
    assert_eq!(store.insert(&events).await.unwrap(), 20);
    assert_eq!(store.insert(&events).await.unwrap(), 0);

    let fresh = session_events(&origin(&SessionId::random(), false), 50, 5);
    let mut mixed = events[..10].to_vec();
    mixed.extend_from_slice(&fresh);
    mixed.push(fresh[0].clone());
    assert_eq!(store.insert(&mixed).await.unwrap(), 5);
    assert_eq!(store.count().await.unwrap(), 25);
    assert_eq!(unique_ids(&store.events(None, 1000).await.unwrap()), 25);
}

/// Case 3: `migrate` is idempotent, before and after the first use, and across stores.
async fn migrate_twice_is_fine(b: &Backend) {
    let store = b.store();
    store.migrate().await.expect("first migrate");
    store.migrate().await.expect("second migrate");
    let events = session_events(&origin(&SessionId::random(), false), 0, 3);
    assert_eq!(store.insert(&events).await.unwrap(), 3);
    store.migrate().await.expect("migrate after use");

    let other = b.store();
    other.migrate().await.expect("migrate from a second store");
    assert_eq!(other.count().await.unwrap(), 3);
    assert_eq!(b.migration_versions().await, vec![1, 2, 3, 4]);
}

/// Case 4: Four stores (four nodes) migrating one fresh database at once all succeed, and each
/// version is recorded once.
async fn concurrent_migrations_apply_each_version_once(b: &Backend) {
    let stores: Vec<_> = (0..4).map(|_| b.store()).collect();
    let results = futures::future::join_all(stores.iter().map(|s| s.migrate())).await;
    for (i, result) in results.into_iter().enumerate() {
        result.unwrap_or_else(|err| panic!("store {i}: {}", mirage::error_chain(&err)));
    }
    assert_eq!(b.migration_versions().await, vec![1, 2, 3, 4]);
    // And the schema works from every one of them.
    let events = session_events(&origin(&SessionId::random(), false), 0, 4);
    for (store, event) in stores.iter().zip(&events) {
        assert_eq!(store.insert(std::slice::from_ref(event)).await.unwrap(), 1);
    }
    assert_eq!(stores[0].count().await.unwrap(), 4);
}

/// Case 5: While the store is unreachable, events pile up in the spool (several segments) and every
/// drain fails; once it is back, one drain stores every event exactly once and empties the spool.
async fn spool_drains_exactly_once_across_an_outage(b: &Backend) {
    const ROUNDS: usize = 6;
    const PER_ROUND: usize = 50;
    let mut outage = b.outage().await;
    let store = store::open(&outage.config(), &b.data_dir()).expect("open never connects");
    assert!(
        store
            .ping()
            .await
            .expect_err("target is down")
            .is_unavailable()
    );

    let spool = Mutex::new(Spool::open(&b.spool_dir()).unwrap());
    let sessions = [
        origin(&SessionId::random(), false),
        origin(&SessionId::random(), true),
    ];
    let mut appended = HashSet::new();
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            let n = round * PER_ROUND + i;
            let event = session_events(&sessions[n % 2], n, 1).remove(0);
            appended.insert(event.id);
            spool.lock().unwrap().append(&event).unwrap();
        }
        let err = spool::drain(&spool, store.as_ref())
            .await
            .expect_err("store is down");
        assert!(err.is_unavailable(), "{}", mirage::error_chain(&err));
        assert_eq!(
            spool.lock().unwrap().pending(),
            ((round + 1) * PER_ROUND) as u64
        );
    }
    assert_eq!(
        spool.lock().unwrap().sealed().unwrap().len(),
        ROUNDS,
        "one segment per drain"
    );

    outage.restore().await;
    let stored = spool::drain(&spool, store.as_ref())
        .await
        .expect("store is back");
    let total = ROUNDS * PER_ROUND;
    assert_eq!(stored, total as u64);
    assert_eq!(store.count().await.unwrap(), total as u64);
    let events = store.events(None, 10 * total).await.unwrap();
    let ids: HashSet<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), events.len(), "ids are unique");
    assert_eq!(ids, appended);
    assert_spool_empty(&spool);
    // Nothing left: a further drain stores nothing.
    assert_eq!(spool::drain(&spool, store.as_ref()).await.unwrap(), 0);
    assert_eq!(store.count().await.unwrap(), total as u64);
}

/// Case 6: A crash after a segment's insert committed but before the segment was removed: the next
/// drain inserts it again, and nothing is stored twice.
async fn crash_between_commit_and_removal_stores_once(b: &Backend) {
    let store = b.store();
    let spool = Mutex::new(Spool::open(&b.spool_dir()).unwrap());
    let session = origin(&SessionId::random(), false);
    for event in session_events(&session, 0, 20) {
        spool.lock().unwrap().append(&event).unwrap();
    }
    let segment = {
        let mut spool = spool.lock().unwrap();
        spool.seal().unwrap();
        spool.sealed().unwrap().remove(0)
    };
    // What the crashed drain committed.
    let events = spool::read_segment(&segment).unwrap();
    assert_eq!(store.insert(&events).await.unwrap(), 20);
    // Events that arrived after the crash.
    for event in session_events(&session, 20, 5) {
        spool.lock().unwrap().append(&event).unwrap();
    }
    assert_eq!(spool.lock().unwrap().pending(), 25);

    assert_eq!(
        spool::drain(&spool, store.as_ref()).await.unwrap(),
        5,
        "only the new ones"
    );
    assert_eq!(store.count().await.unwrap(), 25);
    assert_eq!(unique_ids(&store.events(None, 1000).await.unwrap()), 25);
    assert_spool_empty(&spool);
}

/// Case 7: A spool dropped without sealing (a crash) is recovered: pending is right and a drain
/// stores everything.
async fn spool_recovers_an_unsealed_segment(b: &Backend) {
    let store = b.store();
    let session = origin(&SessionId::random(), false);
    let events = session_events(&session, 0, 10);
    {
        let mut spool = Spool::open(&b.spool_dir()).unwrap();
        for event in &events {
            spool.append(event).unwrap();
        }
        assert_eq!(spool.pending(), 10);
    }
    let spool = Spool::open(&b.spool_dir()).unwrap();
    assert_eq!(spool.pending(), 10);
    assert_eq!(
        spool.sealed().unwrap().len(),
        1,
        "the crashed active segment counts as sealed"
    );
    let spool = Mutex::new(spool);
    let later = session_events(&session, 20, 3); // after the first ten in time
    for event in &later {
        spool.lock().unwrap().append(event).unwrap();
    }
    assert_eq!(spool.lock().unwrap().pending(), 13);

    assert_eq!(spool::drain(&spool, store.as_ref()).await.unwrap(), 13);
    let mut expected = events;
    expected.extend(later);
    assert_eq!(store.events(None, 1000).await.unwrap(), expected);
    assert_spool_empty(&spool);
}

/// Case 8: A torn last line (a crash mid-write) is skipped and the rest of the segment is stored.
async fn torn_last_line_is_skipped(b: &Backend) {
    let store = b.store();
    let events = session_events(&origin(&SessionId::random(), false), 0, 5);
    let segment = {
        let mut spool = Spool::open(&b.spool_dir()).unwrap();
        for event in &events {
            spool.append(event).unwrap();
        }
        spool.seal().unwrap();
        spool.sealed().unwrap().remove(0)
    };
    let torn =
        serde_json::to_string(&session_events(&origin(&SessionId::random(), false), 9, 1)[0])
            .unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap();
    std::io::Write::write_all(&mut file, &torn.as_bytes()[..torn.len() / 2]).unwrap();
    drop(file);

    assert_eq!(spool::read_segment(&segment).unwrap(), events);
    let spool = Mutex::new(Spool::open(&b.spool_dir()).unwrap());
    assert_eq!(
        spool.lock().unwrap().pending(),
        5,
        "the torn line is not an event"
    );
    assert_eq!(spool::drain(&spool, store.as_ref()).await.unwrap(), 5);
    assert_eq!(store.events(None, 1000).await.unwrap(), events);
    assert_spool_empty(&spool);
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn origin(session: &SessionId, v6: bool) -> SessionOrigin {
    let (src, dst) = if v6 {
        ("[2001:db8::7]:50000", "[2001:db8::1]:22")
    } else {
        ("203.0.113.7:50000", "192.0.2.1:2222")
    };
    SessionOrigin {
        node: "node-test".into(),
        session: session.clone(),
        protocol: if v6 { Protocol::Http } else { Protocol::Ssh },
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
    }
}

/// One event of every kind, so payloads of every shape go through the store.
fn every_kind() -> Vec<EventKind> {
    vec![
        EventKind::SessionConnect,
        EventKind::ClientVersion {
            version: "SSH-2.0-OpenSSH_8.9p1".into(),
        },
        EventKind::ClientKex(ClientKex {
            hassh: "ec7378c1a92f5a8dde7e8b7a1ddf33d1".into(),
            hassh_algorithms: "curve25519-sha256;aes128-ctr;hmac-sha2-256;none".into(),
            kex_algs: vec!["curve25519-sha256".into()],
            key_algs: vec!["ssh-ed25519".into()],
            enc_cs: vec!["aes128-ctr".into()],
            mac_cs: vec!["hmac-sha2-256".into()],
            comp_cs: vec!["none".into()],
            lang_cs: vec![],
        }),
        EventKind::LoginFailed {
            username: "root".into(),
            password: "123456".into(),
        },
        EventKind::LoginSuccess {
            username: "root".into(),
            password: "p\u{e4}ss'\"\\\n".into(),
        },
        EventKind::ClientFingerprint {
            username: "root".into(),
            fingerprint: "SHA256:abc".into(),
            key_type: "ssh-ed25519".into(),
        },
        EventKind::ClientSize {
            width: 80,
            height: 24,
        },
        EventKind::ClientVar {
            name: "LANG".into(),
            value: "C".into(),
        },
        EventKind::CommandInput {
            input: "uname -a; cat /etc/passwd".into(),
        },
        EventKind::CommandFailed {
            input: "\u{1b}[31mfoo\0".into(),
        },
        EventKind::FileDownload {
            url: "http://203.0.113.5/x.sh".into(),
            outfile: "/root/x.sh".into(),
            shasum: "a".repeat(64),
        },
        EventKind::SessionRestarted {
            reason: "panic".into(),
        },
        EventKind::Alert {
            severity: Severity::Critical,
            rule: "session_crash".into(),
            message: "session restarted".into(),
            details: [("token".to_owned(), "aws-root-credentials".to_owned())].into(),
        },
        EventKind::LogClosed {
            ttylog: "tty/0123456789ab.cast".into(),
            size: 4096,
            shasum: "ab".repeat(32),
            duration_ms: 1500,
        },
        EventKind::FileUpload {
            filename: "x.sh".into(),
            destfile: "/tmp/x.sh".into(),
            outfile: format!("uploads/{}", "cd".repeat(32)),
            shasum: "cd".repeat(32),
            size: 12,
            transfer: "scp".into(),
        },
        EventKind::DirectTcpipRequest {
            target_host: "smtp.example.com".into(),
            target_port: 25,
            orig_host: "127.0.0.1".into(),
            orig_port: 40000,
        },
        EventKind::DirectTcpipData {
            target_host: "smtp.example.com".into(),
            target_port: 25,
            data: "b'EHLO x\\r\\n'".into(),
        },
        EventKind::TcpipForward {
            address: "0.0.0.0".into(),
            port: 8080,
        },
        EventKind::SessionClosed {
            duration_ms: u64::MAX,
        },
    ]
}

/// `count` events of `origin`, the `i`th at `base + (first + 2i) ms`: sessions built with
/// first = 0 and first = 1 interleave in time. Timestamps keep nanoseconds, which the payload
/// must preserve.
fn session_events(origin: &SessionOrigin, first: usize, count: usize) -> Vec<Event> {
    let base: DateTime<Utc> = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
        + chrono::Duration::nanoseconds(123_456_789);
    let kinds = every_kind();
    (0..count)
        .map(|i| {
            let mut event = origin.event(kinds[(first + i) % kinds.len()].clone());
            event.timestamp = base + chrono::Duration::milliseconds((first + 2 * i) as i64);
            event
        })
        .collect()
}

fn unique_ids(events: &[Event]) -> usize {
    events.iter().map(|e| e.id).collect::<HashSet<_>>().len()
}

fn assert_spool_empty(spool: &Mutex<Spool>) {
    let spool = spool.lock().unwrap();
    assert_eq!(spool.pending(), 0);
    assert!(spool.sealed().unwrap().is_empty());
    let left: Vec<_> = std::fs::read_dir(spool.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert!(left.is_empty(), "segments left: {left:?}");
}

// ---------------------------------------------------------------------------------------------
// Backends

/// One backend under test and the resources to clean up after it.
struct Backend {
    tmp: TempDir,
    /// The test's own database, for PostgreSQL.
    pg: Option<PgDatabase>,
}

impl Backend {
    async fn sqlite() -> Backend {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("data")).unwrap();
        Backend { tmp, pg: None }
    }

    async fn postgres() -> Backend {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("data")).unwrap();
        Backend {
            tmp,
            pg: Some(PgDatabase::create().await),
        }
    }

    fn name(&self) -> &'static str {
        if self.pg.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// The node's data directory (exists).
    fn data_dir(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    fn spool_dir(&self) -> PathBuf {
        self.data_dir().join("spool")
    }

    /// Configuration reaching the live target. SQLite uses the default: `<data_dir>/mirage.db`.
    fn config(&self) -> DatabaseConfig {
        let url = match &self.pg {
            Some(db) => db.url(pg_addr()),
            None => String::new(),
        };
        DatabaseConfig {
            url,
            pool_size: 4,
            connect_timeout_ms: CONNECT_TIMEOUT_MS,
        }
    }

    /// A new store on the live target (nothing is connected yet).
    fn store(&self) -> Arc<dyn EventStore> {
        store::open(&self.config(), &self.data_dir()).expect("open")
    }

    /// A target that is down until [`Outage::restore`].
    async fn outage(&self) -> Outage {
        match &self.pg {
            None => {
                let dir = self.tmp.path().join("missing");
                let url = format!("sqlite:{}", dir.join("mirage.db").display());
                Outage::Sqlite { dir, url }
            }
            Some(db) => {
                // A port nothing listens on (yet): bind to learn a free one, then close it.
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .unwrap()
                    .port();
                let addr = SocketAddr::from(([127, 0, 0, 1], port));
                Outage::Postgres {
                    addr,
                    url: db.url(addr),
                    forwarder: None,
                }
            }
        }
    }

    /// Versions recorded in `mirage_migrations`, in order.
    async fn migration_versions(&self) -> Vec<i32> {
        match &self.pg {
            None => {
                let conn = rusqlite::Connection::open(self.data_dir().join("mirage.db")).unwrap();
                let mut stmt = conn
                    .prepare("SELECT version FROM mirage_migrations ORDER BY version")
                    .unwrap();
                stmt.query_map([], |row| row.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Some(db) => {
                let client = pg_connect(&db.name).await.unwrap();
                client
                    .query(
                        "SELECT version FROM mirage_migrations ORDER BY version",
                        &[],
                    )
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| row.get(0))
                    .collect()
            }
        }
    }

    /// Drops the test database now; the guard's `Drop` is the fallback if this never runs.
    async fn finish(mut self) {
        if let Some(db) = &mut self.pg {
            db.drop_now().await;
        }
    }
}

/// A store target that is unreachable until restored.
enum Outage {
    /// SQLite in a directory that does not exist yet.
    Sqlite { dir: PathBuf, url: String },
    /// PostgreSQL behind a port where nothing listens until a forwarder starts.
    Postgres {
        addr: SocketAddr,
        url: String,
        forwarder: Option<JoinHandle<()>>,
    },
}

impl Outage {
    fn config(&self) -> DatabaseConfig {
        let url = match self {
            Outage::Sqlite { url, .. } | Outage::Postgres { url, .. } => url.clone(),
        };
        DatabaseConfig {
            url,
            pool_size: 2,
            connect_timeout_ms: SHORT_CONNECT_TIMEOUT_MS,
        }
    }

    /// Makes the target reachable.
    async fn restore(&mut self) {
        match self {
            Outage::Sqlite { dir, .. } => std::fs::create_dir(dir).unwrap(),
            Outage::Postgres {
                addr, forwarder, ..
            } => {
                let listener = bind_retrying(*addr).await;
                *forwarder = Some(tokio::spawn(forward(listener, pg_addr())));
            }
        }
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if let Outage::Postgres {
            forwarder: Some(task),
            ..
        } = self
        {
            task.abort();
        }
    }
}

#[test]
fn fixtures_cover_every_kind_once() {
    let ids: HashSet<_> = every_kind().iter().map(EventKind::eventid).collect();
    assert_eq!(ids.len(), every_kind().len());
}
