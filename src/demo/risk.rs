//! Who defaults: a logistic model of what a lender can see (external scores, age, the loan's
//! weight on the income, bureau arrears, late instalments, refused applications...), plus a
//! little that nobody sees, so that a model can learn the risk but not perfectly.

use rand::Rng;

use super::applicant::Profile;
use super::sample::{normal, sigmoid};

/// What the generated history of one applicant shows, gathered while it is written.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub bureau_credits: u32,
    pub bureau_overdue_credits: u32,
    pub bureau_overdue_amount: f64,
    pub bureau_active_debt: f64,
    pub previous: u32,
    pub refused: u32,
    pub instalments: u32,
    pub late_instalments: u32,
    pub underpaid_instalments: u32,
    pub max_days_past_due: i64,
    pub card_months: u32,
    pub card_utilisation_sum: f64,
}

/// Intercept chosen so that about 8% of training applicants default.
const INTERCEPT: f64 = -5.48;

/// Weight of the part of the risk that no column shows.
const UNSEEN: f64 = 2.0;

/// The log-odds of default implied by what the data shows.
pub fn visible_log_odds(profile: &Profile, history: &History) -> f64 {
    applicant_log_odds(profile) + history_log_odds(profile, history)
}

fn applicant_log_odds(profile: &Profile) -> f64 {
    let ext_weights = [0.3, 0.4, 0.42];
    let ext: f64 = profile
        .ext_sources
        .iter()
        .zip(ext_weights)
        .filter_map(|(value, weight)| value.map(|v| -weight * logit(v)))
        .sum();
    let age = 0.02 * (40.0 - profile.age_years);
    let burden =
        0.3 * (profile.credit / profile.income).ln() + 2.0 * (profile.annuity / profile.income);
    let male = if profile.male { 0.25 } else { 0.0 };
    let education = -0.18 * f64::from(profile.education);
    let tenure = match profile.employed_years {
        Some(years) if years < 1.0 => 0.3,
        Some(years) => -0.03 * years.min(10.0),
        None => -0.1,
    };
    let region = 0.22 * (profile.region_rating - 2) as f64;
    let circle = 0.25 * profile.social_defaults.min(3.0);
    INTERCEPT + ext + age + burden + male + education + tenure + region + circle
}

fn history_log_odds(profile: &Profile, history: &History) -> f64 {
    let overdue = 0.45 * f64::from(history.bureau_overdue_credits.min(3))
        + if history.bureau_overdue_amount > 0.0 {
            0.3
        } else {
            0.0
        };
    let debt = 0.08 * (1.0 + history.bureau_active_debt / profile.income).ln();
    let late = if history.instalments > 0 {
        2.2 * f64::from(history.late_instalments) / f64::from(history.instalments)
    } else {
        0.0
    };
    let underpaid = 0.25 * f64::from(history.underpaid_instalments.min(4));
    let dpd = 0.15 * (1.0 + history.max_days_past_due as f64).ln();
    let refused = 0.16 * f64::from(history.refused.min(6));
    let utilisation = if history.card_months > 0 {
        0.6 * history.card_utilisation_sum / f64::from(history.card_months)
    } else {
        0.0
    };
    let no_bureau = if history.bureau_credits == 0 {
        0.15
    } else {
        0.0
    };
    overdue + debt + late + underpaid + dpd + refused + utilisation + no_bureau
}

/// The probability of default, with its unseen part drawn from `rng`.
pub fn default_probability(rng: &mut impl Rng, profile: &Profile, history: &History) -> f64 {
    sigmoid(visible_log_odds(profile, history) + UNSEEN * normal(rng))
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}
