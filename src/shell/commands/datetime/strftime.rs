//! `strftime` as glibc runs it for `date +FORMAT` in the C locale, with GNU date's `%N` and
//! `%:z` family and the `-_0^#` flags and field widths.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

use super::zone::Zone;

/// Full English weekday names, Monday first.
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Full English month names.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The longest field a width may ask for; glibc would allocate it, we refuse more.
const MAX_WIDTH: usize = 4096;

/// A moment as the formatter sees it: wall-clock fields in the zone, plus the instant.
struct Moment<'a> {
    /// The wall-clock time in the zone (as if it were UTC).
    local: DateTime<Utc>,
    /// The instant itself, for `%s` and `%N`.
    instant: DateTime<Utc>,
    /// The zone's offset east of UTC in seconds, for `%z`.
    offset: i32,
    /// The zone's abbreviation, for `%Z`.
    zone: &'a str,
}

/// Formats `t` in `zone` by `format`, stopping at `limit` bytes.
pub(crate) fn format(t: DateTime<Utc>, zone: &Zone, format: &str, limit: usize) -> String {
    let (offset, name) = zone.at(t);
    let m = Moment {
        local: t + Duration::seconds(i64::from(offset)),
        instant: t,
        offset,
        zone: name,
    };
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() > limit {
            break;
        }
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::from("%");
        let mut flag = None;
        while let Some(&f) = chars.peek() {
            if !"-_0^#+".contains(f) {
                break;
            }
            spec.push(f);
            flag = match (flag, f) {
                (Some(old), '^' | '#') if old != '^' && old != '#' => Some(old),
                _ => Some(f),
            };
            chars.next();
        }
        let upper = spec.contains('^');
        let swap = spec.contains('#');
        let mut width = None;
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            spec.push(d);
            let digit = d.to_digit(10).unwrap_or(0) as usize;
            width = Some((width.unwrap_or(0) * 10 + digit).min(MAX_WIDTH));
            chars.next();
        }
        let mut colons = 0;
        while chars.peek() == Some(&':') && colons < 4 {
            spec.push(':');
            colons += 1;
            chars.next();
        }
        if matches!(chars.peek(), Some('E' | 'O')) && colons == 0 {
            spec.push(chars.next().unwrap_or('E'));
        }
        let Some(conv) = chars.next() else {
            out.push_str(&spec);
            break;
        };
        if colons > 0 && (conv != 'z' || colons > 3) {
            spec.push(conv);
            out.push_str(&spec);
            continue;
        }
        let pad = match flag {
            Some('-') => Pad::None,
            Some('_') => Pad::Space,
            Some('0' | '+') => Pad::Zero,
            _ => Pad::Default,
        };
        let field = Field { pad, width };
        match conversion(&m, conv, colons, field, upper, swap) {
            Some(text) => out.push_str(&text),
            None => {
                spec.push(conv);
                out.push_str(&spec);
            }
        }
    }
    out
}

/// How a field is padded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pad {
    /// The conversion's own padding (zeros for most numbers).
    Default,
    /// `-`: none.
    None,
    /// `_`: spaces.
    Space,
    /// `0`: zeros.
    Zero,
}

/// The padding and width asked for one conversion.
#[derive(Clone, Copy)]
struct Field {
    /// The padding flag.
    pad: Pad,
    /// The field width, if one was written.
    width: Option<usize>,
}

impl Field {
    /// A number with `digits` digits by default, padded with `fill` by default.
    fn num(self, value: i64, digits: usize, fill: char) -> String {
        let width = match self.pad {
            Pad::None => 0,
            _ => self.width.unwrap_or(digits),
        };
        let fill = match self.pad {
            Pad::Space => ' ',
            Pad::Zero => '0',
            _ => fill,
        };
        let body = value.unsigned_abs().to_string();
        let sign = if value < 0 { "-" } else { "" };
        let len = body.len() + sign.len();
        if len >= width {
            return format!("{sign}{body}");
        }
        let padding: String = std::iter::repeat_n(fill, width - len).collect();
        if fill == '0' {
            format!("{sign}{padding}{body}")
        } else {
            format!("{padding}{sign}{body}")
        }
    }

    /// Text, padded on the left with spaces (zeros with the `0` flag) to the width.
    fn text(self, text: &str) -> String {
        let width = self.width.unwrap_or(0);
        let len = text.chars().count();
        if len >= width || self.pad == Pad::None {
            return text.to_owned();
        }
        let fill = if self.pad == Pad::Zero { '0' } else { ' ' };
        let padding: String = std::iter::repeat_n(fill, width - len).collect();
        format!("{padding}{text}")
    }
}

