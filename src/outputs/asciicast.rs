//! Session recordings in asciicast v2, the format `asciinema play` and `asciinema cat` read.
//!
//! One file per session: a JSON header line (terminal size, start time, `TERM`), then one JSON
//! array per event, `[seconds, "o" | "i" | "r", text]`: terminal output, attacker input, and
//! resizes. Event text must be valid UTF-8, so a multi-byte character split across two writes
//! is held back until it is complete; bytes that can never be UTF-8 become U+FFFD. A recording
//! stops growing at `max_bytes` and says so in a final marker event, so an attacker flooding the
//! terminal cannot fill the disk.
//!
//! A session may sit idle for hours, so a [`Recorder`] holds no open file: it keeps the lines
//! not yet written in a small buffer and appends them to the file (opened for that write only)
//! when the buffer passes [`FLUSH_BYTES`], when its owner calls [`Recorder::flush`] (the session
//! does so shortly after it last recorded something) and at the end. The file is valid asciicast
//! after every flush.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A finished recording, for the `cowrie.log.closed` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Whether it stopped at the size limit.
    pub truncated: bool,
}

/// Buffered lines that make the recorder write them out at once.
pub const FLUSH_BYTES: usize = 8 * 1024;

/// The end of the event that closes a recording cut at its size limit, after its time.
const MARKER_TAIL: &str = r#","m","recording truncated at size limit"]"#;

/// Writes one session's recording.
pub struct Recorder {
    path: PathBuf,
    /// Whole lines not yet in the file.
    buffer: Vec<u8>,
    hasher: Sha256,
    size: u64,
    max_bytes: u64,
    truncated: bool,
    pending_output: Vec<u8>,
    pending_input: Vec<u8>,
}

impl Recorder {
    /// Creates the file (and its directory) and writes the header; the file is closed again
    /// until there is more to write.
    pub fn create(
        path: &Path,
        width: u32,
        height: u32,
        started: DateTime<Utc>,
        term: &str,
        max_bytes: u64,
    ) -> io::Result<Recorder> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut recorder = Recorder {
            path: path.to_owned(),
            buffer: Vec::new(),
            hasher: Sha256::new(),
            size: 0,
            max_bytes,
            truncated: false,
            pending_output: Vec::new(),
            pending_input: Vec::new(),
        };
        let header = json!({
            "version": 2,
            "width": width.max(1),
            "height": height.max(1),
            "timestamp": started.timestamp(),
            "env": { "SHELL": "/bin/bash", "TERM": term },
        });
        recorder.line(&header.to_string());
        File::create(path)?.write_all(&recorder.buffer)?;
        recorder.buffer = Vec::new();
        Ok(recorder)
    }

    /// Records terminal output `elapsed` after the start.
    pub fn output(&mut self, elapsed: Duration, bytes: &[u8]) -> io::Result<()> {
        let text = take_utf8(&mut self.pending_output, bytes);
        self.event(elapsed, "o", &text)
    }

    /// Records attacker keystrokes `elapsed` after the start.
    pub fn input(&mut self, elapsed: Duration, bytes: &[u8]) -> io::Result<()> {
        let text = take_utf8(&mut self.pending_input, bytes);
        self.event(elapsed, "i", &text)
    }

    /// Records a terminal resize.
    pub fn resize(&mut self, elapsed: Duration, width: u32, height: u32) -> io::Result<()> {
        self.event(elapsed, "r", &format!("{width}x{height}"))
    }

    /// Whether recorded lines wait in the buffer for [`Recorder::flush`].
    pub fn has_unflushed(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Appends the buffered lines to the file and frees the buffer. The file is opened for
    /// this write only; a file removed meanwhile is not made again (it would lack its header).
    pub fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let buffer = std::mem::take(&mut self.buffer);
        OpenOptions::new()
            .append(true)
            .open(&self.path)?
            .write_all(&buffer)
    }

    /// Writes what is left and says what the file is.
    pub fn finish(mut self) -> io::Result<Recording> {
        self.flush()?;
        Ok(Recording {
            path: self.path,
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
            truncated: self.truncated,
        })
    }

    fn event(&mut self, elapsed: Duration, kind: &str, text: &str) -> io::Result<()> {
        if text.is_empty() || self.truncated {
            return Ok(());
        }
        let time = (elapsed.as_secs_f64() * 1e6).round() / 1e6;
        // The line goes straight into the buffer, the same bytes `json!([time, kind, text])`
        // prints, without building a JSON value first.
        let start = self.buffer.len();
        self.buffer.push(b'[');
        serde_json::to_writer(&mut self.buffer, &time)?;
        let time_len = self.buffer.len() - start - 1;
        self.buffer.push(b',');
        serde_json::to_writer(&mut self.buffer, kind)?;
        self.buffer.push(b',');
        serde_json::to_writer(&mut self.buffer, text)?;
        self.buffer.push(b']');
        let line_len = (self.buffer.len() - start) as u64;
        // Room is kept for the closing marker, so the file never passes the limit.
        let marker_len = (1 + time_len + MARKER_TAIL.len()) as u64;
        if self.size + line_len + marker_len + 2 > self.max_bytes {
            self.buffer.truncate(start);
            self.truncated = true;
            let time = serde_json::to_string(&time)?;
            self.line(&format!("[{time}{MARKER_TAIL}"));
        } else {
            self.end_line(start);
        }
        if self.buffer.len() >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn line(&mut self, text: &str) {
        let start = self.buffer.len();
        self.buffer.extend_from_slice(text.as_bytes());
        self.end_line(start);
    }

    /// Ends the line written into the buffer from `start` on: its newline, hash and size.
    fn end_line(&mut self, start: usize) {
        self.buffer.push(b'\n');
        let line = &self.buffer[start..];
        self.hasher.update(line);
        self.size += line.len() as u64;
    }
}

