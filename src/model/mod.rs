//! The default-risk model: training with cross-validation, calibration, a cost-based
//! decision threshold and a points scale; the model artefact; scoring; tree export.
//!
//! # Training (`pret-a-score train`)
//!
//! 1. The labelled applicants (those with a TARGET) are read from the `features` table;
//!    constant columns and exact duplicates of an earlier column are dropped and recorded.
//! 2. Stratified k-fold cross-validation (`model.folds`, seeded by `model.seed`) trains one
//!    gradient-boosted model per fold (forust-ml, depth-wise trees, log-loss), with early
//!    stopping on the validation fold's AUC; every applicant gets an out-of-fold raw score.
//! 3. Platt scaling fitted on the out-of-fold scores turns a raw score into a calibrated
//!    probability of default (see [`calibration`] for why Platt and not isotonic).
//! 4. The threshold minimises `missed_default × missed defaults + refused_good × refused
//!    good customers` on the out-of-fold probabilities ([`threshold`]); the whole cost curve
//!    is kept.
//! 5. The final model is fitted on all labelled applicants with the number of rounds that
//!    gives the best mean validation AUC over the folds, converted to an [`explainers::TreeEnsemble`] and checked to give the
//!    library's raw score to 1e-9 on every training row.
//! 6. Everything is written to `models/<version>/` ([`artefact`]), the version being a
//!    content hash, and `models/latest` points to it. Metrics are printed as a table and
//!    saved as `metrics.json`.
//!
//! Class imbalance is handled explicitly: stratified folds, AUC for early stopping, an
//! optional training weight for defaulters (`model.defaulter_weight`), calibration on the
//! real outcomes, and a threshold set by costs rather than at 0.5.
//!
//! # Output for a person
//!
//! Besides the probability of default, each applicant gets points (300–850, higher is
//! safer; see [`points`]) and a decision: refused when the probability is at or above the
//! threshold, granted otherwise.
//!
//! # Tree export format (`pret-a-score export-trees --out FILE.json`)
//!
//! A JSON object:
//!
//! ```text
//! {
//!   "format": "pret-a-score-trees/1",
//!   "model_version": "3f9c0a1b2c4d",
//!   "prediction": "<the rule below, in words>",
//!   "base_score": -2.43,                      // log-odds every prediction starts from
//!   "calibration": { "method": "platt", "slope": 1.02, "intercept": 0.01 },
//!   "threshold": 0.094,                       // refuse when probability >= threshold
//!   "features": [ { "index": 0, "name": "EXT_SOURCE_MEAN" }, ... ],
//!   "trees": [
//!     { "tree": 0, "nodes": [
//!         { "kind": "split", "id": 0, "feature": "EXT_SOURCE_MEAN", "feature_index": 0,
//!           "threshold": 0.52, "left": 1, "right": 2, "missing": "left",
//!           "cover": 401.2, "samples": 7407 },
//!         { "kind": "leaf", "id": 1, "value": 0.021, "cover": 190.3, "samples": 3500 },
//!         ...
//!     ] },
//!     ...
//!   ]
//! }
//! ```
//!
//! - Nodes are listed by `id`; node 0 is the root; `left`/`right` are ids in the same tree.
//! - At a split, a present value `v` of `feature` goes to `left` when `v < threshold` and to
//!   `right` otherwise; a missing value goes to the side named by `missing`.
//! - `value` (leaves only) is the leaf's contribution in log-odds, learning rate included.
//! - `cover` is the sum of the hessians of the (weighted) training rows reaching the node;
//!   `samples` is the number of final-model training applicants reaching it.
//! - raw score = `base_score` + the sum over trees of the `value` of the leaf reached;
//!   probability of default = `1 / (1 + exp(-(slope × raw + intercept)))`.

pub mod artefact;
pub mod calibration;
pub mod cv;
pub mod data;
pub mod ensemble;
pub mod export;
pub mod importance;
pub mod metrics;
pub mod points;
pub mod predict;
mod progress;
pub mod score;
pub mod threshold;
pub mod train;

use std::path::PathBuf;

pub use artefact::Model;
pub use export::export_trees;
pub use metrics::Metrics;
pub use predict::{Decision, Prediction};
pub use score::{ScoreOptions, ScoreSummary, score};
pub use train::{TrainingInput, train, train_on};

/// What a training run produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model version (a short content hash).
    pub version: String,
    /// `models/<version>/`.
    pub dir: PathBuf,
    pub metrics: Metrics,
}

/// An error while training, loading or applying a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Features(#[from] crate::features::FeatureError),
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    #[error(
        "The new applicants in `{}` cannot be scored; nothing was written. {count} problem(s) \
         to fix, then run score again:{problems}",
        dir.display()
    )]
    NewApplicantData {
        dir: PathBuf,
        count: usize,
        /// One problem per line, each starting with a newline.
        problems: String,
    },
    #[error("Database error: {0}")]
    Database(#[from] duckdb::Error),
    #[error(
        "There are no labelled applicants (with a TARGET) to train on; ingest a folder with \
         application_train.csv first"
    )]
    NoLabelledData,
    #[error(
        "Applicant SK_ID_CURR `{id}` has TARGET `{value}`; TARGET must be 0 (repaid) or 1 \
         (payment difficulties)"
    )]
    BadTarget { id: i64, value: f64 },
    #[error(
        "Cannot make {folds} folds with {defaults} defaulters and {repaid} other applicants; \
         each fold needs at least one of each: lower `model.folds` or add labelled data"
    )]
    TooFewForFolds {
        folds: usize,
        defaults: usize,
        repaid: usize,
    },
    #[error("The tree library failed: {0}")]
    Library(String),
    #[error("Calibration failed: {0}")]
    Calibration(String),
    #[error("The exported tree ensemble is inconsistent: {0}")]
    Ensemble(String),
    #[error("Measuring the features' importance failed: {0}")]
    Importance(String),
    #[error("No model at `{path}`: {hint}")]
    NoModel { path: PathBuf, hint: String },
    #[error("The model file `{path}` cannot be used: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("Cannot write `{file}`: {message}")]
    Serialize { file: String, message: String },
    #[error("Cannot read or write `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot write the CSV file `{path}`: {message}")]
    Csv { path: PathBuf, message: String },
    #[error(
        "The database `{path}` does not exist: run `pret-a-score ingest --data-dir DIR` first, \
         or pass --data-dir to score a folder of new applicants"
    )]
    NoDatabase { path: PathBuf },
}
