//! `grep`, `egrep`, `fgrep` (GNU grep 3.4–3.11): basic, extended and fixed patterns
//! (translated to the `regex` crate, size-limited), `-i -v -c -n -l -L -o -q -s -h -H -w
//! -x -r`, and binary files as GNU grep reports them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::bytes::{Regex, RegexBuilder};

use super::opts::{self, HELP, Opt, flag, long, with_arg};
use super::prog;
use crate::host::fs::{FileType, FsError};
use crate::shell::commands::{Command, CommandCtx};

/// Most files one `grep -r` reads.
const MAX_FILES: usize = 20_000;

/// `grep`, `egrep`, `fgrep`.
pub struct Grep;

const SPEC: &[Opt] = &[
    flag('E', "extended-regexp"),
    flag('F', "fixed-strings"),
    flag('G', "basic-regexp"),
    flag('P', "perl-regexp"),
    with_arg('e', "regexp"),
    with_arg('f', "file"),
    flag('i', "ignore-case"),
    long("no-ignore-case"),
    flag('w', "word-regexp"),
    flag('x', "line-regexp"),
    flag('z', "null-data"),
    flag('s', "no-messages"),
    flag('v', "invert-match"),
    flag('V', "version"),
    HELP,
    with_arg('m', "max-count"),
    flag('b', "byte-offset"),
    flag('n', "line-number"),
    long("line-buffered"),
    flag('H', "with-filename"),
    flag('h', "no-filename"),
    with_arg('\0', "label"),
    flag('o', "only-matching"),
    flag('q', "quiet"),
    long("silent"),
    with_arg('\0', "binary-files"),
    flag('a', "text"),
    opts::short('I', "I"),
    with_arg('d', "directories"),
    with_arg('D', "devices"),
    flag('r', "recursive"),
    flag('R', "dereference-recursive"),
    with_arg('\0', "include"),
    with_arg('\0', "exclude"),
    with_arg('\0', "exclude-dir"),
    flag('L', "files-without-match"),
    flag('l', "files-with-matches"),
    flag('c', "count"),
    flag('T', "initial-tab"),
    flag('Z', "null"),
    with_arg('A', "after-context"),
    with_arg('B', "before-context"),
    with_arg('C', "context"),
    opts::optional("color"),
    opts::optional("colour"),
    flag('U', "binary"),
];

/// The grep version a release ships, and its copyright year.
fn version(cx: &CommandCtx<'_>) -> (&'static str, &'static str) {
    match cx.host.coreutils_version.as_str() {
        "8.30" => ("3.4", "2020"),
        "9.4" => ("3.11", "2023"),
        _ => ("3.7", "2021"),
    }
}

/// Most compiled patterns [`compiled`] keeps per thread (each may be up to the size limits).
const MAX_COMPILED: usize = 16;
/// Longest pattern [`compiled`] keeps.
const MAX_COMPILED_LEN: usize = 256;

thread_local! {
    /// Patterns compiled lately, by their text and case-insensitivity: bots run the same
    /// `grep name` on every host, and compiling was a third of such a `grep`.
    static COMPILED: RefCell<HashMap<(String, bool), Rc<Regex>>> = RefCell::default();
}

/// `pattern` (already in the `regex` crate's syntax) compiled as grep matches: bytes, not
/// Unicode, size-limited; the same compiled value again for a pattern compiled lately on
/// this thread.
fn compiled(pattern: &str, ignore_case: bool) -> Result<Rc<Regex>, regex::Error> {
    let key = (pattern.to_owned(), ignore_case);
    if let Some(regex) = COMPILED.with_borrow(|cache| cache.get(&key).cloned()) {
        return Ok(regex);
    }
    let regex = Rc::new(
        RegexBuilder::new(pattern)
            .case_insensitive(ignore_case)
            .multi_line(false)
            .unicode(false)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()?,
    );
    if pattern.len() <= MAX_COMPILED_LEN {
        COMPILED.with_borrow_mut(|cache| {
            if cache.len() >= MAX_COMPILED {
                cache.clear();
            }
            cache.insert(key, regex.clone());
        });
    }
    Ok(regex)
}

