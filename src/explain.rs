//! Explaining scores: builds the explainers' shared context from the database and a trained
//! model once, then explains any applicant of the database, or a new application's feature
//! row, through the explainers registered in `config.toml` (`[explain] explainers`).
//!
//! Used by the `explain` command and by the server, so that both say the same thing.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use duckdb::Connection;
use explainers::permutation::ColumnGroup;
use explainers::{
    CohortIndex, ExplainContext, ExplainSettings, Explainer, FeatureCatalog, FeatureMatrix,
    ReferenceStats, Section, Subject,
};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::features::{self, FeatureError, Selection};
use crate::model::{Decision, Model, Prediction};

/// Customers sampled to rank features by mean |SHAP| when choosing the cohort's features.
const IMPORTANCE_SAMPLE: usize = 2000;

/// An error while preparing or producing an explanation.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("Cannot read the features: {0}")]
    Features(#[from] FeatureError),
    #[error("Cannot explain: {0}")]
    Explainer(#[from] explainers::ExplainError),
    #[error(
        "No applicant with SK_ID_CURR `{0}` in the database: check the number, or ingest the \
         file that holds this applicant"
    )]
    UnknownCustomer(i64),
    #[error(
        "The database holds no labelled (training) applicants, so explanations have nothing to \
         compare with: ingest application_train.csv first"
    )]
    NoReference,
}

/// Everyone in the database, aligned to the model's features, with their predictions.
pub struct Population {
    pub ids: Vec<i64>,
    pub matrix: FeatureMatrix,
    /// 1 = defaulted, 0 = repaid, `None` for applicants without a known outcome.
    pub target: Vec<Option<f64>>,
    pub predictions: Vec<Prediction>,
    position: HashMap<i64, usize>,
}

impl Population {
    /// The row index of applicant `id`.
    pub fn position(&self, id: i64) -> Option<usize> {
        self.position.get(&id).copied()
    }
}

/// One applicant's explained score.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerExplanation {
    /// SK_ID_CURR, absent for an application scored from posted data.
    pub customer: Option<i64>,
    pub model_version: String,
    pub probability: f64,
    pub points: f64,
    pub decision: Decision,
    /// The model's probability threshold: at or above it the application is refused.
    pub threshold: f64,
    /// Log-odds of the average applicant, from which the contributions start.
    pub base_value: f64,
    /// One section per explainer, in the configured order.
    pub sections: Vec<Section>,
}

/// The model, its explainers and the population they compare with.
pub struct ExplainService {
    model: Arc<Model>,
    context: Arc<ExplainContext>,
    explainers: Vec<Box<dyn Explainer>>,
    population: Population,
}

