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
//! | `cowrie.session.closed` | `duration` (string, seconds with one decimal), `duration_ms` (integer) | `Connection lost after {duration} seconds` |
//! | `mirage.session.restarted` | `reason` | `Session restarted from its last checkpoint: {reason}` |
//! | `mirage.alert` | `severity` (`info`/`warning`/`critical`), `rule` | the alert's own text |
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
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::config::LogConfig;
use crate::events::{Event, EventKind};

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
/// node loses nothing that [`JsonLog::write`] accepted.
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
        };
        log.last_rotation = log.rotated_files()?.last().map(|(time, _)| *time);
        Ok(log)
    }

    /// Writes one event as one line of Cowrie-compatible JSON, rotating first when the line
    /// would push the file past `max_bytes` or the file is older than `rotate_secs` (0 = never
    /// by age). `now` is a parameter so age rotation is testable without sleeping.
    ///
    /// A failed rotation is logged and the line is appended to the current file anyway: an
    /// oversized file is better than a lost event. An error means the line was not written.
    pub fn write(&mut self, event: &Event, now: DateTime<Utc>) -> io::Result<()> {
        let line = encode_line(&cowrie_json(event))?;
        if self.should_rotate(line.len() as u64, now) {
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
        }
        loop {
            match self.append(&line) {
                Ok(()) => break,
                Err(err) if err.kind() == io::ErrorKind::StorageFull => {
                    if !self.delete_oldest_for_space() {
                        return Err(err);
                    }
                }
                Err(err) => return Err(err),
            }
        }
        if self.started.is_none() {
            self.started = Some(now);
        }
        Ok(())
    }

    /// Flushes to the OS. Every line already reached the OS when it was written, so this only
    /// reports a pending error; it does not force the data to disk.
    pub fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    /// Whether a line of `len` bytes must go to a fresh file.
    fn should_rotate(&self, len: u64, now: DateTime<Utc>) -> bool {
        if self.size == 0 {
            return false;
        }
        let grown = self
            .size
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

/// The Cowrie-compatible JSON object for one event.
pub fn cowrie_json(event: &Event) -> Value {
    let src_ip = canonical(event.src_ip);
    let dst_ip = canonical(event.dst_ip);
    let mut object = Map::new();
    object.insert("eventid".into(), json!(event.kind.eventid()));
    object.insert(
        "timestamp".into(),
        json!(event.timestamp.format(TIMESTAMP_FORMAT).to_string()),
    );
    object.insert("session".into(), json!(event.session.0));
    object.insert("src_ip".into(), json!(src_ip.to_string()));
    object.insert("src_port".into(), json!(event.src_port));
    object.insert("dst_ip".into(), json!(dst_ip.to_string()));
    object.insert("dst_port".into(), json!(event.dst_port));
    object.insert("sensor".into(), json!(event.node));
    object.insert("protocol".into(), json!(event.protocol.as_str()));
    object.insert("uuid".into(), json!(event.id.to_string()));
    object.insert("mirage_schema".into(), json!(event.schema));

    let mut field = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    let message = match &event.kind {
        EventKind::SessionConnect => format!(
            "New connection: {src_ip}:{} ({dst_ip}:{}) [session: {}]",
            event.src_port, event.dst_port, event.session
        ),
        EventKind::ClientVersion { version } => {
            field("version", json!(version));
            format!("Remote SSH version: {version}")
        }
        EventKind::ClientKex(kex) => {
            field("hassh", json!(kex.hassh));
            field("hasshAlgorithms", json!(kex.hassh_algorithms));
            field("kexAlgs", json!(kex.kex_algs));
            field("keyAlgs", json!(kex.key_algs));
            field("encCS", json!(kex.enc_cs));
            field("macCS", json!(kex.mac_cs));
            field("compCS", json!(kex.comp_cs));
            field("langCS", json!(kex.lang_cs));
            format!("SSH client hassh fingerprint: {}", kex.hassh)
        }
        EventKind::LoginSuccess { username, password } => {
            field("username", json!(username));
            field("password", json!(password));
            format!("login attempt [{username}/{password}] succeeded")
        }
        EventKind::LoginFailed { username, password } => {
            field("username", json!(username));
            field("password", json!(password));
            format!("login attempt [{username}/{password}] failed")
        }
        EventKind::ClientFingerprint {
            username,
            fingerprint,
            key_type,
        } => {
            field("username", json!(username));
            field("fingerprint", json!(fingerprint));
            field("type", json!(key_type));
            format!(
                "public key attempt for user {username} of type {key_type} with fingerprint {fingerprint}"
            )
        }
        EventKind::ClientSize { width, height } => {
            field("width", json!(width));
            field("height", json!(height));
            format!("Terminal Size: {width} {height}")
        }
        EventKind::ClientVar { name, value } => {
            field("name", json!(name));
            field("value", json!(value));
            format!("request_env: {name}={value}")
        }
        EventKind::CommandInput { input } => {
            field("input", json!(input));
            format!("CMD: {input}")
        }
        EventKind::CommandFailed { input } => {
            field("input", json!(input));
            format!("Command not found: {input}")
        }
        EventKind::SessionRestarted { reason } => {
            field("reason", json!(reason));
            format!("Session restarted from its last checkpoint: {reason}")
        }
        EventKind::Alert {
            severity,
            rule,
            message,
        } => {
            field("severity", json!(severity));
            field("rule", json!(rule));
            message.clone()
        }
        EventKind::SessionClosed { duration_ms } => {
            let duration = seconds_with_tenths(*duration_ms);
            field("duration", json!(duration));
            field("duration_ms", json!(duration_ms));
            format!("Connection lost after {duration} seconds")
        }
    };
    object.insert("message".into(), Value::String(message));
    Value::Object(object)
}

/// An IPv4-mapped IPv6 address as plain IPv4, as Cowrie logs `src_ip`.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// Milliseconds as Cowrie 2.x's `duration`: seconds with one decimal (`f"{s:.1f}"`), rounded
/// half up in integers so no float rounding can differ between platforms.
fn seconds_with_tenths(ms: u64) -> String {
    let tenths = ms / 100 + u64::from(ms % 100 >= 50);
    format!("{}.{}", tenths / 10, tenths % 10)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{ClientKex, Protocol, SCHEMA_VERSION, SessionId, Severity};
    use chrono::TimeZone;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 2, 51, 3).unwrap() + TimeDelta::microseconds(123_456)
    }

    fn event_at(kind: EventKind, timestamp: DateTime<Utc>, n: u128) -> Event {
        Event {
            schema: SCHEMA_VERSION,
            id: Uuid::from_u128(n),
            node: "node-a".into(),
            session: SessionId("0123456789ab".into()),
            timestamp,
            protocol: Protocol::Ssh,
            src_ip: "203.0.113.7".parse().unwrap(),
            src_port: 50000,
            dst_ip: "192.0.2.1".parse().unwrap(),
            dst_port: 2222,
            kind,
        }
    }

    fn event(kind: EventKind) -> Event {
        event_at(kind, t0(), 7)
    }

    fn json_of(kind: EventKind) -> Value {
        cowrie_json(&event(kind))
    }

    fn command(n: usize) -> Event {
        event_at(
            EventKind::CommandInput {
                input: format!("echo {n:05}"),
            },
            t0(),
            n as u128,
        )
    }

    fn config(max_bytes: u64, rotate_secs: u64, keep: usize) -> LogConfig {
        LogConfig {
            enabled: true,
            max_bytes,
            rotate_secs,
            keep,
        }
    }

    /// The rotated files (oldest first) and then the current file.
    fn all_files(dir: &Path) -> Vec<PathBuf> {
        let mut rotated: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                rotated_time("mirage.json", p.file_name().unwrap().to_str().unwrap()).is_some()
            })
            .collect();
        rotated.sort();
        rotated.push(dir.join("mirage.json"));
        rotated
    }

    fn lines(path: &Path) -> Vec<Value> {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn inputs(dir: &Path) -> Vec<String> {
        all_files(dir)
            .iter()
            .flat_map(|p| lines(p))
            .map(|v| v["input"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_line_has_the_cowrie_envelope() {
        let v = json_of(EventKind::SessionConnect);
        assert_eq!(v["eventid"], "cowrie.session.connect");
        assert_eq!(v["timestamp"], "2026-11-21T02:51:03.123456Z");
        assert_eq!(v["session"], "0123456789ab");
        assert_eq!(v["src_ip"], "203.0.113.7");
        assert_eq!(v["src_port"], 50000);
        assert_eq!(v["dst_ip"], "192.0.2.1");
        assert_eq!(v["dst_port"], 2222);
        assert_eq!(v["sensor"], "node-a");
        assert_eq!(v["protocol"], "ssh");
        assert_eq!(v["uuid"], Uuid::from_u128(7).to_string());
        assert_eq!(v["mirage_schema"], SCHEMA_VERSION);
        assert_eq!(
            v["message"],
            "New connection: 203.0.113.7:50000 (192.0.2.1:2222) [session: 0123456789ab]"
        );
        assert_eq!(v.as_object().unwrap().len(), 12, "{v}");
    }

    #[test]
    fn http_events_and_mapped_addresses() {
        let mut e = event(EventKind::SessionConnect);
        e.protocol = Protocol::Http;
        e.src_ip = "::ffff:198.51.100.9".parse().unwrap();
        e.dst_ip = "2001:db8::1".parse().unwrap();
        let v = cowrie_json(&e);
        assert_eq!(v["protocol"], "http");
        assert_eq!(v["src_ip"], "198.51.100.9");
        assert_eq!(v["dst_ip"], "2001:db8::1");
        assert_eq!(
            v["message"],
            "New connection: 198.51.100.9:50000 (2001:db8::1:2222) [session: 0123456789ab]"
        );
    }

    #[test]
    fn timestamps_have_microseconds_and_z() {
        let whole = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let v = cowrie_json(&event_at(EventKind::SessionConnect, whole, 1));
        assert_eq!(v["timestamp"], "2026-01-02T03:04:05.000000Z");
        let nanos = whole + TimeDelta::nanoseconds(987_654_321);
        let v = cowrie_json(&event_at(EventKind::SessionConnect, nanos, 1));
        assert_eq!(v["timestamp"], "2026-01-02T03:04:05.987654Z");
    }

    #[test]
    fn client_version() {
        let v = json_of(EventKind::ClientVersion {
            version: "SSH-2.0-Go".into(),
        });
        assert_eq!(v["eventid"], "cowrie.client.version");
        assert_eq!(v["version"], "SSH-2.0-Go");
        assert_eq!(v["message"], "Remote SSH version: SSH-2.0-Go");
    }

    #[test]
    fn client_kex_carries_hassh() {
        let strings = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let v = json_of(EventKind::ClientKex(ClientKex {
            hassh: "ec7378c1a92f5a8dde7e8b7a1ddf33d1".into(),
            hassh_algorithms: "curve25519-sha256;aes128-ctr;hmac-sha2-256;none".into(),
            kex_algs: strings(&["curve25519-sha256", "ext-info-c"]),
            key_algs: strings(&["ssh-ed25519"]),
            enc_cs: strings(&["aes128-ctr"]),
            mac_cs: strings(&["hmac-sha2-256"]),
            comp_cs: strings(&["none"]),
            lang_cs: strings(&[""]),
        }));
        assert_eq!(v["eventid"], "cowrie.client.kex");
        assert_eq!(v["hassh"], "ec7378c1a92f5a8dde7e8b7a1ddf33d1");
        assert_eq!(
            v["hasshAlgorithms"],
            "curve25519-sha256;aes128-ctr;hmac-sha2-256;none"
        );
        assert_eq!(v["kexAlgs"], json!(["curve25519-sha256", "ext-info-c"]));
        assert_eq!(v["keyAlgs"], json!(["ssh-ed25519"]));
        assert_eq!(v["encCS"], json!(["aes128-ctr"]));
        assert_eq!(v["macCS"], json!(["hmac-sha2-256"]));
        assert_eq!(v["compCS"], json!(["none"]));
        assert_eq!(v["langCS"], json!([""]));
        assert_eq!(
            v["message"],
            "SSH client hassh fingerprint: ec7378c1a92f5a8dde7e8b7a1ddf33d1"
        );
    }

    #[test]
    fn logins() {
        let v = json_of(EventKind::LoginSuccess {
            username: "root".into(),
            password: "admin".into(),
        });
        assert_eq!(v["eventid"], "cowrie.login.success");
        assert_eq!(v["username"], "root");
        assert_eq!(v["password"], "admin");
        assert_eq!(v["message"], "login attempt [root/admin] succeeded");

        let v = json_of(EventKind::LoginFailed {
            username: "root".into(),
            password: "123456".into(),
        });
        assert_eq!(v["eventid"], "cowrie.login.failed");
        assert_eq!(v["username"], "root");
        assert_eq!(v["password"], "123456");
        assert_eq!(v["message"], "login attempt [root/123456] failed");
    }

    #[test]
    fn client_fingerprint() {
        let v = json_of(EventKind::ClientFingerprint {
            username: "git".into(),
            fingerprint: "SHA256:abc".into(),
            key_type: "ssh-ed25519".into(),
        });
        assert_eq!(v["eventid"], "cowrie.client.fingerprint");
        assert_eq!(v["username"], "git");
        assert_eq!(v["fingerprint"], "SHA256:abc");
        assert_eq!(v["type"], "ssh-ed25519");
        assert!(v.get("key").is_none(), "no key blob to log: {v}");
        assert_eq!(
            v["message"],
            "public key attempt for user git of type ssh-ed25519 with fingerprint SHA256:abc"
        );
    }

    #[test]
    fn client_size_and_var() {
        let v = json_of(EventKind::ClientSize {
            width: 80,
            height: 24,
        });
        assert_eq!(v["eventid"], "cowrie.client.size");
        assert_eq!(v["width"], 80);
        assert_eq!(v["height"], 24);
        assert_eq!(v["message"], "Terminal Size: 80 24");

        let v = json_of(EventKind::ClientVar {
            name: "LANG".into(),
            value: "C".into(),
        });
        assert_eq!(v["eventid"], "cowrie.client.var");
        assert_eq!(v["name"], "LANG");
        assert_eq!(v["value"], "C");
        assert_eq!(v["message"], "request_env: LANG=C");
    }

    #[test]
    fn commands() {
        let v = json_of(EventKind::CommandInput {
            input: "uname -a".into(),
        });
        assert_eq!(v["eventid"], "cowrie.command.input");
        assert_eq!(v["input"], "uname -a");
        assert_eq!(v["message"], "CMD: uname -a");

        let v = json_of(EventKind::CommandFailed {
            input: "foo --bar".into(),
        });
        assert_eq!(v["eventid"], "cowrie.command.failed");
        assert_eq!(v["input"], "foo --bar");
        assert_eq!(v["message"], "Command not found: foo --bar");
    }

    #[test]
    fn session_closed_has_duration_and_duration_ms() {
        let v = json_of(EventKind::SessionClosed {
            duration_ms: 12_345,
        });
        assert_eq!(v["eventid"], "cowrie.session.closed");
        assert_eq!(v["duration"], "12.3");
        assert_eq!(v["duration_ms"], 12_345);
        assert_eq!(v["message"], "Connection lost after 12.3 seconds");
        assert_eq!(seconds_with_tenths(0), "0.0");
        assert_eq!(seconds_with_tenths(49), "0.0");
        assert_eq!(seconds_with_tenths(50), "0.1");
        assert_eq!(seconds_with_tenths(120_000), "120.0");
        assert_eq!(seconds_with_tenths(u64::MAX), "18446744073709551.6");
    }

    #[test]
    fn mirage_only_kinds() {
        let v = json_of(EventKind::SessionRestarted {
            reason: "handler panicked".into(),
        });
        assert_eq!(v["eventid"], "mirage.session.restarted");
        assert_eq!(v["reason"], "handler panicked");
        assert_eq!(
            v["message"],
            "Session restarted from its last checkpoint: handler panicked"
        );

        let v = json_of(EventKind::Alert {
            severity: Severity::Critical,
            rule: "session_crash".into(),
            message: "session 0123456789ab crashed".into(),
        });
        assert_eq!(v["eventid"], "mirage.alert");
        assert_eq!(v["severity"], "critical");
        assert_eq!(v["rule"], "session_crash");
        assert_eq!(v["message"], "session 0123456789ab crashed");
    }

    #[test]
    fn lines_are_ascii_like_python_ensure_ascii() {
        let e = event(EventKind::CommandInput {
            input: "é😀\u{2028}\n\"\\\u{1b}".into(),
        });
        let line = encode_line(&cowrie_json(&e)).unwrap();
        let text = String::from_utf8(line).unwrap();
        assert!(text.is_ascii(), "{text}");
        assert!(
            text.contains(r#""input":"\u00e9\ud83d\ude00\u2028\n\"\\\u001b""#),
            "{text}"
        );
        assert_eq!(text.matches('\n').count(), 1);
    }

    #[test]
    fn size_rotation_keeps_every_event_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log").join("mirage.json");
        let line_len = encode_line(&cowrie_json(&command(0))).unwrap().len() as u64;
        let mut log = JsonLog::open(&path, &config(line_len * 3 + 10, 0, 100)).unwrap();
        for n in 0..20 {
            log.write(&command(n), t0()).unwrap();
        }
        log.flush().unwrap();
        let files = all_files(path.parent().unwrap());
        assert_eq!(files.len(), 7, "{files:?}"); // 6 full files of 3 lines, 2 lines in the current one
        for file in &files {
            assert!(fs::metadata(file).unwrap().len() <= line_len * 3 + 10);
        }
        let expected: Vec<String> = (0..20).map(|n| format!("echo {n:05}")).collect();
        assert_eq!(inputs(path.parent().unwrap()), expected);
    }

    #[test]
    fn a_line_larger_than_max_bytes_is_written_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let mut log = JsonLog::open(&path, &config(10, 0, 10)).unwrap();
        for n in 0..3 {
            log.write(&command(n), t0()).unwrap();
        }
        let files = all_files(dir.path());
        assert_eq!(files.len(), 3);
        for file in &files {
            assert_eq!(lines(file).len(), 1);
        }
        assert_eq!(
            inputs(dir.path()),
            ["echo 00000", "echo 00001", "echo 00002"]
        );
    }

    #[test]
    fn age_rotation_uses_the_given_clock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let mut log = JsonLog::open(&path, &config(1 << 20, 60, 10)).unwrap();
        log.write(&command(0), t0()).unwrap();
        log.write(&command(1), t0() + TimeDelta::seconds(59))
            .unwrap();
        assert_eq!(all_files(dir.path()).len(), 1);
        log.write(&command(2), t0() + TimeDelta::seconds(60))
            .unwrap();
        let files = all_files(dir.path());
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0].file_name().unwrap().to_str().unwrap(),
            "mirage.json.2026-11-21T02-52-03.123456Z"
        );
        assert_eq!(lines(&files[0]).len(), 2);
        // The fresh file's age counts from its first line.
        log.write(&command(3), t0() + TimeDelta::seconds(119))
            .unwrap();
        assert_eq!(all_files(dir.path()).len(), 2);
        log.write(&command(4), t0() + TimeDelta::seconds(120))
            .unwrap();
        assert_eq!(all_files(dir.path()).len(), 3);
        assert_eq!(inputs(dir.path()).len(), 5);
    }

    #[test]
    fn rotate_secs_zero_never_rotates_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let mut log = JsonLog::open(&path, &config(1 << 20, 0, 10)).unwrap();
        log.write(&command(0), t0()).unwrap();
        log.write(&command(1), t0() + TimeDelta::days(3650))
            .unwrap();
        assert_eq!(all_files(dir.path()).len(), 1);
    }

    #[test]
    fn keep_limit_deletes_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let mut log = JsonLog::open(&path, &config(1, 0, 2)).unwrap();
        for n in 0..6 {
            log.write(&command(n), t0() + TimeDelta::seconds(n as i64))
                .unwrap();
        }
        let files = all_files(dir.path());
        assert_eq!(files.len(), 3, "two rotated and the current one: {files:?}");
        assert_eq!(
            inputs(dir.path()),
            ["echo 00003", "echo 00004", "echo 00005"]
        );
    }

    #[test]
    fn keep_zero_keeps_no_rotated_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let mut log = JsonLog::open(&path, &config(1, 0, 0)).unwrap();
        for n in 0..4 {
            log.write(&command(n), t0()).unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(inputs(dir.path()), ["echo 00003"]);
    }

    #[test]
    fn other_files_are_never_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let others = [
            "mirage.json.gz",
            "mirage.json.2020-01-01T00-00-00.000000Z.gz",
            "mirage.json.2020-01-01T00:00:00.000000Z",
            "other.json.2020-01-01T00-00-00.000000Z",
            "mirage.json.2020-13-01T00-00-00.000000Z",
        ];
        for name in others {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let mut log = JsonLog::open(&path, &config(1, 0, 0)).unwrap();
        for n in 0..3 {
            log.write(&command(n), t0()).unwrap();
        }
        for name in others {
            assert!(dir.path().join(name).exists(), "{name} was deleted");
        }
    }

    #[test]
    fn same_instant_rotations_get_distinct_sorted_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let mut log = JsonLog::open(&path, &config(1, 0, 100)).unwrap();
        for n in 0..5 {
            log.write(&command(n), t0()).unwrap();
        }
        // The clock steps back: names still sort after the earlier ones.
        for n in 5..8 {
            log.write(&command(n), t0() - TimeDelta::hours(1)).unwrap();
        }
        drop(log);
        // And across a restart.
        let mut log = JsonLog::open(&path, &config(1, 0, 100)).unwrap();
        log.write(&command(8), t0() - TimeDelta::hours(2)).unwrap();
        let files = all_files(dir.path());
        assert_eq!(files.len(), 9);
        let names: Vec<&str> = files[..8]
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names[0], "mirage.json.2026-11-21T02-51-03.123456Z");
        assert_eq!(names[7], "mirage.json.2026-11-21T02-51-03.123463Z");
        let expected: Vec<String> = (0..9).map(|n| format!("echo {n:05}")).collect();
        assert_eq!(inputs(dir.path()), expected);
    }

    #[test]
    fn reopen_appends_and_keeps_the_age() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        let cfg = config(1 << 20, 60, 10);
        let mut log = JsonLog::open(&path, &cfg).unwrap();
        log.write(
            &event_at(EventKind::CommandInput { input: "a".into() }, t0(), 1),
            t0(),
        )
        .unwrap();
        log.write(
            &event_at(EventKind::CommandInput { input: "b".into() }, t0(), 2),
            t0(),
        )
        .unwrap();
        drop(log);
        let mut log = JsonLog::open(&path, &cfg).unwrap();
        let later = t0() + TimeDelta::seconds(30);
        log.write(
            &event_at(EventKind::CommandInput { input: "c".into() }, later, 3),
            later,
        )
        .unwrap();
        assert_eq!(lines(&path).len(), 3);
        drop(log);
        // The age comes from the first line, not from the restart.
        let mut log = JsonLog::open(&path, &cfg).unwrap();
        let late = t0() + TimeDelta::seconds(61);
        log.write(
            &event_at(EventKind::CommandInput { input: "d".into() }, late, 4),
            late,
        )
        .unwrap();
        assert_eq!(all_files(dir.path()).len(), 2);
        assert_eq!(inputs(dir.path()), ["a", "b", "c", "d"]);
    }

    #[test]
    fn a_torn_last_line_does_not_swallow_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.json");
        fs::write(&path, "{\"eventid\":\"cowrie.comm").unwrap();
        let mut log = JsonLog::open(&path, &config(1 << 20, 0, 10)).unwrap();
        log.write(&command(1), t0()).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let last = text.lines().last().unwrap();
        let v: Value = serde_json::from_str(last).unwrap();
        assert_eq!(v["input"], "echo 00001");
        assert_eq!(text.lines().count(), 2);
    }

    #[test]
    fn rotated_names_parse_only_when_exact() {
        let t = rotated_time("mirage.json", "mirage.json.2026-11-21T02-51-03.123456Z").unwrap();
        assert_eq!(t, t0());
        assert!(rotated_time("mirage.json", "mirage.json.2026-11-21T02-51-03.12345Z").is_none());
        assert!(rotated_time("mirage.json", "mirage.json2026-11-21T02-51-03.123456Z").is_none());
        assert!(
            rotated_time("mirage.json", "mirage.json.2026-11-21T02-51-03.123456Z.gz").is_none()
        );
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\"\\\\\n\r\t\u{0}\u{7}\u{1b}\u{7f}\u{85}\u{2028}\u{2029}\u{feff}\u{fffd}\u{10ffff}a/😀é]{0,24}",
        ]
    }

    fn kind() -> impl Strategy<Value = EventKind> {
        prop_oneof![
            Just(EventKind::SessionConnect),
            text().prop_map(|version| EventKind::ClientVersion { version }),
            (text(), text(), prop::collection::vec(text(), 0..4)).prop_map(|(h, a, list)| {
                EventKind::ClientKex(ClientKex {
                    hassh: h,
                    hassh_algorithms: a,
                    kex_algs: list.clone(),
                    key_algs: list.clone(),
                    enc_cs: list.clone(),
                    mac_cs: list.clone(),
                    comp_cs: list.clone(),
                    lang_cs: list,
                })
            }),
            (text(), text())
                .prop_map(|(username, password)| EventKind::LoginSuccess { username, password }),
            (text(), text())
                .prop_map(|(username, password)| EventKind::LoginFailed { username, password }),
            (text(), text(), text()).prop_map(|(username, fingerprint, key_type)| {
                EventKind::ClientFingerprint {
                    username,
                    fingerprint,
                    key_type,
                }
            }),
            (any::<u32>(), any::<u32>())
                .prop_map(|(width, height)| EventKind::ClientSize { width, height }),
            (text(), text()).prop_map(|(name, value)| EventKind::ClientVar { name, value }),
            text().prop_map(|input| EventKind::CommandInput { input }),
            text().prop_map(|input| EventKind::CommandFailed { input }),
            text().prop_map(|reason| EventKind::SessionRestarted { reason }),
            (text(), text()).prop_map(|(rule, message)| EventKind::Alert {
                severity: Severity::Warning,
                rule,
                message
            }),
            any::<u64>().prop_map(|duration_ms| EventKind::SessionClosed { duration_ms }),
        ]
    }

    proptest! {
        #[test]
        fn any_event_is_one_line_of_json_that_round_trips(
            kind in kind(),
            node in text(),
            session in text(),
            micros in 0i64..4_102_444_800_000_000,
        ) {
            let mut e = event(kind);
            e.node = node;
            e.session = SessionId(session);
            e.timestamp = DateTime::from_timestamp_micros(micros).unwrap();
            let line = encode_line(&cowrie_json(&e)).unwrap();
            prop_assert!(line.is_ascii());
            prop_assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
            prop_assert_eq!(line.last(), Some(&b'\n'));
            prop_assert!(!line.contains(&b'\r'));
            let v: Value = serde_json::from_slice(&line).unwrap();
            prop_assert_eq!(&v, &cowrie_json(&e));
            prop_assert_eq!(&v["eventid"], e.kind.eventid());
            prop_assert_eq!(&v["sensor"], e.node.as_str());
            prop_assert_eq!(&v["session"], e.session.0.as_str());
            let stamp = DateTime::parse_from_rfc3339(v["timestamp"].as_str().unwrap()).unwrap();
            prop_assert_eq!(stamp, e.timestamp);
            let s = |key: &str| v[key].as_str().unwrap().to_owned();
            match &e.kind {
                EventKind::SessionConnect => {}
                EventKind::ClientVersion { version } => {
                    prop_assert_eq!(&s("version"), version);
                    prop_assert_eq!(s("message"), format!("Remote SSH version: {version}"));
                }
                EventKind::ClientKex(kex) => {
                    prop_assert_eq!(&s("hassh"), &kex.hassh);
                    prop_assert_eq!(&s("hasshAlgorithms"), &kex.hassh_algorithms);
                    for key in ["kexAlgs", "keyAlgs", "encCS", "macCS", "compCS", "langCS"] {
                        prop_assert_eq!(&v[key], &json!(kex.kex_algs));
                    }
                }
                EventKind::LoginSuccess { username, password }
                | EventKind::LoginFailed { username, password } => {
                    prop_assert_eq!(&s("username"), username);
                    prop_assert_eq!(&s("password"), password);
                    let prefix = format!("login attempt [{username}/{password}] ");
                    prop_assert!(s("message").starts_with(&prefix));
                }
                EventKind::ClientFingerprint { username, fingerprint, key_type } => {
                    prop_assert_eq!(&s("username"), username);
                    prop_assert_eq!(&s("fingerprint"), fingerprint);
                    prop_assert_eq!(&s("type"), key_type);
                }
                EventKind::ClientSize { width, height } => {
                    prop_assert_eq!(&v["width"], &json!(width));
                    prop_assert_eq!(&v["height"], &json!(height));
                }
                EventKind::ClientVar { name, value } => {
                    prop_assert_eq!(&s("name"), name);
                    prop_assert_eq!(&s("value"), value);
                    prop_assert_eq!(s("message"), format!("request_env: {name}={value}"));
                }
                EventKind::CommandInput { input } => {
                    prop_assert_eq!(&s("input"), input);
                    prop_assert_eq!(s("message"), format!("CMD: {input}"));
                }
                EventKind::CommandFailed { input } => {
                    prop_assert_eq!(&s("input"), input);
                }
                EventKind::SessionRestarted { reason } => {
                    prop_assert_eq!(&s("reason"), reason);
                }
                EventKind::Alert { rule, message, .. } => {
                    prop_assert_eq!(&s("rule"), rule);
                    prop_assert_eq!(&s("message"), message);
                    prop_assert_eq!(s("severity"), "warning");
                }
                EventKind::SessionClosed { duration_ms } => {
                    prop_assert_eq!(&v["duration_ms"], &json!(duration_ms));
                }
            }
        }
    }
}
