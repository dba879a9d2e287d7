//! The third line of `dd`'s summary: bytes, sizes, elapsed time and rate, formatted as
//! coreutils 8.32 does (gnulib `human_readable`, C `%g`).

/// The third summary line: bytes, SI and IEC sizes when they have a prefix, the elapsed
/// time (`%g` seconds) and the rate. The time is drawn from the host's seed: a page-cache
/// copy at one to three GB/s after some tens of microseconds of set-up.
pub(super) fn transfer_line(seed: u64, bytes: u64) -> String {
    let mix =
        (seed ^ bytes.wrapping_mul(0x9e37_79b9_7f4a_7c15)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let setup_ns = 18_000 + mix % 40_000;
    let gbps = 1.0 + (mix >> 20) as f64 % 2000.0 / 1000.0;
    let delta_ns = setup_ns + (bytes as f64 / gbps) as u64;
    transfer_line_after(bytes, delta_ns)
}

/// The third summary line for `bytes` copied in `delta_ns` nanoseconds (a slow disk's
/// time, when the session's latency profile has one).
pub(super) fn transfer_line_after(bytes: u64, delta_ns: u64) -> String {
    let delta_ns = delta_ns.max(1);
    let seconds = g_format(delta_ns as f64 / 1e9);
    let rate = human(bytes as f64 * 1e9 / delta_ns as f64, 1000.0, "B");
    let si = human(bytes as f64, 1000.0, "B");
    let iec = human(bytes as f64, 1024.0, "iB");
    if bytes < 1000 {
        let unit = if bytes == 1 { "byte" } else { "bytes" };
        format!("{bytes} {unit} copied, {seconds} s, {rate}/s\n")
    } else if bytes < 1024 {
        format!("{bytes} bytes ({si}) copied, {seconds} s, {rate}/s\n")
    } else {
        format!("{bytes} bytes ({si}, {iec}) copied, {seconds} s, {rate}/s\n")
    }
}

/// gnulib `human_readable` with autoscale and rounding to nearest: one decimal below ten,
/// whole numbers above; `unit` follows the prefix (`kB`, `MiB`), or stands alone as `B`.
pub(super) fn human(value: f64, base: f64, unit: &str) -> String {
    const PREFIXES: [&str; 9] = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"];
    let mut value = value;
    let mut power = 0;
    while value >= base && power < 8 {
        value /= base;
        power += 1;
    }
    if power == 0 {
        return format!("{} B", value.round() as u64);
    }
    let prefix = if base == 1024.0 && power == 1 {
        "K"
    } else {
        PREFIXES[power]
    };
    let rounded = (value * 10.0).round() / 10.0;
    if rounded < 10.0 {
        format!("{rounded:.1} {prefix}{unit}")
    } else if value.round() >= base {
        let next = if base == 1024.0 {
            PREFIXES[power + 1].to_ascii_uppercase()
        } else {
            PREFIXES[power + 1].to_owned()
        };
        format!("1.0 {next}{unit}")
    } else {
        format!("{} {prefix}{unit}", value.round() as u64)
    }
}

/// C's `%g`: six significant digits, trailing zeros dropped, an exponent below 1e-4.
pub(super) fn g_format(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    let exp = value.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let mantissa = value / 10f64.powi(exp);
        let mut m = format!("{mantissa:.5}");
        if m.starts_with("10") {
            m = format!("{:.5}", mantissa / 10.0);
            return format!(
                "{}e{}{:02}",
                trim(&m),
                if exp + 1 < 0 { '-' } else { '+' },
                (exp + 1).abs()
            );
        }
        return format!(
            "{}e{}{:02}",
            trim(&m),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
    let decimals = usize::try_from(5 - exp).unwrap_or(0);
    trim(&format!("{value:.decimals$}")).to_owned()
}

/// Drops trailing zeros (and a trailing point) of a decimal.
fn trim(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}
