//! The write-ahead spool: every accepted event is appended here before it goes to the store.
//!
//! The spool is a directory of segment files named `<sequence as 20 digits>.jsonl`, one JSON
//! [`Event`] per line. Appends go to the *active* segment, written straight to the OS (no
//! userspace buffer), so an event survives a crash of the process as soon as
//! [`Spool::append`] returns. A segment is *sealed* when [`drain`] starts, when it passes
//! [`SEGMENT_LIMIT`], or when the process died while it was active. [`drain`] inserts sealed
//! segments into the store oldest first, one transaction per segment, and removes a segment
//! only after its transaction committed. If the process dies between the commit and the
//! removal, the next drain inserts the segment again and the store skips every event by its
//! id: each event is stored exactly once.
//!
//! The spool also keeps an in-memory copy of the events of the segments this process wrote
//! (at most [`CACHE_LIMIT`] bytes of lines), so a drain stores them without reading the file
//! back and parsing every line again. The file stays the truth: a segment whose copy is
//! incomplete (a failed write, the cache full, a segment left by an earlier run) is read from
//! disk as before.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{EventStore, StoreError};
use crate::events::Event;

/// Size at which the active segment is sealed after an append, so one drain transaction stays
/// small and a drained segment frees its disk space soon.
pub const SEGMENT_LIMIT: u64 = 1024 * 1024;

/// Most bytes of spooled lines whose events are also kept in memory for the next drain; past
/// it, segments are read back from disk. Sixteen segments' worth of events: a store outage
/// longer than that costs only the parsing the cache saves.
pub const CACHE_LIMIT: u64 = 16 * SEGMENT_LIMIT;

/// Subdirectory of the spool for events the store refused while it accepted others.
pub const QUARANTINE_DIR: &str = "quarantine";

/// The directory of segments, with the active one open for appending.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// Sequence number of the next segment to create.
    next_seq: u64,
    /// The segment appends go to; `None` until the first append after a seal.
    active: Option<Active>,
    /// Events appended (or found at open) and not yet drained.
    pending: u64,
    /// In-memory copies of sealed segments written by this process, by path.
    cache: HashMap<PathBuf, (Arc<[Event]>, u64)>,
    /// Bytes of lines behind the events in `cache` and in the active segment's copy.
    cached_bytes: u64,
}

#[derive(Debug)]
struct Active {
    path: PathBuf,
    file: File,
    bytes: u64,
    /// Every event written to this segment, in order; `None` when not kept (cache full, or a
    /// write failed part way).
    events: Option<Vec<Event>>,
}

