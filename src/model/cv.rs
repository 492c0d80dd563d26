//! Stratified k-fold cross-validation: every labelled applicant is predicted once by a model
//! that did not see them (the out-of-fold predictions), with early stopping on each
//! validation fold. The folds also decide how many rounds the final model gets.

use forust_ml::Matrix;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::config::ModelSettings;
use crate::report::Reporter;

use super::data::TrainingData;
use super::ensemble;
use super::importance::FoldModel;
use super::metrics::{self, FoldMetrics};
use super::{ModelError, progress, train};

/// Out-of-fold raw scores and each fold's result.
#[derive(Debug, Clone)]
pub struct CrossValidation {
    /// Raw booster score (log-odds) of each applicant, from the fold that held them out,
    /// predicted with the common number of rounds.
    pub oof_raw: Vec<f64>,
    pub folds: Vec<FoldMetrics>,
    /// The number of rounds that maximises the folds' mean validation AUC; every fold's
    /// out-of-fold predictions and the final model use it.
    pub common_rounds: usize,
    /// Each fold's trees at the common number of rounds, with its validation rows.
    pub fold_models: Vec<FoldModel>,
}

impl CrossValidation {
    /// Rounds for the final model: the common number of rounds the folds found.
    pub fn final_rounds(&self) -> usize {
        self.common_rounds.max(1)
    }
}

/// The round count (1-based) with the best mean validation AUC over the folds, among the
/// rounds every fold reached. With ~120 defaulters per validation fold a single fold's best
/// round is noisy (one fold peaked after 16 rounds on the real sample); one common count
/// also puts every fold's out-of-fold scores on the same scale, which the pooled AUC and the
/// calibration need.
pub fn common_rounds(histories: &[Vec<f64>]) -> Option<usize> {
    let reached = histories.iter().map(Vec::len).min()?;
    (0..reached)
        .map(|r| {
            let mean = histories.iter().map(|h| h[r]).sum::<f64>() / histories.len() as f64;
            (r + 1, mean)
        })
        .filter(|(_, mean)| mean.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(rounds, _)| rounds)
}

