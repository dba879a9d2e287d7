//! The spool's tests: appends, sealing, drains across outages, the in-memory copy, quarantine.

use super::*;
use crate::events::tests::origin;
use crate::events::{EventKind, SessionId};

fn event(n: usize) -> Event {
    origin().event(EventKind::CommandInput {
        input: format!("echo {n}"),
    })
}

#[test]
fn segment_names_round_trip_and_sort() {
    assert_eq!(segment_name(7), "00000000000000000007.jsonl");
    assert_eq!(
        segment_seq(Path::new("/x/00000000000000000007.jsonl")),
        Some(7)
    );
    assert_eq!(segment_seq(Path::new("7.jsonl")), None);
    assert_eq!(segment_seq(Path::new("0000000000000000000a.jsonl")), None);
    assert_eq!(
        segment_seq(Path::new("00000000000000000007.jsonl.tmp")),
        None
    );
    assert!(segment_name(9) < segment_name(10));
}

#[test]
fn append_seal_and_drain_bookkeeping() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    assert_eq!(spool.pending(), 0);
    spool.seal().unwrap();
    assert!(
        spool.sealed().unwrap().is_empty(),
        "sealing nothing makes no segment"
    );

    let events: Vec<_> = (0..3).map(event).collect();
    for e in &events {
        spool.append(e).unwrap();
    }
    assert!(
        spool.sealed().unwrap().is_empty(),
        "the active segment is not sealed"
    );
    assert_eq!(spool.pending(), 3);
    spool.seal().unwrap();
    spool.append(&event(3)).unwrap();
    let sealed = spool.sealed().unwrap();
    assert_eq!(sealed.len(), 1);
    assert_eq!(read_segment(&sealed[0]).unwrap(), events);
    assert_eq!(spool.pending(), 4);

    spool.mark_drained(&sealed[0], 3).unwrap();
    assert_eq!(spool.pending(), 1);
    // A second mark (a concurrent drain) does not count the segment twice.
    spool.mark_drained(&sealed[0], 3).unwrap();
    assert_eq!(spool.pending(), 1);
}

#[tokio::test]
async fn a_drain_stores_what_was_written_once_from_memory_or_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let store = crate::store::sqlite::SqliteStore::new(tmp.path().join("m.db"), 1000);
    // Left by an earlier run: only on disk.
    {
        let mut earlier = Spool::open(&tmp.path().join("spool")).unwrap();
        earlier.append(&event(0)).unwrap();
    }
    let spool = Mutex::new(Spool::open(&tmp.path().join("spool")).unwrap());
    for n in 1..4 {
        spool.lock().unwrap().append(&event(n)).unwrap();
    }
    assert_eq!(drain(&spool, &store).await.unwrap(), 4);
    {
        let s = spool.lock().unwrap();
        assert_eq!(s.pending(), 0);
        assert!(s.cache.is_empty(), "a drained segment's copy is dropped");
        assert_eq!(s.cached_bytes, 0);
    }
    let mut stored: Vec<Event> = store.events(None, 10).await.unwrap();
    stored.sort_by_key(|e| e.id);
    let mut expected: Vec<Event> = (0..4).map(event).collect();
    expected.sort_by_key(|e| e.id);
    assert_eq!(stored.len(), 4);
    assert_eq!(
        stored.iter().map(|e| &e.kind).collect::<Vec<_>>(),
        expected.iter().map(|e| &e.kind).collect::<Vec<_>>()
    );
}

#[test]
fn a_sealed_segment_is_kept_in_memory_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    let events: Vec<_> = (0..3).map(event).collect();
    for e in &events {
        spool.append(e).unwrap();
    }
    spool.seal().unwrap();
    let sealed = spool.sealed().unwrap();
    let cached = spool.cached(&sealed[0]).expect("kept");
    let kept: Vec<Event> = cached.iter().map(|s| Event::clone(&s.event)).collect();
    assert_eq!(kept, read_segment(&sealed[0]).unwrap());
    assert_eq!(kept, events);
    // Each copy keeps its line as written: the store's payload, encoded once.
    let file = fs::read_to_string(&sealed[0]).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let kept_lines: Vec<&str> = cached.iter().map(|s| s.json.as_deref().unwrap()).collect();
    assert_eq!(kept_lines, lines);
    for (spooled, event) in cached.iter().zip(&events) {
        assert_eq!(
            spooled.json.as_deref(),
            Some(serde_json::to_string(event).unwrap().as_str())
        );
    }
}

