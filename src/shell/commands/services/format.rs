//! systemd's ways of writing times and sizes in `systemctl status`.

use chrono::{DateTime, Utc};

/// `Wed 2024-01-10 07:12:48 UTC; 1 month 11 days ago`.
pub(super) fn since(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{}; {}",
        t.format("%a %Y-%m-%d %H:%M:%S UTC"),
        relative((now - t).num_seconds().max(0) as u64)
    )
}

/// systemd's `format_timestamp_relative` for a time `d` seconds ago.
pub(super) fn relative(d: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;
    const WEEK: u64 = 7 * DAY;
    const MONTH: u64 = 2_629_800;
    const YEAR: u64 = 31_557_600;
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            one.to_owned()
        } else {
            many.to_owned()
        }
    };
    if d >= YEAR {
        let (y, m) = (d / YEAR, (d % YEAR) / MONTH);
        format!(
            "{y} {} {m} {} ago",
            plural(y, "year", "years"),
            plural(m, "month", "months")
        )
    } else if d >= MONTH {
        let (m, days) = (d / MONTH, (d % MONTH) / DAY);
        format!(
            "{m} {} {days} {} ago",
            plural(m, "month", "months"),
            plural(days, "day", "days")
        )
    } else if d >= WEEK {
        let (w, days) = (d / WEEK, (d % WEEK) / DAY);
        format!(
            "{w} {} {days} {} ago",
            plural(w, "week", "weeks"),
            plural(days, "day", "days")
        )
    } else if d >= 2 * DAY {
        format!("{} days ago", d / DAY)
    } else if d >= 25 * HOUR {
        format!("1 day {}h ago", (d - DAY) / HOUR)
    } else if d >= 6 * HOUR {
        format!("{}h ago", d / HOUR)
    } else if d >= HOUR {
        format!("{}h {}min ago", d / HOUR, (d % HOUR) / MINUTE)
    } else if d >= 5 * MINUTE {
        format!("{}min ago", d / MINUTE)
    } else if d >= MINUTE {
        format!("{}min {}s ago", d / MINUTE, d % MINUTE)
    } else if d > 0 {
        format!("{d}s ago")
    } else {
        "now".to_owned()
    }
}

/// systemd's `format_bytes`: `8.7M`, one decimal, 1024-based.
pub(super) fn bytes(n: u64) -> String {
    for (factor, suffix) in [(1u64 << 30, 'G'), (1 << 20, 'M'), (1 << 10, 'K')] {
        if n >= factor {
            let tenth = (n / (factor / 1024)) * 10 / 1024 % 10;
            return format!("{}.{tenth}{suffix}", n / factor);
        }
    }
    format!("{n}B")
}

/// systemd's `format_timespan` to the millisecond: `1h 2min 3.456s`.
pub(super) fn timespan_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let frac = ms % 1000;
    let mut parts = Vec::new();
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}min"));
    }
    if frac > 0 {
        let digits = format!("{frac:03}");
        parts.push(format!("{s}.{}s", digits.trim_end_matches('0')));
    } else if s > 0 || parts.is_empty() {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}
