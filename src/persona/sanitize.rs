//! What of a model's answer the attacker may see: the raw text a terminal would show, with
//! nothing that gives the model away.
//!
//! Rules, in order: `\r\n` becomes `\n`, terminal escape sequences go whole, and every other
//! control character but `\n` and `\t` goes (nothing the model says moves the attacker's
//! cursor or colours their terminal); markdown fence lines go; leading
//! lines echoing a prompt or the command go, as does a trailing prompt line; lines that reveal a
//! language model ("As an AI…", "I'm sorry…") go; the answer is cut at a line boundary to the
//! byte bound and ends with a newline.

/// Phrases that give a language model away, lower case. A line holding one is dropped.
const TELLS: &[&str] = &[
    "as an ai",
    "an ai language model",
    "language model",
    "i'm sorry",
    "i am sorry",
    "i cannot",
    "i can't",
    "i'm unable",
    "i am unable",
    "openai",
    "chatgpt",
    "simulated",
    "simulate",
    "as a shell",
    "here is the output",
    "here's the output",
    "this command",
    "note:",
];

/// The answer the attacker sees for `command`, at most `max_bytes` long; `None` when nothing
/// usable is left (the caller falls back to `command not found`). An empty answer (the
/// command prints nothing) is `Some("")`.
pub fn sanitize(raw: &str, command: &str, max_bytes: usize) -> Option<String> {
    let text = raw.replace("\r\n", "\n");
    let text = console::strip_ansi_codes(&text);
    let text: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    if text.trim().is_empty() {
        return Some(String::new());
    }
    let command = command.trim();
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("```"))
        .collect();
    // A leading echo of the prompt or the command.
    while let Some(first) = lines.first() {
        if is_echo(first, command) || first.trim().is_empty() {
            lines.remove(0);
        } else {
            break;
        }
    }
    // A trailing prompt (`root@web01:~# `) or blank lines.
    while let Some(last) = lines.last() {
        if last.trim().is_empty() || is_prompt(last) {
            lines.pop();
        } else {
            break;
        }
    }
    let before = lines.len();
    lines.retain(|line| !reveals(line));
    if lines.is_empty() {
        // Everything was a tell or an echo: nothing honest is left to show.
        return None;
    }
    if lines.len() < before && lines.len() * 2 < before {
        // Mostly an apology: what is left is no terminal output.
        return None;
    }
    let mut out = String::new();
    for line in lines {
        if out.len() + line.len() + 1 > max_bytes {
            if out.is_empty() {
                // One long line: cut it at a character boundary.
                let mut end = max_bytes.saturating_sub(1);
                while end > 0 && !line.is_char_boundary(end) {
                    end -= 1;
                }
                out.push_str(line.get(..end).unwrap_or_default());
                if max_bytes > 0 {
                    out.push('\n');
                }
            }
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

/// `line` is the command itself, or a prompt followed by it.
fn is_echo(line: &str, command: &str) -> bool {
    let line = line.trim();
    if command.is_empty() {
        return false;
    }
    if line == command {
        return true;
    }
    line.ends_with(command) && is_prompt(line.get(..line.len() - command.len()).unwrap_or(""))
}

/// `line` looks like a shell prompt: `$`, `#`, `user@host:~$`, `[root@host ~]#`.
fn is_prompt(line: &str) -> bool {
    let line = line.trim();
    if line == "$" || line == "#" || line == ">" {
        return true;
    }
    (line.ends_with('$') || line.ends_with('#')) && line.contains('@') && !line.contains(' ')
        || (line.starts_with('[') && (line.ends_with("]#") || line.ends_with("]$")))
}

fn reveals(line: &str) -> bool {
    let lower = line.to_lowercase();
    TELLS.iter().any(|tell| lower.contains(tell))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_output_passes_and_ends_with_a_newline() {
        assert_eq!(
            sanitize("total 0\nfoo", "ls", 100).as_deref(),
            Some("total 0\nfoo\n")
        );
        assert_eq!(sanitize("  \n", "true", 100).as_deref(), Some(""));
    }

    #[test]
    fn markdown_fences_go() {
        let raw = "```bash\nnginx version: nginx/1.22.1\n```";
        assert_eq!(
            sanitize(raw, "nginx -v", 100).as_deref(),
            Some("nginx version: nginx/1.22.1\n")
        );
    }

    #[test]
    fn control_characters_go_but_newlines_and_tabs_stay() {
        let raw = "a\tb\x1b[31mred\x1b[0m\r\nc\x07\x00d";
        assert_eq!(sanitize(raw, "x", 100).as_deref(), Some("a\tbred\ncd\n"));
    }

    #[test]
    fn an_echo_of_the_prompt_or_command_goes() {
        for raw in [
            "root@web01:~# terraform plan\nNo changes.",
            "$ terraform plan\nNo changes.",
            "terraform plan\nNo changes.\nroot@web01:~#",
        ] {
            assert_eq!(
                sanitize(raw, "terraform plan", 100).as_deref(),
                Some("No changes.\n"),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn lines_that_reveal_a_model_go_and_an_apology_is_no_answer() {
        assert_eq!(
            sanitize(
                "As an AI language model, I cannot run commands.",
                "foo",
                100
            ),
            None
        );
        let raw = "Linux web01 6.1.0\nNote: this is simulated output.";
        assert_eq!(
            sanitize(raw, "foo", 100).as_deref(),
            Some("Linux web01 6.1.0\n")
        );
        assert_eq!(sanitize("I'm sorry, but I can't do that.", "x", 100), None);
    }

    #[test]
    fn the_length_is_bounded_at_a_line() {
        let raw = "line one\nline two\nline three";
        assert_eq!(
            sanitize(raw, "x", 20).as_deref(),
            Some("line one\nline two\n")
        );
        let long = "é".repeat(100);
        let out = sanitize(&long, "x", 11).unwrap();
        assert!(out.len() <= 11);
        assert!(out.ends_with('\n'));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_respects_the_bound(raw in "\\PC{0,400}|[\\x00-\\x7f]{0,400}", command in "\\PC{0,40}", max in 0usize..300) {
            if let Some(out) = sanitize(&raw, &command, max) {
                proptest::prop_assert!(out.len() <= max);
                proptest::prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            }
        }
    }
}
