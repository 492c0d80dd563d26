//! What the server keeps in memory, built once at start: every customer's score, the facets the
//! list filters on, the feature matrix the comparisons draw from, the glossary, the model's
//! evaluation figures, and the [`Engine`] that explains a customer and scores a new application.
//!
//! [`AppState::from_parts`] builds it from plain parts, which is what the tests do; the
//! pipeline (DuckDB file and trained model) goes through `super::pipeline`.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::ServerError;
use super::audit::{Action, AuditLog, Event};
use super::auth::{Keys, Principal};

/// Grant or refuse, as decided by the model's cost-based threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Grant,
    Refuse,
}

impl Decision {
    /// The decision in one word, for people.
    pub fn word(self) -> &'static str {
        match self {
            Decision::Grant => "Granted",
            Decision::Refuse => "Refused",
        }
    }

    /// A symbol shown next to the word, so the decision never rests on colour alone.
    pub fn icon(self) -> &'static str {
        match self {
            Decision::Grant => "✔",
            Decision::Refuse => "✖",
        }
    }

    /// The CSS class that colours the decision (always shown with its word and icon).
    pub fn css(self) -> &'static str {
        match self {
            Decision::Grant => "grant",
            Decision::Refuse => "refuse",
        }
    }

    /// Parses `grant`/`refuse` as written in query strings.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "grant" => Some(Decision::Grant),
            "refuse" => Some(Decision::Refuse),
            _ => None,
        }
    }
}

/// A model's output for one applicant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// The model's raw margin (log-odds of default).
    pub raw: f64,
    /// Calibrated probability of default.
    pub probability: f64,
    /// Points on the scorecard scale (higher is safer).
    pub points: f64,
    pub decision: Decision,
}

/// Per-feature contributions to one applicant's raw score (log-odds of default): the
/// contributions add up, with `base`, to the raw score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    pub base: f64,
    pub values: Vec<f64>,
}

/// A reason for a decision in plain words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Model feature the reason is about.
    pub feature: String,
    /// The glossary's label of that feature.
    pub label: String,
    /// A sentence a person can read.
    pub sentence: String,
    /// True when this feature raises the risk of default (lowers the score).
    pub raises_risk: bool,
    /// Contribution to the raw score (log-odds of default).
    pub contribution: f64,
    /// What usually improves it, in plain words, when there is something to say.
    pub advice: Option<String>,
}

/// The glossary entry of a model feature (from `feature_catalog`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlossaryEntry {
    /// The raw variable the feature is computed from (`DAYS_CREDIT` for `BURO_DAYS_CREDIT_MEAN`).
    pub variable: String,
    pub label: String,
    pub description: String,
    /// Raw table the feature comes from (`application_train`, `bureau`, ...).
    pub source_table: String,
    /// The glossary's group ("Income and employment", ...).
    pub group_label: String,
}

/// The facets the customer list filters and sorts on, read once from the application table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    /// `M`, `F` or something else as written in the data.
    pub gender: Option<String>,
    pub age_years: Option<f64>,
    pub income: Option<f64>,
    pub credit: Option<f64>,
    pub contract_type: Option<String>,
    /// Whether the applicant has rows in each history table, by table name.
    pub history: Vec<(String, bool)>,
}

/// One value of a customer's descriptive information, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfoItem {
    pub label: String,
    pub value: String,
}

/// A group of descriptive information ("Identity and family", ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfoGroup {
    pub title: String,
    pub items: Vec<InfoItem>,
}

/// One applicant as the server knows them.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: i64,
    /// `train` or `test`.
    pub dataset: String,
    /// Known outcome (1 = defaulted) for training applicants.
    pub target: Option<i32>,
    pub score: Score,
    pub facets: Facets,
}

/// The result of scoring a posted application.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredApplication {
    pub score: Score,
    /// The application's feature row, in [`Population::feature_names`] order.
    pub features: Vec<f64>,
    pub contributions: Vec<f64>,
    pub base: f64,
}

/// An error from the [`Engine`], split into what the caller did wrong and what went wrong
/// inside (logged, never shown).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    BadApplication(String),
    #[error("{0}")]
    Internal(String),
}

