//! How `ls` lays a listing out, as GNU ls 8.32–9.4 do: columns filling down then across for
//! a terminal's width (padded with tabs, 8 wide), one per line into a pipe, `-x` across, `-m`
//! with commas, and `-l` with right-aligned links and sizes, left-aligned owners, `ls`'s two
//! date formats (recent: `Nov 20 10:03`; older than six months or in the future:
//! `Feb  7  2022`) and `total` lines. Names are quoted shell-style on a terminal, and then
//! the unquoted ones get a leading space so the columns line up.

use std::sync::Arc;

use chrono::format::{Item, StrftimeItems};

use super::ls::Options;
use super::{human, shell_quote};
use crate::host::fs::{Accounts, FileType, FsResult, Stat, Timestamp};
use crate::shell::commands::CommandCtx;

/// GNU's narrowest column: one character and two spaces.
const MIN_COLUMN_WIDTH: usize = 3;

/// One file to show.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// The name to show (as typed for command-line arguments).
    pub name: String,
    /// A path that reaches it.
    pub path: String,
    /// Its metadata (of the link itself unless dereferenced).
    pub stat: Stat,
    /// The link's target text, for a symbolic link.
    pub link: Option<String>,
    /// What a link points to, if it resolves.
    pub target: Option<Stat>,
}

impl Entry {
    /// Looks `path` up; with `follow`, a link that resolves is shown as its target.
    pub fn stat(cx: &CommandCtx<'_>, name: &str, path: &str, follow: bool) -> FsResult<Entry> {
        let lstat = cx.fs.lstat(path)?;
        let (link, target) = if lstat.file_type == FileType::Symlink {
            (cx.fs.readlink(path).ok(), cx.fs.stat(path).ok())
        } else {
            (None, None)
        };
        let (stat, link) = match (follow, target) {
            (true, Some(target)) => (target, None),
            _ => (lstat, link),
        };
        Ok(Entry {
            name: name.to_owned(),
            path: path.to_owned(),
            stat,
            link,
            target,
        })
    }
}

/// The listing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `-l`.
    Long,
    /// `-C`: down, then across.
    Columns,
    /// `-x`: across, then down.
    Across,
    /// `-1`.
    One,
    /// `-m`.
    Commas,
}

/// Which type indicators follow names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Indicator {
    None,
    /// `-p`: `/` after directories.
    Slash,
    /// `--file-type`: `/`, `@`, `|`, `=`.
    FileType,
    /// `-F`: those and `*` after executables.
    Classify,
}

/// How names are quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quoting {
    /// As they are (a pipe's default).
    Literal,
    /// Shell-escape style (a terminal's default).
    Shell,
    /// `-Q`: in double quotes with C escapes.
    C,
    /// `-b`: backslash escapes (`dir`, `vdir`).
    Escape,
}

/// How a listing is laid out.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub format: Format,
    pub indicator: Indicator,
    pub quoting: Quoting,
    pub width: usize,
    pub tabsize: usize,
    pub human: bool,
    pub inode: bool,
    pub blocks: bool,
    pub numeric: bool,
    pub show_owner: bool,
    pub show_group: bool,
    pub time_style: Option<String>,
    pub utf8: bool,
}

impl Layout {
    /// The defaults of program `base` (`ls`, `dir`, `vdir`) with output to a terminal of
    /// `tty` columns, or to a pipe.
    pub fn new(base: &str, tty: Option<u16>, utf8: bool) -> Layout {
        let (format, quoting) = match base {
            "dir" => (Format::Columns, Quoting::Escape),
            "vdir" => (Format::Long, Quoting::Escape),
            _ if tty.is_some() => (Format::Columns, Quoting::Shell),
            _ => (Format::One, Quoting::Literal),
        };
        Layout {
            format,
            indicator: Indicator::None,
            quoting,
            width: tty.map_or(80, usize::from),
            tabsize: 8,
            human: false,
            inode: false,
            blocks: false,
            numeric: false,
            show_owner: true,
            show_group: true,
            time_style: None,
            utf8,
        }
    }

    /// `name` quoted in this layout's style, and whether it got quotes.
    fn quote(&self, name: &str) -> (String, bool) {
        match self.quoting {
            Quoting::Literal => (name.to_owned(), false),
            Quoting::Shell => {
                let quoted = shell_quote(name, false, self.utf8);
                let changed = quoted != name;
                (quoted, changed)
            }
            Quoting::C => (format!("\"{}\"", c_escape(name, true)), true),
            Quoting::Escape => (c_escape(name, false), false),
        }
    }

