//! Training: labelled applicants → cross-validation → calibration → cost threshold → final
//! model → artefact.
//!
//! Class imbalance (about 8% defaulters) is handled explicitly at every step that depends on
//! it: folds are stratified so every fold has the same default rate; early stopping watches
//! the validation AUC, which does not reward predicting "no default" for everyone; defaulters
//! can be given a larger training weight (`model.defaulter_weight`); the probability is
//! calibrated on the real (unweighted) out-of-fold outcomes; and the threshold weighs a
//! missed default against a refused good customer with the configured costs rather than
//! cutting at 0.5.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use duckdb::Connection;
use forust_ml::gradientbooster::GrowPolicy;
use forust_ml::metric::Metric;
use forust_ml::objective::ObjectiveType;
use forust_ml::sampler::SampleMethod;
use forust_ml::{GradientBooster, Matrix};

use crate::config::{Config, ModelSettings};
use crate::features::{self, CategoryLevels, FeatureTable, Selection};
use crate::report::Reporter;

use super::artefact::{self, Artefact, SourceFile};
use super::calibration;
use super::cv::{self, CrossValidation};
use super::data::{self, TrainingData};
use super::ensemble;
use super::importance;
use super::metrics::{self, Metrics};
use super::threshold;
use super::{ModelError, TrainOutcome};

/// The library logs the validation AUC every this many rounds.
pub const LOG_EVERY: usize = 50;

/// Everything training reads besides the configuration.
pub struct TrainingInput<'a> {
    pub table: &'a FeatureTable,
    pub encodings: CategoryLevels,
    /// Rows of `ingest_files`: the data the model was trained on.
    pub provenance: Vec<SourceFile>,
    /// Version of the DuckDB library that built the features.
    pub duckdb_version: String,
    /// The glossary entry of each of the table's columns, in the table's order (for excluded
    /// variables and importance by variable and source).
    pub catalog: explainers::FeatureCatalog,
}

/// Trains on the labelled applicants of the database and writes `models/<version>/`.
pub fn train(
    conn: &Connection,
    config: &Config,
    models_dir: &Path,
    reporter: &Reporter,
) -> Result<TrainOutcome, ModelError> {
    let table = features::load(conn, Selection::Train)?;
    let input = TrainingInput {
        table: &table,
        encodings: features::category_levels(conn)?,
        provenance: read_provenance(conn)?,
        duckdb_version: duckdb_version(conn)?,
        catalog: features::catalog(conn, &table.names)?,
    };
    train_on(&input, config, models_dir, reporter)
}

/// Trains on a feature table already in memory (the database-free core of [`train`]).
pub fn train_on(
    input: &TrainingInput<'_>,
    config: &Config,
    models_dir: &Path,
    reporter: &Reporter,
) -> Result<TrainOutcome, ModelError> {
    let started = Instant::now();
    let settings = &config.model;
    let excluded = excluded_columns(input, &settings.excluded_variables);
    let (data, dropped) = data::from_table(input.table, &excluded)?;
    if data.rows == 0 {
        return Err(ModelError::NoLabelledData);
    }
    report_columns(reporter, &data, &dropped);
    let weight = settings.defaulter_weight;

    let cv = cv::cross_validate(&data, settings, weight, reporter)?;
    let calibration = calibration::fit(&cv.oof_raw, &data.labels)?;
    let oof_p: Vec<f64> = cv
        .oof_raw
        .iter()
        .map(|&r| calibration.probability(r))
        .collect();
    let decision = threshold::choose(&data.labels, &oof_p, &config.costs);
    let final_rounds = cv.final_rounds();
    let mut metrics = summarise(&data, &cv, &oof_p, &decision, final_rounds)?;
    metrics.importance = Some(held_out_importance(input, config, &cv, &data, reporter)?);

    reporter.info(format!(
        "Training the final model on all {} applicants, {final_rounds} rounds",
        data.rows
    ));
    let booster = fit_final(&data, settings, weight, final_rounds)?;
    let ensemble = ensemble::from_booster(&booster, &data)?;
    ensemble::check_matches(&booster, &ensemble, &data)?;

    let artefact = Artefact {
        config: config.clone(),
        features: data.names.clone(),
        dropped,
        encodings: input.encodings.clone(),
        provenance: input.provenance.clone(),
        duckdb_version: input.duckdb_version.clone(),
        booster,
        ensemble,
        calibration,
        decision,
        metrics,
    };
    let (version, dir) = artefact::write(&artefact, models_dir)?;
    artefact.metrics.report(reporter);
    reporter.info(format!(
        "Model {version} written to {} (training took {:.1} s)",
        dir.display(),
        started.elapsed().as_secs_f64()
    ));
    tracing::info!(version = %version, elapsed_secs = started.elapsed().as_secs_f64(), "model trained");
    Ok(TrainOutcome {
        version,
        dir,
        metrics: artefact.metrics,
    })
}

