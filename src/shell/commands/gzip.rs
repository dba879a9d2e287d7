//! gzip 1.10: `gzip`, and Ubuntu's `gunzip` and `zcat` scripts, which answer `--help` and
//! `--version` themselves and otherwise `exec gzip -d` / `gzip -cd` (so their messages say
//! `gzip:`). Compression is real deflate on the session's overlay bytes; the output keeps the
//! input's mode and time, and the input is removed unless `-k` or `-c`.

pub(crate) mod codec;
mod list;
mod scripts;
#[cfg(test)]
mod tests;

pub use scripts::{Gunzip, Zcat};

use std::sync::Arc;

use super::toolkit::{self, Opt};
use super::{Command, CommandCtx, MAX_COMMAND_OUTPUT, usr_bin};
use crate::host::fs::{Data, FileType, Timestamp};
use codec::decompress;

/// The most a member may inflate to: what one command may print, and more than the
/// overlay's default quota, so a bomb fails the way a full disk does.
const INFLATE_LIMIT: usize = MAX_COMMAND_OUTPUT;

/// How many files `gzip -r` visits at most.
const MAX_RECURSIVE_FILES: usize = 2_000;

/// gzip's exit statuses: `WARNING` does not override `ERROR`.
const ERROR: i32 = 1;
/// A warning (`already has .gz suffix`, `unknown suffix`, …).
const WARNING: i32 = 2;

/// gzip's option table.
const OPTIONS: &toolkit::OptTable = &[
    ('a', "ascii", false),
    ('c', "stdout", false),
    ('\0', "to-stdout", false),
    ('d', "decompress", false),
    ('\0', "uncompress", false),
    ('f', "force", false),
    ('h', "help", false),
    ('k', "keep", false),
    ('l', "list", false),
    ('L', "license", false),
    ('n', "no-name", false),
    ('N', "name", false),
    ('\0', "no-time", false),
    ('q', "quiet", false),
    ('\0', "silent", false),
    ('r', "recursive", false),
    ('\0', "rsyncable", false),
    ('S', "suffix", true),
    ('\0', "synchronous", false),
    ('t', "test", false),
    ('v', "verbose", false),
    ('V', "version", false),
    ('1', "fast", false),
    ('2', "", false),
    ('3', "", false),
    ('4', "", false),
    ('5', "", false),
    ('6', "", false),
    ('7', "", false),
    ('8', "", false),
    ('9', "best", false),
];

/// `gzip --help`.
const HELP: &str = "\
Usage: gzip [OPTION]... [FILE]...
Compress or uncompress FILEs (by default, compress FILES in-place).

Mandatory arguments to long options are mandatory for short options too.

  -c, --stdout      write on standard output, keep original files unchanged
  -d, --decompress  decompress
  -f, --force       force overwrite of output file and compress links
  -h, --help        give this help
  -k, --keep        keep (don't delete) input files
  -l, --list        list compressed file contents
  -L, --license     display software license
  -n, --no-name     do not save or restore the original name and timestamp
  -N, --name        save or restore the original name and timestamp
  -q, --quiet       suppress all warnings
  -r, --recursive   operate recursively on directories
      --rsyncable   make rsync-friendly archive
  -S, --suffix=SUF  use suffix SUF on compressed files
      --synchronous synchronous output (safer if system crashes, but slower)
  -t, --test        test compressed file integrity
  -v, --verbose     verbose mode
  -V, --version     display version number
  -1, --fast        compress faster
  -9, --best        compress better

With no FILE, or when FILE is -, read standard input.

Report bugs to <bug-gzip@gnu.org>.
";

/// `gzip -L`; `gzip -V` adds the author.
const LICENSE: &str = "\
gzip 1.10
Copyright (C) 2018 Free Software Foundation, Inc.
Copyright (C) 1993 Jean-loup Gailly.
This is free software.  You may redistribute copies of it under the terms of
the GNU General Public License <https://www.gnu.org/licenses/gpl.html>.
There is NO WARRANTY, to the extent permitted by law.
";

/// `gzip`.
pub struct Gzip;

impl Command for Gzip {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("gzip")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        gzip(cx, argv.get(1..).unwrap_or_default().to_vec())
    }
}

/// What the options asked for.
struct Opts {
    /// `-c` (also set by `-l` and `-t`): write to standard output, keep the input.
    to_stdout: bool,
    /// `-d`: decompress.
    decompress: bool,
    /// `-f`: overwrite outputs, follow links, pass a terminal.
    force: bool,
    /// `-k`: keep the input.
    keep: bool,
    /// `-l`: list sizes.
    list: bool,
    /// `-q`: no warnings (they still set the exit status).
    quiet: bool,
    /// `-v`: a line per file on standard error.
    verbose: bool,
    /// `-r`: descend into directories.
    recursive: bool,
    /// `-t`: check integrity only.
    test: bool,
    /// Compression level, 1 to 9.
    level: u32,
    /// `-S`: the suffix of compressed files.
    suffix: String,
}

