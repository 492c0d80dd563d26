//! Sums per-column contributions into the variables they come from (all one-hot columns of
//! a categorical variable become that variable) or into source groups, and builds waterfall
//! steps: the largest factors plus an "All other factors" remainder.

use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::data::{FeatureCatalog, FeatureInfo};

/// Key of the waterfall step that gathers every factor outside the top N.
pub const OTHER_KEY: &str = "__other__";

/// Label of that step.
pub const OTHER_LABEL: &str = "All other factors";

/// How columns are gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The original variable (`FeatureInfo::variable`), labelled by `variable_label`.
    Variable,
    /// The source group (`FeatureInfo::group`).
    Group,
}

impl GroupBy {
    /// Key and label of a column under this grouping.
    pub fn key_label(self, info: &FeatureInfo) -> (String, String) {
        match self {
            Self::Variable => {
                let label = match info.variable_label.is_empty() {
                    true => &info.label,
                    false => &info.variable_label,
                };
                (info.variable.clone(), label.clone())
            }
            Self::Group => (info.group.clone(), info.group.clone()),
        }
    }
}

/// The summed contribution of a set of columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupedContribution {
    pub key: String,
    pub label: String,
    /// Sum of the columns' contributions (log-odds).
    pub contribution: f64,
    /// Names of the columns summed, in model order.
    pub features: Vec<String>,
}

/// Columns of the catalog gathered by `by`: `(key, label, column indices)`, in order of
/// first appearance.
pub fn column_groups(catalog: &FeatureCatalog, by: GroupBy) -> Vec<(String, String, Vec<usize>)> {
    let mut groups: Vec<(String, String, Vec<usize>)> = Vec::new();
    let mut position = std::collections::HashMap::new();
    for (i, info) in catalog.features.iter().enumerate() {
        let (key, label) = by.key_label(info);
        let slot = *position.entry(key.clone()).or_insert_with(|| {
            groups.push((key, label, Vec::new()));
            groups.len() - 1
        });
        groups[slot].2.push(i);
    }
    groups
}

/// Sums `contributions` (one per catalog column) by `by`, sorted by decreasing absolute
/// contribution (ties by key).
pub fn group_contributions(
    contributions: &[f64],
    catalog: &FeatureCatalog,
    by: GroupBy,
) -> Result<Vec<GroupedContribution>, ExplainError> {
    if contributions.len() != catalog.features.len() {
        return Err(ExplainError::LengthMismatch {
            what: "contributions",
            expected: catalog.features.len(),
            found: contributions.len(),
        });
    }
    let mut grouped: Vec<GroupedContribution> = column_groups(catalog, by)
        .into_iter()
        .map(|(key, label, columns)| GroupedContribution {
            key,
            label,
            contribution: columns.iter().map(|&i| contributions[i]).sum(),
            features: columns
                .iter()
                .map(|&i| catalog.features[i].name.clone())
                .collect(),
        })
        .collect();
    sort_by_magnitude(&mut grouped);
    Ok(grouped)
}

