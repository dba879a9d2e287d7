//! The awk grammar over [`Tok`]s: rules and statements (expressions are in
//! [`super::expr`]). Nesting is bounded so that no program text can exhaust the stack.

use super::ast::{Dest, Expr, Function, Pattern, Program, Rule, Stmt};
use super::lexer::Tok;

/// The deepest nesting of expressions and statements accepted (each operand of a chain
/// like `a b c` or `a + b + c` counts as one level: the tree is that deep).
pub(super) const MAX_DEPTH: usize = 50;

/// Parses a token list into a program, or mawk's syntax error.
pub(super) fn parse(toks: Vec<Tok>) -> Result<Program, String> {
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let mut program = Program::default();
    loop {
        p.skip_terminators();
        let Some(tok) = p.peek().cloned() else {
            break;
        };
        if matches!(&tok, Tok::Name(n) if n == "function" || n == "func") {
            p.at += 1;
            let name = match p.next() {
                Some(Tok::Name(n) | Tok::Call(n)) => n,
                _ => return Err(p.error_before()),
            };
            p.expect("(")?;
            let mut params = Vec::new();
            while let Some(Tok::Name(param)) = p.peek().cloned() {
                p.at += 1;
                params.push(param);
                if !p.eat(",") {
                    break;
                }
                p.skip_newlines();
            }
            p.expect(")")?;
            p.skip_newlines();
            let body = p.block()?;
            program.functions.insert(name, Function { params, body });
            continue;
        }
        let pattern = match &tok {
            Tok::Name(n) if n == "BEGIN" => {
                p.at += 1;
                Pattern::Begin
            }
            Tok::Name(n) if n == "END" => {
                p.at += 1;
                Pattern::End
            }
            Tok::Op("{") => Pattern::All,
            _ => {
                let first = p.expr(false)?;
                if p.eat(",") {
                    p.skip_newlines();
                    Pattern::Range(first, p.expr(false)?)
                } else {
                    Pattern::Expr(first)
                }
            }
        };
        let action = if p.peek() == Some(&Tok::Op("{")) {
            Some(p.block()?)
        } else if matches!(pattern, Pattern::Begin | Pattern::End) {
            return Err(p.error_here());
        } else {
            None
        };
        program.rules.push(Rule { pattern, action });
    }
    Ok(program)
}

