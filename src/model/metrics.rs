//! Measures of a probability-of-default model: ranking (AUC, KS), probability quality
//! (Brier score, log loss, calibration by decile), and the report table a person reads after
//! training. Everything here is a pure function of labels and scores.

use serde::{Deserialize, Serialize};

use super::importance::HeldOutImportance;

use crate::report::Reporter;

use super::threshold::CostPoint;

/// Everything measured while training, saved as `metrics.json` with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Labelled applicants used for training, and how many of them defaulted.
    pub applicants: usize,
    pub defaults: usize,
    /// Feature columns the model uses, after dropping constant and duplicate ones.
    pub features: usize,
    /// One entry per cross-validation fold.
    pub folds: Vec<FoldMetrics>,
    /// Boosting rounds of the final model: the count with the best mean validation AUC over
    /// the folds, which also gives the out-of-fold predictions.
    pub final_rounds: usize,
    /// Measured on the out-of-fold predictions, after calibration.
    pub out_of_fold: ProbabilityMetrics,
    /// The decision threshold and what it does on the out-of-fold predictions.
    pub at_threshold: CostPoint,
    /// Calibration by decile of predicted probability, lowest first.
    pub calibration_deciles: Vec<DecileRow>,
    /// Mean |SHAP| and permutation importance of the folds' models on their validation rows.
    #[serde(default)]
    pub importance: Option<HeldOutImportance>,
}

/// The result of one cross-validation fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldMetrics {
    /// 1-based fold number.
    pub fold: usize,
    pub validation_rows: usize,
    pub validation_defaults: usize,
    /// Rounds kept by early stopping on this fold's validation rows.
    pub best_rounds: usize,
    /// AUC on this fold's validation rows, predicted with the common number of rounds (the
    /// out-of-fold predictions): the figure the pooled out-of-fold AUC is made of.
    pub auc: f64,
    /// AUC at this fold's own best round: optimistic, since that round was picked on the same
    /// rows; kept to show how much the common round count costs each fold.
    pub auc_at_best_round: f64,
}

/// Ranking and probability quality on a set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityMetrics {
    pub auc: f64,
    pub brier: f64,
    pub log_loss: f64,
    /// Kolmogorov-Smirnov statistic: the largest gap between the score distributions of
    /// defaulters and non-defaulters.
    pub ks: f64,
}

/// One decile of applicants sorted by predicted probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    /// 1 = the tenth of applicants with the lowest predicted probability.
    pub decile: usize,
    pub applicants: usize,
    pub min_probability: f64,
    pub max_probability: f64,
    pub mean_probability: f64,
    /// Share of the decile's applicants that actually defaulted.
    pub observed_default_rate: f64,
}

/// Area under the ROC curve, with tied scores counted as half (Mann-Whitney U).
/// Returns NaN when either class is absent.
pub fn auc(labels: &[f64], scores: &[f64]) -> f64 {
    let order = sorted_order(scores);
    let positives = labels.iter().filter(|&&y| y > 0.5).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return f64::NAN;
    }

    // Sum the (tie-averaged, 1-based) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let end = tie_group_end(&order, scores, start);
        let mean_rank = (start + end + 1) as f64 / 2.0;
        let group_positives = order[start..end]
            .iter()
            .filter(|&&i| labels[i] > 0.5)
            .count();
        rank_sum += mean_rank * group_positives as f64;
        start = end;
    }
    let p = positives as f64;
    (rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64)
}

/// Kolmogorov-Smirnov statistic between the scores of positives and negatives.
pub fn ks(labels: &[f64], scores: &[f64]) -> f64 {
    let order = sorted_order(scores);
    let positives = labels.iter().filter(|&&y| y > 0.5).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    let (mut seen_pos, mut seen_neg, mut best) = (0.0, 0.0, 0.0_f64);
    let mut start = 0;
    while start < order.len() {
        let end = tie_group_end(&order, scores, start);
        for &i in &order[start..end] {
            if labels[i] > 0.5 {
                seen_pos += 1.0;
            } else {
                seen_neg += 1.0;
            }
        }
        best = best.max((seen_pos / positives - seen_neg / negatives).abs());
        start = end;
    }
    best
}

/// Mean squared difference between probability and outcome.
pub fn brier(labels: &[f64], probabilities: &[f64]) -> f64 {
    let sum: f64 = labels
        .iter()
        .zip(probabilities)
        .map(|(y, p)| (p - y) * (p - y))
        .sum();
    sum / labels.len() as f64
}

