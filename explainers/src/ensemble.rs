//! A library-independent description of a tree ensemble (gradient-boosted trees whose outputs
//! add up in log-odds), with prediction and structural validation.

use serde::{Deserialize, Serialize};

use crate::ExplainError;

/// Deepest tree accepted by [`TreeEnsemble::validate`]; the explainers recurse on depth.
pub const MAX_TREE_DEPTH: usize = 64;

/// An additive ensemble of regression trees: `raw = base_score + sum of leaf values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeEnsemble {
    /// Constant added to every prediction (log-odds).
    pub base_score: f64,
    /// Feature names; rows passed to the ensemble follow this order.
    pub feature_names: Vec<String>,
    pub trees: Vec<Tree>,
}

/// One tree; `nodes[0]` is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// A split or a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split feature; `None` for a leaf.
    pub feature: Option<usize>,
    /// A present value `v` goes to `left` when `v < threshold`, else to `right`.
    pub threshold: f64,
    pub left: usize,
    pub right: usize,
    /// Child taken when the value is missing (`NaN`); equals `left` or `right`.
    pub missing: usize,
    /// Leaf output in log-odds (learning rate applied); ignored on internal nodes.
    pub value: f64,
    /// Sum of hessians of the training rows reaching the node.
    pub cover: f64,
    /// Number of training rows reaching the node.
    pub samples: u64,
}

impl Node {
    /// The child a value goes to, following the tree's routing of missing values.
    #[inline]
    pub fn route(&self, value: f64) -> usize {
        if value.is_nan() {
            self.missing
        } else if value < self.threshold {
            self.left
        } else {
            self.right
        }
    }
}

impl Tree {
    /// The leaf value reached by `row`. Assumes a validated tree; a malformed one yields `NaN`.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let mut index = 0;

        // Bounded walk: a validated tree reaches a leaf in fewer steps than it has nodes.
        for _ in 0..=self.nodes.len() {
            let node = &self.nodes[index];
            match node.feature {
                None => return node.value,
                Some(f) => index = node.route(row[f]),
            }
        }
        f64::NAN
    }

    /// Depth of the deepest leaf reachable from the root (a lone leaf has depth 0).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((index, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            let node = &self.nodes[index];
            if node.feature.is_some() && depth < MAX_TREE_DEPTH {
                stack.push((node.left, depth + 1));
                stack.push((node.right, depth + 1));
            }
        }
        deepest
    }

    fn validate(&self, tree: usize, n_features: usize) -> Result<(), ExplainError> {
        let bad = |node: usize, reason: String| ExplainError::InvalidTree { tree, node, reason };
        if self.nodes.is_empty() {
            return Err(bad(0, "the tree has no nodes".into()));
        }
        for (i, node) in self.nodes.iter().enumerate() {
            check_node(node, self.nodes.len(), n_features).map_err(|r| bad(i, r))?;
        }
        self.check_structure()
            .map_err(|(node, reason)| bad(node, reason))
    }

    /// Every node reachable from the root is reached once (no cycle, no shared child) and
    /// no leaf is deeper than [`MAX_TREE_DEPTH`].
    fn check_structure(&self) -> Result<(), (usize, String)> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((index, depth)) = stack.pop() {
            if std::mem::replace(&mut seen[index], true) {
                return Err((
                    index,
                    "the node is reached twice (cycle or shared child)".into(),
                ));
            }
            if depth > MAX_TREE_DEPTH {
                return Err((index, format!("the tree is deeper than {MAX_TREE_DEPTH}")));
            }
            let node = &self.nodes[index];
            if node.feature.is_some() {
                stack.push((node.left, depth + 1));
                stack.push((node.right, depth + 1));
            }
        }
        Ok(())
    }
}

