//! The few statistics the simulator reports: mean, quantiles, and a paired percentile
//! bootstrap over seeds for a ratio of means.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Bootstrap resamples.
pub const RESAMPLES: usize = 2000;
/// The bootstrap's own seed (the interval is the same every run).
const BOOTSTRAP_SEED: u64 = 0x5EED_B007;

/// The mean (0 for none).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// The `q`-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics (0 for
/// none).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut sorted: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// The ratio `mean(a) / mean(b)` of paired per-seed values and its 95 % percentile bootstrap
/// interval: seeds are resampled with replacement ([`RESAMPLES`] times), each resample keeping
/// a seed's `a` and `b` together. `None` when there are no seeds or `b`'s mean is 0.
pub fn ratio_ci(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64)> {
    let n = a.len().min(b.len());
    if n == 0 || mean(&b[..n]) <= 0.0 {
        return None;
    }
    let point = mean(&a[..n]) / mean(&b[..n]);
    let mut rng = StdRng::seed_from_u64(BOOTSTRAP_SEED);
    let mut ratios = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        let (mut sa, mut sb) = (0.0, 0.0);
        for _ in 0..n {
            let i = rng.gen_range(0..n);
            sa += a[i];
            sb += b[i];
        }
        if sb > 0.0 {
            ratios.push(sa / sb);
        }
    }
    Some((point, quantile(&ratios, 0.025), quantile(&ratios, 0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_means() {
        assert_eq!(mean(&[]), 0.0);
        assert_eq!(mean(&[1.0, 2.0, 3.0]), 2.0);
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.5), 1.5);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn the_bootstrap_interval_holds_the_ratio_and_is_reproducible() {
        let a = [20.0, 22.0, 19.0, 25.0, 21.0];
        let b = [10.0, 11.0, 9.0, 12.0, 10.0];
        let (point, lo, hi) = ratio_ci(&a, &b).unwrap();
        assert!(lo <= point && point <= hi);
        assert!(lo > 1.5 && hi < 2.5, "{lo} {hi}");
        assert_eq!(ratio_ci(&a, &b), Some((point, lo, hi)));
        assert_eq!(ratio_ci(&a, &[0.0; 5]), None);
        assert_eq!(ratio_ci(&[], &[]), None);
    }
}
