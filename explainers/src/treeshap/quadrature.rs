//! The default, faster evaluation of the same exact path-dependent SHAP values.
//!
//! For a leaf of value `v` whose unique path holds features `j` with fractions `z_j`
//! (share of the cover, as in Algorithm 2) and `o_j` (1 when the row follows the path, else
//! 0), the leaf's game is `g(S) = v * prod_j (o_j if j in S else z_j)`, and the Shapley
//! weight `|S|! (d - 1 - |S|)! / d!` equals `integral over [0, 1] of t^|S| (1 - t)^(d-1-|S|)`.
//! Summing over coalitions gives
//!
//! `phi_k = v (o_k - z_k) * integral over [0, 1] of prod_{j != k} (z_j + (o_j - z_j) t) dt`,
//!
//! a polynomial of degree `d - 1` that Gauss-Legendre quadrature with `ceil(D / 2)` points
//! integrates exactly (`D` the deepest tree). Walking a tree thus only keeps the unique path
//! (no EXTEND/UNWIND weights) and each leaf costs `O(d * points)` instead of `O(d^2)`.

use super::{FlatNode, LEAF, route};

/// Gauss-Legendre points and weights on `[0, 1]`.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) points: Vec<f64>,
    pub(super) weights: Vec<f64>,
}

/// Most quadrature points a rule may have (enough for trees of depth 64).
pub(super) const MAX_POINTS: usize = 33;

impl Rule {
    /// The rule that is exact for every path of a tree of depth `max_depth`.
    pub(super) fn for_depth(max_depth: usize) -> Self {
        Self::gauss_legendre(max_depth.div_ceil(2).clamp(1, MAX_POINTS))
    }

    /// `n`-point Gauss-Legendre rule (exact for polynomials of degree `2n - 1`), by Newton
    /// iterations on the Legendre polynomial from the usual cosine starting points.
    pub(super) fn gauss_legendre(n: usize) -> Self {
        let mut points = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        for i in 0..n {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            for _ in 0..100 {
                let (p, dp) = legendre(n, x);
                let step = p / dp;
                x -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            let (_, dp) = legendre(n, x);
            points.push((x + 1.0) / 2.0);
            weights.push(1.0 / ((1.0 - x * x) * dp * dp));
        }
        Self { points, weights }
    }
}

/// `P_n(x)` and its derivative.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut previous, mut current) = (1.0, x);
    for k in 2..=n {
        let k = k as f64;
        let next = ((2.0 * k - 1.0) * x * current - (k - 1.0) * previous) / k;
        previous = current;
        current = next;
    }
    let derivative = n as f64 * (x * current - previous) / (x * x - 1.0);
    (current, derivative)
}

/// Buffers of the unique path, sized for the deepest tree.
#[derive(Debug, Clone, Default)]
pub(super) struct UniquePath {
    features: Vec<u32>,
    zeros: Vec<f64>,
    ones: Vec<f64>,
}

impl UniquePath {
    pub(super) fn new(max_depth: usize) -> Self {
        Self {
            features: vec![0; max_depth + 1],
            zeros: vec![0.0; max_depth + 1],
            ones: vec![0.0; max_depth + 1],
        }
    }

    pub(super) fn fits(&self, max_depth: usize) -> bool {
        self.features.len() > max_depth
    }
}

/// State of one explanation.
pub(super) struct QuadratureWalk<'a> {
    pub(super) nodes: &'a [FlatNode],
    pub(super) row: &'a [f64],
    pub(super) rule: &'a Rule,
    pub(super) path: &'a mut UniquePath,
    pub(super) phi: &'a mut [f64],
}

