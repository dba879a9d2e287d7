//! The Cowrie-compatible JSON log with size and time rotation.
//!
//! [`JsonLog`] appends one line of JSON per [`Event`] to `<data_dir>/log/mirage.json`, shaped by
//! [`cowrie_json`] so that pipelines built for Cowrie's `cowrie.json` (ELK, Splunk, T-Pot) ingest
//! it unchanged.
//!
//! # The line
//!
//! Every line carries Cowrie's envelope: `eventid`, `timestamp` (UTC, `%Y-%m-%dT%H:%M:%S.%fZ`
//! with microseconds, as Cowrie's default `timeFormat`), `session`, `src_ip`, `src_port`,
//! `dst_ip`, `dst_port`, `sensor` (the node), `protocol` (`ssh` or `http`) and `message`, the
//! human-readable text Cowrie renders from the event's format string. Mirage adds `uuid` (the
//! event's id) and `mirage_schema` (the event schema version). IPv4-mapped IPv6 addresses are
//! written as plain IPv4, as Cowrie does for `src_ip`.
//!
//! | `eventid` | fields | `message` |
//! |---|---|---|
//! | `cowrie.session.connect` | — | `New connection: {src_ip}:{src_port} ({dst_ip}:{dst_port}) [session: {session}]` |
//! | `cowrie.client.version` | `version` | `Remote SSH version: {version}` |
//! | `cowrie.client.kex` | `hassh`, `hasshAlgorithms`, `kexAlgs`, `keyAlgs`, `encCS`, `macCS`, `compCS`, `langCS` (lists of strings) | `SSH client hassh fingerprint: {hassh}` |
//! | `cowrie.login.success` | `username`, `password` | `login attempt [{username}/{password}] succeeded` |
//! | `cowrie.login.failed` | `username`, `password` | `login attempt [{username}/{password}] failed` |
//! | `cowrie.client.fingerprint` | `username`, `fingerprint`, `type` | `public key attempt for user {username} of type {type} with fingerprint {fingerprint}` |
//! | `cowrie.client.size` | `width`, `height` | `Terminal Size: {width} {height}` |
//! | `cowrie.client.var` | `name`, `value` | `request_env: {name}={value}` |
//! | `cowrie.command.input` | `input` | `CMD: {input}` |
//! | `cowrie.command.failed` | `input` | `Command not found: {input}` |
//! | `cowrie.session.file_download` | `url`, `outfile`, `shasum`, `destfile` (= `outfile`: the file's path on the fake host; nothing is stored elsewhere) | `Downloaded URL ({url}) with SHA-256 {shasum} to {outfile}` |
//! | `cowrie.session.file_upload` | `filename`, `destfile` (path on the fake host), `outfile` (`uploads/<sha256>` under the data directory), `shasum`, `size`, `transfer` (`scp`/`sftp`) | `{SCP or SFTP} Uploaded file "{filename}" to {outfile}` |
//! | `cowrie.direct-tcpip.request` | `dst_ip`, `dst_port` (the target asked for), `src_ip`, `src_port` (the originator the client reported), as Cowrie logs them | `direct-tcp connection request to {dst_ip}:{dst_port} from {src_ip}:{src_port}` |
//! | `cowrie.direct-tcpip.data` | `dst_ip`, `dst_port` (the target), `data` (Python bytes `repr`) | `direct-tcp forward to {dst_ip}:{dst_port} with data {data}` |
//! | `mirage.tcpip-forward.request` | `address`, `port` | `tcpip-forward request for {address}:{port} refused` |
//! | `cowrie.session.closed` | `duration` (string, seconds with one decimal), `duration_ms` (integer) | `Connection lost after {duration} seconds` |
//! | `mirage.session.restarted` | `reason` | `Session restarted from its last checkpoint: {reason}` |
//! | `mirage.alert` | `severity` (`info`/`warning`/`critical`), `rule` | the alert's own text |
//! | `mirage.reflex` | `rule` (`http_rate_limit`, `http_login_lockout`), `action` (`503`, `lockout 1200s`), `detail` | `Reflex {rule} acting on {src_ip}: {action} ({detail})` |
//! | `mirage.persona` | `command`, `source` (`model`, `cache`, `fallback`), `reason` (`timeout`, `error`, `rejected`, `budget`; empty unless `fallback`) | `Persona answered {command} from {source}` |
//! | `mirage.classification` | `class` (`malware_dropper`, …), `rule` (`R5`, or the model set's version), `source` (`rules` or `tree`), `confidence` (0…1, only from the trained model), `phase` (`recon`, `download_execute`, …, when known) | `Session classified as {class} ({source} {rule})`, with `, {confidence}` from the model |
//! | `mirage.prediction` | `predicted` (list of `{command, probability}`, the guesses made before the command came, most likely first, at most 3), `actual` (the command that came), `hit_top1`, `hit_top3` (booleans), `model` (model set version); commands normalized (`wget <URL>`) | `Prediction {top-1 hit, top-3 hit or miss}: expected {first guess or nothing}, got {actual}` |
//!
//! Where Cowrie versions differ we follow Cowrie 2.x, which existing dashboards were built on,
//! and add the 3.x field beside it: `cowrie.session.closed` has 2.x's string `duration` *and*
//! 3.x's integer `duration_ms`. Cowrie's `cowrie.client.fingerprint` also carries `key`, the
//! whole public key in OpenSSH form; Mirage records only the fingerprint, so `key` is left out
//! rather than filled with something that is not a key. Cowrie's own `uuid` is the sensor's
//! configured id; Mirage's is the event's id (the sensor is named by `sensor`).
//!
//! Lines are pure ASCII, like Python's `json.dump` default (`ensure_ascii`): everything else is
//! written as `\uXXXX` escapes, so no byte an attacker sends (newline, U+2028, NEL, invalid
//! terminal bytes) can split or garble a line, whatever tool splits the file.
//!
//! # Rotation
//!
//! Before a line is written, the file is rotated if the line would push it past
//! `log.max_bytes`, or if it is older than `log.rotate_secs` (0: never by age). The age of a
//! file counts from its first line's `timestamp`, so a restart does not make an old file young
//! (falling back to the file's modification time when the first line cannot be read). An empty
//! file is never rotated, so an idle node makes no empty files, and a single line larger than
//! `max_bytes` is still written, alone in a fresh file: nothing is lost.
//!
//! Rotating renames `mirage.json` to `mirage.json.2026-11-21T02-51-03.123456Z` beside it (the
//! UTC time of the rotation, with `-` for `:` so the name is valid everywhere) and starts a
//! fresh file. The names are fixed-width, so sorting them by name sorts them by time; a name is
//! never reused and never sorts before an older one, even for two rotations in the same
//! microsecond or a clock stepped back (the time is then moved on by a microsecond). Then all
//! but the newest `log.keep` rotated files are deleted (`keep = 0` keeps none). Only files
//! named exactly like that are ever counted or deleted; an operator's `mirage.json.gz` is safe.
//! When the disk is full, rotated files are deleted oldest first until the line fits.
//!
//! One process writes a log file; two `JsonLog`s on the same path would race when rotating.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::config::LogConfig;
use crate::events::Event;

