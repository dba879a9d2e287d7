//! `echo`: bash's builtin and coreutils' `/bin/echo`.

use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// `echo`: bash's builtin, and `/bin/echo` from coreutils (which also reads `\NNN` octal and
/// answers a lone `--help`/`--version`).
pub struct Echo;

impl Command for Echo {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("echo")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let coreutils = argv.first().is_some_and(|n| n.contains('/'));
        let args = argv.get(1..).unwrap_or_default();
        if coreutils && args.len() == 1 {
            if args[0] == "--help" {
                let text = echo_help(cx);
                cx.out(text);
                return 0;
            }
            if args[0] == "--version" {
                let text = cx.coreutils_version_text("echo", "Brian Fox and Chet Ramey");
                cx.out(text);
                return 0;
            }
        }
        let mut newline = true;
        let mut escapes = false;
        let mut first = 0;
        for arg in args {
            let Some(flags) = arg.strip_prefix('-') else {
                break;
            };
            if flags.is_empty() || !flags.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
                break;
            }
            for c in flags.chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            first += 1;
        }
        let mut out = Vec::new();
        for (i, arg) in args.iter().skip(first).enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            if escapes {
                if unescape(arg, coreutils, &mut out) {
                    // `\c`: nothing more, not even the newline.
                    cx.out(out);
                    return 0;
                }
            } else {
                out.extend_from_slice(arg.as_bytes());
            }
        }
        if newline {
            out.push(b'\n');
        }
        cx.out(out);
        0
    }
}

fn echo_help(cx: &CommandCtx<'_>) -> String {
    format!(
        "Usage: /bin/echo [SHORT-OPTION]... [STRING]...\n  or:  /bin/echo LONG-OPTION\n\
         Echo the STRING(s) to standard output.\n\n\
         \x20 -n             do not output the trailing newline\n\
         \x20 -e             enable interpretation of backslash escapes\n\
         \x20 -E             disable interpretation of backslash escapes (default)\n\
         {options}\n\
         If -e is in effect, the following sequences are recognized:\n\n\
         \x20 \\\\      backslash\n\
         \x20 \\a      alert (BEL)\n\
         \x20 \\b      backspace\n\
         \x20 \\c      produce no further output\n\
         \x20 \\e      escape\n\
         \x20 \\f      form feed\n\
         \x20 \\n      new line\n\
         \x20 \\r      carriage return\n\
         \x20 \\t      horizontal tab\n\
         \x20 \\v      vertical tab\n\
         \x20 \\0NNN   byte with octal value NNN (1 to 3 digits)\n\
         \x20 \\xHH    byte with hexadecimal value HH (1 to 2 digits)\n\n\
         NOTE: your shell may have its own version of echo, which usually supersedes\n\
         the version described here.  Please refer to your shell's documentation\n\
         for details about the options it supports.\n{printf_note}{footer}",
        options = cx.coreutils_help_options(),
        printf_note = if cx.host.coreutils_version.starts_with("8.") {
            ""
        } else {
            "\nNOTE: printf(1) is a preferred alternative,\n\
             which does not have issues outputting option-like strings.\n"
        },
        footer = cx.coreutils_help_footer("echo"),
    )
}

/// Appends `arg` with `echo -e` escapes interpreted (bash's `ansicstr` for echo). Returns
/// `true` at `\c`. With `coreutils`, `\1`–`\7` start octal numbers as in `/bin/echo`; bash
/// keeps them literally and only reads octal after `\0`.
fn unescape(arg: &str, coreutils: bool, out: &mut Vec<u8>) -> bool {
    let bytes = arg.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&c) = bytes.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'e' | b'E' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'c' => return true,
            b'0'..=b'7' if c == b'0' || coreutils => {
                // After `\0` up to three octal digits; after `\1`..`\7` (coreutils) two more.
                let mut value = u32::from(c - b'0');
                let max = if c == b'0' { 3 } else { 2 };
                for _ in 0..max {
                    match bytes.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    match bytes.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            value = value * 16 + d;
                            i += 1;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(value as u8);
                }
            }
            b'u' | b'U' if !coreutils => {
                let max = if c == b'u' { 4 } else { 8 };
                let mut value = 0u32;
                let mut digits = 0;
                while digits < max {
                    match bytes.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            value = value.wrapping_mul(16).wrapping_add(d);
                            i += 1;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.push(b'\\');
                    out.push(c);
                } else if let Some(ch) = char::from_u32(value) {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            other => {
                // Unknown escapes (and bash's `\'`, `\"`, `\?`, `\1`…) stay as typed.
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_as};

    #[test]
    fn echo_test_then_pwd() {
        assert_eq!(run("echo test; pwd"), "test\n/root\n");
    }

    #[test]
    fn echo_options_like_bash() {
        // Expected bytes were taken from bash 5.2's builtin echo.
        let cases: &[(&str, &[u8])] = &[
            (r#"echo -e "a\tb\x41""#, b"a\tbA\n"),
            (r#"echo -e "\x""#, b"\\x\n"),
            (r#"echo -e "\x4g""#, b"\x04g\n"),
            (r#"echo -e "a\cb"; echo"#, b"a\n"),
            (r#"echo -e "\0101\01\0""#, b"A\x01\x00\n"),
            (r#"echo -e "\101\1""#, b"\\101\\1\n"),
            (r#"echo -e "\\' \\\" \\? \\q \\""#, b"\\' \\\" \\? \\q \\\n"),
            (r#"echo -e "\e[1m" "\E""#, b"\x1b[1m \x1b\n"),
            (r#"echo -e "\u00e9\U0001F600\u""#, "é😀\\u\n".as_bytes()),
            (r#"echo -nE "a\tb""#, b"a\\tb"),
            (r#"echo -en "a\tb""#, b"a\tb"),
            (r#"echo -e -E "\t""#, b"\\t\n"),
            (r#"echo -neX "\t""#, b"-neX \\t\n"),
            ("echo - -- -n", b"- -- -n\n"),
            (r#"echo -e "trail\\""#, b"trail\\\n"),
            (r#"echo "a\tb""#, b"a\\tb\n"),
            (r#"echo -e "\a\b\f\v\r""#, b"\x07\x08\x0c\x0b\r\n"),
            ("echo --help", b"--help\n"),
            ("echo", b"\n"),
            ("echo -n", b""),
        ];
        for (line, expected) in cases {
            assert_eq!(run_as("root", line).output, *expected, "{line}");
        }
    }

    #[test]
    fn bin_echo_is_coreutils() {
        assert_eq!(run_as("root", r#"/bin/echo -e "\101""#).output, b"A\n");
        assert!(run("/bin/echo --help").starts_with("Usage: /bin/echo [SHORT-OPTION]..."));
        assert!(run("/usr/bin/echo --version").starts_with("echo (GNU coreutils) 8.32\n"));
    }
}
