//! Reasons in the style of adverse-action notices: the factors (grouped by variable) that
//! raised this customer's risk the most and those that lowered it the most, each as a plain
//! sentence comparing the customer's value with what is typical of customers who repaid.
//!
//! For a numeric variable the column with the largest |contribution| is described; its
//! value is set against the interquartile range of repaid customers: "above q25" when the
//! customer is below it, "below q75" when above, "between" when inside. A one-hot variable
//! is described by the customer's category and the share of repaid customers in it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::data::{FeatureCatalog, FeatureInfo, ValueKind};
use crate::explainer::{ExplainContext, Explainer, Section, Subject};
use crate::grouping::{GroupBy, column_groups};
use crate::humanize::{Unit, format_percent};
use crate::reference::{FeatureReference, ReferenceStats};

/// How many factors each side of a reason set lists by default.
pub const DEFAULT_REASON_COUNT: usize = 4;

/// One factor, explained in plain language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Variable key.
    pub key: String,
    /// Plain-language name of the variable.
    pub label: String,
    pub sentence: String,
    /// The customer's value, formatted; `None` when missing.
    pub customer_value: Option<String>,
    /// What is typical of customers who repaid, formatted.
    pub typical_value: Option<String>,
    /// Summed contribution of the variable's columns (log-odds).
    pub contribution: f64,
}

/// The factors that raised and lowered one customer's risk, strongest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonSet {
    pub raised: Vec<Reason>,
    pub lowered: Vec<Reason>,
}

/// Everything needed to describe a customer's factors.
#[derive(Debug, Clone, Copy)]
pub struct ReasonInputs<'a> {
    pub row: &'a [f64],
    pub contributions: &'a [f64],
    pub catalog: &'a FeatureCatalog,
    pub stats: &'a ReferenceStats,
}

/// Up to `count` factors on each side, strongest first.
pub fn reasons(inputs: ReasonInputs<'_>, count: usize) -> Result<ReasonSet, ExplainError> {
    check_lengths(&inputs)?;
    let mut scored: Vec<(f64, Reason)> = column_groups(inputs.catalog, GroupBy::Variable)
        .into_iter()
        .map(|(key, label, columns)| {
            let total: f64 = columns.iter().map(|&i| inputs.contributions[i]).sum();
            (total, describe(&inputs, key, label, &columns, total))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));

    let raised = scored.iter().filter(|(c, _)| *c > 0.0).take(count);
    let lowered = scored.iter().rev().filter(|(c, _)| *c < 0.0).take(count);
    Ok(ReasonSet {
        raised: raised.map(|(_, r)| r.clone()).collect(),
        lowered: lowered.map(|(_, r)| r.clone()).collect(),
    })
}

fn check_lengths(inputs: &ReasonInputs<'_>) -> Result<(), ExplainError> {
    let expected = inputs.catalog.features.len();
    let lengths = [
        ("row", inputs.row.len()),
        ("contributions", inputs.contributions.len()),
        ("reference statistics", inputs.stats.features.len()),
    ];
    match lengths.into_iter().find(|(_, found)| *found != expected) {
        Some((what, found)) => Err(ExplainError::LengthMismatch {
            what,
            expected,
            found,
        }),
        None => Ok(()),
    }
}

/// The wording of a factor, without its key, label and contribution.
struct Wording {
    sentence: String,
    customer_value: Option<String>,
    typical_value: Option<String>,
}

fn describe(
    inputs: &ReasonInputs<'_>,
    key: String,
    label: String,
    columns: &[usize],
    contribution: f64,
) -> Reason {
    let one_hot = columns
        .iter()
        .any(|&i| inputs.catalog.features[i].kind == ValueKind::OneHot);
    let main = strongest_column(inputs.contributions, columns);
    let info = &inputs.catalog.features[main];
    let reference = &inputs.stats.features[main];
    let wording = match (one_hot, info.kind) {
        (true, _) => categorical_wording(inputs, &label, columns),
        (false, ValueKind::YesNo) => yes_no_wording(info, reference, inputs.row[main]),
        (false, _) => numeric_wording(info, reference, inputs.row[main]),
    };
    Reason {
        key,
        label,
        sentence: wording.sentence,
        customer_value: wording.customer_value,
        typical_value: wording.typical_value,
        contribution,
    }
}

