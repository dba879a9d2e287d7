//! The date strings `date -d` understands: a subset of GNU `parse_datetime` — `@SECONDS`,
//! `now`/`today`/`yesterday`/`tomorrow`, ISO 8601 dates and times (`2024-02-21`,
//! `2024-02-21T10:00:00Z`, `10:30`), `MM/DD/YYYY`, month names (`Feb 21 2024`), a trailing
//! `UTC`/`Z`/`+hhmm` zone, and relative items (`3 days ago`, `+2 hours`, `next week`).

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};

use super::zone::Zone;

/// The most items a date string may have; longer ones are refused rather than walked.
const MAX_ITEMS: usize = 64;

/// What the items of a date string set.
#[derive(Default)]
struct Items {
    /// The calendar date given, if any.
    date: Option<NaiveDate>,
    /// The time of day given, with its nanoseconds.
    time: Option<(NaiveTime, i64)>,
    /// An explicit zone (`UTC`, `+0200`), seconds east of UTC.
    zone: Option<i32>,
    /// Relative months (and years, as twelve months each).
    months: i64,
    /// Relative seconds (weeks, days, hours and minutes included).
    seconds: i64,
}

/// The instant `text` describes, relative to `now` in `zone`; `None` if it is not a date.
pub(crate) fn parse(text: &str, now: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('@') {
        return epoch(rest);
    }
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words.len() > MAX_ITEMS {
        return None;
    }
    let mut items = Items::default();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        i += 1;
        match word {
            "now" | "today" => {
                continue;
            }
            "yesterday" => {
                items.seconds -= 86_400;
                continue;
            }
            "tomorrow" => {
                items.seconds += 86_400;
                continue;
            }
            "utc" | "gmt" | "z" | "ut" => {
                items.zone = Some(0);
                continue;
            }
            "am" | "a.m." | "pm" | "p.m." => {
                let (time, nanos) = items.time?;
                let hour = chrono::Timelike::hour(&time);
                if !(1..=12).contains(&hour) {
                    return None;
                }
                let hour = hour % 12 + if word.starts_with('p') { 12 } else { 0 };
                items.time = Some((chrono::Timelike::with_hour(&time, hour)?, nanos));
                continue;
            }
            "next" | "last" | "this" => {
                let n = match word {
                    "next" => 1,
                    "last" => -1,
                    _ => 0,
                };
                let unit = words.get(i)?;
                i += 1;
                relative(&mut items, n, unit)?;
                continue;
            }
            "ago" => {
                items.seconds = -items.seconds;
                items.months = -items.months;
                continue;
            }
            _ => {}
        }
        if let Some(month) = month_number(word) {
            // `Feb 21 [2024]`
            let day: u32 = words
                .get(i)
                .and_then(|w| w.trim_end_matches(',').parse().ok())?;
            i += 1;
            let year = match words.get(i).and_then(|w| w.parse::<i32>().ok()) {
                Some(y) if y > 31 || words.get(i).is_some_and(|w| w.len() == 4) => {
                    i += 1;
                    y
                }
                _ => (now + Duration::seconds(i64::from(zone.at(now).0))).year(),
            };
            items.date = Some(NaiveDate::from_ymd_opt(year, month, day)?);
            continue;
        }
        if let Some((date, time)) = word.split_once('t').filter(|(d, _)| d.contains('-')) {
            items.date = Some(iso_date(date)?);
            clock(&mut items, time)?;
            continue;
        }
        if word.contains('-') && word.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            items.date = Some(iso_date(word)?);
            continue;
        }
        if word.contains('/') {
            let mut parts = word.split('/');
            let month = parts.next()?.parse().ok()?;
            let day = parts.next()?.parse().ok()?;
            let year = match parts.next() {
                Some(y) => year_of(y)?,
                None => (now + Duration::seconds(i64::from(zone.at(now).0))).year(),
            };
            items.date = Some(NaiveDate::from_ymd_opt(year, month, day)?);
            continue;
        }
        if word.contains(':') {
            clock(&mut items, word)?;
            continue;
        }
        if let Some(offset) = numeric_zone(word).filter(|_| items.time.is_some()) {
            items.zone = Some(offset);
            continue;
        }
        // `[+-]N unit`, or `N` followed by a unit.
        let n: i64 = word.parse().ok()?;
        match words.get(i) {
            Some(unit) if relative(&mut items, n, unit).is_some() => {
                i += 1;
            }
            _ => return None,
        }
    }
    let (offset_now, _) = zone.at(now);
    let local_now = (now + Duration::seconds(i64::from(offset_now))).naive_utc();
    let date = items.date.unwrap_or(local_now.date());
    let (time, nanos) = match items.time {
        Some(t) => t,
        None if items.date.is_some() => (NaiveTime::MIN, 0),
        None => (local_now.time(), 0),
    };
    let wall = Utc.from_utc_datetime(&date.and_time(time)) + Duration::nanoseconds(nanos);
    let base = match items.zone {
        Some(offset) => wall - Duration::seconds(i64::from(offset)),
        None if items.date.is_none() && items.time.is_none() => now,
        None => zone.to_utc(wall),
    };
    let shifted = if items.months >= 0 {
        base.checked_add_months(Months::new(u32::try_from(items.months).ok()?))?
    } else {
        base.checked_sub_months(Months::new(u32::try_from(-items.months).ok()?))?
    };
    shifted.checked_add_signed(Duration::try_seconds(items.seconds)?)
}

