//! `md5sum`, `sha1sum`, `sha224sum`, `sha256sum`, `sha384sum` and `sha512sum` (GNU
//! coreutils): print digests in the default, binary (`-b`) or BSD (`--tag`) form, or verify
//! them (`-c`), with coreutils' messages and statuses.

use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::{Command, CommandCtx, try_help};

/// One of the digest programs.
struct Algorithm {
    /// The program's name.
    program: &'static str,
    /// The name in messages and `--tag` lines (`SHA256`).
    tag: &'static str,
    /// Digest size in bits.
    bits: u32,
    /// Where the algorithm is specified, for `--help`.
    reference: &'static str,
}

/// The digest programs, by name.
const ALGORITHMS: [Algorithm; 6] = [
    Algorithm {
        program: "md5sum",
        tag: "MD5",
        bits: 128,
        reference: "RFC 1321",
    },
    Algorithm {
        program: "sha1sum",
        tag: "SHA1",
        bits: 160,
        reference: "FIPS-180-1",
    },
    Algorithm {
        program: "sha224sum",
        tag: "SHA224",
        bits: 224,
        reference: "RFC 3874",
    },
    Algorithm {
        program: "sha256sum",
        tag: "SHA256",
        bits: 256,
        reference: "FIPS-180-2",
    },
    Algorithm {
        program: "sha384sum",
        tag: "SHA384",
        bits: 384,
        reference: "FIPS-180-2",
    },
    Algorithm {
        program: "sha512sum",
        tag: "SHA512",
        bits: 512,
        reference: "FIPS-180-2",
    },
];

impl Algorithm {
    /// The hex digest of `data`.
    fn hex(&self, data: &[u8]) -> String {
        match self.bits {
            128 => hex::encode(Md5::digest(data)),
            160 => hex::encode(Sha1::digest(data)),
            224 => hex::encode(Sha224::digest(data)),
            256 => hex::encode(Sha256::digest(data)),
            384 => hex::encode(Sha384::digest(data)),
            _ => hex::encode(Sha512::digest(data)),
        }
    }
}

/// The digest programs.
pub struct Checksum;

