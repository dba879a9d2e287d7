//! Shell pattern matching (`*`, `?`, `[…]`) and the `${VAR#pattern}` family built on it;
//! pathname expansion ([`glob_match`]) and `find -name` reuse the matcher.
//!
//! Every operation works on `char` slices converted once and spends from a step budget
//! ([`MATCH_BUDGET`]): a hostile pattern on a large value gives up (leaving the value as it
//! is) instead of stalling the session.

/// Matcher steps one pattern operation may take.
pub const MATCH_BUDGET: usize = 4_000_000;

/// Whether `t` matches the whole of pattern `p`, spending `budget` (and failing once it is
/// spent).
fn matches_chars(p: &[char], t: &[char], budget: &mut usize) -> bool {
    // Iterative matching with one backtrack point for the last `*`: never recursive, so
    // hostile patterns cannot exhaust the stack.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        if pi < p.len() {
            let advance = match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => Some(1),
                '[' => match class(p, pi, t[ti]) {
                    Some((true, next)) => Some(next - pi),
                    Some((false, _)) => None,
                    // An unclosed `[` is an ordinary character.
                    None => (t[ti] == '[').then_some(1),
                },
                '\\' if pi + 1 < p.len() => (p[pi + 1] == t[ti]).then_some(2),
                c => (c == t[ti]).then_some(1),
            };
            if let Some(step) = advance {
                pi += step;
                ti += 1;
                continue;
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Matches `c` against the bracket expression starting at `p[start]` (`[`). Returns whether
/// it matched and the index after the closing `]`, or `None` if the bracket is not closed.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &here = p.get(i)?;
        if here == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            let end = p[i + 2];
            if here <= c && c <= end {
                matched = true;
            }
            i += 3;
        } else {
            if here == c {
                matched = true;
            }
            i += 1;
        }
    }
}

/// Whether `name` matches the whole of `pattern` (a `\` escapes the next character), as
/// pathname expansion and `find -name` match one file name.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = name.chars().collect();
    let mut budget = MATCH_BUDGET;
    matches_chars(&p, &t, &mut budget)
}

/// Whether `pattern` has an unescaped `*`, `?` or `[`.
pub fn has_glob(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// `pattern` with its backslash escapes removed.
pub fn unescape(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    for c in pattern.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// `${VALUE#pattern}` (`longest`: `##`): `value` without the shortest (longest) matching prefix.
pub fn remove_prefix(value: &str, pattern: &str, longest: bool) -> String {
    let v: Vec<char> = value.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let mut budget = MATCH_BUDGET;
    let mut cuts: Vec<usize> = (0..=v.len()).collect();
    if longest {
        cuts.reverse();
    }
    for i in cuts {
        if budget == 0 {
            break;
        }
        if matches_chars(&p, &v[..i], &mut budget) {
            return v[i..].iter().collect();
        }
    }
    value.to_owned()
}

/// `${VALUE%pattern}` (`longest`: `%%`): `value` without the shortest (longest) matching suffix.
pub fn remove_suffix(value: &str, pattern: &str, longest: bool) -> String {
    let v: Vec<char> = value.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let mut budget = MATCH_BUDGET;
    let mut cuts: Vec<usize> = (0..=v.len()).collect();
    if !longest {
        cuts.reverse();
    }
    for i in cuts {
        if budget == 0 {
            break;
        }
        if matches_chars(&p, &v[i..], &mut budget) {
            return v[..i].iter().collect();
        }
    }
    value.to_owned()
}

/// How `${VALUE/pattern/replacement}` places its match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Anywhere (`/` or `//`).
    Anywhere,
    /// At the start (`/#`).
    Start,
    /// At the end (`/%`).
    End,
}

/// `${VALUE/pattern/replacement}`: the longest match at the first (`all`: every) place.
pub fn replace(value: &str, pattern: &str, rep: &str, all: bool, anchor: Anchor) -> String {
    if pattern.is_empty() {
        return value.to_owned();
    }
    let v: Vec<char> = value.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let mut budget = MATCH_BUDGET;
    match anchor {
        Anchor::Start => {
            for end in (0..=v.len()).rev() {
                if matches_chars(&p, &v[..end], &mut budget) {
                    return format!("{rep}{}", v[end..].iter().collect::<String>());
                }
            }
            return value.to_owned();
        }
        Anchor::End => {
            for start in 0..=v.len() {
                if matches_chars(&p, &v[start..], &mut budget) {
                    return format!("{}{rep}", v[..start].iter().collect::<String>());
                }
            }
            return value.to_owned();
        }
        Anchor::Anywhere => {}
    }
    let mut out = String::new();
    let mut start = 0;
    let mut replaced = false;
    while start < v.len() {
        if budget == 0 || (replaced && !all) {
            break;
        }
        let found = (start + 1..=v.len())
            .rev()
            .find(|&end| matches_chars(&p, &v[start..end], &mut budget));
        match found {
            Some(end) => {
                out.push_str(rep);
                start = end;
                replaced = true;
            }
            None => {
                out.push(v[start]);
                start += 1;
            }
        }
    }
    out.extend(&v[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let mut budget = MATCH_BUDGET;
        matches_chars(&p, &t, &mut budget)
    }

    #[test]
    fn globs() {
        assert!(matches("*", ""));
        assert!(matches("a*c", "abbbc"));
        assert!(!matches("a*c", "abbbd"));
        assert!(matches("?b", "ab"));
        assert!(matches("[a-c]x", "bx"));
        assert!(!matches("[!a-c]x", "bx"));
        assert!(matches("*.tar.gz", "x.tar.gz"));
        assert!(matches("\\*", "*"));
        assert!(!matches("\\*", "a"));
        assert!(matches("[", "["));
        assert!(matches("*a*a*a*a*b", &format!("{}b", "a".repeat(200))));
    }

    #[test]
    fn operations() {
        assert_eq!(remove_prefix("a/b/c", "*/", false), "b/c");
        assert_eq!(remove_prefix("a/b/c", "*/", true), "c");
        assert_eq!(remove_suffix("a.b.c", ".*", false), "a.b");
        assert_eq!(remove_suffix("a.b.c", ".*", true), "a");
        assert_eq!(replace("aXbXc", "X", "-", false, Anchor::Anywhere), "a-bXc");
        assert_eq!(replace("aXbXc", "X", "-", true, Anchor::Anywhere), "a-b-c");
        assert_eq!(replace("aXbXc", "a", "-", true, Anchor::Start), "-XbXc");
        assert_eq!(replace("aXbXc", "c", "-", true, Anchor::End), "aXbX-");
    }

    #[test]
    fn hostile_input_stays_fast() {
        let value = "a".repeat(1 << 20);
        let started = std::time::Instant::now();
        let _ = remove_prefix(&value, "*b*", true);
        let _ = replace(&value, "*b*", "x", true, Anchor::Anywhere);
        let _ = remove_suffix(&value, "a*a*a*b", false);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
