//! The gzip file format (RFC 1952) on in-memory bytes: members written the way gzip 1.10
//! writes them, and read back with every check gzip makes, its error texts, and a bound on
//! how much a member may inflate to (attackers feed decompression bombs).

use flate2::{Compress, Compression, Crc, Decompress, FlushCompress, FlushDecompress, Status};

/// The two magic bytes every gzip member starts with.
const MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The only compression method gzip writes (deflate).
const DEFLATED: u8 = 8;
/// Header flag: a header CRC follows the optional fields.
const FHCRC: u8 = 0x02;
/// Header flag: an extra field follows.
const FEXTRA: u8 = 0x04;
/// Header flag: the original file name follows, NUL-terminated.
const FNAME: u8 = 0x08;
/// Header flag: a comment follows, NUL-terminated.
const FCOMMENT: u8 = 0x10;
/// Flags gzip 1.10 refuses: its `ENCRYPTED` bit and the reserved ones.
const UNSUPPORTED_FLAGS: u8 = 0xe0;

/// Why a gzip stream could not be read; [`GzError::message`] is gzip's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GzError {
    /// The first member does not start with the magic bytes.
    NotGzip,
    /// A method other than deflate (gzip prints its number).
    UnknownMethod(u8),
    /// Header flags gzip does not support.
    Flags(u8),
    /// The deflate data is malformed.
    Corrupt,
    /// The stream ended inside a member.
    Eof,
    /// The trailer's CRC does not match the data.
    Crc,
    /// The trailer's length does not match the data.
    Length,
    /// The member inflates past the caller's bound.
    TooLarge,
}

impl GzError {
    /// The whole message gzip prints for input `name`. Most start with a newline: gzip
    /// prints one in case a verbose `name:\t` is pending on the line.
    pub fn text(self, name: &str) -> String {
        match self {
            GzError::NotGzip => format!("\ngzip: {name}: not in gzip format\n"),
            GzError::UnknownMethod(m) => {
                format!("gzip: {name}: unknown method {m} -- not supported\n")
            }
            GzError::Flags(f) => format!("gzip: {name} has flags 0x{f:x} -- not supported\n"),
            GzError::Corrupt => {
                format!("\ngzip: {name}: invalid compressed data--format violated\n")
            }
            GzError::Eof => format!("\ngzip: {name}: unexpected end of file\n"),
            GzError::Crc => format!("\ngzip: {name}: invalid compressed data--crc error\n"),
            GzError::Length => {
                format!("\ngzip: {name}: invalid compressed data--length error\n")
            }
            GzError::TooLarge => format!("\ngzip: {name}: No space left on device\n"),
        }
    }
}

/// What a gzip stream holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The uncompressed bytes of every member, concatenated.
    pub data: Vec<u8>,
    /// The original name stored in the first member, if any.
    pub name: Option<String>,
    /// The modification time stored in the first member (0: none).
    pub mtime: u32,
    /// Bytes of headers and trailers, as gzip counts them for its ratios.
    pub header_bytes: u64,
    /// Whether non-zero bytes followed the last member (gzip warns
    /// "decompression OK, trailing garbage ignored").
    pub trailing_garbage: bool,
}

/// The header facts of the first member, as `gzip -l` reads them without inflating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    /// The CRC in the last 8 bytes.
    pub crc: u32,
    /// The uncompressed size modulo 2^32, from the last 4 bytes.
    pub size: u32,
    /// The stored modification time.
    pub mtime: u32,
    /// Header plus trailer bytes.
    pub header_bytes: u64,
}