impl Command for Checksum {
    fn names(&self) -> &'static [&'static str] {
        &[
            "md5sum",
            "/usr/bin/md5sum",
            "/bin/md5sum",
            "sha1sum",
            "/usr/bin/sha1sum",
            "/bin/sha1sum",
            "sha224sum",
            "/usr/bin/sha224sum",
            "/bin/sha224sum",
            "sha256sum",
            "/usr/bin/sha256sum",
            "/bin/sha256sum",
            "sha384sum",
            "/usr/bin/sha384sum",
            "/bin/sha384sum",
            "sha512sum",
            "/usr/bin/sha512sum",
            "/bin/sha512sum",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('b', "binary", Arg::No),
            ('c', "check", Arg::No),
            ('\0', "ignore-missing", Arg::No),
            ('\0', "quiet", Arg::No),
            ('\0', "status", Arg::No),
            ('t', "text", Arg::No),
            ('w', "warn", Arg::No),
            ('\0', "strict", Arg::No),
            ('\0', "tag", Arg::No),
            ('z', "zero", Arg::No),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "md5sum").to_owned();
        let base = prog.rsplit('/').next().unwrap_or("md5sum");
        let algo = ALGORITHMS
            .iter()
            .find(|a| a.program == base)
            .unwrap_or(&ALGORITHMS[0]);
        let (opts, mut files) =
            match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, false) {
                Ok(parsed) => parsed,
                Err(message) => {
                    cx.err(message + &try_help(&prog));
                    return 1;
                }
            };
        let has = |key: &str| opts.iter().any(|o| o.key == key);
        if let Some(first) = opts.iter().find(|o| o.key == "help" || o.key == "version") {
            let text = if first.key == "help" {
                help(cx, &prog, algo)
            } else {
                cx.coreutils_version_text(
                    algo.program,
                    "Ulrich Drepper, Scott Miller, and David Madore",
                )
            };
            cx.out(text);
            return 0;
        }
        let binary = opts
            .iter()
            .rev()
            .find(|o| o.key == "binary" || o.key == "text")
            .is_some_and(|o| o.key == "binary");
        let check = has("check");
        if has("tag") && check {
            cx.err(format!(
                "{prog}: the --tag option is meaningless when verifying checksums\n{}",
                try_help(&prog)
            ));
            return 1;
        }
        if has("tag") && opts.iter().any(|o| o.key == "text") {
            cx.err(format!(
                "{prog}: --tag does not support --text mode\n{}",
                try_help(&prog)
            ));
            return 1;
        }
        if !check {
            for only in ["ignore-missing", "quiet", "status", "strict", "warn"] {
                if has(only) {
                    let text = match only {
                        "warn" => "the --warn option is meaningful only when verifying checksums",
                        "status" => {
                            "the --status option is meaningful only when verifying checksums"
                        }
                        "quiet" => "the --quiet option is meaningful only when verifying checksums",
                        "strict" => {
                            "the --strict option is meaningful only when verifying checksums"
                        }
                        _ => {
                            "the --ignore-missing option is meaningful only when verifying checksums"
                        }
                    };
                    cx.err(format!("{prog}: {text}\n{}", try_help(&prog)));
                    return 1;
                }
            }
        }
        if files.is_empty() {
            files.push("-".into());
        }
        if check {
            let flags = CheckFlags {
                quiet: has("quiet"),
                status: has("status"),
                ignore_missing: has("ignore-missing"),
            };
            return verify(cx, &prog, algo, &files, flags);
        }
        let end = if has("zero") { '\0' } else { '\n' };
        let mut status = 0;
        for name in files {
            let Some(data) = input(cx, &prog, &name) else {
                status = 1;
                continue;
            };
            let sum = algo.hex(&data);
            // A name with a backslash or newline is escaped, and the line marked with a
            // leading backslash (not with -z, whose lines end in NUL).
            let escape = !has("zero") && name.contains(['\\', '\n']);
            let (mark, shown) = if escape {
                ("\\", name.replace('\\', "\\\\").replace('\n', "\\n"))
            } else {
                ("", name.clone())
            };
            let line = if has("tag") {
                format!("{mark}{} ({shown}) = {sum}{end}", algo.tag)
            } else {
                let mode = if binary { '*' } else { ' ' };
                format!("{mark}{sum} {mode}{shown}{end}")
            };
            cx.out(line);
        }
        status
    }
}

/// Reads operand `name` (`-`: standard input), printing the error if it cannot.
fn input(cx: &mut CommandCtx<'_>, prog: &str, name: &str) -> Option<Vec<u8>> {
    if name == "-" {
        return Some(cx.stdin.to_vec());
    }
    match cx.fs.read(name) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            cx.err(format!("{prog}: {name}: {err}\n"));
            None
        }
    }
}

/// `-c` modifiers.
#[derive(Clone, Copy)]
struct CheckFlags {
    /// `--quiet`: no `OK` lines.
    quiet: bool,
    /// `--status`: no output at all.
    status: bool,
    /// `--ignore-missing`: skip listed files that do not exist.
    ignore_missing: bool,
}