/// A basic regular expression (POSIX BRE with GNU extensions) in the `regex` crate's syntax.
fn translate(pattern: &str, extended: bool) -> Result<String, &'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut group_start = true;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let Some(&next) = chars.get(i) else {
                    return Err("Trailing backslash");
                };
                i += 1;
                match next {
                    '(' | ')' | '{' | '}' | '|' | '+' | '?' if !extended => {
                        if next == '(' {
                            depth += 1;
                        }
                        if next == ')' {
                            depth -= 1;
                            if depth < 0 {
                                return Err("Unmatched ) or \\)");
                            }
                        }
                        out.push(next);
                        group_start = matches!(next, '(' | '|');
                        continue;
                    }
                    '<' | '>' | 'b' => out.push_str("\\b"),
                    'B' => out.push_str("\\B"),
                    'w' | 'W' | 's' | 'S' => {
                        out.push('\\');
                        out.push(next);
                    }
                    '`' => out.push_str("\\A"),
                    '\'' => out.push_str("\\z"),
                    d if d.is_ascii_digit() => return Err("Invalid back reference"),
                    other => out.push_str(&regex::escape(&other.to_string())),
                }
            }
            '[' => {
                // Copy the bracket expression, with `]` first as a member.
                let start = i - 1;
                let mut j = i;
                if chars.get(j) == Some(&'^') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                let mut closed = false;
                while j < chars.len() {
                    if chars[j] == '[' && matches!(chars.get(j + 1), Some(':' | '.' | '=')) {
                        let kind = chars[j + 1];
                        let mut k = j + 2;
                        while k + 1 < chars.len() && !(chars[k] == kind && chars[k + 1] == ']') {
                            k += 1;
                        }
                        j = k + 2;
                        continue;
                    }
                    if chars[j] == ']' {
                        closed = true;
                        break;
                    }
                    j += 1;
                }
                if !closed {
                    return Err("Unmatched [, [^, [:, [., or [=");
                }
                let body: String = chars[start + 1..j].iter().collect();
                let body = body.replace('\\', "\\\\");
                let body = match body.strip_prefix('^') {
                    Some(rest) => match rest.strip_prefix(']') {
                        Some(r) => format!("^\\]{r}"),
                        None => format!("^{rest}"),
                    },
                    None => match body.strip_prefix(']') {
                        Some(r) => format!("\\]{r}"),
                        None => body,
                    },
                };
                // A `[` inside is literal unless it opens `[:class:]` (the regex crate
                // would read it as a nested class).
                let mut escaped = String::new();
                let body_chars: Vec<char> = body.chars().collect();
                for (k, ch) in body_chars.iter().enumerate() {
                    let opens_class = matches!(body_chars.get(k + 1), Some(':' | '.' | '='));
                    if *ch == '[' && !opens_class {
                        escaped.push_str("\\[");
                    } else {
                        escaped.push(*ch);
                    }
                }
                out.push('[');
                out.push_str(&escaped);
                out.push(']');
                i = j + 1;
            }
            '(' | ')' | '|' | '+' | '?' | '{' | '}' if !extended => {
                out.push('\\');
                out.push(c);
            }
            '(' if extended => {
                depth += 1;
                out.push(c);
                group_start = true;
                continue;
            }
            ')' if extended => {
                depth -= 1;
                if depth < 0 {
                    out.push_str("\\)");
                    depth = 0;
                } else {
                    out.push(c);
                }
            }
            '|' if extended => {
                out.push(c);
                group_start = true;
                continue;
            }
            '*' if group_start => out.push_str("\\*"),
            '$' if !extended
                && i < chars.len()
                && !(chars[i] == '\\' && matches!(chars.get(i + 1), Some(')' | '|'))) =>
            {
                out.push_str("\\$");
            }
            '^' if !group_start && !extended => out.push_str("\\^"),
            '{' if extended => {
                // A `{` that does not start a valid interval is literal in GNU ERE.
                let rest: String = chars[i..].iter().collect();
                let valid = rest.find('}').is_some_and(|end| {
                    !rest[..end].is_empty()
                        && rest[..end].chars().all(|c| c.is_ascii_digit() || c == ',')
                });
                if valid && !group_start {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
            }
            other => out.push(other),
        }
        group_start = false;
    }
    if depth > 0 {
        return Err("Unmatched ( or \\(");
    }
    Ok(out)
}

