//! Calibration: turning the booster's raw score into a probability of default.
//!
//! The raw score is a log-odds, but not a calibrated one: boosted trees stopped early are
//! typically over- or under-confident, and when defaulters are given a training weight
//! (`model.defaulter_weight`) the score is the log-odds of a re-weighted population. We fit
//! Platt scaling, `p = 1 / (1 + exp(-(slope × raw + intercept)))`, on the out-of-fold raw
//! scores against the real outcomes, by maximum likelihood (Newton's method with step
//! halving).
//!
//! Why Platt rather than isotonic regression: re-weighting a class shifts the log-odds by a
//! constant, which is exactly what the intercept undoes, and over-confidence is a slope; with
//! about 600 defaulters in the sample, isotonic regression's step function would over-fit
//! and give whole blocks of applicants the same probability (and so the same points), losing
//! the ranking the model found. Platt scaling with a positive slope is strictly increasing,
//! so it keeps the ranking (AUC is unchanged) and is monotone by construction; the
//! calibration-by-decile table in the metrics shows how well it fits.

use serde::{Deserialize, Serialize};

use super::ModelError;

/// A fitted Platt scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Always "platt": p = 1 / (1 + exp(-(slope * raw + intercept))).
    pub method: String,
    pub slope: f64,
    pub intercept: f64,
}

impl Calibration {
    /// The calibrated log-odds of default for a raw booster score.
    pub fn logit(&self, raw: f64) -> f64 {
        self.slope * raw + self.intercept
    }

    /// The calibrated probability of default for a raw booster score.
    pub fn probability(&self, raw: f64) -> f64 {
        sigmoid(self.logit(raw))
    }
}

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Fits Platt scaling of `raw` scores to 0/1 `labels`.
pub fn fit(raw: &[f64], labels: &[f64]) -> Result<Calibration, ModelError> {
    let (mut a, mut b) = (1.0_f64, 0.0_f64);
    let mut loss = neg_log_likelihood(raw, labels, a, b);
    for _ in 0..100 {
        let (ga, gb, haa, hab, hbb) = gradient_hessian(raw, labels, a, b);
        let det = haa * hbb - hab * hab;
        if det <= 1e-300 {
            break;
        }
        let step_a = (hbb * ga - hab * gb) / det;
        let step_b = (haa * gb - hab * ga) / det;

        // Halve the Newton step until the likelihood improves.
        let mut scale = 1.0;
        let mut improved = false;
        while scale > 1e-10 {
            let (na, nb) = (a - scale * step_a, b - scale * step_b);
            let new_loss = neg_log_likelihood(raw, labels, na, nb);
            if new_loss < loss {
                (a, b, improved) = (na, nb, true);
                let gain = loss - new_loss;
                loss = new_loss;
                if gain < 1e-12 * loss.abs().max(1.0) {
                    return finish(a, b);
                }
                break;
            }
            scale /= 2.0;
        }
        if !improved {
            break;
        }
    }
    finish(a, b)
}

fn finish(slope: f64, intercept: f64) -> Result<Calibration, ModelError> {
    if !(slope > 0.0 && slope.is_finite() && intercept.is_finite()) {
        return Err(ModelError::Calibration(format!(
            "the fitted slope `{slope}` is not positive: the out-of-fold scores do not rank \
             defaulters above other applicants, so the features carry no usable signal"
        )));
    }
    Ok(Calibration {
        method: "platt".into(),
        slope,
        intercept,
    })
}

fn neg_log_likelihood(raw: &[f64], labels: &[f64], a: f64, b: f64) -> f64 {
    raw.iter()
        .zip(labels)
        .map(|(x, y)| {
            let z = a * x + b;
            // log(1 + e^z) - y z, computed without overflow.
            let softplus = if z > 0.0 {
                z + (-z).exp().ln_1p()
            } else {
                z.exp().ln_1p()
            };
            softplus - y * z
        })
        .sum()
}

fn gradient_hessian(raw: &[f64], labels: &[f64], a: f64, b: f64) -> (f64, f64, f64, f64, f64) {
    let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (x, y) in raw.iter().zip(labels) {
        let p = sigmoid(a * x + b);
        let r = p - y;
        let w = p * (1.0 - p);
        ga += r * x;
        gb += r;
        haa += w * x * x;
        hab += w * x;
        hbb += w;
    }
    (ga, gb, haa, hab, hbb)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn recovers_a_known_logistic_relation() {
        // Labels drawn from p = sigmoid(0.5 * x - 2): the fit must find slope and intercept.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let raw: Vec<f64> = (0..40_000).map(|_| rng.gen_range(-4.0..6.0)).collect();
        let labels: Vec<f64> = raw
            .iter()
            .map(|x| f64::from(u8::from(rng.r#gen::<f64>() < sigmoid(0.5 * x - 2.0))))
            .collect();
        let cal = fit(&raw, &labels).unwrap();
        assert!((cal.slope - 0.5).abs() < 0.05, "{cal:?}");
        assert!((cal.intercept + 2.0).abs() < 0.1, "{cal:?}");
        assert!(cal.probability(1.0) < cal.probability(2.0));
    }

    #[test]
    fn scores_that_rank_backwards_are_refused() {
        let raw = [3.0, 2.0, 1.0, 0.0, -1.0, -2.0];
        let labels = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let err = fit(&raw, &labels).unwrap_err();
        assert!(err.to_string().contains("not positive"), "{err}");
    }
}