/// The model behind the server: explains rows of the feature matrix, finds similar customers
/// and scores new applications.
pub trait Engine: Send + Sync + 'static {
    /// Contributions of each feature (in [`Population::feature_names`] order) to a row.
    fn contributions(&self, row: &[f64]) -> Result<Contributions, EngineError>;

    /// The present values of column `feature` among the customers most similar to row
    /// `index` (not including it), sorted; never who holds which value.
    fn cohort_values(&self, population: &Population, index: usize, feature: usize) -> Vec<f64>;

    /// Scores a new application given as JSON (its application columns, history optional).
    fn score_application(
        &self,
        application: &Map<String, Value>,
    ) -> Result<ScoredApplication, EngineError>;

    /// The decision threshold on the probability of default.
    fn threshold(&self) -> f64;

    /// Maps a probability of default to points.
    fn points(&self, probability: f64) -> f64;

    /// Reasons in plain words for a row and its contributions, up to `count` each way, when
    /// the engine has its own (else the server writes simple ones from the glossary).
    fn reasons(&self, _row: &[f64], _contributions: &[f64], _count: usize) -> Option<Vec<Reason>> {
        None
    }
}

/// Every customer's features, row-major, in the model's feature order.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub feature_names: Vec<String>,
    /// `rows.len() == customers.len() * feature_names.len()`; missing values are NaN.
    pub rows: Vec<f64>,
}

impl Population {
    /// The features of row `index`.
    pub fn row(&self, index: usize) -> &[f64] {
        let width = self.feature_names.len();
        &self.rows[index * width..(index + 1) * width]
    }

    /// Position of a feature by name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.feature_names.iter().position(|n| n == name)
    }

    /// Value of feature `feature` in row `index`.
    pub fn value(&self, index: usize, feature: usize) -> f64 {
        self.rows[index * self.feature_names.len() + feature]
    }
}

/// A point of a curve (ROC, cost, calibration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub x: f64,
    pub y: f64,
}

/// One bin of the calibration curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub predicted: f64,
    pub observed: f64,
    pub count: u64,
}

/// Counts at the decision threshold (positive = defaulted; predicted positive = refused).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Confusion {
    pub true_refused: u64,
    pub false_refused: u64,
    pub true_granted: u64,
    pub false_granted: u64,
}

/// One input file of the database, for the provenance table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFile {
    pub file_name: String,
    pub rows: u64,
    pub sha256: String,
}

/// What the model page shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModelReport {
    pub version: String,
    /// Where the evaluation figures come from (e.g. "out-of-fold predictions").
    pub evaluated_on: String,
    pub auc: Option<f64>,
    pub threshold: f64,
    pub roc: Vec<CurvePoint>,
    /// Business cost (y) against threshold (x).
    pub cost: Vec<CurvePoint>,
    pub calibration: Vec<CalibrationBin>,
    pub confusion: Confusion,
    /// Feature name and importance, most important first.
    pub importance: Vec<(String, f64)>,
    /// Importance measured on held-out rows (sources first, then variables).
    pub held_out: Vec<HeldOutRow>,
    pub provenance: Vec<SourceFile>,
    /// Free-text provenance lines (data folder, ingest time, program version).
    pub notes: Vec<String>,
}

/// One line of the held-out importance table of the model page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HeldOutRow {
    /// "Source" or "Variable".
    pub kind: String,
    pub label: String,
    /// Mean drop in validation AUC when shuffled, and its spread.
    pub auc_drop: f64,
    pub spread: f64,
    /// Mean |SHAP| on validation rows (log-odds).
    pub mean_abs_shap: f64,
}

/// Where the raw application columns of a customer are read from.
pub enum Records {
    /// Kept as given (tests, small data): customer id → (column, value) pairs.
    Memory(HashMap<i64, Vec<(String, Value)>>),
    /// Read once from the database at start-up into a compact table. (Reading them per
    /// request made DuckDB's parsing and planning most of the customer page's time.)
    Table(RecordTable),
}

impl Records {
    /// The (column, value) pairs of one customer; empty when unknown.
    pub fn of(&self, id: i64) -> Vec<(String, Value)> {
        match self {
            Self::Memory(map) => map.get(&id).cloned().unwrap_or_default(),
            Self::Table(table) => table.record(id),
        }
    }
}

