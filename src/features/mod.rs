//! Applicant features computed in SQL inside DuckDB (owned by the features work; placeholder
//! signatures only until it lands).

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::report::Reporter;

/// An error while building or reading features.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error("Database error while building features: {0}")]
    Database(#[from] duckdb::Error),
}

/// One learned category of a categorical variable and the one-hot column it becomes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategoryLevel {
    pub variable: String,
    pub category: String,
    pub column_name: String,
}

/// Categories learned from the training applicants, stored with the database and the model.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CategoryLevels {
    pub levels: Vec<CategoryLevel>,
}

/// Where the category encodings come from.
pub enum Encodings<'a> {
    /// Learn them from the training applicants in this database.
    LearnFromTraining,
    /// Use encodings stored with a model, so new applicants get the model's columns.
    Given(&'a CategoryLevels),
}

/// What a feature build produced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeatureSummary {
    pub applicants: u64,
    pub features: usize,
}

/// Builds the `applicants`, `features`, `category_levels` and `feature_catalog` tables.
pub fn build(
    _conn: &Connection,
    _encodings: Encodings<'_>,
    _reporter: &Reporter,
) -> Result<FeatureSummary, FeatureError> {
    Ok(FeatureSummary::default())
}
