//! Exact path-dependent TreeSHAP (Lundberg et al. 2018, "Consistent individualized feature
//! attribution for tree ensembles").
//!
//! The conditional expectation of a tree given a coalition `S` follows the row's own route at
//! splits on features in `S` (missing values go to the node's `missing` child) and averages
//! both children, weighted by their covers, at the other splits. The child weights are
//! `cover(child) / (cover(left) + cover(right))`, so they always sum to one; when both covers
//! are zero the sample counts are used instead, and failing those an even split.
//!
//! Two evaluations give the same values (tests check both against brute-force Shapley
//! values): [`Algorithm::PathWeights`] is Algorithm 2 of the paper (EXTEND/UNWIND), and the
//! default [`Algorithm::Quadrature`] writes each leaf's Shapley sum as an integral that
//! Gauss-Legendre quadrature evaluates exactly, about twice as fast (see `quadrature.rs`).
//!
//! [`TreeShap`] flattens the ensemble once; each explanation then reuses one scratch buffer
//! and allocates nothing per node.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use self::quadrature::{QuadratureWalk, Rule, UniquePath};
use crate::ExplainError;
use crate::ensemble::{MAX_TREE_DEPTH, Node, Tree, TreeEnsemble};
use crate::explainer::{ContributionSection, ExplainContext, Explainer, Section, Subject};

mod quadrature;

const LEAF: u32 = u32::MAX;

/// How the (identical) SHAP values are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Algorithm 2 of Lundberg et al.: Shapley weights of the unique path kept up to date
    /// by EXTEND and UNWIND; each leaf costs `O(d^2)`.
    PathWeights,
    /// The same sums written as integrals and evaluated exactly by Gauss-Legendre
    /// quadrature (see the `quadrature` submodule); each leaf costs `O(d * D / 2)`.
    #[default]
    Quadrature,
}

/// SHAP values of one row, in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapValues {
    /// Base score plus each tree's cover-weighted mean leaf value.
    pub base_value: f64,
    /// One contribution per feature, in the ensemble's feature order.
    pub contributions: Vec<f64>,
}

impl ShapValues {
    /// `base_value + sum(contributions)`, equal to the raw prediction.
    pub fn prediction(&self) -> f64 {
        self.base_value + self.contributions.iter().sum::<f64>()
    }
}

/// A node laid out for the explanation loop; child indices are global.
#[derive(Debug, Clone, Copy)]
struct FlatNode {
    feature: u32,
    threshold: f64,
    left: u32,
    right: u32,
    missing: u32,
    value: f64,
    /// Share of the parent's weight reaching this node (1 for roots).
    fraction: f64,
}

/// One feature on the unique path, with the Shapley weights of the path's subsets.
#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: u32,
    zero: f64,
    one: f64,
    weight: f64,
}

/// Reusable buffer for [`TreeShap::shap_values_into`]; one per thread.
#[derive(Debug, Clone)]
pub struct ShapScratch {
    path: Vec<PathElement>,
    unique: UniquePath,
}

/// A flattened ensemble ready for repeated TreeSHAP explanations.
#[derive(Debug, Clone)]
pub struct TreeShap {
    nodes: Vec<FlatNode>,
    roots: Vec<u32>,
    n_features: usize,
    base_value: f64,
    max_depth: usize,
    rule: Rule,
    algorithm: Algorithm,
}

impl TreeShap {
    /// Validates and flattens `ensemble`.
    pub fn new(ensemble: &TreeEnsemble) -> Result<Self, ExplainError> {
        ensemble.validate()?;
        let mut nodes = Vec::with_capacity(ensemble.trees.iter().map(|t| t.nodes.len()).sum());
        let mut roots = Vec::with_capacity(ensemble.trees.len());
        for tree in &ensemble.trees {
            roots.push(index_u32(nodes.len())?);
            flatten(tree, &mut nodes)?;
        }
        let expected: f64 = roots.iter().map(|&r| expected_value(&nodes, r)).sum();
        let max_depth = ensemble.trees.iter().map(Tree::depth).max().unwrap_or(0);
        Ok(Self {
            max_depth,
            rule: Rule::for_depth(max_depth),
            algorithm: Algorithm::default(),
            base_value: ensemble.base_score + expected,
            n_features: ensemble.n_features(),
            nodes,
            roots,
        })
    }