impl Command for Grep {
    fn names(&self) -> &'static [&'static str] {
        &[
            "grep",
            "/usr/bin/grep",
            "/bin/grep",
            "egrep",
            "/usr/bin/egrep",
            "/bin/egrep",
            "fgrep",
            "/usr/bin/fgrep",
            "/bin/fgrep",
            "rgrep",
            "/usr/bin/rgrep",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let base = prog.rsplit('/').next().unwrap_or("grep").to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), SPEC, true);
        let usage = format!(
            "Usage: {prog} [OPTION]... PATTERNS [FILE]...\nTry '{prog} --help' for more information.\n"
        );
        match args
            .opts
            .iter()
            .find(|(id, _)| *id == "help" || *id == "version")
        {
            Some(("version", _)) => {
                let (version, year) = version(cx);
                cx.out(format!("grep (GNU grep) {version}\nCopyright (C) {year} Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\nWritten by Mike Haertel and others; see\n<https://git.sv.gnu.org/cgit/grep.git/tree/AUTHORS>.\n"));
                return 0;
            }
            Some(_) => {
                cx.out(format!("Usage: {prog} [OPTION]... PATTERNS [FILE]...\nSearch for PATTERNS in each FILE.\nExample: {prog} -i 'hello world' menu.h main.c\nPATTERNS can contain multiple patterns separated by newlines.\n\nPattern selection and interpretation:\n  -E, --extended-regexp     PATTERNS are extended regular expressions\n  -F, --fixed-strings       PATTERNS are strings\n  -G, --basic-regexp        PATTERNS are basic regular expressions\n  -P, --perl-regexp         PATTERNS are Perl regular expressions\n  -e, --regexp=PATTERNS     use PATTERNS for matching\n  -f, --file=FILE           take PATTERNS from FILE\n  -i, --ignore-case         ignore case distinctions in patterns and data\n      --no-ignore-case      do not ignore case distinctions (default)\n  -w, --word-regexp         match only whole words\n  -x, --line-regexp         match only whole lines\n  -z, --null-data           a data line ends in 0 byte, not newline\n\nReport bugs to: bug-grep@gnu.org\nGNU grep home page: <https://www.gnu.org/software/grep/>\nGeneral help using GNU software: <https://www.gnu.org/gethelp/>\n"));
                return 0;
            }
            None => {}
        }
        if let Some(error) = &args.error {
            cx.err(format!("{error}{usage}"));
            return 2;
        }
        let mut operands = args.operands.clone();
        let mut patterns: Vec<String> = args
            .opts
            .iter()
            .filter(|(id, _)| *id == "regexp")
            .filter_map(|(_, v)| v.clone())
            .collect();
        for (id, value) in &args.opts {
            if *id == "file"
                && let Some(file) = value
            {
                match cx.fs.read(file) {
                    Ok(bytes) => {
                        patterns.extend(String::from_utf8_lossy(&bytes).lines().map(str::to_owned))
                    }
                    Err(err) => {
                        cx.err(format!("{prog}: {file}: {err}\n"));
                        return 2;
                    }
                }
            }
        }
        if patterns.is_empty() && !args.has("file") {
            if operands.is_empty() {
                cx.err(usage);
                return 2;
            }
            patterns = operands.remove(0).split('\n').map(str::to_owned).collect();
        }
        let fixed = args.has("fixed-strings") || base == "fgrep";
        let extended = args.has("extended-regexp") || args.has("perl-regexp") || base == "egrep";
        let mut parts = Vec::new();
        for pattern in &patterns {
            let part = if fixed {
                regex::escape(pattern)
            } else {
                match translate(pattern, extended) {
                    Ok(part) => part,
                    Err(message) => {
                        cx.err(format!("{prog}: {message}\n"));
                        return 2;
                    }
                }
            };
            parts.push(format!("(?:{part})"));
        }
        let mut joined = parts.join("|");
        if args.has("line-regexp") {
            joined = format!("^(?:{joined})$");
        } else if args.has("word-regexp") {
            joined = format!("\\b(?:{joined})\\b");
        }
        let regex = match compiled(&joined, args.has("ignore-case")) {
            Ok(regex) => regex,
            Err(_) => {
                cx.err(format!("{prog}: Invalid regular expression\n"));
                return 2;
            }
        };
        let recursive =
            args.has("recursive") || args.has("dereference-recursive") || base == "rgrep";
        if operands.is_empty() {
            operands.push(if recursive {
                ".".to_owned()
            } else {
                "-".to_owned()
            });
        }
        let searcher = Searcher {
            regex,
            invert: args.has("invert-match"),
            count: args.has("count"),
            list: args.has("files-with-matches"),
            list_missing: args.has("files-without-match"),
            only: args.has("only-matching"),
            quiet: args.has("quiet") || args.has("silent"),
            numbers: args.has("line-number"),
            text: args.has("text"),
            max: args.value("max-count").and_then(|m| m.parse().ok()),
            new_binary_message: version(cx).0 != "3.4",
            prog: prog.clone(),
        };
        let filenames = (operands.len() > 1 || recursive || args.has("with-filename"))
            && !args.has("no-filename");
        let silent_errors = args.has("no-messages");
        let mut matched = false;
        let mut error = false;
        let mut files: Vec<(String, bool)> = operands.iter().map(|o| (o.clone(), true)).collect();
        files.reverse();
        let mut seen = 0usize;
        while let Some((file, top)) = files.pop() {
            seen += 1;
            if seen > MAX_FILES || cx.output_room() == 0 {
                break;
            }
            if file != "-" && recursive {
                match cx.fs.stat(&file) {
                    Ok(stat) if stat.file_type == FileType::Directory => {
                        if let Ok(entries) = cx.fs.read_dir(&file) {
                            for entry in entries.iter().rev() {
                                let child = if file.ends_with('/') {
                                    format!("{file}{}", entry.name)
                                } else {
                                    format!("{file}/{}", entry.name)
                                };
                                // Links below the top are not followed (-r).
                                if entry.node.file_type() == FileType::Symlink
                                    && !args.has("dereference-recursive")
                                {
                                    continue;
                                }
                                files.push((child, false));
                            }
                        } else if !silent_errors {
                            cx.err(format!("{prog}: {file}: Permission denied\n"));
                            error = true;
                        }
                        continue;
                    }
                    Ok(stat) if stat.file_type != FileType::Regular && !top => continue,
                    _ => {}
                }
            }
            let data = if file == "-" {
                Ok(cx.stdin.to_vec())
            } else {
                cx.fs.read(&file)
            };
            let data = match data {
                Ok(data) => data,
                Err(err) => {
                    if !silent_errors {
                        let message = match err {
                            FsError::IsADirectory => format!("{prog}: {file}: Is a directory\n"),
                            _ => format!("{prog}: {file}: {err}\n"),
                        };
                        cx.err(message);
                    }
                    error = true;
                    continue;
                }
            };
            let label = if file == "-" {
                "(standard input)".to_owned()
            } else {
                file.clone()
            };
            if searcher.search(cx, &data, &label, filenames) {
                matched = true;
                if searcher.quiet {
                    return 0;
                }
            }
        }
        if error && !(searcher.quiet && matched) {
            2
        } else if matched {
            0
        } else {
            1
        }
    }
}