/// The state of one gzip run: options, exit status and `-l` totals.
struct Run<'o> {
    /// The options.
    opts: &'o Opts,
    /// The exit status so far: 0, [`WARNING`] or [`ERROR`].
    status: i32,
    /// `-l`: whether the heading was printed.
    listed: bool,
    /// `-l`: compressed bytes listed so far.
    total_in: u64,
    /// `-l`: uncompressed bytes listed so far.
    total_out: u64,
    /// `-l`: the last file's header bytes, which gzip reuses for the totals' ratio.
    last_header: u64,
    /// How many files were processed (the totals line needs more than one).
    files: usize,
}

impl Run<'_> {
    /// Prints an error and makes the exit status 1.
    fn error(&mut self, cx: &mut CommandCtx<'_>, text: String) {
        cx.err(text);
        self.status = ERROR;
    }

    /// Prints a warning unless `-q`, and makes the exit status 2 unless it is 1.
    fn warn(&mut self, cx: &mut CommandCtx<'_>, text: String) {
        if !self.opts.quiet {
            cx.err(text);
        }
        if self.status == 0 {
            self.status = WARNING;
        }
    }
}

/// gzip's `main`, on `args` (without `argv[0]`).
fn gzip(cx: &mut CommandCtx<'_>, args: Vec<String>) -> i32 {
    let parsed = match toolkit::parse("gzip", &args, OPTIONS) {
        Ok(parsed) => parsed,
        Err(message) => {
            cx.err(format!(
                "{message}Try `gzip --help' for more information.\n"
            ));
            return ERROR;
        }
    };
    let (options, operands) = parsed;
    let mut opts = Opts {
        to_stdout: false,
        decompress: false,
        force: false,
        keep: false,
        list: false,
        quiet: false,
        verbose: false,
        recursive: false,
        test: false,
        level: 6,
        suffix: ".gz".to_owned(),
    };
    for Opt { name, value } in &options {
        match *name {
            "help" => {
                cx.out(HELP);
                return 0;
            }
            "license" => {
                cx.out(LICENSE);
                return 0;
            }
            "version" => {
                cx.out(format!("{LICENSE}\nWritten by Jean-loup Gailly.\n"));
                return 0;
            }
            "stdout" | "to-stdout" => opts.to_stdout = true,
            "decompress" | "uncompress" => opts.decompress = true,
            "force" => opts.force = true,
            "keep" => opts.keep = true,
            "list" => {
                opts.list = true;
                opts.decompress = true;
                opts.to_stdout = true;
            }
            "test" => {
                opts.test = true;
                opts.decompress = true;
                opts.to_stdout = true;
            }
            "quiet" | "silent" => {
                opts.quiet = true;
                opts.verbose = false;
            }
            "verbose" => {
                opts.verbose = true;
                opts.quiet = false;
            }
            "recursive" => opts.recursive = true,
            "fast" => opts.level = 1,
            "best" => opts.level = 9,
            "suffix" => opts.suffix = value.clone().unwrap_or_default(),
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                opts.level = u32::from(digit.as_bytes()[0] - b'0');
            }
            _ => {}
        }
    }
    if opts.suffix.is_empty() || opts.suffix.len() > 30 || opts.suffix.contains('/') {
        cx.err(format!("gzip: invalid suffix '{}'\n", opts.suffix));
        return ERROR;
    }
    let mut run = Run {
        opts: &opts,
        status: 0,
        listed: false,
        total_in: 0,
        total_out: 0,
        last_header: 0,
        files: 0,
    };
    if operands.is_empty() {
        treat_stdin(cx, &mut run);
    }
    for operand in &operands {
        if operand == "-" {
            treat_stdin(cx, &mut run);
        } else {
            treat_file(cx, &mut run, operand, 0);
        }
    }
    if opts.list && !opts.quiet && run.files > 1 {
        let ratio = ratio(
            run.total_out as f64 - (run.total_in as f64 - run.last_header as f64),
            run.total_out,
        );
        cx.out(format!(
            "{:>19} {:>19} {ratio} (totals)\n",
            run.total_in, run.total_out
        ));
    }
    run.status
}

/// gzip's `display_ratio`: `%5.1f%%`.
fn ratio(num: f64, den: u64) -> String {
    let value = if den == 0 {
        0.0
    } else {
        100.0 * num / den as f64
    };
    format!("{value:5.1}%")
}

