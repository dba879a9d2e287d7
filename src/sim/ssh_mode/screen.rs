//! Reading a PTY shell's screen: where a typed line's output starts and ends, and whether the
//! screen ends with a prompt.

/// What readline sends before each prompt (bracketed paste on).
pub(super) const PASTE_ON: &[u8] = b"\x1b[?2004h";
/// What follows the echo of an accepted line: the line end, then bracketed paste off.
const LINE_DONE: &[u8] = b"\r\n\x1b[?2004l\r";

/// How often `needle` occurs in `haystack`.
pub(super) fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Whether the screen's last line (after the last prompt switch) ends like a bash prompt:
/// `# `, `$ ` or the continuation prompt `> `.
pub(super) fn ends_like_prompt(screen: &[u8]) -> bool {
    let Some(at) = rfind(screen, PASTE_ON) else {
        return false;
    };
    let tail = &screen[at + PASTE_ON.len()..];
    !tail.contains(&b'\n') && [b"# ", b"$ ", b"> "].iter().any(|end| tail.ends_with(*end))
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A typed line's output from the screen bytes of its step, as
/// [`shell_output`](super::replay::shell_output) takes it from the session's writes: after the
/// echo and its line end, up to the last prompt (unless the shell ended), without the
/// bracketed-paste switches, `\r\n` read as `\n`.
pub fn step_output(screen: &[u8], exited: bool) -> String {
    let start = find(screen, LINE_DONE).map_or(0, |at| at + 2);
    let end = if exited {
        screen.len()
    } else {
        rfind(screen, PASTE_ON).unwrap_or(screen.len()).max(start)
    };
    String::from_utf8_lossy(screen.get(start..end).unwrap_or_default())
        .replace("\x1b[?2004l\r", "")
        .replace("\x1b[?2004h", "")
        .replace("\r\n", "\n")
}