    /// The expected raw prediction over the training distribution described by the covers.
    pub fn base_value(&self) -> f64 {
        self.base_value
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// A buffer large enough for the deepest tree.
    pub fn scratch(&self) -> ShapScratch {
        ShapScratch {
            path: vec![PathElement::default(); self.path_len()],
            unique: UniquePath::new(self.max_depth),
        }
    }

    /// Chooses how the values are computed (both give the same values).
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Path buffer length: the path at unique depth `d` starts at `(d + 1)(d + 2) / 2` and
    /// holds `d + 1` elements, so `(D + 2)(D + 3) / 2` covers a tree of depth `D`.
    fn path_len(&self) -> usize {
        let d = self.max_depth;
        (d + 2) * (d + 3) / 2 + 1
    }

    /// SHAP values of `row` (one value per feature, `NaN` for missing).
    pub fn shap_values(&self, row: &[f64]) -> Result<ShapValues, ExplainError> {
        let mut contributions = vec![0.0; self.n_features];
        self.shap_values_into(row, &mut self.scratch(), &mut contributions)?;
        Ok(ShapValues {
            base_value: self.base_value,
            contributions,
        })
    }

    /// Writes the contributions of `row` into `out` (overwritten), reusing `scratch`.
    pub fn shap_values_into(
        &self,
        row: &[f64],
        scratch: &mut ShapScratch,
        out: &mut [f64],
    ) -> Result<(), ExplainError> {
        self.check_lengths(row, out)?;
        let fits = scratch.path.len() >= self.path_len() && scratch.unique.fits(self.max_depth);
        if !fits {
            *scratch = self.scratch();
        }
        out.fill(0.0);
        match self.algorithm {
            Algorithm::PathWeights => self.path_weights(row, &mut scratch.path, out),
            Algorithm::Quadrature => self.quadrature(row, &mut scratch.unique, out),
        }
        Ok(())
    }

    fn path_weights(&self, row: &[f64], path: &mut [PathElement], phi: &mut [f64]) {
        let mut walk = Walk {
            nodes: &self.nodes,
            row,
            path,
            phi,
        };
        for &root in &self.roots {
            walk.recurse(root, 0, 0, 1.0, 1.0, LEAF);
        }
    }

    fn quadrature(&self, row: &[f64], path: &mut UniquePath, phi: &mut [f64]) {
        let mut walk = QuadratureWalk {
            nodes: &self.nodes,
            row,
            rule: &self.rule,
            path,
            phi,
        };
        for &root in &self.roots {
            walk.visit(root, 0);
        }
    }

    fn check_lengths(&self, row: &[f64], out: &[f64]) -> Result<(), ExplainError> {
        if row.len() != self.n_features {
            return Err(ExplainError::RowLength {
                expected: self.n_features,
                found: row.len(),
            });
        }
        if out.len() != self.n_features {
            return Err(ExplainError::LengthMismatch {
                what: "contribution buffer",
                expected: self.n_features,
                found: out.len(),
            });
        }
        Ok(())
    }
}

/// Convenience: validate, flatten and explain one row. Prefer [`TreeShap`] for many rows.
pub fn tree_shap(ensemble: &TreeEnsemble, row: &[f64]) -> Result<ShapValues, ExplainError> {
    TreeShap::new(ensemble)?.shap_values(row)
}

fn index_u32(i: usize) -> Result<u32, ExplainError> {
    u32::try_from(i)
        .ok()
        .filter(|&v| v != LEAF)
        .ok_or_else(|| ExplainError::InvalidEnsemble("the ensemble has too many nodes".into()))
}

/// Appends the nodes of a validated tree, turning covers into child fractions.
fn flatten(tree: &Tree, out: &mut Vec<FlatNode>) -> Result<(), ExplainError> {
    let offset = out.len();
    let global = |i: usize| index_u32(offset + i);
    let mut fractions = vec![1.0; tree.nodes.len()];
    for node in tree.nodes.iter().filter(|n| n.feature.is_some()) {
        let (l, r) = child_fractions(&tree.nodes[node.left], &tree.nodes[node.right]);
        fractions[node.left] = l;
        fractions[node.right] = r;
    }
    for (node, fraction) in tree.nodes.iter().zip(fractions) {
        let feature = match node.feature {
            Some(f) => index_u32(f)?,
            None => LEAF,
        };
        out.push(FlatNode {
            feature,
            threshold: node.threshold,
            left: global(node.left)?,
            right: global(node.right)?,
            missing: global(node.missing)?,
            value: node.value,
            fraction,
        });
    }
    Ok(())
}

/// Shares of a split's weight going left and right (see the module documentation).
pub(crate) fn child_fractions(left: &Node, right: &Node) -> (f64, f64) {
    let covers = left.cover + right.cover;
    if covers > 0.0 {
        return (left.cover / covers, right.cover / covers);
    }
    let samples = (left.samples + right.samples) as f64;
    if samples > 0.0 {
        return (
            left.samples as f64 / samples,
            right.samples as f64 / samples,
        );
    }
    (0.5, 0.5)
}

fn expected_value(nodes: &[FlatNode], index: u32) -> f64 {
    let node = &nodes[index as usize];
    if node.feature == LEAF {
        return node.value;
    }
    let (l, r) = (node.left as usize, node.right as usize);
    nodes[l].fraction * expected_value(nodes, node.left)
        + nodes[r].fraction * expected_value(nodes, node.right)
}

/// State of one explanation: the row, the shared path buffer and the output.
struct Walk<'a> {
    nodes: &'a [FlatNode],
    row: &'a [f64],
    path: &'a mut [PathElement],
    phi: &'a mut [f64],
}