impl Spool {
    /// Creates the directory if needed and recovers existing segments; an unsealed segment
    /// left by a crash is treated as sealed. [`Spool::pending`] starts as the number of
    /// readable events in them.
    pub fn open(dir: &Path) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let segments = list_segments(dir)?;
        let mut pending = 0;
        for (_, path) in &segments {
            pending += parse_segment(path, false)?.len() as u64;
        }
        let next_seq = segments.last().map_or(1, |(seq, _)| seq.saturating_add(1));
        if pending > 0 {
            tracing::info!(
                dir = %dir.display(),
                segments = segments.len(),
                pending,
                "Recovered spooled events."
            );
        }
        Ok(Spool {
            dir: dir.to_path_buf(),
            next_seq,
            active: None,
            pending,
            cache: HashMap::new(),
            cached_bytes: 0,
        })
    }

    /// The spool directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one event; the line goes straight to the OS (no userspace buffer left
    /// unflushed). Auto-seals when the active segment passes [`SEGMENT_LIMIT`].
    ///
    /// If the write fails the active segment is abandoned (sealed as it is): a partial line
    /// may end it, and the next append must not continue that line.
    pub fn append(&mut self, event: &Event) -> io::Result<()> {
        let mut line = serde_json::to_vec(event).map_err(io::Error::other)?;
        line.push(b'\n');
        let active = match self.active.take() {
            Some(active) => active,
            None => self.create_segment()?,
        };
        let active = self.active.insert(active);
        // One write_all of the whole line: no buffer in between, nothing left to flush.
        if let Err(err) = active.file.write_all(&line) {
            // Part of the line may be in the file: its copy no longer matches it.
            if active.events.take().is_some() {
                self.cached_bytes = self.cached_bytes.saturating_sub(active.bytes);
            }
            self.active = None;
            return Err(err);
        }
        let len = line.len() as u64;
        active.bytes += len;
        if let Some(events) = &mut active.events {
            events.push(event.clone());
            self.cached_bytes += len;
        }
        self.pending += 1;
        if active.bytes >= SEGMENT_LIMIT {
            self.seal()?;
        }
        Ok(())
    }

    /// Closes the active segment if it holds events; the next append starts a new one.
    pub fn seal(&mut self) -> io::Result<()> {
        // The active segment is created by an append, so it always holds at least one line.
        if let Some(active) = self.active.take()
            && let Some(events) = active.events
        {
            self.cache
                .insert(active.path, (events.into(), active.bytes));
        }
        Ok(())
    }

    /// The events of sealed segment `segment` as this process wrote them, if it kept a copy;
    /// `None`: read the file.
    pub fn cached(&self, segment: &Path) -> Option<Arc<[Event]>> {
        self.cache.get(segment).map(|(events, _)| events.clone())
    }

    /// Sealed segments, oldest first.
    pub fn sealed(&self) -> io::Result<Vec<PathBuf>> {
        let active = self.active.as_ref().map(|a| a.path.as_path());
        Ok(list_segments(&self.dir)?
            .into_iter()
            .map(|(_, path)| path)
            .filter(|path| Some(path.as_path()) != active)
            .collect())
    }

    /// Events in the spool not yet drained (sealed and active), a counter recomputed at open.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Keeps `events` the store refused in `<spool>/quarantine/<segment name>`, on disk for an
    /// operator to inspect or re-import; they no longer count as pending once the segment is
    /// marked drained.
    pub fn quarantine(&mut self, segment: &Path, events: &[Event]) -> io::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let dir = self.dir.join(QUARANTINE_DIR);
        fs::create_dir_all(&dir)?;
        let name = segment
            .file_name()
            .unwrap_or_else(|| OsStr::new("segment.jsonl"));
        let mut text = String::new();
        for event in events {
            let line = serde_json::to_string(event).map_err(io::Error::other)?;
            text.push_str(&line);
            text.push('\n');
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(name))?;
        file.write_all(text.as_bytes())
    }

    /// Removes a drained segment and lowers pending by `events`. A segment already removed
    /// (by a concurrent drain) is not counted twice.
    pub fn mark_drained(&mut self, segment: &Path, events: u64) -> io::Result<()> {
        if self.active.as_ref().is_some_and(|a| a.path == segment) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the active segment cannot be drained; seal it first",
            ));
        }
        match fs::remove_file(segment) {
            Ok(()) => {
                self.pending = self.pending.saturating_sub(events);
                self.forget(segment);
                Ok(())
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                self.forget(segment);
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// Drops the in-memory copy of `segment`.
    fn forget(&mut self, segment: &Path) {
        if let Some((_, bytes)) = self.cache.remove(segment) {
            self.cached_bytes = self.cached_bytes.saturating_sub(bytes);
        }
    }

    fn create_segment(&mut self) -> io::Result<Active> {
        loop {
            let seq = self.next_seq;
            self.next_seq = seq.saturating_add(1);
            let path = self.dir.join(segment_name(seq));
            // create_new: never append to a segment something else (a crashed run) left.
            match OpenOptions::new().append(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Active {
                        path,
                        file,
                        bytes: 0,
                        // Past the limit (a long store outage) segments are read back instead.
                        events: (self.cached_bytes < CACHE_LIMIT).then(Vec::new),
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && seq < u64::MAX => {}
                Err(err) => return Err(err),
            }
        }
    }
}

/// File name of segment `seq`.
fn segment_name(seq: u64) -> String {
    format!("{seq:020}.jsonl")
}

/// The sequence number of a segment file name, or `None` for any other file.
fn segment_seq(path: &Path) -> Option<u64> {
    let stem = path.file_name()?.to_str()?.strip_suffix(".jsonl")?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// Segments in `dir`, oldest first.
fn list_segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if let Some(seq) = segment_seq(&path) {
            segments.push((seq, path));
        }
    }
    segments.sort();
    Ok(segments)
}

/// Reads a segment. A torn last line (crash mid-write) or a corrupt line is skipped with a
/// warning, not an error.
pub fn read_segment(path: &Path) -> io::Result<Vec<Event>> {
    parse_segment(path, true)
}

fn parse_segment(path: &Path, warn: bool) -> io::Result<Vec<Event>> {
    let bytes = fs::read(path)?;
    let mut events = Vec::new();
    let mut lines = bytes.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Event>(line) {
            Ok(event) => events.push(event),
            Err(err) if warn => {
                // The text after the last newline is the only place a crash mid-write leaves.
                let torn = lines.peek().is_none();
                tracing::warn!(
                    segment = %path.display(),
                    line = index + 1,
                    torn,
                    error = %err,
                    "Skipping unreadable spool line."
                );
            }
            Err(_) => {}
        }
    }
    Ok(events)
}