/// A few columns of every customer, each value stored as a 4-byte code into its column's
/// dictionary of distinct values (about 30 MB for 356,000 customers and 20 columns).
#[derive(Debug, Default)]
pub struct RecordTable {
    columns: Vec<String>,
    /// Per column, its distinct values.
    dictionaries: Vec<Vec<Value>>,
    /// Per row, then per column, the code of its value.
    codes: Vec<u32>,
    row_of: HashMap<i64, usize>,
}

impl RecordTable {
    /// An empty table over `columns`.
    pub fn new(columns: Vec<String>) -> Self {
        Self {
            dictionaries: vec![Vec::new(); columns.len()],
            columns,
            ..Self::default()
        }
    }

    /// Adds a customer's values, in column order; a customer already present is kept as is.
    /// `lookups` holds one map per column from value to code, shared across calls.
    pub fn push(
        &mut self,
        id: i64,
        values: Vec<Value>,
        lookups: &mut [HashMap<String, u32>],
    ) -> Result<(), String> {
        if values.len() != self.columns.len() || lookups.len() != self.columns.len() {
            return Err(format!(
                "a record of {} values for {} columns",
                values.len(),
                self.columns.len()
            ));
        }
        if self.row_of.contains_key(&id) {
            return Ok(());
        }
        self.row_of
            .insert(id, self.codes.len() / self.columns.len());
        for ((value, dictionary), lookup) in
            values.into_iter().zip(&mut self.dictionaries).zip(lookups)
        {
            let key = value.to_string();
            let code = *lookup.entry(key).or_insert_with(|| {
                dictionary.push(value);
                (dictionary.len() - 1) as u32
            });
            self.codes.push(code);
        }
        Ok(())
    }

    /// The (column, value) pairs of customer `id`; empty when unknown.
    pub fn record(&self, id: i64) -> Vec<(String, Value)> {
        let Some(&row) = self.row_of.get(&id) else {
            return Vec::new();
        };
        let width = self.columns.len();
        self.columns
            .iter()
            .zip(&self.codes[row * width..(row + 1) * width])
            .zip(&self.dictionaries)
            .map(|((column, &code), dictionary)| {
                (column.clone(), dictionary[code as usize].clone())
            })
            .collect()
    }
}

/// The parts an [`AppState`] is built from.
pub struct StateParts {
    pub customers: Vec<Customer>,
    pub population: Population,
    pub glossary: HashMap<String, GlossaryEntry>,
    pub model: ModelReport,
    pub engine: Arc<dyn Engine>,
    pub records: Records,
    pub keys: Keys,
    /// Number of reasons given each way.
    pub top_reasons: usize,
    /// Lowest and highest points of the scale (for the gauge).
    pub points_range: (f64, f64),
    /// Where each decision handed out is recorded (`None`: not recorded).
    pub audit: Option<AuditLog>,
}

/// Shared, read-only server state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub customers: Vec<Customer>,
    pub by_id: HashMap<i64, usize>,
    pub population: Population,
    pub glossary: HashMap<String, GlossaryEntry>,
    pub model: ModelReport,
    pub engine: Arc<dyn Engine>,
    pub records: Records,
    pub keys: Keys,
    pub top_reasons: usize,
    pub points_range: (f64, f64),
    /// History tables seen in the facets, for the list's filters.
    pub history_tables: Vec<String>,
    pub audit: Option<AuditLog>,
}

impl AppState {
    /// Builds the state from its parts, checking that they fit together.
    pub fn from_parts(parts: StateParts) -> Result<Self, ServerError> {
        let width = parts.population.feature_names.len();
        if parts.population.rows.len() != parts.customers.len() * width {
            return Err(ServerError::State(format!(
                "the feature matrix has {} values, expected {} customers × {width} features",
                parts.population.rows.len(),
                parts.customers.len()
            )));
        }
        let by_id = parts
            .customers
            .iter()
            .enumerate()
            .map(|(index, customer)| (customer.id, index))
            .collect();
        let history_tables = parts
            .customers
            .first()
            .map(|c| c.facets.history.iter().map(|(t, _)| t.clone()).collect())
            .unwrap_or_default();
        Ok(Self {
            inner: Arc::new(Inner {
                customers: parts.customers,
                by_id,
                population: parts.population,
                glossary: parts.glossary,
                model: parts.model,
                engine: parts.engine,
                records: parts.records,
                keys: parts.keys,
                top_reasons: parts.top_reasons.max(1),
                points_range: parts.points_range,
                history_tables,
                audit: parts.audit,
            }),
        })
    }

