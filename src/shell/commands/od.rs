//! `od` (GNU coreutils 8.32): dumps files in octal, hex, decimal or characters.
//!
//! Lines are laid out as `od.c` does it: every type's fields share one block width (the
//! widest type's), spread over the fields as `PRINT_FIELDS` spreads its padding; a block
//! equal to the one before is shown as `*` once; the last line is the end offset.

use super::{Command, CommandCtx, try_help, usr_bin};

/// `od`.
pub struct Od;

/// One output type: `-t x2`, `-c`, …
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Octal,
    Unsigned,
    Signed,
    Hex,
    Char,
    Named,
}

#[derive(Debug, Clone, Copy)]
struct Spec {
    kind: Kind,
    size: usize,
    /// Characters in one field, before padding.
    width: usize,
    /// `z`: the printable characters after the line.
    trailer: bool,
}

impl Spec {
    fn new(kind: Kind, size: usize, trailer: bool) -> Spec {
        let bits = size as u32 * 8;
        let max = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let width = match kind {
            Kind::Octal => format!("{max:o}").len(),
            Kind::Hex => size * 2,
            Kind::Unsigned => max.to_string().len(),
            Kind::Signed => (max / 2 + 1).to_string().len() + 1,
            Kind::Char | Kind::Named => 3,
        };
        Spec {
            kind,
            size,
            width,
            trailer,
        }
    }

    /// One field's text for the little-endian value at the start of `bytes`.
    fn field(&self, bytes: &[u8]) -> String {
        let mut raw = [0u8; 8];
        raw[..self.size].copy_from_slice(&bytes[..self.size]);
        let value = u64::from_le_bytes(raw);
        match self.kind {
            Kind::Octal => format!("{value:0w$o}", w = self.width),
            Kind::Hex => format!("{value:0w$x}", w = self.width),
            Kind::Unsigned => value.to_string(),
            Kind::Signed => {
                let shift = 64 - self.size as u32 * 8;
                (((value << shift) as i64) >> shift).to_string()
            }
            Kind::Char => char_field(bytes[0]),
            Kind::Named => named_field(bytes[0]),
        }
    }
}

/// `-t c`: the character, a C escape, or three octal digits.
fn char_field(b: u8) -> String {
    match b {
        0 => "\\0".into(),
        7 => "\\a".into(),
        8 => "\\b".into(),
        9 => "\\t".into(),
        10 => "\\n".into(),
        11 => "\\v".into(),
        12 => "\\f".into(),
        13 => "\\r".into(),
        32..=126 => char::from(b).to_string(),
        _ => format!("{b:03o}"),
    }
}

/// `-t a`: ASCII names, high bit ignored.
fn named_field(b: u8) -> String {
    const NAMES: [&str; 33] = [
        "nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht", "nl", "vt", "ff", "cr",
        "so", "si", "dle", "dc1", "dc2", "dc3", "dc4", "nak", "syn", "etb", "can", "em", "sub",
        "esc", "fs", "gs", "rs", "us", "sp",
    ];
    match b & 0x7f {
        c @ 0..=32 => NAMES[usize::from(c)].to_owned(),
        127 => "del".to_owned(),
        c => char::from(c).to_string(),
    }
}

/// Parses a `-t` string into specs, or od's error.
fn parse_type(text: &str, quote: &dyn Fn(&str) -> String) -> Result<Vec<Spec>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut specs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let kind = match chars[i] {
            'o' => Kind::Octal,
            'u' => Kind::Unsigned,
            'd' => Kind::Signed,
            'x' => Kind::Hex,
            'c' => Kind::Char,
            'a' => Kind::Named,
            c => {
                return Err(format!(
                    "od: invalid character '{c}' in type string {}\n",
                    quote(text)
                ));
            }
        };
        i += 1;
        let mut size = 1;
        if !matches!(kind, Kind::Char | Kind::Named) {
            size = match chars.get(i) {
                Some('C') => {
                    i += 1;
                    1
                }
                Some('S') => {
                    i += 1;
                    2
                }
                Some('I') => {
                    i += 1;
                    4
                }
                Some('L') => {
                    i += 1;
                    8
                }
                Some(c) if c.is_ascii_digit() => {
                    let digits: String = chars[i..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    i += digits.len();
                    let n: usize = digits.parse().unwrap_or(usize::MAX);
                    if ![1, 2, 4, 8].contains(&n) {
                        let spec: String = chars[start..i].iter().collect();
                        return Err(format!(
                            "od: invalid type string {};\nthis system doesn't provide a {n}-byte integral type\n",
                            quote(&spec)
                        ));
                    }
                    n
                }
                _ => 4,
            };
        }
        let trailer = chars.get(i) == Some(&'z');
        if trailer {
            i += 1;
        }
        specs.push(Spec::new(kind, size, trailer));
    }
    Ok(specs)
}

