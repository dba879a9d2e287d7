//! Decoding raw bytes into readline keys: UTF-8 characters, control keys and the escape
//! sequences an xterm sends, with bash's default emacs bindings plus Ubuntu's `/etc/inputrc`.
//!
//! Readline walks a key map: a sequence that stops matching every binding rings the bell and
//! is dropped up to and including the byte that broke it (F5, `ESC [ 1 5 ~`, rings the bell
//! and then inserts the `~`). The decoder keeps its state between feeds, so a sequence or a
//! character split across two packets still works.

/// What a key (or key sequence) asks the editor to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    /// A printable character.
    Insert(char),
    /// Enter (`\r` or `\n`; the `\n` of a `\r\n` is dropped).
    Enter,
    /// Ctrl-C.
    Interrupt,
    /// Ctrl-D: end of input on an empty line, else delete under the cursor.
    CtrlD,
    /// Backspace or DEL: delete before the cursor.
    Rubout,
    /// The Delete key: delete under the cursor.
    Delete,
    /// Left arrow, Ctrl-B.
    Left,
    /// Right arrow, Ctrl-F.
    Right,
    /// Home, Ctrl-A.
    Home,
    /// End, Ctrl-E.
    End,
    /// Up arrow, Ctrl-P: the previous history entry.
    Up,
    /// Down arrow, Ctrl-N: the next history entry.
    Down,
    /// Ctrl-K: kill to the end of the line.
    KillToEnd,
    /// Ctrl-U: kill to the start of the line.
    KillToStart,
    /// Ctrl-W: kill the whitespace-delimited word before the cursor.
    KillWord,
    /// Ctrl-Y: yank the last kill.
    Yank,
    /// Ctrl-T: transpose the characters around the cursor.
    Transpose,
    /// Ctrl-L: clear the screen and redraw.
    ClearScreen,
    /// Tab: complete.
    Complete,
    /// Alt-B, Ctrl-Left: back one word.
    WordLeft,
    /// Alt-F, Ctrl-Right: forward one word.
    WordRight,
    /// An unbound key or sequence, or Ctrl-G: ring the bell.
    Bell,
}

/// Where the decoder is inside a sequence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum State {
    /// Between keys.
    #[default]
    Ground,
    /// After ESC.
    Esc,
    /// After ESC ESC (`ESC ESC [ C` is a word move in Ubuntu's inputrc).
    EscEsc,
    /// After `ESC [` (or `ESC ESC [` when `meta`): the bytes of the sequence so far.
    Csi { seq: Vec<u8>, meta: bool },
    /// After `ESC O`.
    Ss3,
}

/// The sequences after `ESC [` that bash binds on Ubuntu, and what they do; `None` is bound
/// to something the editor does not do (bracketed paste markers, quoted insert).
const CSI_KEYS: &[(&[u8], Option<Key>)] = &[
    (b"A", Some(Key::Up)),
    (b"B", Some(Key::Down)),
    (b"C", Some(Key::Right)),
    (b"D", Some(Key::Left)),
    (b"H", Some(Key::Home)),
    (b"F", Some(Key::End)),
    (b"1~", Some(Key::Home)),
    (b"4~", Some(Key::End)),
    (b"3~", Some(Key::Delete)),
    (b"2~", None),
    (b"1;5C", Some(Key::WordRight)),
    (b"1;5D", Some(Key::WordLeft)),
    (b"5C", Some(Key::WordRight)),
    (b"5D", Some(Key::WordLeft)),
    (b"200~", None),
    (b"201~", None),
];

/// Meta keys (ESC + key) bash binds by default that the editor does nothing for; any other
/// meta key is unbound and rings the bell.
const BOUND_META: &[u8] = b"cdlnprtuy0123456789#&*-.<=>?\\_~!$/@{}^ \x7f\x08";

/// Turns bytes into [`Key`]s.
#[derive(Debug, Default)]
pub(super) struct Decoder {
    state: State,
    /// Bytes of a UTF-8 character still incomplete.
    pending: Vec<u8>,
    /// The previous byte was `\r`, so a following `\n` belongs to the same Enter.
    after_cr: bool,
}

/// The longest sequence after `ESC [` kept before it is given up on.
const MAX_SEQUENCE: usize = 8;

