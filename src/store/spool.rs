//! The write-ahead spool: every accepted event is appended here before it goes to the store.
//!
//! The spool is a directory of segment files named `<sequence as 20 digits>.jsonl`, one JSON
//! [`Event`] per line. Appends go to the *active* segment, written straight to the OS (no
//! userspace buffer), so an event survives a crash of the process as soon as
//! [`Spool::append`] returns. The sink appends a batch of events with
//! [`Spool::append_deferred`] and writes the batch with one call ([`Spool::write_deferred`])
//! once its mailbox is empty: a crash can lose that batch, as it loses events still waiting in
//! the mailbox, and the write costs one system call instead of one per event. A segment is *sealed* when [`drain`] starts, when it passes
//! [`SEGMENT_LIMIT`], or when the process died while it was active. [`drain`] inserts sealed
//! segments into the store oldest first, one transaction per segment, and removes a segment
//! only after its transaction committed. If the process dies between the commit and the
//! removal, the next drain inserts the segment again and the store skips every event by its
//! id: each event is stored exactly once.
//!
//! The spool also keeps an in-memory copy of the events of the segments this process wrote
//! (at most [`CACHE_LIMIT`] bytes of lines), so a drain stores them without reading the file
//! back and parsing every line again. The copy shares each event with the sink (an
//! [`Arc`], not a clone) and keeps its line, which is exactly the store's JSON payload, so the
//! store does not encode the event a second time ([`Spooled`]). The file stays the truth: a
//! segment whose copy is incomplete (a failed write, the cache full, a segment left by an
//! earlier run) is read from disk as before.

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

/// Most bytes of spooled lines kept in memory, with their events, for the next drain; past
/// it, segments are read back from disk. Sixteen segments' worth of events: a store outage
/// longer than that costs only the parsing the cache saves.
pub const CACHE_LIMIT: u64 = 16 * SEGMENT_LIMIT;

/// Bytes of deferred lines past which [`Spool::append_deferred`] writes them at once, so a
/// long batch does not grow a large buffer.
pub const DEFERRED_LIMIT: usize = 64 * 1024;

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
    cache: HashMap<PathBuf, (Arc<[Spooled]>, u64)>,
    /// Bytes of lines behind the events in `cache` and in the active segment's copy.
    cached_bytes: u64,
}

#[derive(Debug)]
struct Active {
    path: PathBuf,
    file: File,
    /// Bytes written to the file.
    bytes: u64,
    /// Lines appended by [`Spool::append_deferred`] and not yet written, in order.
    unwritten: Vec<u8>,
    /// How many events `unwritten` holds.
    unwritten_events: u64,
    /// Every event written to this segment, in order; `None` when not kept (cache full, or a
    /// write failed part way).
    events: Option<Vec<Spooled>>,
}

/// Deferred lines that could not be written: the events they held are lost.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {lost} spooled events: {source}")]
pub struct WriteError {
    /// How many events the lines held.
    pub lost: u64,
    /// Why the write failed.
    #[source]
    pub source: io::Error,
}

/// One spooled event as a drain hands it to the store
/// ([`EventStore::insert_spooled`](super::EventStore::insert_spooled)).
#[derive(Debug, Clone)]
pub struct Spooled {
    /// The event, shared with whoever else holds it (the sink's subscribers).
    pub event: Arc<Event>,
    /// Its JSON as this process spooled it, `serde_json::to_string(&*event)` (the line without
    /// its newline): the store's payload, already encoded. `None` for an event read back from
    /// disk: the store encodes it.
    pub json: Option<Box<str>>,
}

impl Spooled {
    /// An event without its JSON: the store encodes it.
    pub fn new(event: Event) -> Spooled {
        Spooled {
            event: Arc::new(event),
            json: None,
        }
    }
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

    /// Appends a copy of one event: [`Spool::append_shared`] for an event not yet shared.
    pub fn append(&mut self, event: &Event) -> io::Result<()> {
        self.append_shared(&Arc::new(event.clone()))
    }

    /// Appends one event; the line goes straight to the OS (no userspace buffer left
    /// unflushed), with any deferred lines before it. Auto-seals when the active segment passes
    /// [`SEGMENT_LIMIT`]. The in-memory copy keeps `event` itself (one more reference) and its
    /// line.
    ///
    /// If the write fails the active segment is abandoned (sealed as it is): a partial line
    /// may end it, and the next append must not continue that line.
    pub fn append_shared(&mut self, event: &Arc<Event>) -> io::Result<()> {
        self.append_deferred(event)?;
        self.write_deferred().map_err(|err| err.source)
    }

