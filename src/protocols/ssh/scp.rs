//! The sink side of the scp protocol (`scp -t`), as OpenSSH's `scp` speaks it: the server says
//! `\0`, then reads `C<mode> <size> <name>\n` (acknowledged), `size` bytes and a `\0`
//! (acknowledged once the file is stored), `D<mode> 0 <name>\n` / `E\n` around directories
//! (`-r`) and `T<mtime> 0 <atime> 0\n` times (`-p`), until the client closes its input.
//!
//! [`ScpSink`] is transport-free: it is fed the channel's bytes and returns [`ScpAction`]s
//! for the handler (replies, files to store, directories to make). Everything is bounded:
//! header length, name length, directory depth, file count, and each file by the session's
//! upload [`Quota`].

use crate::protocols::ssh::uploads::Quota;

/// Longest header line (`C0644 <size> <name>`).
const MAX_HEADER: usize = 4096;

/// Most files and directories one scp channel may create.
const MAX_ENTRIES: usize = 1000;

/// Deepest directory nesting (`-r`).
const MAX_DEPTH: usize = 32;

/// What the handler must do after feeding bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScpAction {
    /// Send these bytes to the client.
    Reply(Vec<u8>),
    /// A complete file: store it, then acknowledge (`\0`) or report the failure.
    File {
        /// Its path in the attacker's filesystem.
        path: String,
        /// The name the client sent.
        name: String,
        /// Its contents.
        bytes: Vec<u8>,
        /// Its mode, as sent.
        mode: u32,
    },
    /// A directory to make (`-r`); acknowledge afterwards (or report the failure).
    Mkdir {
        /// Its path in the attacker's filesystem.
        path: String,
        /// Its mode, as sent.
        mode: u32,
    },
    /// A protocol error: report `message` (`\x01scp: …`) and end with status 1.
    Fail(String),
}

#[derive(Debug)]
enum State {
    Header(Vec<u8>),
    Body {
        path: String,
        name: String,
        mode: u32,
        remaining: u64,
        bytes: Vec<u8>,
    },
    Done,
}

/// One `scp -t` channel's sink.
#[derive(Debug)]
pub struct ScpSink {
    target: String,
    target_is_dir: bool,
    /// Directories entered with `D`, innermost last.
    dirs: Vec<String>,
    state: State,
    entries: usize,
    quota: Quota,
}

/// The target of an `scp -t` command line, if it is one: `(target, recursive)`.
pub fn parse_sink_command(command: &str) -> Option<(String, bool)> {
    let mut words = command.split_whitespace();
    let program = words.next()?;
    if program != "scp" && !program.ends_with("/scp") {
        return None;
    }
    let (mut sink, mut recursive, mut target) = (false, false, None);
    for word in words {
        if let Some(flags) = word.strip_prefix('-')
            && !flags.is_empty()
            && target.is_none()
        {
            if flags == "-" {
                continue;
            }
            sink |= flags.contains('t');
            recursive |= flags.contains('r');
            if flags.contains('f') {
                return None;
            }
        } else {
            target = Some(word.to_owned());
        }
    }
    sink.then(|| (target.unwrap_or_else(|| ".".into()), recursive))
}

/// `dir/name` without doubling the slash.
fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// OpenSSH's error line.
fn error_line(message: &str) -> Vec<u8> {
    format!("\x01scp: {message}\n").into_bytes()
}

impl ScpSink {
    /// A sink writing to `target` (a directory if `target_is_dir`), within `quota`. Its first
    /// action is the `\0` that starts the transfer ([`ScpSink::start`]).
    pub fn new(target: String, target_is_dir: bool, quota: Quota) -> ScpSink {
        ScpSink {
            target,
            target_is_dir,
            dirs: Vec::new(),
            state: State::Header(Vec::new()),
            entries: 0,
            quota,
        }
    }

    /// What the server sends first: ready.
    pub fn start(&self) -> ScpAction {
        ScpAction::Reply(vec![0])
    }

    /// Whether the sink ended (protocol error).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Where an entry named `name` goes.
    fn destination(&self, name: &str) -> String {
        match self.dirs.last() {
            Some(dir) => join(dir, name),
            None if self.target_is_dir => join(&self.target, name),
            None => self.target.clone(),
        }
    }

    /// Feeds the client's bytes; returns what to do, in order.
    pub fn feed(&mut self, mut data: &[u8]) -> Vec<ScpAction> {
        let mut actions = Vec::new();
        while !data.is_empty() {
            match &mut self.state {
                State::Done => break,
                State::Header(line) => {
                    let newline = data.iter().position(|&b| b == b'\n');
                    let take = newline.map_or(data.len(), |i| i + 1);
                    if line.len() + take > MAX_HEADER {
                        self.fail(&mut actions, "protocol error: header too long".into());
                        break;
                    }
                    line.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if newline.is_some() {
                        let line = std::mem::take(line);
                        self.header(&line, &mut actions);
                    }
                }
                State::Body {
                    remaining, bytes, ..
                } => {
                    if *remaining > 0 {
                        let take = usize::try_from(*remaining)
                            .unwrap_or(usize::MAX)
                            .min(data.len());
                        bytes.extend_from_slice(&data[..take]);
                        *remaining -= take as u64;
                        data = &data[take..];
                        continue;
                    }
                    // The source's `\0` (or an error byte) after the contents.
                    let status = data[0];
                    data = &data[1..];
                    let State::Body {
                        path,
                        name,
                        mode,
                        bytes,
                        ..
                    } = std::mem::replace(&mut self.state, State::Header(Vec::new()))
                    else {
                        break;
                    };
                    if status == 0 {
                        actions.push(ScpAction::File {
                            path,
                            name,
                            bytes,
                            mode,
                        });
                    }
                }
            }
        }
        actions
    }