    /// A directory's name for its `name:` header.
    pub fn quote_header(&self, name: &str) -> String {
        self.quote(name).0
    }
}

/// C-style escapes (`\n`, `\ `, octal); inside double quotes (`-Q`) spaces stay.
fn c_escape(name: &str, in_quotes: bool) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            '"' if in_quotes => out.push_str("\\\""),
            ' ' if !in_quotes => out.push_str("\\ "),
            c if c.is_control() => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// One entry ready to print: its pieces and their widths.
struct Shown<'e> {
    entry: &'e Entry,
    name: String,
    pad: bool,
    indicator: Option<char>,
}

/// The indicator `-F`/`-p` put after a file of this type.
fn indicator(style: Indicator, stat: &Stat) -> Option<char> {
    match (style, stat.file_type) {
        (Indicator::None, _) => None,
        (_, FileType::Directory) => Some('/'),
        (Indicator::Slash, _) => None,
        (_, FileType::Symlink) => Some('@'),
        (Indicator::Classify, FileType::Regular) if stat.mode & 0o111 != 0 => Some('*'),
        _ => None,
    }
}

/// Prints one listing (a directory's entries, or the command line's files).
pub(super) fn print_block(
    cx: &mut CommandCtx<'_>,
    o: &Options,
    entries: &[Entry],
    directory: bool,
) {
    let layout = &o.layout;
    let align = layout.quoting == Quoting::Shell && layout.format != Format::Commas;
    let mut shown: Vec<Shown<'_>> = entries
        .iter()
        .map(|entry| {
            let (name, quoted) = layout.quote(&entry.name);
            let indicator =
                if layout.format == Format::Long && entry.stat.file_type == FileType::Symlink {
                    None
                } else {
                    indicator(layout.indicator, &entry.stat)
                };
            Shown {
                entry,
                name,
                pad: quoted,
                indicator,
            }
        })
        .collect();
    let some_quoted = align && shown.iter().any(|s| s.pad);
    for s in &mut shown {
        // `pad` now means "gets a leading space".
        s.pad = some_quoted && !s.pad;
    }
    let block_text = |stat: &Stat| {
        if layout.human {
            human(stat.blocks * 512)
        } else {
            stat.blocks.div_ceil(2).to_string()
        }
    };
    let inode_width = if layout.inode {
        shown
            .iter()
            .map(|s| s.entry.stat.ino.to_string().len())
            .max()
            .unwrap_or(0)
    } else {
        0
    };
    let blocks_width = if layout.blocks {
        shown
            .iter()
            .map(|s| block_text(&s.entry.stat).len())
            .max()
            .unwrap_or(0)
    } else {
        0
    };
    let mut out = String::new();
    if directory && (layout.format == Format::Long || layout.blocks) {
        let total: u64 = entries.iter().map(|e| e.stat.blocks).sum();
        let total = if layout.human {
            human(total * 512)
        } else {
            total.div_ceil(2).to_string()
        };
        out.push_str(&format!("total {total}\n"));
    }
    // The name with its inode, block count, padding and indicator.
    let frills = |s: &Shown<'_>| {
        let mut text = String::new();
        if layout.inode {
            text.push_str(&format!("{:>inode_width$} ", s.entry.stat.ino));
        }
        if layout.blocks {
            text.push_str(&format!("{:>blocks_width$} ", block_text(&s.entry.stat)));
        }
        if s.pad {
            text.push(' ');
        }
        text.push_str(&s.name);
        if let Some(c) = s.indicator {
            text.push(c);
        }
        text
    };
    match layout.format {
        Format::Long => long_format(cx, o, &shown, &mut out, &frills),
        Format::One => {
            for s in &shown {
                out.push_str(&frills(s));
                out.push('\n');
            }
        }
        Format::Commas => {
            let mut pos = 0usize;
            for (i, s) in shown.iter().enumerate() {
                let text = frills(s);
                let len = text.chars().count();
                if i != 0 {
                    if pos + len + 2 < layout.width {
                        pos += 2;
                        out.push_str(", ");
                    } else {
                        pos = 0;
                        out.push_str(",\n");
                    }
                }
                out.push_str(&text);
                pos += len;
            }
            if !shown.is_empty() {
                out.push('\n');
            }
        }
        Format::Columns | Format::Across => {
            let texts: Vec<String> = shown.iter().map(&frills).collect();
            let widths: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
            let by_columns = layout.format == Format::Columns;
            columns(
                &texts,
                &widths,
                layout.width,
                layout.tabsize,
                by_columns,
                &mut out,
            );
        }
    }
    cx.out(out);
}

