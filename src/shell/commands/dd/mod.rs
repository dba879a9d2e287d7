//! `dd`: copies blocks between files of the fake filesystem (or standard input and output)
//! with `bs`/`ibs`/`obs`, `count`, `skip`, `seek` and a few `conv`s, then prints GNU's
//! three-line summary on standard error with a plausible transfer time. Endless devices
//! (`/dev/zero`, `/dev/urandom`) are read only as far as `count` asks (and at most
//! [`MAX_VIRTUAL`] bytes); zeros written to a file stay sparse.

mod summary;
#[cfg(test)]
mod tests;

use super::coreutils_help::{self, usage};
use super::gnu_opts::prog_name;
use super::{Command, CommandCtx, try_help, usr_bin};
use crate::host::fs::{Data, Device, FsError, Kind, READ_LIMIT};
use crate::host::io_meter;
use crate::models::strategy::LatencyProfile;
use summary::{transfer_line, transfer_line_after};

/// The most bytes one `dd` moves from an endless device (what a session can wait for).
const MAX_VIRTUAL: u64 = 1 << 30;

/// `dd`.
pub struct Dd;

/// What `dd` reads.
enum Source {
    /// Bytes of a file or of standard input.
    Bytes(Vec<u8>),
    /// `/dev/zero`.
    Zeros,
    /// `/dev/urandom`, `/dev/random`.
    Random,
}

/// The operands, parsed.
struct Operands {
    /// `if=`: the input file (`None`: standard input).
    input: Option<String>,
    /// `of=`: the output file (`None`: standard output).
    output: Option<String>,
    /// Input block size.
    ibs: u64,
    /// Output block size.
    obs: u64,
    /// `count=`: input blocks to copy (`None`: all).
    count: Option<u64>,
    /// `skip=`: input blocks to skip first.
    skip: u64,
    /// `seek=`: output blocks to skip first.
    seek: u64,
    /// `conv=` symbols.
    conv: Vec<String>,
    /// `status=` level.
    status: Option<String>,
    /// Whether input is re-blocked into `obs`-sized writes (no `bs=`).
    two_buffers: bool,
}

/// The symbols `conv=` accepts.
const CONVERSIONS: &[&str] = &[
    "ascii",
    "ebcdic",
    "ibm",
    "block",
    "unblock",
    "lcase",
    "ucase",
    "sparse",
    "swab",
    "sync",
    "excl",
    "nocreat",
    "notrunc",
    "noerror",
    "fdatasync",
    "fsync",
];

/// The symbols `iflag=` and `oflag=` accept.
const FLAGS: &[&str] = &[
    "append",
    "binary",
    "count_bytes",
    "direct",
    "directory",
    "dsync",
    "noatime",
    "nocache",
    "noctty",
    "nofollow",
    "nolinks",
    "nonblock",
    "seek_bytes",
    "skip_bytes",
    "sync",
    "text",
    "fullblock",
];

impl Command for Dd {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("dd")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        if cx.state.deception.latency != LatencyProfile::SlowDisk {
            return self.copy(cx, argv);
        }
        // On a slow disk dd reports the time the copy takes there, and the session waits
        // exactly that long: the copy's own reads and writes are not counted again.
        let (status, own) = io_meter::measure(|| self.copy(cx, argv));
        io_meter::block(own.blocked);
        status
    }
}