    /// Appends one event to the active segment's deferred lines, written by the next
    /// [`Spool::write_deferred`], [`Spool::seal`] or append past [`DEFERRED_LIMIT`] bytes.
    /// It counts as pending at once. An error means the event was not appended (it cannot be
    /// encoded, or no segment can be created).
    pub fn append_deferred(&mut self, event: &Arc<Event>) -> io::Result<()> {
        // The same bytes as `serde_json::to_vec`, made as a String so the copy can keep them
        // as the store's payload without checking them again.
        let mut line = serde_json::to_string(&**event).map_err(io::Error::other)?;
        line.push('\n');
        if self
            .active
            .as_ref()
            .is_some_and(|active| active.unwritten.len() >= DEFERRED_LIMIT)
            && let Err(err) = self.write_deferred()
        {
            tracing::error!(lost = err.lost, error = %err.source, "Cannot spool events.");
        }
        let active = match self.active.take() {
            Some(active) => active,
            None => self.create_segment()?,
        };
        let active = self.active.insert(active);
        active.unwritten.extend_from_slice(line.as_bytes());
        active.unwritten_events += 1;
        if let Some(events) = &mut active.events {
            self.cached_bytes += line.len() as u64;
            line.pop();
            events.push(Spooled {
                event: event.clone(),
                json: Some(line.into_boxed_str()),
            });
        }
        self.pending += 1;
        Ok(())
    }

    /// Writes the deferred lines in one call; then auto-seals when the active segment passes
    /// [`SEGMENT_LIMIT`]. If the write fails the active segment is abandoned (sealed as it
    /// is, a partial line may end it), and its deferred events are lost and no longer pending.
    pub fn write_deferred(&mut self) -> Result<(), WriteError> {
        let Some(active) = self.active.as_mut() else {
            return Ok(());
        };
        if active.unwritten.is_empty() {
            return Ok(());
        }
        if let Err(source) = active.file.write_all(&active.unwritten) {
            let lost = active.unwritten_events;
            // Part of the lines may be in the file: its copy no longer matches it.
            if active.events.take().is_some() {
                let copied = active.bytes + active.unwritten.len() as u64;
                self.cached_bytes = self.cached_bytes.saturating_sub(copied);
            }
            self.pending = self.pending.saturating_sub(lost);
            self.active = None;
            return Err(WriteError { lost, source });
        }
        active.bytes += active.unwritten.len() as u64;
        active.unwritten.clear();
        active.unwritten_events = 0;
        if active.bytes >= SEGMENT_LIMIT {
            self.seal_written();
        }
        Ok(())
    }

    /// Writes the deferred lines and closes the active segment if it holds events; the next
    /// append starts a new one. An error means deferred events were lost (the segment is
    /// sealed all the same).
    pub fn seal(&mut self) -> io::Result<()> {
        let written = self.write_deferred();
        self.seal_written();
        written.map_err(|err| {
            tracing::error!(lost = err.lost, error = %err.source, "Cannot spool events.");
            err.source
        })
    }

    /// Closes the active segment, whose lines are all written.
    fn seal_written(&mut self) {
        // The active segment is created by an append, so it always holds at least one line.
        if let Some(active) = self.active.take()
            && let Some(events) = active.events
        {
            self.cache
                .insert(active.path, (events.into(), active.bytes));
        }
    }

    /// The events of sealed segment `segment` as this process wrote them, with their lines,
    /// if it kept a copy; `None`: read the file.
    pub fn cached(&self, segment: &Path) -> Option<Arc<[Spooled]>> {
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
                        unwritten: Vec::new(),
                        unwritten_events: 0,
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

impl Drop for Spool {
    /// Deferred lines still reach the file when the spool goes away.
    fn drop(&mut self) {
        if let Err(err) = self.write_deferred() {
            tracing::error!(lost = err.lost, error = %err.source, "Cannot spool events.");
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
        // A failed write loses only the deferred events (`seal` logged them); the sealed
        // segments drain as usual.
        if let Err(err) = spool.seal() {
            tracing::debug!(error = %err, "Draining without the events the spool could not write.");
        }
        spool.sealed().map_err(StoreError::Spool)?
    };
    let mut stored = 0;
    // Whether the store took any write in this drain: proof that a failure is the events' fault.
    let mut store_works = false;
    let mut suspects = Vec::new();
    let mut first_error = None;
    for segment in segments {
        let cached = lock(spool)?.cached(&segment);
        let events: Arc<[Spooled]> = match cached {
            Some(events) => events,
            None => match read_segment(&segment) {
                Ok(events) => events.into_iter().map(Spooled::new).collect(),
                // Another drain got there first.
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(StoreError::Spool(err)),
            },
        };
        match store.insert_spooled(events.clone()).await {
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
                for one in events.iter() {
                    match store.insert_spooled(Arc::from([one.clone()])).await {
                        Ok(new) => {
                            stored += new;
                            store_works = true;
                        }
                        Err(err) if err.is_unavailable() => return Err(err),
                        Err(_) => refused.push(Event::clone(&one.event)),
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
mod tests;