/// Sorts by decreasing absolute contribution, ties broken by key.
pub fn sort_by_magnitude(items: &mut [GroupedContribution]) {
    items.sort_by(|a, b| {
        b.contribution
            .abs()
            .total_cmp(&a.contribution.abs())
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// One bar of a waterfall chart, in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterfallStep {
    pub key: String,
    pub label: String,
    pub contribution: f64,
    /// Running total before this step.
    pub start: f64,
    /// Running total after this step.
    pub end: f64,
}

/// A waterfall from the base value to the prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waterfall {
    pub base_value: f64,
    pub steps: Vec<WaterfallStep>,
    /// `base_value` plus every contribution.
    pub prediction: f64,
}

/// The `top_n` items with the largest |contribution|, then one "All other factors" step
/// holding the rest (omitted when nothing is left), so the steps sum to the full total.
pub fn waterfall(base_value: f64, items: &[GroupedContribution], top_n: usize) -> Waterfall {
    let mut sorted = items.to_vec();
    sort_by_magnitude(&mut sorted);
    let rest = sorted.split_off(top_n.min(sorted.len()));
    if !rest.is_empty() {
        sorted.push(GroupedContribution {
            key: OTHER_KEY.into(),
            label: OTHER_LABEL.into(),
            contribution: rest.iter().map(|g| g.contribution).sum(),
            features: rest.into_iter().flat_map(|g| g.features).collect(),
        });
    }

    let mut running = base_value;
    let steps = sorted
        .into_iter()
        .map(|g| {
            let start = running;
            running += g.contribution;
            WaterfallStep {
                key: g.key,
                label: g.label,
                contribution: g.contribution,
                start,
                end: running,
            }
        })
        .collect();
    Waterfall {
        base_value,
        steps,
        prediction: running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueKind;

    pub(crate) fn catalog() -> FeatureCatalog {
        let info = |name: &str, variable: &str, group: &str, category: Option<&str>| FeatureInfo {
            name: name.into(),
            variable: variable.into(),
            variable_label: format!("{variable} label"),
            group: group.into(),
            label: format!("{name} label"),
            description: String::new(),
            category: category.map(Into::into),
            kind: match category {
                Some(_) => ValueKind::OneHot,
                None => ValueKind::Number,
            },
            higher_is: None,
        };
        FeatureCatalog {
            features: vec![
                info("EXT_SOURCE_2", "EXT_SOURCE_2", "Application", None),
                info("EDU_Higher", "EDU", "Application", Some("Higher")),
                info("EDU_Secondary", "EDU", "Application", Some("Secondary")),
                info("BUREAU_COUNT", "BUREAU_COUNT", "Credit bureau", None),
            ],
        }
    }

    #[test]
    fn one_hot_columns_sum_into_their_variable() {
        let grouped = group_contributions(&[0.1, -0.3, 0.5, -0.05], &catalog(), GroupBy::Variable)
            .expect("lengths match");
        let keys: Vec<_> = grouped.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["EDU", "EXT_SOURCE_2", "BUREAU_COUNT"]);
        assert!((grouped[0].contribution - 0.2).abs() < 1e-12);
        assert_eq!(grouped[0].features, ["EDU_Higher", "EDU_Secondary"]);
        assert_eq!(grouped[0].label, "EDU label");
    }

    #[test]
    fn columns_sum_into_source_groups() {
        let grouped = group_contributions(&[0.1, -0.3, 0.5, -0.05], &catalog(), GroupBy::Group)
            .expect("lengths match");
        assert_eq!(grouped[0].key, "Application");
        assert!((grouped[0].contribution - 0.3).abs() < 1e-12);
        assert_eq!(grouped[1].features, ["BUREAU_COUNT"]);
    }

    #[test]
    fn grouping_rejects_contributions_of_the_wrong_length() {
        assert!(group_contributions(&[0.1], &catalog(), GroupBy::Group).is_err());
    }

    #[test]
    fn waterfall_keeps_top_factors_and_a_remainder_that_completes_the_sum() {
        let contributions = [0.1, -0.3, 0.5, -0.05];
        let grouped = group_contributions(
            &contributions,
            &FeatureCatalog::plain(&["a", "b", "c", "d"].map(String::from)),
            GroupBy::Variable,
        )
        .expect("lengths match");
        let w = waterfall(-2.0, &grouped, 2);
        let keys: Vec<_> = w.steps.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["c", "b", OTHER_KEY]);
        assert!((w.steps[2].contribution - 0.05).abs() < 1e-12);
        assert!((w.prediction - (-2.0 + 0.25)).abs() < 1e-12);
        assert_eq!(w.steps[1].start, w.steps[0].end);

        let all = waterfall(-2.0, &grouped, 10);
        assert_eq!(
            all.steps.len(),
            4,
            "no remainder step when every factor is shown"
        );
    }
}