/// The `timestamp` format of every line: Cowrie's default, UTC with microseconds.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The time in a rotated file's name: like [`TIMESTAMP_FORMAT`] with `-` for `:`.
const ROTATED_FORMAT: &str = "%Y-%m-%dT%H-%M-%S%.6fZ";

/// Length of a name made with [`ROTATED_FORMAT`] for years 0 to 9999, e.g.
/// `2026-11-21T02-51-03.123456Z`.
const ROTATED_LEN: usize = 27;

/// How much of an existing file's first line is read to learn its age. A longer first line
/// (a huge pasted command) falls back to the modification time.
const FIRST_LINE_CAP: u64 = 1 << 20;

/// How many later names are tried when a rotated name is already taken by someone else.
const NAME_ATTEMPTS: u32 = 1000;

/// The JSON log writer.
///
/// Each line goes to the OS in one `write` call as soon as it is made, so a crash of the
/// node loses nothing that [`JsonLog::write`] accepted. The sink defers a batch of lines
/// ([`JsonLog::write_deferred`]) and writes them with one call ([`JsonLog::write_buffered`])
/// once its mailbox is empty.
#[derive(Debug)]
pub struct JsonLog {
    /// The current file, e.g. `<data_dir>/log/mirage.json`.
    path: PathBuf,
    /// The directory holding `path` and its rotated siblings.
    dir: PathBuf,
    /// The file name of `path`; rotated files are named `<name>.<time>`.
    name: String,
    /// The open current file (read for inspection, append for writing).
    file: File,
    /// Bytes in the current file.
    size: u64,
    /// When the current file got its first line; `None` while it is empty.
    started: Option<DateTime<Utc>>,
    /// The file does not end with a newline (a torn last line); the next line starts with one.
    needs_newline: bool,
    /// `log.max_bytes`.
    max_bytes: u64,
    /// `log.rotate_secs`, `None` for never.
    max_age: Option<TimeDelta>,
    /// `log.keep`.
    keep: usize,
    /// The time in the newest rotated name, so the next name sorts after it.
    last_rotation: Option<DateTime<Utc>>,
    /// `file` was renamed away but no fresh file could be opened yet: the next rotation only
    /// opens one.
    detached: bool,
    /// The last rotation attempt failed; warn once per streak, not once per line.
    rotation_failing: bool,
    /// Lines deferred by [`JsonLog::write_deferred`], not yet written to `file`.
    unwritten: Vec<u8>,
}

