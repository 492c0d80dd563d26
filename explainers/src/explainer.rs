//! The per-customer explainer interface: a trait object that turns a [`Subject`] into a
//! serialisable [`Section`], and the shared [`ExplainContext`] explainers read from.

use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::cohort::{CohortIndex, CohortSummary};
use crate::data::FeatureCatalog;
use crate::ensemble::TreeEnsemble;
use crate::grouping::{GroupedContribution, Waterfall};
use crate::reasons::{DEFAULT_REASON_COUNT, ReasonSet};
use crate::reference::ReferenceStats;
use crate::treeshap::{ShapValues, TreeShap};

/// The customer being explained.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// One value per model feature, `NaN` for missing.
    pub row: &'a [f64],
    /// The customer's row in the reference data, if they are part of it (left out of cohorts).
    pub reference_index: Option<usize>,
}

/// Feature contributions with their groupings, ready for a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContributionSection {
    pub shap: ShapValues,
    /// The logistic of the raw prediction, before calibration (the calibrated probability
    /// of default that decisions use is the caller's, e.g. `explain`'s top-level one).
    pub probability: f64,
    pub by_variable: Vec<GroupedContribution>,
    pub by_group: Vec<GroupedContribution>,
    /// Largest variables plus "All other factors", from base value to prediction.
    pub waterfall: Waterfall,
}

/// One part of an explanation, tagged by kind in JSON (`{"kind": "reasons", "data": ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Section {
    Contributions(ContributionSection),
    Reasons(ReasonSet),
    Cohort(CohortSummary),
}

/// Explains one customer. Implementations are stateless apart from a shared context.
pub trait Explainer: Send + Sync {
    /// The registry name.
    fn name(&self) -> &'static str;

    fn explain(&self, subject: &Subject<'_>) -> Result<Section, ExplainError>;
}

/// Tunable sizes of the per-customer sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainSettings {
    /// Reasons listed on each side (raised / lowered).
    pub reason_count: usize,
    /// Requested cohort size (raised to [`crate::cohort::MIN_COHORT`]).
    pub cohort_size: usize,
    /// Variables shown in the waterfall before "All other factors".
    pub waterfall_top: usize,
}

impl Default for ExplainSettings {
    fn default() -> Self {
        Self {
            reason_count: DEFAULT_REASON_COUNT,
            cohort_size: 100,
            waterfall_top: 10,
        }
    }
}

/// Everything the explainers share, built once per model.
#[derive(Debug, Clone)]
pub struct ExplainContext {
    pub ensemble: TreeEnsemble,
    pub shap: TreeShap,
    pub catalog: FeatureCatalog,
    pub reference: ReferenceStats,
    pub cohort: Option<CohortIndex>,
    pub settings: ExplainSettings,
}

impl ExplainContext {
    /// Validates that every part describes the ensemble's features, in order.
    pub fn new(
        ensemble: TreeEnsemble,
        catalog: FeatureCatalog,
        reference: ReferenceStats,
        cohort: Option<CohortIndex>,
    ) -> Result<Self, ExplainError> {
        let shap = TreeShap::new(&ensemble)?;
        catalog.check_matches(&ensemble.feature_names)?;
        let n = ensemble.n_features();
        if reference.features.len() != n {
            return Err(ExplainError::LengthMismatch {
                what: "reference statistics",
                expected: n,
                found: reference.features.len(),
            });
        }
        if let Some(width) = cohort.as_ref().map(CohortIndex::width).filter(|&w| w != n) {
            return Err(ExplainError::LengthMismatch {
                what: "cohort index rows",
                expected: n,
                found: width,
            });
        }
        Ok(Self {
            ensemble,
            shap,
            catalog,
            reference,
            cohort,
            settings: ExplainSettings::default(),
        })
    }

    /// Replaces the default settings.
    pub fn with_settings(mut self, settings: ExplainSettings) -> Self {
        self.settings = settings;
        self
    }
}