fn strongest_column(contributions: &[f64], columns: &[usize]) -> usize {
    let by_magnitude = |a: &&usize, b: &&usize| {
        contributions[**a]
            .abs()
            .total_cmp(&contributions[**b].abs())
    };
    // `column_groups` never yields an empty group, so the fallback is unreachable.
    columns
        .iter()
        .max_by(by_magnitude)
        .copied()
        .unwrap_or(columns[0])
}

fn display_label(info: &FeatureInfo) -> &str {
    if info.label.is_empty() {
        &info.name
    } else {
        &info.label
    }
}

fn numeric_wording(info: &FeatureInfo, reference: &FeatureReference, value: f64) -> Wording {
    let unit = Unit::of(info);
    let label = display_label(info);
    let range = reference.quantiles.map(|q| {
        let (a, b) = (unit.to_display(q.q25), unit.to_display(q.q75));
        (a.min(b), a.max(b))
    });

    if value.is_nan() {
        let known = format_percent(1.0 - reference.missing_share);
        return Wording {
            sentence: format!(
                "There is no information on {label}, which is known for {known} of customers who repaid."
            ),
            customer_value: None,
            typical_value: range.map(|r| typical_range(unit, r, f64::NAN)),
        };
    }

    let shown = unit.to_display(value);
    let customer = unit.format(shown);
    let Some((low, high)) = range else {
        return Wording {
            sentence: format!(
                "{label} is {customer}; customers who repaid usually have no value for it."
            ),
            customer_value: Some(customer),
            typical_value: None,
        };
    };
    let typical = typical_range(unit, (low, high), shown);
    let sentence = if low == high && shown == low {
        format!("{label} is {customer}, like most customers who repaid.")
    } else if low == high || shown < low || shown > high {
        format!("{label} is {customer}, where most customers who repaid have {typical}.")
    } else {
        format!(
            "{label} is {customer}, within the usual range of customers who repaid ({typical})."
        )
    };
    Wording {
        sentence,
        customer_value: Some(customer),
        typical_value: Some(typical),
    }
}

/// A yes/no answer against how often customers who repaid gave the same one.
fn yes_no_wording(info: &FeatureInfo, reference: &FeatureReference, value: f64) -> Wording {
    let label = display_label(info);
    if value.is_nan() {
        return numeric_wording(info, reference, value);
    }
    let (answer, share) = match value >= 0.5 {
        true => ("yes", reference.positive_share),
        false => (
            "no",
            1.0 - reference.missing_share - reference.positive_share,
        ),
    };
    let share = format_percent(share.max(0.0));
    Wording {
        sentence: format!(
            "{label}: {answer}; among customers who repaid, {share} answered {answer}."
        ),
        customer_value: Some(answer.to_owned()),
        typical_value: Some(format!("{share} of customers who repaid answered {answer}")),
    }
}

/// The repaid range as seen from the customer's side of it.
fn typical_range(unit: Unit, (low, high): (f64, f64), shown: f64) -> String {
    if low == high {
        return unit.format(low);
    }
    // "above 3 months ago" or "below in 300 days" would read badly: moments get the range.
    let is_moment = matches!(unit, Unit::MonthsAgo | Unit::DaysFromNow);
    if is_moment || !(shown < low || shown > high) {
        format!("between {} and {}", unit.format(low), unit.format(high))
    } else if shown < low {
        format!("above {}", unit.format(low))
    } else {
        format!("below {}", unit.format(high))
    }
}

fn categorical_wording(inputs: &ReasonInputs<'_>, label: &str, columns: &[usize]) -> Wording {
    let features = &inputs.catalog.features;
    let stats = &inputs.stats.features;
    if columns.iter().all(|&i| inputs.row[i].is_nan()) {
        let known = columns
            .iter()
            .map(|&i| 1.0 - stats[i].missing_share)
            .fold(0.0, f64::max);
        return Wording {
            sentence: format!(
                "There is no information on {label}, which is known for {} of customers who repaid.",
                format_percent(known)
            ),
            customer_value: None,
            typical_value: None,
        };
    }

    let chosen = columns
        .iter()
        .copied()
        .find(|&i| inputs.row[i] == 1.0 && features[i].kind == ValueKind::OneHot);
    let (category, share) = match chosen {
        Some(i) => (
            features[i].category.clone().unwrap_or_default(),
            stats[i].positive_share,
        ),
        None => {
            let listed: f64 = columns.iter().map(|&i| stats[i].positive_share).sum();
            ("another category".to_string(), (1.0 - listed).max(0.0))
        }
    };
    let typical = format!("{} of customers who repaid", format_percent(share));
    Wording {
        sentence: format!(
            "{label}: {category}; among customers who repaid, {} have this.",
            format_percent(share)
        ),
        customer_value: Some(category),
        typical_value: Some(typical),
    }
}

