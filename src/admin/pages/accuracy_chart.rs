//! The models page's "prediction accuracy per hour" chart as inline SVG geometry: one pair of
//! bars (top-1, top-3 hit ratio) per hour and model version over the last
//! [`ACCURACY_DAYS`] days, computed here so the template only prints numbers.

use chrono::{DateTime, Duration, Utc};

use super::chart::{Bar, Label};
use crate::store::sessions::{ACCURACY_DAYS, ModelAccuracy};

/// Chart width in SVG units.
pub const WIDTH: u32 = 720;
/// Chart height in SVG units (bars plus the axis labels).
pub const HEIGHT: u32 = 180;
const PLOT: f64 = 150.0;

/// The accuracy chart: bars, one label per day, and whether there is anything to show.
pub struct AccuracyChart {
    /// Two bars per hour and model version that made predictions.
    pub bars: Vec<Bar>,
    /// Day labels (`11-21`).
    pub labels: Vec<Label>,
    /// Predictions in the whole window.
    pub predictions: u64,
}

impl AccuracyChart {
    /// Lays out `accuracy` (hours of the window without predictions stay empty).
    pub fn of(accuracy: &ModelAccuracy) -> AccuracyChart {
        let slots = (ACCURACY_DAYS * 24) as f64;
        let slot = f64::from(WIDTH) / slots;
        let w = (slot / 2.0).max(0.5);
        let x_of = |hour: DateTime<Utc>| {
            (hour - accuracy.since)
                .num_hours()
                .clamp(0, ACCURACY_DAYS * 24 - 1) as f64
                * slot
        };
        let mut bars = Vec::with_capacity(accuracy.hours.len() * 2);
        for p in &accuracy.hours {
            let x = x_of(p.hour);
            let when = p.hour.format("%m-%d %H:00");
            for (offset, ratio, series, hits) in [
                (0.0, p.top1, "top1", p.hits_top1),
                (w, p.top3, "top3", p.hits_top3),
            ] {
                let h = (ratio.clamp(0.0, 1.0) * PLOT).max(if hits > 0 { 1.0 } else { 0.0 });
                bars.push(Bar {
                    x: round(x + offset),
                    y: round(PLOT - h),
                    w: round(w),
                    h: round(h),
                    series,
                    title: format!(
                        "{when} model {}: {series} {hits}/{} ({:.0}%)",
                        p.model,
                        p.predictions,
                        ratio * 100.0
                    ),
                });
            }
        }
        let labels = (0..ACCURACY_DAYS)
            .map(|d| {
                let day = accuracy.since + Duration::days(d);
                Label {
                    x: round(x_of(day) + 12.0 * slot),
                    text: day.format("%m-%d").to_string(),
                }
            })
            .collect();
        AccuracyChart {
            bars,
            labels,
            predictions: accuracy.hours.iter().map(|p| p.predictions).sum(),
        }
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