    /// The authentication keys (for `serve` to print the sign-in link, and for tests).
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// Records that `who` was given the decision on customer row `index` (a no-op without an
    /// audit log).
    pub(crate) fn audit_customer(&self, action: Action, who: Principal, index: usize) {
        if let Some(log) = &self.inner.audit {
            let customer = &self.inner.customers[index];
            log.record(&Event::new(
                action,
                who,
                Some(customer.id),
                &self.inner.model.version,
                &customer.score,
                self.inner.engine.threshold(),
            ));
        }
    }

    /// Records a posted application's decision with its inputs.
    pub(crate) fn audit_application(&self, who: Principal, score: &Score, inputs: &Value) {
        if let Some(log) = &self.inner.audit {
            let event = Event::new(
                Action::ScoreApplication,
                who,
                None,
                &self.inner.model.version,
                score,
                self.inner.engine.threshold(),
            );
            log.record(&event.with_inputs(inputs));
        }
    }

    /// Number of customers known.
    pub fn customer_count(&self) -> usize {
        self.inner.customers.len()
    }

    /// Ids of the first `n` customers, in storage order (for the benchmark and tests).
    pub fn sample_ids(&self, n: usize) -> Vec<i64> {
        self.inner.customers.iter().take(n).map(|c| c.id).collect()
    }

    pub(crate) fn customer(&self, id: i64) -> Option<(usize, &Customer)> {
        let index = *self.inner.by_id.get(&id)?;
        Some((index, &self.inner.customers[index]))
    }

    /// A feature's value written for people, in its unit (years, days, months ago...), as
    /// the explanations write it; "not known" when missing.
    pub(crate) fn show_value(&self, feature: &str, value: f64) -> String {
        if !value.is_finite() {
            return "not known".to_owned();
        }
        let unit = self.unit(feature);
        unit.format(unit.to_display(value))
    }

    /// The unit a feature's values are shown in (years, days, months ago, percent...).
    pub(crate) fn unit(&self, feature: &str) -> explainers::humanize::Unit {
        let mut info = explainers::FeatureInfo::plain(feature);
        if let Some(entry) = self.inner.glossary.get(feature) {
            info.variable.clone_from(&entry.variable);
            info.label.clone_from(&entry.label);
        }
        explainers::humanize::Unit::of(&info)
    }

    /// The glossary label of a feature, or its name when the glossary has none.
    pub(crate) fn label(&self, feature: &str) -> String {
        self.inner
            .glossary
            .get(feature)
            .map(|entry| entry.label.clone())
            .unwrap_or_else(|| feature.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn record_table_gives_back_each_customers_own_values() {
        let mut table = RecordTable::new(vec!["CODE_GENDER".into(), "AMT_INCOME_TOTAL".into()]);
        let mut lookups = vec![HashMap::new(); 2];
        table
            .push(1, vec![json!("F"), json!(135000.0)], &mut lookups)
            .unwrap();
        table
            .push(2, vec![json!("M"), Value::Null], &mut lookups)
            .unwrap();
        table
            .push(3, vec![json!("F"), json!(135000.0)], &mut lookups)
            .unwrap();
        // A later table listing customer 1 again does not replace the first record.
        table
            .push(1, vec![json!("M"), json!(1.0)], &mut lookups)
            .unwrap();
        let pairs = |id| table.record(id);
        assert_eq!(
            pairs(1),
            vec![
                ("CODE_GENDER".to_owned(), json!("F")),
                ("AMT_INCOME_TOTAL".to_owned(), json!(135000.0)),
            ]
        );
        assert_eq!(pairs(2)[1].1, Value::Null);
        assert_eq!(pairs(3), pairs(1));
        assert!(pairs(4).is_empty());
        assert_eq!(table.dictionaries[0].len(), 2, "values are stored once");
        assert!(table.push(5, vec![json!("F")], &mut lookups).is_err());
    }
}
