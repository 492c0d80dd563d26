//! Applicant features computed in SQL inside DuckDB.
//!
//! [`build`] turns the raw Kaggle tables into one row of numeric features per applicant,
//! adapting the feature groups of the public "LightGBM with simple features" kernel: the
//! application itself, the credit bureau, previous applications, cash and point-of-sale loans,
//! instalment payments and credit cards. Each group runs as its own SQL step into a temporary
//! table; one final join produces the `features` table, with exactly one row per applicant of
//! `application_train` and `application_test`.
//!
//! Categories are learned from the training applicants only (and stored in `category_levels`),
//! or given by a model, so that every database built with the same levels has the same columns.
//! A missing category value is its own category, `(missing)`, when training rows have missing
//! values for that variable; a value never seen in training sets none of the variable's columns.
//!
//! Every feature column gets a plain-language entry in `feature_catalog`, composed from the
//! shipped glossary (`data/glossary.csv`) and the way the feature is computed.

mod catalog;
mod defs;
mod encoding;
mod groups;
mod load;

use std::time::Instant;

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::report::Reporter;

pub use catalog::catalog;
pub use load::{FeatureTable, Selection, load};

/// The category text that stands for a missing value in `category_levels`.
pub const MISSING_CATEGORY: &str = "(missing)";

/// An error while building or reading features.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error("Database error while building or reading features: {0}")]
    Database(#[from] duckdb::Error),
    #[error("Table `{table}` is missing from the database; run `pret-a-score ingest` first")]
    MissingTable { table: String },
    #[error(
        "Applicant SK_ID_CURR `{id}` appears more than once across application_train and \
         application_test; every applicant must appear exactly once, so remove the duplicate \
         row and ingest again"
    )]
    DuplicateApplicant { id: i64 },
    #[error(
        "The glossary has no entry for column `{variable}` of `{table}`; add a row to \
         data/glossary.csv"
    )]
    GlossaryEntry { table: String, variable: String },
    #[error("data/glossary.csv, line {line}: {message}")]
    GlossaryFormat { line: u64, message: String },
    #[error(
        "Category level `{column_name}` of `{variable}` cannot be used: {reason}; rebuild the \
         features with levels learned from the training data or retrain the model"
    )]
    BadLevel {
        variable: String,
        column_name: String,
        reason: String,
    },
    #[error(
        "Feature step `{table}` produced columns that differ from its definitions; this is a \
         bug in the features module"
    )]
    ColumnMismatch { table: String },
    #[error("Feature column `{name}` would be produced twice; category names clash")]
    DuplicateColumn { name: String },
    #[error("No applicant with SK_ID_CURR {ids:?} in the features table")]
    UnknownApplicants { ids: Vec<i64> },
    #[error(
        "Feature `{name}` is not among this database's features: the model was trained on \
         other data. Train a model on this database (`pret-a-score train`), or choose the \
         model trained on it with --model or --models-dir"
    )]
    UnknownFeature { name: String },
}

/// One learned category of a categorical variable and the column it becomes.
///
/// `variable` is qualified by its source, `table.COLUMN` (for example
/// `previous_application.NAME_CONTRACT_STATUS`), because the same column name appears in
/// several tables; the application's own columns use `application.COLUMN`.
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

/// Builds the `applicants`, `features`, `category_levels` and `feature_catalog` tables,
/// replacing them if they exist. Everything happens in one transaction (the caller's, if one is
/// open): on error the previous tables are left as they were.
pub fn build(
    conn: &Connection,
    encodings: Encodings<'_>,
    reporter: &Reporter,
) -> Result<FeatureSummary, FeatureError> {
    let started = Instant::now();
    groups::check_raw_tables(conn)?;
    let glossary = catalog::Glossary::shipped()?;

    // Our own transaction, unless the caller already runs one (whose commit then decides).
    let tx = if conn.is_autocommit() {
        Some(conn.unchecked_transaction()?)
    } else {
        None
    };
    let applicants = groups::create_applicants(conn)?;
    let levels = match encodings {
        Encodings::LearnFromTraining => encoding::learn(conn)?,
        Encodings::Given(levels) => encoding::validated(levels)?,
    };
    encoding::store(conn, &levels)?;

    let defs = groups::run_all(conn, &levels, reporter)?;
    let entries = catalog::compose(&defs, &glossary)?;
    catalog::store(conn, &entries)?;
    groups::drop_temporary(conn)?;
    if let Some(tx) = tx {
        tx.commit()?;
    }

    reporter.info(format!(
        "features: {applicants} applicants x {} features built in {:.1} s",
        defs.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(FeatureSummary {
        applicants,
        features: defs.len(),
    })
}

/// The category levels stored in a database by the last [`build`], in column order.
pub fn category_levels(conn: &Connection) -> Result<CategoryLevels, FeatureError> {
    encoding::read(conn)
}
