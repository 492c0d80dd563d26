//! Explanations for tree-ensemble credit scores, independent of the training library.
//!
//! The main crate converts its trained trees into a [`TreeEnsemble`] and describes every
//! column in a [`FeatureCatalog`]; this crate then explains single customers and the model
//! as a whole.
//!
//! Per customer, through the [`Explainer`] trait and the [`registry`]:
//! - `"treeshap"` ([`treeshap`]): exact path-dependent TreeSHAP contributions in log-odds,
//!   grouped by variable and source group ([`grouping`]), with a waterfall;
//! - `"reasons"` ([`reasons`]): the factors that raised and lowered the risk, as sentences
//!   comparing the customer with customers who repaid ([`mod@reference`], [`humanize`]);
//! - `"cohort"` ([`cohort`]): aggregates of the most similar customers.
//!
//! Global explanations describe the model rather than a customer, so they are plain
//! functions instead of trait objects: [`permutation::permutation_importance`] (AUC drop
//! when features are shuffled) and [`permutation::mean_abs_shap`].
//!
//! All randomness is seeded (ChaCha8); every result type is serde-serialisable.

pub mod cohort;
pub mod data;
pub mod ensemble;
pub mod error;
pub mod explainer;
pub mod grouping;
pub mod humanize;
pub mod permutation;
pub mod reasons;
pub mod reference;
pub mod registry;
pub mod synthetic;
pub mod treeshap;

pub use cohort::{CohortIndex, CohortSummary, FeatureDistribution};
pub use data::{FeatureCatalog, FeatureInfo, FeatureMatrix, ValueKind};
pub use ensemble::{Node, Tree, TreeEnsemble};
pub use error::ExplainError;
pub use explainer::{ExplainContext, ExplainSettings, Explainer, Section, Subject};
pub use grouping::{GroupBy, GroupedContribution, Waterfall};
pub use reasons::{Reason, ReasonSet};
pub use reference::ReferenceStats;
pub use treeshap::{Algorithm, ShapScratch, ShapValues, TreeShap};
