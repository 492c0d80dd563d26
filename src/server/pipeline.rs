//! Building the server state from the pipeline's outputs: the DuckDB file (read-only) and a
//! trained model. Values reach SQL only as parameters.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use duckdb::Connection;
use serde_json::{Map, Value, json};

use super::ServerError;
use super::audit::AuditLog;
use super::auth::Keys;
use super::state::{
    AppState, CalibrationBin, Confusion, Contributions, CurvePoint, Customer, Decision, Engine,
    EngineError, Facets, GlossaryEntry, HeldOutRow, ModelReport, Population, Reason, RecordTable,
    Records, Score, ScoredApplication, SourceFile, StateParts,
};
use super::views;
use crate::config::Config;
use crate::features::{self, Encodings, Selection};
use crate::ingest::{self, IngestMode, IngestOptions};
use crate::model::{Decision as ModelDecision, Model, Prediction};
use crate::report::Reporter;

/// An error while loading the server's data from the database or the model.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("Cannot read {what} from the database: {source}")]
    Query {
        what: &'static str,
        source: duckdb::Error,
    },
    #[error("Applicant {id}'s record does not fit the columns read: {problem}")]
    Record { id: i64, problem: String },
}

fn query(what: &'static str) -> impl Fn(duckdb::Error) -> PipelineError {
    move |source| PipelineError::Query { what, source }
}

/// History tables whose presence the list can filter on.
pub const HISTORY_TABLES: [&str; 5] = [
    "bureau",
    "previous_application",
    "pos_cash_balance",
    "installments_payments",
    "credit_card_balance",
];

/// Tables present in the database.
pub fn tables(conn: &Connection) -> Result<Vec<String>, PipelineError> {
    let mut stmt = conn
        .prepare("SELECT table_name FROM information_schema.tables")
        .map_err(query("the table list"))?;
    let names = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(query("the table list"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(query("the table list"))?;
    Ok(names)
}

/// The raw application tables present (train, then test).
fn application_tables(conn: &Connection) -> Result<Vec<&'static str>, PipelineError> {
    let present = tables(conn)?;
    Ok(["application_train", "application_test"]
        .into_iter()
        .filter(|t| present.iter().any(|p| p == t))
        .collect())
}

/// The list's facets of every applicant, by SK_ID_CURR.
pub fn facets(conn: &Connection) -> Result<HashMap<i64, Facets>, PipelineError> {
    let present = tables(conn)?;
    let history: Vec<&str> = HISTORY_TABLES
        .into_iter()
        .filter(|t| present.iter().any(|p| p == t))
        .collect();
    let flags: String = history
        .iter()
        .map(|t| format!(", a.SK_ID_CURR IN (SELECT SK_ID_CURR FROM {t})"))
        .collect();
    let union = application_tables(conn)?
        .iter()
        .map(|t| {
            format!(
                "SELECT SK_ID_CURR, CODE_GENDER, DAYS_BIRTH, AMT_INCOME_TOTAL, AMT_CREDIT, \
                 NAME_CONTRACT_TYPE FROM {t}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    if union.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT a.SK_ID_CURR, a.CODE_GENDER, CAST(a.DAYS_BIRTH AS DOUBLE), \
         CAST(a.AMT_INCOME_TOTAL AS DOUBLE), CAST(a.AMT_CREDIT AS DOUBLE), \
         a.NAME_CONTRACT_TYPE{flags} FROM ({union}) AS a"
    );
    let mut stmt = conn
        .prepare(&sql)
        .map_err(query("the applicants' facets"))?;
    let rows = stmt
        .query_map([], |row| {
            let days: Option<f64> = row.get(2)?;
            let mut facets = Facets {
                gender: row.get(1)?,
                age_years: days.map(|d| (-d / 365.25).floor()),
                income: row.get(3)?,
                credit: row.get(4)?,
                contract_type: row.get(5)?,
                history: Vec::new(),
            };
            for (i, table) in history.iter().enumerate() {
                let has: Option<bool> = row.get(6 + i)?;
                facets
                    .history
                    .push(((*table).to_owned(), has.unwrap_or(false)));
            }
            Ok((row.get::<_, i64>(0)?, facets))
        })
        .map_err(query("the applicants' facets"))?
        .collect::<Result<HashMap<_, _>, _>>()
        .map_err(query("the applicants' facets"))?;
    Ok(rows)
}

/// The glossary of every feature column, from `feature_catalog`.
pub fn glossary(conn: &Connection) -> Result<HashMap<String, GlossaryEntry>, PipelineError> {
    let mut stmt = conn
        .prepare(
            "SELECT column_name, label, description, source_table, group_label, variable \
             FROM feature_catalog",
        )
        .map_err(query("the feature catalog"))?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                GlossaryEntry {
                    variable: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    label: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    description: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    source_table: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    group_label: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                },
            ))
        })
        .map_err(query("the feature catalog"))?
        .collect::<Result<HashMap<_, _>, _>>()
        .map_err(query("the feature catalog"))?;
    Ok(rows)
}

