//! Latency percentiles over every measured command.

use std::time::Duration;

use serde::Serialize;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

/// Percentiles of `samples` by the nearest-rank method (the value at rank ⌈p·n⌉, so p99 of
/// 100 samples is the 99th smallest, not an interpolation); `None` without samples.
pub fn percentiles(samples: &mut [Duration]) -> Option<Percentiles> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = |p: f64| {
        let n = samples.len();
        let index = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        samples[index].as_secs_f64() * 1000.0
    };
    Some(Percentiles {
        p50_ms: rank(0.50),
        p90_ms: rank(0.90),
        p99_ms: rank(0.99),
        max_ms: rank(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_millis).collect()
    }

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        // Shuffled on purpose: the function must sort.
        let mut samples = ms((1..=100).rev());
        let p = percentiles(&mut samples).unwrap();
        assert_eq!(
            (p.p50_ms, p.p90_ms, p.p99_ms, p.max_ms),
            (50.0, 90.0, 99.0, 100.0)
        );
    }

    #[test]
    fn one_slow_command_in_a_thousand_shows_in_max_not_p99() {
        let mut samples = ms(std::iter::repeat_n(2, 999).chain([700]));
        let p = percentiles(&mut samples).unwrap();
        assert_eq!((p.p99_ms, p.max_ms), (2.0, 700.0));
        // Eleven slow ones out of a thousand do reach p99.
        let mut samples = ms(std::iter::repeat_n(2, 989).chain(std::iter::repeat_n(700, 11)));
        assert_eq!(percentiles(&mut samples).unwrap().p99_ms, 700.0);
    }

    #[test]
    fn single_sample_and_empty() {
        let p = percentiles(&mut ms([7])).unwrap();
        assert_eq!((p.p50_ms, p.p99_ms, p.max_ms), (7.0, 7.0, 7.0));
        assert_eq!(percentiles(&mut []), None);
    }
}
