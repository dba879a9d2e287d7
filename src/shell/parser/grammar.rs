//! The command structure: lists, pipelines, commands and redirections, read by a [`Parser`]
//! over the line's characters; words are read by `word` and `substitution`.

use super::ast::{
    Command, Connector, List, ParseError, Part, Pipeline, RedirOp, Redirect, SimpleCommand, Word,
};
use super::compound::is_closer;
use super::word::lit;

/// How deeply `$(`, `` ` ``, `(` and `${` may nest before the line is refused.
pub const MAX_DEPTH: usize = 32;

/// Parses one command line (or several, for scripts and continuations). A here-document
/// whose delimiter has not come yet makes the text [`ParseError::Incomplete`].
pub fn parse(line: &str) -> Result<List, ParseError> {
    parse_text(line, false)
}

/// Parses text that will get no more lines (the end of a script or `-c` text): a
/// here-document still open takes the rest of the text as its body, as bash does after its
/// `here-document … delimited by end-of-file` warning.
pub fn parse_to_end(line: &str) -> Result<List, ParseError> {
    parse_text(line, true)
}

/// Longest text whose parse [`parse_shared`] keeps, in bytes.
const MAX_SHARED_TEXT: usize = 4096;

/// Most parsed texts [`parse_shared`] keeps per thread, and their total size in bytes (the
/// trees take several times that).
const MAX_SHARED: (usize, usize) = (1024, 256 << 10);

thread_local! {
    static PARSED: std::cell::RefCell<crate::memo::Memo<Result<List, ParseError>>> =
        std::cell::RefCell::new(crate::memo::Memo::new(MAX_SHARED.0, MAX_SHARED.1));
}

/// [`parse`], shared with the thread's other sessions that typed the same text lately: a
/// parse depends on the text alone, and bots send the same lines again and again.
pub fn parse_shared(line: &str) -> std::sync::Arc<Result<List, ParseError>> {
    crate::memo::text_cached(&PARSED, line, MAX_SHARED_TEXT, parse)
}

fn parse_text(line: &str, at_end: bool) -> Result<List, ParseError> {
    let (text, heredocs) = super::heredoc::split_heredocs(line);
    let open = heredocs.iter().any(|h| !h.closed);
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser::new(&chars, 0);
    parser.heredocs = heredocs;
    parser.heredocs.reverse();
    let list = parser.list(false)?;
    if open && !at_end {
        return Err(ParseError::Incomplete);
    }
    Ok(list)
}

/// The cursor over a line's characters, with the current nesting depth.
pub(super) struct Parser<'a> {
    pub(super) src: &'a [char],
    pub(super) pos: usize,
    pub(super) depth: usize,
    /// Here-document bodies not yet given to their `<<`, last first.
    pub(super) heredocs: Vec<super::ast::HereDoc>,
}

/// Characters that end an unquoted word.
pub(super) fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
    )
}

