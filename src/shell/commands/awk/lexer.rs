//! Splits awk program text into tokens, as mawk's scanner does: a `/` starts a regular
//! expression where an operand is expected and divides elsewhere; newlines are tokens
//! (they end statements) except after `{`, `&&`, `||`, `,`, `do`, `else` and a backslash.

/// One token of program text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A number literal.
    Num(f64),
    /// A string literal, escapes already processed.
    Str(String),
    /// A regular expression literal's text (between the slashes).
    Regex(String),
    /// A name: variable, keyword, or builtin function.
    Name(String),
    /// A user function call: a name directly followed by `(`.
    Call(String),
    /// An operator or punctuation (`{`, `>=`, `++`, …).
    Op(&'static str),
    /// A newline: it ends a statement.
    Newline,
}

impl Tok {
    /// How mawk shows the token in "syntax error at or near …".
    pub(super) fn shown(&self) -> String {
        match self {
            Tok::Num(n) => super::value::number_text(*n, "%.6g"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Regex(r) => format!("/{r}/"),
            Tok::Name(n) | Tok::Call(n) => n.clone(),
            Tok::Op(o) => (*o).to_owned(),
            Tok::Newline => "end of line".to_owned(),
        }
    }
}

/// Operators, longest first so that `>=` wins over `>`.
const OPS: &[&str] = &[
    "&&", "||", "==", "!=", ">=", "<=", "!~", "++", "--", "+=", "-=", "*=", "/=", "%=", "^=", ">>",
    "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/", "%", "^", "!", ">", "<", "|", "?",
    ":", "~", "$", "=",
];

/// The most tokens a program may have (attacker programs are short).
const MAX_TOKENS: usize = 20_000;

/// Whether a `/` after `prev` starts a regular expression (no operand precedes it).
fn regex_allowed(prev: Option<&Tok>) -> bool {
    match prev {
        None => true,
        Some(Tok::Num(_) | Tok::Str(_) | Tok::Regex(_)) => false,
        Some(Tok::Name(n)) => matches!(n.as_str(), "print" | "printf" | "return" | "in"),
        Some(Tok::Op(o)) => !matches!(*o, ")" | "]" | "$" | "++" | "--"),
        Some(_) => true,
    }
}

/// Tokenizes `text`, or returns mawk's error message.
pub(super) fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        if out.len() > MAX_TOKENS {
            return Err(format!("mawk: line {line}: program too long\n"));
        }
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => i += 1,
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                i += 2;
                line += 1;
            }
            '\n' => {
                line += 1;
                i += 1;
                out.push(Tok::Newline);
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None | Some('\n') => {
                            return Err(format!(
                                "mawk: line {line}: runaway string constant \"{} ...\n",
                                s.chars().take(10).collect::<String>()
                            ));
                        }
                        Some('"') => break,
                        Some('\\') => {
                            i += 1;
                            i += escape(&chars[i.min(chars.len())..], &mut s);
                            continue;
                        }
                        Some(&other) => s.push(other),
                    }
                    i += 1;
                }
                i += 1;
                out.push(Tok::Str(s));
            }
            '/' if regex_allowed(out.last()) => {
                i += 1;
                let mut re = String::new();
                loop {
                    match chars.get(i) {
                        None | Some('\n') => {
                            return Err(format!(
                                "mawk: line {line}: runaway regular expression /{} ...\n",
                                re.chars().take(10).collect::<String>()
                            ));
                        }
                        Some('/') => break,
                        Some('\\') if chars.get(i + 1) == Some(&'/') => {
                            re.push('/');
                            i += 1;
                        }
                        Some('\\') => {
                            re.push('\\');
                            if let Some(&next) = chars.get(i + 1) {
                                re.push(next);
                                i += 1;
                            }
                        }
                        Some(&other) => re.push(other),
                    }
                    i += 1;
                }
                i += 1;
                out.push(Tok::Regex(re));
            }
            _ if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                if matches!(chars.get(i), Some('e' | 'E')) {
                    let mut j = i + 1;
                    if matches!(chars.get(j), Some('+' | '-')) {
                        j += 1;
                    }
                    if chars.get(j).is_some_and(char::is_ascii_digit) {
                        i = j;
                        while i < chars.len() && chars[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Tok::Num(super::value::leading_number(&text)));
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&'(') && !super::ast::is_keyword_or_builtin(&name) {
                    out.push(Tok::Call(name));
                } else {
                    out.push(Tok::Name(name));
                }
            }
            _ => {
                let rest: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                    return Err(format!("mawk: line {line}: unexpected character '{c}'\n"));
                };
                i += op.chars().count();
                out.push(Tok::Op(op));
            }
        }
    }
    Ok(out)
}

/// One backslash escape in a string literal (the text after the backslash); returns the
/// characters it used.
pub(super) fn escape(rest: &[char], out: &mut String) -> usize {
    let Some(&c) = rest.first() else {
        out.push('\\');
        return 0;
    };
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '"' => Some('"'),
        '/' => Some('/'),
        _ => None,
    };
    if let Some(s) = simple {
        out.push(s);
        return 1;
    }
    if c.is_digit(8) {
        let digits: String = rest.iter().take(3).take_while(|d| d.is_digit(8)).collect();
        let code = u32::from_str_radix(&digits, 8).unwrap_or(0) & 0xff;
        out.push(char::from_u32(code).unwrap_or('?'));
        return digits.len();
    }
    out.push('\\');
    out.push(c);
    1
}
