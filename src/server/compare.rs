//! Comparisons: a feature's distribution among a population (everyone, the similar-customer
//! cohort, granted or refused customers) with the customer placed in it, and a scatter of two
//! features. Only aggregates leave this module for the customer's own view.

use serde::Deserialize;

use explainers::cohort::MIN_COHORT;

use explainers::humanize::Unit;

use super::charts::{self, Bin, Chart};
use super::errors::AppError;
use super::state::{AppState, Decision};

/// Largest number of points drawn in a scatter; larger populations are sampled.
pub const SCATTER_SAMPLE: usize = 2000;
/// Bins of a histogram.
pub const BINS: usize = 20;

/// Which customers a distribution is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Group {
    #[default]
    All,
    Cohort,
    Granted,
    Refused,
}

impl Group {
    /// Parses the `population` query value.
    pub fn parse(text: Option<&str>) -> Result<Self, AppError> {
        Ok(match text.unwrap_or("all") {
            "" | "all" => Group::All,
            "cohort" => Group::Cohort,
            "granted" => Group::Granted,
            "refused" => Group::Refused,
            other => {
                return Err(AppError::BadRequest(format!(
                    "Population `{other}` is unknown: choose all, cohort, granted or refused."
                )));
            }
        })
    }

    /// How the population is named in sentences.
    pub fn describe(self) -> &'static str {
        match self {
            Group::All => "all customers",
            Group::Cohort => "the most similar customers",
            Group::Granted => "granted customers",
            Group::Refused => "refused customers",
        }
    }

    /// The query value.
    pub fn name(self) -> &'static str {
        match self {
            Group::All => "all",
            Group::Cohort => "cohort",
            Group::Granted => "granted",
            Group::Refused => "refused",
        }
    }
}

/// Query of the distribution fragment.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DistributionQuery {
    pub feature: Option<String>,
    pub population: Option<String>,
}

/// Query of the scatter fragment.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScatterQuery {
    pub x: Option<String>,
    pub y: Option<String>,
}

/// Looks a feature up by name, with a clear message when it is not a model feature.
pub fn feature(state: &AppState, name: Option<&str>) -> Result<usize, AppError> {
    let population = &state.inner.population;
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AppError::BadRequest("Choose a feature to compare.".to_owned()))?;
    population.feature_index(name).ok_or_else(|| {
        AppError::BadRequest(format!("`{name}` is not one of the model's features."))
    })
}

/// Values of `feature` among the customers in `group`, relative to the customer at `index`.
pub fn group_values(state: &AppState, index: usize, feature: usize, group: Group) -> Vec<f64> {
    let population = &state.inner.population;
    let customers = &state.inner.customers;
    let by_decision = |d: Decision| {
        customers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.score.decision == d)
            .map(|(i, _)| i)
            .collect()
    };
    let rows: Vec<usize> = match group {
        Group::All => (0..customers.len()).collect(),
        Group::Cohort => return state.inner.engine.cohort_values(population, index, feature),
        Group::Granted => by_decision(Decision::Grant),
        Group::Refused => by_decision(Decision::Refuse),
    };
    rows.iter().map(|&i| population.value(i, feature)).collect()
}

/// Equal-width bins of the finite values.
pub fn histogram(values: &[f64], bins: usize) -> Vec<Bin> {
    histogram_within(values, values, bins)
}

/// Equal-width bins spanning the finite values of `span`, counting the finite `values` (a
/// value outside the span is counted in the nearest end bin). Binning a group on the whole
/// population's span keeps the group's own extremes out of the bin edges.
pub fn histogram_within(span: &[f64], values: &[f64], bins: usize) -> Vec<Bin> {
    let finite =
        |xs: &[f64]| -> Vec<f64> { xs.iter().copied().filter(|v| v.is_finite()).collect() };
    let (span, values) = (finite(span), finite(values));
    let Some(lo) = span.iter().copied().reduce(f64::min) else {
        return Vec::new();
    };
    let hi = span.iter().copied().fold(lo, f64::max);
    if hi == lo || bins == 0 {
        return vec![Bin {
            start: lo - 0.5,
            end: hi + 0.5,
            count: values.len(),
        }];
    }
    let width = (hi - lo) / bins as f64;
    let mut out: Vec<Bin> = (0..bins)
        .map(|i| Bin {
            start: lo + i as f64 * width,
            end: lo + (i + 1) as f64 * width,
            count: 0,
        })
        .collect();
    for v in values {
        let i = ((v - lo) / width).max(0.0) as usize;
        out[i.min(bins - 1)].count += 1;
    }
    out
}

