//! Reference statistics of customers who repaid, used to tell a customer what is typical:
//! per-column quantiles, the share of missing values, and the share of rows equal to one
//! (for one-hot columns, the share of repaid customers in that category).

use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::data::FeatureMatrix;

/// Quantiles of a column (linear interpolation between order statistics).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    pub q10: f64,
    pub q25: f64,
    pub q50: f64,
    pub q75: f64,
    pub q90: f64,
}

/// Probabilities of [`Quantiles`], in field order.
pub const QUANTILE_PROBS: [f64; 5] = [0.10, 0.25, 0.50, 0.75, 0.90];

impl Quantiles {
    /// Quantiles of the non-missing `values` (reordered in place); `None` when all are missing.
    pub fn of(values: &mut Vec<f64>) -> Option<Self> {
        values.retain(|v| !v.is_nan());
        let q = quantiles(values, &QUANTILE_PROBS)?;
        Some(Self {
            q10: q[0],
            q25: q[1],
            q50: q[2],
            q75: q[3],
            q90: q[4],
        })
    }
}

/// Quantiles at sorted `probs` of non-NaN `values` by partial selection (reorders `values`).
pub fn quantiles(values: &mut [f64], probs: &[f64]) -> Option<Vec<f64>> {
    let n = values.len();
    if n == 0 {
        return None;
    }

    // Positions of the order statistics needed, ascending, so each selection can work on
    // the part of the slice right of the previous one.
    let positions: Vec<f64> = probs
        .iter()
        .map(|p| p.clamp(0.0, 1.0) * (n - 1) as f64)
        .collect();
    let mut needed: Vec<usize> = positions
        .iter()
        .flat_map(|p| [p.floor() as usize, p.ceil() as usize])
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let mut lower = 0;
    let mut order = Vec::with_capacity(needed.len());
    for &k in &needed {
        let (_, v, _) = values[lower..].select_nth_unstable_by(k - lower, f64::total_cmp);
        order.push((k, *v));
        lower = k;
    }

    let stat = |k: usize| {
        order
            .iter()
            .find(|(i, _)| *i == k)
            .map_or(f64::NAN, |(_, v)| *v)
    };
    let interpolate = |p: f64| {
        let (lo, hi) = (stat(p.floor() as usize), stat(p.ceil() as usize));
        lo + (hi - lo) * p.fract()
    };
    Some(positions.into_iter().map(interpolate).collect())
}

/// What is typical for one column among customers who repaid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReference {
    pub name: String,
    /// Share of repaid customers whose value is missing.
    pub missing_share: f64,
    /// Share of repaid customers whose value is 1 (for one-hot columns: in the category).
    pub positive_share: f64,
    /// Quantiles of the present values; `None` when every value is missing.
    pub quantiles: Option<Quantiles>,
}

/// Per-column reference statistics of repaid customers, in the ensemble's feature order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceStats {
    /// Number of repaid customers the statistics come from.
    pub repaid_rows: usize,
    pub features: Vec<FeatureReference>,
}

impl ReferenceStats {
    /// Statistics of the rows whose label is 0 (repaid); label 1 is a default, `NaN` unknown.
    pub fn build(data: &FeatureMatrix, labels: &[f64]) -> Result<Self, ExplainError> {
        data.check()?;
        if labels.len() != data.rows {
            return Err(ExplainError::LengthMismatch {
                what: "labels",
                expected: data.rows,
                found: labels.len(),
            });
        }
        let repaid: Vec<usize> = (0..data.rows).filter(|&i| labels[i] < 0.5).collect();
        if repaid.is_empty() {
            return Err(ExplainError::NotEnoughRows {
                needed: 1,
                found: 0,
            });
        }
        let features = (0..data.width())
            .map(|j| column_reference(data, &repaid, j))
            .collect();
        Ok(Self {
            repaid_rows: repaid.len(),
            features,
        })
    }
}

fn column_reference(data: &FeatureMatrix, repaid: &[usize], j: usize) -> FeatureReference {
    let mut values: Vec<f64> = repaid.iter().map(|&i| data.get(i, j)).collect();
    let total = values.len() as f64;
    let positives = values.iter().filter(|&&v| v == 1.0).count() as f64;
    let quantiles = Quantiles::of(&mut values);
    FeatureReference {
        name: data.names[j].clone(),
        missing_share: 1.0 - values.len() as f64 / total,
        positive_share: positives / total,
        quantiles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy_linear() {
        let mut v: Vec<f64> = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        let q = quantiles(&mut v, &[0.0, 0.25, 0.5, 0.9, 1.0]).expect("non-empty");
        assert_eq!(q, vec![1.0, 2.0, 3.0, 4.6, 5.0]);
        assert!(quantiles(&mut [], &[0.5]).is_none());
    }

    #[test]
    fn statistics_use_repaid_rows_only() {
        let names = vec!["x".to_string(), "onehot".to_string()];
        let values = vec![
            1.0,
            1.0, //
            2.0,
            0.0, //
            f64::NAN,
            1.0, //
            100.0,
            1.0, // a default, ignored
            3.0,
            0.0,
        ];
        let data = FeatureMatrix::new(names, values).expect("whole rows");
        let stats =
            ReferenceStats::build(&data, &[0.0, 0.0, 0.0, 1.0, 0.0]).expect("has repaid rows");
        assert_eq!(stats.repaid_rows, 4);
        let x = &stats.features[0];
        assert_eq!(x.missing_share, 0.25);
        assert_eq!(x.quantiles.map(|q| q.q50), Some(2.0));
        assert_eq!(stats.features[1].positive_share, 0.5);
    }

    #[test]
    fn statistics_need_repaid_customers() {
        let data = FeatureMatrix::new(vec!["x".into()], vec![1.0]).expect("whole rows");
        assert!(ReferenceStats::build(&data, &[1.0]).is_err());
        assert!(ReferenceStats::build(&data, &[0.0, 1.0]).is_err());
    }
}