/// A byte count: decimal, `0x` hex or `0` octal, with od's multiplier suffixes.
fn parse_bytes(text: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
        (hex, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        (&text[1..], 8)
    } else {
        (text, 10)
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let n = u64::from_str_radix(&digits[..end], radix).ok()?;
    let mult: u64 = match &digits[end..] {
        "" => 1,
        "b" => 512,
        "KB" => 1000,
        "K" | "KiB" | "k" => 1024,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

impl Command for Od {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("od")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("od", String::as_str);
        let mut specs: Vec<Spec> = Vec::new();
        let mut radix = 'o';
        let mut skip = 0u64;
        let mut limit: Option<u64> = None;
        let mut width = 16usize;
        let mut verbose = false;
        let mut files = Vec::new();
        let args = argv.get(1..).unwrap_or_default();
        let quote = |s: &str| cx.quote(s);
        let mut i = 0;
        let mut error: Option<String> = None;
        let mut only_operands = false;
        while i < args.len() && error.is_none() {
            let arg = &args[i];
            i += 1;
            if only_operands || arg == "-" || !arg.starts_with('-') {
                files.push(arg.clone());
                continue;
            }
            if arg == "--" {
                only_operands = true;
                continue;
            }
            // Long options become their short equivalents.
            let (flags, long_value): (String, Option<String>) =
                if let Some(long) = arg.strip_prefix("--") {
                    let (name, value) = match long.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_owned())),
                        None => (long, None),
                    };
                    let short = match name {
                        "address-radix" => "A",
                        "skip-bytes" => "j",
                        "read-bytes" => "N",
                        "format" => "t",
                        "output-duplicates" => "v",
                        "width" => "w",
                        "traditional" => continue,
                        "help" => {
                            let text = help(cx, prog);
                            cx.out(text);
                            return 0;
                        }
                        "version" => {
                            let text = cx.coreutils_version_text("od", "Jim Meyering");
                            cx.out(text);
                            return 0;
                        }
                        _ => {
                            error = Some(format!("{prog}: unrecognized option '{arg}'\n"));
                            break;
                        }
                    };
                    (short.to_owned(), value)
                } else {
                    (arg[1..].to_owned(), None)
                };
            let chars: Vec<char> = flags.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let attached: String = chars[j..].iter().collect();
                let value = |i: &mut usize| -> Option<String> {
                    if let Some(v) = &long_value {
                        return Some(v.clone());
                    }
                    if !attached.is_empty() {
                        return Some(attached.clone());
                    }
                    let v = args.get(*i).cloned();
                    *i += 1;
                    v
                };
                let simple = match c {
                    'a' => Some((Kind::Named, 1)),
                    'b' => Some((Kind::Octal, 1)),
                    'c' => Some((Kind::Char, 1)),
                    'd' => Some((Kind::Unsigned, 2)),
                    'i' => Some((Kind::Signed, 4)),
                    'l' => Some((Kind::Signed, 8)),
                    'o' => Some((Kind::Octal, 2)),
                    's' => Some((Kind::Signed, 2)),
                    'x' => Some((Kind::Hex, 2)),
                    _ => None,
                };
                if let Some((kind, size)) = simple {
                    specs.push(Spec::new(kind, size, false));
                    continue;
                }
                match c {
                    'v' => verbose = true,
                    'w' => {
                        let v = long_value
                            .clone()
                            .or(Some(attached.clone()).filter(|a| !a.is_empty()));
                        width = match v {
                            None => 32,
                            Some(v) => match parse_bytes(&v) {
                                Some(n) if n > 0 && n <= 4096 => n as usize,
                                _ => {
                                    error = Some(format!(
                                        "{prog}: invalid -w argument {}\n",
                                        quote(&v)
                                    ));
                                    break;
                                }
                            },
                        };
                        break;
                    }
                    'A' | 'j' | 'N' | 't' => {
                        let Some(v) = value(&mut i) else {
                            error = Some(format!("{prog}: option requires an argument -- '{c}'\n"));
                            break;
                        };
                        match c {
                            'A' => match v.as_str() {
                                "d" | "o" | "x" | "n" => radix = v.chars().next().unwrap_or('o'),
                                _ => {
                                    cx.err(format!(
                                        "{prog}: invalid output address radix '{v}'; it must be one character from [doxn]\n"
                                    ));
                                    return 1;
                                }
                            },
                            't' => match parse_type(&v, &quote) {
                                Ok(more) => specs.extend(more),
                                Err(message) => {
                                    cx.err(message);
                                    return 1;
                                }
                            },
                            _ => match parse_bytes(&v) {
                                Some(n) if c == 'j' => skip = n,
                                Some(n) => limit = Some(n),
                                None => {
                                    let what = if c == 'j' { "skip-bytes" } else { "read-bytes" };
                                    cx.err(format!(
                                        "{prog}: invalid {what} argument {}\n",
                                        quote(&v)
                                    ));
                                    return 1;
                                }
                            },
                        }
                        break;
                    }
                    _ => {
                        error = Some(format!("{prog}: invalid option -- '{c}'\n"));
                        break;
                    }
                }
            }
        }
        if let Some(message) = error {
            cx.err(message + &try_help(prog));
            return 1;
        }
        if specs.is_empty() {
            specs.push(Spec::new(Kind::Octal, 2, false));
        }
        // The block must hold a whole number of every type's units.
        let lcm = specs.iter().map(|s| s.size).max().unwrap_or(1);
        if !width.is_multiple_of(lcm) {
            width = (width / lcm).max(1) * lcm;
        }
        let mut input = Vec::new();
        let mut status = 0;
        let mut opened = false;
        if files.is_empty() {
            files.push("-".to_owned());
        }
        for file in &files {
            let data = if file == "-" {
                Ok(cx.stdin.to_vec())
            } else {
                cx.fs.read(file)
            };
            match data {
                Ok(bytes) => {
                    opened = true;
                    input.extend_from_slice(&bytes);
                }
                Err(err) => {
                    cx.err(format!("{prog}: {file}: {err}\n"));
                    status = 1;
                }
            }
        }
        if !opened {
            return status;
        }
        let skip_len = usize::try_from(skip).unwrap_or(usize::MAX);
        if skip_len > input.len() {
            cx.err(format!("{prog}: cannot skip past end of combined input\n"));
            return 1;
        }
        let mut data = &input[skip_len..];
        if let Some(n) = limit {
            data = &data[..data.len().min(usize::try_from(n).unwrap_or(usize::MAX))];
        }
        let out = dump(data, skip, &specs, width, radix, verbose, cx.output_room());
        cx.out(out);
        status
    }
}

