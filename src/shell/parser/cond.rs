//! The commands bash parses specially rather than as words: `[[ … ]]` (a conditional
//! expression whose operators are tokens, not arguments), `(( … ))` and `for (( … ))`
//! (arithmetic text up to the matching `))`).
//!
//! Conditional errors are worded as bash 5.1 words them: the specific complaint
//! (`conditional binary operator expected`, `unexpected argument `]]' to conditional unary
//! operator`, …) followed by `syntax error near `X'`, X being the token where parsing stopped.

use super::ast::{Command, Compound, CondExpr, ParseError, Part, Word};
use super::grammar::{Parser, is_meta};
use super::word::lit;

/// Unary operators of `[[ … ]]`.
const UNARY: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-p", "-r", "-s", "-t", "-u", "-w", "-x",
    "-O", "-G", "-L", "-S", "-N", "-z", "-n", "-o", "-v", "-R",
];

/// Binary operators of `[[ … ]]` (`<` and `>` are read as their own tokens).
const BINARY: &[&str] = &[
    "=", "==", "!=", "=~", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef",
];

/// A token inside `[[ … ]]`.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A word, or `<`/`>`/`!` (told apart from quoted ones by their raw text).
    Word(Word),
    /// `&&`, `||`, `(` or `)`.
    Op(&'static str),
    /// `]]`.
    End,
}

impl Tok {
    /// How bash names the token in an error.
    fn text(&self) -> String {
        match self {
            Tok::Word(word) => word.raw.clone(),
            Tok::Op(op) => (*op).to_owned(),
            Tok::End => "]]".to_owned(),
        }
    }

    /// The unquoted operator word `op`.
    fn is(&self, op: &str) -> bool {
        matches!(self, Tok::Word(word) if word.raw == op)
    }
}

/// A conditional syntax error: bash's complaint (if any) and the token it stopped near.
fn cond_error(complaint: Option<String>, near: &str) -> ParseError {
    let mut lines: Vec<String> = complaint.into_iter().collect();
    lines.push(format!("syntax error near `{near}'"));
    ParseError::Other(lines)
}