/// Whether `s` is a valid variable name.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl<'a> Parser<'a> {
    /// A parser at the start of `src`, `depth` levels deep, with no here-document bodies.
    pub(super) fn new(src: &'a [char], depth: usize) -> Parser<'a> {
        Parser {
            src,
            pos: 0,
            depth,
            heredocs: Vec::new(),
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, offset: usize) -> Option<char> {
        self.src.get(self.pos + offset).copied()
    }

    pub(super) fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    pub(super) fn text(&self, from: usize, to: usize) -> String {
        self.src
            .get(from..to)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    pub(super) fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::Unexpected("(".to_owned()));
        }
        Ok(())
    }

    /// Skips blanks and a comment (`#` where a word could start), not newlines.
    pub(super) fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Skips blanks, comments and newlines.
    pub(super) fn skip_lines(&mut self) {
        loop {
            self.skip_blanks();
            if self.peek() == Some('\n') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The control operator at the cursor, if any, as bash names it in errors.
    pub(super) fn operator(&self) -> Option<&'static str> {
        const OPS: &[&str] = &[";;&", ";;", ";&", ";", "&&", "&", "||", "|&", "|", "(", ")"];
        OPS.iter().copied().find(|op| self.starts_with(op))
    }

    pub(super) fn unexpected_here(&self) -> ParseError {
        if self.peek().is_none() {
            return ParseError::Unexpected("newline".to_owned());
        }
        if let Some(op) = self.redirect_op() {
            return ParseError::Unexpected(op.0.to_owned());
        }
        ParseError::Unexpected(self.operator().unwrap_or("newline").to_owned())
    }

    /// `pipeline (op pipeline)*`, up to the end or (inside `$(`/`(`) the closing `)`.
    pub(super) fn list(&mut self, nested: bool) -> Result<List, ParseError> {
        self.list_until(nested, &[])
    }

    /// A list that ends (unconsumed) at one of `stops`: reserved words such as `then` or
    /// `done` at a command's start, or operators such as `;;`. With stops, the end of the
    /// line is [`ParseError::Incomplete`].
    pub(super) fn list_until(&mut self, nested: bool, stops: &[&str]) -> Result<List, ParseError> {
        let mut list = List::default();
        let mut connector = Connector::Seq;
        let mut pending = false; // an `&&`/`||` waits for its right side
        loop {
            self.skip_lines();
            if let Some(word) = self.reserved_at()
                && is_closer(word)
            {
                if stops.contains(&word) && !pending {
                    return Ok(list);
                }
                return Err(ParseError::Unexpected(word.to_owned()));
            }
            match self.peek() {
                None => {
                    if !stops.is_empty() {
                        return Err(ParseError::Incomplete);
                    }
                    if nested {
                        return Err(ParseError::Unmatched(')'));
                    }
                    if pending {
                        return Err(ParseError::UnexpectedEof);
                    }
                    return Ok(list);
                }
                Some(')') if nested => {
                    if pending {
                        return Err(ParseError::Unexpected(")".to_owned()));
                    }
                    self.pos += 1;
                    return Ok(list);
                }
                Some(_) => {
                    if let Some(op) = self.operator()
                        && op != "("
                    {
                        if stops.contains(&op) && !pending {
                            return Ok(list);
                        }
                        return Err(ParseError::Unexpected(op.to_owned()));
                    }
                }
            }
            let pipeline = self.pipeline()?;
            list.items.push((connector, pipeline));
            pending = false;
            connector = Connector::Seq;
            self.skip_blanks();
            match self.operator() {
                Some(op @ (";;" | ";;&" | ";&")) => {
                    if stops.contains(&op) {
                        return Ok(list);
                    }
                    return Err(ParseError::Unexpected(op.to_owned()));
                }
                Some(";") => self.pos += 1,
                Some("&") => {
                    self.pos += 1;
                    if let Some((_, last)) = list.items.last_mut() {
                        last.background = true;
                    }
                }
                Some("&&") => {
                    self.pos += 2;
                    connector = Connector::And;
                    pending = true;
                }
                Some("||") => {
                    self.pos += 2;
                    connector = Connector::Or;
                    pending = true;
                }
                Some(")") if nested => {}
                Some(op) => return Err(ParseError::Unexpected(op.to_owned())),
                None if self.peek().is_none() => {}
                None if self.peek() == Some('\n') => self.pos += 1,
                None => {
                    // A reserved word right after a command (`{ echo a }`) is an argument to
                    // it in bash; here the command already ended, so it is unexpected.
                    return Err(self.unexpected_here());
                }
            }
        }
    }

    /// `[!] command (| command)*`
    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let mut negate = false;
        while self.peek() == Some('!') && self.peek_at(1).is_none_or(|c| matches!(c, ' ' | '\t')) {
            negate = !negate;
            self.pos += 1;
            self.skip_blanks();
        }
        let mut commands = vec![self.command()?];
        loop {
            self.skip_blanks();
            let both = self.starts_with("|&");
            if !(both || (self.peek() == Some('|') && self.peek_at(1) != Some('|'))) {
                break;
            }
            self.pos += if both { 2 } else { 1 };
            if both && let Some(Command::Simple(last)) = commands.last_mut() {
                last.redirects.push(Redirect {
                    fd: Some(2),
                    op: RedirOp::DupOut,
                    target: Word {
                        parts: vec![lit("1", false)],
                        raw: "1".to_owned(),
                    },
                    heredoc: None,
                });
            }
            self.skip_lines();
            if self.peek().is_none() {
                return Err(ParseError::UnexpectedEof);
            }
            commands.push(self.command()?);
        }
        Ok(Pipeline {
            negate,
            commands,
            background: false,
        })
    }

    pub(super) fn command(&mut self) -> Result<Command, ParseError> {
        self.skip_blanks();
        if let Some(command) = self.cond_or_arith()? {
            return Ok(command);
        }
        if let Some(command) = self.compound_or_function()? {
            return Ok(command);
        }
        if self.peek() == Some('(') {
            self.pos += 1;
            self.enter()?;
            let body = self.list(true)?;
            self.depth -= 1;
            if body.items.is_empty() {
                return Err(ParseError::Unexpected(")".to_owned()));
            }
            let mut redirects = Vec::new();
            loop {
                self.skip_blanks();
                if self.redirect_op().is_some() || self.fd_prefix().is_some() {
                    redirects.push(self.redirect()?);
                } else {
                    break;
                }
            }
            return Ok(Command::Subshell { body, redirects });
        }
        let mut cmd = SimpleCommand::default();
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            if self.redirect_op().is_some() || self.fd_prefix().is_some() {
                cmd.redirects.push(self.redirect()?);
                continue;
            }
            if c == '(' {
                return Err(ParseError::Unexpected("(".to_owned()));
            }
            if is_meta(c) {
                break;
            }
            let word = self.word(false)?;
            if cmd.words.is_empty()
                && let Some(assignment) = split_assignment(&word)
            {
                cmd.assignments.push(assignment);
            } else {
                cmd.words.push(word);
            }
        }
        if cmd.words.is_empty() && cmd.assignments.is_empty() && cmd.redirects.is_empty() {
            return Err(self.unexpected_here());
        }
        Ok(Command::Simple(cmd))
    }

    /// The redirection operator at the cursor (without an fd prefix) and its length.
    pub(super) fn redirect_op(&self) -> Option<(&'static str, RedirOp)> {
        const OPS: &[(&str, RedirOp)] = &[
            ("&>>", RedirOp::AppendBoth),
            ("&>", RedirOp::OutBoth),
            (">>", RedirOp::Append),
            (">&", RedirOp::DupOut),
            (">|", RedirOp::Out),
            (">", RedirOp::Out),
            ("<<<", RedirOp::HereString),
            ("<<", RedirOp::HereDoc),
            ("<&", RedirOp::DupIn),
            ("<>", RedirOp::In),
            ("<", RedirOp::In),
        ];
        OPS.iter().copied().find(|(op, _)| self.starts_with(op))
    }

    /// `2` in `2>`: digits directly followed by `<` or `>`.
    pub(super) fn fd_prefix(&self) -> Option<(u32, usize)> {
        let mut n = 0;
        while self.peek_at(n).is_some_and(|c| c.is_ascii_digit()) {
            n += 1;
        }
        if n == 0 || !matches!(self.peek_at(n), Some('<' | '>')) {
            return None;
        }
        let fd = self.text(self.pos, self.pos + n).parse().ok()?;
        Some((fd, n))
    }

    pub(super) fn redirect(&mut self) -> Result<Redirect, ParseError> {
        let fd = match self.fd_prefix() {
            Some((fd, len)) => {
                self.pos += len;
                Some(fd)
            }
            None => None,
        };
        let Some((op_text, op)) = self.redirect_op() else {
            return Err(self.unexpected_here());
        };
        self.pos += op_text.chars().count();
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        match self.peek() {
            Some(c) if !is_meta(c) => {}
            _ => return Err(self.unexpected_here()),
        }
        let target = self.word(false)?;
        let heredoc = if op == RedirOp::HereDoc {
            self.heredocs.pop()
        } else {
            None
        };
        Ok(Redirect {
            fd,
            op,
            target,
            heredoc,
        })
    }
}

/// `NAME=value` as an assignment: the name and the value's word.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit {
        text,
        quoted: false,
    }) = word.parts.first()
    else {
        return None;
    };
    let (name, value) = text.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut parts = Vec::with_capacity(word.parts.len());
    if !value.is_empty() {
        parts.push(lit(value, false));
    }
    parts.extend(word.parts.iter().skip(1).cloned());
    let raw = word
        .raw
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();
    Some((name.to_owned(), Word { parts, raw }))
}
