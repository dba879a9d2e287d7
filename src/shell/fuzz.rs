//! A fuzzing entry point: arbitrary bytes typed at the fake shell, through the line editor
//! and the interpreter, exactly as an SSH session feeds them.
//!
//! [`run_bytes`] is what the `fuzz/` crate's `shell_line` target calls
//! (`cargo +nightly fuzz run shell_line`) and what the proptest below drives with input biased
//! towards shell syntax. It panics only when a bound is broken (output, state or history
//! size), so a fuzzer finding is either a panic inside the shell or a broken bound.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, TimeZone, Utc};

use crate::host::HostProfile;
use crate::host::fs::Image;
use crate::shell::{
    EditorEvent, HISTORY_MAX_BYTES, HISTORY_MAX_ENTRIES, LineEditor, MAX_OUTPUT_BYTES,
    MAX_VARS_BYTES, Shell, ShellState, Terminal,
};

/// Most lines one input runs, so that one fuzz case stays fast.
pub const MAX_LINES: usize = 64;

/// The fixed clock of fuzz runs, so that a crash replays the same way.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 5, 10, 2, 11)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The shell every fuzz case runs on: a freshly generated host (fixed seed and clock) and its
/// filesystem image, built once per process because building the image is the costly part.
/// The shell itself holds no session state; each case gets a fresh state and overlay.
fn shell() -> &'static Shell {
    static SHELL: OnceLock<Shell> = OnceLock::new();
    SHELL.get_or_init(|| {
        let host = Arc::new(HostProfile::generate_at(7, epoch()));
        let programs = crate::shell::program_paths();
        let image = Image::build(&host, epoch(), &programs);
        Shell::with_image(host, Arc::new(image))
    })
}

/// Feeds `data` to a fresh [`LineEditor`] and runs every completed line (at most
/// [`MAX_LINES`]) through the shell as `root` on a fresh [`ShellState`] and filesystem
/// overlay. Ctrl-C drops a pending construct and Ctrl-D ends the session, as in a session.
///
/// # Panics
///
/// When a bound is broken: a line's output above [`MAX_OUTPUT_BYTES`] (plus the length of an
/// error line), the variables above [`MAX_VARS_BYTES`], or the history above its limits.
/// That is the point: the fuzzer reports it.
pub fn run_bytes(data: &[u8]) {
    let shell = shell();
    let mut state = ShellState::login("root");
    state.clock = Some(epoch());
    let mut overlay = shell.scratch_overlay("root");
    let mut editor = LineEditor::new();
    let mut lines = 0;
    for event in editor.feed(data) {
        match event {
            EditorEvent::Echo(bytes) => {
                assert!(
                    bytes.len() <= MAX_OUTPUT_BYTES,
                    "echo of {} bytes",
                    bytes.len()
                );
            }
            EditorEvent::Line(line) => {
                lines += 1;
                if lines > MAX_LINES {
                    break;
                }
                let outcome = shell.run(&mut state, &mut overlay, Terminal::Columns(80), &line);
                assert!(
                    outcome.output.len() <= MAX_OUTPUT_BYTES + 4096,
                    "output of {} bytes",
                    outcome.output.len()
                );
                check_state(&state);
                if outcome.exit {
                    break;
                }
            }
            EditorEvent::Interrupt => state.cancel_pending(),
            EditorEvent::EndOfFile => {
                if let Some(outcome) = shell.end_of_input(&mut state) {
                    assert!(outcome.output.len() <= 4096);
                }
                break;
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

/// Asserts the session state's own bounds.
fn check_state(state: &ShellState) {
    assert!(
        state.vars_bytes() <= MAX_VARS_BYTES + 4096,
        "variables hold {} bytes",
        state.vars_bytes()
    );
    assert!(
        state.history.len() <= HISTORY_MAX_ENTRIES,
        "history entries"
    );
    let history: usize = state.history.iter().map(str::len).sum();
    assert_eq!(history, state.history.bytes(), "history byte total");
    assert!(
        history <= HISTORY_MAX_BYTES + 4096,
        "history holds {history} bytes"
    );
    assert!(
        state.pending.len() <= crate::shell::interpreter::MAX_PENDING_BYTES + 4096,
        "pending text holds {} bytes",
        state.pending.len()
    );
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Pieces attackers' input is made of: shell syntax, control keys, escape sequences.
    const TOKENS: &[&str] = &[
        "[[ ",
        " ]]",
        "(( ",
        " ))",
        "$((",
        "$(",
        ")",
        "`",
        "'",
        "\"",
        "\\",
        "|",
        "||",
        "&&",
        ";",
        ";;",
        "&",
        "\r",
        "\n",
        "\t",
        " ",
        "\x03",
        "\x04",
        "\x7f",
        "\x15",
        "\x1b[A",
        "\x1b[B",
        "\x1b[D",
        "\x1bOC",
        "for ",
        "for ((i=0;i<3;i++)) ",
        "in ",
        "do ",
        "done",
        "if ",
        "then ",
        "fi",
        "while ",
        "case ",
        "esac",
        "{ ",
        "}",
        "x=",
        "$x",
        "${x:-",
        "${#x}",
        "=~ ",
        " == ",
        " -eq ",
        "-f ",
        "!",
        "*",
        "?",
        "~",
        "#",
        "echo ",
        "set -x",
        "set -e",
        "set -u",
        "set -o ",
        "cat ",
        "ls ",
        "f() { ",
        "f ",
        "<<<",
        ">",
        "2>&1",
        "/tmp/a",
        "1",
        "-",
        "++",
        "+=",
        "<<",
        "<<-",
        "<<'E'",
        "E",
        "!!",
        "!-1",
        "!e",
        "!$",
        "^",
        "$$",
        "$!",
        "$RANDOM",
        "PS1=",
        "\\u\\w\\$",
        "\\[\\e[0m\\]",
        "sleep 1 &",
        "jobs",
        "fc -l ",
        "help ",
        "enable -a",
        "umask 077",
        "set +o history",
        "let i++",
        "bash -c ",
    ];

    fn input() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            3 => proptest::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
            1 => any::<u8>().prop_map(|b| vec![b]),
        ];
        proptest::collection::vec(piece, 0..48).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn shell_survives_arbitrary_keystrokes(data in input()) {
            super::run_bytes(&data);
        }
    }

    #[test]
    fn known_hard_inputs() {
        for data in [
            &b"for ((;;)); do :; done\r"[..],
            b"[[ a =~ ((((((( ]]\r",
            b"set -u; echo $x\rset -e; false\recho after\r",
            b"(( x = (x = (x = 1)) ))\r",
            b"[[\r(\r",
            b"\x04",
            b"cat <<E\rx $HOME\r",
            b"cat <<\r",
            b"cat <<E <<F\ra\rE\rb\rF\r",
            b"echo \"open\r\x04",
            b"!!\r!-9\r^a^b\rx!\r",
            b"PS1='\\777\\e${x:-${y:-${z}}}$(id)'\r",
            b"sleep 1 & sleep 2 &\rjobs\rfc -l -99 99\r",
            b"bash -c 'cat <<E\nx'\r",
        ] {
            super::run_bytes(data);
        }
    }
}