impl ExplainService {
    /// Reads every applicant's features, predicts them, and builds the reference statistics,
    /// the cohort index and the configured explainers.
    pub fn build(
        conn: &Connection,
        model: Arc<Model>,
        config: &Config,
    ) -> Result<Self, ExplainError> {
        let population = load_population(conn, &model)?;
        let catalog = features::catalog(conn, model.feature_names())?;
        let context = build_context(&model, catalog, &population, config)?;
        let context = Arc::new(context);
        let explainers =
            explainers::registry::build(&config.explain.explainers, Arc::clone(&context))?;
        Ok(Self {
            model,
            context,
            explainers,
            population,
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn context(&self) -> &ExplainContext {
        &self.context
    }

    pub fn population(&self) -> &Population {
        &self.population
    }

    /// Explains applicant `id` of the database.
    pub fn explain_customer(&self, id: i64) -> Result<CustomerExplanation, ExplainError> {
        let index = self
            .population
            .position(id)
            .ok_or(ExplainError::UnknownCustomer(id))?;
        let row = self.population.matrix.row(index);
        let mut explanation = self.explain_row(row, Some(index))?;
        explanation.customer = Some(id);
        Ok(explanation)
    }

    /// Explains a feature row in the model's order (NaN = missing); `reference_index` is the
    /// applicant's own row in the population, left out of their cohort.
    pub fn explain_row(
        &self,
        row: &[f64],
        reference_index: Option<usize>,
    ) -> Result<CustomerExplanation, ExplainError> {
        let prediction = self.model.predict_row(row);
        let subject = Subject {
            row,
            reference_index,
        };
        let sections = explainers::registry::explain_all(&self.explainers, &subject)?;
        Ok(CustomerExplanation {
            customer: None,
            model_version: self.model.version().to_owned(),
            probability: prediction.probability,
            points: prediction.points,
            decision: prediction.decision,
            threshold: self.model.threshold(),
            base_value: self.context.shap.base_value(),
            sections,
        })
    }
}

fn load_population(conn: &Connection, model: &Model) -> Result<Population, ExplainError> {
    let table = features::load(conn, Selection::All)?;
    let predictions = model.predict(&table);
    let aligned = model.align(&table);
    let matrix = FeatureMatrix::new(model.feature_names().to_vec(), aligned)?;
    let position = table
        .ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    Ok(Population {
        ids: table.ids,
        matrix,
        target: table.target,
        predictions,
        position,
    })
}

fn build_context(
    model: &Model,
    catalog: FeatureCatalog,
    population: &Population,
    config: &Config,
) -> Result<ExplainContext, ExplainError> {
    let labels: Vec<f64> = population
        .target
        .iter()
        .map(|t| t.unwrap_or(f64::NAN))
        .collect();
    if !labels.iter().any(|l| l.is_finite()) {
        return Err(ExplainError::NoReference);
    }
    let reference = ReferenceStats::build(&population.matrix, &labels)?;
    let shap = explainers::TreeShap::new(model.ensemble())?;
    let cohort = similar_customers(
        &shap,
        &population.matrix,
        &labels,
        &population.predictions,
        config,
    )?;
    let settings = ExplainSettings {
        reason_count: config.explain.top_reasons,
        cohort_size: config.explain.cohort_size,
        ..ExplainSettings::default()
    };
    let context = ExplainContext::new(model.ensemble().clone(), catalog, reference, Some(cohort))?;
    Ok(context.with_settings(settings))
}

/// The similar-customer index over the model's `[explain] cohort_features` most important
/// features (mean |SHAP| over a seeded sample), with each customer's outcome (`NaN` unknown)
/// and decision. The `explain` command and the dashboard both build their cohorts here, so
/// they agree on who is similar.
pub fn similar_customers(
    shap: &explainers::TreeShap,
    matrix: &FeatureMatrix,
    labels: &[f64],
    predictions: &[Prediction],
    config: &Config,
) -> Result<CohortIndex, ExplainError> {
    let features = most_important(
        shap,
        matrix,
        config.explain.cohort_features,
        config.model.seed,
    )?;
    let granted = predictions
        .iter()
        .map(|p| p.decision == Decision::Granted)
        .collect();
    Ok(CohortIndex::build(
        matrix,
        &features,
        Some(labels.to_vec()),
        Some(granted),
    )?)
}

/// Indices of the `count` features with the largest mean |SHAP| over a seeded sample.
fn most_important(
    shap: &explainers::TreeShap,
    matrix: &FeatureMatrix,
    count: usize,
    seed: u64,
) -> Result<Vec<usize>, ExplainError> {
    let columns = ColumnGroup::per_column(&FeatureCatalog::plain(&matrix.names));
    let ranked =
        explainers::permutation::mean_abs_shap(shap, matrix, &columns, IMPORTANCE_SAMPLE, seed)?;
    let mut chosen: Vec<usize> = ranked
        .iter()
        .filter(|item| item.mean > 0.0)
        .filter_map(|item| matrix.names.iter().position(|n| *n == item.key))
        .take(count)
        .collect();
    chosen.sort_unstable();
    Ok(chosen)
}

impl CustomerExplanation {
    /// A plain-text rendering for the terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let who = self.customer.map_or_else(
            || "New application".to_owned(),
            |id| format!("Applicant {id}"),
        );
        let _ = writeln!(
            out,
            "{who}: {} (probability of default {:.1}%, threshold {:.1}%; {:.0} points)\nModel {}",
            self.decision.as_str().to_uppercase(),
            self.probability * 100.0,
            self.threshold * 100.0,
            self.points,
            self.model_version
        );
        for section in &self.sections {
            write_section(&mut out, section);
        }
        out
    }
}

fn write_section(out: &mut String, section: &Section) {
    match section {
        Section::Contributions(c) => {
            let _ = writeln!(
                out,
                "\nLargest contributions (log-odds, from base {:.3}):",
                c.shap.base_value
            );
            for item in c.by_variable.iter().take(10) {
                let _ = writeln!(out, "  {:+.3}  {}", item.contribution, item.label);
            }
        }
        Section::Reasons(r) => {
            let _ = writeln!(out, "\nWhat raised the risk:");
            for reason in &r.raised {
                let _ = writeln!(out, "  - {}", reason.sentence);
            }
            let _ = writeln!(out, "What lowered the risk:");
            for reason in &r.lowered {
                let _ = writeln!(out, "  - {}", reason.sentence);
            }
        }
        Section::Cohort(c) => {
            let rate =
                |r: Option<f64>| r.map_or("unknown".to_owned(), |r| format!("{:.1}%", r * 100.0));
            let _ = writeln!(
                out,
                "\nSimilar customers ({}): {} defaulted (all customers: {}), {} granted",
                c.size,
                rate(c.default_rate),
                rate(c.overall_default_rate),
                rate(c.granted_rate)
            );
        }
    }
}
