//! The session's time zone, from `$TZ` as glibc reads it: unset or empty is UTC, a POSIX
//! `STDoffset[DST]` string gives fixed offsets (with glibc's default US rule for the DST
//! part), and a few common zone names are known with their rules. An unknown name is UTC
//! under the name's leading letters as abbreviation (`TZ=Foo/Bar date` says `Foo`), as glibc.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// When a zone switches to and from daylight saving time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// No daylight saving time.
    None,
    /// United States since 2007: second Sunday in March to first Sunday in November, 02:00
    /// local time (also glibc's default for a POSIX string without rules).
    Us,
    /// European Union: last Sunday in March to last Sunday in October, 01:00 UTC.
    Eu,
}

/// A time zone: standard offset and name, and the daylight ones if it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zone {
    /// Standard time's offset east of UTC, in seconds.
    std_offset: i32,
    /// Standard time's abbreviation (`EST`).
    std_name: String,
    /// Daylight time's offset east of UTC, in seconds.
    dst_offset: i32,
    /// Daylight time's abbreviation (`EDT`).
    dst_name: String,
    /// When daylight time is in force.
    rule: Rule,
}

/// Common zone names: (name, standard offset in minutes, standard abbreviation, daylight
/// abbreviation, rule).
const NAMED: &[(&str, i32, &str, &str, Rule)] = &[
    ("America/New_York", -300, "EST", "EDT", Rule::Us),
    ("US/Eastern", -300, "EST", "EDT", Rule::Us),
    ("America/Chicago", -360, "CST", "CDT", Rule::Us),
    ("America/Denver", -420, "MST", "MDT", Rule::Us),
    ("America/Los_Angeles", -480, "PST", "PDT", Rule::Us),
    ("US/Pacific", -480, "PST", "PDT", Rule::Us),
    ("Europe/London", 0, "GMT", "BST", Rule::Eu),
    ("Europe/Dublin", 0, "GMT", "IST", Rule::Eu),
    ("Europe/Lisbon", 0, "WET", "WEST", Rule::Eu),
    ("Europe/Berlin", 60, "CET", "CEST", Rule::Eu),
    ("Europe/Paris", 60, "CET", "CEST", Rule::Eu),
    ("Europe/Amsterdam", 60, "CET", "CEST", Rule::Eu),
    ("Europe/Madrid", 60, "CET", "CEST", Rule::Eu),
    ("Europe/Rome", 60, "CET", "CEST", Rule::Eu),
    ("Europe/Warsaw", 60, "CET", "CEST", Rule::Eu),
    ("Europe/Helsinki", 120, "EET", "EEST", Rule::Eu),
    ("Europe/Kiev", 120, "EET", "EEST", Rule::Eu),
    ("Europe/Moscow", 180, "MSK", "MSK", Rule::None),
    ("Asia/Dubai", 240, "+04", "+04", Rule::None),
    ("Asia/Kolkata", 330, "IST", "IST", Rule::None),
    ("Asia/Singapore", 480, "+08", "+08", Rule::None),
    ("Asia/Shanghai", 480, "CST", "CST", Rule::None),
    ("Asia/Hong_Kong", 480, "HKT", "HKT", Rule::None),
    ("Asia/Tokyo", 540, "JST", "JST", Rule::None),
    ("Asia/Seoul", 540, "KST", "KST", Rule::None),
];

impl Zone {
    /// UTC, named `UTC`.
    pub(crate) fn utc() -> Zone {
        Zone::fixed(0, "UTC")
    }

    fn fixed(offset: i32, name: &str) -> Zone {
        Zone {
            std_offset: offset,
            std_name: name.to_owned(),
            dst_offset: offset,
            dst_name: name.to_owned(),
            rule: Rule::None,
        }
    }

