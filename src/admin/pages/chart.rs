//! The overview's "sessions and logins per hour" chart as inline SVG geometry, computed here
//! so the template only prints numbers (no script, no attacker text).

use crate::store::sessions::HourlyCount;

/// Chart width in SVG units.
pub const WIDTH: u32 = 720;
/// Chart height in SVG units (bars plus the axis labels).
pub const HEIGHT: u32 = 180;
const PLOT: f64 = 150.0;

/// One bar.
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// `sessions` or `logins` (the CSS class).
    pub series: &'static str,
    /// Tooltip text.
    pub title: String,
}

/// An hour label under the axis.
pub struct Label {
    /// Centre of the label.
    pub x: f64,
    /// `13:00`.
    pub text: String,
}

/// The chart of `hourly`: bars, hour labels every few hours, and the scale's maximum.
pub struct Chart {
    /// The bars, two per hour.
    pub bars: Vec<Bar>,
    /// Hour labels.
    pub labels: Vec<Label>,
    /// The value at the top of the scale.
    pub max: u64,
}

impl Chart {
    /// Lays out `hourly` (oldest hour first).
    pub fn of(hourly: &[HourlyCount]) -> Chart {
        let max = hourly
            .iter()
            .map(|h| h.sessions.max(h.logins))
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = f64::from(WIDTH) / hourly.len().max(1) as f64;
        let w = (slot / 2.0 - 1.0).max(1.0);
        let mut bars = Vec::with_capacity(hourly.len() * 2);
        let mut labels = Vec::new();
        for (i, hour) in hourly.iter().enumerate() {
            let x = i as f64 * slot;
            let label = hour.hour.format("%H:00").to_string();
            for (offset, value, series) in [
                (0.0, hour.sessions, "sessions"),
                (w + 1.0, hour.logins, "logins"),
            ] {
                let h = (value as f64 / max as f64 * PLOT).max(if value > 0 { 1.0 } else { 0.0 });
                bars.push(Bar {
                    x: round(x + offset),
                    y: round(PLOT - h),
                    w: round(w),
                    h: round(h),
                    series,
                    title: format!("{label}: {value} {series}"),
                });
            }
            if i % 4 == 0 {
                labels.push(Label {
                    x: round(x + slot / 2.0),
                    text: label,
                });
            }
        }
        Chart { bars, labels, max }
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