/// The "reasons" explainer: TreeSHAP contributions turned into sentences.
pub struct ReasonsExplainer {
    ctx: Arc<ExplainContext>,
}

impl ReasonsExplainer {
    pub fn new(ctx: Arc<ExplainContext>) -> Self {
        Self { ctx }
    }
}

impl Explainer for ReasonsExplainer {
    fn name(&self) -> &'static str {
        "reasons"
    }

    fn explain(&self, subject: &Subject<'_>) -> Result<Section, ExplainError> {
        let shap = self.ctx.shap.shap_values(subject.row)?;
        let inputs = ReasonInputs {
            row: subject.row,
            contributions: &shap.contributions,
            catalog: &self.ctx.catalog,
            stats: &self.ctx.reference,
        };
        let set = reasons(inputs, self.ctx.settings.reason_count)?;
        Ok(Section::Reasons(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::FeatureMatrix;

    fn info(name: &str, variable: &str, label: &str, category: Option<&str>) -> FeatureInfo {
        FeatureInfo {
            name: name.into(),
            variable: variable.into(),
            variable_label: label.split(':').next().unwrap_or(label).into(),
            group: "Application".into(),
            label: label.into(),
            description: String::new(),
            category: category.map(Into::into),
            kind: match category {
                Some(_) => ValueKind::OneHot,
                None => ValueKind::Number,
            },
            higher_is: None,
        }
    }

    fn setup() -> (FeatureCatalog, ReferenceStats) {
        let catalog = FeatureCatalog {
            features: vec![
                info(
                    "EXT_SOURCE_2",
                    "EXT_SOURCE_2",
                    "External credit score 2",
                    None,
                ),
                info(
                    "EDU_Higher",
                    "EDU",
                    "Education: Higher",
                    Some("Higher education"),
                ),
                info(
                    "EDU_Secondary",
                    "EDU",
                    "Education: Secondary",
                    Some("Secondary"),
                ),
                info("DAYS_BIRTH", "DAYS_BIRTH", "Age in years", None),
                info("AMT_CREDIT", "AMT_CREDIT", "Credit amount", None),
            ],
        };

        // Repaid customers: scores 0.5..0.9, 1 in 4 with higher education, ages 30..60.
        let mut values = Vec::new();
        for i in 0..100 {
            let higher = f64::from(u8::from(i % 4 == 0));
            let score = if i % 10 == 0 {
                f64::NAN
            } else {
                0.5 + 0.4 * (i as f64 / 99.0)
            };
            let age_days = -365.25 * (30.0 + 30.0 * (i as f64 / 99.0));
            values.extend([score, higher, 1.0 - higher, age_days, 500_000.0]);
        }
        let names = catalog.features.iter().map(|f| f.name.clone()).collect();
        let data = FeatureMatrix::new(names, values).expect("whole rows");
        let stats = ReferenceStats::build(&data, &vec![0.0; 100]).expect("repaid rows");
        (catalog, stats)
    }

    #[test]
    fn raised_and_lowered_factors_are_sorted_and_worded() {
        let (catalog, stats) = setup();
        let row = [0.21, 0.0, 1.0, -365.25 * 22.0, 500_000.0];
        let contributions = [0.8, 0.05, 0.1, 0.3, -0.2];
        let inputs = ReasonInputs {
            row: &row,
            contributions: &contributions,
            catalog: &catalog,
            stats: &stats,
        };
        let set = reasons(inputs, 4).expect("lengths match");

        let keys: Vec<_> = set.raised.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["EXT_SOURCE_2", "DAYS_BIRTH", "EDU"]);
        assert_eq!(set.lowered.len(), 1);
        assert_eq!(
            set.raised[0].sentence,
            "External credit score 2 is 0.21, where most customers who repaid have above 0.60."
        );
        assert_eq!(
            set.raised[1].sentence,
            "Age in years is 22.0 years, where most customers who repaid have above 37.5 years."
        );
        assert_eq!(
            set.raised[2].sentence,
            "Education: Secondary; among customers who repaid, 75% have this."
        );
        assert_eq!(set.raised[2].customer_value.as_deref(), Some("Secondary"));
        assert_eq!(
            set.lowered[0].sentence,
            "Credit amount is 500,000, like most customers who repaid."
        );
    }

    #[test]
    fn missing_values_and_values_inside_the_range_are_worded() {
        let (catalog, stats) = setup();
        let row = [f64::NAN, 1.0, 0.0, -365.25 * 45.0, 500_000.0];
        let contributions = [0.4, -0.1, 0.0, -0.3, 0.0];
        let inputs = ReasonInputs {
            row: &row,
            contributions: &contributions,
            catalog: &catalog,
            stats: &stats,
        };
        let set = reasons(inputs, 1).expect("lengths match");
        assert_eq!(
            set.raised[0].sentence,
            "There is no information on External credit score 2, which is known for 90% of customers who repaid."
        );
        assert_eq!(set.raised[0].customer_value, None);
        assert_eq!(set.lowered.len(), 1, "count limits each side");
        assert!(
            set.lowered[0].sentence.contains("within the usual range"),
            "{}",
            set.lowered[0].sentence
        );
    }

    /// A history share (values 0 to 1, with a category) and a yes/no flag, beside the
    /// one-hot variable: neither is worded as a category.
    #[test]
    fn shares_read_as_percentages_and_flags_as_yes_or_no() {
        let mut refused = info(
            "PREV_STATUS_Refused_MEAN",
            "NAME_CONTRACT_STATUS (previous_application)",
            "Share of previous applications with status \"Refused\"",
            Some("Refused"),
        );
        refused.kind = ValueKind::Share;
        let mut approved = refused.clone();
        approved.name = "PREV_STATUS_Approved_MEAN".into();
        approved.category = Some("Approved".into());
        approved.label = "Share of previous applications with status \"Approved\"".into();
        let mut car = info("FLAG_OWN_CAR", "FLAG_OWN_CAR", "Owns a car", None);
        car.kind = ValueKind::YesNo;
        let catalog = FeatureCatalog {
            features: vec![refused, approved, car],
        };
        // Repaid customers: a tenth refused before (a fifth of the time), 40% own a car.
        let mut values = Vec::new();
        for i in 0..100 {
            let refused = if i % 10 == 0 { 0.2 } else { 0.0 };
            values.extend([refused, 1.0 - refused, f64::from(u8::from(i % 5 < 2))]);
        }
        let names = catalog.features.iter().map(|f| f.name.clone()).collect();
        let data = FeatureMatrix::new(names, values).expect("whole rows");
        let stats = ReferenceStats::build(&data, &vec![0.0; 100]).expect("repaid rows");

        let row = [0.5, 0.5, 0.0];
        let contributions = [0.6, 0.1, 0.2];
        let inputs = ReasonInputs {
            row: &row,
            contributions: &contributions,
            catalog: &catalog,
            stats: &stats,
        };
        let set = reasons(inputs, 4).expect("lengths match");
        assert_eq!(set.raised.len(), 2, "the two shares are one variable");
        assert_eq!(
            set.raised[0].sentence,
            "Share of previous applications with status \"Refused\" is 50%, where most \
             customers who repaid have 0%."
        );
        assert_eq!(
            set.raised[1].sentence,
            "Owns a car: no; among customers who repaid, 60% answered no."
        );
        assert_eq!(set.raised[1].customer_value.as_deref(), Some("no"));
    }

    #[test]
    fn lengths_must_match_the_catalog() {
        let (catalog, stats) = setup();
        let inputs = ReasonInputs {
            row: &[0.0; 4],
            contributions: &[0.0; 5],
            catalog: &catalog,
            stats: &stats,
        };
        assert!(matches!(
            reasons(inputs, 4),
            Err(ExplainError::LengthMismatch { what: "row", .. })
        ));
    }
}