fn check_node(node: &Node, len: usize, n_features: usize) -> Result<(), String> {
    if !node.cover.is_finite() || node.cover < 0.0 {
        return Err(format!(
            "cover `{}` is not a finite non-negative number",
            node.cover
        ));
    }
    let Some(feature) = node.feature else {
        return match node.value.is_finite() {
            true => Ok(()),
            false => Err(format!("leaf value `{}` is not finite", node.value)),
        };
    };
    if feature >= n_features {
        return Err(format!(
            "feature `{feature}` is out of range ({n_features} features)"
        ));
    }
    if node.threshold.is_nan() {
        return Err("the threshold is NaN".into());
    }
    if node.left >= len || node.right >= len || node.left == node.right {
        return Err(format!(
            "children `{}`/`{}` are invalid",
            node.left, node.right
        ));
    }
    if node.missing != node.left && node.missing != node.right {
        return Err(format!("missing child `{}` is neither child", node.missing));
    }
    Ok(())
}

impl TreeEnsemble {
    /// Raw prediction in log-odds. `row` follows `feature_names`; `NaN` is missing.
    pub fn predict_raw(&self, row: &[f64]) -> f64 {
        self.base_score + self.trees.iter().map(|t| t.predict(row)).sum::<f64>()
    }

    /// Probability of the positive class (default), `1 / (1 + exp(-raw))`.
    pub fn predict_proba(&self, row: &[f64]) -> f64 {
        1.0 / (1.0 + (-self.predict_raw(row)).exp())
    }

    /// Number of features the rows must have.
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Checks indices, routing, finiteness and tree structure.
    pub fn validate(&self) -> Result<(), ExplainError> {
        if !self.base_score.is_finite() {
            return Err(ExplainError::InvalidEnsemble(format!(
                "base score `{}` is not finite",
                self.base_score
            )));
        }
        for (i, tree) in self.trees.iter().enumerate() {
            tree.validate(i, self.n_features())?;
        }
        Ok(())
    }

    /// Checks that a row has one value per feature.
    pub fn check_row(&self, row: &[f64]) -> Result<(), ExplainError> {
        if row.len() != self.n_features() {
            return Err(ExplainError::RowLength {
                expected: self.n_features(),
                found: row.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(value: f64, cover: f64) -> Node {
        Node {
            feature: None,
            threshold: 0.0,
            left: 0,
            right: 0,
            missing: 0,
            value,
            cover,
            samples: cover as u64,
        }
    }

    fn stump(missing_left: bool) -> TreeEnsemble {
        let root = Node {
            feature: Some(0),
            threshold: 0.5,
            left: 1,
            right: 2,
            missing: if missing_left { 1 } else { 2 },
            value: 0.0,
            cover: 10.0,
            samples: 10,
        };
        TreeEnsemble {
            base_score: 0.1,
            feature_names: vec!["x".into()],
            trees: vec![Tree {
                nodes: vec![root, leaf(-1.0, 4.0), leaf(2.0, 6.0)],
            }],
        }
    }

    #[test]
    fn prediction_follows_threshold_and_missing_routing() {
        let e = stump(true);
        assert_eq!(e.predict_raw(&[0.2]), 0.1 - 1.0);
        assert_eq!(e.predict_raw(&[0.5]), 0.1 + 2.0);
        assert_eq!(e.predict_raw(&[f64::NAN]), 0.1 - 1.0);
        assert_eq!(stump(false).predict_raw(&[f64::NAN]), 0.1 + 2.0);
    }

    #[test]
    fn validation_accepts_a_good_tree_and_rejects_bad_ones() {
        assert!(stump(true).validate().is_ok());

        let mut e = stump(true);
        e.trees[0].nodes[0].feature = Some(3);
        assert!(matches!(
            e.validate(),
            Err(ExplainError::InvalidTree { node: 0, .. })
        ));

        let mut e = stump(true);
        e.trees[0].nodes[0].missing = 0;
        assert!(e.validate().is_err());

        let mut e = stump(true);
        e.trees[0].nodes[0].right = 0;
        assert!(
            e.validate().is_err(),
            "a cycle back to the root must be rejected"
        );
    }

    #[test]
    fn depth_counts_edges_to_the_deepest_leaf() {
        assert_eq!(stump(true).trees[0].depth(), 1);
    }
}