/// Bytes of deferred lines past which [`JsonLog::write_deferred`] writes them at once.
const DEFERRED_LIMIT: usize = 64 * 1024;

impl Drop for JsonLog {
    /// Deferred lines still reach the file when the log goes away.
    fn drop(&mut self) {
        if let Err(err) = self.write_buffered() {
            tracing::warn!(error = %err, "Cannot write the JSON log.");
        }
    }
}

/// What an opened file already holds.
struct FileState {
    size: u64,
    started: Option<DateTime<Utc>>,
    needs_newline: bool,
}

impl JsonLog {
    /// Opens the log at `path` for appending, creating parent directories. An existing file is
    /// never truncated; its age counts from its first line's `timestamp` (or, if that cannot be
    /// read, its modification time). `config.enabled` is the caller's business: this always
    /// opens. The file name must be valid UTF-8.
    pub fn open(path: &Path, config: &LogConfig) -> io::Result<JsonLog> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("log path {} has no UTF-8 file name", path.display()),
                )
            })?
            .to_owned();
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let mut file = open_append(path)?;
        let state = inspect(&mut file)?;
        let mut log = JsonLog {
            path: path.to_owned(),
            dir,
            name,
            file,
            size: state.size,
            started: state.started,
            needs_newline: state.needs_newline,
            max_bytes: config.max_bytes,
            max_age: i64::try_from(config.rotate_secs)
                .ok()
                .filter(|secs| *secs > 0)
                .and_then(TimeDelta::try_seconds),
            keep: config.keep,
            last_rotation: None,
            detached: false,
            rotation_failing: false,
            unwritten: Vec::new(),
        };
        log.last_rotation = log.rotated_files()?.last().map(|(time, _)| *time);
        Ok(log)
    }

    /// Writes one event as one line of Cowrie-compatible JSON, rotating first when the line
    /// would push the file past `max_bytes` or the file is older than `rotate_secs` (0 = never
    /// by age). `now` is a parameter so age rotation is testable without sleeping. Deferred
    /// lines are written before it.
    ///
    /// A failed rotation is logged and the line is appended to the current file anyway: an
    /// oversized file is better than a lost event. An error means the line was not written.
    pub fn write(&mut self, event: &Event, now: DateTime<Utc>) -> io::Result<()> {
        self.write_deferred(event, now)?;
        self.write_buffered()
    }

    /// Makes `event`'s line as [`JsonLog::write`] does and keeps it for the next
    /// [`JsonLog::write_buffered`] (or [`JsonLog::flush`]); lines deferred before a rotation
    /// are written to the file they belong to first, and past [`DEFERRED_LIMIT`] bytes they
    /// are written at once. An error means those earlier lines could not be written, and
    /// this one was dropped with them.
    pub fn write_deferred(&mut self, event: &Event, now: DateTime<Utc>) -> io::Result<()> {
        let line = match fast::encode(event) {
            Some(line) => line?,
            None => encode_line(&cowrie_json(event))?,
        };
        if self.should_rotate(line.len() as u64, now) {
            self.write_buffered()?;
            match self.rotate(now) {
                Ok(()) => {
                    if self.rotation_failing {
                        tracing::info!(path = %self.path.display(), "JSON log rotates again.");
                    }
                    self.rotation_failing = false;
                }
                Err(err) => {
                    if !self.rotation_failing {
                        tracing::warn!(
                            path = %self.path.display(),
                            error = %err,
                            "Cannot rotate the JSON log; appending to the current file."
                        );
                    }
                    self.rotation_failing = true;
                }
            }
        } else if self.unwritten.len() >= DEFERRED_LIMIT {
            self.write_buffered()?;
        }
        self.unwritten.extend_from_slice(&line);
        if self.started.is_none() {
            self.started = Some(now);
        }
        Ok(())
    }

    /// Writes the deferred lines in one call. On a full disk the oldest rotated file is
    /// deleted and the write tried again. An error means the deferred lines were not written
    /// (they are dropped: a torn write is never continued).
    pub fn write_buffered(&mut self) -> io::Result<()> {
        if self.unwritten.is_empty() {
            return Ok(());
        }
        let lines = std::mem::take(&mut self.unwritten);
        let result = loop {
            match self.append(&lines) {
                Ok(()) => break Ok(()),
                Err(err) if err.kind() == io::ErrorKind::StorageFull => {
                    if !self.delete_oldest_for_space() {
                        break Err(err);
                    }
                }
                Err(err) => break Err(err),
            }
        };
        // The buffer's memory serves the next batch.
        self.unwritten = lines;
        self.unwritten.clear();
        result
    }

    /// Writes the deferred lines and flushes to the OS. Every line already reached the OS
    /// when it was written, so this does not force the data to disk.
    pub fn flush(&mut self) -> io::Result<()> {
        self.write_buffered()?;
        self.file.flush()
    }

    /// Whether a line of `len` bytes must go to a fresh file.
    fn should_rotate(&self, len: u64, now: DateTime<Utc>) -> bool {
        let size = self.size.saturating_add(self.unwritten.len() as u64);
        if size == 0 {
            return false;
        }
        let grown = size
            .saturating_add(len)
            .saturating_add(u64::from(self.needs_newline));
        let too_old = match (self.max_age, self.started) {
            (Some(max_age), Some(started)) => now.signed_duration_since(started) >= max_age,
            _ => false,
        };
        grown > self.max_bytes || too_old
    }

    /// Renames the current file to its rotated name, deletes the rotated files beyond `keep`
    /// and opens a fresh current file.
    fn rotate(&mut self, now: DateTime<Utc>) -> io::Result<()> {
        if !self.detached {
            let (time, target) = self.next_rotated_path(now)?;
            fs::rename(&self.path, &target)?;
            self.last_rotation = Some(time);
            self.detached = true;
            self.prune();
        }
        let mut file = open_append(&self.path)?;
        let state = inspect(&mut file)?;
        self.file = file;
        self.size = state.size;
        self.started = state.started;
        self.needs_newline = state.needs_newline;
        self.detached = false;
        Ok(())
    }

    /// A free rotated name for a rotation at `now` that sorts after every earlier one.
    fn next_rotated_path(&self, now: DateTime<Utc>) -> io::Result<(DateTime<Utc>, PathBuf)> {
        let step = TimeDelta::microseconds(1);
        let mut time = now.trunc_subsecs(6);
        if let Some(last) = self.last_rotation
            && time <= last
        {
            time = last.checked_add_signed(step).unwrap_or(time);
        }
        for _ in 0..NAME_ATTEMPTS {
            let candidate = self
                .dir
                .join(format!("{}.{}", self.name, time.format(ROTATED_FORMAT)));
            match fs::symlink_metadata(&candidate) {
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok((time, candidate)),
                Err(err) => return Err(err),
                Ok(_) => {}
            }
            time = time.checked_add_signed(step).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "rotation time out of range")
            })?;
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free name for the rotated log",
        ))
    }

    /// The rotated siblings of the current file, oldest first.
    fn rotated_files(&self) -> io::Result<Vec<(DateTime<Utc>, PathBuf)>> {
        let mut found = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let file_name = entry.file_name();
            let Some(time) = file_name.to_str().and_then(|n| rotated_time(&self.name, n)) else {
                continue;
            };
            found.push((time, entry.path()));
        }
        found.sort();
        Ok(found)
    }

    /// Deletes the oldest rotated files until at most `keep` remain. Failures are logged: a
    /// rotated file that cannot be deleted must not stop logging.
    fn prune(&mut self) {
        let files = match self.rotated_files() {
            Ok(files) => files,
            Err(err) => {
                tracing::warn!(dir = %self.dir.display(), error = %err, "Cannot list rotated JSON logs.");
                return;
            }
        };
        let excess = files.len().saturating_sub(self.keep);
        for (_, path) in files.into_iter().take(excess) {
            if let Err(err) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %err, "Cannot delete a rotated JSON log.");
            }
        }
    }

    /// Deletes the oldest rotated file to make room; false when there is none left to delete.
    fn delete_oldest_for_space(&mut self) -> bool {
        let Ok(files) = self.rotated_files() else {
            return false;
        };
        for (_, path) in files {
            if fs::remove_file(&path).is_ok() {
                tracing::warn!(path = %path.display(), "Disk full; deleted the oldest rotated JSON log.");
                return true;
            }
        }
        false
    }

    /// Appends `line` in one write, after a newline if the file ends in a torn line.
    fn append(&mut self, line: &[u8]) -> io::Result<()> {
        let result = if self.needs_newline {
            let mut data = Vec::with_capacity(line.len() + 1);
            data.push(b'\n');
            data.extend_from_slice(line);
            self.file.write_all(&data).map(|()| data.len())
        } else {
            self.file.write_all(line).map(|()| line.len())
        };
        match result {
            Ok(written) => {
                self.size = self.size.saturating_add(written as u64);
                self.needs_newline = false;
                Ok(())
            }
            Err(err) => {
                // Part of the line may have reached the file: learn what it ends with, so the
                // retry or the next line starts on a line of its own.
                if let Ok(state) = inspect_tail(&mut self.file) {
                    self.size = state.0;
                    self.needs_newline = state.1;
                }
                Err(err)
            }
        }
    }
}

