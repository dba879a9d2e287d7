//! [`LineEditor`]: turns raw PTY keystrokes into terminal bytes and complete lines, the way
//! bash's readline does on an xterm.
//!
//! The editor is transport-free: it is fed bytes and returns [`EditorEvent`]s. What it needs
//! from the session (the prompt, the history, the terminal's size and completion candidates)
//! it asks through [`EditorHost`]. Keys are decoded in `keys` (emacs bindings plus Ubuntu's
//! `/etc/inputrc`), the terminal bytes for an edit come from `display` (readline's
//! `update_line`), and the Tab listing from `listing`. Every edit is bounded:
//! the line by [`MAX_LINE_BYTES`], the history walk by the history the session keeps, the
//! candidates by [`MAX_CANDIDATES`](crate::shell::completion::MAX_CANDIDATES).

mod display;
mod history;
mod keys;
mod listing;
#[cfg(test)]
mod tests;

use crate::shell::History;
use crate::shell::completion::{self, Candidate};
use display::Screen;
use history::Browse;
use keys::{Decoder, Key};
use listing::Listing;

pub(crate) use display::width;

/// The longest line kept; further characters are dropped without echo.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// What the editor makes of the bytes it was fed, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorEvent {
    /// Bytes to send back to the terminal (the echo of what was typed, cursor moves, bells,
    /// completion listings and redrawn prompts).
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

/// What the editor asks of the session it edits lines for.
pub trait EditorHost {
    /// The prompt the line follows, as drawn (for redraws and cursor columns).
    fn prompt(&self) -> String;
    /// The history, oldest first: what Up and Down walk.
    fn history(&self) -> &History;
    /// The terminal's width in columns.
    fn columns(&self) -> usize;
    /// The terminal's height in rows (the Tab listing pauses at `--More--` when longer).
    fn rows(&self) -> usize;
    /// The completions of `word` (unquoted), a command name when `command` is true, else a
    /// path; at most [`completion::MAX_CANDIDATES`].
    fn complete(&mut self, word: &str, command: bool) -> Vec<Candidate>;
}

/// A host with no prompt, no history and nothing to complete, on an 80x24 terminal.
pub struct NoHost;

impl EditorHost for NoHost {
    fn prompt(&self) -> String {
        String::new()
    }

    fn history(&self) -> &History {
        static EMPTY: History = History::new();
        &EMPTY
    }

    fn columns(&self) -> usize {
        80
    }

    fn rows(&self) -> usize {
        24
    }

    fn complete(&mut self, _: &str, _: bool) -> Vec<Candidate> {
        Vec::new()
    }
}

/// Interactive line editing of raw PTY keystrokes (transport-free).
#[derive(Debug, Default)]
pub struct LineEditor {
    decoder: Decoder,
    line: String,
    /// The cursor, as a byte index into `line` on a character boundary.
    point: usize,
    /// What the terminal shows; `None` until the first key after a prompt.
    screen: Option<Screen>,
    browse: Option<Browse>,
    /// The last text killed (Ctrl-K, Ctrl-U, Ctrl-W), for Ctrl-Y.
    kill: String,
    /// The previous key killed: another kill adds to the same text, as readline's kill ring.
    killing: bool,
    /// The previous key was a Tab that changed nothing: another Tab lists the candidates.
    tab_listed: bool,
    /// A Tab listing waiting for an answer (`y or n`, `--More--`).
    listing: Option<Listing>,
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

