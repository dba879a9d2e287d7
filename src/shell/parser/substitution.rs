//! `$…` and `` `…` ``: parameters, `${…}` with its operators, `$(…)`, `$((…))` and backticks.

use super::ast::{ParamOp, ParseError, Part};
use super::grammar::{Parser, is_name};
use super::word::{flush, lit};

impl Parser<'_> {
    /// After `$`: a parameter, `${…}`, `$(…)`, `$((…))` or a literal `$`.
    pub(super) fn dollar(&mut self, quoted: bool) -> Result<Part, ParseError> {
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
        let mut sub = Parser::new(&text, self.depth);
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
    pub(super) fn backtick(&mut self, quoted: bool) -> Result<Part, ParseError> {
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
        // `$(cat <<EOF …)` holds its own here-documents.
        let inner: String = inner.iter().collect();
        let (inner, heredocs) = super::heredoc::split_heredocs(&inner);
        let inner: Vec<char> = inner.chars().collect();
        let mut sub = Parser::new(&inner, self.depth);
        sub.heredocs = heredocs;
        sub.heredocs.reverse();
        let body = sub.list(false)?;
        self.depth -= 1;
        Ok(Part::CommandSub { body, quoted })
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
