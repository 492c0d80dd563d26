//! Global importance: how much the model's AUC drops when a feature (or a group of features,
//! shuffled together with one permutation) is shuffled, and the mean |SHAP| over a sample.
//! Both are plain functions rather than [`crate::Explainer`]s because they describe the
//! model, not one customer.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::data::{FeatureCatalog, FeatureMatrix};
use crate::grouping::{GroupBy, column_groups};
use crate::treeshap::TreeShap;

/// Area under the ROC curve by ranks (Mann-Whitney), ties sharing their average rank.
/// Labels above 0.5 are positives.
pub fn auc(scores: &[f64], labels: &[f64]) -> Result<f64, ExplainError> {
    if scores.len() != labels.len() {
        return Err(ExplainError::LengthMismatch {
            what: "scores",
            expected: labels.len(),
            found: scores.len(),
        });
    }
    if scores.iter().any(|s| s.is_nan()) {
        return Err(ExplainError::Auc("a score is NaN".into()));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));

    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| scores[i] == scores[order[start]])
                .count();
        let average_rank = (start + end + 1) as f64 / 2.0;
        let positives = order[start..end]
            .iter()
            .filter(|&&i| labels[i] > 0.5)
            .count();
        positive_rank_sum += average_rank * positives as f64;
        start = end;
    }

    let positives = labels.iter().filter(|&&l| l > 0.5).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return Err(ExplainError::Auc("both classes are needed".into()));
    }
    Ok((positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// A set of columns assessed together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnGroup {
    pub key: String,
    pub label: String,
    pub columns: Vec<usize>,
}

impl ColumnGroup {
    /// One group per column, labelled by the catalog.
    pub fn per_column(catalog: &FeatureCatalog) -> Vec<Self> {
        let features = catalog.features.iter().enumerate();
        features
            .map(|(i, f)| Self {
                key: f.name.clone(),
                label: f.label.clone(),
                columns: vec![i],
            })
            .collect()
    }

    /// Columns gathered by variable or source group.
    pub fn grouped(catalog: &FeatureCatalog, by: GroupBy) -> Vec<Self> {
        let groups = column_groups(catalog, by).into_iter();
        groups
            .map(|(key, label, columns)| Self {
                key,
                label,
                columns,
            })
            .collect()
    }
}

/// Importance of one feature or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalImportance {
    pub key: String,
    pub label: String,
    pub features: Vec<String>,
    /// Mean AUC drop (permutation) or mean |SHAP| in log-odds.
    pub mean: f64,
    /// Standard deviation across repetitions (permutation) or rows (SHAP).
    pub std: f64,
}

/// Result of [`permutation_importance`], sorted by decreasing mean drop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationReport {
    pub baseline_auc: f64,
    pub repetitions: usize,
    pub seed: u64,
    pub importances: Vec<GlobalImportance>,
}

/// Settings of [`permutation_importance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermutationSettings {
    pub repetitions: usize,
    pub seed: u64,
}

impl Default for PermutationSettings {
    fn default() -> Self {
        Self {
            repetitions: 5,
            seed: 42,
        }
    }
}

/// A scoring function: one score per row of the matrix.
pub type Predictor<'a> = &'a dyn Fn(&FeatureMatrix) -> Vec<f64>;

