//! File commands, one family per file, all working on the session's filesystem
//! ([`CommandCtx::fs`]) and answering like GNU coreutils (and grep, findutils, file,
//! debianutils' `which`) do, error texts included:
//!
//! - `ls`, `ls_format`: `ls`, `dir`, `vdir`.
//! - `info`: `stat`, `file`.
//! - `content`: `cat`, `head`, `tail`, `wc`, `tee`.
//! - `grep`: `grep`, `egrep`, `fgrep`.
//! - `text`: `sort`, `uniq`; `cut`: `cut`.
//! - `manage`: `touch`, `mkdir`, `rmdir`, `rm`.
//! - `copy`: `cp`, `mv`, `ln`.
//! - `perms`: `chmod`, `chown`, `chgrp`.
//! - `paths`: `which`, `readlink`, `realpath`, `basename`, `dirname`.
//! - `find`: `find`; `du`: `du`.
//!
//! `opts` is GNU's option parsing with arguments; this module holds what they share: GNU's
//! quoting of file names, human-readable sizes, and `--help`/`--version` handling.

mod content;
mod copy;
mod cut;
mod du;
mod find;
mod grep;
mod help;
mod info;
mod ls;
mod ls_format;
mod manage;
pub(crate) mod opts;
mod paths;
mod perms;
mod text;

pub use content::{Cat, Head, Tail, Tee, Wc};
pub use copy::{Cp, Ln, Mv};
pub use cut::Cut;
pub use du::Du;
pub use find::Find;
pub use grep::Grep;
pub use info::{File, Stat};
pub use ls::Ls;
pub use manage::{Mkdir, Rm, Rmdir, Touch};
pub use paths::{Basename, Dirname, Readlink, Realpath, Which};
pub use perms::{Chgrp, Chmod, Chown};
pub use text::{Sort, Uniq};

use crate::shell::commands::{CommandCtx, try_help};

/// Whether the locale's character set is UTF-8 (`LANG=C.UTF-8` on an Ubuntu login).
pub(crate) fn utf8(cx: &CommandCtx<'_>) -> bool {
    let ctype = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| cx.state.var(name).filter(|v| !v.is_empty()))
        .unwrap_or("C")
        .to_ascii_lowercase();
    ctype.contains("utf-8") || ctype.contains("utf8")
}

/// Characters that never need quoting in GNU's shell-escape style.
fn shell_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "%+,-./:@]_{}".contains(c)
}

/// A file name quoted as GNU's `quotearg` shell-escape style does: `quotef` (only when
/// needed) or, with `always`, `quoteaf`. `'a b'`, `"it's"`, `'q'\''$x'`, `'n'$'\n''l'`.
pub(crate) fn shell_quote(name: &str, always: bool, utf8: bool) -> String {
    if name.is_empty() {
        return "''".to_owned();
    }
    let printable = |c: char| !c.is_control() && (c.is_ascii() || utf8);
    let special = |(i, c): (usize, char)| {
        !(shell_safe(c) || (i > 0 && (c == '#' || c == '~')) || (!c.is_ascii() && utf8))
    };
    let needs = name.char_indices().any(special);
    if !needs {
        return if always {
            format!("'{name}'")
        } else {
            name.to_owned()
        };
    }
    if name.chars().all(printable) {
        if !name.contains('\'') {
            return format!("'{name}'");
        }
        if !name.contains(['"', '$', '`', '\\', '!']) {
            return format!("\"{name}\"");
        }
    }
    // Quote runs of printable characters, escape the rest as `$'\NNN'` pieces.
    let mut out = String::new();
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String| {
        if !run.is_empty() {
            out.push('\'');
            out.push_str(&run.replace('\'', "'\\''"));
            out.push('\'');
            run.clear();
        }
    };
    for c in name.chars() {
        if printable(c) {
            run.push(c);
            continue;
        }
        flush(&mut out, &mut run);
        let escaped = match c {
            '\n' => "\\n".to_owned(),
            '\t' => "\\t".to_owned(),
            '\r' => "\\r".to_owned(),
            '\x07' => "\\a".to_owned(),
            '\x08' => "\\b".to_owned(),
            '\x0b' => "\\v".to_owned(),
            '\x0c' => "\\f".to_owned(),
            _ => {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("\\{b:03o}"))
                    .collect()
            }
        };
        out.push_str(&format!("$'{escaped}'"));
    }
    flush(&mut out, &mut run);
    // GNU leaves out empty quotes between pieces: `'n'$'\n''l'` stays, `''$'\n'` too.
    if out.starts_with("$'") {
        out.insert_str(0, "''");
    }
    out
}