#[test]
fn deferred_appends_reach_the_file_in_one_write_and_count_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    let events: Vec<_> = (0..3).map(event).collect();
    for e in &events {
        spool.append_deferred(&Arc::new(e.clone())).unwrap();
    }
    assert_eq!(spool.pending(), 3, "a deferred event is accepted at once");
    let active = list_segments(tmp.path()).unwrap().remove(0).1;
    assert_eq!(
        fs::metadata(&active).unwrap().len(),
        0,
        "nothing written yet"
    );
    spool.write_deferred().unwrap();
    assert_eq!(read_segment(&active).unwrap(), events);
    // Written lines are not written again, and later ones follow them.
    spool.write_deferred().unwrap();
    spool.append_deferred(&Arc::new(event(3))).unwrap();
    spool.seal().unwrap();
    assert_eq!(
        read_segment(&active).unwrap().len(),
        4,
        "sealing writes them"
    );
    let cached = spool.cached(&active).expect("kept");
    let kept: Vec<&str> = cached.iter().map(|s| s.json.as_deref().unwrap()).collect();
    let file = fs::read_to_string(&active).unwrap();
    assert_eq!(kept, file.lines().collect::<Vec<_>>());
}

#[test]
fn deferred_lines_are_written_when_the_spool_goes_away() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let mut spool = Spool::open(tmp.path()).unwrap();
        spool.append_deferred(&Arc::new(event(0))).unwrap();
    }
    let spool = Spool::open(tmp.path()).unwrap();
    assert_eq!(spool.pending(), 1);
}

#[test]
fn a_long_deferred_batch_is_written_past_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    let mut e = event(0);
    e.kind = EventKind::CommandInput {
        input: "x".repeat(DEFERRED_LIMIT / 4),
    };
    let e = Arc::new(e);
    for _ in 0..6 {
        spool.append_deferred(&e).unwrap();
    }
    let active = list_segments(tmp.path()).unwrap().remove(0).1;
    let written = read_segment(&active).unwrap().len();
    assert!((4..6).contains(&written), "{written} of 6 written");
}

#[test]
fn active_segment_cannot_be_marked_drained() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    spool.append(&event(0)).unwrap();
    let active = list_segments(tmp.path()).unwrap().remove(0).1;
    assert!(spool.mark_drained(&active, 1).is_err());
    assert_eq!(spool.pending(), 1);
}

#[test]
fn segments_seal_themselves_past_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    let mut e = event(0);
    e.kind = EventKind::CommandInput {
        input: "x".repeat(64 * 1024),
    };
    for _ in 0..40 {
        spool.append(&e).unwrap();
    }
    let sealed = spool.sealed().unwrap();
    assert_eq!(sealed.len(), 2, "about 16 lines of 64 KiB per MiB");
    for path in &sealed {
        let len = fs::metadata(path).unwrap().len();
        assert!(
            (SEGMENT_LIMIT..SEGMENT_LIMIT + 70 * 1024).contains(&len),
            "{len}"
        );
    }
    assert_eq!(spool.pending(), 40);
}

#[test]
fn reopening_counts_and_continues_after_the_last_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(tmp.path()).unwrap();
    spool.append(&event(0)).unwrap();
    spool.append(&event(1)).unwrap();
    drop(spool);
    let mut spool = Spool::open(tmp.path()).unwrap();
    assert_eq!(spool.pending(), 2);
    assert_eq!(
        spool.sealed().unwrap().len(),
        1,
        "a crashed active segment counts as sealed"
    );
    let third = event(2);
    spool.append(&third).unwrap();
    spool.seal().unwrap();
    let sealed = spool.sealed().unwrap();
    assert_eq!(sealed.len(), 2);
    assert_eq!(read_segment(&sealed[1]).unwrap(), vec![third]);
    assert_eq!(spool.pending(), 3);
}

#[test]
fn torn_and_corrupt_lines_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(segment_name(1));
    let (a, b) = (event(0), event(1));
    let mut text = serde_json::to_string(&a).unwrap();
    text.push_str("\nnot json at all\n\n");
    text.push_str(&serde_json::to_string(&b).unwrap());
    text.push('\n');
    let torn = serde_json::to_string(&event(2)).unwrap();
    text.push_str(&torn[..torn.len() / 2]);
    fs::write(&path, text).unwrap();
    assert_eq!(read_segment(&path).unwrap(), vec![a, b]);
    assert_eq!(Spool::open(tmp.path()).unwrap().pending(), 2);
}

#[test]
fn drain_future_is_send() {
    // The sink may run drains on any tokio task: no guard may live across an await.
    fn is_send<T: Send>(_: &T) {}
    let tmp = tempfile::tempdir().unwrap();
    let spool = Mutex::new(Spool::open(tmp.path()).unwrap());
    let store = crate::store::sqlite::SqliteStore::new(tmp.path().join("x.db"), 0);
    is_send(&drain(&spool, &store));
}