/// Compresses or decompresses standard input to standard output.
fn treat_stdin(cx: &mut CommandCtx<'_>, run: &mut Run<'_>) {
    let opts = run.opts;
    // A terminal on the other end: gzip will not write binary to it or read it as data.
    // The fake shell's standard input is empty unless something was piped in.
    if !opts.force && !opts.list && cx.terminal().is_some() {
        let (what, verb, action) = if opts.decompress {
            ("read from", "decompression", cx.stdin.is_empty())
        } else {
            ("written to", "compression", true)
        };
        if action {
            run.error(
                cx,
                format!(
                    "gzip: compressed data not {what} a terminal. Use -f to force {verb}.\n\
                     For help, type: gzip -h\n"
                ),
            );
            return;
        }
    }
    let input = cx.stdin.to_vec();
    if opts.list {
        list::list_one(cx, run, "stdin", "stdout", &input);
        return;
    }
    if opts.decompress {
        match decompress(&input, INFLATE_LIMIT) {
            // `-f -c` copies what is not compressed unchanged, as `cat` would.
            Err(codec::GzError::NotGzip) if opts.force && !opts.test => cx.out(&input),
            Ok(decoded) => {
                if decoded.trailing_garbage {
                    run.warn(
                        cx,
                        "gzip: stdin: decompression OK, trailing garbage ignored\n".to_owned(),
                    );
                }
                if opts.test {
                    if opts.verbose {
                        cx.err(" OK\n");
                    }
                } else {
                    cx.out(decoded.data);
                }
            }
            Err(err) => run.error(cx, err.text("stdin")),
        }
        return;
    }
    let packed = codec::compress(&input, None, 0, opts.level);
    if opts.verbose {
        let header = 10 + 8;
        let text = ratio(
            input.len() as f64 - (packed.len() as f64 - header as f64),
            input.len() as u64,
        );
        cx.err(format!("{text}\n"));
    }
    cx.out(packed);
}

/// The suffix gzip recognises at the end of `name` (the `-S` one first), if any.
fn known_suffix<'s>(name: &str, suffix: &'s str) -> Option<&'s str> {
    const KNOWN: [&str; 7] = [".gz", ".z", ".taz", ".tgz", "-gz", "-z", "_z"];
    let lower = name.to_ascii_lowercase();
    let base_len = name.rsplit('/').next().map_or(0, str::len);
    std::iter::once(suffix)
        .chain(KNOWN)
        .find(|s| base_len > s.len() && lower.ends_with(&s.to_ascii_lowercase()))
        .map(|s| if s == suffix { suffix } else { s })
}