/// `@SECONDS[.FRACTION]`.
fn epoch(text: &str) -> Option<DateTime<Utc>> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let secs: i64 = whole.parse().ok()?;
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    let nanos: u32 = digits.parse().ok()?;
    let nanos = if secs < 0 && nanos > 0 {
        return DateTime::from_timestamp(secs - 1, 1_000_000_000 - nanos);
    } else {
        nanos
    };
    DateTime::from_timestamp(secs, nanos)
}

/// `YYYY-MM-DD`.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let year = year_of(parts.next()?)?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A year as written: two digits are 1969–2068, as POSIX says.
fn year_of(text: &str) -> Option<i32> {
    let year: i32 = text.parse().ok()?;
    Some(match (text.len(), year) {
        (2, 0..=68) => 2000 + year,
        (2, _) => 1900 + year,
        _ => year,
    })
}

/// `HH:MM[:SS[.frac]]` with an optional `Z` or `±hh[:mm]` zone attached.
fn clock(items: &mut Items, text: &str) -> Option<()> {
    let (text, zone) = match text.find(['z', '+', '-']) {
        Some(at) => {
            let (clock, zone) = text.split_at(at);
            let offset = if zone == "z" { 0 } else { numeric_zone(zone)? };
            (clock, Some(offset))
        }
        None => (text, None),
    };
    let mut parts = text.split(':');
    let hour: u32 = parts.next()?.parse().ok()?;
    let minute: u32 = parts.next()?.parse().ok()?;
    let (second, nanos) = match parts.next() {
        Some(s) => {
            let (whole, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
            let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
            (whole.parse::<u32>().ok()?, digits.parse::<i64>().ok()?)
        }
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    items.time = Some((NaiveTime::from_hms_opt(hour, minute, second)?, nanos));
    if zone.is_some() {
        items.zone = zone;
    }
    Some(())
}

/// `+hh`, `+hhmm` or `+hh:mm` as seconds east of UTC.
fn numeric_zone(text: &str) -> Option<i32> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text.get(1..)?.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = if digits.len() <= 2 {
        (digits.parse::<i32>().ok()?, 0)
    } else {
        let split = digits.len() - 2;
        (
            digits.get(..split)?.parse().ok()?,
            digits.get(split..)?.parse().ok()?,
        )
    };
    if h > 24 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// Adds `n` of `unit` (`day`, `hours`, …) to the relative part; `None` if not a unit.
fn relative(items: &mut Items, n: i64, unit: &str) -> Option<()> {
    let unit = unit.strip_suffix('s').unwrap_or(unit);
    let n = n.clamp(-1_000_000_000, 1_000_000_000);
    match unit {
        "year" => items.months += n * 12,
        "month" => items.months += n,
        "fortnight" => items.seconds += n * 14 * 86_400,
        "week" => items.seconds += n * 7 * 86_400,
        "day" => items.seconds += n * 86_400,
        "hour" => items.seconds += n * 3600,
        "minute" | "min" => items.seconds += n * 60,
        "second" | "sec" => items.seconds += n,
        _ => return None,
    }
    Some(())
}

/// `jan`…`dec` (or the full name) as 1…12.
fn month_number(word: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let word = word.trim_end_matches([',', '.']);
    if word.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .position(|m| word.starts_with(m) && (word.len() == 3 || word == "sept" || full(word)))
        .map(|i| i as u32 + 1)
}

/// Whether `word` is a full English month name.
fn full(word: &str) -> bool {
    [
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    .contains(&word)
}