/// A recursive-descent parser over tokens.
pub(super) struct Parser {
    pub(super) toks: Vec<Tok>,
    pub(super) at: usize,
    pub(super) depth: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    pub(super) fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        tok
    }

    pub(super) fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    pub(super) fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == name)
    }

    pub(super) fn eat(&mut self, op: &str) -> bool {
        let hit = self.is_op(op);
        if hit {
            self.at += 1;
        }
        hit
    }

    pub(super) fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(self.error_here())
        }
    }

    pub(super) fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.at += 1;
        }
    }

    pub(super) fn skip_terminators(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline | Tok::Op(";"))) {
            self.at += 1;
        }
    }

    /// The line of the token at `at` (newline tokens before it, plus one).
    fn line(&self, at: usize) -> usize {
        1 + self.toks[..at.min(self.toks.len())]
            .iter()
            .filter(|t| **t == Tok::Newline)
            .count()
    }

    /// mawk's message for an unexpected token at the current position.
    pub(super) fn error_here(&self) -> String {
        match self.peek() {
            Some(tok) => format!(
                "mawk: line {}: syntax error at or near {}\n",
                self.line(self.at),
                tok.shown()
            ),
            None if self.depth_in_block() => format!(
                "mawk: line {}: missing }} near end of file\n",
                self.line(self.at) + 1
            ),
            None => format!(
                "mawk: line {}: syntax error at or near end of file\n",
                self.line(self.at)
            ),
        }
    }

    /// The error for the token just consumed.
    pub(super) fn error_before(&mut self) -> String {
        self.at = self.at.saturating_sub(1);
        self.error_here()
    }

    /// Whether more `{` than `}` have been read.
    fn depth_in_block(&self) -> bool {
        let opens = self.toks.iter().filter(|t| **t == Tok::Op("{")).count();
        let closes = self.toks.iter().filter(|t| **t == Tok::Op("}")).count();
        opens > closes
    }

    pub(super) fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "mawk: line {}: program nested too deeply\n",
                self.line(self.at)
            ));
        }
        Ok(())
    }

    /// `{ statements }`.
    fn block(&mut self) -> Result<Vec<Stmt>, String> {
        self.expect("{")?;
        self.enter()?;
        let mut body = Vec::new();
        loop {
            self.skip_terminators();
            if self.eat("}") {
                break;
            }
            if self.peek().is_none() {
                return Err(self.error_here());
            }
            body.push(self.statement()?);
        }
        self.depth -= 1;
        Ok(body)
    }

    /// Ends a simple statement: `;`, a newline, or (without consuming it) `}`.
    fn end_simple(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Op(";") | Tok::Newline) => {
                self.at += 1;
                Ok(())
            }
            Some(Tok::Op("}")) | None => Ok(()),
            _ => Err(self.error_here()),
        }
    }

    /// A statement body after `if (…)`, `while (…)`, `else`, …: newlines may come first.
    fn body(&mut self) -> Result<Stmt, String> {
        self.skip_newlines();
        if self.eat(";") {
            return Ok(Stmt::Block(Vec::new()));
        }
        self.statement()
    }

    fn statement(&mut self) -> Result<Stmt, String> {
        self.enter()?;
        let stmt = self.statement_inner();
        self.depth -= 1;
        stmt
    }

    fn statement_inner(&mut self) -> Result<Stmt, String> {
        if self.is_op("{") {
            return Ok(Stmt::Block(self.block()?));
        }
        let keyword = match self.peek() {
            Some(Tok::Name(n)) => n.clone(),
            _ => String::new(),
        };
        match keyword.as_str() {
            "if" => {
                self.at += 1;
                self.expect("(")?;
                let cond = self.expr(false)?;
                self.expect(")")?;
                let then = self.body()?;
                // `else` may follow after terminators.
                let save = self.at;
                self.skip_terminators();
                if self.is_name("else") {
                    self.at += 1;
                    let other = self.body()?;
                    return Ok(Stmt::If(cond, Box::new(then), Some(Box::new(other))));
                }
                self.at = save;
                Ok(Stmt::If(cond, Box::new(then), None))
            }
            "while" => {
                self.at += 1;
                self.expect("(")?;
                let cond = self.expr(false)?;
                self.expect(")")?;
                if self.eat(";") {
                    return Ok(Stmt::While(cond, Box::new(Stmt::Block(Vec::new()))));
                }
                Ok(Stmt::While(cond, Box::new(self.body()?)))
            }
            "do" => {
                self.at += 1;
                let body = self.body()?;
                self.skip_terminators();
                if !self.is_name("while") {
                    return Err(self.error_here());
                }
                self.at += 1;
                self.expect("(")?;
                let cond = self.expr(false)?;
                self.expect(")")?;
                self.end_simple()?;
                Ok(Stmt::Do(Box::new(body), cond))
            }
            "for" => {
                self.at += 1;
                self.expect("(")?;
                if let (Some(Tok::Name(var)), Some(Tok::Name(kw)), Some(Tok::Name(arr))) = (
                    self.toks.get(self.at).cloned(),
                    self.toks.get(self.at + 1).cloned(),
                    self.toks.get(self.at + 2).cloned(),
                ) && kw == "in"
                    && self.toks.get(self.at + 3) == Some(&Tok::Op(")"))
                {
                    self.at += 4;
                    return Ok(Stmt::ForIn(var, arr, Box::new(self.body()?)));
                }
                let init = if self.is_op(";") {
                    None
                } else {
                    Some(Box::new(Stmt::Expr(self.expr(false)?)))
                };
                self.expect(";")?;
                self.skip_newlines();
                let cond = if self.is_op(";") {
                    None
                } else {
                    Some(self.expr(false)?)
                };
                self.expect(";")?;
                self.skip_newlines();
                let step = if self.is_op(")") {
                    None
                } else {
                    Some(Box::new(Stmt::Expr(self.expr(false)?)))
                };
                self.expect(")")?;
                Ok(Stmt::For(init, cond, step, Box::new(self.body()?)))
            }
            "print" | "printf" => {
                self.at += 1;
                let args = self.print_args()?;
                let dest = if self.eat(">") {
                    Dest::File(self.concat(true)?, false)
                } else if self.eat(">>") {
                    Dest::File(self.concat(true)?, true)
                } else if self.eat("|") {
                    Dest::Pipe(self.concat(true)?)
                } else {
                    Dest::Stdout
                };
                if keyword == "printf" && args.is_empty() {
                    return Err(self.error_here());
                }
                self.end_simple()?;
                Ok(if keyword == "print" {
                    Stmt::Print(args, dest)
                } else {
                    Stmt::Printf(args, dest)
                })
            }
            "next" | "break" | "continue" => {
                self.at += 1;
                self.end_simple()?;
                Ok(match keyword.as_str() {
                    "next" => Stmt::Next,
                    "break" => Stmt::Break,
                    _ => Stmt::Continue,
                })
            }
            "exit" | "return" => {
                self.at += 1;
                let value = match self.peek() {
                    Some(Tok::Op(";" | "}") | Tok::Newline) | None => None,
                    _ => Some(self.expr(false)?),
                };
                self.end_simple()?;
                Ok(if keyword == "exit" {
                    Stmt::Exit(value)
                } else {
                    Stmt::Return(value)
                })
            }
            "delete" => {
                self.at += 1;
                let Some(Tok::Name(name)) = self.next() else {
                    return Err(self.error_before());
                };
                let index = if self.eat("[") {
                    let list = self.expr_list(false)?;
                    self.expect("]")?;
                    Some(list)
                } else {
                    None
                };
                self.end_simple()?;
                Ok(Stmt::Delete(name, index))
            }
            _ => {
                let expr = self.expr(false)?;
                self.end_simple()?;
                Ok(Stmt::Expr(expr))
            }
        }
    }

    /// `print`'s arguments: a list, possibly in parentheses; `>` is a redirection here.
    fn print_args(&mut self) -> Result<Vec<Expr>, String> {
        if matches!(
            self.peek(),
            Some(Tok::Op(";" | "}" | ">" | ">>" | "|") | Tok::Newline) | None
        ) {
            return Ok(Vec::new());
        }
        if self.is_op("(") {
            let save = self.at;
            self.at += 1;
            if let Ok(list) = self.expr_list(false)
                && self.eat(")")
                && matches!(
                    self.peek(),
                    Some(Tok::Op(";" | "}" | ">" | ">>" | "|") | Tok::Newline) | None
                )
            {
                return Ok(list);
            }
            self.at = save;
        }
        self.expr_list(true)
    }

    pub(super) fn expr_list(&mut self, no_gt: bool) -> Result<Vec<Expr>, String> {
        let mut list = vec![self.expr(no_gt)?];
        while self.eat(",") {
            self.skip_newlines();
            list.push(self.expr(no_gt)?);
        }
        Ok(list)
    }
}
