//! History expansion (`!!`, `!-2`, `!42`, `!ec`, `!$`, `^old^new`), as an interactive bash
//! applies it to each line it reads, before parsing: the expanded line is echoed (on
//! standard error) and then runs and goes into history in its expanded form.

use crate::shell::History;

/// What history expansion made of a line.
#[derive(Debug, PartialEq)]
pub(super) enum Expanded {
    /// No `!` event nor `^` substitution: the line stays as typed.
    Unchanged,
    /// The line after expansion.
    Line(String),
    /// Bash's error (`-bash: !x: event not found`); the line is dropped.
    Failed(String),
}

/// The longest line an expansion may produce (bash has no limit; the shell's line limit
/// applies afterwards anyway).
const MAX_EXPANDED: usize = 1 << 20;

/// Expands `line` against `history` (oldest first), whose first entry is number `base + 1`.
pub(super) fn expand(line: &str, history: &History, base: usize) -> Expanded {
    if let Some(rest) = line.strip_prefix('^') {
        return quick_substitution(rest, history);
    }
    if !line.contains('!') {
        return Expanded::Unchanged;
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut changed = false;
    let mut single = false;
    let mut double = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if !single => {
                out.push(c);
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                }
                i += 2;
                continue;
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '!' if !single => {
                let next = chars.get(i + 1).copied();
                // `!` before a blank, `=`, `(` or the end (and `!"` in quotes) stays.
                let literal = match next {
                    None | Some(' ' | '\t' | '\n' | '=' | '(') => true,
                    Some('"') => double,
                    _ => false,
                } || inhibited(&chars, i);
                if !literal {
                    let (event, used) = event_spec(&chars[i + 1..]);
                    let text: String = chars[i..i + 1 + used].iter().collect();
                    match resolve(&event, history, base) {
                        Some(value) => {
                            out.push_str(&value);
                            changed = true;
                            i += 1 + used;
                            if out.len() > MAX_EXPANDED {
                                return Expanded::Failed(format!(
                                    "-bash: {text}: event not found\n"
                                ));
                            }
                            continue;
                        }
                        None => {
                            return Expanded::Failed(format!("-bash: {text}: event not found\n"));
                        }
                    }
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    if changed {
        Expanded::Line(out)
    } else {
        Expanded::Unchanged
    }
}

/// Bash's exceptions for a `!` at `i`: `$!`, `${!name}`, and `[!…]` in a glob.
fn inhibited(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| chars[j]);
    match before {
        Some('$') => true,
        Some('{') => i >= 2 && chars[i - 2] == '$',
        Some('[') => chars[i + 1..].contains(&']'),
        _ => false,
    }
}

/// An event designator after `!`: what it asks for and how many characters it took.
enum Event {
    /// `!!`, `!-N`, `!N`: an entry by position (negative: counted back from the newest).
    Number(i64),
    /// `!string`: the newest entry starting with it.
    Prefix(String),
    /// `!$`: the previous command's last word.
    LastWord,
    /// `!^`: the previous command's first argument.
    FirstArg,
    /// `!*`: the previous command's arguments.
    AllArgs,
}

fn event_spec(rest: &[char]) -> (Event, usize) {
    match rest.first() {
        Some('!') => (Event::Number(-1), 1),
        Some('$') => (Event::LastWord, 1),
        Some('^') => (Event::FirstArg, 1),
        Some('*') => (Event::AllArgs, 1),
        Some(c) if c.is_ascii_digit() || *c == '-' => {
            let negative = *c == '-';
            let digits: String = rest[usize::from(negative)..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .take(18)
                .collect();
            if digits.is_empty() {
                return prefix_event(rest);
            }
            let n: i64 = digits.parse().unwrap_or(0);
            let used = usize::from(negative) + digits.len();
            (Event::Number(if negative { -n } else { n }), used)
        }
        _ => prefix_event(rest),
    }
}

fn prefix_event(rest: &[char]) -> (Event, usize) {
    let word: String = rest
        .iter()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ';' | '&' | '|' | '"' | '\''))
        .collect();
    let used = word.chars().count();
    (Event::Prefix(word), used)
}

fn resolve(event: &Event, history: &History, base: usize) -> Option<String> {
    let last = history.last();
    match event {
        Event::Number(n) if *n < 0 => {
            let back = usize::try_from(n.unsigned_abs()).ok()?;
            history
                .len()
                .checked_sub(back)
                .and_then(|i| history.get(i))
                .map(str::to_owned)
        }
        Event::Number(n) => {
            let number = usize::try_from(*n).ok()?;
            number
                .checked_sub(base + 1)
                .and_then(|i| history.get(i))
                .map(str::to_owned)
        }
        Event::Prefix(prefix) if !prefix.is_empty() => history
            .iter()
            .rev()
            .find(|entry| entry.starts_with(prefix.as_str()))
            .map(str::to_owned),
        Event::Prefix(_) => None,
        Event::LastWord => last
            .and_then(|l| l.split_whitespace().last())
            .map(str::to_owned),
        Event::FirstArg => last
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned),
        Event::AllArgs => last.map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")),
    }
}

