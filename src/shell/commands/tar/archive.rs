//! The tar format on in-memory bytes: a reader for ustar, GNU and pax archives (what an
//! attacker's downloads and our own archives are), and a writer of GNU-format archives as GNU
//! tar 1.34 makes them (`ustar  ` magic, `././@LongLink` for long names, records of 20
//! blocks). Nothing here touches a filesystem.

/// The size of a tar block.
pub const BLOCK: usize = 512;
/// GNU tar's default record: 20 blocks (`-b20`); archives are padded to a multiple of it.
const RECORD: usize = 20 * BLOCK;
/// The most members one archive may list, so a crafted archive cannot run forever.
pub const MAX_ENTRIES: usize = 20_000;

/// What a member is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (`0` or NUL).
    File,
    /// A hard link to the named member (`1`).
    HardLink(String),
    /// A symbolic link to the target (`2`).
    Symlink(String),
    /// A character device (`3`) with its major and minor numbers.
    CharDevice(u32, u32),
    /// A directory (`5`).
    Dir,
    /// Anything else (block devices, FIFOs, …), by type flag; it is listed, not extracted.
    Other(u8),
}

/// One member of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The member name as stored (after GNU long-name and pax records).
    pub name: String,
    /// Permission bits.
    pub mode: u32,
    /// Owner id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Owner name (may be empty).
    pub uname: String,
    /// Group name (may be empty).
    pub gname: String,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// What it is.
    pub kind: Kind,
    /// The size field (what `tar tv` prints).
    pub size: u64,
    /// The contents (shorter than `size` when the archive is truncated).
    pub data: Vec<u8>,
}

/// What reading an archive meets, in order, so the caller can interleave its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A member.
    Entry(Entry),
    /// The first block is not a header: "This does not look like a tar archive".
    NotTar,
    /// A bad header further on: "Skipping to next header".
    Skipping,
    /// The archive ends inside a member or without its end blocks after a bad header:
    /// "Unexpected EOF in archive" (fatal).
    UnexpectedEof,
}

/// Parses an octal (or GNU base-256) numeric field.
fn number(field: &[u8]) -> Option<u64> {
    if let Some(&first) = field.first()
        && first & 0x80 != 0
    {
        // Base-256: big-endian, the first byte's top bit is the marker.
        let mut value: u64 = u64::from(first & 0x3f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(value);
    }
    let text: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == 0)
        .take_while(|&b| b != b' ' && b != 0)
        .collect();
    if text.is_empty() {
        return Some(0);
    }
    let mut value: u64 = 0;
    for b in text {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

/// A NUL-terminated text field.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Whether `block` is a header whose checksum holds (unsigned, or signed as old tars made).
fn valid_header(block: &[u8]) -> bool {
    let Some(stored) = block.get(148..156).and_then(number) else {
        return false;
    };
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &b) in block.iter().enumerate().take(BLOCK) {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += i64::from(b);
        signed += i64::from(b as i8);
    }
    stored as i64 == unsigned || stored as i64 == signed
}

/// The `path` and `linkpath` of a pax extended header's records.
fn pax(data: &[u8]) -> (Option<String>, Option<String>) {
    let (mut path, mut link) = (None, None);
    let mut rest = data;
    // Each record is "<len> key=value\n"; the length includes itself.
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let Some(len) = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|l| l.parse::<usize>().ok())
        else {
            break;
        };
        if len <= space || len > rest.len() {
            break;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=') {
            let value = String::from_utf8_lossy(&record[eq + 1..]).into_owned();
            match &record[..eq] {
                b"path" => path = Some(value),
                b"linkpath" => link = Some(value),
                _ => {}
            }
        }
        rest = &rest[len..];
    }
    (path, link)
}

