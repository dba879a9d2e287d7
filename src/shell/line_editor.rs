//! [`LineEditor`]: turns raw PTY keystrokes into echo bytes and complete lines.
//!
//! It stands in for readline: printable UTF-8 is echoed, Backspace/DEL erase one character,
//! Ctrl-U and Ctrl-W erase the line or the last word, Enter (`\r`, `\n` or `\r\n`) completes
//! the line, Ctrl-C abandons it, Ctrl-D on an empty line is end of input. Escape sequences
//! (arrow keys, function keys, bracketed-paste markers) are consumed without echo; history
//! navigation and cursor movement come later. State survives between [`LineEditor::feed`]
//! calls, so a sequence or a UTF-8 character split across two packets still works.

/// The longest line kept; further characters are dropped without echo.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// What the editor makes of the bytes it was fed, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorEvent {
    /// Bytes to send back to the terminal (the echo of what was typed or erased).
    Echo(Vec<u8>),
    /// A completed line (Enter: `\r`, `\n` or `\r\n`), without the line ending. The editor
    /// does not echo the line ending: the caller writes `\r\n` before running the line.
    Line(String),
    /// Ctrl-C: the line is discarded. The caller prints `^C`, a new line and a new prompt,
    /// as bash does.
    Interrupt,
    /// Ctrl-D on an empty line: the shell should end (bash prints `logout`).
    EndOfFile,
}

/// Where the editor is inside an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Escape {
    /// Not in a sequence.
    #[default]
    None,
    /// After ESC.
    Esc,
    /// After `ESC [`: parameters until a final byte; `len` bounds runaway sequences.
    Csi { len: usize },
    /// After `ESC O` (SS3: arrow and F1–F4 keys in application mode): one more byte.
    Ss3,
}

/// The longest escape sequence consumed before the editor gives up on it.
const MAX_ESCAPE_LEN: usize = 32;

/// Interactive line editing of raw PTY keystrokes (transport-free).
#[derive(Debug, Default)]
pub struct LineEditor {
    line: String,
    /// Bytes of a UTF-8 character still incomplete at the end of the last feed.
    pending: Vec<u8>,
    escape: Escape,
    /// The previous byte was `\r`, so a following `\n` belongs to the same Enter.
    after_cr: bool,
}

impl LineEditor {
    /// An editor with an empty line.
    pub fn new() -> Self {
        Self::default()
    }

    /// The line typed so far.
    pub fn current(&self) -> &str {
        &self.line
    }

    /// Processes keystrokes and returns what happened, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<EditorEvent> {
        let mut events = Vec::new();
        let mut echo = Vec::new();
        for &b in bytes {
            if self.escape(b) {
                continue;
            }
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            if !self.pending.is_empty() {
                if (0x80..=0xbf).contains(&b) {
                    self.continue_utf8(b, &mut echo);
                    continue;
                }
                // The character was cut short: drop it and treat `b` afresh.
                self.pending.clear();
            }
            if b >= 0x80 {
                // A lead byte starts a character; a stray continuation or invalid byte is
                // dropped.
                if (0xc2..=0xf4).contains(&b) {
                    self.pending.push(b);
                }
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    if b == b'\n' && after_cr {
                        continue;
                    }
                    self.after_cr = b == b'\r';
                    flush(&mut echo, &mut events);
                    events.push(EditorEvent::Line(std::mem::take(&mut self.line)));
                }
                0x03 => {
                    flush(&mut echo, &mut events);
                    self.line.clear();
                    events.push(EditorEvent::Interrupt);
                }
                // Ctrl-D ends input only on an empty line (readline deletes forward otherwise).
                0x04 if self.line.is_empty() => {
                    flush(&mut echo, &mut events);
                    events.push(EditorEvent::EndOfFile);
                }
                // Backspace and DEL; nothing happens at the start of the line.
                0x08 | 0x7f if !self.line.is_empty() => {
                    self.line.pop();
                    echo.extend_from_slice(b"\x08 \x08");
                }
                0x15 => {
                    // Ctrl-U: kill the whole line.
                    for _ in 0..self.line.chars().count() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                    self.line.clear();
                }
                0x17 => {
                    // Ctrl-W: kill the previous whitespace-delimited word.
                    let kept = self.line.trim_end_matches([' ', '\t']);
                    let kept = kept.trim_end_matches(|c: char| c != ' ' && c != '\t').len();
                    let removed = self.line.get(kept..).map_or(0, |s| s.chars().count());
                    self.line.truncate(kept);
                    for _ in 0..removed {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x1b => self.escape = Escape::Esc,
                0x20..=0x7e => self.insert(b as char, &mut echo),
                // Other control keys (Tab completion, Ctrl-L, Ctrl-A/E) come later.
                _ => {}
            }
        }
        flush(&mut echo, &mut events);
        events
    }

