//! The few random distributions the generator needs, written on top of `rand`'s uniform
//! numbers so that every value depends only on the seeded stream.

use rand::Rng;

/// Marks a day count as "no date" in the Kaggle files (about 1,000 years in the future).
pub const SENTINEL_DAYS: i64 = 365_243;

/// Average days per month, to turn day counts into `MONTHS_BALANCE` values.
pub const DAYS_PER_MONTH: f64 = 30.44;

/// A standard normal number (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.r#gen::<f64>();
    let u2 = rng.r#gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal number with the given median and log-scale spread.
pub fn log_normal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// True with probability `p`.
pub fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.r#gen::<f64>() < p
}

/// A uniform number in `[low, high)`.
pub fn uniform(rng: &mut impl Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.r#gen::<f64>()
}

/// An exponential number with the given mean.
pub fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.r#gen::<f64>()).ln()
}

/// A count of failures before the first success, with the given mean (0, 1, 2, ...).
pub fn geometric(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let keep_going = mean / (1.0 + mean);
    let u = 1.0 - rng.r#gen::<f64>();
    // Truncation to u32 saturates; callers cap their counts anyway.
    (u.ln() / keep_going.ln()).floor() as u32
}

/// One item of a weighted table (weights need not sum to one).
pub fn pick<T: Copy>(rng: &mut impl Rng, table: &[(T, f64)]) -> T {
    pick_by(rng, table, |(_, weight)| *weight).0
}

/// One item of `items`, chosen with probability proportional to `weight(item)`.
pub fn pick_by<'a, T>(rng: &mut impl Rng, items: &'a [T], weight: impl Fn(&T) -> f64) -> &'a T {
    let total: f64 = items.iter().map(&weight).sum();
    let mut target = rng.r#gen::<f64>() * total;
    for item in items {
        let w = weight(item);
        if target < w {
            return item;
        }
        target -= w;
    }
    // Rounding can leave a sliver past the last weight: that belongs to the last item (every
    // table of the generator is a non-empty constant, so there is one).
    &items[items.len() - 1]
}

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `x` rounded to a multiple of `step`.
pub fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// `x` rounded to `digits` decimals.
pub fn round_digits(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// The month (`MONTHS_BALANCE` convention: 0 is the current month) holding day `days`.
pub fn month_of(days: f64) -> i64 {
    (days / DAYS_PER_MONTH).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn normal_has_zero_mean_and_unit_spread() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let values: Vec<f64> = (0..50_000).map(|_| normal(&mut rng)).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn geometric_has_the_requested_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let n = 50_000;
        let mean = (0..n).map(|_| geometric(&mut rng, 4.0) as f64).sum::<f64>() / n as f64;
        assert!((mean - 4.0).abs() < 0.1, "mean {mean}");
    }

    #[test]
    fn pick_follows_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let table = [("a", 3.0), ("b", 1.0)];
        let a = (0..40_000)
            .filter(|_| pick(&mut rng, &table) == "a")
            .count();
        let share = a as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "share {share}");
    }

    #[test]
    fn month_of_counts_back_from_the_current_month() {
        assert_eq!(month_of(-1.0), -1);
        assert_eq!(month_of(-31.0), -2);
        assert_eq!(month_of(0.0), 0);
    }
}