/// Compresses `data` into one gzip member: the name (if any) and `mtime` in the header,
/// `level` 1 to 9 (6 by default, as gzip), OS byte 3 (Unix).
pub fn compress(data: &[u8], name: Option<&str>, mtime: u32, level: u32) -> Vec<u8> {
    let level = level.clamp(1, 9);
    let xfl = match level {
        9 => 2,
        1 => 4,
        _ => 0,
    };
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    out.extend_from_slice(&MAGIC);
    out.push(DEFLATED);
    out.push(if name.is_some() { FNAME } else { 0 });
    out.extend_from_slice(&mtime.to_le_bytes());
    out.push(xfl);
    out.push(3);
    if let Some(name) = name {
        out.extend(name.bytes().filter(|&b| b != 0));
        out.push(0);
    }
    let mut encoder = Compress::new(Compression::new(level), false);
    let mut input = data;
    loop {
        out.reserve(input.len() / 2 + 1024);
        let before = (encoder.total_in(), encoder.total_out());
        // Compressing in memory cannot fail: the only errors are for misuse of the stream.
        let status = encoder
            .compress_vec(input, &mut out, FlushCompress::Finish)
            .unwrap_or(Status::StreamEnd);
        let consumed = usize::try_from(encoder.total_in() - before.0).unwrap_or(input.len());
        input = input.get(consumed..).unwrap_or_default();
        if status == Status::StreamEnd || (encoder.total_in(), encoder.total_out()) == before {
            break;
        }
    }
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// The header of the member at the start of `bytes`: (flags-derived name, mtime, header
/// length).
fn header(bytes: &[u8], first: bool) -> Result<(Option<String>, u32, usize), GzError> {
    if bytes.len() < 2 || bytes[..2] != MAGIC {
        return Err(GzError::NotGzip);
    }
    if first && bytes.len() < 10 {
        return Err(GzError::Eof);
    }
    let method = *bytes.get(2).ok_or(GzError::Eof)?;
    if method != DEFLATED {
        return Err(GzError::UnknownMethod(method));
    }
    let flags = *bytes.get(3).ok_or(GzError::Eof)?;
    if flags & UNSUPPORTED_FLAGS != 0 {
        return Err(GzError::Flags(flags));
    }
    let stamp = bytes.get(4..8).ok_or(GzError::Eof)?;
    let mtime = u32::from_le_bytes([stamp[0], stamp[1], stamp[2], stamp[3]]);
    let mut at = 10;
    if at > bytes.len() {
        return Err(GzError::Eof);
    }
    if flags & FEXTRA != 0 {
        let len = bytes.get(at..at + 2).ok_or(GzError::Eof)?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
        if at > bytes.len() {
            return Err(GzError::Eof);
        }
    }
    let mut name = None;
    if flags & FNAME != 0 {
        let rest = bytes.get(at..).unwrap_or_default();
        let end = rest.iter().position(|&b| b == 0).ok_or(GzError::Eof)?;
        name = Some(String::from_utf8_lossy(&rest[..end]).into_owned());
        at += end + 1;
    }
    if flags & FCOMMENT != 0 {
        let rest = bytes.get(at..).unwrap_or_default();
        let end = rest.iter().position(|&b| b == 0).ok_or(GzError::Eof)?;
        at += end + 1;
    }
    if flags & FHCRC != 0 {
        at += 2;
        if at > bytes.len() {
            return Err(GzError::Eof);
        }
    }
    Ok((name, mtime, at))
}

/// Inflates raw deflate data at the start of `input`, appending to `out` up to `limit`
/// bytes in all; returns how many input bytes the stream used.
fn inflate(input: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<usize, GzError> {
    let mut inflater = Decompress::new(false);
    loop {
        if out.len() >= limit {
            return Err(GzError::TooLarge);
        }
        let room = (limit - out.len()).min(256 << 10);
        let before = (inflater.total_in(), inflater.total_out());
        let consumed = usize::try_from(before.0).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or_default();
        // `decompress_vec` fills only spare capacity: a fresh chunk bounds each step.
        let mut chunk = Vec::with_capacity(room);
        let status = inflater
            .decompress_vec(rest, &mut chunk, FlushDecompress::None)
            .map_err(|_| GzError::Corrupt)?;
        out.extend_from_slice(&chunk);
        match status {
            Status::StreamEnd => {
                return Ok(usize::try_from(inflater.total_in()).unwrap_or(input.len()));
            }
            _ if (inflater.total_in(), inflater.total_out()) == before => {
                return Err(if rest.is_empty() {
                    GzError::Eof
                } else {
                    GzError::Corrupt
                });
            }
            _ => {}
        }
    }
}

/// Decodes a whole gzip stream (concatenated members, as gzip accepts), inflating to at
/// most `limit` bytes.
pub fn decompress(bytes: &[u8], limit: usize) -> Result<Decoded, GzError> {
    let (name, mtime, _) = header(bytes, true)?;
    let mut decoded = Decoded {
        data: Vec::new(),
        name,
        mtime,
        header_bytes: 0,
        trailing_garbage: false,
    };
    let mut at = 0;
    // Each member takes at least 18 bytes, so this bounds the loop by the input size.
    while at < bytes.len() {
        let rest = &bytes[at..];
        let first = at == 0;
        let (_, _, head) = match header(rest, first) {
            Ok(h) => h,
            Err(GzError::NotGzip) if !first => {
                decoded.trailing_garbage = rest.iter().any(|&b| b != 0);
                break;
            }
            Err(err) => return Err(err),
        };
        let start = decoded.data.len();
        let body = rest.get(head..).unwrap_or_default();
        let used = inflate(body, &mut decoded.data, limit)?;
        let trailer = body.get(used..used + 8).ok_or(GzError::Eof)?;
        let mut crc = Crc::new();
        crc.update(&decoded.data[start..]);
        let want_crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let want_len = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        if crc.sum() != want_crc {
            return Err(GzError::Crc);
        }
        if (decoded.data.len() - start) as u32 != want_len {
            return Err(GzError::Length);
        }
        decoded.header_bytes += head as u64 + 8;
        at += head + used + 8;
    }
    Ok(decoded)
}

/// What `gzip -l` reads: the first header and the last 8 bytes, without inflating.
pub fn list(bytes: &[u8]) -> Result<Listing, GzError> {
    let (_, mtime, head) = header(bytes, true)?;
    let tail = bytes
        .len()
        .checked_sub(8)
        .and_then(|at| bytes.get(at..))
        .ok_or(GzError::Eof)?;
    Ok(Listing {
        crc: u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]),
        size: u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]),
        mtime,
        header_bytes: head as u64 + 8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip_keeps_name_and_time() {
        let data = b"hello hello hello hello\n".repeat(100);
        let packed = compress(&data, Some("notes.txt"), 1_700_000_000, 6);
        assert_eq!(&packed[..4], &[0x1f, 0x8b, 8, FNAME]);
        assert_eq!(&packed[4..8], &1_700_000_000u32.to_le_bytes());
        assert_eq!(packed[9], 3, "OS byte is Unix");
        assert!(packed.len() < data.len() / 4, "repetitive data shrinks");
        let decoded = decompress(&packed, 1 << 20).expect("valid member");
        assert_eq!(decoded.data, data);
        assert_eq!(decoded.name.as_deref(), Some("notes.txt"));
        assert_eq!(decoded.mtime, 1_700_000_000);
        assert_eq!(decoded.header_bytes, 10 + 10 + 8);
        assert_eq!(list(&packed).map(|l| l.size), Ok(2400));
    }

    #[test]
    fn concatenated_members_and_garbage() {
        let mut two = compress(b"ab", None, 0, 6);
        two.extend(compress(b"cd", None, 0, 9));
        assert_eq!(decompress(&two, 100).map(|d| d.data), Ok(b"abcd".to_vec()));
        let mut padded = two.clone();
        padded.extend([0, 0, 0]);
        assert_eq!(
            decompress(&padded, 100).map(|d| d.trailing_garbage),
            Ok(false)
        );
        two.extend(b"junk");
        assert_eq!(decompress(&two, 100).map(|d| d.trailing_garbage), Ok(true));
    }

    #[test]
    fn errors_like_gzip() {
        assert_eq!(decompress(b"\x7fELF", 100), Err(GzError::NotGzip));
        assert_eq!(decompress(b"", 100), Err(GzError::NotGzip));
        assert_eq!(
            decompress(b"\x1f\x8b\x08\x00junkjunkjunk", 100),
            Err(GzError::Corrupt)
        );
        let good = compress(b"some text here", None, 0, 6);
        assert_eq!(decompress(&good[..20], 100), Err(GzError::Eof));
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 1;
        assert_eq!(decompress(&bad_crc, 100), Err(GzError::Crc));
        let mut bad_len = good.clone();
        bad_len[n - 1] ^= 1;
        assert_eq!(decompress(&bad_len, 100), Err(GzError::Length));
        let mut method = good;
        method[2] = 3;
        assert_eq!(decompress(&method, 100), Err(GzError::UnknownMethod(3)));
        assert_eq!(
            GzError::UnknownMethod(3).text("a.gz"),
            "gzip: a.gz: unknown method 3 -- not supported\n"
        );
        assert_eq!(
            GzError::NotGzip.text("stdin"),
            "\ngzip: stdin: not in gzip format\n"
        );
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let bomb = compress(&vec![0u8; 4 << 20], None, 0, 9);
        assert!(bomb.len() < 10_000);
        assert_eq!(decompress(&bomb, 1 << 20), Err(GzError::TooLarge));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(decoded) = decompress(&bytes, 1 << 16) {
                prop_assert!(decoded.data.len() <= 1 << 16);
            }
            if let Ok(listing) = list(&bytes) {
                prop_assert!(listing.header_bytes >= 18);
            }
            let mut gz = vec![0x1f, 0x8b, 8];
            gz.extend(&bytes);
            if let Ok(decoded) = decompress(&gz, 1 << 16) {
                prop_assert!(decoded.data.len() <= 1 << 16);
            }
        }
    }
}
