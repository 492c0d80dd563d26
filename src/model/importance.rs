//! Global importance measured on held-out rows: each cross-validation fold's model is
//! explained on its own validation rows, which it never saw, and the results are pooled over
//! the folds. Saved in `metrics.json` and shown on the dashboard's model page.
//!
//! - Mean |SHAP| (log-odds) by source (application, credit bureau, previous applications...)
//!   and by variable (one-hot columns summed back into their variable).
//! - Permutation importance: the drop in a fold model's validation AUC when a source's or a
//!   variable's columns are shuffled together, `[explain] permutation_repeats` seeded times
//!   per fold. Every source is assessed, and the [`TOP_VARIABLES`] variables with the largest
//!   pooled mean |SHAP|: shuffling every one of several hundred variables would multiply the
//!   training time for figures nobody reads.
//!
//! Pooling: a figure's mean is the mean of the folds' means; its spread is the standard
//! deviation of all the folds' repetitions together (the within-fold variances plus the
//! spread of the fold means), so it shows both the shuffling noise and the fold-to-fold
//! variation. Folds larger than [`MAX_ROWS_PER_FOLD`] are sampled (seeded) to bound the time
//! on the full data set.

use std::collections::BTreeMap;

use explainers::permutation::{self, ColumnGroup, GlobalImportance, PermutationSettings};
use explainers::{FeatureCatalog, FeatureMatrix, GroupBy, TreeEnsemble, TreeShap};
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::ModelError;
use super::data::TrainingData;

/// Variables assessed by permutation, by decreasing mean |SHAP|.
pub const TOP_VARIABLES: usize = 15;
/// Validation rows used per fold at most.
pub const MAX_ROWS_PER_FOLD: usize = 5_000;
/// Rows per fold that mean |SHAP| is computed on.
const SHAP_ROWS: usize = 1_000;

/// One fold's model and the rows it was validated on.
#[derive(Debug, Clone)]
pub struct FoldModel {
    pub validation_rows: Vec<usize>,
    /// The fold's trees at the common number of rounds.
    pub ensemble: TreeEnsemble,
}

/// The held-out importance figures of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOutImportance {
    pub folds: usize,
    /// Shuffles of each source or variable per fold.
    pub repetitions: usize,
    pub seed: u64,
    /// Mean |SHAP| by source, largest first.
    pub shap_by_source: Vec<GlobalImportance>,
    /// Mean |SHAP| by variable, largest first (every variable).
    pub shap_by_variable: Vec<GlobalImportance>,
    /// AUC drop when a source is shuffled, largest first.
    pub permutation_by_source: Vec<GlobalImportance>,
    /// AUC drop when one of the top variables is shuffled, largest first.
    pub permutation_by_variable: Vec<GlobalImportance>,
}

/// A fold's validation rows as the explainers see them.
struct HeldOut<'a> {
    model: &'a FoldModel,
    matrix: FeatureMatrix,
    labels: Vec<f64>,
}

/// Computes every figure from the folds' models (`catalog` in `data`'s column order).
pub fn held_out(
    folds: &[FoldModel],
    data: &TrainingData,
    catalog: &FeatureCatalog,
    repetitions: usize,
    seed: u64,
) -> Result<HeldOutImportance, ModelError> {
    let held_out: Vec<HeldOut<'_>> = folds
        .iter()
        .enumerate()
        .map(|(f, model)| held_out_rows(model, data, seed.wrapping_add(f as u64)))
        .collect::<Result<_, _>>()?;
    let sources = ColumnGroup::grouped(catalog, GroupBy::Group);
    let variables = ColumnGroup::grouped(catalog, GroupBy::Variable);
    let shap_by_source = pooled_shap(&held_out, &sources, seed)?;
    let shap_by_variable = pooled_shap(&held_out, &variables, seed)?;
    let top: Vec<ColumnGroup> = shap_by_variable
        .iter()
        .take(TOP_VARIABLES)
        .filter_map(|item| variables.iter().find(|g| g.key == item.key).cloned())
        .collect();
    let settings = PermutationSettings { repetitions, seed };
    Ok(HeldOutImportance {
        folds: folds.len(),
        repetitions,
        seed,
        permutation_by_source: pooled_permutation(&held_out, &sources, settings)?,
        permutation_by_variable: pooled_permutation(&held_out, &top, settings)?,
        shap_by_source,
        shap_by_variable,
    })
}

