//! Applying a loaded [`Model`]: feature rows in the model's order → raw score (the final
//! model's trees) → calibrated probability → points and decision.

use std::collections::HashMap;
use std::path::Path;

use explainers::TreeEnsemble;
use serde::{Deserialize, Serialize};

use crate::config::PointsScale;
use crate::features::{CategoryLevels, FeatureTable};

use super::artefact::{Manifest, Model};
use super::calibration::Calibration;
use super::data::finite_or_nan;
use super::metrics::Metrics;
use super::points;
use super::threshold::DecisionRule;

/// Grant or refuse, by the model's cost-based threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Granted,
    Refused,
}

impl Decision {
    /// `granted` or `refused`, as written in CSV files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Granted => "granted",
            Decision::Refused => "refused",
        }
    }
}

/// The model's output for one applicant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Sum of the trees' outputs (log-odds before calibration).
    pub raw: f64,
    /// Calibrated probability of default.
    pub probability: f64,
    /// Points score, higher is safer.
    pub points: f64,
    pub decision: Decision,
}

impl Model {
    /// The model's version (a content hash).
    pub fn version(&self) -> &str {
        &self.manifest.version
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Feature names in the order rows must follow.
    pub fn feature_names(&self) -> &[String] {
        &self.manifest.features
    }

    /// The category levels the model's feature columns were built with.
    pub fn encodings(&self) -> &CategoryLevels {
        &self.encodings
    }

    /// The trees used for prediction, for the explainers.
    pub fn ensemble(&self) -> &TreeEnsemble {
        &self.ensemble
    }

    /// Refuse when the probability of default is at or above this.
    pub fn threshold(&self) -> f64 {
        self.decision.threshold
    }

    /// The threshold, its costs and the whole cost curve.
    pub fn decision_rule(&self) -> &DecisionRule {
        &self.decision
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn points_scale(&self) -> &PointsScale {
        &self.manifest.config.points
    }

    /// Points for a probability of default, on this model's scale.
    pub fn points_for(&self, probability: f64) -> f64 {
        points::from_probability(self.points_scale(), probability)
    }

    /// Predicts every row of `table`, matching columns to the model's features by name.
    pub fn predict(&self, table: &FeatureTable) -> Vec<Prediction> {
        let width = self.feature_names().len();
        let aligned = self.align(table);
        if width == 0 {
            return vec![self.from_raw(self.ensemble.base_score); table.ids.len()];
        }
        aligned
            .chunks(width)
            .map(|row| self.predict_row(row))
            .collect()
    }

    /// Predicts one row given in the model's feature order (NaN = missing).
    pub fn predict_row(&self, row: &[f64]) -> Prediction {
        let clean: Vec<f64> = row.iter().map(|&v| finite_or_nan(v)).collect();
        self.from_raw(self.ensemble.predict_raw(&clean))
    }

    /// Probability, points and decision for a raw score.
    pub fn from_raw(&self, raw: f64) -> Prediction {
        let logit = self.calibration.logit(raw);
        let probability = self.calibration.probability(raw);
        let decision = if probability >= self.threshold() {
            Decision::Refused
        } else {
            Decision::Granted
        };
        Prediction {
            raw,
            probability,
            points: points::from_logit(self.points_scale(), logit),
            decision,
        }
    }

    /// The table's values, row-major, in the model's feature order: columns are matched by
    /// name, a feature the table lacks is missing (NaN), and so is an infinite value.
    pub fn align(&self, table: &FeatureTable) -> Vec<f64> {
        let by_name: HashMap<&str, usize> = table
            .names
            .iter()
            .enumerate()
            .map(|(j, n)| (n.as_str(), j))
            .collect();
        let sources: Vec<Option<usize>> = self
            .feature_names()
            .iter()
            .map(|n| by_name.get(n.as_str()).copied())
            .collect();
        let width = table.names.len();
        let mut out = Vec::with_capacity(table.ids.len() * sources.len());
        for i in 0..table.ids.len() {
            let row = &table.values[i * width..(i + 1) * width];
            out.extend(
                sources
                    .iter()
                    .map(|s| s.map_or(f64::NAN, |j| finite_or_nan(row[j]))),
            );
        }
        out
    }

    /// The model's features that `table` does not have (they will count as missing).
    pub fn absent_features(&self, table: &FeatureTable) -> Vec<String> {
        self.feature_names()
            .iter()
            .filter(|n| table.column_index(n).is_none())
            .cloned()
            .collect()
    }
}