    /// Consumes `b` if it belongs to an escape sequence; returns whether it did.
    fn escape(&mut self, b: u8) -> bool {
        match self.escape {
            Escape::None => false,
            Escape::Esc => {
                self.escape = match b {
                    b'[' => Escape::Csi { len: 0 },
                    b'O' => Escape::Ss3,
                    // ESC ESC: still waiting for the key.
                    0x1b => Escape::Esc,
                    // Alt+key or a lone ESC followed by text: swallow that one key.
                    _ => Escape::None,
                };
                true
            }
            Escape::Csi { len } => {
                match b {
                    // Parameter and intermediate bytes.
                    0x20..=0x3f if len < MAX_ESCAPE_LEN => {
                        self.escape = Escape::Csi { len: len + 1 };
                        true
                    }
                    // The final byte ends the sequence.
                    0x40..=0x7e => {
                        self.escape = Escape::None;
                        true
                    }
                    // Anything else: the sequence was garbage; handle the byte normally.
                    _ => {
                        self.escape = Escape::None;
                        false
                    }
                }
            }
            Escape::Ss3 => {
                self.escape = Escape::None;
                (0x20..=0x7e).contains(&b)
            }
        }
    }

    /// Adds a continuation byte to the pending UTF-8 character and inserts it when complete.
    fn continue_utf8(&mut self, b: u8, echo: &mut Vec<u8>) {
        self.pending.push(b);
        let want = match self.pending.first() {
            Some(0xc2..=0xdf) => 2,
            Some(0xe0..=0xef) => 3,
            _ => 4,
        };
        if self.pending.len() < want {
            return;
        }
        let bytes = std::mem::take(&mut self.pending);
        if let Some(c) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.chars().next())
            && !c.is_control()
        {
            self.insert(c, echo);
        }
    }

    fn insert(&mut self, c: char, echo: &mut Vec<u8>) {
        if self.line.len() + c.len_utf8() > MAX_LINE_BYTES {
            return;
        }
        self.line.push(c);
        let mut buf = [0u8; 4];
        echo.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

fn flush(echo: &mut Vec<u8>, events: &mut Vec<EditorEvent>) {
    if !echo.is_empty() {
        events.push(EditorEvent::Echo(std::mem::take(echo)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(bytes: &[u8]) -> EditorEvent {
        EditorEvent::Echo(bytes.to_vec())
    }

    fn line(s: &str) -> EditorEvent {
        EditorEvent::Line(s.to_owned())
    }

    #[test]
    fn typing_echoes_and_enter_completes() {
        let mut ed = LineEditor::new();
        assert_eq!(ed.feed(b"ls -la"), [echo(b"ls -la")]);
        assert_eq!(ed.current(), "ls -la");
        assert_eq!(ed.feed(b"\r"), [line("ls -la")]);
        assert_eq!(ed.current(), "");
    }

    #[test]
    fn crlf_is_one_enter_and_lf_alone_works() {
        let mut ed = LineEditor::new();
        assert_eq!(
            ed.feed(b"a\r\nb\nc\r"),
            [
                echo(b"a"),
                line("a"),
                echo(b"b"),
                line("b"),
                echo(b"c"),
                line("c")
            ]
        );
        // The LF of a CRLF split across packets is still swallowed.
        assert_eq!(ed.feed(b"\n"), []);
        assert_eq!(ed.feed(b"\n"), [line("")]);
    }

    #[test]
    fn pasted_lines_give_several_events() {
        let mut ed = LineEditor::new();
        let events = ed.feed(b"uname -a\nid\nwhoami\n");
        let lines: Vec<_> = events
            .into_iter()
            .filter(|e| matches!(e, EditorEvent::Line(_)))
            .collect();
        assert_eq!(lines, [line("uname -a"), line("id"), line("whoami")]);
    }

    #[test]
    fn backspace_erases_one_char() {
        let mut ed = LineEditor::new();
        assert_eq!(ed.feed(b"ab\x7f"), [echo(b"ab\x08 \x08")]);
        assert_eq!(ed.feed(b"\x08"), [echo(b"\x08 \x08")]);
        // Nothing to erase at the start of the line: no echo at all.
        assert_eq!(ed.feed(b"\x7f\x08"), []);
        assert_eq!(ed.feed("é\x7f".as_bytes()), [echo("é\x08 \x08".as_bytes())]);
        assert_eq!(ed.feed(b"x\r"), [echo(b"x"), line("x")]);
    }

    #[test]
    fn ctrl_u_and_ctrl_w() {
        let mut ed = LineEditor::new();
        ed.feed(b"echo hello  ");
        assert_eq!(ed.feed(b"\x17"), [echo(&b"\x08 \x08".repeat(7))]);
        assert_eq!(ed.current(), "echo ");
        assert_eq!(ed.feed(b"\x15"), [echo(&b"\x08 \x08".repeat(5))]);
        assert_eq!(ed.current(), "");
    }

    #[test]
    fn ctrl_c_discards_the_line() {
        let mut ed = LineEditor::new();
        assert_eq!(
            ed.feed(b"rm -rf /\x03"),
            [echo(b"rm -rf /"), EditorEvent::Interrupt]
        );
        assert_eq!(ed.feed(b"\r"), [line("")]);
    }

    #[test]
    fn ctrl_d_only_on_an_empty_line() {
        let mut ed = LineEditor::new();
        assert_eq!(ed.feed(b"ab\x04"), [echo(b"ab")]);
        assert_eq!(ed.current(), "ab");
        let mut ed = LineEditor::new();
        assert_eq!(ed.feed(b"\x04"), [EditorEvent::EndOfFile]);
    }

    #[test]
    fn escape_sequences_are_swallowed() {
        let mut ed = LineEditor::new();
        // Arrow keys (CSI and SS3 forms), Delete, F5, Alt-x, bracketed paste markers.
        let input = b"a\x1b[A\x1b[B\x1bOC\x1b[3~\x1b[15~\x1bxb\x1b[200~c\x1b[201~";
        assert_eq!(ed.feed(input), [echo(b"abc")]);
        assert_eq!(ed.current(), "abc");
        // A sequence split across packets.
        assert_eq!(ed.feed(b"\x1b"), []);
        assert_eq!(ed.feed(b"["), []);
        assert_eq!(ed.feed(b"1;5D"), []);
        assert_eq!(ed.feed(b"d"), [echo(b"d")]);
    }

    #[test]
    fn utf8_split_across_feeds() {
        let mut ed = LineEditor::new();
        let bytes = "€".as_bytes();
        assert_eq!(ed.feed(&bytes[..1]), []);
        assert_eq!(ed.feed(&bytes[1..]), [echo(bytes)]);
        // Invalid bytes are dropped; a cut-short character does not eat the next key.
        assert_eq!(ed.feed(b"\xff\xe2\x82a"), [echo(b"a")]);
        assert_eq!(ed.current(), "€a");
    }

    #[test]
    fn line_length_is_bounded() {
        let mut ed = LineEditor::new();
        let big = vec![b'x'; MAX_LINE_BYTES + 100];
        let events = ed.feed(&big);
        assert_eq!(events, [echo(&big[..MAX_LINE_BYTES])]);
        assert_eq!(ed.current().len(), MAX_LINE_BYTES);
        assert_eq!(ed.feed(b"y\r").len(), 1);
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn on_arbitrary_bytes(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 0..8)) {
                let mut ed = LineEditor::new();
                for chunk in &chunks {
                    for event in ed.feed(chunk) {
                        if let EditorEvent::Line(line) = event {
                            prop_assert!(line.len() <= MAX_LINE_BYTES);
                        }
                    }
                    prop_assert!(ed.current().len() <= MAX_LINE_BYTES);
                }
            }
        }
    }
}
