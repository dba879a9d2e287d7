//! A small bash parser: one input line to a [`List`] of pipelines of commands.
//!
//! This is the seam a full parser (brush-parser) will replace; until then it covers what
//! attackers type on one line: `;`, `&&`, `||`, `|`, `|&`, `!`, `( … )`, trailing `&`, single
//! and double quotes, backslashes, `#` comments, `$VAR`, `${VAR}`, `${#VAR}`,
//! `${VAR:-word}` and friends, `$(…)`, backticks, `$((…))`, `~`, `NAME=value` prefixes and
//! redirections (`>`, `>>`, `<`, `2>&1`, `&>`, `<<<`, …). Words stay unexpanded: expansion
//! happens when the command runs, so `false; echo $?` sees the right status.
//!
//! Syntax errors carry bash's wording (see [`ParseError::message`]). Nesting is capped at
//! [`MAX_DEPTH`] so hostile input cannot exhaust the stack.

/// How deeply `$(`, `` ` ``, `(` and `${` may nest before the line is refused.
pub const MAX_DEPTH: usize = 32;

/// A command line: pipelines joined by `;`, `&`, `&&` and `||`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct List {
    /// Each pipeline with the connector that precedes it (the first one's is [`Connector::Seq`]).
    pub items: Vec<(Connector, Pipeline)>,
}

/// How a pipeline is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `;`, `&` or a new line: always runs.
    Seq,
    /// `&&`: runs if the previous status was 0.
    And,
    /// `||`: runs if the previous status was not 0.
    Or,
}

/// Commands joined by `|`, optionally negated with `!`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// `!` in front: the status is inverted.
    pub negate: bool,
    /// The stages, left to right.
    pub commands: Vec<Command>,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Assignments, words and redirections.
    Simple(SimpleCommand),
    /// `( list )`: runs in a copy of the shell state.
    Subshell {
        /// The commands inside the parentheses.
        body: List,
        /// Redirections after the closing parenthesis.
        redirects: Vec<Redirect>,
    },
}

/// `NAME=value … word … redirection …`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimpleCommand {
    /// `NAME=value` words before the command name.
    pub assignments: Vec<(String, Word)>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    /// Redirections, in order (order matters: `2>&1 >f` differs from `>f 2>&1`).
    pub redirects: Vec<Redirect>,
}

/// A word before expansion.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Word {
    /// The pieces, in order.
    pub parts: Vec<Part>,
    /// The word as typed, for error messages such as `$X: ambiguous redirect`.
    pub raw: String,
}

/// A piece of a word.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text; `quoted` text is not field-split and makes an empty word count.
    Lit {
        /// The text, quotes and escapes removed.
        text: String,
        /// Whether it came from quotes or a backslash.
        quoted: bool,
    },
    /// `~` or `~user` at the start of a word or after `NAME=`.
    Tilde(String),
    /// `$NAME`, `${NAME}`, `$?`, `$1`, … optionally with an operator (`${NAME:-word}`).
    Param {
        /// The parameter name (`?`, `#`, `0`, a variable name, …).
        name: String,
        /// `${NAME<op>word}`, if any: the operator, its word, and (for `${NAME/pat/rep}`)
        /// the replacement.
        op: Option<(ParamOp, Vec<Part>, Vec<Part>)>,
        /// Inside double quotes.
        quoted: bool,
    },
    /// `${#NAME}`.
    Length {
        /// The parameter name.
        name: String,
        /// Inside double quotes.
        quoted: bool,
    },
    /// `${…}` that bash refuses at expansion time: `-bash: ${…}: bad substitution`.
    BadSubstitution(String),
    /// `$(list)` or `` `list` ``.
    CommandSub {
        /// The commands to run.
        body: List,
        /// Inside double quotes.
        quoted: bool,
    },
    /// `$((expression))`, evaluated at expansion time.
    Arith {
        /// The expression text (its `$VAR`s are expanded first).
        expr: Vec<Part>,
        /// Inside double quotes.
        quoted: bool,
    },
}

