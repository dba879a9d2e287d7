//! Brace expansion: `a{b,c}`, `{1..5}`, `{a..e}`, bounded in words and bytes.

use super::exec::MAX_ARGV_BYTES;
use crate::shell::parser::Part;

/// The most words one brace expansion may produce.
const MAX_BRACE_WORDS: usize = 1024;

/// Whether brace expansion could change `parts`: only an unquoted literal holding `{` can
/// ([`brace_expand`] of anything else is the word itself).
pub(super) fn may_have_braces(parts: &[Part]) -> bool {
    parts
        .iter()
        .any(|part| matches!(part, Part::Lit { text, quoted: false } if text.contains('{')))
}

/// Bash's brace expansion (`a{b,c}`, `{1..5}`, `{a..e}`, `{01..10..2}`) on the unquoted
/// literal text of a word; the other parts are copied into every resulting word.
pub(super) fn brace_expand(parts: &[Part]) -> Vec<Vec<Part>> {
    // Every resulting word is about as long as the original: bound the words by bytes too.
    let size: usize = parts
        .iter()
        .map(|p| match p {
            Part::Lit { text, .. } => text.len(),
            _ => 16,
        })
        .sum();
    let max_words = (MAX_ARGV_BYTES / size.max(1)).clamp(1, MAX_BRACE_WORDS);
    let mut done = Vec::new();
    let mut todo = vec![parts.to_vec()];
    while let Some(word) = todo.pop() {
        if done.len() + todo.len() >= max_words {
            done.push(word);
            continue;
        }
        let found = word.iter().enumerate().find_map(|(i, part)| match part {
            Part::Lit {
                text,
                quoted: false,
            } => braces_in(text, max_words).map(|variants| (i, variants)),
            _ => None,
        });
        match found {
            None => done.push(word),
            Some((i, variants)) => {
                // Pushed in reverse so they come out in order.
                for variant in variants.into_iter().rev() {
                    let mut next = word.clone();
                    next[i] = Part::Lit {
                        text: variant,
                        quoted: false,
                    };
                    todo.push(next);
                }
            }
        }
    }
    done
}

/// The texts the first brace expression in `text` expands to, if it has one.
fn braces_in(text: &str, max_words: usize) -> Option<Vec<String>> {
    let bytes = text.as_bytes();
    for (open, _) in text.match_indices('{') {
        // Find the matching close brace and the top-level commas.
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut close = None;
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                b',' if depth == 1 => commas.push(i),
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let (prefix, inner, suffix) = (&text[..open], &text[open + 1..close], &text[close + 1..]);
        let alternatives: Vec<String> = if commas.is_empty() {
            match sequence(inner) {
                Some(items) => items,
                None => continue,
            }
        } else {
            let mut items = Vec::new();
            let mut start = open + 1;
            for &comma in &commas {
                items.push(text[start..comma].to_owned());
                start = comma + 1;
            }
            items.push(text[start..close].to_owned());
            items
        };
        return Some(
            alternatives
                .into_iter()
                .take(max_words)
                .map(|alt| format!("{prefix}{alt}{suffix}"))
                .collect(),
        );
    }
    None
}

/// `{a..b}` or `{a..b..step}` with integers or single letters.
fn sequence(inner: &str) -> Option<Vec<String>> {
    let fields: Vec<&str> = inner.split("..").collect();
    let (start, end, step) = match fields.as_slice() {
        [a, b] => (*a, *b, None),
        [a, b, c] => (*a, *b, Some(*c)),
        _ => return None,
    };
    let step: i64 = match step {
        Some(s) => s.parse::<i64>().ok()?.checked_abs()?.max(1),
        None => 1,
    };
    if let (Ok(a), Ok(b)) = (start.parse::<i64>(), end.parse::<i64>()) {
        let padded = |s: &str| {
            let digits = s.trim_start_matches('-');
            digits.len() > 1 && digits.starts_with('0')
        };
        let width = if padded(start) || padded(end) {
            start.len().max(end.len())
        } else {
            0
        };
        let mut items = Vec::new();
        let mut n = a;
        while items.len() < MAX_BRACE_WORDS {
            items.push(format!("{n:0width$}"));
            let next = if a <= b {
                n.checked_add(step)
            } else {
                n.checked_sub(step)
            };
            match next {
                Some(next) if (a <= b && next <= b) || (a > b && next >= b) => n = next,
                _ => break,
            }
        }
        return Some(items);
    }
    let (mut a, mut b) = (start.chars(), end.chars());
    match (a.next(), a.next(), b.next(), b.next()) {
        (Some(x), None, Some(y), None) if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() => {
            let (x, y) = (x as u8, y as u8);
            let step = u8::try_from(step).unwrap_or(u8::MAX);
            let mut items = Vec::new();
            let mut c = x;
            loop {
                items.push((c as char).to_string());
                let next = if x <= y {
                    c.checked_add(step)
                } else {
                    c.checked_sub(step)
                };
                match next {
                    Some(n) if (x <= y && n <= y) || (x > y && n >= y) => c = n,
                    _ => break,
                }
            }
            Some(items)
        }
        _ => None,
    }
}