/// Drop in AUC when each group's columns are shuffled (one shared row permutation per group
/// and repetition). Group `g` draws from ChaCha8 stream `g` of `settings.seed`, so results
/// do not depend on which other groups are assessed.
pub fn permutation_importance(
    predict: Predictor<'_>,
    data: &FeatureMatrix,
    labels: &[f64],
    groups: &[ColumnGroup],
    settings: PermutationSettings,
) -> Result<PermutationReport, ExplainError> {
    data.check()?;
    check_groups(data, groups, settings)?;
    let baseline_auc = auc(&predict(data), labels)?;

    let mut shuffled = data.clone();
    let mut importances = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
        rng.set_stream(g as u64);
        let mut drops = Vec::with_capacity(settings.repetitions);
        for _ in 0..settings.repetitions {
            shuffle_columns(&mut shuffled, data, &group.columns, &mut rng);
            drops.push(baseline_auc - auc(&predict(&shuffled), labels)?);
        }
        restore_columns(&mut shuffled, data, &group.columns);
        let (mean, std) = mean_std(&drops);
        importances.push(GlobalImportance {
            key: group.key.clone(),
            label: group.label.clone(),
            features: group
                .columns
                .iter()
                .map(|&c| data.names[c].clone())
                .collect(),
            mean,
            std,
        });
    }
    sort_importances(&mut importances);
    Ok(PermutationReport {
        baseline_auc,
        repetitions: settings.repetitions,
        seed: settings.seed,
        importances,
    })
}

fn check_groups(
    data: &FeatureMatrix,
    groups: &[ColumnGroup],
    settings: PermutationSettings,
) -> Result<(), ExplainError> {
    if settings.repetitions == 0 {
        return Err(ExplainError::InvalidArgument(
            "at least one repetition is needed".into(),
        ));
    }
    let bad = groups
        .iter()
        .flat_map(|g| &g.columns)
        .find(|&&c| c >= data.width());
    match bad {
        Some(c) => Err(ExplainError::InvalidArgument(format!(
            "column `{c}` is out of range ({} columns)",
            data.width()
        ))),
        None => Ok(()),
    }
}

/// Writes into `target` the `columns` of `source` with their rows permuted jointly.
fn shuffle_columns(
    target: &mut FeatureMatrix,
    source: &FeatureMatrix,
    columns: &[usize],
    rng: &mut ChaCha8Rng,
) {
    let mut permutation: Vec<usize> = (0..source.rows).collect();
    permutation.shuffle(rng);
    let width = source.width();
    for (row, &from) in permutation.iter().enumerate() {
        for &c in columns {
            target.values[row * width + c] = source.values[from * width + c];
        }
    }
}

fn restore_columns(target: &mut FeatureMatrix, source: &FeatureMatrix, columns: &[usize]) {
    let width = source.width();
    for row in 0..source.rows {
        for &c in columns {
            target.values[row * width + c] = source.values[row * width + c];
        }
    }
}

/// Mean and (population) standard deviation; zeros for an empty slice.
fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

fn sort_importances(items: &mut [GlobalImportance]) {
    items.sort_by(|a, b| b.mean.total_cmp(&a.mean).then_with(|| a.key.cmp(&b.key)));
}