/// The operator in `${NAME<op>word}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamOp {
    /// `:-` (`colon`) or `-`: use `word` if unset (or empty).
    Default {
        /// Whether empty counts as unset.
        colon: bool,
    },
    /// `:=` or `=`: assign `word` if unset (or empty).
    Assign {
        /// Whether empty counts as unset.
        colon: bool,
    },
    /// `:+` or `+`: use `word` if set (and non-empty).
    Alternative {
        /// Whether empty counts as unset.
        colon: bool,
    },
    /// `:?` or `?`: fail with `word` if unset (or empty).
    Error {
        /// Whether empty counts as unset.
        colon: bool,
    },
    /// `#` or `##`: remove the shortest (longest) prefix matching the pattern.
    RemovePrefix {
        /// `##`.
        longest: bool,
    },
    /// `%` or `%%`: remove the shortest (longest) suffix matching the pattern.
    RemoveSuffix {
        /// `%%`.
        longest: bool,
    },
    /// `/pat/rep`, `//pat/rep` (all), `/#pat/rep` (at the start), `/%pat/rep` (at the end).
    Replace {
        /// `//`.
        all: bool,
        /// `/#`: the match must start the value.
        at_start: bool,
        /// `/%`: the match must end the value.
        at_end: bool,
    },
    /// `:offset` or `:offset:length` (arithmetic expressions).
    Substring,
    /// `^`, `^^`, `,`, `,,`: change the case of the first (every) character.
    Case {
        /// Upper case (`^`) rather than lower (`,`).
        upper: bool,
        /// Every character, not just the first.
        all: bool,
    },
}

/// A redirection.
#[derive(Debug, Clone, PartialEq)]
pub struct Redirect {
    /// The descriptor on the left (`2>`), if written.
    pub fd: Option<u32>,
    /// The operator.
    pub op: RedirOp,
    /// The file, descriptor number or here-string word on the right.
    pub target: Word,
}

/// Redirection operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `>` or `>|`.
    Out,
    /// `>>`.
    Append,
    /// `<` or `<>`.
    In,
    /// `>&`: duplicate an output descriptor (or `>&file`, like `&>`).
    DupOut,
    /// `<&`.
    DupIn,
    /// `&>`: stdout and stderr to a file.
    OutBoth,
    /// `&>>`.
    AppendBoth,
    /// `<<<`: the word, plus a newline, is stdin.
    HereString,
    /// `<<`: a here-document, whose body a one-line shell never sees.
    HereDoc,
}

/// Why a line could not be parsed, each with bash's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// `syntax error near unexpected token `X'`.
    Unexpected(String),
    /// `syntax error: unexpected end of file` (a line ending in `&&`, `||` or `|`).
    UnexpectedEof,
    /// `unexpected EOF while looking for matching `X'` (an unclosed quote or bracket).
    Unmatched(char),
}

impl ParseError {
    /// What an interactive login bash prints for this error (status 2).
    pub fn message(&self) -> String {
        match self {
            ParseError::Unexpected(token) => {
                format!("-bash: syntax error near unexpected token `{token}'\n")
            }
            ParseError::UnexpectedEof => "-bash: syntax error: unexpected end of file\n".to_owned(),
            ParseError::Unmatched(c) => {
                format!("-bash: unexpected EOF while looking for matching `{c}'\n")
            }
        }
    }
}

/// Parses one command line.
pub fn parse(line: &str) -> Result<List, ParseError> {
    let chars: Vec<char> = line.chars().collect();
    let mut parser = Parser {
        src: &chars,
        pos: 0,
        depth: 0,
    };
    parser.list(false)
}

struct Parser<'a> {
    src: &'a [char],
    pos: usize,
    depth: usize,
}