impl Walk<'_> {
    /// RECURSE of Algorithm 2. The parent's path lives at `parent_start..parent_start + depth`;
    /// this node's path (one element longer) is written right after it.
    fn recurse(
        &mut self,
        index: u32,
        parent_start: usize,
        depth: usize,
        zero: f64,
        one: f64,
        feature: u32,
    ) {
        let start = parent_start + depth + 1;
        let (head, tail) = self.path.split_at_mut(start);
        let parent = &head[parent_start..parent_start + depth];
        extend_from(parent, &mut tail[..=depth], zero, one, feature);

        let node = self.nodes[index as usize];
        if node.feature == LEAF {
            self.add_leaf(start, depth, node.value);
            return;
        }

        let hot = route(&node, self.row[node.feature as usize]);
        let cold = if hot == node.left {
            node.right
        } else {
            node.left
        };
        let path = &mut self.path[start..=start + depth];
        let (mut depth, mut incoming_zero, mut incoming_one) = (depth, 1.0, 1.0);
        if let Some(k) = path.iter().position(|e| e.feature == node.feature) {
            incoming_zero = path[k].zero;
            incoming_one = path[k].one;
            unwind(path, depth, k);
            depth -= 1;
        }

        let hot_zero = self.nodes[hot as usize].fraction * incoming_zero;
        let cold_zero = self.nodes[cold as usize].fraction * incoming_zero;
        // A branch with both fractions zero contributes nothing and would divide by zero.
        if hot_zero != 0.0 || incoming_one != 0.0 {
            self.recurse(hot, start, depth + 1, hot_zero, incoming_one, node.feature);
        }
        if cold_zero != 0.0 {
            self.recurse(cold, start, depth + 1, cold_zero, 0.0, node.feature);
        }
    }

    /// Adds the leaf's share to every feature on its path. Hot elements are processed
    /// [`LANES`] at a time so their independent recurrences overlap in the pipeline; all
    /// cold elements share one sum.
    fn add_leaf(&mut self, start: usize, depth: usize, value: f64) {
        let path = &self.path[start..=start + depth];
        let mut cold = f64::NAN;
        let mut zeros = [0.0; LANES];
        let mut features = [0u32; LANES];
        let mut lanes = 0;
        for element in &path[1..] {
            if element.one == 0.0 {
                // Pruned branches guarantee `zero != 0` on cold elements; the cold weight
                // `-zero * cold_sum / zero` needs no division.
                if cold.is_nan() {
                    cold = cold_sum(path, depth);
                }
                self.phi[element.feature as usize] -= cold * value;
                continue;
            }
            zeros[lanes] = element.zero;
            features[lanes] = element.feature;
            lanes += 1;
            if lanes == LANES {
                add_hot(self.phi, path, depth, value, &zeros, &features[..lanes]);
                lanes = 0;
            }
        }
        if lanes > 0 {
            add_hot(self.phi, path, depth, value, &zeros, &features[..lanes]);
        }
    }
}

/// Adds the leaf's share of up to [`LANES`] hot elements.
fn add_hot(
    phi: &mut [f64],
    path: &[PathElement],
    depth: usize,
    value: f64,
    zeros: &[f64; LANES],
    features: &[u32],
) {
    let sums = unwound_sums_hot(path, depth, zeros);
    for ((&feature, sum), zero) in features.iter().zip(sums).zip(zeros) {
        phi[feature as usize] += sum * (1.0 - zero) * value;
    }
}