/// Seals the active segment, then drains sealed segments oldest first into the store; stops
/// at the first store error (segments stay for the next try). Returns how many events were
/// newly stored.
///
/// The mutex is held only for the short bookkeeping steps, never while the store works, so
/// appends continue during a drain.
pub async fn drain(spool: &Mutex<Spool>, store: &dyn EventStore) -> Result<u64, StoreError> {
    let segments = {
        let mut spool = lock(spool)?;
        spool.seal().map_err(StoreError::Spool)?;
        spool.sealed().map_err(StoreError::Spool)?
    };
    let mut stored = 0;
    // Whether the store took any write in this drain: proof that a failure is the events' fault.
    let mut store_works = false;
    let mut suspects = Vec::new();
    let mut first_error = None;
    for segment in segments {
        let cached = lock(spool)?.cached(&segment);
        let events: Arc<[Event]> = match cached {
            Some(events) => events,
            None => match read_segment(&segment) {
                Ok(events) => events.into(),
                // Another drain got there first.
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(StoreError::Spool(err)),
            },
        };
        match store.insert(&events).await {
            Ok(new) => {
                lock(spool)?
                    .mark_drained(&segment, events.len() as u64)
                    .map_err(StoreError::Spool)?;
                tracing::debug!(segment = %segment.display(), events = events.len(), new, "Spool segment drained.");
                stored += new;
                store_works = true;
            }
            Err(err) if err.is_unavailable() => return Err(err),
            Err(err) => {
                // The store answered but refused this batch: store what it takes one by one and
                // keep the rest aside, so one bad event cannot hold back everything behind it.
                let count = events.len() as u64;
                let mut refused = Vec::new();
                for event in events.iter() {
                    match store.insert(std::slice::from_ref(event)).await {
                        Ok(new) => {
                            stored += new;
                            store_works = true;
                        }
                        Err(err) if err.is_unavailable() => return Err(err),
                        Err(_) => refused.push(event.clone()),
                    }
                }
                suspects.push((segment, count, refused));
                first_error.get_or_insert(err);
            }
        }
    }
    if !store_works && let Some(err) = first_error {
        // Nothing went in at all: the store is the problem, not the events. Retry later.
        return Err(err);
    }
    for (segment, count, refused) in suspects {
        let mut spool = lock(spool)?;
        spool
            .quarantine(&segment, &refused)
            .map_err(StoreError::Spool)?;
        spool
            .mark_drained(&segment, count)
            .map_err(StoreError::Spool)?;
        tracing::error!(
            segment = %segment.display(),
            refused = refused.len(),
            "The store refused events; they are kept in the spool's quarantine directory."
        );
    }
    Ok(stored)
}

fn lock(spool: &Mutex<Spool>) -> Result<std::sync::MutexGuard<'_, Spool>, StoreError> {
    spool
        .lock()
        .map_err(|_| StoreError::Spool(io::Error::other("spool lock poisoned")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventKind, Protocol, SessionId, SessionOrigin};

    fn event(n: usize) -> Event {
        SessionOrigin {
            node: "node-a".into(),
            session: SessionId("0123456789ab".into()),
            protocol: Protocol::Ssh,
            src: "203.0.113.7:50000".parse().unwrap(),
            dst: "192.0.2.1:2222".parse().unwrap(),
        }
        .event(EventKind::CommandInput {
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
        assert_eq!(&*cached, &read_segment(&sealed[0]).unwrap()[..]);
        assert_eq!(&*cached, &events[..]);
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
            let poisoned = events.iter().any(|e| {
                matches!(&e.kind, EventKind::CommandInput { input } if input.contains("poison"))
            });
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
}