/// The address column: 7 octal/decimal digits, 6 hex, or nothing.
fn address(offset: u64, radix: char) -> String {
    match radix {
        'd' => format!("{offset:07}"),
        'x' => format!("{offset:06x}"),
        'n' => String::new(),
        _ => format!("{offset:07o}"),
    }
}

/// The whole dump of `data`, whose first byte is at `start`.
fn dump(
    data: &[u8],
    start: u64,
    specs: &[Spec],
    width: usize,
    radix: char,
    verbose: bool,
    room: usize,
) -> String {
    let per_block = specs
        .iter()
        .map(|s| (s.width + 1) * (width / s.size))
        .max()
        .unwrap_or(0);
    let address_width = address(0, radix).len();
    let mut out = String::new();
    let mut prev: Option<&[u8]> = None;
    let mut starred = false;
    for (n, block) in data.chunks(width).enumerate() {
        let offset = start + (n * width) as u64;
        if !verbose && block.len() == width && prev == Some(block) {
            if !starred {
                out.push_str("*\n");
                starred = true;
            }
            continue;
        }
        starred = false;
        prev = Some(block);
        let mut padded = block.to_vec();
        padded.resize(width, 0);
        for (k, spec) in specs.iter().enumerate() {
            if k == 0 {
                out.push_str(&address(offset, radix));
            } else {
                out.push_str(&" ".repeat(address_width));
            }
            let fields = width / spec.size;
            let blank = (width - block.len()) / spec.size;
            let pad = per_block - spec.width * fields;
            let mut pad_remaining = pad;
            for f in 0..fields - blank {
                let i = fields - f;
                let next_pad = pad * (i - 1) / fields;
                let field_width = pad_remaining - next_pad + spec.width;
                let text = spec.field(&padded[f * spec.size..]);
                out.push_str(&format!("{text:>field_width$}"));
                pad_remaining = next_pad;
            }
            if spec.trailer {
                let field_width = per_block / fields;
                out.push_str(&" ".repeat(blank * field_width + 2));
                out.push('>');
                for &b in block {
                    out.push(if (32..127).contains(&b) {
                        char::from(b)
                    } else {
                        '.'
                    });
                }
                out.push('<');
            }
            out.push('\n');
        }
        if out.len() > room {
            return out;
        }
    }
    if radix != 'n' {
        out.push_str(&address(start + data.len() as u64, radix));
        out.push('\n');
    }
    out
}