/// Hot elements explained together by [`Walk::add_leaf`].
const LANES: usize = 4;

#[inline]
fn route(node: &FlatNode, value: f64) -> u32 {
    if value.is_nan() {
        node.missing
    } else if value < node.threshold {
        node.left
    } else {
        node.right
    }
}

/// `RECIPROCAL[k] = 1 / k`, so the hot loops multiply instead of dividing.
const RECIPROCAL: [f64; MAX_TREE_DEPTH + 3] = {
    let mut table = [0.0; MAX_TREE_DEPTH + 3];
    let mut k = 1;
    while k < table.len() {
        table[k] = 1.0 / k as f64;
        k += 1;
    }
    table
};

/// `COUNT[k] = k` as a float.
const COUNT: [f64; MAX_TREE_DEPTH + 3] = {
    let mut table = [0.0; MAX_TREE_DEPTH + 3];
    let mut k = 0;
    while k < table.len() {
        table[k] = k as f64;
        k += 1;
    }
    table
};

/// EXTEND, fused with the copy of the parent's path: `child` (one element longer than
/// `parent`) receives the parent's path extended by a feature with the given fractions.
///
/// `one` is always 0 (cold branch) or 1 (hot branch): it is a product of such values.
#[inline]
fn extend_from(
    parent: &[PathElement],
    child: &mut [PathElement],
    zero: f64,
    one: f64,
    feature: u32,
) {
    let depth = parent.len();
    child[depth] = PathElement {
        feature,
        zero,
        one,
        weight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let scale = RECIPROCAL[depth + 1];
    let zero_scale = zero * scale;
    let one_scale = one * scale;
    for i in (0..depth).rev() {
        let weight = parent[i].weight;
        child[i + 1].weight += weight * COUNT[i + 1] * one_scale;
        child[i] = PathElement {
            weight: weight * zero_scale * COUNT[depth - i],
            ..parent[i]
        };
    }
}

/// UNWIND: removes element `k` from the path of length `depth + 1`, undoing its EXTEND.
#[inline]
fn unwind(path: &mut [PathElement], depth: usize, k: usize) {
    let PathElement { zero, one, .. } = path[k];
    let n = COUNT[depth + 1];
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let saved = path[i].weight;
            path[i].weight = next * n * RECIPROCAL[i + 1];
            next = saved - path[i].weight * zero * COUNT[depth - i] * RECIPROCAL[depth + 1];
        } else {
            path[i].weight = path[i].weight * n / (zero * COUNT[depth - i]);
        }
    }
    for i in k..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/// Total weights of the path with each of [`LANES`] hot elements (`one == 1`, fraction
/// `zeros[l]`) unwound, without modifying the path. Unused lanes compute harmless values.
#[inline]
fn unwound_sums_hot(path: &[PathElement], depth: usize, zeros: &[f64; LANES]) -> [f64; LANES] {
    let mut totals = [0.0; LANES];
    let mut next = [path[depth].weight; LANES];
    for i in (0..depth).rev() {
        let (reciprocal, count, weight) = (RECIPROCAL[i + 1], COUNT[depth - i], path[i].weight);
        for lane in 0..LANES {
            let share = next[lane] * reciprocal;
            totals[lane] += share;
            next[lane] = weight - share * zeros[lane] * count;
        }
    }
    totals.map(|t| t * COUNT[depth + 1])
}

/// `sum_i weight_i / (depth - i)`: a cold element's unwound sum is this times
/// `(depth + 1) / zero`, so one value serves every cold element of a leaf.
#[inline]
fn cold_sum(path: &[PathElement], depth: usize) -> f64 {
    let total: f64 = (0..depth)
        .map(|i| path[i].weight * RECIPROCAL[depth - i])
        .sum();
    total * COUNT[depth + 1]
}

/// The "treeshap" explainer: contributions per column, per variable and per source group.
pub struct TreeShapExplainer {
    ctx: Arc<ExplainContext>,
}

impl TreeShapExplainer {
    pub fn new(ctx: Arc<ExplainContext>) -> Self {
        Self { ctx }
    }
}