/// The ingested files, for the provenance table (empty when the table is absent).
pub fn provenance(conn: &Connection) -> Result<Vec<SourceFile>, PipelineError> {
    if !tables(conn)?.iter().any(|t| t == "ingest_files") {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(
            "SELECT file_name, CAST(rows AS BIGINT), sha256 FROM ingest_files ORDER BY file_name",
        )
        .map_err(query("the ingested files"))?;
    let rows = stmt
        .query_map([], |row| {
            Ok(SourceFile {
                file_name: row.get(0)?,
                rows: row.get::<_, i64>(1)?.max(0) as u64,
                sha256: row.get(2)?,
            })
        })
        .map_err(query("the ingested files"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(query("the ingested files"))?;
    Ok(rows)
}

/// The descriptive application columns of every applicant, read once.
pub fn application_records(conn: &Connection) -> Result<RecordTable, PipelineError> {
    let columns: Vec<&str> = views::descriptive_columns().collect();
    let mut table = RecordTable::new(columns.iter().map(|c| (*c).to_owned()).collect());
    let mut lookups: Vec<HashMap<String, u32>> = vec![HashMap::new(); columns.len()];
    let read = query("the applicants' records");
    for name in application_tables(conn)? {
        let sql = format!(
            "SELECT SK_ID_CURR, {} FROM {name}",
            columns
                .iter()
                .map(|c| format!("CAST({c} AS VARCHAR)"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut stmt = conn.prepare(&sql).map_err(&read)?;
        let mut rows = stmt.query([]).map_err(&read)?;
        while let Some(row) = rows.next().map_err(&read)? {
            let id: i64 = row.get(0).map_err(&read)?;
            let values = (1..=columns.len())
                .map(|i| row.get::<_, Option<String>>(i).map(typed))
                .collect::<Result<Vec<_>, _>>()
                .map_err(&read)?;
            table
                .push(id, values, &mut lookups)
                .map_err(|problem| PipelineError::Record { id, problem })?;
        }
    }
    Ok(table)
}

/// A cell read as text, back as a JSON number when it is one.
fn typed(text: Option<String>) -> Value {
    match text {
        None => Value::Null,
        Some(t) => match t.parse::<f64>() {
            Ok(n) => serde_json::Number::from_f64(n)
                .map(Value::Number)
                .unwrap_or(Value::String(t)),
            Err(_) => Value::String(t),
        },
    }
}

/// The trained model as the server's [`Engine`]: exact TreeSHAP contributions moved onto the
/// calibrated log-odds scale (so they add up to the probability shown), nearest neighbours
/// over the most important features, and new applications scored through the same ingest and
/// feature SQL as everyone else.
pub struct ModelEngine {
    model: Model,
    shap: explainers::TreeShap,
    /// The glossary entries of the model's features, and the values of customers who repaid:
    /// what the explainers' reasons are worded from.
    catalog: explainers::FeatureCatalog,
    reference: explainers::ReferenceStats,
    /// The similar-customer index built by [`crate::explain::similar_customers`], so the
    /// dashboard and `explain` agree on who is similar; `None` when the database holds too
    /// few customers for a cohort (the comparison then says so).
    cohort: Option<explainers::CohortIndex>,
    cohort_size: usize,
}

impl ModelEngine {
    fn to_score(&self, prediction: &Prediction) -> Score {
        Score {
            raw: prediction.raw,
            probability: prediction.probability,
            points: prediction.points,
            decision: match prediction.decision {
                ModelDecision::Granted => Decision::Grant,
                ModelDecision::Refused => Decision::Refuse,
            },
        }
    }

    fn explain_row(&self, row: &[f64]) -> Result<Contributions, EngineError> {
        let clean: Vec<f64> = row
            .iter()
            .map(|v| if v.is_finite() { *v } else { f64::NAN })
            .collect();
        let values = self
            .shap
            .shap_values(&clean)
            .map_err(|err| EngineError::Internal(format!("TreeSHAP: {err}")))?;
        let slope = self.model.calibration().slope;
        Ok(Contributions {
            base: self.model.calibration().logit(values.base_value),
            values: values.contributions.iter().map(|c| c * slope).collect(),
        })
    }

    fn application_row(&self, body: &Map<String, Value>) -> Result<Vec<f64>, EngineError> {
        let dir = tempfile::tempdir()
            .map_err(|err| EngineError::Internal(format!("temporary folder: {err}")))?;
        write_application_csvs(dir.path(), body)?;
        let options = IngestOptions {
            data_dir: dir.path().to_owned(),
            db: dir.path().join("application.duckdb"),
            mode: IngestMode::NewApplicants,
        };
        let quiet = Reporter::quiet();
        ingest::run(&options, &quiet).map_err(application_error)?;
        let conn = crate::db::open(&options.db).map_err(|err| {
            EngineError::Internal(format!("opening the temporary database: {err}"))
        })?;
        features::build(&conn, Encodings::Given(self.model.encodings()), &quiet)
            .map_err(|err| EngineError::Internal(format!("building features: {err}")))?;
        let table = features::load(&conn, Selection::All)
            .map_err(|err| EngineError::Internal(format!("loading features: {err}")))?;
        let row = self.model.align(&table);
        if row.len() != self.model.feature_names().len() {
            return Err(EngineError::BadApplication(
                "Send exactly one application.".to_owned(),
            ));
        }
        Ok(row)
    }
}

/// An ingest error on a posted application: problems with the posted values go back to the
/// caller, named by the part of the body and the field; anything else (disk, database) is
/// internal and never shown.
fn application_error(err: ingest::IngestError) -> EngineError {
    let problems = err.problems();
    if problems.is_empty() {
        return EngineError::Internal(format!("ingesting a posted application: {err}"));
    }
    let listed: Vec<String> = problems
        .iter()
        .map(|problem| {
            let part = body_key(&problem.file);
            let field = problem
                .column
                .as_deref()
                .map_or_else(String::new, |c| format!(", field `{c}`"));
            let value = problem
                .value
                .as_deref()
                .map_or_else(String::new, |v| format!(", value `{v}`"));
            format!("`{part}`{field}{value}: {}", problem.message)
        })
        .collect();
    EngineError::BadApplication(format!(
        "The application cannot be scored: {}",
        listed.join("; ")
    ))
}

/// The part of the posted body that became the Kaggle file `file`.
fn body_key(file: &str) -> &str {
    HISTORY_FILES
        .iter()
        .find(|(_, name)| *name == file)
        .map_or("application", |(key, _)| key)
}

/// The history parts of a posted application (keyed by their table's name) and the Kaggle
/// file each is written as.
pub(crate) const HISTORY_FILES: [(&str, &str); 6] = [
    ("bureau", "bureau.csv"),
    ("bureau_balance", "bureau_balance.csv"),
    ("previous_application", "previous_application.csv"),
    ("pos_cash_balance", "POS_CASH_balance.csv"),
    ("installments_payments", "installments_payments.csv"),
    ("credit_card_balance", "credit_card_balance.csv"),
];

/// Writes `application` as `application_test.csv` and each history array as its Kaggle file.
fn write_application_csvs(dir: &Path, body: &Map<String, Value>) -> Result<(), EngineError> {
    let mut application = body
        .get("application")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| EngineError::BadApplication("`application` must be an object.".into()))?;
    let id = application.entry("SK_ID_CURR").or_insert(json!(1)).clone();
    write_csv(
        &dir.join("application_test.csv"),
        &[Value::Object(application)],
    )?;
    for (key, file) in HISTORY_FILES {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(rows)) if !rows.is_empty() => {
                write_csv(&dir.join(file), &belonging_to(key, rows, &id)?)?;
            }
            Some(Value::Array(_)) => {}
            Some(_) => {
                return Err(EngineError::BadApplication(format!(
                    "`{key}` must be an array of row objects."
                )));
            }
        }
    }
    Ok(())
}

/// The history rows of `key` with the application's `SK_ID_CURR` filled in where absent. A
/// row naming another applicant is refused: it would be dropped as an orphan and the
/// application scored as if it had no such history. (`bureau_balance` rows hang on their
/// bureau credit's `SK_ID_BUREAU` and carry no `SK_ID_CURR`.)
fn belonging_to(key: &str, rows: &[Value], id: &Value) -> Result<Vec<Value>, EngineError> {
    if key == "bureau_balance" {
        return Ok(rows.to_vec());
    }
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let mut row = row.as_object().cloned().ok_or_else(|| {
                EngineError::BadApplication(format!("`{key}` row {}: must be an object.", i + 1))
            })?;
            let own = row.entry("SK_ID_CURR").or_insert_with(|| id.clone());
            if !same_id(own, id) {
                return Err(EngineError::BadApplication(format!(
                    "`{key}` row {}: SK_ID_CURR is {own}, but the application's is {id}. \
                     Leave SK_ID_CURR out of history rows, or give the application's.",
                    i + 1
                )));
            }
            Ok(Value::Object(row))
        })
        .collect()
}

/// Whether two JSON identifiers name the same applicant (`100002` and `"100002"` do).
fn same_id(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    text(a) == text(b)
}

fn write_csv(path: &Path, rows: &[Value]) -> Result<(), EngineError> {
    let mut header: Vec<String> = Vec::new();
    for row in rows {
        let Value::Object(row) = row else {
            return Err(EngineError::BadApplication(
                "Each row must be a JSON object.".into(),
            ));
        };
        for key in row.keys() {
            if !header.contains(key) {
                header.push(key.clone());
            }
        }
    }
    let internal =
        |err: csv::Error| EngineError::Internal(format!("writing {}: {err}", path.display()));
    let mut writer = csv::Writer::from_path(path).map_err(internal)?;
    writer.write_record(&header).map_err(internal)?;
    for row in rows.iter().filter_map(Value::as_object) {
        let cells: Vec<String> = header
            .iter()
            .map(|key| match row.get(key) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        writer.write_record(&cells).map_err(internal)?;
    }
    writer
        .flush()
        .map_err(|err| EngineError::Internal(format!("writing {}: {err}", path.display())))
}

impl Engine for ModelEngine {
    fn contributions(&self, row: &[f64]) -> Result<Contributions, EngineError> {
        self.explain_row(row)
    }

    fn reasons(&self, row: &[f64], contributions: &[f64], count: usize) -> Option<Vec<Reason>> {
        let inputs = explainers::reasons::ReasonInputs {
            row,
            contributions,
            catalog: &self.catalog,
            stats: &self.reference,
        };
        let set = match explainers::reasons::reasons(inputs, count) {
            Ok(set) => set,
            Err(err) => {
                tracing::warn!(error = %err, "explainer reasons failed; using the simple ones");
                return None;
            }
        };
        let raised = set.raised.into_iter().map(|r| (r, true));
        let lowered = set.lowered.into_iter().map(|r| (r, false));
        Some(
            raised
                .chain(lowered)
                .map(|(r, raises_risk)| Reason {
                    feature: r.key,
                    label: r.label,
                    sentence: r.sentence,
                    raises_risk,
                    contribution: r.contribution,
                    advice: None,
                })
                .collect(),
        )
    }

    fn cohort_values(&self, population: &Population, index: usize, feature: usize) -> Vec<f64> {
        let Some(cohort) = &self.cohort else {
            return Vec::new();
        };
        let row = population.row(index);
        let values = |i: usize| population.value(i, feature);
        match cohort.cohort_values(row, self.cohort_size, Some(index), values) {
            Ok(values) => values,
            Err(err) => {
                tracing::warn!(index, feature, %err, "no similar customers");
                Vec::new()
            }
        }
    }

    fn score_application(
        &self,
        application: &Map<String, Value>,
    ) -> Result<ScoredApplication, EngineError> {
        let row = self.application_row(application)?;
        let prediction = self.model.predict_row(&row);
        let contributions = self.explain_row(&row)?;
        Ok(ScoredApplication {
            score: self.to_score(&prediction),
            features: row,
            contributions: contributions.values,
            base: contributions.base,
        })
    }

    fn threshold(&self) -> f64 {
        self.model.threshold()
    }

    fn points(&self, probability: f64) -> f64 {
        self.model.points_for(probability)
    }
}

impl AppState {
    /// Builds the state from the database (opened read-only) and a trained model: scores
    /// everyone, reads the facets, glossary and provenance, and prepares the explainers.
    pub fn load(
        db: &Path,
        model: Model,
        config: &Config,
        reporter: &Reporter,
    ) -> Result<Self, ServerError> {
        if !crate::db::looks_like_duckdb(db).unwrap_or(false) {
            return Err(ServerError::NotADatabase {
                path: db.to_owned(),
            });
        }
        let conn = crate::db::open_read_only(db).map_err(|source| ServerError::OpenDatabase {
            path: db.to_owned(),
            source,
        })?;
        let started = std::time::Instant::now();
        let table = features::load(&conn, Selection::All)
            .map_err(|err| ServerError::State(format!("loading features: {err}")))?;
        let rows = model.align(&table);
        let predictions: Vec<Prediction> = model.predict(&table);
        reporter.info(format!(
            "read and scored {} applicants with model {} in {:.1} s",
            table.ids.len(),
            model.version(),
            started.elapsed().as_secs_f64()
        ));
        let population = Population {
            feature_names: model.feature_names().to_vec(),
            rows,
        };
        let shap = explainers::TreeShap::new(model.ensemble())
            .map_err(|err| ServerError::State(format!("preparing TreeSHAP: {err}")))?;
        let importance = importance(&shap, &population, model.calibration().slope);
        let sources = explain_sources(
            &conn,
            &model,
            &shap,
            &population,
            &table.target,
            &predictions,
            config,
        )?;
        let engine = ModelEngine {
            catalog: sources.catalog,
            reference: sources.reference,
            cohort: sources.cohort,
            cohort_size: config.explain.cohort_size,
            shap,
            model,
        };
        let mut facets = facets(&conn)?;
        let customers: Vec<Customer> = table
            .ids
            .iter()
            .zip(&predictions)
            .zip(&table.target)
            .map(|((id, p), target)| Customer {
                id: *id,
                dataset: if target.is_some() { "train" } else { "test" }.to_owned(),
                target: target.map(|t| t as i32),
                score: engine.to_score(p),
                facets: facets.remove(id).unwrap_or_default(),
            })
            .collect();
        let report = model_report(&engine.model, &customers, importance, provenance(&conn)?);
        let glossary = glossary(&conn)?;
        AppState::from_parts(StateParts {
            customers,
            population,
            glossary,
            model: report,
            engine: Arc::new(engine),
            records: Records::Table(application_records(&conn)?),
            keys: Keys::from_env()?,
            top_reasons: config.explain.top_reasons,
            points_range: (config.points.min, config.points.max),
            audit: Some(AuditLog::open(&config.server.audit_log)?),
        })
    }
}

/// What the explanations are built from: the catalog of the model's features, the reference
/// statistics of customers who repaid, and the similar-customer index (none, with a warning,
/// when there are too few customers for one).
fn explain_sources(
    conn: &Connection,
    model: &Model,
    shap: &explainers::TreeShap,
    population: &Population,
    target: &[Option<f64>],
    predictions: &[Prediction],
    config: &Config,
) -> Result<ExplainSources, ServerError> {
    let state_error = |what: &str, err: &dyn std::fmt::Display| {
        ServerError::State(format!("preparing the explanations ({what}): {err}"))
    };
    let catalog = features::catalog(conn, model.feature_names())
        .map_err(|err| state_error("glossary", &err))?;
    let matrix =
        explainers::FeatureMatrix::new(population.feature_names.clone(), population.rows.clone())
            .map_err(|err| state_error("features", &err))?;
    let labels: Vec<f64> = target.iter().map(|t| t.unwrap_or(f64::NAN)).collect();
    let reference = explainers::ReferenceStats::build(&matrix, &labels)
        .map_err(|err| state_error("customers who repaid", &err))?;
    let cohort = crate::explain::similar_customers(shap, &matrix, &labels, predictions, config)
        .inspect_err(|err| tracing::warn!(%err, "no similar-customer cohorts"))
        .ok();
    Ok(ExplainSources {
        catalog,
        reference,
        cohort,
    })
}

struct ExplainSources {
    catalog: explainers::FeatureCatalog,
    reference: explainers::ReferenceStats,
    cohort: Option<explainers::CohortIndex>,
}

/// Mean |contribution| per feature over an even sample of at most 500 customers.
fn importance(
    shap: &explainers::TreeShap,
    population: &Population,
    slope: f64,
) -> Vec<(String, f64)> {
    let width = population.feature_names.len();
    let n = population.rows.len() / width.max(1);
    let step = n.div_ceil(500).max(1);
    let mut sums = vec![0.0; width];
    let mut count = 0usize;
    for i in (0..n).step_by(step) {
        let row: Vec<f64> = population
            .row(i)
            .iter()
            .map(|v| if v.is_finite() { *v } else { f64::NAN })
            .collect();
        if let Ok(values) = shap.shap_values(&row) {
            for (s, c) in sums.iter_mut().zip(&values.contributions) {
                *s += (c * slope).abs();
            }
            count += 1;
        }
    }
    let mut out: Vec<(String, f64)> = population
        .feature_names
        .iter()
        .zip(sums)
        .map(|(name, s)| (name.clone(), s / count.max(1) as f64))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The model page's figures: out-of-fold figures from the model's metrics (AUC, cost curve,
/// calibration deciles, confusion at the threshold) and the ROC curve of the training
/// applicants' in-sample predictions.
fn model_report(
    model: &Model,
    customers: &[Customer],
    importance: Vec<(String, f64)>,
    provenance: Vec<SourceFile>,
) -> ModelReport {
    let metrics = model.metrics();
    let rule = model.decision_rule();
    let at = &metrics.at_threshold;
    let labelled: Vec<(f64, bool)> = customers
        .iter()
        .filter_map(|c| c.target.map(|t| (c.score.probability, t == 1)))
        .collect();
    ModelReport {
        version: model.version().to_owned(),
        evaluated_on: format!(
            "out-of-fold predictions of {} training applicants ({} defaults)",
            metrics.applicants, metrics.defaults
        ),
        auc: Some(metrics.out_of_fold.auc),
        threshold: model.threshold(),
        roc: roc(&labelled),
        cost: thin(
            rule.curve
                .iter()
                .map(|p| CurvePoint {
                    x: p.threshold,
                    y: p.cost,
                })
                .collect(),
            400,
        ),
        calibration: metrics
            .calibration_deciles
            .iter()
            .map(|d| CalibrationBin {
                predicted: d.mean_probability,
                observed: d.observed_default_rate,
                count: d.applicants as u64,
            })
            .collect(),
        confusion: Confusion {
            true_refused: (at.refused.saturating_sub(at.refused_goods)) as u64,
            false_refused: at.refused_goods as u64,
            true_granted: (at.granted.saturating_sub(at.missed_defaults)) as u64,
            false_granted: at.missed_defaults as u64,
        },
        importance,
        held_out: held_out_rows(metrics.importance.as_ref()),
        provenance,
        notes: vec![
            format!(
                "Model {} ({} features, {} boosting rounds).",
                model.version(),
                model.feature_names().len(),
                metrics.final_rounds
            ),
            "The ROC curve is drawn from the training applicants' in-sample predictions; the \
             AUC, cost curve, calibration and confusion matrix are out-of-fold."
                .to_owned(),
        ],
    }
}

/// The model's held-out importance as table rows: every source, then the assessed variables.
fn held_out_rows(
    importance: Option<&crate::model::importance::HeldOutImportance>,
) -> Vec<HeldOutRow> {
    let Some(found) = importance else {
        return Vec::new();
    };
    let shap_of = |list: &[explainers::permutation::GlobalImportance], key: &str| {
        list.iter().find(|i| i.key == key).map_or(0.0, |i| i.mean)
    };
    let rows = |kind: &str, drops: &[explainers::permutation::GlobalImportance], shap| {
        drops
            .iter()
            .map(|item| HeldOutRow {
                kind: kind.to_owned(),
                label: item.label.clone(),
                auc_drop: item.mean,
                spread: item.std,
                mean_abs_shap: shap_of(shap, &item.key),
            })
            .collect::<Vec<_>>()
    };
    let mut out = rows(
        "Source",
        &found.permutation_by_source,
        &found.shap_by_source,
    );
    out.extend(rows(
        "Variable",
        &found.permutation_by_variable,
        &found.shap_by_variable,
    ));
    out
}

/// ROC points (false positive rate, true positive rate), at most ~200 of them.
fn roc(labelled: &[(f64, bool)]) -> Vec<CurvePoint> {
    let mut sorted = labelled.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = sorted.iter().filter(|(_, y)| *y).count().max(1) as f64;
    let negatives = sorted.iter().filter(|(_, y)| !*y).count().max(1) as f64;
    let mut points = vec![CurvePoint { x: 0.0, y: 0.0 }];
    let (mut tp, mut fp) = (0.0, 0.0);
    for (_, y) in &sorted {
        if *y {
            tp += 1.0
        } else {
            fp += 1.0
        }
        points.push(CurvePoint {
            x: fp / negatives,
            y: tp / positives,
        });
    }
    thin(points, 200)
}

/// Keeps about `max` evenly spaced points, always the first and the last.
fn thin(points: Vec<CurvePoint>, max: usize) -> Vec<CurvePoint> {
    if points.len() <= max {
        return points;
    }
    let step = points.len().div_ceil(max);
    let last = points.last().copied();
    let mut out: Vec<CurvePoint> = points.into_iter().step_by(step).collect();
    if let Some(last) = last
        && out.last() != Some(&last)
    {
        out.push(last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn history_rows_take_the_application_id_and_another_applicants_rows_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let posted = body(json!({
            "application": {"SK_ID_CURR": 555, "AMT_CREDIT": 1000},
            "bureau": [{"SK_ID_BUREAU": 1, "DAYS_CREDIT": -10},
                       {"SK_ID_CURR": "555", "SK_ID_BUREAU": 2, "DAYS_CREDIT": -20}]
        }));
        write_application_csvs(dir.path(), &posted).unwrap();
        let bureau = std::fs::read_to_string(dir.path().join("bureau.csv")).unwrap();
        let lines: Vec<&str> = bureau.lines().collect();
        assert_eq!(lines[0], "DAYS_CREDIT,SK_ID_BUREAU,SK_ID_CURR");
        assert_eq!(&lines[1..], ["-10,1,555", "-20,2,555"]);

        let stranger = body(json!({
            "application": {"SK_ID_CURR": 555},
            "previous_application": [{"SK_ID_CURR": 556, "SK_ID_PREV": 9}]
        }));
        let err = write_application_csvs(dir.path(), &stranger).unwrap_err();
        assert!(
            err.to_string()
                .contains("`previous_application` row 1: SK_ID_CURR is 556"),
            "{err}"
        );
    }
}