/// `od --help`.
fn help(cx: &CommandCtx<'_>, prog: &str) -> String {
    format!(
        "Usage: {prog} [OPTION]... [FILE]...\n  or:  {prog} [-abcdfilosx]... [FILE] [[+]OFFSET[.][b]]\n  or:  {prog} --traditional [OPTION]... [FILE] [[+]OFFSET[.][b] [+][LABEL][.][b]]\n\n\
Write an unambiguous representation, octal bytes by default,\nof FILE to standard output.  With more than one FILE argument,\nconcatenate them in the listed order to form the input.\n\n\
With no FILE, or when FILE is -, read standard input.\n\n\
If first and second call formats both apply, the second format is assumed\nif the last operand begins with + or (if there are 2 operands) a digit.\n\
An OFFSET operand means -j OFFSET.  LABEL is the pseudo-address\nat first byte printed, incremented when dump is progressing.\n\
For OFFSET and LABEL, a 0x or 0X prefix indicates hexadecimal;\nsuffixes may be . for octal and b for multiply by 512.\n\n\
Mandatory arguments to long options are mandatory for short options too.\n\
\x20 -A, --address-radix=RADIX   output format for file offsets; RADIX is one\n\
\x20                               of [doxn], for Decimal, Octal, Hex or None\n\
\x20     --endian={{big|little}}   swap input bytes according the specified order\n\
\x20 -j, --skip-bytes=BYTES      skip BYTES input bytes first\n\
\x20 -N, --read-bytes=BYTES      limit dump to BYTES input bytes\n\
\x20 -S BYTES, --strings[=BYTES]  output strings of at least BYTES graphic chars;\n\
\x20                               3 is implied when BYTES is not specified\n\
\x20 -t, --format=TYPE           select output format or formats\n\
\x20 -v, --output-duplicates     do not use * to mark line suppression\n\
\x20 -w[BYTES], --width[=BYTES]  output BYTES bytes per output line;\n\
\x20                               32 is implied when BYTES is not specified\n\
\x20     --traditional           accept arguments in third form above\n\
{}\n\n\
Traditional format specifications may be intermixed; they accumulate:\n\
\x20 -a   same as -t a,  select named characters, ignoring high-order bit\n\
\x20 -b   same as -t o1, select octal bytes\n\
\x20 -c   same as -t c,  select printable characters or backslash escapes\n\
\x20 -d   same as -t u2, select unsigned decimal 2-byte units\n\
\x20 -f   same as -t fF, select floats\n\
\x20 -i   same as -t dI, select decimal ints\n\
\x20 -l   same as -t dL, select decimal longs\n\
\x20 -o   same as -t o2, select octal 2-byte units\n\
\x20 -s   same as -t d2, select decimal 2-byte units\n\
\x20 -x   same as -t x2, select hexadecimal 2-byte units\n\n\n\
TYPE is made up of one or more of these specifications:\n\
\x20 a          named character, ignoring high-order bit\n\
\x20 c          printable character or backslash escape\n\
\x20 d[SIZE]    signed decimal, SIZE bytes per integer\n\
\x20 f[SIZE]    floating point, SIZE bytes per float\n\
\x20 o[SIZE]    octal, SIZE bytes per integer\n\
\x20 u[SIZE]    unsigned decimal, SIZE bytes per integer\n\
\x20 x[SIZE]    hexadecimal, SIZE bytes per integer\n\n\
SIZE is a number.  For TYPE in [doux], SIZE may also be C for\nsizeof(char), S for sizeof(short), I for sizeof(int) or L for\nsizeof(long).  If TYPE is f, SIZE may also be F for sizeof(float), D\nfor sizeof(double) or L for sizeof(long double).\n\n\
Adding a z suffix to any type displays printable characters at the end of\neach output line.\n\n\n\
BYTES is hex with 0x or 0X prefix, and may have a multiplier suffix:\n\
\x20 b    512\n  KB   1000\n  K    1024\n  MB   1000*1000\n  M    1024*1024\n\
and so on for G, T, P, E, Z, Y.\nBinary prefixes can be used, too: KiB=K, MiB=M, and so on.\n{}",
        cx.coreutils_help_options().trim_end(),
        cx.coreutils_help_footer("od")
    )
}

#[cfg(test)]
mod tests {
    //! Expected outputs are GNU coreutils `od`'s for the same input (its layout has not
    //! changed since 8.32).

    use crate::shell::commands::testing::{run, run_status};

