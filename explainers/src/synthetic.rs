//! Seeded synthetic ensembles and data, for tests and benchmarks when no trained model is
//! at hand. Values are uniform on `[0, 1)` with a share of missing values; trees split on
//! random features at random thresholds, with consistent covers and random missing routing.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::FeatureMatrix;
use crate::ensemble::{Node, Tree, TreeEnsemble};

/// Shape of a synthetic ensemble.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticSpec {
    pub trees: usize,
    pub max_depth: usize,
    pub features: usize,
    /// Probability that an internal position below the root becomes a leaf early.
    pub early_leaf: f64,
    pub seed: u64,
}

/// Names `f0`, `f1`, ... for `n` features.
pub fn feature_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("f{i}")).collect()
}

/// A seeded random ensemble following `spec`.
pub fn ensemble(spec: SyntheticSpec) -> TreeEnsemble {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let trees = (0..spec.trees)
        .map(|_| random_tree(&mut rng, &spec))
        .collect();
    TreeEnsemble {
        base_score: rng.gen_range(-2.5..-1.5),
        feature_names: feature_names(spec.features),
        trees,
    }
}

/// A random tree; exposed so tests can build single trees.
pub fn random_tree(rng: &mut ChaCha8Rng, spec: &SyntheticSpec) -> Tree {
    let mut nodes = Vec::new();
    grow(rng, spec, &mut nodes, 0, 1000.0);
    Tree { nodes }
}

fn grow(
    rng: &mut ChaCha8Rng,
    spec: &SyntheticSpec,
    nodes: &mut Vec<Node>,
    depth: usize,
    cover: f64,
) -> usize {
    let index = nodes.len();
    let is_leaf = depth >= spec.max_depth || (depth > 0 && rng.gen_bool(spec.early_leaf));
    nodes.push(Node {
        feature: None,
        threshold: 0.0,
        left: 0,
        right: 0,
        missing: 0,
        value: rng.gen_range(-0.2..0.2),
        cover,
        samples: cover.round() as u64,
    });
    if is_leaf {
        return index;
    }

    let share = rng.gen_range(0.1..0.9);
    let feature = rng.gen_range(0..spec.features);
    let threshold = rng.gen_range(0.05..0.95);
    let missing_left = rng.gen_bool(0.5);
    let left = grow(rng, spec, nodes, depth + 1, cover * share);
    let right = grow(rng, spec, nodes, depth + 1, cover * (1.0 - share));
    let node = &mut nodes[index];
    node.feature = Some(feature);
    node.threshold = threshold;
    node.left = left;
    node.right = right;
    node.missing = if missing_left { left } else { right };
    index
}

/// A seeded matrix of uniform values with `missing_share` of them missing.
pub fn matrix(rows: usize, features: usize, missing_share: f64, seed: u64) -> FeatureMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values = (0..rows * features)
        .map(|_| match rng.gen_bool(missing_share) {
            true => f64::NAN,
            false => rng.r#gen::<f64>(),
        })
        .collect();
    FeatureMatrix {
        names: feature_names(features),
        rows,
        values,
    }
}

/// Seeded 0/1 labels whose default probability rises with the ensemble's raw score.
pub fn labels(ensemble: &TreeEnsemble, data: &FeatureMatrix, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..data.rows)
        .map(|i| {
            let p = ensemble.predict_proba(data.row(i));
            f64::from(u8::from(rng.gen_bool(p.clamp(0.0, 1.0))))
        })
        .collect()
}