/// GNU's `calculate_columns`: the most columns whose line fits in `width`, and each
/// column's width.
fn fit(widths: &[usize], width: usize, by_columns: bool) -> (usize, Vec<usize>) {
    let n = widths.len();
    let max_idx = (width / MIN_COLUMN_WIDTH).max(1);
    let max_cols = if max_idx < n { max_idx } else { n };
    let mut info: Vec<(bool, usize, Vec<usize>)> = (0..max_cols)
        .map(|i| {
            (
                true,
                (i + 1) * MIN_COLUMN_WIDTH,
                vec![MIN_COLUMN_WIDTH; i + 1],
            )
        })
        .collect();
    for (file, &len) in widths.iter().enumerate() {
        for (i, (valid, line_len, cols)) in info.iter_mut().enumerate() {
            if !*valid {
                continue;
            }
            let idx = if by_columns {
                file / n.div_ceil(i + 1)
            } else {
                file % (i + 1)
            };
            let real = len + if idx == i { 0 } else { 2 };
            if cols[idx] < real {
                *line_len += real - cols[idx];
                cols[idx] = real;
                *valid = *line_len < width;
            }
        }
    }
    let mut cols = max_cols;
    while cols > 1 && !info[cols - 1].0 {
        cols -= 1;
    }
    let arr = info
        .get(cols.saturating_sub(1))
        .map_or_else(Vec::new, |i| i.2.clone());
    (cols.max(1), arr)
}

/// GNU's `indent`: spaces, or tabs where a tab stop fits.
fn indent(out: &mut String, mut from: usize, to: usize, tabsize: usize) {
    while from < to {
        if tabsize != 0 && to / tabsize > (from + 1) / tabsize {
            out.push('\t');
            from += tabsize - from % tabsize;
        } else {
            out.push(' ');
            from += 1;
        }
    }
}

fn columns(
    texts: &[String],
    widths: &[usize],
    width: usize,
    tabsize: usize,
    by_columns: bool,
    out: &mut String,
) {
    let n = texts.len();
    if n == 0 {
        return;
    }
    let (cols, arr) = fit(widths, width, by_columns);
    if by_columns {
        let rows = n.div_ceil(cols);
        for row in 0..rows {
            let mut col = 0;
            let mut file = row;
            let mut pos = 0;
            loop {
                out.push_str(&texts[file]);
                let max = arr.get(col).copied().unwrap_or(0);
                col += 1;
                file += rows;
                if file >= n {
                    break;
                }
                indent(out, pos + widths[file - rows], pos + max, tabsize);
                pos += max;
            }
            out.push('\n');
        }
    } else {
        let mut pos = 0;
        let mut name_len = widths[0];
        let mut max = arr.first().copied().unwrap_or(0);
        out.push_str(&texts[0]);
        for file in 1..n {
            let col = file % cols;
            if col == 0 {
                out.push('\n');
                pos = 0;
            } else {
                indent(out, pos + name_len, pos + max, tabsize);
                pos += max;
            }
            out.push_str(&texts[file]);
            name_len = widths[file];
            max = arr.get(col).copied().unwrap_or(0);
        }
        out.push('\n');
    }
}

/// A timestamp as `ls -l` shows it in `style`, relative to `now`.
fn date(when: Timestamp, now: Timestamp, style: Option<&str>) -> String {
    let t = when.to_datetime();
    // GNU: recent means within the last six months (half a Gregorian year), not future. A
    // file stamped at this very instant counts as recent: on a real machine `ls` always runs
    // a little after the write, but a shell pinned to one instant (a replay step) does not.
    let six_months_ago = Timestamp {
        secs: now.secs - 31_556_952 / 2,
        nanos: now.nanos,
    };
    let recent = six_months_ago < when && when <= now;
    match style {
        Some("full-iso") => t.format("%Y-%m-%d %H:%M:%S%.9f %z").to_string(),
        Some("long-iso") => t.format("%Y-%m-%d %H:%M").to_string(),
        Some("iso") if recent => t.format("%m-%d %H:%M").to_string(),
        Some("iso") => t.format("%Y-%m-%d ").to_string(),
        Some(custom) if custom.starts_with('+') => {
            let format = custom.trim_start_matches('+');
            let format = format.split('\n').next().unwrap_or("");
            let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
            if items.iter().any(|i| matches!(i, Item::Error)) {
                format.to_owned()
            } else {
                t.format_with_items(items.into_iter()).to_string()
            }
        }
        _ if recent => t.format("%b %e %H:%M").to_string(),
        _ => t.format("%b %e  %Y").to_string(),
    }
}