/// Characters that end an unquoted word.
fn is_meta(c: char) -> bool {
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

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.src.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.src
            .get(from..to)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::Unexpected("(".to_owned()));
        }
        Ok(())
    }

    /// Skips blanks and a comment (`#` where a word could start).
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' => self.pos += 1,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// The control operator at the cursor, if any, as bash names it in errors.
    fn operator(&self) -> Option<&'static str> {
        const OPS: &[&str] = &[";;&", ";;", ";&", ";", "&&", "&", "||", "|&", "|", "(", ")"];
        OPS.iter().copied().find(|op| self.starts_with(op))
    }

    fn unexpected_here(&self) -> ParseError {
        if self.peek().is_none() {
            return ParseError::Unexpected("newline".to_owned());
        }
        if let Some(op) = self.redirect_op() {
            return ParseError::Unexpected(op.0.to_owned());
        }
        ParseError::Unexpected(self.operator().unwrap_or("newline").to_owned())
    }

    /// `pipeline (op pipeline)*`, up to the end or (inside `$(`/`(`) the closing `)`.
    fn list(&mut self, nested: bool) -> Result<List, ParseError> {
        let mut list = List::default();
        let mut connector = Connector::Seq;
        let mut pending = false; // an `&&`/`||` waits for its right side
        loop {
            self.skip_blanks();
            match self.peek() {
                None => {
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
                Some(";;" | ";;&" | ";&") => {
                    return Err(ParseError::Unexpected(
                        self.operator().unwrap_or(";;").to_owned(),
                    ));
                }
                Some(";") | Some("&") => self.pos += 1,
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
                None => return Err(self.unexpected_here()),
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
                });
            }
            self.skip_blanks();
            if self.peek().is_none() {
                return Err(ParseError::UnexpectedEof);
            }
            commands.push(self.command()?);
        }
        Ok(Pipeline { negate, commands })
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        self.skip_blanks();
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
    fn redirect_op(&self) -> Option<(&'static str, RedirOp)> {
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
    fn fd_prefix(&self) -> Option<(u32, usize)> {
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

    fn redirect(&mut self) -> Result<Redirect, ParseError> {
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
        Ok(Redirect { fd, op, target })
    }

    /// Reads one word. `in_braces` reads the `word` of `${NAME:-word}`: up to the closing `}`,
    /// with metacharacters taken literally.
    fn word(&mut self, in_braces: bool) -> Result<Word, ParseError> {
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

    fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), ParseError> {
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

    /// After `$`: a parameter, `${…}`, `$(…)`, `$((…))` or a literal `$`.
    fn dollar(&mut self, quoted: bool) -> Result<Part, ParseError> {
        self.pos += 1; // `$`
        let Some(c) = self.peek() else {
            return Ok(lit("$", quoted));
        };
        match c {
            // `$'…'`: ANSI-C quoting (not inside double quotes, where it is literal).
            '\'' if !quoted => self.ansi_c(),
            // `$"…"`: a translatable string; without message catalogs it is just "…".
            '"' if !quoted => Ok(lit("", true)),
            '{' => self.braces(quoted),
            '(' if self.peek_at(1) == Some('(') => self.arith(quoted),
            '(' => {
                self.pos += 1;
                self.enter()?;
                let body = self.list(true)?;
                self.depth -= 1;
                Ok(Part::CommandSub { body, quoted })
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let from = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
                Ok(Part::Param {
                    name: self.text(from, self.pos),
                    op: None,
                    quoted,
                })
            }
            c if c.is_ascii_digit() || matches!(c, '?' | '$' | '#' | '!' | '@' | '*' | '-') => {
                self.pos += 1;
                Ok(Part::Param {
                    name: c.to_string(),
                    op: None,
                    quoted,
                })
            }
            _ => Ok(lit("$", quoted)),
        }
    }

    /// `$'…'`, cursor on the opening quote: backslash escapes as bash's `ansicstr`.
    fn ansi_c(&mut self) -> Result<Part, ParseError> {
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

    /// `${…}`, cursor on `{`.
    fn braces(&mut self, quoted: bool) -> Result<Part, ParseError> {
        let open = self.pos - 1; // the `$`
        self.pos += 1;
        self.enter()?;
        // Find the matching `}` first, so a bad substitution can be reported whole.
        let mut depth = 1usize;
        let mut end = self.pos;
        loop {
            match self.src.get(end) {
                None => return Err(ParseError::Unmatched('}')),
                Some('{') => depth += 1,
                Some('}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some('\\') => end += 1,
                _ => {}
            }
            end += 1;
        }
        let whole = self.text(open, end + 1);
        let inner = self.text(self.pos, end);
        let bad = |p: &mut Self| {
            p.pos = end + 1;
            p.depth -= 1;
            Ok(Part::BadSubstitution(whole.clone()))
        };
        let special = |s: &str| {
            s.len() == 1
                && s.chars()
                    .all(|c| c.is_ascii_digit() || "?$#!@*-".contains(c))
        };
        if let Some(name) = inner.strip_prefix('#')
            && !name.is_empty()
        {
            if is_name(name) || special(name) || name.chars().all(|c| c.is_ascii_digit()) {
                self.pos = end + 1;
                self.depth -= 1;
                return Ok(Part::Length {
                    name: name.to_owned(),
                    quoted,
                });
            }
            return bad(self);
        }
        // The name: an identifier, digits, or one special character.
        let name_len = if inner.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()) {
            inner
                .chars()
                .take_while(|c| *c == '_' || c.is_ascii_alphanumeric())
                .count()
        } else if inner.starts_with(|c: char| c.is_ascii_digit()) {
            inner.chars().take_while(char::is_ascii_digit).count()
        } else if inner.starts_with(|c: char| "?$#!@*-".contains(c)) {
            1
        } else {
            0
        };
        if name_len == 0 {
            return bad(self);
        }
        let name: String = inner.chars().take(name_len).collect();
        let rest: String = inner.chars().skip(name_len).collect();
        if rest.is_empty() {
            self.pos = end + 1;
            self.depth -= 1;
            return Ok(Part::Param {
                name,
                op: None,
                quoted,
            });
        }
        let (colon, op_char) = match rest.strip_prefix(':') {
            Some(r) => (true, r.chars().next()),
            None => (false, rest.chars().next()),
        };
        let second = rest.chars().nth(1);
        // The operator and how many characters it takes after the name.
        let (op, len) = match (colon, op_char) {
            (_, Some('-')) => (ParamOp::Default { colon }, 1),
            (_, Some('=')) => (ParamOp::Assign { colon }, 1),
            (_, Some('+')) => (ParamOp::Alternative { colon }, 1),
            (_, Some('?')) => (ParamOp::Error { colon }, 1),
            (true, _) => (ParamOp::Substring, 0),
            (false, Some('#')) => {
                let longest = second == Some('#');
                (ParamOp::RemovePrefix { longest }, 1 + usize::from(longest))
            }
            (false, Some('%')) => {
                let longest = second == Some('%');
                (ParamOp::RemoveSuffix { longest }, 1 + usize::from(longest))
            }
            (false, Some('/')) => {
                let (all, at_start, at_end) = (
                    second == Some('/'),
                    second == Some('#'),
                    second == Some('%'),
                );
                let len = 1 + usize::from(all || at_start || at_end);
                (
                    ParamOp::Replace {
                        all,
                        at_start,
                        at_end,
                    },
                    len,
                )
            }
            (false, Some(c @ ('^' | ','))) => {
                let all = second == Some(c);
                (
                    ParamOp::Case {
                        upper: c == '^',
                        all,
                    },
                    1 + usize::from(all),
                )
            }
            _ => return bad(self),
        };
        // Parse the operand as a word running up to the closing brace.
        self.pos += name_len + usize::from(colon) + len;
        let operand = self.word(true)?;
        if self.pos != end {
            return bad(self);
        }
        self.pos = end + 1;
        self.depth -= 1;
        let (word, replacement) = match op {
            ParamOp::Replace { .. } => split_at_slash(operand.parts),
            _ => (operand.parts, Vec::new()),
        };
        Ok(Part::Param {
            name,
            op: Some((op, word, replacement)),
            quoted,
        })
    }

    /// `$((…))`, cursor on the first `(`.
    fn arith(&mut self, quoted: bool) -> Result<Part, ParseError> {
        self.pos += 2;
        self.enter()?;
        let from = self.pos;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(ParseError::Unmatched(')')),
                Some('(') => depth += 1,
                Some(')') if depth == 0 => {
                    if self.peek_at(1) == Some(')') {
                        break;
                    }
                    return Err(ParseError::Unexpected(")".to_owned()));
                }
                Some(')') => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        let text: Vec<char> = self.src[from..self.pos].to_vec();
        self.pos += 2;
        // The expression's own `$VAR`s and `$(…)`s are expanded before evaluation.
        let mut sub = Parser {
            src: &text,
            pos: 0,
            depth: self.depth,
        };
        let mut expr = Vec::new();
        let mut buf = String::new();
        while let Some(c) = sub.peek() {
            match c {
                '$' => {
                    flush(&mut expr, &mut buf);
                    expr.push(sub.dollar(true)?);
                }
                '`' => {
                    flush(&mut expr, &mut buf);
                    expr.push(sub.backtick(true)?);
                }
                _ => {
                    buf.push(c);
                    sub.pos += 1;
                }
            }
        }
        flush(&mut expr, &mut buf);
        self.depth -= 1;
        Ok(Part::Arith { expr, quoted })
    }

    /// `` `…` ``: the text up to the closing backtick, parsed as its own list.
    fn backtick(&mut self, quoted: bool) -> Result<Part, ParseError> {
        self.pos += 1;
        let mut inner = Vec::new();
        loop {
            match self.peek() {
                None => return Err(ParseError::Unmatched('`')),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    match self.peek_at(1) {
                        Some(d @ ('`' | '\\' | '$')) => {
                            inner.push(d);
                            self.pos += 2;
                            continue;
                        }
                        _ => inner.push('\\'),
                    }
                    self.pos += 1;
                }
                Some(c) => {
                    inner.push(c);
                    self.pos += 1;
                }
            }
        }
        self.enter()?;
        let mut sub = Parser {
            src: &inner,
            pos: 0,
            depth: self.depth,
        };
        let body = sub.list(false)?;
        self.depth -= 1;
        Ok(Part::CommandSub { body, quoted })
    }
}

fn lit(text: &str, quoted: bool) -> Part {
    Part::Lit {
        text: text.to_owned(),
        quoted,
    }
}

/// Moves pending unquoted literal text into `parts`.
fn flush(parts: &mut Vec<Part>, buf: &mut String) {
    if !buf.is_empty() {
        parts.push(lit(&std::mem::take(buf), false));
    }
}

/// Splits the word of `${NAME/pattern/replacement}` at its first unquoted `/`.
fn split_at_slash(parts: Vec<Part>) -> (Vec<Part>, Vec<Part>) {
    let mut pattern = Vec::new();
    let mut iter = parts.into_iter();
    while let Some(part) = iter.next() {
        if let Part::Lit {
            text,
            quoted: false,
        } = &part
            && let Some((before, after)) = text.split_once('/')
        {
            if !before.is_empty() {
                pattern.push(lit(before, false));
            }
            let mut replacement = Vec::new();
            if !after.is_empty() {
                replacement.push(lit(after, false));
            }
            replacement.extend(iter);
            return (pattern, replacement);
        }
        pattern.push(part);
    }
    (pattern, Vec::new())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<Part>> {
        let list = parse(line).expect("parses");
        let Command::Simple(cmd) = &list.items[0].1.commands[0] else {
            panic!("simple")
        };
        cmd.words.iter().map(|w| w.parts.clone()).collect()
    }

    #[test]
    fn connectors_and_pipelines() {
        let list = parse("a; b && c || d | e &").expect("parses");
        let kinds: Vec<Connector> = list.items.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            kinds,
            [
                Connector::Seq,
                Connector::Seq,
                Connector::And,
                Connector::Or
            ]
        );
        assert_eq!(list.items[3].1.commands.len(), 2);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            words(r#"echo 'a b' "c $X" d\ e"#)[1..],
            [
                vec![lit("a b", true)],
                vec![
                    lit("c ", true),
                    Part::Param {
                        name: "X".into(),
                        op: None,
                        quoted: true
                    }
                ],
                vec![lit("d", false), lit(" ", true), lit("e", false)],
            ]
        );
    }

    #[test]
    fn syntax_errors_match_bash() {
        let err = |line: &str| parse(line).expect_err(line).message();
        assert_eq!(
            err("&& echo"),
            "-bash: syntax error near unexpected token `&&'\n"
        );
        assert_eq!(
            err("echo a ;; b"),
            "-bash: syntax error near unexpected token `;;'\n"
        );
        assert_eq!(
            err("| x"),
            "-bash: syntax error near unexpected token `|'\n"
        );
        assert_eq!(err(";"), "-bash: syntax error near unexpected token `;'\n");
        assert_eq!(
            err("echo a && && b"),
            "-bash: syntax error near unexpected token `&&'\n"
        );
        assert_eq!(
            err("echo a | | b"),
            "-bash: syntax error near unexpected token `|'\n"
        );
        assert_eq!(
            err("echo ) a"),
            "-bash: syntax error near unexpected token `)'\n"
        );
        assert_eq!(
            err("echo a >"),
            "-bash: syntax error near unexpected token `newline'\n"
        );
        assert_eq!(
            err("echo a &&"),
            "-bash: syntax error: unexpected end of file\n"
        );
        assert_eq!(
            err("echo 'a"),
            "-bash: unexpected EOF while looking for matching `''\n"
        );
        assert_eq!(
            err("echo $(echo a"),
            "-bash: unexpected EOF while looking for matching `)'\n"
        );
        assert_eq!(
            err("echo ${a"),
            "-bash: unexpected EOF while looking for matching `}'\n"
        );
    }

    #[test]
    fn assignments_and_redirects() {
        let list = parse("A=1 B=~/x cmd 2>&1 >/dev/null").expect("parses");
        let Command::Simple(cmd) = &list.items[0].1.commands[0] else {
            panic!("simple")
        };
        assert_eq!(cmd.assignments.len(), 2);
        assert_eq!(cmd.assignments[1].1.parts[0], Part::Tilde(String::new()));
        assert_eq!(cmd.redirects.len(), 2);
        assert_eq!(cmd.redirects[0].fd, Some(2));
        assert_eq!(cmd.redirects[0].op, RedirOp::DupOut);
    }

    #[test]
    fn comments_and_empty_lines() {
        assert!(parse("").expect("empty").items.is_empty());
        assert!(
            parse("   # just a comment")
                .expect("comment")
                .items
                .is_empty()
        );
        assert_eq!(parse("echo a # b").expect("parses").items.len(), 1);
        assert_eq!(words("echo a#b")[1], [lit("a#b", false)]);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "$(".repeat(10_000);
        assert!(parse(&format!("echo {deep}")).is_err());
        let deep = "(".repeat(10_000);
        assert!(parse(&deep).is_err());
    }
}