impl Parser<'_> {
    /// `[[ … ]]` or `(( … ))` at the cursor, if one starts here.
    pub(super) fn cond_or_arith(&mut self) -> Result<Option<Command>, ParseError> {
        if self.starts_with("[[") && self.peek_at(2).is_none_or(|c| is_meta(c) && c != '(') {
            self.pos += 2;
            self.enter()?;
            let expr = self.cond_or()?;
            match self.cond_token()? {
                Tok::End => {}
                tok => {
                    let near = tok.text();
                    let complaint = match tok {
                        Tok::Word(_) => "syntax error in conditional expression".to_owned(),
                        _ => format!(
                            "syntax error in conditional expression: unexpected token `{near}'"
                        ),
                    };
                    return Err(cond_error(Some(complaint), &near));
                }
            }
            self.depth -= 1;
            let redirects = self.closing()?;
            return Ok(Some(Command::Compound(
                Box::new(Compound::Cond(expr)),
                redirects,
            )));
        }
        if self.starts_with("((") {
            let Some(end) = self.arith_end()? else {
                return Ok(None);
            };
            let text: Vec<char> = self.src[self.pos + 2..end].to_vec();
            self.pos = end + 2;
            let parts = self.arith_parts(&text)?;
            let redirects = self.closing()?;
            return Ok(Some(Command::Compound(
                Box::new(Compound::Arith(parts)),
                redirects,
            )));
        }
        Ok(None)
    }

    /// Redirections after `]]` or `))`; a word there is bash's `unexpected token`.
    fn closing(&mut self) -> Result<Vec<super::ast::Redirect>, ParseError> {
        let redirects = self.trailing_redirects()?;
        match self.peek() {
            Some(c) if !is_meta(c) => Err(self.unexpected_token()),
            _ => Ok(redirects),
        }
    }

    /// Where the `))` closing the `((` at the cursor starts; `None` when the parentheses
    /// close some other way (`((echo a); echo b)` is two subshells).
    fn arith_end(&self) -> Result<Option<usize>, ParseError> {
        let mut i = self.pos + 2;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        loop {
            let Some(&c) = self.src.get(i) else {
                return Err(ParseError::Incomplete);
            };
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '\\') => i += 1,
                (None, '(') => depth += 1,
                (None, ')') if depth == 0 => {
                    return Ok((self.src.get(i + 1) == Some(&')')).then_some(i));
                }
                (None, ')') => depth -= 1,
                _ => {}
            }
            i += 1;
        }
    }

    /// An arithmetic expression's text as parts: `$…` and backticks are expanded before
    /// evaluation, double quotes are removed.
    fn arith_parts(&self, text: &[char]) -> Result<Vec<Part>, ParseError> {
        let mut sub = Parser::new(text, self.depth + 1);
        if sub.depth > super::grammar::MAX_DEPTH {
            return Err(ParseError::Unexpected("((".to_owned()));
        }
        let mut parts = Vec::new();
        let mut buf = String::new();
        while let Some(c) = sub.peek() {
            match c {
                '$' | '`' => {
                    if !buf.is_empty() {
                        parts.push(lit(&std::mem::take(&mut buf), false));
                    }
                    parts.push(if c == '$' {
                        sub.dollar(true)?
                    } else {
                        sub.backtick(true)?
                    });
                }
                '"' => sub.pos += 1,
                _ => {
                    buf.push(c);
                    sub.pos += 1;
                }
            }
        }
        if !buf.is_empty() {
            parts.push(lit(&buf, false));
        }
        Ok(parts)
    }

    /// `for (( init; cond; step ))`, cursor on `((`: the three expressions.
    pub(super) fn arith_for_header(&mut self) -> Result<[Vec<Part>; 3], ParseError> {
        let Some(end) = self.arith_end()? else {
            return Err(ParseError::Unexpected("(".to_owned()));
        };
        let text: Vec<char> = self.src[self.pos + 2..end].to_vec();
        let whole = self.text(self.pos, end + 2);
        self.pos = end + 2;
        let mut pieces: Vec<Vec<char>> = vec![Vec::new()];
        let mut depth = 0usize;
        for &c in &text {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ';' if depth == 0 => {
                    pieces.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            if let Some(last) = pieces.last_mut() {
                last.push(c);
            }
        }
        let [init, cond, step] = pieces.as_slice() else {
            return Err(ParseError::Other(vec![
                "syntax error: arithmetic expression required".to_owned(),
                format!("syntax error: `{whole}'"),
            ]));
        };
        Ok([
            self.arith_parts(init)?,
            self.arith_parts(cond)?,
            self.arith_parts(step)?,
        ])
    }

    /// The next token inside `[[ … ]]` (new lines are blanks there).
    fn cond_token(&mut self) -> Result<Tok, ParseError> {
        self.skip_lines();
        let Some(c) = self.peek() else {
            return Err(ParseError::Incomplete);
        };
        if self.starts_with("]]") && self.peek_at(2).is_none_or(is_meta) {
            self.pos += 2;
            return Ok(Tok::End);
        }
        for op in ["&&", "||", "(", ")"] {
            if self.starts_with(op) {
                self.pos += op.len();
                return Ok(Tok::Op(op));
            }
        }
        if matches!(c, '<' | '>') {
            self.pos += 1;
            let text = c.to_string();
            return Ok(Tok::Word(Word {
                parts: vec![lit(&text, false)],
                raw: text,
            }));
        }
        if is_meta(c) {
            // `;`, `|` or `&` alone: bash reports the character itself.
            self.pos += 1;
            let near = c.to_string();
            return Err(cond_error(
                Some(format!("unexpected token `{near}' in conditional command")),
                &near,
            ));
        }
        Ok(Tok::Word(self.word(false)?))
    }

    /// The next token, without consuming it.
    fn cond_peek(&mut self) -> Result<Tok, ParseError> {
        let save = self.pos;
        let tok = self.cond_token();
        self.pos = save;
        tok
    }

    /// `and (|| and)*`
    fn cond_or(&mut self) -> Result<CondExpr, ParseError> {
        let mut left = self.cond_and()?;
        while self.cond_peek()? == Tok::Op("||") {
            self.cond_token()?;
            let right = self.cond_and()?;
            left = CondExpr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `term (&& term)*`
    fn cond_and(&mut self) -> Result<CondExpr, ParseError> {
        let mut left = self.cond_term()?;
        while self.cond_peek()? == Tok::Op("&&") {
            self.cond_token()?;
            let right = self.cond_term()?;
            left = CondExpr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `! term`, `( expression )`, `-op word`, `word op word` or `word`.
    fn cond_term(&mut self) -> Result<CondExpr, ParseError> {
        self.enter()?;
        let tok = self.cond_token()?;
        let expr = match tok {
            Tok::End => return Err(cond_error(None, "]]")),
            Tok::Op("(") => {
                let inner = self.cond_or()?;
                match self.cond_token()? {
                    Tok::Op(")") => inner,
                    tok => {
                        let near = tok.text();
                        return Err(cond_error(
                            Some(format!("unexpected token `{near}', expected `)'")),
                            &near,
                        ));
                    }
                }
            }
            Tok::Op(op) => {
                return Err(cond_error(
                    Some(format!("unexpected token `{op}' in conditional command")),
                    op,
                ));
            }
            Tok::Word(word) if word.raw == "!" => CondExpr::Not(Box::new(self.cond_term()?)),
            Tok::Word(word) if UNARY.contains(&word.raw.as_str()) => match self.cond_token()? {
                Tok::Word(arg) => CondExpr::Unary(word.raw, arg),
                tok => {
                    let near = tok.text();
                    return Err(cond_error(
                        Some(format!(
                            "unexpected argument `{near}' to conditional unary operator"
                        )),
                        &near,
                    ));
                }
            },
            Tok::Word(left) => match self.cond_peek()? {
                Tok::End | Tok::Op("&&" | "||" | ")") => CondExpr::Word(left),
                tok if BINARY.iter().any(|op| tok.is(op)) => {
                    let op = tok.text();
                    self.cond_token()?;
                    let right = if op == "=~" {
                        self.regex_word()?
                    } else {
                        match self.cond_token()? {
                            Tok::Word(right) => right,
                            tok => {
                                let near = tok.text();
                                return Err(cond_error(
                                    Some(format!(
                                        "unexpected argument `{near}' to conditional binary operator"
                                    )),
                                    &near,
                                ));
                            }
                        }
                    };
                    CondExpr::Binary { op, left, right }
                }
                tok => {
                    self.cond_token()?;
                    return Err(cond_error(
                        Some("conditional binary operator expected".to_owned()),
                        &tok.text(),
                    ));
                }
            },
        };
        self.depth -= 1;
        Ok(expr)
    }

    /// The right side of `=~`: a word in which `(`, `)` and `|` are ordinary characters and
    /// blanks inside parentheses belong to it.
    fn regex_word(&mut self) -> Result<Word, ParseError> {
        self.skip_lines();
        let start = self.pos;
        let mut parts = Vec::new();
        let mut depth = 0usize;
        loop {
            let Some(c) = self.peek() else {
                if depth > 0 {
                    return Err(ParseError::Unmatched(')'));
                }
                return Err(ParseError::Incomplete);
            };
            if depth == 0 && matches!(c, ' ' | '\t' | '\n' | '\r') {
                break;
            }
            if depth == 0 && c == ')' {
                break;
            }
            if depth == 0 && (self.starts_with("&&") || self.starts_with("||")) {
                break;
            }
            if is_meta(c) {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                parts.push(lit(&c.to_string(), false));
                self.pos += 1;
                continue;
            }
            let word = self.word(false)?;
            parts.extend(word.parts);
        }
        if self.pos == start {
            let near = self.cond_peek()?.text();
            return Err(cond_error(
                Some(format!(
                    "unexpected argument `{near}' to conditional binary operator"
                )),
                &near,
            ));
        }
        Ok(Word {
            parts,
            raw: self.text(start, self.pos),
        })
    }
}