    const HELLO: &str = "printf 'hello world\\n' | ";

    fn od(args: &str) -> String {
        run(&format!("{HELLO}od {args}"))
    }

    #[test]
    fn default_and_traditional_formats() {
        assert_eq!(
            od(""),
            "0000000 062550 066154 020157 067567 066162 005144\n0000014\n"
        );
        assert_eq!(
            od("-c"),
            "0000000   h   e   l   l   o       w   o   r   l   d  \\n\n0000014\n"
        );
        assert_eq!(od("-x"), "0000000 6568 6c6c 206f 6f77 6c72 0a64\n0000014\n");
        assert_eq!(
            od("-b"),
            "0000000 150 145 154 154 157 040 167 157 162 154 144 012\n0000014\n"
        );
        assert_eq!(
            od("-d"),
            "0000000 25960 27756  8303 28535 27762  2660\n0000014\n"
        );
        assert_eq!(
            od("-t d2"),
            "0000000  25960  27756   8303  28535  27762   2660\n0000014\n"
        );
        assert_eq!(
            od("-t d1"),
            "0000000  104  101  108  108  111   32  119  111  114  108  100   10\n0000014\n"
        );
        assert_eq!(
            od("-t x8"),
            "0000000 6f77206f6c6c6568 000000000a646c72\n0000014\n"
        );
    }

    #[test]
    fn addresses_types_and_ranges() {
        assert_eq!(
            od("-A d -t x1"),
            "0000000 68 65 6c 6c 6f 20 77 6f 72 6c 64 0a\n0000012\n"
        );
        assert_eq!(
            od("-A x -t c"),
            "000000   h   e   l   l   o       w   o   r   l   d  \\n\n00000c\n"
        );
        assert_eq!(
            od("-An -to1"),
            " 150 145 154 154 157 040 167 157 162 154 144 012\n"
        );
        assert_eq!(od("-N 4 -c"), "0000000   h   e   l   l\n0000004\n");
        assert_eq!(od("-j 6 -c"), "0000006   w   o   r   l   d  \\n\n0000014\n");
        assert_eq!(
            od("-t x1 -t c"),
            "0000000  68  65  6c  6c  6f  20  77  6f  72  6c  64  0a\n          h   e   l   l   o       w   o   r   l   d  \\n\n0000014\n"
        );
        assert_eq!(
            od("-t x1z -w8"),
            "0000000 68 65 6c 6c 6f 20 77 6f  >hello wo<\n0000010 72 6c 64 0a              >rld.<\n0000014\n"
        );
        assert_eq!(run("printf 'abc' | od"), "0000000 061141 000143\n0000003\n");
        assert_eq!(
            run("printf 'abc' | od -t x4"),
            "0000000 00636261\n0000003\n"
        );
        assert_eq!(
            run("printf '\\200\\377\\t\\001' | od -c"),
            "0000000 200 377  \\t 001\n0000004\n"
        );
        assert_eq!(
            run("printf 'a\\000\\177\\205 ' | od -a"),
            "0000000   a nul del enq  sp\n0000005\n"
        );
        assert_eq!(
            run("printf 'ab' | od -t x1 -t o2"),
            "0000000  61 62\n        061141\n0000002\n"
        );
        assert_eq!(
            run("printf 'abcdefgh' | od -j 0x2 -N 010 -c"),
            "0000002   c   d   e   f   g   h\n0000010\n"
        );
    }

    #[test]
    fn repeated_blocks_are_starred() {
        assert_eq!(
            run("head -c 64 /dev/zero | od"),
            "0000000 000000 000000 000000 000000 000000 000000 000000 000000\n*\n0000100\n"
        );
        assert_eq!(run("head -c 64 /dev/zero | od -v").lines().count(), 5);
    }

    #[test]
    fn errors_like_coreutils() {
        assert_eq!(
            run_status("od nofile"),
            ("od: nofile: No such file or directory\n".into(), 1)
        );
        assert_eq!(
            run_status("od -A z /dev/null"),
            (
                "od: invalid output address radix 'z'; it must be one character from [doxn]\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            od("-t q"),
            "od: invalid character 'q' in type string \u{2018}q\u{2019}\n"
        );
        assert_eq!(
            od("-t x3"),
            "od: invalid type string \u{2018}x3\u{2019};\nthis system doesn't provide a 3-byte integral type\n"
        );
        assert_eq!(od("-j 100"), "od: cannot skip past end of combined input\n");
        assert_eq!(
            od("-k"),
            "od: invalid option -- 'k'\nTry 'od --help' for more information.\n"
        );
    }
}