/// `quotef`: a file name in a message, quoted only if it needs it.
pub(crate) fn quotef(cx: &CommandCtx<'_>, name: &str) -> String {
    shell_quote(name, false, utf8(cx))
}

/// `quoteaf`: a file name in a message, always quoted.
pub(crate) fn quoteaf(cx: &CommandCtx<'_>, name: &str) -> String {
    shell_quote(name, true, utf8(cx))
}

/// A size as `-h` prints it: powers of 1024, rounded up, one decimal below 10 (`4.0K`,
/// `135K`, `1.1G`).
pub(crate) fn human(n: u64) -> String {
    const UNITS: [char; 8] = ['K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    if n < 1024 {
        return n.to_string();
    }
    let n = u128::from(n);
    let mut base: u128 = 1024;
    let mut unit = 0;
    while n >= base * 1024 && unit + 1 < UNITS.len() {
        base *= 1024;
        unit += 1;
    }
    loop {
        let tenths = (n * 10).div_ceil(base);
        if tenths < 100 {
            return format!("{}.{}{}", tenths / 10, tenths % 10, UNITS[unit]);
        }
        let whole = n.div_ceil(base);
        if whole < 1024 || unit + 1 >= UNITS.len() {
            return format!("{whole}{}", UNITS[unit]);
        }
        base *= 1024;
        unit += 1;
    }
}

/// Reports a usage error (`message` already ends in a newline) with GNU's `Try … --help`
/// line; returns `status`.
pub(crate) fn usage_error(cx: &mut CommandCtx<'_>, prog: &str, message: &str, status: i32) -> i32 {
    cx.err(format!("{message}{}", try_help(prog)));
    status
}

/// Handles `--help` and `--version` as GNU programs do (the first one given wins, before
/// any later error); returns the exit status if one ran.
pub(crate) fn help_or_version(
    cx: &mut CommandCtx<'_>,
    args: &opts::Args,
    name: &str,
    authors: &str,
    help: impl FnOnce(&CommandCtx<'_>) -> String,
) -> Option<i32> {
    match args
        .opts
        .iter()
        .find(|(id, _)| *id == "help" || *id == "version")
    {
        Some(("help", _)) => {
            let text = help(cx);
            cx.out(text);
            Some(0)
        }
        Some(_) => {
            let text = cx.coreutils_version_text(name, authors);
            cx.out(text);
            Some(0)
        }
        None => None,
    }
}

/// The program name GNU tools print: `argv[0]` as typed.
pub(crate) fn prog(argv: &[String]) -> &str {
    argv.first().map_or("", String::as_str)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn quoting_like_coreutils() {
        // Expected texts from GNU ls 9.1 --quoting-style=shell-escape in C.UTF-8.
        for (name, quoted) in [
            ("plain", "plain"),
            ("a b", "'a b'"),
            ("it's", "\"it's\""),
            ("q'$x", "'q'\\''$x'"),
            ("n\nl", "'n'$'\\n''l'"),
            ("a#b", "a#b"),
            ("#x", "'#x'"),
            ("~x", "'~x'"),
            ("a~b", "a~b"),
            ("a=b", "'a=b'"),
            ("a^b", "'a^b'"),
            ("{x", "{x"),
            ("a]b", "a]b"),
            ("a@b", "a@b"),
            ("aéb", "aéb"),
        ] {
            assert_eq!(shell_quote(name, false, true), quoted, "{name:?}");
        }
        assert_eq!(shell_quote("aéb", false, false), "'a'$'\\303\\251''b'");
        assert_eq!(shell_quote("x", true, true), "'x'");
    }

    #[test]
    fn human_sizes_like_ls() {
        // Expected texts from GNU ls 9.1 -lh on files of these sizes.
        for (n, text) in [
            (0, "0"),
            (1023, "1023"),
            (1024, "1.0K"),
            (1025, "1.1K"),
            (1536, "1.5K"),
            (4096, "4.0K"),
            (10_239, "10K"),
            (10_241, "11K"),
            (102_400, "100K"),
            (138_208, "135K"),
            (1_048_575, "1.0M"),
            (1_048_577, "1.1M"),
            (1_395_520, "1.4M"),
            (10_485_760, "10M"),
            (1_073_741_824, "1.0G"),
        ] {
            assert_eq!(human(n), text, "{n}");
        }
    }
}