/// `-c`: checks each listed file against the sums in the check files.
fn verify(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    algo: &Algorithm,
    lists: &[String],
    flags: CheckFlags,
) -> i32 {
    let digits = (algo.bits / 4) as usize;
    let mut ok = true;
    for list in lists {
        let Some(text) = input(cx, prog, list) else {
            ok = false;
            continue;
        };
        let shown = if list == "-" {
            "standard input"
        } else {
            list.as_str()
        };
        let (mut lines, mut failed, mut unreadable, mut malformed) = (0, 0, 0, 0);
        for line in String::from_utf8_lossy(&text).lines().take(100_000) {
            let Some((sum, name)) = parse_line(line, algo, digits) else {
                malformed += 1;
                continue;
            };
            lines += 1;
            let data = if name == "-" {
                Some(cx.stdin.to_vec())
            } else {
                match cx.fs.read(&name) {
                    Ok(bytes) => Some(bytes),
                    Err(_) if flags.ignore_missing => continue,
                    Err(err) => {
                        if !flags.status {
                            cx.err(format!("{prog}: {name}: {err}\n"));
                            cx.out(format!("{name}: FAILED open or read\n"));
                        }
                        unreadable += 1;
                        None
                    }
                }
            };
            let Some(data) = data else { continue };
            let good = algo.hex(&data).eq_ignore_ascii_case(&sum);
            if !good {
                failed += 1;
            }
            if !flags.status && (!good || !flags.quiet) {
                cx.out(format!("{name}: {}\n", if good { "OK" } else { "FAILED" }));
            }
        }
        if lines == 0 {
            cx.err(format!(
                "{prog}: {shown}: no properly formatted {} checksum lines found\n",
                algo.tag
            ));
            ok = false;
            continue;
        }
        if !flags.status {
            let plural = |n: usize, one: &str, many: &str| {
                if n == 1 {
                    one.to_owned()
                } else {
                    many.to_owned()
                }
            };
            if malformed > 0 {
                cx.err(format!(
                    "{prog}: WARNING: {malformed} {} improperly formatted\n",
                    plural(malformed, "line is", "lines are")
                ));
            }
            if unreadable > 0 {
                cx.err(format!(
                    "{prog}: WARNING: {unreadable} listed {} could not be read\n",
                    plural(unreadable, "file", "files")
                ));
            }
            if failed > 0 {
                cx.err(format!(
                    "{prog}: WARNING: {failed} computed {} did NOT match\n",
                    plural(failed, "checksum", "checksums")
                ));
            }
        }
        if failed > 0 || unreadable > 0 {
            ok = false;
        }
    }
    if ok { 0 } else { 1 }
}

/// A check line: `HEX  name`, `HEX *name`, or `TAG (name) = HEX`.
fn parse_line(line: &str, algo: &Algorithm, digits: usize) -> Option<(String, String)> {
    let line = line.trim_start();
    if let Some(rest) = line
        .strip_prefix(algo.tag)
        .and_then(|r| r.strip_prefix(" ("))
    {
        let (name, sum) = rest.rsplit_once(") = ")?;
        return (sum.len() == digits && sum.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| (sum.to_owned(), name.to_owned()));
    }
    let sum = line.get(..digits)?;
    if !sum.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let rest = line.get(digits..)?;
    let name = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))?;
    (!name.is_empty()).then(|| (sum.to_owned(), name.to_owned()))
}

/// `--help` of coreutils 8.32 for `algo`.
fn help(cx: &CommandCtx<'_>, prog: &str, algo: &Algorithm) -> String {
    format!(
        "Usage: {prog} [OPTION]... [FILE]...\n\
         Print or check {tag} ({bits}-bit) checksums.\n\
         \n\
         With no FILE, or when FILE is -, read standard input.\n\
         \n\
         \x20 -b, --binary         read in binary mode\n\
         \x20 -c, --check          read {tag} sums from the FILEs and check them\n\
         \x20     --tag            create a BSD-style checksum\n\
         \x20 -t, --text           read in text mode (default)\n\
         \x20 -z, --zero           end each output line with NUL, not newline,\n\
         \x20                      and disable file name escaping\n\
         \n\
         The following five options are useful only when verifying checksums:\n\
         \x20     --ignore-missing  don't fail or report status for missing files\n\
         \x20     --quiet          don't print OK for each successfully verified file\n\
         \x20     --status         don't output anything, status code shows success\n\
         \x20     --strict         exit non-zero for improperly formatted checksum lines\n\
         \x20 -w, --warn           warn about improperly formatted checksum lines\n\
         \n\
         {opts}\n\
         The sums are computed as described in {reference}.  When checking, the input\n\
         should be a former output of this program.  The default mode is to print a\n\
         line with checksum, a space, a character indicating input mode ('*' for binary,\n\
         ' ' for text or where binary is insignificant), and name for each FILE.\n\
         \n\
         Note: There is no difference between binary mode and text mode on GNU systems.\n\
         {footer}",
        tag = algo.tag,
        bits = algo.bits,
        reference = algo.reference,
        opts = cx.coreutils_help_options(),
        footer = footer(cx, algo.program),
    )
}

