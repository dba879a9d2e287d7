//! `tar -x` and `tar -t`: reads the archive (through gzip when it is compressed), lists its
//! members, and recreates them in the overlay with their modes, owners and times.

use std::sync::Arc;

use super::super::CommandCtx;
use super::super::gzip::codec;
use super::archive::{self, Entry, Item, Kind};
use super::{FAILED, FATAL, Filter, TAR_FAILURE, TarOpts, join};
use crate::host::fs::{Data, FileType, Timestamp, UMASK};

/// The most an archive may inflate to.
const INFLATE_LIMIT: usize = 24 << 20;

/// A `tar -tv` line: modes, owner/group, size, time, name (and link target). `ugswidth` is
/// tar's running width of the owner, group and size columns, which only grows.
pub(super) fn long_line(entry: &Entry, name: &str, ugswidth: &mut usize) -> String {
    let kind = match entry.kind {
        Kind::File => '-',
        Kind::HardLink(_) => 'h',
        Kind::Symlink(_) => 'l',
        Kind::CharDevice(..) => 'c',
        Kind::Dir => 'd',
        Kind::Other(b'4') => 'b',
        Kind::Other(b'6') => 'p',
        Kind::Other(_) => '?',
    };
    let m = entry.mode;
    let mut modes = String::with_capacity(10);
    modes.push(kind);
    for (shift, special, letter) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (m >> shift) & 7;
        modes.push(if bits & 4 != 0 { 'r' } else { '-' });
        modes.push(if bits & 2 != 0 { 'w' } else { '-' });
        modes.push(match (bits & 1 != 0, m & special != 0) {
            (true, true) => letter,
            (false, true) => letter.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    let user = if entry.uname.is_empty() {
        entry.uid.to_string()
    } else {
        entry.uname.clone()
    };
    let group = if entry.gname.is_empty() {
        entry.gid.to_string()
    } else {
        entry.gname.clone()
    };
    let size = match entry.kind {
        Kind::CharDevice(major, minor) => format!("{major},{minor}"),
        _ => entry.size.to_string(),
    };
    let pad = user.len() + 1 + group.len() + size.len();
    *ugswidth = (*ugswidth).max(pad);
    let width = *ugswidth - pad + size.len();
    let time = Timestamp {
        secs: entry.mtime,
        nanos: 0,
    }
    .to_datetime()
    .format("%Y-%m-%d %H:%M");
    let link = match &entry.kind {
        Kind::Symlink(target) => format!(" -> {target}"),
        Kind::HardLink(target) => format!(" link to {target}"),
        _ => String::new(),
    };
    format!("{modes} {user}/{group} {size:>width$} {time} {name}{link}\n")
}

/// Reads the archive's bytes, through its compression filter; `None` after a fatal error.
fn archive_bytes(cx: &mut CommandCtx<'_>, o: &TarOpts) -> Option<Vec<u8>> {
    let file = o.file.clone().unwrap_or_else(|| "-".to_owned());
    let raw = if file == "-" {
        if cx.stdin.is_empty() && cx.terminal().is_some() {
            cx.err(format!(
                "tar: Refusing to read archive contents from terminal (missing -f option?)\n{FATAL}"
            ));
            return None;
        }
        cx.stdin.to_vec()
    } else {
        match cx.fs.read(&file) {
            Ok(bytes) => bytes,
            Err(err) => {
                cx.err(format!("tar: {file}: Cannot open: {err}\n{FATAL}"));
                return None;
            }
        }
    };
    // Without -z/-j/-J, tar picks the filter from the archive's suffix, then its magic.
    let lower = file.to_ascii_lowercase();
    let by_suffix = [
        (".gz", Filter::Gzip),
        (".tgz", Filter::Gzip),
        (".taz", Filter::Gzip),
        (".bz2", Filter::Bzip2),
        (".tbz", Filter::Bzip2),
        (".tbz2", Filter::Bzip2),
        (".tz2", Filter::Bzip2),
        (".xz", Filter::Xz),
        (".txz", Filter::Xz),
    ]
    .iter()
    .find(|(suffix, _)| file != "-" && lower.ends_with(suffix))
    .map(|(_, filter)| *filter);
    let by_magic = if raw.starts_with(&[0x1f, 0x8b]) {
        Some(Filter::Gzip)
    } else if raw.starts_with(b"BZh") {
        Some(Filter::Bzip2)
    } else if raw.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some(Filter::Xz)
    } else {
        None
    };
    match o.filter.or(by_suffix).or(by_magic) {
        None => Some(raw),
        Some(Filter::Gzip) => match codec::decompress(&raw, INFLATE_LIMIT) {
            Ok(decoded) => Some(decoded.data),
            Err(err) => {
                cx.err(format!(
                    "{}tar: Child returned status 1\n{FATAL}",
                    err.text("stdin")
                ));
                None
            }
        },
        // Mirage has no bzip2 or xz decoder: only files that are not such archives reach
        // here in practice (a fake download), and this is what the real filters say then.
        Some(Filter::Bzip2) => {
            cx.err(format!(
                "bzip2: (stdin) is not a bzip2 file.\ntar: Child returned status 2\n{FATAL}"
            ));
            None
        }
        Some(Filter::Xz) => {
            cx.err(format!(
                "xz: (stdin): File format not recognized\ntar: Child returned status 1\n{FATAL}"
            ));
            None
        }
    }
}

/// One `tar -x` or `tar -t` run.
struct Run {
    failed: bool,
    warned_slash: bool,
    ugswidth: usize,
    /// Directories made, whose times are set at the end (their contents change them).
    dirs: Vec<(String, i64)>,
}

/// `tar -x` (or `tar -t` when `list`).
pub(super) fn extract(cx: &mut CommandCtx<'_>, o: &TarOpts, list: bool) -> i32 {
    if !list && !o.to_stdout && !super::check_dir(cx, o.dir.as_deref()) {
        return TAR_FAILURE;
    }
    let Some(bytes) = archive_bytes(cx, o) else {
        return TAR_FAILURE;
    };
    let mut run = Run {
        failed: false,
        warned_slash: false,
        ugswidth: 18,
        dirs: Vec::new(),
    };
    let mut found = vec![false; o.members.len()];
    for item in archive::read(&bytes) {
        match item {
            Item::NotTar => {
                cx.err("tar: This does not look like a tar archive\n");
                run.failed = true;
            }
            Item::Skipping => {
                cx.err("tar: Skipping to next header\n");
                run.failed = true;
            }
            Item::UnexpectedEof => {
                cx.err(format!("tar: Unexpected EOF in archive\n{FATAL}"));
                return TAR_FAILURE;
            }
            Item::Entry(entry) => {
                let Some(name) = safe_name(cx, o, &mut run, &entry.name) else {
                    continue;
                };
                let wanted = o.members.is_empty()
                    || o.members.iter().enumerate().any(|(i, m)| {
                        let m = m.trim_end_matches('/');
                        let hit = entry.name == m
                            || entry.name.trim_end_matches('/') == m
                            || entry.name.starts_with(&format!("{m}/"));
                        if hit {
                            found[i] = true;
                        }
                        hit
                    });
                if !wanted {
                    continue;
                }
                if o.verbose > 1 || (list && o.verbose > 0) {
                    let line = long_line(&entry, &name, &mut run.ugswidth);
                    cx.out(line);
                } else if o.verbose > 0 || list {
                    cx.out(format!("{name}\n"));
                }
                if !list {
                    extract_one(cx, o, &mut run, &entry, &name);
                }
            }
        }
    }
    for (path, mtime) in run.dirs.iter().rev() {
        // Best effort, as tar's delayed directory times.
        cx.fs
            .set_mtime(
                path,
                Timestamp {
                    secs: *mtime,
                    nanos: 0,
                },
            )
            .ok();
    }
    for (member, hit) in o.members.iter().zip(&found) {
        if !hit {
            cx.err(format!("tar: {member}: Not found in archive\n"));
            run.failed = true;
        }
    }
    if run.failed {
        cx.err(FAILED);
        return TAR_FAILURE;
    }
    0
}

/// The name a member is listed and extracted under: leading `/` removed (said once), the
/// first `--strip-components` parts dropped; `None` to skip it.
fn safe_name(cx: &mut CommandCtx<'_>, o: &TarOpts, run: &mut Run, name: &str) -> Option<String> {
    let mut name = name.to_owned();
    if !o.absolute && name.starts_with('/') {
        if !run.warned_slash {
            run.warned_slash = true;
            cx.err("tar: Removing leading `/' from member names\n");
        }
        name = name.trim_start_matches('/').to_owned();
        if name.is_empty() {
            return None;
        }
    }
    if o.strip > 0 {
        let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() <= o.strip {
            return None;
        }
        let dir = name.ends_with('/');
        name = parts[o.strip..].join("/");
        if dir {
            name.push('/');
        }
    }
    if !o.absolute && name.split('/').any(|p| p == "..") {
        cx.err(format!("tar: {name}: Member name contains '..'\n"));
        run.failed = true;
        return None;
    }
    Some(name)
}

/// Recreates one member at `name` (under `-C`).
fn extract_one(cx: &mut CommandCtx<'_>, o: &TarOpts, run: &mut Run, entry: &Entry, name: &str) {
    if o.to_stdout {
        if entry.kind == Kind::File {
            cx.out(&entry.data);
        }
        return;
    }
    let path = join(o.dir.as_deref(), name.trim_end_matches('/'));
    let root = cx.fs.cred().is_root();
    let mode = if root || o.preserve {
        entry.mode
    } else {
        entry.mode & !UMASK
    };
    if let Some((parent, _)) = path.rsplit_once('/')
        && !parent.is_empty()
        && !cx.fs.exists(parent)
    {
        // tar makes missing parents quietly.
        cx.fs.mkdir_all(parent, 0o777).ok();
    }
    let existing = cx.fs.lstat(&path).ok();
    let result = match &entry.kind {
        Kind::Dir => {
            let made = match existing {
                Some(stat) if stat.is_dir() => Ok(()),
                Some(_) => cx.fs.unlink(&path).and_then(|()| cx.fs.mkdir(&path, 0o700)),
                None => cx.fs.mkdir(&path, 0o700),
            };
            made.and_then(|()| cx.fs.chmod(&path, mode))
                .map_err(|err| format!("tar: {name}: Cannot mkdir: {err}\n"))
        }
        Kind::File => if let Some(stat) = existing {
            if o.keep_old {
                Err(format!("tar: {name}: Cannot open: File exists\n"))
            } else if stat.file_type == FileType::Directory {
                Err(format!("tar: {name}: Cannot open: Is a directory\n"))
            } else {
                cx.fs.unlink(&path).ok();
                Ok(())
            }
        } else {
            Ok(())
        }
        .and_then(|()| {
            cx.fs
                .write_data(&path, Data::Bytes(Arc::new(entry.data.clone())), 0o600)
                .and_then(|()| cx.fs.chmod(&path, mode))
                .map_err(|err| format!("tar: {name}: Cannot open: {err}\n"))
        }),
        Kind::Symlink(target) => {
            if existing.is_some() && !o.keep_old {
                cx.fs.unlink(&path).ok();
            }
            cx.fs
                .symlink(target, &path)
                .map_err(|err| format!("tar: {name}: Cannot create symlink to '{target}': {err}\n"))
        }
        Kind::HardLink(target) => {
            if existing.is_some() && !o.keep_old {
                cx.fs.unlink(&path).ok();
            }
            let from = join(o.dir.as_deref(), target.trim_start_matches('/'));
            cx.fs
                .hard_link(&from, &path)
                .map_err(|err| format!("tar: {name}: Cannot hard link to '{target}': {err}\n"))
        }
        // Devices and FIFOs are not made in the overlay.
        Kind::CharDevice(..) | Kind::Other(_) => return,
    };
    if let Err(text) = result {
        cx.err(text);
        run.failed = true;
        return;
    }
    if root && !matches!(entry.kind, Kind::Symlink(_) | Kind::HardLink(_)) {
        let accounts = cx.fs.accounts();
        let uid = accounts.user(&entry.uname).map_or(entry.uid, |u| u.uid);
        let gid = accounts.group(&entry.gname).map_or(entry.gid, |g| g.gid);
        cx.fs.chown(&path, Some(uid), Some(gid), false).ok();
        // chown clears set-id bits, as on Linux; tar sets the mode again after it.
        cx.fs.chmod(&path, mode).ok();
    }
    let time = Timestamp {
        secs: entry.mtime,
        nanos: 0,
    };
    match entry.kind {
        Kind::Dir => run.dirs.push((path, entry.mtime)),
        Kind::File => {
            cx.fs.set_mtime(&path, time).ok();
        }
        _ => {}
    }
}