impl Dd {
    fn copy(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog_name(argv, "dd").to_owned();
        let mut args = argv.get(1..).unwrap_or_default();
        match args.first().map(String::as_str) {
            Some("--help") => {
                cx.out(usage(cx, &prog, "dd", coreutils_help::DD));
                return 0;
            }
            Some("--version") => {
                let text =
                    cx.coreutils_version_text("dd", "Paul Rubin, David MacKenzie, and Stuart Kemp");
                cx.out(text);
                return 0;
            }
            Some("--") => args = &args[1..],
            Some(a) if a.starts_with("--") => {
                cx.err(format!(
                    "{prog}: unrecognized option '{a}'\n{}",
                    try_help(&prog)
                ));
                return 1;
            }
            Some(a) if a.len() > 1 && a.starts_with('-') => {
                let c = a.chars().nth(1).unwrap_or('-');
                cx.err(format!(
                    "{prog}: invalid option -- '{c}'\n{}",
                    try_help(&prog)
                ));
                return 1;
            }
            _ => {}
        }
        let ops = match parse_operands(cx, &prog, args) {
            Ok(ops) => ops,
            Err(status) => return status,
        };
        for pair in [["lcase", "ucase"], ["excl", "nocreat"]] {
            if pair.iter().all(|c| ops.conv.iter().any(|x| x == c)) {
                cx.err(format!(
                    "{prog}: cannot combine {} and {}\n",
                    pair[0], pair[1]
                ));
                return 1;
            }
        }
        let source = match &ops.input {
            None => Source::Bytes(cx.stdin.to_vec()),
            Some(path) => match open_input(cx, path) {
                Ok(source) => source,
                Err(err) => {
                    cx.err(format!(
                        "{prog}: failed to open {}: {err}\n",
                        shell_quote(path)
                    ));
                    return 1;
                }
            },
        };
        // The blocks read: (full, partial) records and the bytes, materialised only when
        // someone will see them.
        let skip_bytes = ops.skip.saturating_mul(ops.ibs);
        let (total, data): (u64, Option<Vec<u8>>) = match &source {
            Source::Bytes(bytes) => {
                let start = usize::try_from(skip_bytes)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let rest = &bytes[start..];
                let want = ops.count.map_or(u64::MAX, |c| c.saturating_mul(ops.ibs));
                let len = usize::try_from(want).unwrap_or(usize::MAX).min(rest.len());
                (len as u64, Some(rest[..len].to_vec()))
            }
            Source::Zeros | Source::Random => {
                let want = ops
                    .count
                    .map_or(MAX_VIRTUAL, |c| c.saturating_mul(ops.ibs))
                    .min(MAX_VIRTUAL);
                (want, None)
            }
        };
        if ops.skip > 0 && matches!(&source, Source::Bytes(b) if skip_bytes > b.len() as u64) {
            let name = ops.input.as_deref().unwrap_or("standard input");
            cx.err(format!("{prog}: {name}: cannot skip to specified offset\n"));
        }
        let r_full = total / ops.ibs;
        let r_partial = u64::from(total % ops.ibs != 0);
        let sync = ops.conv.iter().any(|c| c == "sync");
        let padded = if sync && r_partial == 1 {
            r_full.saturating_add(1).saturating_mul(ops.ibs)
        } else {
            total
        };
        let (w_full, w_partial) = if ops.two_buffers {
            (padded / ops.obs, u64::from(padded % ops.obs != 0))
        } else if sync {
            (r_full + r_partial, 0)
        } else {
            (r_full, r_partial)
        };
        let mut rng = cx.state.rng();
        let mut materialise = |source: &Source, data: Option<Vec<u8>>, limit: usize| -> Vec<u8> {
            let len = usize::try_from(padded).unwrap_or(usize::MAX).min(limit);
            let mut bytes = match (source, data) {
                (_, Some(bytes)) => bytes,
                (Source::Random, None) => {
                    let mut bytes = vec![0u8; len];
                    rand::RngCore::fill_bytes(&mut rng, &mut bytes);
                    bytes
                }
                _ => vec![0u8; len],
            };
            bytes.resize(len, 0);
            convert(&mut bytes, &ops.conv);
            bytes
        };
        let mut status = 0;
        let mut written = padded;
        match &ops.output {
            None => {
                let bytes = materialise(&source, data, cx.output_room());
                cx.out(bytes);
            }
            Some(path) => {
                let zeros_only = matches!(source, Source::Zeros)
                    && ops.seek == 0
                    && !ops.conv.iter().any(|c| c == "notrunc");
                let result = match output_kind(cx, path) {
                    Some(Kind::Device(Device::Full)) if padded > 0 => Err(FsError::NoSpace),
                    Some(Kind::Device(_)) => Ok(()),
                    _ if zeros_only => cx.fs.write_data(path, Data::Zeros(padded), 0o666),
                    _ => {
                        let bytes = materialise(&source, data, READ_LIMIT * 4);
                        write_at(
                            cx,
                            path,
                            &bytes,
                            ops.seek.saturating_mul(ops.obs),
                            &ops.conv,
                        )
                    }
                };
                if let Err(err) = result {
                    let (open_failed, message) = match err {
                        FsError::NoSpace | FsError::IsADirectory => (false, err),
                        other => (true, other),
                    };
                    if open_failed {
                        cx.err(format!(
                            "{prog}: failed to open {}: {message}\n",
                            shell_quote(path)
                        ));
                        return 1;
                    }
                    cx.err(format!(
                        "{prog}: error writing {}: {message}\n",
                        shell_quote(path)
                    ));
                    written = 0;
                    status = 1;
                }
            }
        }
        let (w_full, w_partial) = if written == 0 && padded > 0 {
            (0, 0)
        } else {
            (w_full, w_partial)
        };
        let level = ops.status.as_deref().unwrap_or("");
        let slow = (cx.state.deception.latency == LatencyProfile::SlowDisk).then(|| {
            let work = io_meter::Work {
                written,
                ..io_meter::Work::default()
            };
            let took = work.slow_disk_time() + std::time::Duration::from_micros(300);
            io_meter::block(took);
            took
        });
        if level != "none" {
            let mut summary =
                format!("{r_full}+{r_partial} records in\n{w_full}+{w_partial} records out\n");
            if level != "noxfer" {
                summary.push_str(&match slow {
                    Some(took) => transfer_line_after(written, took.as_nanos() as u64),
                    None => transfer_line(cx.host.seed, written),
                });
            }
            cx.err(summary);
        }
        status
    }
}

