//! Words: quoting (`'…'`, `"…"`, `$'…'`, backslashes), `~`, and where a word ends.

use super::ast::{ParseError, Part, Word};
use super::grammar::{Parser, is_meta, is_name};

impl Parser<'_> {
    /// Reads one word. `in_braces` reads the `word` of `${NAME:-word}`: up to the closing `}`,
    /// with metacharacters taken literally.
    pub(super) fn word(&mut self, in_braces: bool) -> Result<Word, ParseError> {
        let start = self.pos;
        let mut parts = Vec::new();
        let mut lit_buf = String::new();
        let mut tilde_ok = !in_braces;
        while let Some(c) = self.peek() {
            if in_braces {
                if c == '}' {
                    break;
                }
            } else if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        None => lit_buf.push('\\'),
                        Some('\n') => self.pos += 1,
                        Some(d) => {
                            flush(&mut parts, &mut lit_buf);
                            parts.push(lit(&d.to_string(), true));
                            self.pos += 1;
                        }
                    }
                }
                '\'' => {
                    flush(&mut parts, &mut lit_buf);
                    self.pos += 1;
                    let from = self.pos;
                    while self.peek().is_some_and(|c| c != '\'') {
                        self.pos += 1;
                    }
                    if self.peek().is_none() {
                        return Err(ParseError::Unmatched('\''));
                    }
                    parts.push(lit(&self.text(from, self.pos), true));
                    self.pos += 1;
                }
                '"' => {
                    flush(&mut parts, &mut lit_buf);
                    self.double_quoted(&mut parts)?;
                }
                '$' => {
                    flush(&mut parts, &mut lit_buf);
                    let part = self.dollar(false)?;
                    parts.push(part);
                }
                '`' => {
                    flush(&mut parts, &mut lit_buf);
                    let part = self.backtick(false)?;
                    parts.push(part);
                }
                '~' if tilde_ok => {
                    flush(&mut parts, &mut lit_buf);
                    self.pos += 1;
                    let from = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    {
                        self.pos += 1;
                    }
                    let user = self.text(from, self.pos);
                    let ends = match self.peek() {
                        None | Some('/') | Some(':') => true,
                        Some(c) => is_meta(c),
                    };
                    if ends {
                        parts.push(Part::Tilde(user));
                    } else {
                        lit_buf.push('~');
                        lit_buf.push_str(&user);
                    }
                }
                _ => {
                    lit_buf.push(c);
                    self.pos += 1;
                }
            }
            // A tilde may also start an assignment's value: `NAME=~/x`.
            tilde_ok = !in_braces
                && c == '='
                && parts.is_empty()
                && lit_buf.strip_suffix('=').is_some_and(is_name);
        }
        flush(&mut parts, &mut lit_buf);
        Ok(Word {
            parts,
            raw: self.text(start, self.pos),
        })
    }

    pub(super) fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), ParseError> {
        self.pos += 1; // opening quote
        let mut buf = String::new();
        let mut produced = false;
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::Unmatched('"'));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    break;
                }
                '\\' => match self.peek_at(1) {
                    Some(d @ ('$' | '`' | '"' | '\\')) => {
                        buf.push(d);
                        self.pos += 2;
                    }
                    Some('\n') => self.pos += 2,
                    _ => {
                        buf.push('\\');
                        self.pos += 1;
                    }
                },
                '$' => {
                    if !buf.is_empty() {
                        parts.push(lit(&std::mem::take(&mut buf), true));
                    }
                    parts.push(self.dollar(true)?);
                    produced = true;
                }
                '`' => {
                    if !buf.is_empty() {
                        parts.push(lit(&std::mem::take(&mut buf), true));
                    }
                    parts.push(self.backtick(true)?);
                    produced = true;
                }
                _ => {
                    buf.push(c);
                    self.pos += 1;
                }
            }
        }
        if !buf.is_empty() || !produced {
            parts.push(lit(&buf, true));
        }
        Ok(())
    }

    /// `$'…'`, cursor on the opening quote: backslash escapes as bash's `ansicstr`.
    pub(super) fn ansi_c(&mut self) -> Result<Part, ParseError> {
        self.pos += 1;
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::Unmatched('\''));
            };
            self.pos += 1;
            if c == '\'' {
                break;
            }
            if c != '\\' {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            let Some(e) = self.peek() else {
                bytes.push(b'\\');
                continue;
            };
            self.pos += 1;
            let digits = |p: &mut Self, radix: u32, max: usize| {
                let mut value = 0u32;
                let mut n = 0;
                while n < max {
                    match p.peek().and_then(|d| d.to_digit(radix)) {
                        Some(d) => {
                            value = value.wrapping_mul(radix).wrapping_add(d);
                            p.pos += 1;
                            n += 1;
                        }
                        None => break,
                    }
                }
                (value, n)
            };
            match e {
                'a' => bytes.push(0x07),
                'b' => bytes.push(0x08),
                'e' | 'E' => bytes.push(0x1b),
                'f' => bytes.push(0x0c),
                'n' => bytes.push(b'\n'),
                'r' => bytes.push(b'\r'),
                't' => bytes.push(b'\t'),
                'v' => bytes.push(0x0b),
                '\\' | '\'' | '"' | '?' => bytes.push(e as u8),
                '0'..='7' => {
                    self.pos -= 1;
                    let (value, _) = digits(self, 8, 3);
                    bytes.push((value & 0xff) as u8);
                }
                'x' => match digits(self, 16, 2) {
                    (_, 0) => bytes.extend_from_slice(b"\\x"),
                    (value, _) => bytes.push(value as u8),
                },
                'u' | 'U' => {
                    let max = if e == 'u' { 4 } else { 8 };
                    match digits(self, 16, max) {
                        (_, 0) => {
                            bytes.push(b'\\');
                            bytes.push(e as u8);
                        }
                        (value, _) => {
                            if let Some(ch) = char::from_u32(value) {
                                let mut buf = [0u8; 4];
                                bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                    }
                }
                'c' => match self.peek() {
                    Some(ctl) => {
                        self.pos += 1;
                        bytes.push((ctl as u32 & 0x1f) as u8);
                    }
                    None => bytes.extend_from_slice(b"\\c"),
                },
                other => {
                    bytes.push(b'\\');
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        Ok(lit(&String::from_utf8_lossy(&bytes), true))
    }
}

pub(super) fn lit(text: &str, quoted: bool) -> Part {
    Part::Lit {
        text: text.to_owned(),
        quoted,
    }
}

/// Moves pending unquoted literal text into `parts`.
pub(super) fn flush(parts: &mut Vec<Part>, buf: &mut String) {
    if !buf.is_empty() {
        parts.push(lit(&std::mem::take(buf), false));
    }
}
