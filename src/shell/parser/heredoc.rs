//! Here-documents: `cat <<EOF` takes the lines after its command, up to a line that is
//! exactly `EOF`, as its standard input.
//!
//! Bash reads a here-document's body when the line holding its `<<` ends, so the body sits
//! between that line and the next command. A pre-pass finds the `<<` operators (outside
//! quotes and comments), cuts their bodies out of the text and hands them to the parser in
//! order, which attaches each to its redirection. A body whose delimiter never came is kept
//! open: an interactive shell reads more lines (`> `), a script uses what there is.

use super::ast::{HereDoc, ParseError, Part};
use super::grammar::{Parser, is_meta};

/// The most here-documents one text may open; later `<<`s get no body.
const MAX_HEREDOCS: usize = 64;

/// `text` without the bodies of its here-documents, and those bodies in order.
pub(super) fn split_heredocs(text: &str) -> (String, Vec<HereDoc>) {
    if !text.contains("<<") {
        return (text.to_owned(), Vec::new());
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut bodies = Vec::new();
    // Delimiters waiting for the end of the current line: (word, quoted, strip tabs).
    let mut waiting: Vec<(String, bool, bool)> = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        match c {
            '\\' if !single => {
                if let Some(&next) = chars.get(i) {
                    out.push(next);
                    i += 1;
                }
            }
            // `$((1<<4))` and `(( x <<= 2 ))` shift: arithmetic holds no here-document.
            '(' if !single && chars.get(i) == Some(&'(') => {
                let mut depth = 1usize;
                out.push('(');
                i += 1;
                while let Some(&d) = chars.get(i) {
                    out.push(d);
                    i += 1;
                    match d {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && word_start(&out) => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(chars[i]);
                    i += 1;
                }
            }
            '<' if !single
                && !double
                && chars.get(i) == Some(&'<')
                && chars.get(i + 1) != Some(&'<')
                && !out.ends_with("<<") =>
            {
                out.push('<');
                i += 1;
                let strip = chars.get(i) == Some(&'-');
                if strip {
                    out.push('-');
                    i += 1;
                }
                while matches!(chars.get(i), Some(' ' | '\t')) {
                    out.push(chars[i]);
                    i += 1;
                }
                let (word, quoted, used) = delimiter(&chars[i..]);
                out.extend(&chars[i..i + used]);
                i += used;
                if used > 0 && waiting.len() + bodies.len() < MAX_HEREDOCS {
                    waiting.push((word, quoted, strip));
                }
            }
            '\n' if !single && !double && !waiting.is_empty() => {
                for (word, quoted, strip) in waiting.drain(..) {
                    let mut body = String::new();
                    let mut closed = false;
                    while i < chars.len() {
                        let end = chars[i..]
                            .iter()
                            .position(|c| *c == '\n')
                            .map_or(chars.len(), |n| i + n);
                        let line: String = chars[i..end].iter().collect();
                        i = (end + 1).min(chars.len());
                        let line = if strip {
                            line.trim_start_matches('\t').to_owned()
                        } else {
                            line
                        };
                        if line == word {
                            closed = true;
                            break;
                        }
                        body.push_str(&line);
                        body.push('\n');
                    }
                    bodies.push(HereDoc {
                        text: body,
                        quoted,
                        closed,
                        delimiter: word,
                    });
                }
            }
            _ => {}
        }
    }
    for (word, quoted, _) in waiting {
        // The text ended on the `<<` line itself: the body has not begun.
        bodies.push(HereDoc {
            text: String::new(),
            quoted,
            closed: false,
            delimiter: word,
        });
    }
    (out, bodies)
}

/// The delimiter of the first here-document in `text` whose delimiter line never came.
pub(super) fn open_delimiter(text: &str) -> Option<String> {
    split_heredocs(text)
        .1
        .into_iter()
        .find(|doc| !doc.closed)
        .map(|doc| doc.delimiter)
}

/// Whether the character just pushed onto `out` starts a word (a `#` there is a comment).
fn word_start(out: &str) -> bool {
    let mut before = out.chars().rev().skip(1);
    before
        .next()
        .is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')'))
}

/// The delimiter word at the start of `chars`: its text with quotes removed, whether any
/// part of it was quoted (then the body is taken literally), and how many characters it took.
fn delimiter(chars: &[char]) -> (String, bool, usize) {
    let mut word = String::new();
    let mut quoted = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\'' | '"' => {
                quoted = true;
                let close = chars[i + 1..].iter().position(|d| *d == c);
                let end = close.map_or(chars.len(), |n| i + 1 + n);
                word.extend(&chars[i + 1..end]);
                i = (end + 1).min(chars.len());
            }
            '\\' => {
                quoted = true;
                if let Some(&next) = chars.get(i + 1) {
                    word.push(next);
                }
                i = (i + 2).min(chars.len());
            }
            c if is_meta(c) => break,
            c => {
                word.push(c);
                i += 1;
            }
        }
    }
    (word, quoted, i)
}

/// An unquoted body's parts: `$…` and backticks expand, a backslash escapes only `$`, `` ` ``,
/// `\` and a newline, and quotes are plain characters.
pub(super) fn body_parts(body: &str) -> Result<Vec<Part>, ParseError> {
    // Read as the inside of double quotes, with its own `"` (and `\"`) made literal.
    let mut escaped = String::with_capacity(body.len() + 2);
    escaped.push('"');
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' if chars.peek() == Some(&'"') => {
                chars.next();
                escaped.push_str("\\\\\\\"");
            }
            '\\' => {
                escaped.push('\\');
                if let Some(next) = chars.next() {
                    escaped.push(next);
                }
            }
            c => escaped.push(c),
        }
    }
    escaped.push('"');
    let src: Vec<char> = escaped.chars().collect();
    let mut parser = Parser::new(&src, 0);
    let mut parts = Vec::new();
    parser.double_quoted(&mut parts)?;
    Ok(parts)
}