#[test]
fn unrelated_files_are_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("README"), "not a segment\n").unwrap();
    let spool = Spool::open(tmp.path()).unwrap();
    assert_eq!(spool.pending(), 0);
    assert!(spool.sealed().unwrap().is_empty());
}

/// A real SQLite store that refuses, as a store refuses a row it cannot take, every batch
/// holding an event whose input contains "poison" (or every batch, with `refuse_all`).
struct Refusing {
    inner: crate::store::sqlite::SqliteStore,
    refuse_all: bool,
}

#[async_trait::async_trait]
impl EventStore for Refusing {
    fn backend(&self) -> &'static str {
        "sqlite"
    }
    async fn migrate(&self) -> Result<(), StoreError> {
        self.inner.migrate().await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
    async fn insert(&self, events: &[Event]) -> Result<u64, StoreError> {
        let poisoned = events.iter().any(
            |e| matches!(&e.kind, EventKind::CommandInput { input } if input.contains("poison")),
        );
        if self.refuse_all || poisoned {
            return Err(StoreError::Query {
                backend: "sqlite",
                source: "refused".into(),
            });
        }
        self.inner.insert(events).await
    }
    async fn events(
        &self,
        session: Option<&SessionId>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.inner.events(session, limit).await
    }
    async fn count(&self) -> Result<u64, StoreError> {
        self.inner.count().await
    }
    async fn sessions(
        &self,
        filter: &crate::store::sessions::SessionFilter,
    ) -> Result<crate::store::sessions::SessionPage, StoreError> {
        self.inner.sessions(filter).await
    }
    async fn session(
        &self,
        session: &SessionId,
    ) -> Result<Option<crate::store::sessions::SessionSummary>, StoreError> {
        self.inner.session(session).await
    }
    async fn alerts(
        &self,
        filter: &crate::store::sessions::AlertFilter,
    ) -> Result<crate::store::sessions::AlertPage, StoreError> {
        self.inner.alerts(filter).await
    }
    async fn recent_events(
        &self,
        eventids: &[&'static str],
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.inner.recent_events(eventids, limit).await
    }
    async fn overview(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::store::sessions::Overview, StoreError> {
        self.inner.overview(now).await
    }
}

fn input(text: &str) -> Event {
    let mut e = event(0);
    e.kind = EventKind::CommandInput { input: text.into() };
    e
}

#[tokio::test]
async fn refused_events_are_quarantined_and_do_not_block_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Refusing {
        inner: crate::store::sqlite::SqliteStore::new(dir.path().join("m.db"), 1000),
        refuse_all: false,
    };
    let spool = Mutex::new(Spool::open(&dir.path().join("spool")).unwrap());
    {
        let mut s = spool.lock().unwrap();
        s.append(&input("ok-1")).unwrap();
        s.append(&input("poison")).unwrap();
        s.append(&input("ok-2")).unwrap();
        s.seal().unwrap();
        s.append(&input("ok-3")).unwrap();
    }
    assert_eq!(drain(&spool, &store).await.unwrap(), 3);
    let stored: Vec<String> = store
        .events(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| match e.kind {
            EventKind::CommandInput { input } => input,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(stored, vec!["ok-1", "ok-2", "ok-3"]);
    assert_eq!(spool.lock().unwrap().pending(), 0);
    assert!(spool.lock().unwrap().sealed().unwrap().is_empty());
    let quarantine = dir.path().join("spool").join(QUARANTINE_DIR);
    let kept: Vec<Event> = fs::read_dir(&quarantine)
        .unwrap()
        .flat_map(|f| read_segment(&f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].kind,
        EventKind::CommandInput {
            input: "poison".into()
        }
    );
}

#[tokio::test]
async fn a_store_refusing_everything_quarantines_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Refusing {
        inner: crate::store::sqlite::SqliteStore::new(dir.path().join("m.db"), 1000),
        refuse_all: true,
    };
    let spool = Mutex::new(Spool::open(&dir.path().join("spool")).unwrap());
    for n in 0..3 {
        spool.lock().unwrap().append(&event(n)).unwrap();
    }
    assert!(drain(&spool, &store).await.is_err());
    assert_eq!(spool.lock().unwrap().pending(), 3);
    assert_eq!(spool.lock().unwrap().sealed().unwrap().len(), 1);
    assert!(!dir.path().join("spool").join(QUARANTINE_DIR).exists());
}
