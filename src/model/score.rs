//! `pret-a-score score`: probability, points and decision for applicants, written to a CSV
//! file and to the `scores` table of the database.
//!
//! Without a data folder, every applicant of the database is scored. With a Kaggle-format
//! folder of new applicants (`application_test.csv` and whatever history files there are),
//! the folder is ingested into a temporary database, its features are built with the
//! model's stored category encodings, and the columns are matched to the model's features by
//! name; nothing is re-trained.

use std::fs;
use std::path::{Path, PathBuf};

use duckdb::{Connection, params};

use crate::features::{self, Encodings, FeatureTable, Selection};
use crate::ingest::{self, IngestMode, IngestOptions};
use crate::report::Reporter;

use super::artefact::io_error;
use super::{Model, ModelError, Prediction};

/// What to score and where to write.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// The database whose applicants are scored (without `data_dir`) and that receives the
    /// `scores` table.
    pub db: PathBuf,
    /// A Kaggle-format folder of new applicants to score instead.
    pub data_dir: Option<PathBuf>,
    /// The CSV file to write.
    pub out: PathBuf,
}

/// What a scoring run did.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSummary {
    pub applicants: usize,
    pub refused: usize,
    pub model_version: String,
    pub out: PathBuf,
}

/// Scores the applicants and writes the CSV file and the `scores` rows.
pub fn score(
    model: &Model,
    options: &ScoreOptions,
    reporter: &Reporter,
) -> Result<ScoreSummary, ModelError> {
    let table = match &options.data_dir {
        Some(dir) => new_applicants(model, dir, reporter)?,
        None => {
            let conn = open_existing(&options.db)?;
            features::load(&conn, Selection::All)?
        }
    };
    let absent = model.absent_features(&table);
    if !absent.is_empty() {
        reporter.warn(format!(
            "{} of the model's {} features are not in the data and count as missing: {}",
            absent.len(),
            model.feature_names().len(),
            absent.join(", ")
        ));
    }
    let predictions = model.predict(&table);
    write_csv(&options.out, model.version(), &table.ids, &predictions)?;
    let conn = crate::db::open(&options.db)?;
    store(&conn, model.version(), &table.ids, &predictions)?;

    let refused = predictions
        .iter()
        .filter(|p| p.decision == super::Decision::Refused)
        .count();
    reporter.info(format!(
        "Scored {} applicants with model {} ({refused} refused); wrote {} and table `scores`",
        table.ids.len(),
        model.version(),
        options.out.display()
    ));
    Ok(ScoreSummary {
        applicants: table.ids.len(),
        refused,
        model_version: model.version().to_owned(),
        out: options.out.clone(),
    })
}

fn open_existing(db: &Path) -> Result<Connection, ModelError> {
    if !db.is_file() {
        return Err(ModelError::NoDatabase {
            path: db.to_owned(),
        });
    }
    Ok(crate::db::open(db)?)
}

/// Ingests a folder of new applicants into a temporary database and builds their features
/// with the model's encodings.
fn new_applicants(
    model: &Model,
    data_dir: &Path,
    reporter: &Reporter,
) -> Result<FeatureTable, ModelError> {
    let tmp = tempfile::tempdir().map_err(io_error(data_dir))?;
    let options = IngestOptions {
        data_dir: data_dir.to_owned(),
        db: tmp.path().join("new-applicants.duckdb"),
        mode: IngestMode::NewApplicants,
    };
    ingest::run(&options, reporter).map_err(|err| {
        let problems = err.problems();
        if problems.is_empty() {
            return ModelError::Ingest(err);
        }
        ModelError::NewApplicantData {
            dir: data_dir.to_owned(),
            count: problems.len(),
            problems: problems.iter().map(|p| format!("\n  - {p}")).collect(),
        }
    })?;
    let conn = crate::db::open(&options.db)?;
    features::build(&conn, Encodings::Given(model.encodings()), reporter)?;
    Ok(features::load(&conn, Selection::All)?)
}

/// Writes the CSV through a temporary file beside it, so a failure leaves no half file.
fn write_csv(
    out: &Path,
    version: &str,
    ids: &[i64],
    predictions: &[Prediction],
) -> Result<(), ModelError> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let tmp = out.with_extension("csv.partial");
    let csv_error = |e: csv::Error| ModelError::Csv {
        path: out.to_owned(),
        message: e.to_string(),
    };
    let mut writer = csv::Writer::from_path(&tmp).map_err(csv_error)?;
    writer
        .write_record([
            "SK_ID_CURR",
            "probability",
            "points",
            "decision",
            "model_version",
        ])
        .map_err(csv_error)?;
    for (id, p) in ids.iter().zip(predictions) {
        writer
            .write_record([
                id.to_string(),
                format!("{:.6}", p.probability),
                format!("{:.0}", p.points),
                p.decision.as_str().to_owned(),
                version.to_owned(),
            ])
            .map_err(csv_error)?;
    }
    writer.flush().map_err(io_error(&tmp))?;
    drop(writer);
    fs::rename(&tmp, out).map_err(io_error(out))
}

/// Replaces this model's earlier scores of the same applicants and adds the new ones, in one
/// transaction.
fn store(
    conn: &Connection,
    version: &str,
    ids: &[i64],
    predictions: &[Prediction],
) -> Result<(), ModelError> {
    let tx = conn.unchecked_transaction()?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS scores (SK_ID_CURR BIGINT, probability DOUBLE, \
         points DOUBLE, decision VARCHAR, model_version VARCHAR, scored_at TIMESTAMP); \
         DROP TABLE IF EXISTS scores_incoming; \
         CREATE TABLE scores_incoming (SK_ID_CURR BIGINT, probability DOUBLE, points DOUBLE, \
         decision VARCHAR);",
    )?;
    {
        let mut appender = conn.appender("scores_incoming")?;
        for (id, p) in ids.iter().zip(predictions) {
            appender.append_row(params![
                id,
                p.probability,
                p.points.round(),
                p.decision.as_str()
            ])?;
        }
        appender.flush()?;
    }
    conn.execute(
        "DELETE FROM scores WHERE model_version = ? \
         AND SK_ID_CURR IN (SELECT SK_ID_CURR FROM scores_incoming)",
        params![version],
    )?;
    conn.execute(
        "INSERT INTO scores SELECT SK_ID_CURR, probability, points, decision, ?, \
         CAST(current_timestamp AS TIMESTAMP) FROM scores_incoming",
        params![version],
    )?;
    conn.execute_batch("DROP TABLE scores_incoming")?;
    tx.commit()?;
    Ok(())
}
