//! Downloads: GNU Wget 1.21 (`wget`) and what the other downloaders share.
//!
//! Nothing is ever fetched: no connection is opened, no name is resolved. A "download" makes
//! up its contents from the URL (a shell script for script names, an ELF executable otherwise,
//! of a size derived from the URL, the same every time), writes them to the session's
//! filesystem as a new `0644` file, and records a
//! [`FileDownload`](crate::events::EventKind::FileDownload) event with the URL and the
//! contents' SHA-256. Host names resolve to an address derived from the name, in public
//! ranges; a name without a dot (but `localhost`) fails to resolve, as on a box whose
//! resolver knows no such host.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::toolkit::short_name;
use super::{Command, CommandCtx, usr_bin};
use crate::events::EventKind;
use crate::host::fs::{Data, FsError};

/// A URL as the downloaders understand it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// `http`, `https`, `ftp`, `tftp`.
    pub scheme: String,
    /// The host as written (brackets stripped from IPv6 literals).
    pub host: String,
    /// The port, explicit or the scheme's default.
    pub port: u16,
    /// Whether the port was written in the URL.
    pub explicit_port: bool,
    /// The path with its query, from the first `/` (`/` when empty).
    pub path: String,
}

impl Url {
    /// Parses `raw`; a missing scheme means `http` (as wget and curl assume). `None` for an
    /// unsupported scheme, an empty host or a bad port.
    pub fn parse(raw: &str) -> Option<Url> {
        let (scheme, rest) = match raw.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("http".to_owned(), raw),
        };
        let default = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            "ftp" => 21,
            "tftp" => 69,
            _ => return None,
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(at) => (&rest[..at], rest[at..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']')?;
            (host.to_owned(), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port)),
                None => (authority.to_owned(), None),
            }
        };
        if host.is_empty() {
            return None;
        }
        let port_number = match port {
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0)?,
            None => default,
        };
        Some(Url {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port_number,
            explicit_port: port.is_some(),
            path,
        })
    }

    /// The URL written out in full, as wget prints it.
    pub fn full(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let port = if self.explicit_port {
            format!(":{}", self.port)
        } else {
            String::new()
        };
        format!("{}://{host}{port}{}", self.scheme, self.path)
    }

    /// The last path component, without query: the name the file is saved under (empty for
    /// a URL ending in `/`).
    pub fn file_name(&self) -> String {
        let path = self.path.split(['?', '#']).next().unwrap_or("");
        path.rsplit('/').next().unwrap_or("").to_owned()
    }

    /// Whether the host is an address literal.
    pub fn is_literal(&self) -> bool {
        self.host.parse::<IpAddr>().is_ok()
    }

    /// The address the host "resolves" to, or `None` when it does not resolve.
    pub fn address(&self) -> Option<String> {
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Some(ip.to_string());
        }
        if self.host == "localhost" {
            return Some("127.0.0.1".to_owned());
        }
        let labels: Vec<&str> = self.host.split('.').collect();
        let valid = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()));
        if !valid {
            return None;
        }
        let h = digest(self.host.as_bytes());
        const FIRST: [u8; 8] = [45, 89, 104, 138, 141, 152, 185, 194];
        Some(format!(
            "{}.{}.{}.{}",
            FIRST[usize::from(h[0] % 8)],
            h[1],
            h[2],
            1 + h[3] % 253
        ))
    }
}

/// SHA-256 of `bytes`.
pub(crate) fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Whether a saved name looks like a script (whose made-up contents are then text).
fn is_script(name: &str) -> bool {
    [".sh", ".py", ".pl", ".txt", ".bash"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Most made-up downloads kept, and their total size: bots fetch the same few URLs over and
/// over, and making a 600 KB body and its SHA-256 costs more than the rest of the command.
const MADE_ENTRIES: usize = 256;
const MADE_BYTES: usize = 64 << 20;

/// Made-up downloads by (URL, script or not), with their SHA-256 in hex.
type MadeCache = HashMap<(String, bool), (Arc<Vec<u8>>, String)>;

fn made() -> &'static Mutex<MadeCache> {
    static MADE: OnceLock<Mutex<MadeCache>> = OnceLock::new();
    MADE.get_or_init(Mutex::default)
}

/// The made-up contents of `url` saved as `name`: the same bytes for the same URL (shared, not
/// copied, by every download of it).
pub(crate) fn body(url: &str, name: &str) -> Arc<Vec<u8>> {
    let key = (url.to_owned(), is_script(name));
    if let Some((bytes, _)) = made().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return bytes.clone();
    }
    let bytes = Arc::new(make_body(url, key.1));
    let shasum = hex::encode(digest(&bytes));
    let mut cache = made().lock().unwrap_or_else(|e| e.into_inner());
    let held: usize = cache.values().map(|(b, _)| b.len()).sum();
    if cache.len() >= MADE_ENTRIES || held + bytes.len() > MADE_BYTES {
        cache.clear();
    }
    cache.insert(key, (bytes.clone(), shasum));
    bytes
}