    fn fail(&mut self, actions: &mut Vec<ScpAction>, message: String) {
        self.state = State::Done;
        actions.push(ScpAction::Fail(message));
    }

    /// One header line, newline included.
    fn header(&mut self, line: &[u8], actions: &mut Vec<ScpAction>) {
        let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
        let Some(kind) = text.chars().next() else {
            self.fail(actions, "protocol error: expected control record".into());
            return;
        };
        match kind {
            // The source reports its own error, or a fatal one: nothing to answer.
            '\x01' | '\x02' => {}
            'T' => actions.push(ScpAction::Reply(vec![0])),
            'E' => {
                self.dirs.pop();
                actions.push(ScpAction::Reply(vec![0]));
            }
            'C' | 'D' => {
                let mut parts = text[1..].splitn(3, ' ');
                let mode = parts.next().and_then(|m| u32::from_str_radix(m, 8).ok());
                let size = parts.next().and_then(|s| s.parse::<u64>().ok());
                let name = parts.next().unwrap_or("");
                let (Some(mode), Some(size)) = (mode, size) else {
                    self.fail(actions, "protocol error: bad mode or size".into());
                    return;
                };
                if name.is_empty() || name.contains('/') || name == ".." || name == "." {
                    self.fail(actions, format!("error: unexpected filename: {name}"));
                    return;
                }
                self.entries += 1;
                if self.entries > MAX_ENTRIES {
                    self.fail(actions, "protocol error: too many files".into());
                    return;
                }
                let path = self.destination(name);
                if kind == 'D' {
                    if self.dirs.len() >= MAX_DEPTH {
                        self.fail(actions, format!("{path}: File name too long"));
                        return;
                    }
                    self.dirs.push(path.clone());
                    actions.push(ScpAction::Mkdir {
                        path,
                        mode: mode & 0o7777,
                    });
                    return;
                }
                if !self.quota.take(size) {
                    // As a full disk: the source skips this file and goes on.
                    actions.push(ScpAction::Reply(error_line(&format!(
                        "{path}: No space left on device"
                    ))));
                    return;
                }
                actions.push(ScpAction::Reply(vec![0]));
                self.state = State::Body {
                    path,
                    name: name.to_owned(),
                    mode: mode & 0o7777,
                    remaining: size,
                    bytes: Vec::with_capacity(usize::try_from(size.min(64 * 1024)).unwrap_or(0)),
                };
            }
            _ => self.fail(actions, "protocol error: expected control record".into()),
        }
    }
}

/// The reply after a file or directory was handled: `\0`, or the error line.
pub fn ack(result: Result<(), String>) -> Vec<u8> {
    match result {
        Ok(()) => vec![0],
        Err(message) => error_line(&message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_commands_are_recognised() {
        assert_eq!(
            parse_sink_command("scp -t /tmp"),
            Some(("/tmp".into(), false))
        );
        assert_eq!(
            parse_sink_command("scp -r -p -d -t -- x"),
            Some(("x".into(), true))
        );
        assert_eq!(parse_sink_command("scp -f /etc/passwd"), None);
        assert_eq!(parse_sink_command("ls -t"), None);
    }

    #[test]
    fn a_file_is_received_and_acknowledged() {
        let mut sink = ScpSink::new("/tmp".into(), true, Quota::new(100));
        let mut actions = sink.feed(b"T1 0 1 0\nC0755 5 x.sh\nhel");
        actions.extend(sink.feed(b"lo\0"));
        assert_eq!(
            actions,
            vec![
                ScpAction::Reply(vec![0]),
                ScpAction::Reply(vec![0]),
                ScpAction::File {
                    path: "/tmp/x.sh".into(),
                    name: "x.sh".into(),
                    bytes: b"hello".to_vec(),
                    mode: 0o755
                }
            ]
        );
    }

    #[test]
    fn over_quota_is_a_full_disk_and_bad_names_fail() {
        let mut sink = ScpSink::new("/tmp/f".into(), false, Quota::new(3));
        let actions = sink.feed(b"C0644 5 f\n");
        assert_eq!(
            actions,
            vec![ScpAction::Reply(
                b"\x01scp: /tmp/f: No space left on device\n".to_vec()
            )]
        );
        let actions = sink.feed(b"C0644 1 ../x\n");
        assert!(matches!(actions[..], [ScpAction::Fail(_)]));
        assert!(sink.is_done());
        assert!(sink.feed(&[0xff; 10]).is_empty());
    }

    #[test]
    fn directories_nest_and_headers_are_bounded() {
        let mut sink = ScpSink::new("/tmp".into(), true, Quota::new(100));
        let actions = sink.feed(b"D0755 0 d\nC0644 1 a\nx\0E\n");
        assert_eq!(
            actions[0],
            ScpAction::Mkdir {
                path: "/tmp/d".into(),
                mode: 0o755
            }
        );
        assert!(matches!(&actions[2], ScpAction::File { path, .. } if path == "/tmp/d/a"));
        let mut sink = ScpSink::new("/tmp".into(), true, Quota::new(100));
        let actions = sink.feed(&[b'C'; MAX_HEADER + 1]);
        assert!(matches!(actions[..], [ScpAction::Fail(_)]));
    }
}