/// `^old^new^rest`: the previous command with the first `old` replaced by `new`.
fn quick_substitution(rest: &str, history: &History) -> Expanded {
    let mut parts = rest.splitn(3, '^');
    let old = parts.next().unwrap_or("");
    let new = parts.next().unwrap_or("");
    let tail = parts.next().unwrap_or("");
    let failed = || Expanded::Failed(format!("-bash: :s^{old}^{new}: substitution failed\n"));
    let Some(last) = history.last() else {
        return Expanded::Failed("-bash: ^: event not found\n".to_owned());
    };
    if old.is_empty() || !last.contains(old) {
        return failed();
    }
    Expanded::Line(format!("{}{tail}", last.replacen(old, new, 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        ["echo hello world", "ls -la /tmp", "echo \"echo $?\" done"]
            .into_iter()
            .collect()
    }

    fn line(text: &str) -> Expanded {
        Expanded::Line(text.to_owned())
    }

    #[test]
    fn events_as_bash_expands_them() {
        let h = history();
        assert_eq!(expand("!!", &h, 0), line("echo \"echo $?\" done"));
        assert_eq!(expand("!-3 x", &h, 0), line("echo hello world x"));
        assert_eq!(expand("!2", &h, 0), line("ls -la /tmp"));
        assert_eq!(expand("!12", &h, 10), line("ls -la /tmp"));
        assert_eq!(expand("!ls | wc", &h, 0), line("ls -la /tmp | wc"));
        assert_eq!(expand("echo !$", &h, 0), line("echo done"));
        assert_eq!(
            expand("echo \"!!\"", &h, 0),
            line("echo \"echo \"echo $?\" done\"")
        );
        let first_two: History = h.iter().take(2).collect();
        assert_eq!(expand("^tmp^var", &first_two, 0), line("ls -la /var"));
    }

    #[test]
    fn what_stays_literal() {
        let h = history();
        for text in [
            "echo hi!",
            "echo '!!'",
            "echo \\!!",
            "[ ! -f x ]",
            "a!=b",
            "echo !(",
            "echo $! ${!x} [!a]*",
        ] {
            assert_eq!(expand(text, &h, 0), Expanded::Unchanged, "{text}");
        }
    }

    #[test]
    fn failures_name_the_event() {
        let h = history();
        assert_eq!(
            expand("!zz", &h, 0),
            Expanded::Failed("-bash: !zz: event not found\n".to_owned())
        );
        assert_eq!(
            expand("!99", &h, 0),
            Expanded::Failed("-bash: !99: event not found\n".to_owned())
        );
        assert_eq!(
            expand("^hello^bye", &h, 0),
            Expanded::Failed("-bash: :s^hello^bye: substitution failed\n".to_owned())
        );
        assert_eq!(
            expand("!!", &History::new(), 0),
            Expanded::Failed("-bash: !!: event not found\n".to_owned())
        );
    }
}