/// Importance of the folds' models on their validation rows (see [`importance`]).
fn held_out_importance(
    input: &TrainingInput<'_>,
    config: &Config,
    cv: &CrossValidation,
    data: &TrainingData,
    reporter: &Reporter,
) -> Result<importance::HeldOutImportance, ModelError> {
    let started = Instant::now();
    // The catalog follows the table's columns; training kept a subset of them, in order.
    let by_name: HashMap<&str, &explainers::FeatureInfo> = input
        .catalog
        .features
        .iter()
        .map(|f| (f.name.as_str(), f))
        .collect();
    let catalog = explainers::FeatureCatalog {
        features: data
            .names
            .iter()
            .map(|name| {
                by_name.get(name.as_str()).map_or_else(
                    || explainers::FeatureInfo::plain(name),
                    |info| (*info).clone(),
                )
            })
            .collect(),
    };
    let repetitions = config.explain.permutation_repeats;
    let found = importance::held_out(
        &cv.fold_models,
        data,
        &catalog,
        repetitions,
        config.model.seed,
    )?;
    reporter.info(format!(
        "Importance on the validation folds ({repetitions} shuffles per fold) took {:.1} s; \
         shuffling hurts the AUC most for: {}",
        started.elapsed().as_secs_f64(),
        found
            .permutation_by_source
            .iter()
            .take(3)
            .map(|i| format!("{} (-{:.3})", i.label, i.mean))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(found)
}

/// The table's columns built from an excluded variable: one-hot columns through the
/// glossary's variable, and a column named like the variable itself.
fn excluded_columns(input: &TrainingInput<'_>, variables: &[String]) -> Vec<String> {
    input
        .catalog
        .features
        .iter()
        .filter(|f| variables.contains(&f.name) || variables.contains(&f.variable))
        .map(|f| f.name.clone())
        .collect()
}

fn report_columns(reporter: &Reporter, data: &TrainingData, dropped: &data::DroppedColumns) {
    reporter.info(format!(
        "Training on {} labelled applicants ({} defaults), {} features",
        data.rows,
        data.defaults(),
        data.cols()
    ));
    if !dropped.excluded.is_empty() {
        reporter.info(format!(
            "Left out {} columns of excluded variables: {}",
            dropped.excluded.len(),
            dropped.excluded.join(", ")
        ));
    }
    if !dropped.constant.is_empty() {
        reporter.info(format!(
            "Dropped {} constant columns: {}",
            dropped.constant.len(),
            dropped.constant.join(", ")
        ));
    }
    if !dropped.duplicate.is_empty() {
        let pairs: Vec<String> = dropped
            .duplicate
            .iter()
            .map(|d| format!("{} (= {})", d.column, d.same_as))
            .collect();
        reporter.info(format!(
            "Dropped {} duplicate columns: {}",
            pairs.len(),
            pairs.join(", ")
        ));
    }
}

fn summarise(
    data: &TrainingData,
    cv: &CrossValidation,
    oof_p: &[f64],
    decision: &threshold::DecisionRule,
    final_rounds: usize,
) -> Result<Metrics, ModelError> {
    let at_threshold = threshold::chosen_point(decision)
        .cloned()
        .ok_or(ModelError::NoLabelledData)?;
    Ok(Metrics {
        applicants: data.rows,
        defaults: data.defaults(),
        features: data.cols(),
        folds: cv.folds.clone(),
        final_rounds,
        out_of_fold: metrics::probability_metrics(&data.labels, oof_p),
        at_threshold,
        calibration_deciles: metrics::calibration_deciles(&data.labels, oof_p),
        importance: None,
    })
}

/// Sample weights: `defaulter_weight` for defaulters, 1 for the others.
pub fn class_weights(labels: &[f64], defaulter_weight: f64) -> Vec<f64> {
    labels
        .iter()
        .map(|&y| if y > 0.5 { defaulter_weight } else { 1.0 })
        .collect()
}

/// A booster with our settings: log-loss objective, depth-wise growth, missing values
/// routed by the library's learned default direction, AUC as the evaluation metric.
pub fn booster(settings: &ModelSettings, rounds: usize, early_stopping: bool) -> GradientBooster {
    let sample_method = if settings.subsample < 1.0 {
        SampleMethod::Random
    } else {
        SampleMethod::None
    };
    let mut booster = GradientBooster::default()
        .set_objective_type(ObjectiveType::LogLoss)
        .set_iterations(rounds)
        .set_learning_rate(settings.learning_rate)
        .set_max_depth(settings.max_depth)
        .set_max_leaves(usize::MAX)
        .set_l2(settings.l2)
        .set_min_leaf_weight(settings.min_leaf_weight)
        .set_nbins(settings.nbins)
        .set_subsample(settings.subsample)
        .set_sample_method(sample_method)
        .set_colsample_bytree(settings.colsample_bytree)
        .set_seed(settings.seed)
        .set_parallel(settings.threads > 1)
        .set_num_threads(Some(settings.threads))
        .set_initialize_base_score(true)
        .set_create_missing_branch(false)
        .set_evaluation_metric(Some(Metric::AUC))
        .set_early_stopping_rounds(early_stopping.then_some(settings.early_stopping_rounds));
    booster.grow_policy = GrowPolicy::DepthWise;
    booster.log_iterations = if early_stopping { LOG_EVERY } else { 0 };
    booster
}

fn fit_final(
    data: &TrainingData,
    settings: &ModelSettings,
    defaulter_weight: f64,
    rounds: usize,
) -> Result<GradientBooster, ModelError> {
    let mut booster = booster(settings, rounds, false);
    let weights = class_weights(&data.labels, defaulter_weight);
    let matrix = Matrix::new(&data.columns, data.rows, data.cols());
    booster
        .fit(&matrix, &data.labels, &weights, None)
        .map_err(|e| ModelError::Library(e.to_string()))?;
    Ok(booster)
}

/// The `ingest_files` rows, by file name; empty when the table does not exist.
pub fn read_provenance(conn: &Connection) -> Result<Vec<SourceFile>, ModelError> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ingest_files'",
        [],
        |row| row.get::<_, i64>(0),
    )?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT file_name, sha256 FROM ingest_files ORDER BY file_name")?;
    let rows = stmt
        .query_map([], |row| {
            Ok(SourceFile {
                file_name: row.get(0)?,
                sha256: row.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The DuckDB library version, e.g. `v1.2.0`.
pub fn duckdb_version(conn: &Connection) -> Result<String, ModelError> {
    let version = conn.query_row("SELECT library_version FROM pragma_version()", [], |row| {
        row.get::<_, String>(0)
    })?;
    Ok(version)
}