/// One conversion's text, or `None` for an unknown one (printed as written).
fn conversion(
    m: &Moment<'_>,
    conv: char,
    colons: usize,
    f: Field,
    upper: bool,
    swap: bool,
) -> Option<String> {
    let t = m.local;
    let case = |s: &str, swap_lower: bool| -> String {
        if upper || (swap && !swap_lower) {
            s.to_uppercase()
        } else if swap && swap_lower {
            s.to_lowercase()
        } else {
            s.to_owned()
        }
    };
    let weekday = t.weekday().num_days_from_monday() as usize;
    let month = t.month0() as usize;
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let sub = |fmt: &str| -> String {
        let zone = Zone::utc();
        let text = format(t, &zone, fmt, MAX_WIDTH);
        f.text(&case(&text, false))
    };
    let text = match conv {
        '%' => f.text("%"),
        'a' => f.text(&case(DAYS[weekday].get(..3).unwrap_or(""), false)),
        'A' => f.text(&case(DAYS[weekday], false)),
        'b' | 'h' => f.text(&case(MONTHS[month].get(..3).unwrap_or(""), false)),
        'B' => f.text(&case(MONTHS[month], false)),
        'c' => sub("%a %b %e %H:%M:%S %Y"),
        'C' => f.num(i64::from(t.year()).div_euclid(100), 2, '0'),
        'd' => f.num(i64::from(t.day()), 2, '0'),
        'D' | 'x' => sub("%m/%d/%y"),
        'e' => f.num(i64::from(t.day()), 2, ' '),
        'F' => {
            let year = Field {
                pad: f.pad,
                width: Some(f.width.map_or(4, |w| w.saturating_sub(6))),
            };
            format!(
                "{}-{:02}-{:02}",
                year.num(i64::from(t.year()), 4, '0'),
                t.month(),
                t.day()
            )
        }
        'g' => f.num(i64::from(t.iso_week().year()).rem_euclid(100), 2, '0'),
        'G' => f.num(i64::from(t.iso_week().year()), 4, '0'),
        'H' => f.num(i64::from(t.hour()), 2, '0'),
        'I' => f.num(i64::from(hour12), 2, '0'),
        'j' => f.num(i64::from(t.ordinal()), 3, '0'),
        'k' => f.num(i64::from(t.hour()), 2, ' '),
        'l' => f.num(i64::from(hour12), 2, ' '),
        'm' => f.num(i64::from(t.month()), 2, '0'),
        'M' => f.num(i64::from(t.minute()), 2, '0'),
        'n' => "\n".to_owned(),
        'N' => {
            let digits = format!("{:09}", m.instant.timestamp_subsec_nanos().min(999_999_999));
            match f.width {
                Some(w) if w < 9 => digits.get(..w.max(1)).unwrap_or("").to_owned(),
                _ => f.num(i64::from(m.instant.timestamp_subsec_nanos()), 9, '0'),
            }
        }
        'p' => f.text(&case(if t.hour() < 12 { "AM" } else { "PM" }, true)),
        'P' => f.text(if t.hour() < 12 { "am" } else { "pm" }),
        'q' => f.num(i64::from(t.month0() / 3 + 1), 1, '0'),
        'r' => sub("%I:%M:%S %p"),
        'R' => sub("%H:%M"),
        's' => f.num(m.instant.timestamp(), 1, '0'),
        'S' => f.num(i64::from(t.second()), 2, '0'),
        't' => "\t".to_owned(),
        'T' | 'X' => sub("%H:%M:%S"),
        'u' => f.num(weekday as i64 + 1, 1, '0'),
        'U' => {
            let sunday_based = t.weekday().num_days_from_sunday();
            f.num(i64::from((t.ordinal0() + 7 - sunday_based) / 7), 2, '0')
        }
        'V' => f.num(i64::from(t.iso_week().week()), 2, '0'),
        'w' => f.num(i64::from(t.weekday().num_days_from_sunday()), 1, '0'),
        'W' => f.num(i64::from((t.ordinal0() + 7 - weekday as u32) / 7), 2, '0'),
        'y' => f.num(i64::from(t.year()).rem_euclid(100), 2, '0'),
        'Y' => f.num(i64::from(t.year()), 1, '0'),
        'z' => offset_text(m.offset, colons),
        'Z' => f.text(&case(m.zone, true)),
        _ => return None,
    };
    Some(text)
}

/// `%z` (`+hhmm`), `%:z` (`+hh:mm`), `%::z` (`+hh:mm:ss`) and `%:::z` (`+hh`, or more when
/// needed).
fn offset_text(offset: i32, colons: usize) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let (h, mi, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    match colons {
        0 => format!("{sign}{h:02}{mi:02}"),
        1 => format!("{sign}{h:02}:{mi:02}"),
        2 => format!("{sign}{h:02}:{mi:02}:{s:02}"),
        _ if s != 0 => format!("{sign}{h:02}:{mi:02}:{s:02}"),
        _ if mi != 0 => format!("{sign}{h:02}:{mi:02}"),
        _ => format!("{sign}{h:02}"),
    }
}
