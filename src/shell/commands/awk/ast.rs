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
    /// A number literal.
    Num(f64),
    /// A string literal.
    Str(String),
    /// A regex literal: as a value it matches `$0`.
    Regex(String),
    /// A variable.
    Var(String),
    /// `$expr`.
    Field(Box<Expr>),
    /// `array[i, j]`.
    Index(String, Vec<Expr>),
    /// `target op= value` (`op` is `None` for plain `=`).
    Assign(Option<&'static str>, Box<Expr>, Box<Expr>),
    /// `cond ? a : b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `a && b`.
    And(Box<Expr>, Box<Expr>),
    /// `a || b`.
    Or(Box<Expr>, Box<Expr>),
    /// `!a`.
    Not(Box<Expr>),
    /// `-a`.
    Neg(Box<Expr>),
    /// `+a`.
    Plus(Box<Expr>),
    /// `+ - * / % ^`.
    Arith(&'static str, Box<Expr>, Box<Expr>),
    /// `< <= == != >= >`.
    Cmp(&'static str, Box<Expr>, Box<Expr>),
    /// `~` (or `!~` when the flag is set).
    Match(bool, Box<Expr>, Box<Expr>),
    /// `a b`: concatenation.
    Concat(Box<Expr>, Box<Expr>),
    /// `(i, j) in array`.
    In(Vec<Expr>, String),
    /// `++x`/`--x` (pre) or `x++`/`x--`, with the step.
    IncDec(bool, f64, Box<Expr>),
    /// A builtin function call.
    Builtin(String, Vec<Expr>),
    /// A user function call.
    Call(String, Vec<Expr>),
}

/// Where `print` output goes.
#[derive(Debug, Clone)]
pub(super) enum Dest {
    /// Standard output.
    Stdout,
    /// `> file` (or `>> file` when the flag is set).
    File(Expr, bool),
    /// `| command` (never run).
    Pipe(Expr),
}

/// A statement.
#[derive(Debug, Clone)]
pub(super) enum Stmt {
    /// `print list`.
    Print(Vec<Expr>, Dest),
    /// `printf format, list`.
    Printf(Vec<Expr>, Dest),
    /// An expression statement.
    Expr(Expr),
    /// `if (c) s else t`.
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    /// `while (c) s`.
    While(Expr, Box<Stmt>),
    /// `do s while (c)`.
    Do(Box<Stmt>, Expr),
    /// `for (init; cond; step) s`.
    For(
        Option<Box<Stmt>>,
        Option<Expr>,
        Option<Box<Stmt>>,
        Box<Stmt>,
    ),
    /// `for (k in array) s`.
    ForIn(String, String, Box<Stmt>),
    /// `{ … }`.
    Block(Vec<Stmt>),
    /// `next`.
    Next,
    /// `exit [status]`.
    Exit(Option<Expr>),
    /// `return [value]`.
    Return(Option<Expr>),
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `delete array[i]` or `delete array`.
    Delete(String, Option<Vec<Expr>>),
}

/// When a rule runs.
#[derive(Debug, Clone)]
pub(super) enum Pattern {
    /// `BEGIN`.
    Begin,
    /// `END`.
    End,
    /// No pattern: every record.
    All,
    /// An expression: records for which it is true.
    Expr(Expr),
    /// `start, stop`: from a record matching one to one matching the other.
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