/// Mean |SHAP| per group over a seeded sample of at most `sample_size` rows. A group's value
/// for a row is the absolute value of its columns' summed contributions.
pub fn mean_abs_shap(
    explainer: &TreeShap,
    data: &FeatureMatrix,
    groups: &[ColumnGroup],
    sample_size: usize,
    seed: u64,
) -> Result<Vec<GlobalImportance>, ExplainError> {
    data.check()?;
    check_groups(
        data,
        groups,
        PermutationSettings {
            repetitions: 1,
            seed,
        },
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows = sample(&mut rng, data.rows, sample_size.min(data.rows)).into_vec();
    rows.sort_unstable();

    let mut per_group: Vec<Vec<f64>> = vec![Vec::with_capacity(rows.len()); groups.len()];
    let mut scratch = explainer.scratch();
    let mut phi = vec![0.0; explainer.n_features()];
    for &r in &rows {
        explainer.shap_values_into(data.row(r), &mut scratch, &mut phi)?;
        for (values, group) in per_group.iter_mut().zip(groups) {
            values.push(group.columns.iter().map(|&c| phi[c]).sum::<f64>().abs());
        }
    }

    let mut importances: Vec<GlobalImportance> = groups
        .iter()
        .zip(per_group)
        .map(|(group, values)| {
            let (mean, std) = mean_std(&values);
            GlobalImportance {
                key: group.key.clone(),
                label: group.label.clone(),
                features: group
                    .columns
                    .iter()
                    .map(|&c| data.names[c].clone())
                    .collect(),
                mean,
                std,
            }
        })
        .collect();
    sort_importances(&mut importances);
    Ok(importances)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{self, SyntheticSpec};

    #[test]
    fn auc_matches_hand_computed_values() {
        // Perfect, inverted and chance rankings.
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[0.0, 0.0, 1.0, 1.0]), Ok(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &[0.0, 0.0, 1.0, 1.0]), Ok(0.0));
        assert_eq!(auc(&[0.5; 4], &[0.0, 1.0, 0.0, 1.0]), Ok(0.5));

        // Pairs (pos, neg): (0.35 vs 0.1) win, (0.35 vs 0.4) loss, (0.8 vs 0.1) win,
        // (0.8 vs 0.4) win -> 3/4.
        assert_eq!(auc(&[0.1, 0.35, 0.4, 0.8], &[0.0, 1.0, 0.0, 1.0]), Ok(0.75));

        // A tie between a positive and a negative counts one half: (0.5=0.5) 0.5,
        // (0.5 vs 0.2) win, (0.9 vs both) 2 wins -> 3.5/4.
        assert_eq!(auc(&[0.2, 0.5, 0.5, 0.9], &[0.0, 0.0, 1.0, 1.0]), Ok(0.875));
    }

    #[test]
    fn auc_needs_both_classes_and_finite_scores() {
        assert!(auc(&[0.1, 0.2], &[1.0, 1.0]).is_err());
        assert!(auc(&[f64::NAN, 0.2], &[0.0, 1.0]).is_err());
        assert!(auc(&[0.1], &[0.0, 1.0]).is_err());
    }

    /// Labels depend on column 0 only: shuffling it must cost AUC, shuffling column 1 not.
    #[test]
    fn permutation_importance_finds_the_informative_column_and_is_seeded() {
        let data = synthetic::matrix(400, 2, 0.0, 3);
        let labels: Vec<f64> = (0..data.rows)
            .map(|i| f64::from(u8::from(data.get(i, 0) > 0.5)))
            .collect();
        let predict = |m: &FeatureMatrix| (0..m.rows).map(|i| m.get(i, 0)).collect::<Vec<f64>>();
        let catalog = FeatureCatalog::plain(&data.names);
        let groups = ColumnGroup::per_column(&catalog);
        let settings = PermutationSettings {
            repetitions: 4,
            seed: 9,
        };

        let report = permutation_importance(&predict, &data, &labels, &groups, settings)
            .expect("valid inputs");
        assert_eq!(report.baseline_auc, 1.0);
        assert_eq!(report.importances[0].key, "f0");
        assert!(report.importances[0].mean > 0.3);
        assert_eq!(report.importances[1].mean, 0.0);
        assert_eq!(report.importances[1].std, 0.0);

        let again = permutation_importance(&predict, &data, &labels, &groups, settings)
            .expect("valid inputs");
        assert_eq!(report, again, "same seed, same report");
    }

    #[test]
    fn mean_abs_shap_ranks_used_features_above_unused_ones() {
        let ensemble = synthetic::ensemble(SyntheticSpec {
            trees: 20,
            max_depth: 3,
            features: 30,
            early_leaf: 0.0,
            seed: 4,
        });
        let used: std::collections::HashSet<usize> = ensemble
            .trees
            .iter()
            .flat_map(|t| t.nodes.iter().filter_map(|n| n.feature))
            .collect();
        let explainer = TreeShap::new(&ensemble).expect("valid ensemble");
        let data = synthetic::matrix(50, 30, 0.1, 2);
        let groups = ColumnGroup::per_column(&FeatureCatalog::plain(&data.names));
        let importances = mean_abs_shap(&explainer, &data, &groups, 30, 1).expect("valid inputs");
        for imp in &importances {
            let column: usize = imp.key[1..].parse().expect("synthetic names are f<index>");
            assert_eq!(imp.mean > 0.0, used.contains(&column), "{}", imp.key);
        }
    }
}
