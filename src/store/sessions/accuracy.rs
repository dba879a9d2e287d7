//! How well the command predictor guessed, hour by hour: the models page's accuracy chart
//! (`GET /api/models/accuracy`), read from the stored `mirage.prediction` events.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

/// How far back the accuracy series looks, in days.
pub const ACCURACY_DAYS: i64 = 7;

/// Prediction accuracy per hour and model version (`GET /api/models/accuracy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelAccuracy {
    /// The time the series is relative to.
    pub generated_at: DateTime<Utc>,
    /// The start of the first hour looked at (UTC).
    pub since: DateTime<Utc>,
    /// One entry per hour and model version that made predictions, oldest hour first, then
    /// by version. Hours without predictions have no entry.
    pub hours: Vec<AccuracyPoint>,
}

/// The predictions one model version made in one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyPoint {
    /// The start of the hour (UTC).
    pub hour: DateTime<Utc>,
    /// The version of the model set that guessed.
    pub model: String,
    /// Predictions made (commands that came after a guess).
    pub predictions: u64,
    /// How many of them the first guess got right.
    pub hits_top1: u64,
    /// How many of them one of the three guesses got right.
    pub hits_top3: u64,
    /// `hits_top1 / predictions`.
    pub top1: f64,
    /// `hits_top3 / predictions`.
    pub top3: f64,
}

impl AccuracyPoint {
    /// The point of `predictions` with these hits; the ratios are computed here.
    pub fn new(hour: DateTime<Utc>, model: String, predictions: u64, top1: u64, top3: u64) -> Self {
        let ratio = |hits: u64| {
            if predictions == 0 {
                0.0
            } else {
                hits as f64 / predictions as f64
            }
        };
        AccuracyPoint {
            hour,
            model,
            predictions,
            hits_top1: top1,
            hits_top3: top3,
            top1: ratio(top1),
            top3: ratio(top3),
        }
    }
}

/// The start of the first hour of the series ending at `now`.
pub fn accuracy_since(now: DateTime<Utc>) -> DateTime<Utc> {
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    hour - Duration::hours(ACCURACY_DAYS * 24 - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_hits_over_predictions() {
        let p = AccuracyPoint::new(Utc::now(), "v1".into(), 4, 1, 3);
        assert_eq!((p.top1, p.top3), (0.25, 0.75));
        let empty = AccuracyPoint::new(Utc::now(), "v1".into(), 0, 0, 0);
        assert_eq!((empty.top1, empty.top3), (0.0, 0.0));
    }
}
