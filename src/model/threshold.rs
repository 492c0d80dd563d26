//! The decision threshold: the probability of default at and above which an application is
//! refused, chosen to minimise the expected business cost on the out-of-fold predictions.
//!
//! Cost = `missed_default` × (defaulters granted) + `refused_good` × (good customers
//! refused). The whole curve, one point per distinct out-of-fold probability, is stored with
//! the model so that the choice can be audited or revisited with other costs.

use serde::{Deserialize, Serialize};

use crate::config::Costs;

use super::metrics::sorted_order;

/// The outcome of one threshold on the labelled applicants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostPoint {
    /// Refuse when probability >= threshold.
    pub threshold: f64,
    pub refused: usize,
    pub granted: usize,
    /// Defaulters who would be granted a loan (false negatives).
    pub missed_defaults: usize,
    /// Good customers who would be refused (false positives).
    pub refused_goods: usize,
    /// Total cost on the labelled applicants.
    pub cost: f64,
}

/// The chosen threshold, the costs that chose it and the whole cost curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRule {
    /// How to read `threshold`.
    pub rule: String,
    pub threshold: f64,
    pub costs: Costs,
    /// The cost if the probabilities were exact: refuse when p >= refused_good /
    /// (missed_default + refused_good). For comparison with the threshold found.
    pub theoretical_threshold: f64,
    /// One point per candidate threshold, ascending.
    pub curve: Vec<CostPoint>,
}

/// Sweeps every distinct probability as a threshold and keeps the cheapest one (the highest
/// threshold among equally cheap ones, so that fewer people are refused).
pub fn choose(labels: &[f64], probabilities: &[f64], costs: &Costs) -> DecisionRule {
    let curve = cost_curve(labels, probabilities, costs);
    let mut best = 0;
    for (i, point) in curve.iter().enumerate() {
        if point.cost <= curve[best].cost {
            best = i;
        }
    }
    let threshold = curve.get(best).map_or(0.5, |p| p.threshold);
    DecisionRule {
        rule: "refuse when probability >= threshold".into(),
        threshold,
        costs: costs.clone(),
        theoretical_threshold: costs.refused_good / (costs.missed_default + costs.refused_good),
        curve,
    }
}

/// The point of `rule.curve` at its chosen threshold.
pub fn chosen_point(rule: &DecisionRule) -> Option<&CostPoint> {
    rule.curve.iter().find(|p| p.threshold == rule.threshold)
}

/// One [`CostPoint`] per distinct probability (ascending), plus a last point that refuses
/// nobody when no probability reaches 1.
pub fn cost_curve(labels: &[f64], probabilities: &[f64], costs: &Costs) -> Vec<CostPoint> {
    let order = sorted_order(probabilities);
    let n = order.len();
    let total_defaults = order.iter().filter(|&&i| labels[i] > 0.5).count();

    // Walk from the lowest probability up: at a group's first row, everyone from here up is
    // refused and everyone below is granted.
    let mut curve = Vec::new();
    let (mut granted_defaults, mut granted) = (0, 0);
    let mut start = 0;
    while start < n {
        let value = probabilities[order[start]];
        curve.push(point(
            value,
            n,
            granted,
            granted_defaults,
            total_defaults,
            costs,
        ));
        while start < n && probabilities[order[start]] == value {
            granted += 1;
            if labels[order[start]] > 0.5 {
                granted_defaults += 1;
            }
            start += 1;
        }
    }
    if curve.last().is_none_or(|p| p.threshold < 1.0) {
        curve.push(point(
            1.0,
            n,
            granted,
            granted_defaults,
            total_defaults,
            costs,
        ));
    }
    curve
}

fn point(
    threshold: f64,
    n: usize,
    granted: usize,
    granted_defaults: usize,
    total_defaults: usize,
    costs: &Costs,
) -> CostPoint {
    let refused = n - granted;
    let refused_goods = refused - (total_defaults - granted_defaults);
    CostPoint {
        threshold,
        refused,
        granted,
        missed_defaults: granted_defaults,
        refused_goods,
        cost: costs.missed_default * granted_defaults as f64
            + costs.refused_good * refused_goods as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs() -> Costs {
        Costs {
            missed_default: 10.0,
            refused_good: 1.0,
        }
    }

    #[test]
    fn curve_counts_are_consistent_and_cost_matches_brute_force() {
        let labels = [0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let probs = [0.01, 0.3, 0.05, 0.05, 0.02, 0.2, 0.5, 0.9];
        let curve = cost_curve(&labels, &probs, &costs());
        for p in &curve {
            let mut cost = 0.0;
            for (y, q) in labels.iter().zip(&probs) {
                let refuse = *q >= p.threshold;
                if refuse && *y < 0.5 {
                    cost += 1.0;
                }
                if !refuse && *y > 0.5 {
                    cost += 10.0;
                }
            }
            assert_eq!(p.cost, cost, "threshold {}", p.threshold);
            assert_eq!(p.refused + p.granted, labels.len());
        }
        // Distinct probabilities (7) plus the refuse-nobody point.
        assert_eq!(curve.len(), 8);
    }

    #[test]
    fn chosen_threshold_is_the_cheapest_point() {
        let labels = [0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let probs = [0.01, 0.3, 0.05, 0.05, 0.02, 0.2, 0.5, 0.9];
        let rule = choose(&labels, &probs, &costs());
        let min = rule
            .curve
            .iter()
            .map(|p| p.cost)
            .fold(f64::INFINITY, f64::min);
        assert_eq!(chosen_point(&rule).map(|p| p.cost), Some(min));
        // Refusing from 0.02 up catches every defaulter at the price of 4 good customers.
        assert_eq!(rule.threshold, 0.02);
        assert!((rule.theoretical_threshold - 1.0 / 11.0).abs() < 1e-12);
    }
}
