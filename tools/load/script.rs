//! The attack script interactive sessions type: a built-in recon and dropper session, or a
//! file of one command line per line.

use anyhow::{Context, bail};

/// A recon-then-stage session as bots type it (the shapes of the shared corpus), with no
/// network command: Cowrie's `wget`/`curl` would really fetch, which is not what is measured.
pub const BUILTIN: &[&str] = &[
    "uname -a",
    "cat /proc/cpuinfo | grep name | wc -l",
    "free -m",
    "w",
    "ls -la",
    "whoami",
    "id",
    "uptime",
    "cat /etc/passwd | wc -l",
    "ps aux | head -5",
    "df -h",
    "hostname",
    "cat /proc/meminfo | head -3",
    "uname -m",
    "cd /tmp",
    "echo \"d2dldCAtcSAtTy0=\" > .s",
    "cat .s",
    "chmod +x .s",
    "ls -la .s",
    "rm -f .s",
    "cd ~",
    "echo $SHELL",
];

/// Most lines a script file may hold.
const MAX_LINES: usize = 10_000;
/// Longest line a script file may hold, in bytes.
const MAX_LINE_BYTES: usize = 4096;

/// Loads the script named on the command line: `builtin` or a file path.
pub fn load(spec: &str) -> anyhow::Result<Vec<String>> {
    if spec == "builtin" {
        return Ok(BUILTIN.iter().map(|line| (*line).to_owned()).collect());
    }
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("cannot read script {spec}"))?;
    parse(&text).with_context(|| format!("bad script {spec}"))
}

/// One command line per line; blank lines and lines starting with `#` are skipped.
pub fn parse(text: &str) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.len() > MAX_LINE_BYTES {
            bail!("line {} is longer than {MAX_LINE_BYTES} bytes", number + 1);
        }
        if line.chars().any(|c| c.is_control()) {
            bail!("line {} holds a control character", number + 1);
        }
        if lines.len() == MAX_LINES {
            bail!("more than {MAX_LINES} command lines");
        }
        lines.push(line.to_owned());
    }
    if lines.is_empty() {
        bail!("no command lines");
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_about_twenty_commands() {
        let script = load("builtin").unwrap();
        assert!((18..=25).contains(&script.len()), "{}", script.len());
        assert!(
            script
                .iter()
                .all(|line| !line.contains("wget") && !line.contains("curl"))
        );
    }

    #[test]
    fn file_format_skips_comments_and_blanks() {
        let script = parse("# recon\nuname -a\n\n  free -m  \n").unwrap();
        assert_eq!(script, ["uname -a", "free -m"]);
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(parse("# nothing\n\n").is_err());
        assert!(parse("echo \u{1b}[31m").is_err());
        assert!(parse(&"x".repeat(5000)).is_err());
        assert!(load("/nonexistent/script.txt").is_err());
    }
}