/// SHA-256 (hex) of a download's bytes: looked up when they are a made-up body of `url`.
pub(crate) fn shasum_of(url: &str, bytes: &Arc<Vec<u8>>) -> String {
    let cache = made().lock().unwrap_or_else(|e| e.into_inner());
    for script in [false, true] {
        if let Some((made, shasum)) = cache.get(&(url.to_owned(), script))
            && Arc::ptr_eq(made, bytes)
        {
            return shasum.clone();
        }
    }
    drop(cache);
    hex::encode(digest(bytes))
}

/// Makes the contents [`body`] hands out.
fn make_body(url: &str, script: bool) -> Vec<u8> {
    let seed = digest(url.as_bytes());
    let mut state = u64::from_le_bytes([
        seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7],
    ]) | 1;
    let mut next = move || {
        // xorshift64*: deterministic filler, not cryptography.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    if script {
        let lines = 4 + next() % 40;
        let mut text = b"#!/bin/sh\n".to_vec();
        for _ in 0..lines {
            text.extend_from_slice(format!("# {:016x}{:016x}\n", next(), next()).as_bytes());
        }
        return text;
    }
    let size = 24_000 + (next() % 600_000) as usize;
    let mut bytes = Vec::with_capacity(size);
    // A 32-bit little-endian ARM ELF executable header, as IoT bots' payloads are.
    bytes.extend_from_slice(b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x28\0\x01\0\0\0");
    while bytes.len() < size {
        bytes.extend_from_slice(&next().to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

/// `path` made absolute against the command's directory.
pub(crate) fn absolute(cx: &CommandCtx<'_>, path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        let cwd = cx.fs.cwd().trim_end_matches('/');
        format!("{cwd}/{path}")
    }
}

/// Writes `bytes` to `path` as a new `0644` file (or over an existing one) and records the
/// download of `url`. Returns the SHA-256, hex.
pub(crate) fn save(
    cx: &mut CommandCtx<'_>,
    url: &str,
    path: &str,
    bytes: Arc<Vec<u8>>,
) -> Result<String, FsError> {
    let shasum = shasum_of(url, &bytes);
    cx.fs.write_data(path, Data::Bytes(bytes), 0o666)?;
    let outfile = absolute(cx, path);
    cx.record(EventKind::FileDownload {
        url: url.to_owned(),
        outfile,
        shasum: shasum.clone(),
    });
    Ok(shasum)
}

/// A size as wget's `Length:` and progress show it: `1.2K`, `121K`, `1.5M`.
fn human(size: u64) -> String {
    let mut value = size as f64;
    for unit in ["K", "M", "G"] {
        value /= 1024.0;
        if value < 1024.0 {
            return if value < 10.0 {
                format!("{value:.1}{unit}")
            } else {
                format!("{}{unit}", value.round() as u64)
            };
        }
    }
    format!("{}G", value.round() as u64)
}

/// wget's `--2026-11-21 03:54:34--` time stamp.
fn stamp(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A made-up transfer rate for `url`, in wget's `322 MB/s` form and as a `172M` figure.
fn rate(url: &str) -> (String, String) {
    let h = digest(url.as_bytes());
    let tenths = 10 + u32::from(h[5]) * 4;
    let (text, short) = if tenths >= 1000 {
        (format!("{} MB/s", tenths / 10), format!("{}M", tenths / 10))
    } else {
        (
            format!("{}.{} MB/s", tenths / 10, tenths % 10),
            format!("{}.{}M", tenths / 10, tenths % 10),
        )
    };
    (text, short)
}

/// The `--progress=dot` rows wget writes when standard error is not a terminal.
fn dot_rows(size: u64, speed: &str) -> String {
    let kib = size / 1024;
    let mut out = String::new();
    let mut done = 0u64;
    loop {
        let row = (kib - done).min(50);
        let last = done + row >= kib;
        let mut line = format!("{done:>6}K");
        for dot in 0..row {
            if dot % 10 == 0 {
                line.push(' ');
            }
            line.push('.');
        }
        while line.len() < 62 {
            line.push(' ');
        }
        if last {
            line.push_str(&format!("100% {speed:>5}=0s\n"));
        } else {
            let pct = ((done + row) * 1024 * 100 / size.max(1)).min(99);
            line.push_str(&format!("{pct:>3}% {speed:>5} 0s\n"));
        }
        out.push_str(&line);
        done += row;
        if last {
            return out;
        }
    }
}

/// The progress bar wget draws on a terminal `cols` wide, at 0% and then done.
fn bar(name: &str, size: u64, cols: u16) -> String {
    let cols = usize::from(cols.max(45));
    let name_width = cols / 4;
    let inner = cols.saturating_sub(60).max(5);
    let shown: String = name.chars().take(name_width).collect();
    let size_text = if size < 1024 {
        size.to_string()
    } else {
        format!("{:.2}K", size as f64 / 1024.0)
    };
    let start = format!(
        "{shown:<name_width$}  0%[{}]       0  --.-KB/s               ",
        " ".repeat(inner)
    );
    let end = format!(
        "{shown:<name_width$}100%[{}>] {size_text:>7}  --.-KB/s    in 0s      ",
        "=".repeat(inner - 1)
    );
    format!("\r{start}\r{end}\n")
}

/// `wget`: GNU Wget 1.21.
pub struct Wget;

/// What `wget` was asked to do.
#[derive(Default)]
struct WgetOpts {
    quiet: bool,
    output: Option<String>,
    prefix: Option<String>,
    urls: Vec<String>,
    /// `-t`: tries (used when nothing answers, see [`super::offline`]).
    tries: Option<u32>,
    /// `-T`, `--timeout`, `--connect-timeout`: seconds.
    timeout: Option<f64>,
}

const WGET_USAGE: &str =
    "Usage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n";

impl Wget {
    fn parse(args: &[String]) -> Result<WgetOpts, String> {
        let mut opts = WgetOpts::default();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            let mut value = |inline: &str| -> Result<String, String> {
                if !inline.is_empty() {
                    return Ok(inline.to_owned());
                }
                let v = args.get(i).cloned();
                i += 1;
                v.ok_or_else(|| format!("wget: option requires an argument -- '{}'\n", &arg[1..2]))
            };
            if let Some(long) = arg.strip_prefix("--") {
                let (name, inline) = long.split_once('=').unwrap_or((long, ""));
                match name {
                    "" => {
                        opts.urls.extend(args[i..].iter().cloned());
                        break;
                    }
                    "quiet" => opts.quiet = true,
                    "output-document" => opts.output = Some(value(inline)?),
                    "directory-prefix" => opts.prefix = Some(value(inline)?),
                    "no-check-certificate"
                    | "verbose"
                    | "no-verbose"
                    | "continue"
                    | "no-clobber"
                    | "passive-ftp" => {}
                    "tries" => opts.tries = value(inline)?.parse().ok(),
                    "timeout" | "connect-timeout" => opts.timeout = value(inline)?.parse().ok(),
                    "user-agent" | "header" | "user" | "password" | "post-data" => {
                        value(inline)?;
                    }
                    _ => return Err(format!("wget: unrecognized option '{arg}'\n")),
                }
            } else if arg.len() > 1 && arg.starts_with('-') {
                let flags = &arg[1..];
                for (at, c) in flags.char_indices() {
                    let rest = &flags[at + c.len_utf8()..];
                    match c {
                        'q' => opts.quiet = true,
                        'c' | 'v' | 'N' | 'b' => {}
                        'O' | 'P' | 'U' | 't' | 'T' => {
                            let v = if rest.is_empty() {
                                let v = args.get(i).cloned();
                                i += 1;
                                v.ok_or_else(|| {
                                    format!("wget: option requires an argument -- '{c}'\n")
                                })?
                            } else {
                                rest.to_owned()
                            };
                            match c {
                                'O' => opts.output = Some(v),
                                'P' => opts.prefix = Some(v),
                                't' => opts.tries = v.parse().ok(),
                                'T' => opts.timeout = v.parse().ok(),
                                _ => {}
                            }
                            break;
                        }
                        _ => return Err(format!("wget: invalid option -- '{c}'\n")),
                    }
                }
            } else {
                opts.urls.push(arg.clone());
            }
        }
        Ok(opts)
    }
}

impl Command for Wget {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("wget")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let _ = short_name(argv, "wget");
        let opts = match Wget::parse(argv.get(1..).unwrap_or_default()) {
            Ok(opts) => opts,
            Err(message) => {
                // Wget reads its options twice, so a bad one is reported twice.
                cx.err(format!("{message}{message}{WGET_USAGE}"));
                return 2;
            }
        };
        if opts.urls.is_empty() {
            cx.err(format!("wget: missing URL\n{WGET_USAGE}"));
            return 1;
        }
        let mut status = 0;
        let mut saved_to_stdout = Vec::new();
        for raw in &opts.urls {
            let Some(url) = Url::parse(raw) else {
                cx.err(format!("{raw}: Unsupported scheme.\n"));
                status = 1;
                continue;
            };
            let full = url.full();
            let now = stamp(cx.now());
            let mut log = format!("--{now}--  {full}\n");
            let address = url.address();
            let port = url.port;
            let host = &url.host;
            if !url.is_literal() {
                match &address {
                    Some(ip) => log.push_str(&format!("Resolving {host} ({host})... {ip}\n")),
                    None => {
                        log.push_str(&format!(
                            "Resolving {host} ({host})... failed: Name or service not known.\n\
                             wget: unable to resolve host address {}\n",
                            cx.quote(host)
                        ));
                        if !opts.quiet {
                            cx.err(log);
                        }
                        status = 4;
                        continue;
                    }
                }
            }
            let ip = address.unwrap_or_default();
            if super::offline::realistic(cx) {
                // A firewall drops the connection: see `offline`.
                let name = match url.file_name() {
                    n if n.is_empty() => "index.html".to_owned(),
                    n => n,
                };
                let shown = if !url.is_literal() {
                    format!("{host} ({host})|{ip}|:{port}")
                } else if ip.contains(':') {
                    format!("[{ip}]:{port}")
                } else {
                    format!("{ip}:{port}")
                };
                let outfile = match (&opts.output, &opts.prefix) {
                    (Some(o), _) => o.clone(),
                    (None, Some(dir)) => format!("{}/{name}", dir.trim_end_matches('/')),
                    (None, None) => name,
                };
                status = super::offline::wget_unreachable(
                    cx,
                    super::offline::WgetAttempt {
                        full: &full,
                        shown,
                        log,
                        outfile,
                        output_named: opts.output.is_some(),
                        quiet: opts.quiet,
                        tries: opts.tries,
                        timeout: opts.timeout,
                    },
                );
                continue;
            }
            if url.is_literal() {
                let shown = if ip.contains(':') {
                    format!("[{ip}]")
                } else {
                    ip.clone()
                };
                log.push_str(&format!("Connecting to {shown}:{port}... connected.\n"));
            } else {
                log.push_str(&format!(
                    "Connecting to {host} ({host})|{ip}|:{port}... connected.\n"
                ));
            }
            let name = match url.file_name() {
                n if n.is_empty() => "index.html".to_owned(),
                n => n,
            };
            let bytes = body(&full, &name);
            let size = bytes.len() as u64;
            let to_stdout = opts.output.as_deref() == Some("-");
            let path = match (&opts.output, &opts.prefix) {
                (Some(o), _) => o.clone(),
                (None, Some(dir)) => format!("{}/{name}", dir.trim_end_matches('/')),
                (None, None) => {
                    let mut candidate = name.clone();
                    let mut n = 1;
                    while cx.fs.exists(&candidate) && n < 1000 {
                        candidate = format!("{name}.{n}");
                        n += 1;
                    }
                    candidate
                }
            };
            if opts.output.is_none()
                && let Some(dir) = &opts.prefix
            {
                cx.fs.mkdir_all(dir, 0o777).unwrap_or(());
            }
            log.push_str(&format!(
                "HTTP request sent, awaiting response... 200 OK\n\
                 Length: {size} ({}) [application/octet-stream]\n\
                 Saving to: {}\n\n",
                human(size),
                cx.quote(if to_stdout { "STDOUT" } else { &path })
            ));
            let (speed_text, speed) = rate(&full);
            match cx.terminal() {
                Some(cols) if !to_stdout => log.push_str(&bar(&name, size, cols)),
                _ => log.push_str(&dot_rows(size, &speed)),
            }
            if to_stdout {
                let shasum = shasum_of(&full, &bytes);
                cx.record(EventKind::FileDownload {
                    url: full.clone(),
                    outfile: "-".to_owned(),
                    shasum,
                });
                saved_to_stdout.push(Vec::clone(&bytes));
                log.push_str(&format!(
                    "\n{now} ({speed_text}) - written to stdout [{size}/{size}]\n\n"
                ));
            } else {
                if let Err(err) = save(cx, &full, &path, bytes) {
                    cx.err(format!("{path}: {err}\n"));
                    status = 3;
                    continue;
                }
                log.push_str(&format!(
                    "\n{now} ({speed_text}) - {} saved [{size}/{size}]\n\n",
                    cx.quote(&path)
                ));
            }
            if !opts.quiet {
                cx.err(log);
            }
        }
        for bytes in saved_to_stdout {
            cx.out(bytes);
        }
        status
    }
}

#[cfg(test)]
#[path = "fetch/tests.rs"]
mod tests;