/// Assigns each row a fold in `0..k`, so that every fold gets (within one) the same number
/// of defaulters and of non-defaulters. Seeded: the same labels and seed give the same
/// folds.
pub fn stratified_folds(labels: &[f64], k: usize, seed: u64) -> Result<Vec<usize>, ModelError> {
    let positives = labels.iter().filter(|&&y| y > 0.5).count();
    let negatives = labels.len() - positives;
    if positives < k || negatives < k {
        return Err(ModelError::TooFewForFolds {
            folds: k,
            defaults: positives,
            repaid: negatives,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0; labels.len()];
    for class in [0.0, 1.0] {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rows.shuffle(&mut rng);
        for (position, &row) in rows.iter().enumerate() {
            fold[row] = position % k;
        }
    }
    Ok(fold)
}

/// Trains one booster per fold with early stopping on the held-out fold.
pub fn cross_validate(
    data: &TrainingData,
    settings: &ModelSettings,
    defaulter_weight: f64,
    reporter: &Reporter,
) -> Result<CrossValidation, ModelError> {
    let k = settings.folds;
    let fold_of = stratified_folds(&data.labels, k, settings.seed)?;
    let live = progress::install();
    let mut fitted = Vec::with_capacity(k);
    let mut folds = Vec::with_capacity(k);
    for fold in 0..k {
        let train_rows: Vec<usize> = (0..data.rows).filter(|&i| fold_of[i] != fold).collect();
        let valid_rows: Vec<usize> = (0..data.rows).filter(|&i| fold_of[i] == fold).collect();
        let label = format!("fold {}/{k}", fold + 1);
        reporter.info(format!(
            "Training {label} on {} applicants, validating on {}",
            train_rows.len(),
            valid_rows.len()
        ));
        let result = {
            let _scope = progress::Scope::enter(reporter, label.clone());
            fit_fold(data, &train_rows, &valid_rows, settings, defaulter_weight)?
        };
        if !live {
            report_history(reporter, &label, &result.history);
        }
        let valid_labels: Vec<f64> = valid_rows.iter().map(|&i| data.labels[i]).collect();
        let fold_metrics = FoldMetrics {
            fold: fold + 1,
            validation_rows: valid_rows.len(),
            validation_defaults: valid_labels.iter().filter(|&&y| y > 0.5).count(),
            best_rounds: result.best_rounds,
            auc: f64::NAN,
            auc_at_best_round: metrics::auc(&valid_labels, &result.raw),
        };
        reporter.info(format!(
            "  {label} done: best round {}, validation AUC {:.4} at that round",
            fold_metrics.best_rounds, fold_metrics.auc_at_best_round
        ));
        folds.push(fold_metrics);
        fitted.push((valid_rows, result));
    }
    let histories: Vec<Vec<f64>> = fitted.iter().map(|(_, r)| r.history.clone()).collect();
    let common = common_rounds(&histories).unwrap_or(settings.max_rounds);
    reporter.info(format!(
        "Best mean validation AUC over the folds after {common} rounds: every fold predicts \
         with that many, and so will the final model"
    ));
    let mut oof_raw = vec![f64::NAN; data.rows];
    let mut fold_models = Vec::with_capacity(k);
    for ((valid_rows, mut result), fold_metrics) in fitted.into_iter().zip(&mut folds) {
        let raw = result.predict(data, &valid_rows, common, settings.threads > 1);
        let valid_labels: Vec<f64> = valid_rows.iter().map(|&i| data.labels[i]).collect();
        fold_metrics.auc = metrics::auc(&valid_labels, &raw);
        for (&row, raw) in valid_rows.iter().zip(raw) {
            oof_raw[row] = raw;
        }
        // `predict` left the booster at the common round count, which the conversion keeps.
        fold_models.push(FoldModel {
            ensemble: ensemble::from_booster(&result.booster, data)?,
            validation_rows: valid_rows,
        });
    }
    Ok(CrossValidation {
        oof_raw,
        folds,
        common_rounds: common,
        fold_models,
    })
}

struct FoldResult {
    booster: forust_ml::GradientBooster,
    raw: Vec<f64>,
    best_rounds: usize,
    history: Vec<f64>,
}

impl FoldResult {
    /// Raw scores of `rows` using the first `rounds` trees.
    fn predict(
        &mut self,
        data: &TrainingData,
        rows: &[usize],
        rounds: usize,
        parallel: bool,
    ) -> Vec<f64> {
        let (x, _) = data.subset(rows);
        let matrix = Matrix::new(&x, rows.len(), data.cols());
        self.booster.prediction_iteration = Some(rounds.min(self.booster.trees.len()));
        self.booster.predict(&matrix, parallel)
    }
}

fn fit_fold(
    data: &TrainingData,
    train_rows: &[usize],
    valid_rows: &[usize],
    settings: &ModelSettings,
    defaulter_weight: f64,
) -> Result<FoldResult, ModelError> {
    let (train_x, train_y) = data.subset(train_rows);
    let (valid_x, valid_y) = data.subset(valid_rows);
    let weights = train::class_weights(&train_y, defaulter_weight);
    let valid_weights = vec![1.0; valid_rows.len()];
    let train_m = Matrix::new(&train_x, train_rows.len(), data.cols());
    let valid_m = Matrix::new(&valid_x, valid_rows.len(), data.cols());

    let mut booster = train::booster(settings, settings.max_rounds, true);
    let eval = vec![(
        Matrix::new(&valid_x, valid_rows.len(), data.cols()),
        valid_y.as_slice(),
        valid_weights.as_slice(),
    )];
    booster
        .fit(&train_m, &train_y, &weights, Some(eval))
        .map_err(|e| ModelError::Library(e.to_string()))?;
    let best_rounds = booster.prediction_iteration.unwrap_or(booster.trees.len());
    let raw = booster.predict(&valid_m, settings.threads > 1);
    let history = booster
        .evaluation_history
        .as_ref()
        .map(|h| h.data.clone())
        .unwrap_or_default();
    Ok(FoldResult {
        booster,
        raw,
        best_rounds,
        history,
    })
}

/// When live progress is not available: the validation AUC every 50 rounds, after the fact.
fn report_history(reporter: &Reporter, label: &str, history: &[f64]) {
    for (round, auc) in history.iter().enumerate().step_by(train::LOG_EVERY) {
        reporter.info(format!(
            "  {label}  round {:>5}  validation AUC {auc:.4}",
            round + 1
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_seeded_and_complete() {
        let labels: Vec<f64> = (0..1000)
            .map(|i| f64::from(u8::from(i % 12 == 0)))
            .collect();
        let a = stratified_folds(&labels, 5, 42).unwrap();
        let b = stratified_folds(&labels, 5, 42).unwrap();
        let c = stratified_folds(&labels, 5, 43).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        for k in 0..5 {
            let rows: Vec<usize> = (0..1000).filter(|&i| a[i] == k).collect();
            let defaults = rows.iter().filter(|&&i| labels[i] > 0.5).count();
            assert!(
                (199..=201).contains(&rows.len()),
                "fold {k}: {}",
                rows.len()
            );
            assert!((16..=17).contains(&defaults), "fold {k}: {defaults}");
        }
    }

    #[test]
    fn common_rounds_maximise_the_mean_auc_over_rounds_all_folds_reached() {
        let histories = vec![
            vec![0.60, 0.70, 0.72, 0.71],
            vec![0.65, 0.66, 0.70],
            vec![0.80, 0.70, 0.74, 0.75, 0.76],
        ];
        // Means over the 3 common rounds: 0.683, 0.687, 0.72 -> round 3.
        assert_eq!(common_rounds(&histories), Some(3));
        assert_eq!(common_rounds(&[]), None);
    }

    #[test]
    fn too_few_defaulters_for_the_folds_is_an_error() {
        let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let err = stratified_folds(&labels, 5, 1).unwrap_err().to_string();
        assert!(err.contains("5 folds"), "{err}");
    }
}