impl Decoder {
    /// Decodes one byte; returns the key it completes, if any.
    pub fn push(&mut self, b: u8) -> Option<Key> {
        let after_cr = std::mem::replace(&mut self.after_cr, false);
        match std::mem::take(&mut self.state) {
            State::Ground => {}
            State::Esc => return self.after_esc(b),
            State::EscEsc => {
                if b == b'[' {
                    self.state = State::Csi {
                        seq: Vec::new(),
                        meta: true,
                    };
                    return None;
                }
                // ESC ESC is bound (to completion) only as a prefix here: drop it.
                return self.push(b);
            }
            State::Csi { mut seq, meta } => {
                seq.push(b);
                if meta {
                    return match seq.as_slice() {
                        b"C" => Some(Key::WordRight),
                        b"D" => Some(Key::WordLeft),
                        _ => Some(Key::Bell),
                    };
                }
                if let Some((_, key)) = CSI_KEYS.iter().find(|(s, _)| *s == seq.as_slice()) {
                    return *key;
                }
                if seq.len() < MAX_SEQUENCE && CSI_KEYS.iter().any(|(s, _)| s.starts_with(&seq)) {
                    self.state = State::Csi { seq, meta };
                    return None;
                }
                return Some(Key::Bell);
            }
            State::Ss3 => {
                return Some(match b {
                    b'A' => Key::Up,
                    b'B' => Key::Down,
                    b'C' => Key::Right,
                    b'D' => Key::Left,
                    b'H' => Key::Home,
                    b'F' => Key::End,
                    _ => Key::Bell,
                });
            }
        }
        if !self.pending.is_empty() {
            if (0x80..=0xbf).contains(&b) {
                return self.continue_utf8(b);
            }
            // The character was cut short: drop it and treat `b` afresh.
            self.pending.clear();
        }
        if b >= 0x80 {
            // A lead byte starts a character; a stray continuation or invalid byte is dropped.
            if (0xc2..=0xf4).contains(&b) {
                self.pending.push(b);
            }
            return None;
        }
        Some(match b {
            b'\n' if after_cr => return None,
            b'\r' => {
                self.after_cr = true;
                Key::Enter
            }
            b'\n' => Key::Enter,
            0x01 => Key::Home,
            0x02 => Key::Left,
            0x03 => Key::Interrupt,
            0x04 => Key::CtrlD,
            0x05 => Key::End,
            0x06 => Key::Right,
            0x07 => Key::Bell,
            0x08 | 0x7f => Key::Rubout,
            b'\t' => Key::Complete,
            0x0b => Key::KillToEnd,
            0x0c => Key::ClearScreen,
            0x0e => Key::Down,
            0x10 => Key::Up,
            0x14 => Key::Transpose,
            0x15 => Key::KillToStart,
            0x17 => Key::KillWord,
            0x19 => Key::Yank,
            0x1b => {
                self.state = State::Esc;
                return None;
            }
            0x20..=0x7e => Key::Insert(b as char),
            // Other control keys: bound to things the editor does not do, or eaten by the
            // terminal driver (Ctrl-Z, Ctrl-\, Ctrl-S, Ctrl-Q).
            _ => return None,
        })
    }

    fn after_esc(&mut self, b: u8) -> Option<Key> {
        match b {
            b'[' => {
                self.state = State::Csi {
                    seq: Vec::new(),
                    meta: false,
                };
                None
            }
            b'O' => {
                self.state = State::Ss3;
                None
            }
            0x1b => {
                self.state = State::EscEsc;
                None
            }
            b'b' | b'B' => Some(Key::WordLeft),
            b'f' | b'F' => Some(Key::WordRight),
            _ if BOUND_META.contains(&b.to_ascii_lowercase()) => None,
            _ => Some(Key::Bell),
        }
    }

    /// Adds a continuation byte to the pending UTF-8 character; returns it when complete.
    fn continue_utf8(&mut self, b: u8) -> Option<Key> {
        self.pending.push(b);
        let want = match self.pending.first() {
            Some(0xc2..=0xdf) => 2,
            Some(0xe0..=0xef) => 3,
            _ => 4,
        };
        if self.pending.len() < want {
            return None;
        }
        let bytes = std::mem::take(&mut self.pending);
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.chars().next())
            .filter(|c| !c.is_control())
            .map(Key::Insert)
    }
}
