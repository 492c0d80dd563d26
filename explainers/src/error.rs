//! The crate's single error type.

use thiserror::Error;

/// Everything that can go wrong while validating inputs or computing an explanation.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ExplainError {
    /// A tree in the ensemble is malformed (bad child index, cycle, unknown feature...).
    #[error("Tree `{tree}`, node `{node}` is invalid: {reason}")]
    InvalidTree {
        tree: usize,
        node: usize,
        reason: String,
    },

    /// The ensemble as a whole is malformed (for example a non-finite base score).
    #[error("The ensemble is invalid: {0}")]
    InvalidEnsemble(String),

    /// A customer's row does not have one value per feature.
    #[error("The row has `{found}` values but the model expects `{expected}`")]
    RowLength { expected: usize, found: usize },

    /// Two inputs that must line up do not (labels vs rows, catalog vs features...).
    #[error("`{what}` has length `{found}` where `{expected}` was expected")]
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },

    /// The registry was asked for an explainer it does not know.
    #[error("Unknown explainer `{name}`; known explainers are: {known}")]
    UnknownExplainer { name: String, known: String },

    /// A known explainer cannot run with the data at hand (e.g. no cohort index was built).
    #[error("Explainer `{explainer}` is unavailable: {reason}")]
    Unavailable {
        explainer: &'static str,
        reason: String,
    },

    /// Too few reference rows for an aggregate that must protect individuals.
    #[error("At least `{needed}` rows are needed, but only `{found}` are available")]
    NotEnoughRows { needed: usize, found: usize },

    /// AUC needs both classes and finite scores.
    #[error("Cannot compute the AUC: {0}")]
    Auc(String),

    /// Any other argument outside its domain (index out of range, zero repetitions...).
    #[error("Invalid argument: {0}")]
    InvalidArgument(String),
}
