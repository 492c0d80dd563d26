//! Prêt-à-Score: transparent credit scoring on the Home Credit data.
//!
//! The binary's pipeline is split into domain modules, each with its own error type:
//! [`ingest`] reads the Kaggle CSV files into DuckDB, [`features`] builds one row of model
//! features per applicant in SQL, [`model`] trains, calibrates and applies the
//! gradient-boosted model, and [`server`] serves the dashboard and the JSON API. The
//! explanations themselves live in the separate `explainers` crate.

pub mod config;
pub mod db;
pub mod demo;
pub mod explain;
pub mod features;
pub mod ingest;
pub mod model;
pub mod report;
pub mod server;

/// The program version recorded in provenance and model artefacts.
pub const PROGRAM_VERSION: &str = env!("CARGO_PKG_VERSION");