/// Reads every member of `bytes`, as GNU tar walks an archive.
pub fn read(bytes: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut at = 0;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut skipping = false;
    let mut seen_header = false;
    let mut entries = 0;
    while entries < MAX_ENTRIES {
        let Some(block) = bytes.get(at..at + BLOCK) else {
            if !seen_header {
                items.push(Item::NotTar);
            } else if !skipping && (at < bytes.len() || long_name.is_some()) {
                // GNU tar says nothing when it runs out while looking for a header.
                items.push(Item::UnexpectedEof);
            }
            break;
        };
        if block.iter().all(|&b| b == 0) && !skipping {
            // The end-of-archive blocks (an archive of them only is an empty archive).
            break;
        }
        if !valid_header(block) {
            if !seen_header {
                seen_header = true;
                items.push(Item::NotTar);
                if bytes.len() > BLOCK {
                    items.push(Item::Skipping);
                }
                skipping = true;
            } else if !skipping {
                items.push(Item::Skipping);
                skipping = true;
            }
            at += BLOCK;
            continue;
        }
        seen_header = true;
        skipping = false;
        entries += 1;
        let size = number(&block[124..136]).unwrap_or(0);
        let flag = block[156];
        let start = at + BLOCK;
        let padded = usize::try_from(size)
            .ok()
            .and_then(|s| s.checked_next_multiple_of(BLOCK))
            .unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
        let data = bytes
            .get(start..end.min(bytes.len()))
            .unwrap_or_default()
            .to_vec();
        // GNU tar reads whole blocks: a member whose padding is cut off is truncated too.
        let truncated = end > bytes.len() || start.saturating_add(padded) > bytes.len();
        at = start.saturating_add(padded);
        match flag {
            b'L' => {
                long_name = Some(text(&data));
                if truncated {
                    items.push(Item::UnexpectedEof);
                    break;
                }
                continue;
            }
            b'K' => {
                long_link = Some(text(&data));
                continue;
            }
            b'x' => {
                let (path, link) = pax(&data);
                long_name = path.or(long_name);
                long_link = link.or(long_link);
                continue;
            }
            b'g' => continue,
            _ => {}
        }
        let ustar = block.get(257..263) == Some(b"ustar\0".as_slice());
        let mut name = text(&block[..100]);
        if ustar {
            let prefix = text(&block[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        let name = long_name.take().unwrap_or(name);
        let link = long_link.take().unwrap_or_else(|| text(&block[157..257]));
        let kind = match flag {
            b'0' | 0 | b'7' => Kind::File,
            b'1' => Kind::HardLink(link),
            b'2' => Kind::Symlink(link),
            b'3' => Kind::CharDevice(
                number(&block[329..337]).unwrap_or(0) as u32,
                number(&block[337..345]).unwrap_or(0) as u32,
            ),
            b'5' => Kind::Dir,
            other => Kind::Other(other),
        };
        let kind = match kind {
            Kind::File if name.ends_with('/') => Kind::Dir,
            kind => kind,
        };
        items.push(Item::Entry(Entry {
            name,
            mode: number(&block[100..108]).unwrap_or(0) as u32 & 0o7777,
            uid: number(&block[108..116]).unwrap_or(0) as u32,
            gid: number(&block[116..124]).unwrap_or(0) as u32,
            uname: text(&block[265..297]),
            gname: text(&block[297..329]),
            mtime: number(&block[136..148]).unwrap_or(0) as i64,
            kind,
            size,
            data,
        }));
        if truncated {
            items.push(Item::UnexpectedEof);
            break;
        }
    }
    items
}

/// Writes GNU-format archives.
#[derive(Debug, Default)]
#[allow(clippy::len_without_is_empty)] // Only the size matters, against a bound.
pub struct Builder {
    out: Vec<u8>,
}

/// Puts `value` as a zero-padded octal number of `width - 1` digits and a NUL.
fn put_octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    let digits = digits.as_bytes();
    let digits = &digits[digits.len().saturating_sub(width)..];
    field[..digits.len()].copy_from_slice(digits);
    field[width] = 0;
}

/// Copies `text` into `field`, cut to fit.
fn put_text(field: &mut [u8], text: &str) {
    let bytes = text.as_bytes();
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

impl Builder {
    /// An empty archive.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// How many bytes it holds so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// One header block.
    fn header(entry: &Entry, name: &str, link: &str, flag: u8) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        put_text(&mut h[..100], name);
        put_octal(&mut h[100..108], u64::from(entry.mode & 0o7777));
        put_octal(&mut h[108..116], u64::from(entry.uid));
        put_octal(&mut h[116..124], u64::from(entry.gid));
        put_octal(&mut h[124..136], entry.size);
        put_octal(&mut h[136..148], entry.mtime.max(0) as u64);
        h[156] = flag;
        put_text(&mut h[157..257], link);
        h[257..265].copy_from_slice(b"ustar  \0");
        put_text(&mut h[265..297], &entry.uname);
        put_text(&mut h[297..329], &entry.gname);
        if let Kind::CharDevice(major, minor) = entry.kind {
            put_octal(&mut h[329..337], u64::from(major));
            put_octal(&mut h[337..345], u64::from(minor));
        }
        h[148..156].fill(b' ');
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        put_octal(&mut h[148..155], sum);
        h[155] = b' ';
        h
    }

    /// Adds data padded to whole blocks.
    fn blocks(&mut self, data: &[u8]) {
        self.out.extend_from_slice(data);
        let pad = data.len().next_multiple_of(BLOCK) - data.len();
        self.out.extend(std::iter::repeat_n(0, pad));
    }

    /// A `././@LongLink` member carrying a name of 100 bytes or more.
    fn long(&mut self, flag: u8, value: &str) {
        let mut data = value.as_bytes().to_vec();
        data.push(0);
        let carrier = Entry {
            name: "././@LongLink".to_owned(),
            mode: 0o644,
            uid: 0,
            gid: 0,
            uname: "root".to_owned(),
            gname: "root".to_owned(),
            mtime: 0,
            kind: Kind::File,
            size: data.len() as u64,
            data: Vec::new(),
        };
        let header = Self::header(&carrier, &carrier.name, "", flag);
        self.out.extend_from_slice(&header);
        self.blocks(&data);
    }

    /// Appends `entry` (its `size` is taken from its data for files).
    pub fn append(&mut self, entry: &Entry) {
        let (flag, link) = match &entry.kind {
            Kind::File => (b'0', ""),
            Kind::HardLink(target) => (b'1', target.as_str()),
            Kind::Symlink(target) => (b'2', target.as_str()),
            Kind::CharDevice(..) => (b'3', ""),
            Kind::Dir => (b'5', ""),
            Kind::Other(flag) => (*flag, ""),
        };
        if link.len() >= 100 {
            self.long(b'K', link);
        }
        if entry.name.len() >= 100 {
            self.long(b'L', &entry.name);
        }
        let mut entry = entry.clone();
        if entry.kind != Kind::File {
            entry.size = 0;
        } else {
            entry.size = entry.data.len() as u64;
        }
        let header = Self::header(&entry, &entry.name, link, flag);
        self.out.extend_from_slice(&header);
        if entry.kind == Kind::File {
            self.blocks(&entry.data);
        }
    }

    /// The archive: the members, two zero blocks, and padding to a whole record.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&[0u8; 2 * BLOCK]);
        let len = self.out.len().next_multiple_of(RECORD);
        self.out.resize(len, 0);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.to_owned(),
            mode: 0o644,
            uid: 0,
            gid: 0,
            uname: "root".to_owned(),
            gname: "root".to_owned(),
            mtime: 1_700_000_000,
            kind: Kind::File,
            size: data.len() as u64,
            data: data.to_vec(),
        }
    }

    #[test]
    fn header_fields_like_gnu_tar() {
        let mut b = Builder::new();
        b.append(&file("d/f", b"hello\n"));
        let bytes = b.finish();
        assert_eq!(bytes.len(), 10240, "one record");
        assert_eq!(&bytes[100..108], b"0000644\0");
        assert_eq!(&bytes[108..116], b"0000000\0");
        assert_eq!(&bytes[124..136], b"00000000006\0");
        assert_eq!(&bytes[136..148], b"14524770400\0");
        assert_eq!(bytes[156], b'0');
        assert_eq!(&bytes[257..265], b"ustar  \0");
        assert_eq!(&bytes[265..270], b"root\0");
        assert_eq!(bytes[154..156], [0, b' ']);
        assert_eq!(&bytes[512..518], b"hello\n");
        assert!(valid_header(&bytes[..512]));
    }

    #[test]
    fn round_trip_with_long_names() {
        let long = format!("{}/file", "x".repeat(150));
        let mut b = Builder::new();
        b.append(&file(&long, b"data"));
        let mut dir = file("d/", b"");
        dir.kind = Kind::Dir;
        b.append(&dir);
        let mut link = file("d/l", b"");
        link.kind = Kind::Symlink("f".to_owned());
        b.append(&link);
        let items = read(&b.finish());
        let names: Vec<_> = items
            .iter()
            .map(|i| match i {
                Item::Entry(e) => (e.name.clone(), e.kind.clone(), e.data.clone()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (long, Kind::File, b"data".to_vec()),
                ("d/".to_owned(), Kind::Dir, vec![]),
                ("d/l".to_owned(), Kind::Symlink("f".to_owned()), vec![]),
            ]
        );
    }

    #[test]
    fn garbage_and_truncation() {
        assert_eq!(read(b"hi\n"), vec![Item::NotTar]);
        assert_eq!(read(b""), vec![Item::NotTar]);
        assert_eq!(read(&[7u8; 3000]), vec![Item::NotTar, Item::Skipping]);
        let mut b = Builder::new();
        b.append(&file("a", &[1u8; 2000]));
        let bytes = b.finish();
        let items = read(&bytes[..1500]);
        assert!(matches!(items[0], Item::Entry(ref e) if e.name == "a" && e.data.len() == 988));
        assert_eq!(items[1], Item::UnexpectedEof);
        assert_eq!(number(b"\x80\0\0\0\0\0\0\0\0\0\x01\0"), Some(256));
        assert_eq!(number(b"0000644\0"), Some(0o644));
        assert_eq!(number(b"12x"), None);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let items = read(&bytes);
            prop_assert!(items.len() <= bytes.len() / BLOCK + 2);
        }

        #[test]
        fn mutated_archives_never_panic(flips in proptest::collection::vec((0usize..2048, any::<u8>()), 1..8)) {
            let mut b = Builder::new();
            b.append(&file("a/b", b"contents"));
            b.append(&file(&"n".repeat(120), b"more"));
            let mut bytes = b.finish();
            for (at, value) in flips {
                bytes[at] = value;
            }
            let items = read(&bytes);
            prop_assert!(items.len() <= bytes.len() / BLOCK + 2);
        }
    }
}
