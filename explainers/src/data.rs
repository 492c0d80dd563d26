//! Input data shared by the explainers: a dense feature matrix and the feature catalog that
//! gives each model column a plain-language name, its source variable and its group.

use serde::{Deserialize, Serialize};

use crate::ExplainError;

/// A dense, row-major matrix of feature values; `NaN` marks a missing value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatrix {
    /// Column names, in the ensemble's feature order.
    pub names: Vec<String>,
    /// Number of rows.
    pub rows: usize,
    /// `rows * names.len()` values, row after row.
    pub values: Vec<f64>,
}

impl FeatureMatrix {
    /// Builds a matrix, checking that `values` holds a whole number of rows.
    pub fn new(names: Vec<String>, values: Vec<f64>) -> Result<Self, ExplainError> {
        let width = names.len();
        if width == 0 {
            return Err(ExplainError::InvalidArgument(
                "a feature matrix needs at least one column".into(),
            ));
        }
        if !values.len().is_multiple_of(width) {
            return Err(ExplainError::LengthMismatch {
                what: "feature matrix values",
                expected: values.len().div_ceil(width) * width,
                found: values.len(),
            });
        }
        let rows = values.len() / width;
        Ok(Self {
            names,
            rows,
            values,
        })
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// The values of row `i`. Panics when `i >= rows`, like slice indexing.
    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.width();
        &self.values[i * w..(i + 1) * w]
    }

    /// Value at row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.width() + j]
    }

    /// Checks the internal consistency of a matrix that was built field by field.
    pub fn check(&self) -> Result<(), ExplainError> {
        let expected = self.rows * self.width();
        if self.values.len() != expected {
            return Err(ExplainError::LengthMismatch {
                what: "feature matrix values",
                expected,
                found: self.values.len(),
            });
        }
        Ok(())
    }
}

/// What a person needs to know about one model column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// Column name in the model (e.g. `NAME_EDUCATION_TYPE_Higher_education`).
    pub name: String,
    /// Original variable the column comes from (e.g. `NAME_EDUCATION_TYPE`).
    pub variable: String,
    /// Plain-language name of the variable (e.g. "Education").
    pub variable_label: String,
    /// Source group ("Application", "Credit bureau", ...).
    pub group: String,
    /// Plain-language name of the column (e.g. "External credit score 2").
    pub label: String,
    /// One-sentence description.
    pub description: String,
    /// The category the column stands for: of a one-hot column (e.g. "Higher education"), or
    /// of a share of history rows (e.g. "Refused" in a share of previous applications).
    pub category: Option<String>,
    /// What the values are, for wording them.
    #[serde(default)]
    pub kind: ValueKind,
    /// Optional hint such as "riskier" or "safer" for higher values.
    pub higher_is: Option<String>,
}

impl FeatureInfo {
    /// A bare description where every name is the column name itself (group "Other").
    pub fn plain(name: &str) -> Self {
        Self {
            name: name.to_string(),
            variable: name.to_string(),
            variable_label: name.to_string(),
            group: "Other".to_string(),
            label: name.to_string(),
            description: String::new(),
            category: None,
            kind: ValueKind::Number,
            higher_is: None,
        }
    }
}

/// What a column's values mean, which decides how a reason words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A quantity, worded with its unit.
    #[default]
    Number,
    /// 1 when the customer is in the column's `category`, 0 otherwise; the columns of one
    /// variable are worded together as that variable's category.
    OneHot,
    /// A yes/no answer: 1 yes, 0 no.
    YesNo,
    /// A proportion from 0 to 1, worded as a percentage.
    Share,
}

/// Descriptions of all model columns, in the ensemble's feature order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FeatureCatalog {
    pub features: Vec<FeatureInfo>,
}

impl FeatureCatalog {
    /// A catalog with [`FeatureInfo::plain`] entries, for when no glossary is available.
    pub fn plain(names: &[String]) -> Self {
        Self {
            features: names.iter().map(|n| FeatureInfo::plain(n)).collect(),
        }
    }

    /// Checks that the catalog describes exactly `names`, in order.
    pub fn check_matches(&self, names: &[String]) -> Result<(), ExplainError> {
        if self.features.len() != names.len() {
            return Err(ExplainError::LengthMismatch {
                what: "feature catalog",
                expected: names.len(),
                found: self.features.len(),
            });
        }
        let mismatch = self
            .features
            .iter()
            .zip(names)
            .position(|(f, n)| &f.name != n);
        match mismatch {
            Some(i) => Err(ExplainError::InvalidArgument(format!(
                "catalog entry {i} is `{}` but the model's feature is `{}`",
                self.features[i].name, names[i]
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rows_are_slices_of_the_values() {
        let m = FeatureMatrix::new(vec!["a".into(), "b".into()], vec![1.0, 2.0, 3.0, 4.0])
            .expect("valid matrix");
        assert_eq!(m.rows, 2);
        assert_eq!(m.row(1), &[3.0, 4.0]);
        assert_eq!(m.get(0, 1), 2.0);
    }

    #[test]
    fn matrix_rejects_a_partial_row() {
        let err = FeatureMatrix::new(vec!["a".into(), "b".into()], vec![1.0, 2.0, 3.0]);
        assert!(matches!(err, Err(ExplainError::LengthMismatch { .. })));
    }

    #[test]
    fn catalog_must_follow_the_feature_order() {
        let names = vec!["a".to_string(), "b".to_string()];
        let mut catalog = FeatureCatalog::plain(&names);
        assert!(catalog.check_matches(&names).is_ok());
        catalog.features.swap(0, 1);
        assert!(catalog.check_matches(&names).is_err());
    }
}