/// Mean negative log-likelihood, with probabilities kept 1e-15 away from 0 and 1.
pub fn log_loss(labels: &[f64], probabilities: &[f64]) -> f64 {
    let sum: f64 = labels
        .iter()
        .zip(probabilities)
        .map(|(y, p)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    sum / labels.len() as f64
}

/// All of [`ProbabilityMetrics`] at once.
pub fn probability_metrics(labels: &[f64], probabilities: &[f64]) -> ProbabilityMetrics {
    ProbabilityMetrics {
        auc: auc(labels, probabilities),
        brier: brier(labels, probabilities),
        log_loss: log_loss(labels, probabilities),
        ks: ks(labels, probabilities),
    }
}

/// Predicted against observed default rate for ten groups of (nearly) equal size.
pub fn calibration_deciles(labels: &[f64], probabilities: &[f64]) -> Vec<DecileRow> {
    let order = sorted_order(probabilities);
    let n = order.len();
    (0..10)
        .filter_map(|d| {
            let rows = &order[d * n / 10..(d + 1) * n / 10];
            let first = *rows.first()?;
            let last = *rows.last()?;
            let count = rows.len() as f64;
            Some(DecileRow {
                decile: d + 1,
                applicants: rows.len(),
                min_probability: probabilities[first],
                max_probability: probabilities[last],
                mean_probability: rows.iter().map(|&i| probabilities[i]).sum::<f64>() / count,
                observed_default_rate: rows.iter().map(|&i| labels[i]).sum::<f64>() / count,
            })
        })
        .collect()
}

/// Row indices sorted by ascending score; ties keep their row order, so the result is
/// deterministic.
pub(crate) fn sorted_order(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

/// The end (exclusive) of the run of equal scores starting at `start` in `order`.
fn tie_group_end(order: &[usize], scores: &[f64], start: usize) -> usize {
    let value = scores[order[start]];
    let mut end = start + 1;
    while end < order.len() && scores[order[end]] == value {
        end += 1;
    }
    end
}

impl Metrics {
    /// Prints the metrics as aligned tables for a person to read.
    pub fn report(&self, reporter: &Reporter) {
        let rate = self.defaults as f64 / self.applicants.max(1) as f64;
        reporter.info(format!(
            "Model trained on {} applicants ({} defaults, {:.1}%), {} features, {} rounds.",
            self.applicants,
            self.defaults,
            100.0 * rate,
            self.features,
            self.final_rounds
        ));
        self.report_folds(reporter);
        self.report_summary(reporter);
        self.report_deciles(reporter);
    }

    fn report_folds(&self, reporter: &Reporter) {
        reporter.info(format!(
            "  fold | validation rows | defaults | best rounds | AUC at best | AUC at {} rounds",
            self.final_rounds
        ));
        reporter
            .info("  -----+-----------------+----------+-------------+-------------+-----------");
        for f in &self.folds {
            reporter.info(format!(
                "  {:>4} | {:>15} | {:>8} | {:>11} | {:>11.4} | {:.4}",
                f.fold,
                f.validation_rows,
                f.validation_defaults,
                f.best_rounds,
                f.auc_at_best_round,
                f.auc
            ));
        }
    }

    fn report_summary(&self, reporter: &Reporter) {
        let o = &self.out_of_fold;
        let t = &self.at_threshold;
        let lines = [
            format!("  out-of-fold AUC      {:.4}", o.auc),
            format!("  KS                   {:.4}", o.ks),
            format!("  Brier score          {:.4}", o.brier),
            format!("  log loss             {:.4}", o.log_loss),
            format!(
                "  threshold            {:.4} (refuse when probability >= threshold)",
                t.threshold
            ),
            format!(
                "  refused              {} ({} defaulters, {} good customers)",
                t.refused,
                t.refused - t.refused_goods,
                t.refused_goods
            ),
            format!(
                "  granted              {} ({} defaulters missed)",
                t.granted, t.missed_defaults
            ),
            format!(
                "  cost at threshold    {:.1} ({:.4} per applicant)",
                t.cost,
                t.cost / self.applicants.max(1) as f64
            ),
        ];
        for line in lines {
            reporter.info(line);
        }
    }

    fn report_deciles(&self, reporter: &Reporter) {
        reporter.info("  decile | applicants | mean predicted | observed default rate");
        reporter.info("  -------+------------+----------------+----------------------");
        for d in &self.calibration_deciles {
            reporter.info(format!(
                "  {:>6} | {:>10} | {:>14.4} | {:>21.4}",
                d.decile, d.applicants, d.mean_probability, d.observed_default_rate
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_pairs_and_halves_ties() {
        // Pairs (pos, neg): (0.8, 0.1) ok, (0.8, 0.4) ok, (0.4 pos vs 0.4 neg) half,
        // (0.4, 0.1) ok => 3.5 of 4.
        let labels = [1.0, 0.0, 1.0, 0.0];
        let scores = [0.8, 0.4, 0.4, 0.1];
        assert!((auc(&labels, &scores) - 3.5 / 4.0).abs() < 1e-12);
        assert!(auc(&[1.0, 1.0], &[0.1, 0.2]).is_nan());
    }

    #[test]
    fn ks_is_largest_cdf_gap() {
        let labels = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        // After 0.2: negatives 2/3 seen, positives 0 => gap 2/3.
        assert!((ks(&labels, &scores) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn brier_and_log_loss_of_known_values() {
        let labels = [1.0, 0.0];
        let probs = [0.8, 0.4];
        assert!((brier(&labels, &probs) - (0.04 + 0.16) / 2.0).abs() < 1e-12);
        let expected = -(0.8_f64.ln() + 0.6_f64.ln()) / 2.0;
        assert!((log_loss(&labels, &probs) - expected).abs() < 1e-12);
    }

    #[test]
    fn deciles_cover_every_row_in_order() {
        let probs: Vec<f64> = (0..95).map(|i| f64::from(i) / 100.0).collect();
        let labels: Vec<f64> = (0..95).map(|i| f64::from(i % 2)).collect();
        let deciles = calibration_deciles(&labels, &probs);
        assert_eq!(deciles.len(), 10);
        assert_eq!(deciles.iter().map(|d| d.applicants).sum::<usize>(), 95);
        assert!(
            deciles
                .windows(2)
                .all(|w| w[0].max_probability <= w[1].min_probability)
        );
    }
}
