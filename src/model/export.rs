//! `pret-a-score export-trees`: the model's trees in a self-describing JSON format for
//! auditors and other tools. The format is documented in the [`crate::model`] module doc.

use std::fs;
use std::path::Path;

use serde::Serialize;

use super::artefact::io_error;
use super::calibration::Calibration;
use super::{Model, ModelError};

/// Identifies the export format.
pub const EXPORT_FORMAT: &str = "pret-a-score-trees/1";

#[derive(Serialize)]
struct Export<'a> {
    format: &'static str,
    model_version: &'a str,
    prediction: &'static str,
    base_score: f64,
    calibration: &'a Calibration,
    threshold: f64,
    features: Vec<FeatureRef<'a>>,
    trees: Vec<ExportTree<'a>>,
}

#[derive(Serialize)]
struct FeatureRef<'a> {
    index: usize,
    name: &'a str,
}

#[derive(Serialize)]
struct ExportTree<'a> {
    tree: usize,
    nodes: Vec<ExportNode<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum ExportNode<'a> {
    Split {
        id: usize,
        feature: &'a str,
        feature_index: usize,
        threshold: f64,
        left: usize,
        right: usize,
        missing: &'static str,
        cover: f64,
        samples: u64,
    },
    Leaf {
        id: usize,
        value: f64,
        cover: f64,
        samples: u64,
    },
}

const PREDICTION: &str = "raw = base_score + sum over trees of the value of the leaf reached; \
    at a split a present value v goes to `left` when v < threshold, else to `right`, and a \
    missing value goes to the side named by `missing`; probability of default = \
    1 / (1 + exp(-(calibration.slope * raw + calibration.intercept))); refuse when \
    probability >= threshold";

/// Writes the trees of `model` to `out` in the export format.
pub fn export_trees(model: &Model, out: &Path) -> Result<(), ModelError> {
    let bytes = export_json(model)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    fs::write(out, bytes).map_err(io_error(out))
}

/// The export as JSON bytes.
pub fn export_json(model: &Model) -> Result<Vec<u8>, ModelError> {
    let ensemble = model.ensemble();
    let names = &ensemble.feature_names;
    let trees = ensemble
        .trees
        .iter()
        .enumerate()
        .map(|(t, tree)| ExportTree {
            tree: t,
            nodes: tree
                .nodes
                .iter()
                .enumerate()
                .map(|(id, node)| match node.feature {
                    None => ExportNode::Leaf {
                        id,
                        value: node.value,
                        cover: node.cover,
                        samples: node.samples,
                    },
                    Some(f) => ExportNode::Split {
                        id,
                        feature: &names[f],
                        feature_index: f,
                        threshold: node.threshold,
                        left: node.left,
                        right: node.right,
                        missing: if node.missing == node.left {
                            "left"
                        } else {
                            "right"
                        },
                        cover: node.cover,
                        samples: node.samples,
                    },
                })
                .collect(),
        })
        .collect();
    let export = Export {
        format: EXPORT_FORMAT,
        model_version: model.version(),
        prediction: PREDICTION,
        base_score: ensemble.base_score,
        calibration: model.calibration(),
        threshold: model.threshold(),
        features: names
            .iter()
            .enumerate()
            .map(|(index, name)| FeatureRef { index, name })
            .collect(),
        trees,
    };
    let mut bytes = serde_json::to_vec_pretty(&export).map_err(|e| ModelError::Serialize {
        file: "export".into(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
