//! The training matrix: labelled applicants taken from a [`FeatureTable`], columns that
//! cannot help (constant, or an exact copy of an earlier column) dropped and recorded, stored
//! column-major as the tree library wants it.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::features::FeatureTable;

use super::ModelError;

/// Labelled applicants, column-major.
#[derive(Debug, Clone)]
pub struct TrainingData {
    pub names: Vec<String>,
    pub ids: Vec<i64>,
    pub rows: usize,
    /// `columns[j * rows + i]` is feature `j` of applicant `i`; NaN means missing.
    pub columns: Vec<f64>,
    /// 1.0 = defaulted, 0.0 = repaid.
    pub labels: Vec<f64>,
}

/// Columns left out of the model, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DroppedColumns {
    /// The same value (or missing) for every labelled applicant.
    pub constant: Vec<String>,
    /// Identical, applicant by applicant, to a column kept earlier in the list.
    pub duplicate: Vec<DuplicateColumn>,
    /// Built from a variable the model may not use (`[model] excluded_variables`).
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// A column dropped because it repeats another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateColumn {
    pub column: String,
    pub same_as: String,
}

/// Keeps the labelled rows of `table` (TARGET 0 or 1) and drops the `excluded` columns, then
/// constant and duplicate ones. Infinite values count as missing, as they do when predicting.
pub fn from_table(
    table: &FeatureTable,
    excluded: &[String],
) -> Result<(TrainingData, DroppedColumns), ModelError> {
    let cols = table.names.len();
    let mut ids = Vec::new();
    let mut labels = Vec::new();
    let mut rows_kept = Vec::new();
    for (i, target) in table.target.iter().enumerate() {
        let Some(y) = *target else { continue };
        if y != 0.0 && y != 1.0 {
            return Err(ModelError::BadTarget {
                id: table.ids[i],
                value: y,
            });
        }
        ids.push(table.ids[i]);
        labels.push(y);
        rows_kept.push(i);
    }
    let rows = rows_kept.len();

    let column = |j: usize| -> Vec<f64> {
        rows_kept
            .iter()
            .map(|&i| finite_or_nan(table.values[i * cols + j]))
            .collect()
    };
    let (kept, dropped) = select_columns(&table.names, excluded, rows, column);
    let mut columns = Vec::with_capacity(kept.len() * rows);
    let mut names = Vec::with_capacity(kept.len());
    for (j, values) in kept {
        names.push(table.names[j].clone());
        columns.extend(values);
    }
    Ok((
        TrainingData {
            names,
            ids,
            rows,
            columns,
            labels,
        },
        dropped,
    ))
}

/// Infinite values become missing (NaN) so that training and prediction agree.
pub fn finite_or_nan(v: f64) -> f64 {
    if v.is_finite() { v } else { f64::NAN }
}

/// The kept columns (index and values) and the dropped ones.
fn select_columns(
    names: &[String],
    excluded: &[String],
    rows: usize,
    column: impl Fn(usize) -> Vec<f64>,
) -> (Vec<(usize, Vec<f64>)>, DroppedColumns) {
    let mut kept: Vec<(usize, Vec<f64>)> = Vec::new();
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut dropped = DroppedColumns::default();
    for (j, name) in names.iter().enumerate() {
        if excluded.contains(name) {
            dropped.excluded.push(name.clone());
            continue;
        }
        let values = column(j);
        if is_constant(&values) || rows == 0 {
            dropped.constant.push(name.clone());
            continue;
        }
        let hash = column_hash(&values);
        let same = by_hash.get(&hash).and_then(|candidates| {
            candidates
                .iter()
                .find(|&&k| same_values(&kept[k].1, &values))
        });
        if let Some(&k) = same {
            dropped.duplicate.push(DuplicateColumn {
                column: name.clone(),
                same_as: names[kept[k].0].clone(),
            });
            continue;
        }
        by_hash.entry(hash).or_default().push(kept.len());
        kept.push((j, values));
    }
    (kept, dropped)
}

/// Bit pattern of a value with every NaN made the same, so missing equals missing.
fn canonical_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        (v + 0.0).to_bits()
    }
}

fn is_constant(values: &[f64]) -> bool {
    values.first().is_none_or(|&first| {
        values
            .iter()
            .all(|&v| canonical_bits(v) == canonical_bits(first))
    })
}

fn same_values(a: &[f64], b: &[f64]) -> bool {
    a.iter()
        .zip(b)
        .all(|(&x, &y)| canonical_bits(x) == canonical_bits(y))
}

fn column_hash(values: &[f64]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for &v in values {
        canonical_bits(v).hash(&mut hasher);
    }
    hasher.finish()
}

impl TrainingData {
    /// Number of feature columns.
    pub fn cols(&self) -> usize {
        self.names.len()
    }

    /// Value of feature `j` for applicant `i`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.columns[j * self.rows + i]
    }

    /// The given rows, column-major, with their labels.
    pub fn subset(&self, rows: &[usize]) -> (Vec<f64>, Vec<f64>) {
        let mut columns = Vec::with_capacity(rows.len() * self.cols());
        for j in 0..self.cols() {
            let col = &self.columns[j * self.rows..(j + 1) * self.rows];
            columns.extend(rows.iter().map(|&i| col[i]));
        }
        let labels = rows.iter().map(|&i| self.labels[i]).collect();
        (columns, labels)
    }

    /// Applicant `i`'s features in model order.
    pub fn row(&self, i: usize) -> Vec<f64> {
        (0..self.cols()).map(|j| self.get(i, j)).collect()
    }

    /// Number of defaulters.
    pub fn defaults(&self) -> usize {
        self.labels.iter().filter(|&&y| y > 0.5).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_duplicate_columns_are_dropped_and_named() {
        let nan = f64::NAN;
        let table = FeatureTable {
            ids: vec![1, 2, 3, 4],
            names: ["a", "const", "a_copy", "b", "all_missing", "partly_missing"]
                .map(String::from)
                .to_vec(),
            values: vec![
                1.0, 5.0, 1.0, 0.0, nan, 1.0, //
                2.0, 5.0, 2.0, 1.0, nan, nan, //
                3.0, 5.0, 3.0, 0.0, nan, 1.0, //
                4.0, 5.0, 4.0, 9.0, nan, 1.0, //
            ],
            target: vec![Some(0.0), Some(1.0), None, Some(0.0)],
        };
        let (data, dropped) = from_table(&table, &[]).unwrap();
        assert_eq!(data.names, ["a", "b", "partly_missing"]);
        assert_eq!(data.ids, [1, 2, 4]);
        assert_eq!(data.labels, [0.0, 1.0, 0.0]);
        assert_eq!(data.row(2), [4.0, 9.0, 1.0]);
        assert_eq!(dropped.constant, ["const", "all_missing"]);
        assert_eq!(
            dropped.duplicate,
            [DuplicateColumn {
                column: "a_copy".into(),
                same_as: "a".into()
            }]
        );
    }

    #[test]
    fn a_target_other_than_zero_or_one_is_refused_with_the_applicant() {
        let table = FeatureTable {
            ids: vec![100_001],
            names: vec!["x".into()],
            values: vec![1.0],
            target: vec![Some(2.0)],
        };
        let err = from_table(&table, &[]).unwrap_err().to_string();
        assert!(err.contains("100001"), "{err}");
    }
}