/// The help tail; the SHA-2 programs share one info node.
fn footer(cx: &CommandCtx<'_>, program: &str) -> String {
    let footer = cx.coreutils_help_footer(program);
    if program.starts_with("sha") && program != "sha1sum" {
        footer.replace(
            &format!("'(coreutils) {program} invocation'"),
            "'(coreutils) sha2 utilities'",
        )
    } else {
        footer
    }
}

#[cfg(test)]
mod tests {
    //! Digests checked against the real tools; texts from coreutils 8.32's `md5sum.c`.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn digests_of_standard_input() {
        assert_eq!(
            run_status("echo -n hi | md5sum"),
            ("49f68a5c8493ec2c0bf489821c21fc3b  -\n".into(), 0)
        );
        assert_eq!(
            run("echo -n hi | sha1sum"),
            "c22b5f9178342609428d6f51b2c5af4c0bde6a42  -\n"
        );
        assert_eq!(
            run("echo -n hi | sha224sum"),
            "1a15bca3e4ed3ab82367c6c434f86c41040bdac577fa1c2de62c3be0  -\n"
        );
        assert_eq!(
            run("echo -n hi | sha256sum"),
            "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4  -\n"
        );
        assert_eq!(
            run("echo -n hi | sha384sum"),
            "0791006df8128477244f53d0fdce210db81f55757510e26acee35c18a6bceaa28dcdbbfd6dc041b9b4dc7b1b54e37f52  -\n"
        );
    }

    #[test]
    fn modes_and_errors() {
        assert_eq!(
            run("echo -n hi | md5sum -b"),
            "49f68a5c8493ec2c0bf489821c21fc3b *-\n"
        );
        assert_eq!(
            run("echo -n hi | md5sum --tag"),
            "MD5 (-) = 49f68a5c8493ec2c0bf489821c21fc3b\n"
        );
        assert_eq!(
            run("echo -n hi > 'a\\b'; md5sum 'a\\b'"),
            "\\49f68a5c8493ec2c0bf489821c21fc3b  a\\\\b\n"
        );
        assert_eq!(
            run_status("md5sum nofile"),
            ("md5sum: nofile: No such file or directory\n".into(), 1)
        );
        assert_eq!(
            run_status("sha1sum -x"),
            (
                "sha1sum: invalid option -- 'x'\nTry 'sha1sum --help' for more information.\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("md5sum --quiet"),
            (
                "md5sum: the --quiet option is meaningful only when verifying checksums\nTry 'md5sum --help' for more information.\n"
                    .into(),
                1
            )
        );
    }

    #[test]
    fn check_mode() {
        assert_eq!(
            run_status("echo -n hi > /tmp/f; md5sum /tmp/f > /tmp/s; md5sum -c /tmp/s"),
            ("/tmp/f: OK\n".into(), 0)
        );
        assert_eq!(
            run_status(
                "echo -n hi > /tmp/f; md5sum /tmp/f > /tmp/s; echo x > /tmp/f; md5sum -c /tmp/s"
            ),
            (
                "/tmp/f: FAILED\nmd5sum: WARNING: 1 computed checksum did NOT match\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("echo junk > /tmp/s; sha256sum -c /tmp/s"),
            (
                "sha256sum: /tmp/s: no properly formatted SHA256 checksum lines found\n".into(),
                1
            )
        );
    }

    #[test]
    fn help_and_version() {
        let help = run("sha512sum --help");
        assert!(help.starts_with(
            "Usage: sha512sum [OPTION]... [FILE]...\nPrint or check SHA512 (512-bit) checksums.\n"
        ));
        assert!(help.contains("described in FIPS-180-2.  When checking"));
        assert!(help.ends_with(
            "Full documentation <https://www.gnu.org/software/coreutils/sha512sum>\n\
             or available locally via: info '(coreutils) sha2 utilities'\n"
        ));
        assert!(run("md5sum --help").ends_with("info '(coreutils) md5sum invocation'\n"));
        assert!(
            run("md5sum --version")
                .ends_with("Written by Ulrich Drepper, Scott Miller, and David Madore.\n")
        );
    }
}