/// Compresses, decompresses, tests or lists the file `name`.
fn treat_file(cx: &mut CommandCtx<'_>, run: &mut Run<'_>, name: &str, depth: usize) {
    let opts = run.opts;
    let mut name = name.to_owned();
    let stat = match cx.fs.lstat(&name) {
        Ok(stat) => stat,
        Err(err) => {
            // gunzip tries `name.gz` when `name` is missing and has no suffix.
            let fallback = format!("{name}{}", opts.suffix);
            if opts.decompress
                && err == crate::host::fs::FsError::NotFound
                && known_suffix(&name, &opts.suffix).is_none()
                && let Ok(stat) = cx.fs.lstat(&fallback)
            {
                name = fallback;
                stat
            } else {
                let shown = if opts.decompress && known_suffix(&name, &opts.suffix).is_none() {
                    fallback
                } else {
                    name.clone()
                };
                run.error(cx, format!("gzip: {shown}: {err}\n"));
                return;
            }
        }
    };
    let stat = match stat.file_type {
        FileType::Symlink if !opts.force => {
            run.error(
                cx,
                format!("gzip: {name}: Too many levels of symbolic links\n"),
            );
            return;
        }
        FileType::Symlink => match cx.fs.stat(&name) {
            Ok(stat) => stat,
            Err(err) => {
                run.error(cx, format!("gzip: {name}: {err}\n"));
                return;
            }
        },
        _ => stat,
    };
    if stat.is_dir() {
        if opts.recursive && depth < 16 {
            recurse(cx, run, &name, depth);
        } else {
            run.warn(cx, format!("gzip: {name} is a directory -- ignored\n"));
        }
        return;
    }
    if stat.file_type != FileType::Regular {
        run.warn(
            cx,
            format!("gzip: {name} is not a directory or a regular file - ignored\n"),
        );
        return;
    }
    let suffix = known_suffix(&name, &opts.suffix);
    let output = if opts.decompress {
        match suffix {
            Some(s) => {
                let stem = &name[..name.len() - s.len()];
                if s.eq_ignore_ascii_case(".tgz") || s.eq_ignore_ascii_case(".taz") {
                    format!("{stem}.tar")
                } else {
                    stem.to_owned()
                }
            }
            None if opts.to_stdout => String::new(),
            None => {
                run.warn(cx, format!("gzip: {name}: unknown suffix -- ignored\n"));
                return;
            }
        }
    } else {
        if let Some(s) = suffix
            && !opts.to_stdout
            && !opts.force
        {
            run.warn(
                cx,
                format!("gzip: {name} already has {s} suffix -- unchanged\n"),
            );
            return;
        }
        format!("{name}{}", opts.suffix)
    };
    let input = match cx.fs.read(&name) {
        Ok(bytes) => bytes,
        Err(err) => {
            run.error(cx, format!("gzip: {name}: {err}\n"));
            return;
        }
    };
    run.files += 1;
    if opts.list {
        let shown = if output.is_empty() {
            name.clone()
        } else {
            output
        };
        list::list_one(cx, run, &name, &shown, &input);
        return;
    }
    if !opts.to_stdout && cx.fs.exists(&output) && !opts.force {
        run.warn(
            cx,
            format!("gzip: {output} already exists;\tnot overwritten\n"),
        );
        return;
    }
    let (result, header) = if opts.decompress {
        match decompress(&input, INFLATE_LIMIT) {
            Err(codec::GzError::NotGzip) if opts.force && opts.to_stdout && !opts.test => {
                cx.out(&input);
                return;
            }
            Ok(decoded) => {
                if decoded.trailing_garbage {
                    run.warn(
                        cx,
                        format!("gzip: {name}: decompression OK, trailing garbage ignored\n"),
                    );
                }
                (decoded.data, decoded.header_bytes)
            }
            Err(err) => {
                let prefix = if opts.verbose {
                    format!("{name}:\t")
                } else {
                    String::new()
                };
                run.error(cx, format!("{prefix}{}", err.text(&name)));
                return;
            }
        }
    } else {
        let base = name.rsplit('/').next().unwrap_or(&name);
        let mtime = u32::try_from(stat.mtime.secs).unwrap_or(0);
        let packed = codec::compress(&input, Some(base), mtime, opts.level);
        let header = 10 + base.len() as u64 + 1 + 8;
        (packed, header)
    };
    if opts.test {
        if opts.verbose {
            cx.err(format!("{name}:\t OK\n"));
        }
        return;
    }
    let (original, produced) = if opts.decompress {
        (result.len() as u64, input.len() as u64)
    } else {
        (input.len() as u64, result.len() as u64)
    };
    if opts.to_stdout {
        cx.out(&result);
    } else if let Err(err) = write_output(cx, &output, result, stat.mode, stat.mtime) {
        run.error(cx, format!("gzip: {output}: {err}\n"));
        return;
    }
    if opts.verbose {
        let text = ratio(
            original as f64 - (produced as f64 - header as f64),
            original,
        );
        let tail = if opts.to_stdout {
            String::new()
        } else if opts.keep {
            format!(" -- created {output}")
        } else {
            format!(" -- replaced with {output}")
        };
        cx.err(format!("{name}:\t{text}{tail}\n"));
    }
    if !opts.to_stdout
        && !opts.keep
        && let Err(err) = cx.fs.unlink(&name)
    {
        run.error(cx, format!("gzip: {name}: {err}\n"));
    }
}

/// Writes `bytes` to `path` with the input's `mode` and modification time.
fn write_output(
    cx: &mut CommandCtx<'_>,
    path: &str,
    bytes: Vec<u8>,
    mode: u32,
    mtime: Timestamp,
) -> Result<(), crate::host::fs::FsError> {
    cx.fs
        .write_data(path, Data::Bytes(Arc::new(bytes)), 0o600)?;
    cx.fs.chmod(path, mode & 0o7777)?;
    cx.fs.set_mtime(path, mtime)
}

/// `gzip -r`: every entry of directory `dir`, in order, up to [`MAX_RECURSIVE_FILES`].
fn recurse(cx: &mut CommandCtx<'_>, run: &mut Run<'_>, dir: &str, depth: usize) {
    let entries = match cx.fs.read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            run.error(cx, format!("gzip: {dir}: {err}\n"));
            return;
        }
    };
    for entry in entries.into_iter().take(MAX_RECURSIVE_FILES) {
        let path = format!("{}/{}", dir.trim_end_matches('/'), entry.name);
        treat_file(cx, run, &path, depth + 1);
    }
}