/// The fold's validation rows, sampled down to [`MAX_ROWS_PER_FOLD`].
fn held_out_rows<'a>(
    model: &'a FoldModel,
    data: &TrainingData,
    seed: u64,
) -> Result<HeldOut<'a>, ModelError> {
    let mut rows = model.validation_rows.clone();
    if rows.len() > MAX_ROWS_PER_FOLD {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut picked = sample(&mut rng, rows.len(), MAX_ROWS_PER_FOLD).into_vec();
        picked.sort_unstable();
        rows = picked.into_iter().map(|i| rows[i]).collect();
    }
    let values = rows.iter().flat_map(|&i| data.row(i)).collect();
    let matrix = FeatureMatrix::new(data.names.clone(), values).map_err(explain_error)?;
    let labels = rows.iter().map(|&i| data.labels[i]).collect();
    Ok(HeldOut {
        model,
        matrix,
        labels,
    })
}

fn pooled_shap(
    held_out: &[HeldOut<'_>],
    groups: &[ColumnGroup],
    seed: u64,
) -> Result<Vec<GlobalImportance>, ModelError> {
    let per_fold = held_out
        .iter()
        .map(|fold| {
            let shap = TreeShap::new(&fold.model.ensemble).map_err(explain_error)?;
            permutation::mean_abs_shap(&shap, &fold.matrix, groups, SHAP_ROWS, seed)
                .map_err(explain_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pool(per_fold))
}

fn pooled_permutation(
    held_out: &[HeldOut<'_>],
    groups: &[ColumnGroup],
    settings: PermutationSettings,
) -> Result<Vec<GlobalImportance>, ModelError> {
    let per_fold = held_out
        .iter()
        .map(|fold| {
            let ensemble = &fold.model.ensemble;
            let predict = |m: &FeatureMatrix| -> Vec<f64> {
                (0..m.rows)
                    .map(|i| ensemble.predict_raw(m.row(i)))
                    .collect()
            };
            permutation::permutation_importance(
                &predict,
                &fold.matrix,
                &fold.labels,
                groups,
                settings,
            )
            .map(|report| report.importances)
            .map_err(explain_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pool(per_fold))
}

/// Pools the folds' figures for each key: mean of the means, and the spread of all the
/// folds' values together (equal counts per fold).
fn pool(per_fold: Vec<Vec<GlobalImportance>>) -> Vec<GlobalImportance> {
    let folds = per_fold.len().max(1) as f64;
    let mut by_key: BTreeMap<String, Vec<GlobalImportance>> = BTreeMap::new();
    for item in per_fold.into_iter().flatten() {
        by_key.entry(item.key.clone()).or_default().push(item);
    }
    let mut pooled: Vec<GlobalImportance> = by_key
        .into_values()
        .filter_map(|items| {
            let mean = items.iter().map(|i| i.mean).sum::<f64>() / folds;
            let second_moment = items
                .iter()
                .map(|i| i.std.powi(2) + (i.mean - mean).powi(2))
                .sum::<f64>()
                / folds;
            let first = items.into_iter().next()?;
            Some(GlobalImportance {
                mean,
                std: second_moment.sqrt(),
                ..first
            })
        })
        .collect();
    pooled.sort_by(|a, b| b.mean.total_cmp(&a.mean).then_with(|| a.key.cmp(&b.key)));
    pooled
}

fn explain_error(err: explainers::ExplainError) -> ModelError {
    ModelError::Importance(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, mean: f64, std: f64) -> GlobalImportance {
        GlobalImportance {
            key: key.into(),
            label: key.into(),
            features: vec![key.into()],
            mean,
            std,
        }
    }

    #[test]
    fn pooling_averages_the_folds_and_keeps_both_kinds_of_spread() {
        // Fold values {1, 3} and {5, 7}: all four together have mean 4 and std sqrt(5).
        let pooled = pool(vec![
            vec![item("a", 2.0, 1.0), item("b", 0.5, 0.0)],
            vec![item("b", 0.5, 0.0), item("a", 6.0, 1.0)],
        ]);
        assert_eq!(pooled[0].key, "a");
        assert!((pooled[0].mean - 4.0).abs() < 1e-12);
        assert!((pooled[0].std - 5.0_f64.sqrt()).abs() < 1e-12);
        assert_eq!((pooled[1].mean, pooled[1].std), (0.5, 0.0));
    }
}