/// The distribution chart of one feature among a group, with the customer marked. Bins span
/// the whole population, so a group's chart never shows its members' extreme values; the
/// similar-customer cohort is shown only when at least [`MIN_COHORT`] of its members have a
/// value, so that no chart speaks for a handful of identifiable neighbours.
pub fn distribution(state: &AppState, index: usize, feature: usize, group: Group) -> Chart {
    let population = &state.inner.population;
    let name = &population.feature_names[feature];
    let label = state.label(name);
    let values = group_values(state, index, feature, group);
    let present = values.iter().filter(|v| v.is_finite()).count();
    if group == Group::Cohort && present < MIN_COHORT {
        return charts::withheld(
            "distribution",
            format!(
                "Fewer than {MIN_COHORT} of the most similar customers have a value for \
                 {label}, too few to show their distribution without revealing individuals. \
                 Compare with all customers instead."
            ),
        );
    }
    let unit = state.unit(name);
    let shown = |v: f64| unit.to_display(v);
    let values: Vec<f64> = values.into_iter().map(shown).collect();
    let everyone: Vec<f64> = (0..state.inner.customers.len())
        .map(|i| shown(population.value(i, feature)))
        .collect();
    let own = population.value(index, feature);
    let standing = charts::Standing::among(shown(own), &values)
        .map(|s| s.worded(unit.format(shown(own)), "this customer's value"));
    charts::distribution(
        &axis_title(&label, unit),
        group.describe(),
        &histogram_within(&everyone, &values, BINS),
        standing,
    )
}

/// A feature's label with the unit its values are drawn in, where the label does not say it.
/// Day counts are drawn as positive durations, except those towards a date that may lie
/// ahead, which keep their sign.
fn axis_title(label: &str, unit: Unit) -> String {
    let suffix = match unit {
        Unit::Plain | Unit::YearsFromDays => "",
        Unit::Days => " (days)",
        Unit::DaysFromNow => " (days from the application; negative: before it)",
        Unit::MonthsAgo => " (months ago)",
        Unit::Percent => " (%)",
    };
    format!("{label}{suffix}")
}

/// The scatter of two features, sampled evenly when the population is large.
pub fn scatter(state: &AppState, index: usize, x: usize, y: usize) -> Chart {
    let inner = &state.inner;
    let population = &inner.population;
    let n = inner.customers.len();
    let stride = n.div_ceil(SCATTER_SAMPLE).max(1);
    let (x_name, y_name) = (&population.feature_names[x], &population.feature_names[y]);
    let (x_unit, y_unit) = (state.unit(x_name), state.unit(y_name));
    let shown = |i: usize| {
        (
            x_unit.to_display(population.value(i, x)),
            y_unit.to_display(population.value(i, y)),
        )
    };
    let points: Vec<(f64, f64, Decision)> = (0..n)
        .step_by(stride)
        .filter(|&i| i != index)
        .map(|i| {
            let (a, b) = shown(i);
            (a, b, inner.customers[i].score.decision)
        })
        .filter(|(a, b, _)| a.is_finite() && b.is_finite())
        .collect();
    let (cx, cy) = shown(index);
    charts::scatter(
        &axis_title(&state.label(x_name), x_unit),
        &axis_title(&state.label(y_name), y_unit),
        &points,
        (cx.is_finite() && cy.is_finite()).then_some((cx, cy)),
        n,
        stride,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_every_finite_value_once() {
        let values = [0.0, 1.0, 2.0, 3.0, 10.0, f64::NAN];
        let bins = histogram(&values, 5);
        assert_eq!(bins.len(), 5);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 5);
        // Bins are half-open and 2 wide: [0, 2) holds 0 and 1, [2, 4) holds 2 and 3.
        assert_eq!(bins[0].count, 2);
        assert_eq!(bins[1].count, 2);
        assert_eq!(bins[4].count, 1);
        assert_eq!(bins[4].end, 10.0);
    }

    #[test]
    fn histogram_of_a_constant_is_one_bin() {
        let bins = histogram(&[4.0, 4.0], 5);
        assert_eq!(bins.len(), 1);
        assert_eq!(bins[0].count, 2);
    }

    #[test]
    fn group_binned_on_the_population_span_keeps_its_extremes_out_of_the_edges() {
        let population: Vec<f64> = (0..=100).map(f64::from).collect();
        let group = [41.3, 47.9, 52.6];
        let bins = histogram_within(&population, &group, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!((bins[0].start, bins[9].end), (0.0, 100.0));
        assert!(
            bins.iter()
                .all(|b| !group.contains(&b.start) && !group.contains(&b.end))
        );
        assert_eq!(bins[4].count, 2);
        assert_eq!(bins[5].count, 1);
    }

    #[test]
    fn unknown_population_is_a_clear_error() {
        let err = Group::parse(Some("everyone")).unwrap_err().to_string();
        assert!(err.contains("everyone") && err.contains("cohort"), "{err}");
    }
}
