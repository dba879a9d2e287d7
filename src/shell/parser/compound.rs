//! Compound commands: `if`, `for` (the `for ((…))` header is in `cond`), `while`/`until`,
//! `case`, `{ … }`, and function
//! definitions (`name() body`, `function name body`). Reserved words count only where a
//! command starts; a line that ends inside one is [`ParseError::Incomplete`].

use super::ast::{CaseArm, CaseEnd, Command, Compound, ParseError, Word};
use super::grammar::{Parser, is_meta, is_name};

/// Reserved words that open a compound command.
const OPENERS: &[&str] = &[
    "if", "for", "select", "while", "until", "case", "{", "function",
];

/// Reserved words that close or continue one: unexpected where a command starts elsewhere.
const CLOSERS: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac", "}"];

/// Whether `word` closes or continues a compound command.
pub(super) fn is_closer(word: &str) -> bool {
    CLOSERS.contains(&word)
}

impl Parser<'_> {
    /// The unquoted word at the cursor if it is a reserved word (`if`, `done`, `{`, …).
    pub(super) fn reserved_at(&self) -> Option<&'static str> {
        let mut n = 0;
        while self
            .peek_at(n)
            .is_some_and(|c| !is_meta(c) && !matches!(c, '\'' | '"' | '\\' | '$' | '`'))
        {
            n += 1;
            if n > 8 {
                return None;
            }
        }
        if self.peek_at(n).is_some_and(|c| !is_meta(c)) {
            return None;
        }
        let word = self.text(self.pos, self.pos + n);
        OPENERS
            .iter()
            .chain(CLOSERS)
            .chain(&["in"])
            .copied()
            .find(|w| *w == word)
    }

    /// Consumes the reserved word `word` (after blanks and newlines), or fails on what is there.
    fn expect(&mut self, word: &str) -> Result<(), ParseError> {
        self.skip_lines();
        if self.peek().is_none() {
            return Err(ParseError::Incomplete);
        }
        if self.reserved_at() == Some(word) {
            self.pos += word.len();
            return Ok(());
        }
        Err(self.unexpected_token())
    }

    /// Bash's token for an error at the cursor: the operator, or the word.
    pub(super) fn unexpected_token(&self) -> ParseError {
        if self.operator().is_some() || self.redirect_op().is_some() || self.peek().is_none() {
            return self.unexpected_here();
        }
        let mut end = self.pos;
        while self.src.get(end).is_some_and(|c| !is_meta(*c)) {
            end += 1;
        }
        ParseError::Unexpected(self.text(self.pos, end))
    }

    /// A list ending at one of `stops`, which must not be empty.
    fn body(&mut self, stops: &[&str]) -> Result<super::ast::List, ParseError> {
        let list = self.list_until(false, stops)?;
        if list.items.is_empty() {
            return Err(self.unexpected_token());
        }
        Ok(list)
    }

    /// A compound command or function definition at the cursor, if one starts here.
    pub(super) fn compound_or_function(&mut self) -> Result<Option<Command>, ParseError> {
        let start = self.pos;
        if let Some(name) = self.function_header()? {
            return self.function_body(name, start).map(Some);
        }
        let Some(word) = self.reserved_at() else {
            return Ok(None);
        };
        if !OPENERS.contains(&word) {
            return Ok(None);
        }
        if word == "function" {
            self.pos += word.len();
            self.skip_blanks();
            let from = self.pos;
            while self.peek().is_some_and(|c| !is_meta(c)) {
                self.pos += 1;
            }
            let name = self.text(from, self.pos);
            if name.is_empty() {
                return Err(self.unexpected_token());
            }
            self.skip_blanks();
            if self.peek() == Some('(') {
                self.pos += 1;
                self.skip_blanks();
                if self.peek() != Some(')') {
                    return Err(self.unexpected_token());
                }
                self.pos += 1;
            }
            return self.function_body(name, start).map(Some);
        }
        self.enter()?;
        let compound = self.compound(word)?;
        self.depth -= 1;
        let redirects = self.trailing_redirects()?;
        Ok(Some(Command::Compound(Box::new(compound), redirects)))
    }

    /// Redirections after a compound command.
    pub(super) fn trailing_redirects(&mut self) -> Result<Vec<super::ast::Redirect>, ParseError> {
        let mut redirects = Vec::new();
        loop {
            self.skip_blanks();
            if self.redirect_op().is_some() || self.fd_prefix().is_some() {
                redirects.push(self.redirect()?);
            } else {
                return Ok(redirects);
            }
        }
    }

    /// `name ( )` at the cursor: consumes it and returns the name.
    fn function_header(&mut self) -> Result<Option<String>, ParseError> {
        let mut n = 0;
        while self.peek_at(n).is_some_and(|c| !is_meta(c)) {
            n += 1;
        }
        let name = self.text(self.pos, self.pos + n);
        if n == 0 || self.peek_at(n) != Some('(') || name.contains(['\'', '"', '$', '`', '\\']) {
            return Ok(None);
        }
        if self.reserved_at().is_some() {
            return Ok(None);
        }
        let mut m = n + 1;
        while matches!(self.peek_at(m), Some(' ' | '\t')) {
            m += 1;
        }
        if self.peek_at(m) != Some(')') {
            return Ok(None);
        }
        self.pos += m + 1;
        Ok(Some(name))
    }

    /// The body of a function definition: a compound command.
    fn function_body(&mut self, name: String, start: usize) -> Result<Command, ParseError> {
        self.skip_lines();
        if self.peek().is_none() {
            return Err(ParseError::Incomplete);
        }
        self.enter()?;
        if let Some(body) = self.cond_or_arith()? {
            self.depth -= 1;
            return Ok(Command::Function {
                name,
                source: self.text(start, self.pos),
                body: Box::new(body),
            });
        }
        let body = match self.reserved_at() {
            Some(word) if OPENERS.contains(&word) && word != "function" => {
                let compound = self.compound(word)?;
                let redirects = self.trailing_redirects()?;
                Command::Compound(Box::new(compound), redirects)
            }
            _ if self.peek() == Some('(') => self.command()?,
            _ => return Err(self.unexpected_token()),
        };
        self.depth -= 1;
        Ok(Command::Function {
            name,
            source: self.text(start, self.pos),
            body: Box::new(body),
        })
    }

    /// The compound command opened by the reserved word `word` at the cursor.
    fn compound(&mut self, word: &str) -> Result<Compound, ParseError> {
        self.pos += word.len();
        match word {
            "if" => {
                let mut branches = Vec::new();
                let mut otherwise = None;
                loop {
                    let cond = self.body(&["then"])?;
                    self.expect("then")?;
                    let body = self.body(&["elif", "else", "fi"])?;
                    branches.push((cond, body));
                    match self.reserved_at() {
                        Some("elif") => self.pos += 4,
                        Some("else") => {
                            self.pos += 4;
                            otherwise = Some(self.body(&["fi"])?);
                            self.expect("fi")?;
                            break;
                        }
                        _ => {
                            self.expect("fi")?;
                            break;
                        }
                    }
                }
                Ok(Compound::If {
                    branches,
                    otherwise,
                })
            }
            "while" | "until" => {
                let cond = self.body(&["do"])?;
                self.expect("do")?;
                let body = self.body(&["done"])?;
                self.expect("done")?;
                Ok(Compound::While {
                    until: word == "until",
                    cond,
                    body,
                })
            }
            "for" => self.for_loop(),
            "select" => match self.for_loop()? {
                Compound::For { var, words, body } => Ok(Compound::Select { var, words, body }),
                // `select ((…))` is not bash syntax.
                _ => Err(ParseError::Unexpected("((".to_owned())),
            },
            "case" => self.case(),
            _ => {
                let body = self.body(&["}"])?;
                self.expect("}")?;
                Ok(Compound::Group(body))
            }
        }
    }

    /// `for name [in words]; do list; done`.
    fn for_loop(&mut self) -> Result<Compound, ParseError> {
        self.skip_blanks();
        if self.peek().is_none() {
            return Err(ParseError::Incomplete);
        }
        if self.starts_with("((") {
            let exprs = self.arith_for_header()?;
            self.skip_blanks();
            if self.operator() == Some(";") {
                self.pos += 1;
            }
            self.skip_lines();
            let body = if self.reserved_at() == Some("{") {
                self.pos += 1;
                let body = self.body(&["}"])?;
                self.expect("}")?;
                body
            } else {
                self.expect("do")?;
                let body = self.body(&["done"])?;
                self.expect("done")?;
                body
            };
            return Ok(Compound::ArithFor { exprs, body });
        }
        let from = self.pos;
        while self.peek().is_some_and(|c| !is_meta(c)) {
            self.pos += 1;
        }
        let var = self.text(from, self.pos);
        if var.is_empty() {
            return Err(self.unexpected_token());
        }
        if !is_name(&var) {
            return Err(ParseError::Unexpected(var));
        }
        self.skip_blanks();
        let mut words = None;
        if self.peek() == Some(';') && self.operator() == Some(";") {
            self.pos += 1;
        }
        self.skip_lines();
        if self.reserved_at() == Some("in") {
            self.pos += 2;
            let mut list: Vec<Word> = Vec::new();
            loop {
                self.skip_blanks();
                match self.peek() {
                    None => return Err(ParseError::Incomplete),
                    Some('\n') => {
                        self.pos += 1;
                        break;
                    }
                    Some(';') if self.operator() == Some(";") => {
                        self.pos += 1;
                        break;
                    }
                    Some(c) if is_meta(c) => return Err(self.unexpected_token()),
                    Some(_) => list.push(self.word(false)?),
                }
            }
            words = Some(list);
        }
        self.expect("do")?;
        let body = self.body(&["done"])?;
        self.expect("done")?;
        Ok(Compound::For { var, words, body })
    }

    /// `case word in (pattern | pattern) list ;; … esac`.
    fn case(&mut self) -> Result<Compound, ParseError> {
        self.skip_blanks();
        match self.peek() {
            None => return Err(ParseError::Incomplete),
            Some(c) if is_meta(c) => return Err(self.unexpected_token()),
            Some(_) => {}
        }
        let word = self.word(false)?;
        self.expect("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_lines();
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                _ if self.reserved_at() == Some("esac") => {
                    self.pos += 4;
                    break;
                }
                Some('(') => self.pos += 1,
                _ => {}
            }
            let mut patterns = Vec::new();
            loop {
                self.skip_blanks();
                match self.peek() {
                    None => return Err(ParseError::Incomplete),
                    Some(c) if is_meta(c) => return Err(self.unexpected_token()),
                    Some(_) => patterns.push(self.word(false)?),
                }
                self.skip_blanks();
                match self.peek() {
                    Some('|') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    None => return Err(ParseError::Incomplete),
                    _ => return Err(self.unexpected_token()),
                }
            }
            let body = self.list_until(false, &[";;", ";&", ";;&", "esac"])?;
            let end = match self.operator() {
                Some(";;") => CaseEnd::Break,
                Some(";&") => CaseEnd::FallThrough,
                Some(";;&") => CaseEnd::Continue,
                _ => {
                    arms.push(CaseArm {
                        patterns,
                        body,
                        end: CaseEnd::Break,
                    });
                    self.expect("esac")?;
                    break;
                }
            };
            self.pos += match end {
                CaseEnd::Continue => 3,
                _ => 2,
            };
            arms.push(CaseArm {
                patterns,
                body,
                end,
            });
        }
        Ok(Compound::Case { word, arms })
    }
}
