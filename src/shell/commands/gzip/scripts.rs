//! Ubuntu's `gunzip` and `zcat` shell scripts: they answer `--help` (with their own `$0`)
//! and `--version` when it is the first argument, and otherwise `exec gzip -d` / `gzip -cd`.

use super::super::{Command, CommandCtx, usr_bin};
use super::gzip;

/// `gunzip`: Ubuntu's script around `gzip -d`.
pub struct Gunzip;

impl Command for Gunzip {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("gunzip")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let script = script_path(argv, "gunzip");
        match argv.get(1).map(String::as_str) {
            Some("--help") => {
                cx.out(format!(
                    "Usage: {script} [OPTION]... [FILE]...\n\
                     Uncompress FILEs (by default, in-place).\n\n\
                     Mandatory arguments to long options are mandatory for short options too.\n\n\
                     \x20 -c, --stdout      write on standard output, keep original files unchanged\n\
                     \x20 -f, --force       force overwrite of output file and compress links\n\
                     \x20 -k, --keep        keep (don't delete) input files\n\
                     {SCRIPT_OPTIONS}"
                ));
                0
            }
            Some("--version") => {
                cx.out(script_version("gunzip"));
                0
            }
            _ => {
                let mut args = vec!["-d".to_owned()];
                args.extend(argv.iter().skip(1).cloned());
                gzip(cx, args)
            }
        }
    }
}

/// `zcat`: Ubuntu's script around `gzip -cd`.
pub struct Zcat;

impl Command for Zcat {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("zcat")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let script = script_path(argv, "zcat");
        match argv.get(1).map(String::as_str) {
            Some("--help") => {
                cx.out(format!(
                    "Usage: {script} [OPTION]... [FILE]...\n\
                     Uncompress FILEs to standard output.\n\n\
                     \x20 -f, --force       force; read compressed data even from a terminal\n\
                     \x20 -l, --list        list compressed file contents\n\
                     {}",
                    SCRIPT_OPTIONS
                        .split_once("  -q")
                        .map(|(_, rest)| format!("  -q{rest}"))
                        .unwrap_or_default()
                ));
                0
            }
            Some("--version") => {
                cx.out(script_version("zcat"));
                0
            }
            _ => {
                let mut args = vec!["-cd".to_owned()];
                args.extend(argv.iter().skip(1).cloned());
                gzip(cx, args)
            }
        }
    }
}

/// The usage lines the `gunzip` and `zcat` scripts share, from `-l` down.
const SCRIPT_OPTIONS: &str = "  -l, --list        list compressed file contents
  -n, --no-name     do not save or restore the original name and timestamp
  -N, --name        save or restore the original name and timestamp
  -q, --quiet       suppress all warnings
  -r, --recursive   operate recursively on directories
  -S, --suffix=SUF  use suffix SUF on compressed files
      --synchronous synchronous output (safer if system crashes, but slower)
  -t, --test        test compressed file integrity
  -v, --verbose     verbose mode
      --help        display this help and exit
      --version     display version information and exit

With no FILE, or when FILE is -, read standard input.

Report bugs to <bug-gzip@gnu.org>.
";

/// The script's `$0`: the path bash ran it by (found in `/usr/bin` through `PATH`).
fn script_path(argv: &[String], name: &str) -> String {
    match argv.first() {
        Some(typed) if typed.contains('/') => typed.clone(),
        _ => format!("/usr/bin/{name}"),
    }
}

/// The `--version` text of the `gunzip` or `zcat` script.
fn script_version(name: &str) -> String {
    format!(
        "{name} (gzip) 1.10\n\
         Copyright (C) 2007, 2011-2018 Free Software Foundation, Inc.\n\
         This is free software.  You may redistribute copies of it under the terms of\n\
         the GNU General Public License <https://www.gnu.org/licenses/gpl.html>.\n\
         There is NO WARRANTY, to the extent permitted by law.\n\n\
         Written by Paul Eggert.\n"
    )
}
