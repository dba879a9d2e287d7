//! `tar -c`: walks the overlay and writes a GNU-format archive (gzipped with `-z`) to the
//! `-f` file or standard output.

use std::sync::Arc;

use super::super::CommandCtx;
use super::super::gzip::codec;
use super::archive::{Builder, Entry, Kind, MAX_ENTRIES};
use super::extract::long_line;
use super::{FAILED, FATAL, Filter, TAR_FAILURE, TRY, TarOpts, join};
use crate::host::fs::{Data, FileType, READ_LIMIT};

/// The largest archive tar builds; past it, writing fails as on a full disk.
const MAX_ARCHIVE: usize = 24 << 20;
/// How deep `tar -c` descends.
const MAX_DEPTH: usize = 64;

/// One `tar -c` run.
struct Walk {
    builder: Builder,
    /// The archive's canonical path, which is never archived into itself.
    archive: Option<String>,
    /// Whether an error was reported (exit 2 at the end).
    failed: bool,
    /// Whether "Removing leading `/'" was said.
    warned_slash: bool,
    /// Members added.
    entries: usize,
    /// Whether the archive grew past [`MAX_ARCHIVE`].
    full: bool,
    /// The width `tar -tvv` lines grow to.
    ugswidth: usize,
}

/// `tar -c`.
pub(super) fn create(cx: &mut CommandCtx<'_>, o: &TarOpts) -> i32 {
    if o.members.is_empty() {
        cx.err(format!(
            "tar: Cowardly refusing to create an empty archive\n{TRY}"
        ));
        return TAR_FAILURE;
    }
    let file = o.file.clone().unwrap_or_else(|| "-".to_owned());
    if file == "-" && cx.terminal().is_some() {
        cx.err(format!(
            "tar: Refusing to write archive contents to terminal (missing -f option?)\n{FATAL}"
        ));
        return TAR_FAILURE;
    }
    if !super::check_dir(cx, o.dir.as_deref()) {
        return TAR_FAILURE;
    }
    let mut walk = Walk {
        builder: Builder::new(),
        archive: None,
        failed: false,
        warned_slash: false,
        entries: 0,
        full: false,
        ugswidth: 18,
    };
    if file != "-" {
        // tar opens (and truncates) the archive before reading anything.
        if let Err(err) = cx
            .fs
            .write_data(&file, Data::Bytes(Arc::new(Vec::new())), 0o666)
        {
            cx.err(format!("tar: {file}: Cannot open: {err}\n{FATAL}"));
            return TAR_FAILURE;
        }
        walk.archive = cx.fs.lookup(&file, true).ok().map(|(path, _)| path);
    }
    let listing_to_err = file == "-";
    for member in &o.members {
        let mut name = member.trim_end_matches('/').to_owned();
        if name.is_empty() {
            name = "/".to_owned();
        }
        let path = join(o.dir.as_deref(), member);
        add(cx, o, &mut walk, &path, &name, 0, listing_to_err);
        if walk.full {
            break;
        }
    }
    if walk.full {
        cx.err(format!(
            "tar: {file}: Cannot write: No space left on device\n{FATAL}"
        ));
        return TAR_FAILURE;
    }
    let mut bytes = walk.builder.finish();
    if o.filter == Some(Filter::Gzip) {
        bytes = codec::compress(&bytes, None, 0, 6);
    }
    if file == "-" {
        cx.out(bytes);
    } else if let Err(err) = cx.fs.write_data(&file, Data::Bytes(Arc::new(bytes)), 0o666) {
        cx.err(format!("tar: {file}: Cannot write: {err}\n{FATAL}"));
        return TAR_FAILURE;
    }
    if walk.failed {
        cx.err(FAILED);
        return TAR_FAILURE;
    }
    0
}

