//! The syntax tree: a [`List`] of [`Pipeline`]s of [`Command`]s, whose [`Word`]s stay
//! unexpanded, and the [`ParseError`]s with bash's wording.

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
    /// Ended by `&`: it runs in the background (bash backgrounds the whole `&&`/`||` list it
    /// ends; here its last pipeline carries the mark).
    pub background: bool,
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
    /// `if`, `for`, `while`, `until`, `case` or `{ … }`, with its redirections.
    Compound(Box<Compound>, Vec<Redirect>),
    /// `name() body` or `function name body`: defines a function.
    Function {
        /// The function's name.
        name: String,
        /// The definition's text, from the name to the end of the body (what is stored).
        source: String,
        /// The body.
        body: Box<Command>,
    },
}

/// A compound command.
#[derive(Debug, Clone, PartialEq)]
pub enum Compound {
    /// `if c; then b; elif c; then b; else b; fi`: each condition with its body.
    If {
        /// `(condition, body)` for the `if` and every `elif`.
        branches: Vec<(List, List)>,
        /// The `else` body.
        otherwise: Option<List>,
    },
    /// `for name in words; do body; done` (`words` is `None` for `for name; do`: `"$@"`).
    For {
        /// The loop variable.
        var: String,
        /// The words after `in`.
        words: Option<Vec<Word>>,
        /// The body.
        body: List,
    },
    /// `while cond; do body; done` or `until`.
    While {
        /// `until`: loop while the condition fails.
        until: bool,
        /// The condition.
        cond: List,
        /// The body.
        body: List,
    },
    /// `case word in pat|pat) body;; esac`.
    Case {
        /// The word matched.
        word: Word,
        /// Each arm: patterns, body, and whether it ends in `;&` (fall through) or `;;&`
        /// (test the next arms).
        arms: Vec<CaseArm>,
    },
    /// `{ list; }`.
    Group(List),
    /// `select name in words; do body; done`: a numbered menu on standard error, one
    /// choice read per round from standard input.
    Select {
        /// The variable set to the chosen word.
        var: String,
        /// The words after `in` (`None`: `"$@"`).
        words: Option<Vec<Word>>,
        /// The body.
        body: List,
    },
    /// `[[ expression ]]`.
    Cond(CondExpr),
    /// `(( expression ))`: the expression's text, expanded like `$((…))` before it is
    /// evaluated.
    Arith(Vec<Part>),
    /// `for (( init; cond; step )); do body; done`.
    ArithFor {
        /// The three expressions, each expanded like `$((…))` when it is evaluated.
        exprs: [Vec<Part>; 3],
        /// The body.
        body: List,
    },
}

/// The expression inside `[[ … ]]`; its words are expanded without splitting or globbing.
#[derive(Debug, Clone, PartialEq)]
pub enum CondExpr {
    /// `! expression`.
    Not(Box<CondExpr>),
    /// `left && right`.
    And(Box<CondExpr>, Box<CondExpr>),
    /// `left || right`.
    Or(Box<CondExpr>, Box<CondExpr>),
    /// A unary test such as `-f file` or `-z string`: the operator and its operand.
    Unary(String, Word),
    /// A binary test such as `a == pattern`, `a =~ regex` or `1 -lt 2`.
    Binary {
        /// The operator as typed (`==`, `=~`, `-eq`, `<`, …).
        op: String,
        /// The left operand.
        left: Word,
        /// The right operand (a pattern for `==`/`!=`, a regular expression for `=~`).
        right: Word,
    },
    /// A lone word: true when it expands to a non-empty string.
    Word(Word),
}

/// One arm of a `case`.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseArm {
    /// The patterns, joined by `|`.
    pub patterns: Vec<Word>,
    /// The commands.
    pub body: List,
    /// How the arm ends: `;;` (stop), `;&` (run the next body) or `;;&` (test the next arms).
    pub end: CaseEnd,
}

/// How a `case` arm ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseEnd {
    /// `;;` or `esac`.
    Break,
    /// `;&`.
    FallThrough,
    /// `;;&`.
    Continue,
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
    /// The file, descriptor number or here-string word on the right (for `<<`, the
    /// delimiter).
    pub target: Word,
    /// For `<<`: the here-document's body, when the text held it.
    pub heredoc: Option<HereDoc>,
}

/// A here-document's body, as read from the lines after its command.
#[derive(Debug, Clone, PartialEq)]
pub struct HereDoc {
    /// The body's lines, each ending in a newline.
    pub text: String,
    /// The delimiter was quoted (`<<'EOF'`): the body is taken literally.
    pub quoted: bool,
    /// The delimiter line came; `false` when the text ended first.
    pub closed: bool,
    /// The delimiter, quotes removed (`EOF`).
    pub delimiter: String,
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
    /// `<<`: a here-document, whose body follows the command's line.
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
    /// The line ended inside `if`, `for`, `while`, `case`, `{` or a function: an interactive
    /// shell reads more lines (prompting `> `); elsewhere it is `unexpected end of file`.
    Incomplete,
    /// An error bash words its own way (`[[ … ]]`, `for (( … ))`): the whole message, each
    /// line without the `-bash: ` prefix.
    Other(Vec<String>),
}

impl ParseError {
    /// Whether more lines could complete the text: it stops inside a construct, a quote, a
    /// substitution or after `&&`/`||`/`|`, where bash reads on (prompting `> `).
    pub fn wants_more(&self) -> bool {
        matches!(
            self,
            ParseError::Incomplete | ParseError::Unmatched(_) | ParseError::UnexpectedEof
        )
    }

    /// What an interactive login bash prints for this error (status 2).
    pub fn message(&self) -> String {
        match self {
            ParseError::Unexpected(token) => {
                format!("-bash: syntax error near unexpected token `{token}'\n")
            }
            ParseError::UnexpectedEof | ParseError::Incomplete => {
                "-bash: syntax error: unexpected end of file\n".to_owned()
            }
            ParseError::Unmatched(c) => {
                format!("-bash: unexpected EOF while looking for matching `{c}'\n")
            }
            ParseError::Other(lines) => lines.iter().map(|l| format!("-bash: {l}\n")).collect(),
        }
    }
}