fn long_format(
    cx: &CommandCtx<'_>,
    o: &Options,
    shown: &[Shown<'_>],
    out: &mut String,
    frills: &dyn Fn(&Shown<'_>) -> String,
) {
    let layout = &o.layout;
    let accounts: Arc<Accounts> = cx.fs.accounts();
    let now = Timestamp::from_datetime(cx.fs.now());
    let owner = |uid: u32| -> (String, bool) {
        match accounts.user_by_uid(uid) {
            Some(user) if !layout.numeric => (user.name.clone(), false),
            _ => (uid.to_string(), true),
        }
    };
    let group = |gid: u32| -> (String, bool) {
        match accounts.group_by_gid(gid) {
            Some(group) if !layout.numeric => (group.name.clone(), false),
            _ => (gid.to_string(), true),
        }
    };
    let size_text = |stat: &Stat| {
        if layout.human {
            human(stat.size)
        } else {
            stat.size.to_string()
        }
    };
    let rows: Vec<_> = shown
        .iter()
        .map(|s| {
            let stat = &s.entry.stat;
            (owner(stat.uid), group(stat.gid), size_text(stat))
        })
        .collect();
    let nlink_width = shown
        .iter()
        .map(|s| s.entry.stat.nlink.to_string().len())
        .max()
        .unwrap_or(0);
    let owner_width = rows
        .iter()
        .map(|r| r.0.0.chars().count())
        .max()
        .unwrap_or(0);
    let group_width = rows
        .iter()
        .map(|r| r.1.0.chars().count())
        .max()
        .unwrap_or(0);
    let major_width = shown
        .iter()
        .filter_map(|s| s.entry.stat.rdev)
        .map(|(m, _)| m.to_string().len())
        .max()
        .unwrap_or(0);
    let minor_width = shown
        .iter()
        .filter_map(|s| s.entry.stat.rdev)
        .map(|(_, m)| m.to_string().len())
        .max()
        .unwrap_or(0);
    let mut size_width = rows
        .iter()
        .zip(shown)
        .filter(|(_, s)| s.entry.stat.rdev.is_none())
        .map(|(r, _)| r.2.len())
        .max()
        .unwrap_or(0);
    if major_width > 0 {
        size_width = size_width.max(major_width + 2 + minor_width);
    }
    let time_of = |stat: &Stat| match (o.time, o.time_style.as_deref()) {
        (super::ls::TimeField::Changed, _) => stat.ctime,
        _ => stat.mtime,
    };
    for (s, (owner, group, size)) in shown.iter().zip(rows) {
        let stat = &s.entry.stat;
        let mut line = String::new();
        line.push_str(&stat.mode_string());
        line.push_str(&format!(" {:>nlink_width$} ", stat.nlink));
        for ((name, numeric), width, show) in [
            (&owner, owner_width, layout.show_owner),
            (&group, group_width, layout.show_group),
        ] {
            if !show {
                continue;
            }
            if *numeric {
                line.push_str(&format!("{name:>width$} "));
            } else {
                line.push_str(&format!("{name:<width$} "));
            }
        }
        match stat.rdev {
            Some((major, minor)) => {
                let blanks = size_width.saturating_sub(major_width + 2 + minor_width);
                line.push_str(&format!(
                    "{major:>w1$}, {minor:>w2$} ",
                    w1 = major_width + blanks,
                    w2 = minor_width
                ));
            }
            None => line.push_str(&format!("{size:>size_width$} ")),
        }
        line.push_str(&date(time_of(stat), now, layout.time_style.as_deref()));
        line.push(' ');
        // The inode and block columns come first, before the mode.
        let name = frills(s);
        let (prefix, name) = split_frills(layout, &name);
        out.push_str(&prefix);
        out.push_str(&line);
        out.push_str(&name);
        if let Some(target) = &s.entry.link {
            out.push_str(" -> ");
            out.push_str(&layout.quote(target).0);
            if layout.indicator != Indicator::None
                && let Some(target) = &s.entry.target
                && let Some(c) = indicator(layout.indicator, target)
            {
                out.push(c);
            }
        }
        out.push('\n');
    }
}

/// Splits the inode and block columns off the front of a name with frills.
fn split_frills(layout: &Layout, text: &str) -> (String, String) {
    let mut rest = text;
    let mut prefix = String::new();
    for present in [layout.inode, layout.blocks] {
        if !present {
            continue;
        }
        let trimmed = rest.trim_start();
        let lead = rest.len() - trimmed.len();
        match trimmed.find(' ') {
            Some(end) => {
                prefix.push_str(&rest[..lead + end + 1]);
                rest = &rest[lead + end + 1..];
            }
            None => break,
        }
    }
    (prefix, rest.to_owned())
}