/// `value` as one line of ASCII JSON, newline included.
fn encode_line(value: &Value) -> io::Result<Vec<u8>> {
    let mut line = Vec::with_capacity(256);
    let mut serializer = serde_json::Serializer::with_formatter(&mut line, AsciiFormatter);
    value.serialize(&mut serializer).map_err(io::Error::from)?;
    line.push(b'\n');
    Ok(line)
}

/// Compact JSON with every non-ASCII character escaped as `\uXXXX`, like Python's `json.dump`
/// with its default `ensure_ascii=True`. serde_json already escapes the control characters.
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let bytes = fragment.as_bytes();
        // Nearly every fragment is plain ASCII: checked a word at a time, written as it is.
        if bytes.is_ascii() {
            return writer.write_all(bytes);
        }
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            writer.write_all(bytes.get(start..at).unwrap_or_default())?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = at + c.len_utf8();
        }
        writer.write_all(bytes.get(start..).unwrap_or_default())
    }
}

/// The time in `file_name` if it is `<name>.<ROTATED_FORMAT time>` exactly.
fn rotated_time(name: &str, file_name: &str) -> Option<DateTime<Utc>> {
    let stamp = file_name.strip_prefix(name)?.strip_prefix('.')?;
    if stamp.len() != ROTATED_LEN {
        return None;
    }
    let time = NaiveDateTime::parse_from_str(stamp, ROTATED_FORMAT)
        .ok()?
        .and_utc();
    // Only our own canonical spelling counts, so nothing else is ever deleted.
    (time.format(ROTATED_FORMAT).to_string() == stamp).then_some(time)
}