/// Parses the `name=value` operands, printing dd's error on failure.
fn parse_operands(cx: &mut CommandCtx<'_>, prog: &str, args: &[String]) -> Result<Operands, i32> {
    let mut ops = Operands {
        input: None,
        output: None,
        ibs: 512,
        obs: 512,
        count: None,
        skip: 0,
        seek: 0,
        conv: Vec::new(),
        status: None,
        two_buffers: true,
    };
    let mut bs = None;
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            let text = format!("{prog}: unrecognized operand {}\n", cx.quote(arg));
            cx.err(text + &try_help(prog));
            return Err(1);
        };
        let symbols = |valid: &[&str], what: &str| -> Result<Vec<String>, String> {
            let mut out = Vec::new();
            for symbol in value.split(',') {
                if !valid.contains(&symbol) {
                    return Err(format!("{prog}: {what}: {}\n", cx.quote(symbol)));
                }
                out.push(symbol.to_owned());
            }
            Ok(out)
        };
        let parsed = match name {
            "if" => {
                ops.input = Some(value.to_owned());
                Ok(())
            }
            "of" => {
                ops.output = Some(value.to_owned());
                Ok(())
            }
            "conv" => symbols(CONVERSIONS, "invalid conversion").map(|s| ops.conv.extend(s)),
            "iflag" => symbols(FLAGS, "invalid input flag").map(|_| ()),
            "oflag" => symbols(FLAGS, "invalid output flag").map(|_| ()),
            "status" => match value {
                "none" | "noxfer" | "progress" => {
                    ops.status = Some(value.to_owned());
                    Ok(())
                }
                _ => Err(format!(
                    "{prog}: invalid status level: {}\n",
                    cx.quote(value)
                )),
            },
            "ibs" | "obs" | "bs" | "cbs" | "skip" | "seek" | "count" => {
                let min = u64::from(matches!(name, "ibs" | "obs" | "bs" | "cbs"));
                match size(value).filter(|n| *n >= min) {
                    None => {
                        let text = format!("{prog}: invalid number: {}\n", cx.quote(value));
                        cx.err(text);
                        return Err(1);
                    }
                    Some(n) => {
                        match name {
                            "ibs" => ops.ibs = n,
                            "obs" => ops.obs = n,
                            "bs" => bs = Some(n),
                            "skip" => ops.skip = n,
                            "seek" => ops.seek = n,
                            "count" => ops.count = Some(n),
                            _ => {}
                        }
                        Ok(())
                    }
                }
            }
            _ => {
                let text = format!("{prog}: unrecognized operand {}\n", cx.quote(arg));
                cx.err(text + &try_help(prog));
                return Err(1);
            }
        };
        if let Err(message) = parsed {
            cx.err(message + &try_help(prog));
            return Err(1);
        }
    }
    if let Some(bs) = bs {
        ops.ibs = bs;
        ops.obs = bs;
        ops.two_buffers = false;
    }
    Ok(ops)
}

