//! Conversion of the tree library's booster into the library-independent
//! [`explainers::TreeEnsemble`] (the `ensemble.json` of a model), and the check that both
//! give the same raw score.

use forust_ml::{GradientBooster, Matrix};

use explainers::{Node, Tree, TreeEnsemble};

use super::ModelError;
use super::data::TrainingData;

/// Largest difference accepted between the library's raw score and the ensemble's.
pub const RAW_TOLERANCE: f64 = 1e-9;

/// The trees the booster predicts with (its `prediction_iteration` first trees), with each
/// node's sample count found by routing the training rows through the trees.
pub fn from_booster(
    booster: &GradientBooster,
    data: &TrainingData,
) -> Result<TreeEnsemble, ModelError> {
    let used = booster.prediction_iteration.unwrap_or(booster.trees.len());
    let trees = booster.trees[..used.min(booster.trees.len())]
        .iter()
        .map(convert_tree)
        .collect::<Result<Vec<_>, _>>()?;
    let mut ensemble = TreeEnsemble {
        base_score: booster.base_score,
        feature_names: data.names.clone(),
        trees,
    };
    // Validated first: counting walks the trees, which needs them well formed.
    ensemble
        .validate()
        .map_err(|e| ModelError::Ensemble(e.to_string()))?;
    count_samples(&mut ensemble, data);
    Ok(ensemble)
}

fn convert_tree(tree: &forust_ml::tree::Tree) -> Result<Tree, ModelError> {
    let mut nodes = Vec::with_capacity(tree.nodes.len());
    for (index, node) in tree.nodes.iter().enumerate() {
        // The library numbers nodes in the order it stores them; the routing below relies
        // on it.
        if node.num != index {
            return Err(ModelError::Ensemble(format!(
                "node {index} of a tree is numbered {}",
                node.num
            )));
        }
        nodes.push(Node {
            feature: (!node.is_leaf).then_some(node.split_feature),
            threshold: if node.is_leaf { 0.0 } else { node.split_value },
            left: if node.is_leaf { 0 } else { node.left_child },
            right: if node.is_leaf { 0 } else { node.right_child },
            missing: if node.is_leaf { 0 } else { node.missing_node },
            value: f64::from(node.weight_value),
            cover: f64::from(node.hessian_sum),
            samples: 0,
        });
    }
    Ok(Tree { nodes })
}

/// Counts, for every node, the training rows that pass through it.
fn count_samples(ensemble: &mut TreeEnsemble, data: &TrainingData) {
    let rows: Vec<Vec<f64>> = (0..data.rows).map(|i| data.row(i)).collect();
    for tree in &mut ensemble.trees {
        for row in &rows {
            let mut index = 0;
            loop {
                let node = &mut tree.nodes[index];
                node.samples += 1;
                match node.feature {
                    None => break,
                    Some(f) => index = node.route(row[f]),
                }
            }
        }
    }
}

/// Checks that the ensemble reproduces the library's raw score on every training row.
pub fn check_matches(
    booster: &GradientBooster,
    ensemble: &TreeEnsemble,
    data: &TrainingData,
) -> Result<(), ModelError> {
    let matrix = Matrix::new(&data.columns, data.rows, data.cols());
    let library = booster.predict(&matrix, false);
    for (i, &expected) in library.iter().enumerate() {
        let got = ensemble.predict_raw(&data.row(i));
        if (got - expected).abs() > RAW_TOLERANCE {
            return Err(ModelError::Ensemble(format!(
                "applicant {} gets raw score {got} from ensemble.json but {expected} from the \
                 tree library",
                data.ids[i]
            )));
        }
    }
    Ok(())
}