/// Opens `path` for appending (and reading, to inspect it), creating it if needed.
fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
}

/// What an opened log file holds: size, first line's time, whether it ends in a torn line.
fn inspect(file: &mut File) -> io::Result<FileState> {
    let (size, needs_newline) = inspect_tail(file)?;
    if size == 0 {
        return Ok(FileState {
            size,
            started: None,
            needs_newline,
        });
    }
    let started = first_line_time(file)
        .or_else(|| {
            file.metadata()
                .ok()?
                .modified()
                .ok()
                .map(DateTime::<Utc>::from)
        })
        .unwrap_or_else(Utc::now);
    Ok(FileState {
        size,
        started: Some(started),
        needs_newline,
    })
}

/// The file's size and whether it is non-empty without a final newline.
fn inspect_tail(file: &mut File) -> io::Result<(u64, bool)> {
    let size = file.metadata()?.len();
    if size == 0 {
        return Ok((0, false));
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok((size, last[0] != b'\n'))
}

/// The `timestamp` of the file's first line, if it is a readable log line.
fn first_line_time(file: &mut File) -> Option<DateTime<Utc>> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut line = Vec::new();
    BufReader::new(Read::by_ref(file).take(FIRST_LINE_CAP))
        .read_until(b'\n', &mut line)
        .ok()?;
    let value: Value = serde_json::from_slice(&line).ok()?;
    let text = value.get("timestamp")?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

mod cowrie;
mod fast;
#[cfg(test)]
mod tests;

pub use cowrie::cowrie_json;
#[cfg(test)]
use cowrie::seconds_with_tenths;