/// Appends `bytes` to `pending` and returns the longest valid UTF-8 prefix as text, keeping an
/// incomplete trailing character (at most 3 bytes) for the next call; invalid bytes become
/// U+FFFD.
fn take_utf8<'b>(pending: &mut Vec<u8>, bytes: &'b [u8]) -> Cow<'b, str> {
    // The usual case: nothing held back and whole characters only, taken as they are.
    if pending.is_empty()
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Cow::Borrowed(text);
    }
    pending.extend_from_slice(bytes);
    let mut text = String::new();
    let mut rest: &[u8] = pending;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                rest = &[];
                break;
            }
            Err(err) => {
                let (valid, after) = rest.split_at(err.valid_up_to());
                // Invariant: `valid_up_to` marks the end of valid UTF-8.
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match err.error_len() {
                    Some(bad) => {
                        text.push('\u{FFFD}');
                        rest = &after[bad..];
                    }
                    // An incomplete character at the end: wait for the rest of it.
                    None => {
                        rest = after;
                        break;
                    }
                }
            }
        }
    }
    let keep = rest.to_vec();
    *pending = keep;
    Cow::Owned(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn writes_an_asciicast_v2_header_and_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tty").join("0123456789ab.cast");
        let started = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut rec = Recorder::create(&path, 120, 40, started, "xterm-256color", 1 << 20).unwrap();
        rec.output(ms(0), b"root@web-01:~# ").unwrap();
        rec.input(ms(1500), b"uname -a\r").unwrap();
        rec.output(ms(1501), b"Linux web-01\r\n").unwrap();
        rec.resize(ms(2000), 100, 30).unwrap();
        let done = rec.finish().unwrap();
        let lines = read(&path);
        assert_eq!(
            lines[0],
            json!({"version": 2, "width": 120, "height": 40, "timestamp": 1_700_000_000,
                   "env": {"SHELL": "/bin/bash", "TERM": "xterm-256color"}})
        );
        assert_eq!(lines[1], json!([0.0, "o", "root@web-01:~# "]));
        assert_eq!(lines[2], json!([1.5, "i", "uname -a\r"]));
        assert_eq!(lines[3], json!([1.501, "o", "Linux web-01\r\n"]));
        assert_eq!(lines[4], json!([2.0, "r", "100x30"]));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(done.size, bytes.len() as u64);
        assert_eq!(done.sha256, hex::encode(Sha256::digest(&bytes)));
        assert!(!done.truncated);
    }

    #[test]
    fn characters_split_across_writes_are_kept_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.cast");
        let mut rec = Recorder::create(&path, 80, 24, Utc::now(), "xterm", 1 << 20).unwrap();
        let euro = "€".as_bytes(); // three bytes
        rec.output(ms(1), &euro[..1]).unwrap();
        rec.output(ms(2), &euro[1..]).unwrap();
        rec.output(ms(3), b"\xffok").unwrap();
        rec.finish().unwrap();
        let lines = read(&path);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[1], json!([0.002, "o", "€"]));
        assert_eq!(lines[2], json!([0.003, "o", "\u{FFFD}ok"]));
    }

    #[test]
    fn stops_at_the_size_limit_with_a_marker() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.cast");
        let mut rec = Recorder::create(&path, 80, 24, Utc::now(), "xterm", 4096).unwrap();
        for i in 0..1000 {
            rec.output(ms(i), b"flood flood flood flood flood\r\n")
                .unwrap();
        }
        let done = rec.finish().unwrap();
        assert!(done.truncated);
        assert!(done.size <= 4096, "{}", done.size);
        let lines = read(&path);
        assert_eq!(lines.last().unwrap()[1], "m");
    }

    #[test]
    fn the_file_is_valid_after_each_flush_and_grows_by_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.cast");
        let mut rec = Recorder::create(&path, 80, 24, Utc::now(), "xterm", 1 << 20).unwrap();
        // Header only, at once: the admin page can show a live session's file.
        assert_eq!(read(&path).len(), 1);
        rec.output(ms(10), b"$ ").unwrap();
        assert!(rec.has_unflushed());
        rec.flush().unwrap();
        assert!(!rec.has_unflushed());
        assert_eq!(read(&path)[1], json!([0.01, "o", "$ "]));
        // A burst past the buffer's size reaches the file without a flush.
        for i in 0..400 {
            rec.output(ms(20 + i), b"0123456789012345678901234567890123456789\r\n")
                .unwrap();
        }
        let written = read(&path).len();
        assert!(written > 2, "{written}");
        let done = rec.finish().unwrap();
        let lines = read(&path);
        assert_eq!(lines.len(), 402);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(done.size, bytes.len() as u64);
        assert_eq!(done.sha256, hex::encode(Sha256::digest(&bytes)));
    }

    #[test]
    fn a_removed_file_is_not_made_again_without_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.cast");
        let mut rec = Recorder::create(&path, 80, 24, Utc::now(), "xterm", 1 << 20).unwrap();
        std::fs::remove_file(&path).unwrap();
        rec.output(ms(1), b"x").unwrap();
        assert!(rec.flush().is_err());
        assert!(!path.exists());
    }

    /// The event lines as the recorder wrote them through `serde_json::Value` before it wrote
    /// them directly: what the direct writer must match byte for byte.
    fn value_lines(events: &[(u64, bool, Vec<u8>)], max_bytes: u64, header_len: u64) -> String {
        let (mut pending_o, mut pending_i) = (Vec::new(), Vec::new());
        let (mut out, mut size) = (String::new(), header_len);
        for (micros, input, bytes) in events {
            let (kind, pending) = if *input {
                ("i", &mut pending_i)
            } else {
                ("o", &mut pending_o)
            };
            let text = take_utf8(pending, bytes);
            if text.is_empty() {
                continue;
            }
            let elapsed = Duration::from_micros(*micros);
            let time = (elapsed.as_secs_f64() * 1e6).round() / 1e6;
            let line = json!([time, kind, text]).to_string();
            let marker = json!([time, "m", "recording truncated at size limit"]).to_string();
            if size + line.len() as u64 + marker.len() as u64 + 2 > max_bytes {
                out.push_str(&marker);
                out.push('\n');
                break;
            }
            out.push_str(&line);
            out.push('\n');
            size += line.len() as u64 + 1;
        }
        out
    }

    #[test]
    fn control_bytes_unicode_and_odd_times_are_written_as_json_values_print_them() {
        let events = vec![
            (
                0,
                false,
                b"\x1b[01;34mdir\x1b[0m\r\n\t\x00\x07\x7f".to_vec(),
            ),
            (
                1,
                true,
                "\"quoted\" \\ back \u{2028} \u{1F600} é"
                    .as_bytes()
                    .to_vec(),
            ),
            (999_999, false, b"\xff\xfe half \xe2\x82".to_vec()),
            (1_000_000, false, b"\xac done".to_vec()),
            (123_456_789_012, true, b"\r".to_vec()),
            (u64::MAX / 3, false, b"late".to_vec()),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd.cast");
        let (header_len, _) = record(&path, &events, 1 << 20);
        let file = std::fs::read_to_string(&path).unwrap();
        let (_, body) = file.split_once('\n').unwrap();
        assert_eq!(body, value_lines(&events, 1 << 20, header_len));
    }

    /// Records `events` (µs since the start, input or output, bytes) into a new file at
    /// `path`; returns the header's length and what `finish` reported.
    fn record(
        path: &std::path::Path,
        events: &[(u64, bool, Vec<u8>)],
        max_bytes: u64,
    ) -> (u64, Recording) {
        let mut rec = Recorder::create(path, 80, 24, Utc::now(), "xterm", max_bytes).unwrap();
        let header_len = std::fs::metadata(path).unwrap().len();
        for (micros, input, bytes) in events {
            let elapsed = Duration::from_micros(*micros);
            if *input {
                rec.input(elapsed, bytes).unwrap();
            } else {
                rec.output(elapsed, bytes).unwrap();
            }
        }
        (header_len, rec.finish().unwrap())
    }

    proptest::proptest! {
        #[test]
        fn direct_lines_match_the_json_value_lines_byte_for_byte(
            events in proptest::collection::vec(
                (0u64..10_000_000_000, proptest::bool::ANY,
                 proptest::collection::vec(0u8..=255, 0..24)),
                0..30,
            ),
            max_bytes in 100u64..2_000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("p.cast");
            let (header_len, done) = record(&path, &events, max_bytes);
            let file = std::fs::read_to_string(&path).unwrap();
            let (_, body) = file.split_once('\n').unwrap();
            proptest::prop_assert_eq!(body, value_lines(&events, max_bytes, header_len));
            proptest::prop_assert_eq!(done.size, file.len() as u64);
            proptest::prop_assert_eq!(done.sha256, hex::encode(Sha256::digest(file.as_bytes())));
        }

        #[test]
        fn any_bytes_give_valid_lines_that_rebuild_the_valid_text(
            chunks in proptest::collection::vec(proptest::collection::vec(0u8..=255, 0..40), 0..20)
        ) {
            let mut pending = Vec::new();
            let mut rebuilt = String::new();
            let mut all = Vec::new();
            for chunk in &chunks {
                all.extend_from_slice(chunk);
                rebuilt.push_str(&take_utf8(&mut pending, chunk));
            }
            proptest::prop_assert!(pending.len() <= 3);
            if pending.is_empty() {
                proptest::prop_assert_eq!(rebuilt, String::from_utf8_lossy(&all).into_owned());
            }
        }
    }
}