impl Explainer for TreeShapExplainer {
    fn name(&self) -> &'static str {
        "treeshap"
    }

    fn explain(&self, subject: &Subject<'_>) -> Result<Section, ExplainError> {
        use crate::grouping::{GroupBy, group_contributions, waterfall};

        let shap = self.ctx.shap.shap_values(subject.row)?;
        let catalog = &self.ctx.catalog;
        let by_variable = group_contributions(&shap.contributions, catalog, GroupBy::Variable)?;
        let by_group = group_contributions(&shap.contributions, catalog, GroupBy::Group)?;
        let waterfall = waterfall(
            shap.base_value,
            &by_variable,
            self.ctx.settings.waterfall_top,
        );
        Ok(Section::Contributions(ContributionSection {
            probability: 1.0 / (1.0 + (-shap.prediction()).exp()),
            shap,
            by_variable,
            by_group,
            waterfall,
        }))
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::synthetic::{self, SyntheticSpec};

    /// E[tree | features in `mask` fixed to the row], by cover-weighted traversal.
    fn conditional(tree: &Tree, row: &[f64], mask: u32, index: usize) -> f64 {
        let node = &tree.nodes[index];
        let Some(f) = node.feature else {
            return node.value;
        };
        if mask & (1 << f) != 0 {
            return conditional(tree, row, mask, node.route(row[f]));
        }
        let (l, r) = child_fractions(&tree.nodes[node.left], &tree.nodes[node.right]);
        l * conditional(tree, row, mask, node.left) + r * conditional(tree, row, mask, node.right)
    }

    fn factorial(n: usize) -> f64 {
        (1..=n).map(|i| i as f64).product()
    }

    /// Shapley values by enumerating every coalition.
    fn brute_force(ensemble: &TreeEnsemble, row: &[f64]) -> Vec<f64> {
        let m = ensemble.n_features();
        let value = |mask: u32| -> f64 {
            ensemble
                .trees
                .iter()
                .map(|t| conditional(t, row, mask, 0))
                .sum()
        };
        (0..m)
            .map(|i| {
                (0..1u32 << m)
                    .filter(|s| s & (1 << i) == 0)
                    .map(|s| {
                        let size = s.count_ones() as usize;
                        let w = factorial(size) * factorial(m - size - 1) / factorial(m);
                        w * (value(s | (1 << i)) - value(s))
                    })
                    .sum()
            })
            .collect()
    }

    fn random_row(rng: &mut ChaCha8Rng, m: usize) -> Vec<f64> {
        (0..m)
            .map(|_| {
                if rng.gen_bool(0.2) {
                    f64::NAN
                } else {
                    rng.r#gen()
                }
            })
            .collect()
    }

    fn assert_close(a: &[f64], b: &[f64], tol: f64) {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() < tol, "feature {i}: {x} vs {y}");
        }
    }

    fn both_algorithms(ensemble: &TreeEnsemble) -> [TreeShap; 2] {
        let explainer = TreeShap::new(ensemble).expect("test ensembles are valid");
        [
            explainer.clone().with_algorithm(Algorithm::PathWeights),
            explainer.with_algorithm(Algorithm::Quadrature),
        ]
    }

    #[test]
    fn matches_brute_force_shapley_values_on_small_random_trees() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..40 {
            let spec = SyntheticSpec {
                trees: 1 + case % 3,
                max_depth: 1 + case % 4,
                features: 5 + case % 2,
                early_leaf: 0.2,
                seed: case as u64,
            };
            let ensemble = synthetic::ensemble(spec);
            for _ in 0..5 {
                let row = random_row(&mut rng, spec.features);
                let expected = brute_force(&ensemble, &row);
                for explainer in both_algorithms(&ensemble) {
                    let shap = explainer
                        .shap_values(&row)
                        .expect("row has the right length");
                    assert_close(&shap.contributions, &expected, 1e-10);
                    assert!((shap.prediction() - ensemble.predict_raw(&row)).abs() < 1e-10);
                }
            }
        }
    }

    fn split(
        feature: usize,
        threshold: f64,
        children: (usize, usize),
        missing: usize,
        cover: f64,
    ) -> Node {
        Node {
            feature: Some(feature),
            threshold,
            left: children.0,
            right: children.1,
            missing,
            value: 0.0,
            cover,
            samples: cover as u64,
        }
    }

    fn leaf(value: f64, cover: f64) -> Node {
        Node {
            value,
            feature: None,
            ..split(0, 0.0, (0, 0), 0, cover)
        }
    }

    /// Feature 0 is split on twice along the same path; the second split also has a child
    /// with zero cover, which the recursion must skip without dividing by zero.
    #[test]
    fn repeated_feature_on_a_path_and_zero_cover_child() {
        let nodes = vec![
            split(0, 0.5, (1, 2), 1, 10.0),
            split(1, 0.3, (3, 4), 4, 6.0),
            leaf(0.4, 4.0),
            split(0, 0.2, (5, 6), 6, 2.0),
            leaf(-0.3, 4.0),
            leaf(1.0, 0.0),
            leaf(-0.7, 2.0),
        ];
        let ensemble = TreeEnsemble {
            base_score: -1.0,
            feature_names: synthetic::feature_names(3),
            trees: vec![Tree { nodes }],
        };
        for explainer in both_algorithms(&ensemble) {
            for row in [
                [0.1, 0.1, 0.0],
                [0.4, f64::NAN, 1.0],
                [f64::NAN, 0.2, 0.0],
                [0.9, 0.9, 0.9],
            ] {
                let shap = explainer
                    .shap_values(&row)
                    .expect("row has the right length");
                assert_close(&shap.contributions, &brute_force(&ensemble, &row), 1e-12);
                assert!((shap.prediction() - ensemble.predict_raw(&row)).abs() < 1e-12);
                assert_eq!(shap.contributions[2], 0.0, "an unused feature gets nothing");
            }
        }
    }

    /// Trees deeper than 10 use the general quadrature code (more than 5 points).
    #[test]
    fn deep_trees_match_brute_force_with_both_algorithms() {
        let ensemble = synthetic::ensemble(SyntheticSpec {
            trees: 2,
            max_depth: 13,
            features: 6,
            early_leaf: 0.15,
            seed: 21,
        });
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for _ in 0..4 {
            let row = random_row(&mut rng, 6);
            let expected = brute_force(&ensemble, &row);
            for explainer in both_algorithms(&ensemble) {
                let shap = explainer
                    .shap_values(&row)
                    .expect("row has the right length");
                assert_close(&shap.contributions, &expected, 1e-10);
            }
        }
    }

    #[test]
    fn base_value_is_the_cover_weighted_mean_leaf_value() {
        let ensemble = synthetic::ensemble(SyntheticSpec {
            trees: 3,
            max_depth: 3,
            features: 4,
            early_leaf: 0.0,
            seed: 3,
        });
        let explainer = TreeShap::new(&ensemble).expect("synthetic ensembles are valid");
        let mean: f64 = ensemble
            .trees
            .iter()
            .map(|t| {
                let leaves = t.nodes.iter().filter(|n| n.feature.is_none());
                let (sum, cover) =
                    leaves.fold((0.0, 0.0), |(s, c), n| (s + n.value * n.cover, c + n.cover));
                sum / cover
            })
            .sum();
        assert!((explainer.base_value() - ensemble.base_score - mean).abs() < 1e-12);
    }

    #[test]
    fn additivity_on_a_large_random_ensemble() {
        let ensemble = synthetic::ensemble(SyntheticSpec {
            trees: 200,
            max_depth: 6,
            features: 200,
            early_leaf: 0.1,
            seed: 11,
        });
        let data = synthetic::matrix(20, 200, 0.1, 5);
        let mut phi = vec![0.0; 200];
        let [classic, fast] = both_algorithms(&ensemble);
        let mut scratch = classic.scratch();
        for i in 0..data.rows {
            let expected = fast
                .shap_values(data.row(i))
                .expect("row has the right length");
            classic
                .shap_values_into(data.row(i), &mut scratch, &mut phi)
                .expect("row has the right length");
            assert_close(&phi, &expected.contributions, 1e-12);
            let explainer = &fast;
            explainer
                .shap_values_into(data.row(i), &mut scratch, &mut phi)
                .expect("row has the right length");
            let total = explainer.base_value() + phi.iter().sum::<f64>();
            assert!((total - ensemble.predict_raw(data.row(i))).abs() < 1e-9);
        }
    }

    #[test]
    fn rejects_a_row_of_the_wrong_length() {
        let ensemble = synthetic::ensemble(SyntheticSpec {
            trees: 1,
            max_depth: 2,
            features: 3,
            early_leaf: 0.0,
            seed: 1,
        });
        let err = tree_shap(&ensemble, &[0.0; 2]);
        assert_eq!(
            err,
            Err(ExplainError::RowLength {
                expected: 3,
                found: 2
            })
        );
    }
}