    /// Processes keystrokes with no prompt, history or completion ([`NoHost`]).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<EditorEvent> {
        self.feed_with(bytes, &mut NoHost)
    }

    /// Processes keystrokes and returns what happened, in order. Lines after the first use
    /// the same prompt and history; a session that runs each line before editing the next
    /// uses [`LineEditor::feed_line`].
    pub fn feed_with(&mut self, bytes: &[u8], host: &mut dyn EditorHost) -> Vec<EditorEvent> {
        let mut events = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let (mut got, used) = self.feed_line(rest, host);
            events.append(&mut got);
            rest = rest.get(used..).unwrap_or_default();
        }
        events
    }

    /// Processes keystrokes up to the end of the first line (Enter, Ctrl-C, or Ctrl-D on an
    /// empty line) and returns what happened and how many bytes that took (at least one of
    /// a non-empty `bytes`). The caller runs the line, draws the next prompt and feeds the
    /// rest, so typed-ahead keys see the new prompt and history, as with bash.
    pub fn feed_line(
        &mut self,
        bytes: &[u8],
        host: &mut dyn EditorHost,
    ) -> (Vec<EditorEvent>, usize) {
        let mut events = Vec::new();
        let mut out = Vec::new();
        // Characters typed ahead (in the same packet) are inserted together and drawn once,
        // as readline batches pending self-inserting keys.
        let mut typein = String::new();
        for (i, &b) in bytes.iter().enumerate() {
            let Some(key) = self.decoder.push(b) else {
                continue;
            };
            if self.listing.is_some() {
                self.answer_listing(key, &mut out, host);
                continue;
            }
            let tab_listed = std::mem::take(&mut self.tab_listed);
            let killing = std::mem::take(&mut self.killing);
            if let Key::Insert(c) = key {
                if self.line.len() + typein.len() + c.len_utf8() <= MAX_LINE_BYTES {
                    typein.push(c);
                }
                continue;
            }
            self.type_in(&mut typein, &mut out, host);
            let end = match key {
                Key::Enter => EditorEvent::Line(self.line.clone()),
                Key::Interrupt => EditorEvent::Interrupt,
                Key::CtrlD if self.line.is_empty() => EditorEvent::EndOfFile,
                Key::Complete => {
                    self.complete(tab_listed, &mut out, host);
                    continue;
                }
                key => {
                    self.edit(key, killing, &mut out, host);
                    continue;
                }
            };
            flush(&mut out, &mut events);
            self.finish();
            events.push(end);
            return (events, i + 1);
        }
        self.type_in(&mut typein, &mut out, host);
        flush(&mut out, &mut events);
        (events, bytes.len())
    }

    /// Inserts the characters typed ahead and draws them.
    fn type_in(&mut self, typein: &mut String, out: &mut Vec<u8>, host: &dyn EditorHost) {
        if typein.is_empty() {
            return;
        }
        self.insert(typein);
        typein.clear();
        self.redisplay(out, host);
    }

    /// Ends the line: returns it and forgets the screen (the caller draws a new prompt).
    fn finish(&mut self) -> String {
        self.point = 0;
        self.screen = None;
        self.browse = None;
        std::mem::take(&mut self.line)
    }

    /// The screen as it is, starting after the prompt for the first key of a line.
    fn screen(&mut self, host: &dyn EditorHost) -> &mut Screen {
        self.screen
            .get_or_insert_with(|| Screen::after_prompt(width(&host.prompt())))
    }

    /// Redraws the line after an edit.
    fn redisplay(&mut self, out: &mut Vec<u8>, host: &dyn EditorHost) {
        let columns = host.columns();
        let (line, point) = (self.line.clone(), self.point);
        self.screen(host).redisplay(out, &line, point, columns);
    }

    /// Draws the prompt and the line from scratch (`rl_forced_update_display`).
    fn redraw(&mut self, out: &mut Vec<u8>, host: &dyn EditorHost) {
        let prompt = host.prompt();
        out.extend_from_slice(prompt.as_bytes());
        self.screen = Some(Screen::after_prompt(width(&prompt)));
        self.redisplay(out, host);
    }

    /// Applies an editing key and redraws; `killing` says the previous key killed text.
    fn edit(&mut self, key: Key, killing: bool, out: &mut Vec<u8>, host: &mut dyn EditorHost) {
        let ok = match key {
            Key::Insert(c) => {
                self.insert(&c.to_string());
                true
            }
            Key::Rubout => match self.before() {
                Some(c) => {
                    self.point -= c.len_utf8();
                    self.line.remove(self.point);
                    true
                }
                None => false,
            },
            Key::Delete | Key::CtrlD => match self.after() {
                Some(_) => {
                    self.line.remove(self.point);
                    true
                }
                None => false,
            },
            Key::Left => match self.before() {
                Some(c) => {
                    self.point -= c.len_utf8();
                    true
                }
                None => false,
            },
            Key::Right => match self.after() {
                Some(c) => {
                    self.point += c.len_utf8();
                    true
                }
                None => false,
            },
            Key::Home => {
                self.point = 0;
                true
            }
            Key::End => {
                self.point = self.line.len();
                true
            }
            Key::WordLeft => {
                self.point = word_left(&self.line, self.point);
                true
            }
            Key::WordRight => {
                self.point = word_right(&self.line, self.point);
                true
            }
            Key::KillToEnd => {
                let text = self.line.split_off(self.point);
                self.add_kill(&text, true, killing);
                true
            }
            Key::KillToStart => {
                if self.point == 0 {
                    false
                } else {
                    let text: String = self.line.drain(..self.point).collect();
                    self.add_kill(&text, false, killing);
                    self.point = 0;
                    true
                }
            }
            Key::KillWord => {
                if self.point == 0 {
                    false
                } else {
                    let start = unix_word_start(&self.line, self.point);
                    let text: String = self.line.drain(start..self.point).collect();
                    self.add_kill(&text, false, killing);
                    self.point = start;
                    true
                }
            }
            Key::Yank => {
                if self.kill.is_empty() {
                    false
                } else {
                    let text = self.kill.clone();
                    self.insert(&text);
                    true
                }
            }
            Key::Transpose => self.transpose(),
            Key::Up => self.walk(true, host),
            Key::Down => self.walk(false, host),
            Key::ClearScreen => {
                out.extend_from_slice(b"\x1b[H\x1b[2J");
                self.redraw(out, host);
                return;
            }
            Key::Bell => false,
            Key::Enter | Key::Interrupt | Key::Complete => true,
        };
        if !ok {
            out.push(0x07);
        }
        self.redisplay(out, host);
    }

    /// Keeps killed text for Ctrl-Y: a kill right after a kill adds to it (after it for a
    /// forward kill, before it for a backward one), as readline's kill ring does; killing
    /// nothing keeps what was there.
    fn add_kill(&mut self, text: &str, forward: bool, killing: bool) {
        self.killing = true;
        if text.is_empty() {
            return;
        }
        if !killing {
            self.kill.clear();
        }
        if self.kill.len() + text.len() > MAX_LINE_BYTES {
            return;
        }
        if forward {
            self.kill.push_str(text);
        } else {
            self.kill.insert_str(0, text);
        }
    }

    /// The character before the cursor.
    fn before(&self) -> Option<char> {
        self.line
            .get(..self.point)
            .and_then(|s| s.chars().next_back())
    }

    /// The character under the cursor.
    fn after(&self) -> Option<char> {
        self.line.get(self.point..).and_then(|s| s.chars().next())
    }

    /// Inserts `text` at the cursor, as much of it as [`MAX_LINE_BYTES`] allows.
    fn insert(&mut self, text: &str) {
        let room = MAX_LINE_BYTES.saturating_sub(self.line.len());
        let mut end = text.len().min(room);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let text = &text[..end];
        self.line.insert_str(self.point, text);
        self.point += text.len();
    }

    /// Ctrl-T: swaps the characters before and under the cursor (the last two at the end).
    /// Like readline, it counts bytes to decide whether there are two characters, so a line
    /// of one multibyte character stays as it is without a bell.
    fn transpose(&mut self) -> bool {
        if self.point == 0 || self.line.len() < 2 {
            return false;
        }
        if self.point == self.line.len() {
            self.point -= self.before().map_or(0, char::len_utf8);
        }
        let (Some(a), Some(b)) = (self.before(), self.after()) else {
            self.point = self.line.len();
            return true;
        };
        let start = self.point - a.len_utf8();
        let end = self.point + b.len_utf8();
        self.line.replace_range(start..end, &format!("{b}{a}"));
        self.point = end;
        true
    }

    /// Up (`up`) or Down: the previous or next history entry, or back to the typed line.
    fn walk(&mut self, up: bool, host: &dyn EditorHost) -> bool {
        let history = host.history();
        let browse = match &mut self.browse {
            Some(browse) => browse,
            None if up && !history.is_empty() => {
                self.browse.insert(Browse::start(&self.line, history.len()))
            }
            None => return false,
        };
        let Some(line) = browse.step(&self.line, history, up) else {
            return false;
        };
        self.line.clear();
        self.point = 0;
        self.insert(&line);
        true
    }

    /// Tab: completes the word before the cursor; a second Tab that follows one which changed
    /// nothing lists the candidates.
    fn complete(&mut self, tab_listed: bool, out: &mut Vec<u8>, host: &mut dyn EditorHost) {
        let before = self.line.get(..self.point).unwrap_or("");
        let word = completion::word_at(before);
        let start = self.point - word.raw.len();
        let mut candidates = host.complete(&word.text, word.command);
        candidates.truncate(completion::MAX_CANDIDATES);
        if tab_listed {
            // A Tab right after one that changed nothing lists (`possible-completions`).
            self.tab_listed = true;
            if candidates.is_empty() {
                out.push(0x07);
                self.redisplay(out, host);
            } else {
                let listing = Listing::new(&candidates, host.columns());
                self.show_listing(listing, out, host);
            }
            return;
        }
        if candidates.is_empty() {
            self.tab_listed = true;
            out.push(0x07);
            self.redisplay(out, host);
            return;
        }
        let replacement = completion::replacement(&candidates, &word.text, self.after());
        let old = self.line.clone();
        self.line.replace_range(start..self.point, "");
        self.point = start;
        self.insert(&replacement);
        self.tab_listed = self.line == old;
        // More than one candidate: the bell, before the common prefix is drawn.
        if candidates.len() > 1 {
            out.push(0x07);
        }
        self.redisplay(out, host);
    }

    fn show_listing(&mut self, listing: Listing, out: &mut Vec<u8>, host: &dyn EditorHost) {
        if listing.len() >= listing::QUERY_ITEMS {
            out.extend_from_slice(
                format!("\r\nDisplay all {} possibilities? (y or n)", listing.len()).as_bytes(),
            );
            self.listing = Some(listing);
            return;
        }
        out.extend_from_slice(b"\r\n");
        self.continue_listing(listing, 0, out, host);
    }

    /// Prints rows from where the listing stands, pausing at `--More--` when the screen is
    /// full; when done, redraws the prompt and the line below the listing.
    fn continue_listing(
        &mut self,
        mut listing: Listing,
        lines: usize,
        out: &mut Vec<u8>,
        host: &dyn EditorHost,
    ) {
        if listing.print(out, lines, host.rows()) {
            self.listing = Some(listing);
        } else {
            self.redraw(out, host);
        }
    }

    /// A key while the listing waits (`get_y_or_n`).
    fn answer_listing(&mut self, key: Key, out: &mut Vec<u8>, host: &dyn EditorHost) {
        let Some(listing) = self.listing.take() else {
            return;
        };
        let paging = listing.started();
        match key {
            Key::Insert('y' | 'Y' | ' ') => {
                if paging {
                    out.extend_from_slice(b"\r\x1b[K\r");
                } else {
                    out.extend_from_slice(b"\r\n");
                }
                self.continue_listing(listing, 0, out, host);
            }
            Key::Enter if paging => {
                out.extend_from_slice(b"\r\x1b[K\r");
                let lines = host.rows().saturating_sub(2);
                self.continue_listing(listing, lines, out, host);
            }
            Key::Insert('n' | 'N') | Key::Rubout => {
                self.end_listing(paging, out, host);
            }
            Key::Insert('q' | 'Q') if paging => self.end_listing(paging, out, host),
            _ => {
                out.push(0x07);
                self.listing = Some(listing);
            }
        }
    }

    fn end_listing(&mut self, paging: bool, out: &mut Vec<u8>, host: &dyn EditorHost) {
        if paging {
            out.extend_from_slice(b"\r\x1b[K\r");
        } else {
            out.extend_from_slice(b"\r\n");
        }
        self.redraw(out, host);
    }
}

