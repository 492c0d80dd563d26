//! Explainers.