/// A dd number: digits, an optional multiplier suffix (`c`, `w`, `b`, `K`, `kB`, `KiB`, `M`,
/// …) and optional `xN` factors.
fn size(text: &str) -> Option<u64> {
    let (first, rest) = match text.split_once('x') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let digits = first.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let number: u64 = first.get(..digits)?.parse().ok()?;
    let suffix = first.get(digits..)?;
    let power = |exp: u32, base: u64| base.checked_pow(exp);
    let multiplier = match suffix {
        "" | "c" => Some(1),
        "w" => Some(2),
        "b" => Some(512),
        _ => {
            let mut chars = suffix.chars();
            let exp = match chars.next()? {
                'k' | 'K' => 1,
                'M' => 2,
                'G' => 3,
                'T' => 4,
                'P' => 5,
                'E' => 6,
                'Z' => 7,
                'Y' => 8,
                _ => return None,
            };
            match chars.as_str() {
                "" | "iB" => power(exp, 1024),
                "B" => power(exp, 1000),
                _ => None,
            }
        }
    }?;
    let value = number.checked_mul(multiplier)?;
    match rest {
        Some(rest) => value.checked_mul(size(rest)?),
        None => Some(value),
    }
}

/// Opens `path` for reading.
fn open_input(cx: &mut CommandCtx<'_>, path: &str) -> Result<Source, FsError> {
    let (_, node) = cx.fs.lookup(path, true)?;
    match node.kind {
        Kind::Device(Device::Zero) => Ok(Source::Zeros),
        Kind::Device(Device::Random | Device::Urandom) => Ok(Source::Random),
        _ => cx.fs.read_limited(path, READ_LIMIT).map(Source::Bytes),
    }
}

/// What `path` is, if it exists.
fn output_kind(cx: &CommandCtx<'_>, path: &str) -> Option<Kind> {
    cx.fs
        .lookup(path, true)
        .ok()
        .map(|(_, node)| node.kind.clone())
}

/// Writes `bytes` at `offset` of `path`: the rest of the file is cut off unless `notrunc`.
fn write_at(
    cx: &mut CommandCtx<'_>,
    path: &str,
    bytes: &[u8],
    offset: u64,
    conv: &[String],
) -> Result<(), FsError> {
    let notrunc = conv.iter().any(|c| c == "notrunc");
    if offset == 0 && !notrunc {
        return cx.fs.write(path, bytes, false).map(|_| ());
    }
    let mut old = if cx.fs.exists(path) {
        cx.fs.read_limited(path, READ_LIMIT)?
    } else {
        Vec::new()
    };
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(READ_LIMIT * 4);
    if old.len() < offset {
        old.resize(offset, 0);
    }
    let end = offset + bytes.len();
    if old.len() < end {
        old.resize(end, 0);
    }
    old[offset..end].copy_from_slice(bytes);
    if !notrunc {
        old.truncate(end);
    }
    cx.fs.write(path, &old, false).map(|_| ())
}

/// Applies the `conv=` conversions that change bytes.
fn convert(bytes: &mut [u8], conv: &[String]) {
    for c in conv {
        match c.as_str() {
            "ucase" => bytes.make_ascii_uppercase(),
            "lcase" => bytes.make_ascii_lowercase(),
            "swab" => {
                for pair in bytes.chunks_exact_mut(2) {
                    pair.swap(0, 1);
                }
            }
            _ => {}
        }
    }
}

/// A file name as `quoteaf` shows it in dd's open errors.
fn shell_quote(name: &str) -> String {
    format!("'{}'", name.replace('\'', "'\\''"))
}