struct Searcher {
    regex: Rc<Regex>,
    invert: bool,
    count: bool,
    list: bool,
    list_missing: bool,
    only: bool,
    quiet: bool,
    numbers: bool,
    text: bool,
    max: Option<usize>,
    new_binary_message: bool,
    prog: String,
}

impl Searcher {
    /// Searches one input; returns whether any line was selected.
    fn search(&self, cx: &mut CommandCtx<'_>, data: &[u8], label: &str, filenames: bool) -> bool {
        let binary = !self.text && data.contains(&0);
        let mut selected = 0usize;
        let mut out: Vec<u8> = Vec::new();
        let prefix = if filenames {
            format!("{label}:")
        } else {
            String::new()
        };
        let lines = data.strip_suffix(b"\n").unwrap_or(data);
        if !data.is_empty() {
            for (n, line) in lines.split(|b| *b == b'\n').enumerate() {
                if self.max.is_some_and(|m| selected >= m) {
                    break;
                }
                let hit = self.regex.is_match(line);
                if hit == self.invert {
                    continue;
                }
                selected += 1;
                if self.quiet || self.count || self.list || self.list_missing || binary {
                    if self.quiet || self.list {
                        break;
                    }
                    continue;
                }
                let number = if self.numbers {
                    format!("{}:", n + 1)
                } else {
                    String::new()
                };
                if self.only && !self.invert {
                    for m in self.regex.find_iter(line) {
                        if m.as_bytes().is_empty() {
                            continue;
                        }
                        out.extend_from_slice(prefix.as_bytes());
                        out.extend_from_slice(number.as_bytes());
                        out.extend_from_slice(m.as_bytes());
                        out.push(b'\n');
                    }
                } else {
                    out.extend_from_slice(prefix.as_bytes());
                    out.extend_from_slice(number.as_bytes());
                    out.extend_from_slice(line);
                    out.push(b'\n');
                }
            }
        }
        if self.quiet {
            return selected > 0;
        }
        if self.count {
            out = format!("{prefix}{selected}\n").into_bytes();
        } else if self.list {
            out = if selected > 0 {
                format!("{label}\n").into_bytes()
            } else {
                Vec::new()
            };
        } else if self.list_missing {
            out = if selected == 0 {
                format!("{label}\n").into_bytes()
            } else {
                Vec::new()
            };
        } else if binary && selected > 0 {
            if self.new_binary_message {
                cx.err(format!("{}: {label}: binary file matches\n", self.prog));
            } else {
                out = format!("Binary file {label} matches\n").into_bytes();
            }
        }
        cx.out(out);
        selected > 0
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn basic_and_extended_patterns() {
        assert_eq!(translate("a\\(b\\)*c", false).as_deref(), Ok("a(b)*c"));
        assert_eq!(translate("a(b)+", false).as_deref(), Ok("a\\(b\\)\\+"));
        assert_eq!(translate("a(b)+", true).as_deref(), Ok("a(b)+"));
        assert_eq!(translate("*a", false).as_deref(), Ok("\\*a"));
        assert_eq!(translate("[]a]", false).as_deref(), Ok("[\\]a]"));
        assert_eq!(
            translate("[[:digit:]]x", false).as_deref(),
            Ok("[[:digit:]]x")
        );
        assert_eq!(translate("a\\", false), Err("Trailing backslash"));
        assert_eq!(translate("a\\(", false), Err("Unmatched ( or \\("));
        assert_eq!(
            translate("[a", false),
            Err("Unmatched [, [^, [:, [., or [=")
        );
        assert_eq!(translate("x{", true).as_deref(), Ok("x\\{"));
    }
}
