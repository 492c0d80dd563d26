//! The points score shown to people: higher is safer.
//!
//! `points = reference_points + points_to_double_odds / ln 2 × ln(odds / reference_odds)`,
//! where `odds = (1 - p) / p` are the odds of repaying, clamped to `[min, max]`. With the
//! defaults (600 points at odds of 50:1, 40 points to double the odds, 300 to 850), a
//! probability of default of 1/51 ≈ 2.0% scores 600, 1/101 ≈ 1.0% scores about 640, and
//! 1/26 ≈ 3.8% about 560.

use crate::config::PointsScale;

/// Points for a calibrated log-odds of default (`ln(p / (1 - p))`). Working from the
/// log-odds keeps full precision at probabilities very close to 0 or 1.
pub fn from_logit(scale: &PointsScale, default_logit: f64) -> f64 {
    let ln_odds_repay = -default_logit;
    let factor = scale.points_to_double_odds / std::f64::consts::LN_2;
    let points = scale.reference_points + factor * (ln_odds_repay - scale.reference_odds.ln());
    if points.is_nan() {
        return scale.min;
    }
    points.clamp(scale.min, scale.max)
}

/// Points for a probability of default.
pub fn from_probability(scale: &PointsScale, p: f64) -> f64 {
    from_logit(scale, (p / (1.0 - p)).ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_odds_give_reference_points_and_doubling_adds_pdo() {
        let scale = PointsScale::default();
        let at_reference = from_probability(&scale, 1.0 / 51.0);
        assert!((at_reference - 600.0).abs() < 1e-9, "{at_reference}");
        let doubled = from_probability(&scale, 1.0 / 101.0);
        assert!((doubled - 640.0).abs() < 1e-9, "{doubled}");
        assert_eq!(from_probability(&scale, 0.999_999), 300.0);
        assert_eq!(from_probability(&scale, 1e-12), 850.0);
        assert!(from_probability(&scale, 0.05) > from_probability(&scale, 0.10));
    }
}