/// The member name for `name` as typed: leading `/` removed (said once) unless `-P`.
fn member_name(cx: &mut CommandCtx<'_>, o: &TarOpts, walk: &mut Walk, name: &str) -> String {
    if o.absolute || !name.starts_with('/') {
        return name.to_owned();
    }
    if !walk.warned_slash {
        walk.warned_slash = true;
        cx.err("tar: Removing leading `/' from member names\n");
    }
    let stripped = name.trim_start_matches('/');
    if stripped.is_empty() {
        "./".to_owned()
    } else {
        stripped.to_owned()
    }
}

/// Adds `path` (shown as `name` in messages) and, for a directory, what it holds.
fn add(
    cx: &mut CommandCtx<'_>,
    o: &TarOpts,
    walk: &mut Walk,
    path: &str,
    name: &str,
    depth: usize,
    listing_to_err: bool,
) {
    if walk.entries >= MAX_ENTRIES || walk.full || depth > MAX_DEPTH {
        return;
    }
    let member = member_name(cx, o, walk, name);
    let stat = if o.dereference {
        cx.fs.stat(path)
    } else {
        cx.fs.lstat(path)
    };
    let stat = match stat {
        Ok(stat) => stat,
        Err(err) => {
            cx.err(format!("tar: {name}: Cannot stat: {err}\n"));
            walk.failed = true;
            return;
        }
    };
    let accounts = cx.fs.accounts();
    let mut entry = Entry {
        name: member.clone(),
        mode: stat.mode & 0o7777,
        uid: stat.uid,
        gid: stat.gid,
        uname: accounts.user_name(stat.uid),
        gname: accounts.group_name(stat.gid),
        mtime: stat.mtime.secs,
        kind: Kind::File,
        size: 0,
        data: Vec::new(),
    };
    match stat.file_type {
        FileType::Directory => {
            if !entry.name.ends_with('/') {
                entry.name.push('/');
            }
            entry.kind = Kind::Dir;
        }
        FileType::Symlink => match cx.fs.readlink(path) {
            Ok(target) => entry.kind = Kind::Symlink(target),
            Err(err) => {
                cx.err(format!("tar: {name}: Cannot readlink: {err}\n"));
                walk.failed = true;
                return;
            }
        },
        FileType::CharDevice => {
            let (major, minor) = stat.rdev.unwrap_or((0, 0));
            entry.kind = Kind::CharDevice(major, minor);
        }
        FileType::Regular => {
            let canonical = cx.fs.lookup(path, true).ok().map(|(p, _)| p);
            if canonical.is_some() && canonical == walk.archive {
                cx.err(format!("tar: {name}: file is the archive; not dumped\n"));
                return;
            }
            match cx.fs.read_limited(path, READ_LIMIT) {
                // procfs files say size 0: tar stores them empty.
                Ok(data) => entry.data = if stat.size == 0 { Vec::new() } else { data },
                Err(err) => {
                    cx.err(format!("tar: {name}: Cannot open: {err}\n"));
                    walk.failed = true;
                    return;
                }
            }
            entry.size = entry.data.len() as u64;
        }
    }
    walk.entries += 1;
    if o.verbose > 0 {
        let line = if o.verbose > 1 {
            long_line(&entry, &entry.name, &mut walk.ugswidth)
        } else {
            format!("{}\n", entry.name)
        };
        if listing_to_err {
            cx.err(line);
        } else {
            cx.out(line);
        }
    }
    walk.builder.append(&entry);
    if walk.builder.len() > MAX_ARCHIVE {
        walk.full = true;
        return;
    }
    if entry.kind != Kind::Dir {
        return;
    }
    let children = match cx.fs.read_dir(path) {
        Ok(children) => children,
        Err(err) => {
            cx.err(format!("tar: {name}: Cannot open: {err}\n"));
            walk.failed = true;
            return;
        }
    };
    for child in children {
        let child_path = format!("{}/{}", path.trim_end_matches('/'), child.name);
        let child_name = format!("{}/{}", name.trim_end_matches('/'), child.name);
        add(
            cx,
            o,
            walk,
            &child_path,
            &child_name,
            depth + 1,
            listing_to_err,
        );
        if walk.full || walk.entries >= MAX_ENTRIES {
            return;
        }
    }
}
