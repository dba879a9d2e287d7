//! The parsed form of an awk program: rules, statements and expressions.

use std::collections::HashMap;

/// Names that are keywords or builtin functions (a `(` after them is no user call).
pub(super) fn is_keyword_or_builtin(name: &str) -> bool {
    matches!(
        name,
        "BEGIN"
            | "END"
            | "function"
            | "func"
            | "if"
            | "else"
            | "while"
            | "for"
            | "do"
            | "break"
            | "continue"
            | "next"
            | "nextfile"
            | "exit"
            | "return"
            | "delete"
            | "in"
            | "getline"
            | "print"
            | "printf"
    ) || is_builtin(name)
}

/// The builtin functions.
pub(super) fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "length"
            | "substr"
            | "index"
            | "split"
            | "sub"
            | "gsub"
            | "match"
            | "sprintf"
            | "tolower"
            | "toupper"
            | "int"
            | "sqrt"
            | "exp"
            | "log"
            | "sin"
            | "cos"
            | "atan2"
            | "rand"
            | "srand"
            | "system"
            | "close"
            | "fflush"
    )
}

/// An expression.
#[derive(Debug, Clone)]
pub(super) enum Expr {
    Num(f64),
    Str(String),
    /// A regex literal: as a value it matches `$0`.
    Regex(String),
    Var(String),
    Field(Box<Expr>),
    Index(String, Vec<Expr>),
    /// `target op= value` (`op` is `None` for plain `=`).
    Assign(Option<&'static str>, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Plus(Box<Expr>),
    /// `+ - * / % ^`.
    Arith(&'static str, Box<Expr>, Box<Expr>),
    /// `< <= == != >= >`.
    Cmp(&'static str, Box<Expr>, Box<Expr>),
    /// `~` (or `!~` when the flag is set).
    Match(bool, Box<Expr>, Box<Expr>),
    Concat(Box<Expr>, Box<Expr>),
    In(Vec<Expr>, String),
    /// `++x`/`--x` (pre) or `x++`/`x--`, with the step.
    IncDec(bool, f64, Box<Expr>),
    Builtin(String, Vec<Expr>),
    Call(String, Vec<Expr>),
}

/// Where `print` output goes.
#[derive(Debug, Clone)]
pub(super) enum Dest {
    Stdout,
    File(Expr, bool),
    Pipe(Expr),
}

/// A statement.
#[derive(Debug, Clone)]
pub(super) enum Stmt {
    Print(Vec<Expr>, Dest),
    Printf(Vec<Expr>, Dest),
    Expr(Expr),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    Do(Box<Stmt>, Expr),
    For(
        Option<Box<Stmt>>,
        Option<Expr>,
        Option<Box<Stmt>>,
        Box<Stmt>,
    ),
    ForIn(String, String, Box<Stmt>),
    Block(Vec<Stmt>),
    Next,
    Exit(Option<Expr>),
    Return(Option<Expr>),
    Break,
    Continue,
    Delete(String, Option<Vec<Expr>>),
}

/// When a rule runs.
#[derive(Debug, Clone)]
pub(super) enum Pattern {
    Begin,
    End,
    All,
    Expr(Expr),
    Range(Expr, Expr),
}

/// `pattern { action }`; no action prints the record.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub pattern: Pattern,
    pub action: Option<Vec<Stmt>>,
}

/// A user-defined function.
#[derive(Debug, Clone)]
pub(super) struct Function {
    pub params: Vec<String>,
    pub body: Vec<Stmt>,
}

/// A whole program.
#[derive(Debug, Clone, Default)]
pub(super) struct Program {
    pub rules: Vec<Rule>,
    pub functions: HashMap<String, Function>,
}