impl QuadratureWalk<'_> {
    /// Visits `index` with `len` unique features on the path above it.
    pub(super) fn visit(&mut self, index: u32, len: usize) {
        let node = self.nodes[index as usize];
        if node.feature == LEAF {
            self.add_leaf(len, node.value);
            return;
        }

        let hot = route(&node, self.row[node.feature as usize]);
        let cold = if hot == node.left {
            node.right
        } else {
            node.left
        };
        let seen = self.path.features[..len]
            .iter()
            .position(|&f| f == node.feature);
        let (slot, child_len, zero, one) = match seen {
            Some(k) => (k, len, self.path.zeros[k], self.path.ones[k]),
            None => (len, len + 1, 1.0, 1.0),
        };
        self.path.features[slot] = node.feature;

        // A branch whose fractions are both zero contributes nothing and is skipped, which
        // also keeps every quadrature factor positive (divisions in `add_leaf` are safe).
        let hot_zero = self.nodes[hot as usize].fraction * zero;
        if hot_zero != 0.0 || one != 0.0 {
            self.set(slot, hot_zero, one);
            self.visit(hot, child_len);
        }
        let cold_zero = self.nodes[cold as usize].fraction * zero;
        if cold_zero != 0.0 {
            self.set(slot, cold_zero, 0.0);
            self.visit(cold, child_len);
        }
        self.set(slot, zero, one);
    }

    fn set(&mut self, slot: usize, zero: f64, one: f64) {
        self.path.zeros[slot] = zero;
        self.path.ones[slot] = one;
    }

    /// Adds the leaf's share to every feature of the unique path. Small rules (trees up to
    /// depth 10) use fixed-size arrays so the point loops unroll.
    fn add_leaf(&mut self, len: usize, value: f64) {
        match self.rule.points.len() {
            1 => self.add_leaf_fixed::<1>(len, value),
            2 => self.add_leaf_fixed::<2>(len, value),
            3 => self.add_leaf_fixed::<3>(len, value),
            4 => self.add_leaf_fixed::<4>(len, value),
            5 => self.add_leaf_fixed::<5>(len, value),
            _ => self.add_leaf_any(len, value),
        }
    }

    fn add_leaf_fixed<const N: usize>(&mut self, len: usize, value: f64) {
        let points: [f64; N] = std::array::from_fn(|q| self.rule.points[q]);
        let mut totals: [f64; N] = std::array::from_fn(|q| self.rule.weights[q]);
        let path = &*self.path;
        let (zeros, ones) = (&path.zeros[..len], &path.ones[..len]);
        for (&zero, &one) in zeros.iter().zip(ones) {
            for q in 0..N {
                totals[q] *= zero + (one - zero) * points[q];
            }
        }

        // The integrand without element k is the full product divided by k's factor. A cold
        // element (one = 0) has factor zero * (1 - t), and its weight (0 - zero) cancels the
        // `zero`: all cold elements share one integral, without division.
        let mut cold = 0.0;
        for q in 0..N {
            cold += totals[q] / (1.0 - points[q]);
        }
        for ((&zero, &one), &feature) in zeros.iter().zip(ones).zip(&path.features[..len]) {
            if one == 0.0 {
                self.phi[feature as usize] -= value * cold;
                continue;
            }
            let mut integral = 0.0;
            for q in 0..N {
                integral += totals[q] / (zero + (one - zero) * points[q]);
            }
            self.phi[feature as usize] += value * (one - zero) * integral;
        }
    }

    fn add_leaf_any(&mut self, len: usize, value: f64) {
        let (points, n) = (&self.rule.points, self.rule.points.len());
        let mut totals = [0.0; MAX_POINTS];
        totals[..n].copy_from_slice(&self.rule.weights);
        let path = &*self.path;
        let (zeros, ones) = (&path.zeros[..len], &path.ones[..len]);
        for (&zero, &one) in zeros.iter().zip(ones) {
            for (total, &t) in totals.iter_mut().zip(points) {
                *total *= zero + (one - zero) * t;
            }
        }
        for ((&zero, &one), &feature) in zeros.iter().zip(ones).zip(&path.features[..len]) {
            let integral: f64 = totals
                .iter()
                .zip(points)
                .map(|(total, &t)| total / (zero + (one - zero) * t))
                .sum();
            self.phi[feature as usize] += value * (one - zero) * integral;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_of_degree_2n_minus_1_exactly() {
        for n in 1..=MAX_POINTS {
            let rule = Rule::gauss_legendre(n);
            for degree in 0..2 * n {
                let integral: f64 = rule
                    .points
                    .iter()
                    .zip(&rule.weights)
                    .map(|(t, w)| w * t.powi(degree as i32))
                    .sum();
                let exact = 1.0 / (degree + 1) as f64;
                assert!(
                    (integral - exact).abs() < 1e-13,
                    "n {n}, degree {degree}: {integral}"
                );
            }
        }
    }
}