/// Where `backward-word` stops: the start of the alphanumeric word before `point`.
fn word_left(line: &str, point: usize) -> usize {
    let before = line.get(..point).unwrap_or("");
    let trimmed = before.trim_end_matches(|c: char| !c.is_alphanumeric());
    trimmed.trim_end_matches(char::is_alphanumeric).len()
}

/// Where `forward-word` stops: the end of the alphanumeric word after `point`.
fn word_right(line: &str, point: usize) -> usize {
    let after = line.get(point..).unwrap_or("");
    let skipped = after.trim_start_matches(|c: char| !c.is_alphanumeric());
    let rest = skipped.trim_start_matches(char::is_alphanumeric);
    line.len() - rest.len()
}

/// Where Ctrl-W (`unix-word-rubout`) stops: the start of the whitespace-delimited word.
fn unix_word_start(line: &str, point: usize) -> usize {
    let before = line.get(..point).unwrap_or("");
    let trimmed = before.trim_end_matches([' ', '\t']);
    trimmed
        .trim_end_matches(|c: char| c != ' ' && c != '\t')
        .len()
}

fn flush(out: &mut Vec<u8>, events: &mut Vec<EditorEvent>) {
    if !out.is_empty() {
        events.push(EditorEvent::Echo(std::mem::take(out)));
    }
}