    /// The zone `$TZ` names (`None`: unset).
    pub(crate) fn from_tz(tz: Option<&str>) -> Zone {
        let Some(tz) = tz else {
            return Zone::utc();
        };
        let tz = tz.strip_prefix(':').unwrap_or(tz);
        match tz {
            "" | "UTC" | "UTC0" | "Etc/UTC" | "Universal" | "Etc/Universal" | "Zulu" => {
                return Zone::utc();
            }
            "GMT" | "GMT0" | "Etc/GMT" | "Greenwich" => return Zone::fixed(0, "GMT"),
            _ => {}
        }
        if let Some(&(_, minutes, std, dst, rule)) = NAMED.iter().find(|(n, ..)| *n == tz) {
            return Zone {
                std_offset: minutes * 60,
                std_name: std.to_owned(),
                dst_offset: minutes * 60 + if rule == Rule::None { 0 } else { 3600 },
                dst_name: dst.to_owned(),
                rule,
            };
        }
        posix(tz).unwrap_or_else(|| {
            let name: String = tz.chars().take_while(char::is_ascii_alphabetic).collect();
            Zone::fixed(0, if name.is_empty() { "UTC" } else { &name })
        })
    }

    /// The offset east of UTC in seconds and the abbreviation in force at `t`.
    pub(crate) fn at(&self, t: DateTime<Utc>) -> (i32, &str) {
        if self.in_dst(t) {
            (self.dst_offset, &self.dst_name)
        } else {
            (self.std_offset, &self.std_name)
        }
    }

    /// The instant at which the local wall-clock time `local` (as seconds since the epoch,
    /// read as if it were UTC) occurs in this zone.
    pub(crate) fn to_utc(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        let first = local - Duration::seconds(i64::from(self.std_offset));
        let (offset, _) = self.at(first);
        local - Duration::seconds(i64::from(offset))
    }

    fn in_dst(&self, t: DateTime<Utc>) -> bool {
        let year = t.year();
        let (start, end) = match self.rule {
            Rule::None => return false,
            Rule::Us => {
                let start = nth_sunday(year, 3, 2) + Duration::hours(2)
                    - Duration::seconds(i64::from(self.std_offset));
                let end = nth_sunday(year, 11, 1) + Duration::hours(2)
                    - Duration::seconds(i64::from(self.dst_offset));
                (start, end)
            }
            Rule::Eu => (
                last_sunday(year, 3) + Duration::hours(1),
                last_sunday(year, 10) + Duration::hours(1),
            ),
        };
        t >= start && t < end
    }
}

/// Midnight (as UTC) of the `n`th Sunday of `month` in `year`.
fn nth_sunday(year: i32, month: u32, n: u8) -> DateTime<Utc> {
    let day = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n)
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    Utc.from_utc_datetime(&day)
}

/// Midnight (as UTC) of the last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> DateTime<Utc> {
    let fifth = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, 5);
    let day = fifth
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, 4))
        .unwrap_or_default()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    Utc.from_utc_datetime(&day)
}

/// Parses a POSIX TZ string `STDoffset[DST[offset][,rule]]` (rules are taken as the US ones).
fn posix(tz: &str) -> Option<Zone> {
    let (std, rest) = zone_name(tz)?;
    let (offset, rest) = posix_offset(rest)?;
    if rest.is_empty() {
        return Some(Zone::fixed(-offset, std));
    }
    let (dst, rest) = zone_name(rest)?;
    let dst_offset = match posix_offset(rest) {
        Some((o, _)) => -o,
        None => -offset + 3600,
    };
    Some(Zone {
        std_offset: -offset,
        std_name: std.to_owned(),
        dst_offset,
        dst_name: dst.to_owned(),
        rule: Rule::Us,
    })
}

/// A zone abbreviation: three or more letters, or `<…>` quoted.
fn zone_name(s: &str) -> Option<(&str, &str)> {
    if let Some(inner) = s.strip_prefix('<') {
        let end = inner.find('>')?;
        return Some((inner.get(..end)?, inner.get(end + 1..)?));
    }
    let len = s.chars().take_while(char::is_ascii_alphabetic).count();
    (len >= 3).then(|| s.split_at(len))
}

/// `[+-]hh[:mm[:ss]]` in seconds (west of UTC positive, as POSIX writes it).
fn posix_offset(s: &str) -> Option<(i32, &str)> {
    let (sign, body) = match s.as_bytes().first()? {
        b'-' => (-1, s.get(1..)?),
        b'+' => (1, s.get(1..)?),
        _ => (1, s),
    };
    let len = body
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .count();
    let (digits, rest) = body.split_at(len);
    let mut total = 0i32;
    for (i, part) in digits.split(':').take(3).enumerate() {
        let value: i32 = part.parse().ok()?;
        total += value.min(167) * [3600, 60, 1][i];
    }
    Some((sign * total, rest))
}
