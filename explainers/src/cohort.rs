//! Cohorts of similar customers: the `k` nearest neighbours of a customer among the
//! reference customers, summarised as aggregates only (size, default and grant rates,
//! per-feature quantiles, histogram counts and missing shares). No index, row or single
//! value of a neighbour is ever returned, and a cohort has at least [`MIN_COHORT`] members.
//!
//! Distance: the squared Euclidean distance between robustly standardised values,
//! `(x - median) / IQR` per chosen feature (the standard deviation when the IQR is zero, and
//! 1 when that is zero too). A feature missing on exactly one side adds
//! [`MISSING_PENALTY`]; missing on both sides adds nothing. Non-finite values count as missing.
//!
//! Layout: standardised values are stored column by column as `f32`; a query adds one
//! feature at a time to a distance vector (a branch-free loop the compiler vectorises), then
//! one pass with a bounded max-heap keeps the `k` nearest (ties go to the lower row).
//!
//! Histogram bins are fixed at build time from deciles of the whole reference population,
//! so bin edges never reveal a neighbour's value.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::data::FeatureMatrix;
use crate::explainer::{ExplainContext, Explainer, Section, Subject};
use crate::reference::{Quantiles, quantiles};

/// Smallest cohort ever reported.
pub const MIN_COHORT: usize = 20;

/// Distance added for a feature missing on exactly one side (squared standardised units:
/// as far as two interquartile ranges).
pub const MISSING_PENALTY: f32 = 4.0;

/// One bar of a histogram; `None` bounds are open ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub count: usize,
}

/// Distribution of one feature within a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDistribution {
    pub name: String,
    /// The queried customer's own value (`None` when missing).
    pub customer: Option<f64>,
    /// Quantiles of the cohort's present values; `None` when fewer than [`MIN_COHORT`] of
    /// them are present.
    pub quantiles: Option<Quantiles>,
    pub histogram: Vec<HistogramBin>,
    pub missing_share: f64,
}

/// Aggregates describing a cohort of similar customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSummary {
    pub size: usize,
    /// Share of the cohort that defaulted, among members whose outcome is known; `None`
    /// when fewer than [`MIN_COHORT`] outcomes are known.
    pub default_rate: Option<f64>,
    /// Share of the whole reference population that defaulted, for comparison.
    pub overall_default_rate: Option<f64>,
    /// Share of the cohort whose application was granted.
    pub granted_rate: Option<f64>,
    pub features: Vec<FeatureDistribution>,
}

/// Per-feature standardisation and histogram edges.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    source: usize,
    center: f64,
    scale: f64,
    edges: Vec<f64>,
}

/// A nearest-neighbour index over chosen features of the reference customers.
#[derive(Debug, Clone)]
pub struct CohortIndex {
    width: usize,
    rows: usize,
    columns: Vec<Column>,
    /// Standardised values, column after column; `NaN` for missing.
    values: Vec<f32>,
    labels: Option<Vec<f64>>,
    /// Default rate of the whole reference population, computed once at build time.
    overall_default_rate: Option<f64>,
    granted: Option<Vec<bool>>,
}

impl CohortIndex {
    /// Indexes `feature_indices` of `data`; `labels` (1 = default, `NaN` unknown) and
    /// `granted` must have one entry per row when given.
    pub fn build(
        data: &FeatureMatrix,
        feature_indices: &[usize],
        labels: Option<Vec<f64>>,
        granted: Option<Vec<bool>>,
    ) -> Result<Self, ExplainError> {
        data.check()?;
        check_build(data, feature_indices, labels.as_deref(), granted.as_deref())?;
        let mut columns = Vec::with_capacity(feature_indices.len());
        let mut values = Vec::with_capacity(data.rows * feature_indices.len());
        for &j in feature_indices {
            let raw: Vec<f64> = (0..data.rows)
                .map(|i| finite_or_nan(data.get(i, j)))
                .collect();
            let column = describe_column(&data.names[j], j, &raw);
            values.extend(
                raw.iter()
                    .map(|&v| ((v - column.center) / column.scale) as f32),
            );
            columns.push(column);
        }
        let everyone: Vec<usize> = (0..data.rows).collect();
        let overall_default_rate = labels.as_deref().and_then(|l| label_rate(l, &everyone, 1));
        Ok(Self {
            width: data.width(),
            rows: data.rows,
            columns,
            values,
            labels,
            overall_default_rate,
            granted,
        })
    }

    /// Number of values in the full rows given to [`CohortIndex::query`].
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of reference customers.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Names of the features the distance uses.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// Summary of the `max(k, MIN_COHORT)` customers nearest to `row` (a full row in the
    /// data's column order), leaving out reference row `exclude_index` (the customer).
    pub fn query(
        &self,
        row: &[f64],
        k: usize,
        exclude_index: Option<usize>,
    ) -> Result<CohortSummary, ExplainError> {
        let members = self.members(row, k, exclude_index)?;
        Ok(self.summarise(row, &members))
    }

    /// The present values of another column among the same cohort as [`CohortIndex::query`],
    /// sorted: for drawing the cohort's distribution of a feature the index does not hold.
    /// `column(i)` is reference row `i`'s value. Which customer holds which value is not
    /// returned. Callers publish aggregates only, binned on edges that do not come from
    /// these values, and nothing at all when fewer than [`MIN_COHORT`] values are present.
    pub fn cohort_values(
        &self,
        row: &[f64],
        k: usize,
        exclude_index: Option<usize>,
        column: impl Fn(usize) -> f64,
    ) -> Result<Vec<f64>, ExplainError> {
        let members = self.members(row, k, exclude_index)?;
        let mut values: Vec<f64> = members
            .into_iter()
            .map(column)
            .filter(|v| v.is_finite())
            .collect();
        values.sort_by(f64::total_cmp);
        Ok(values)
    }

    /// The cohort's rows, after checking the row and that it can have [`MIN_COHORT`] members.
    fn members(
        &self,
        row: &[f64],
        k: usize,
        exclude_index: Option<usize>,
    ) -> Result<Vec<usize>, ExplainError> {
        if row.len() != self.width {
            return Err(ExplainError::RowLength {
                expected: self.width,
                found: row.len(),
            });
        }
        let excluded = usize::from(exclude_index.is_some_and(|i| i < self.rows));
        let available = self.rows - excluded;
        if available < MIN_COHORT {
            return Err(ExplainError::NotEnoughRows {
                needed: MIN_COHORT,
                found: available,
            });
        }
        let k = k.max(MIN_COHORT).min(available);
        Ok(self.nearest(row, k, exclude_index))
    }

    /// Row numbers of the `k` nearest customers, internal only. Each column adds its part
    /// to a distance vector in one streaming pass; one more pass keeps the `k` smallest.
    /// (Processing rows in cache-sized blocks measured slower.)
    fn nearest(&self, row: &[f64], k: usize, exclude_index: Option<usize>) -> Vec<usize> {
        let mut distances = vec![0.0f32; self.rows];
        for (c, column) in self.columns.iter().enumerate() {
            let values = &self.values[c * self.rows..(c + 1) * self.rows];
            let query = ((finite_or_nan(row[column.source]) - column.center) / column.scale) as f32;
            match query.is_nan() {
                true => add_missing_query(&mut distances, values),
                false => add_present_query(&mut distances, values, query),
            }
        }
        if let Some(d) = exclude_index.and_then(|i| distances.get_mut(i)) {
            *d = f32::INFINITY;
        }
        let mut heap = BinaryHeap::with_capacity(k + 1);
        keep_smallest(&mut heap, &distances, 0, k);
        heap.into_iter().map(|c| c.row).collect()
    }

    fn summarise(&self, row: &[f64], members: &[usize]) -> CohortSummary {
        let features = self
            .columns
            .iter()
            .enumerate()
            .map(|(c, column)| self.distribution(c, column, row, members))
            .collect();
        CohortSummary {
            size: members.len(),
            default_rate: self
                .labels
                .as_deref()
                .and_then(|l| label_rate(l, members, MIN_COHORT)),
            overall_default_rate: self.overall_default_rate,
            granted_rate: self
                .granted
                .as_deref()
                .map(|g| members.iter().filter(|&&i| g[i]).count() as f64 / members.len() as f64),
            features,
        }
    }

    fn distribution(
        &self,
        c: usize,
        column: &Column,
        row: &[f64],
        members: &[usize],
    ) -> FeatureDistribution {
        let standardised = &self.values[c * self.rows..(c + 1) * self.rows];
        let mut values: Vec<f64> = members
            .iter()
            .map(|&i| f64::from(standardised[i]) * column.scale + column.center)
            .collect();
        let total = values.len() as f64;
        let histogram = histogram(&column.edges, &values);
        // Quantiles of fewer than MIN_COHORT present values would come close to naming
        // individual neighbours' values (with one, every quantile is that person's value).
        let quantiles = Quantiles::of(&mut values).filter(|_| values.len() >= MIN_COHORT);
        let customer = finite_or_nan(row[column.source]);
        FeatureDistribution {
            name: column.name.clone(),
            customer: (!customer.is_nan()).then_some(customer),
            quantiles,
            histogram,
            missing_share: 1.0 - values.len() as f64 / total,
        }
    }
}

fn check_build(
    data: &FeatureMatrix,
    feature_indices: &[usize],
    labels: Option<&[f64]>,
    granted: Option<&[bool]>,
) -> Result<(), ExplainError> {
    if data.rows < MIN_COHORT {
        return Err(ExplainError::NotEnoughRows {
            needed: MIN_COHORT,
            found: data.rows,
        });
    }
    if feature_indices.is_empty() {
        return Err(ExplainError::InvalidArgument(
            "a cohort needs at least one feature".into(),
        ));
    }
    if let Some(&j) = feature_indices.iter().find(|&&j| j >= data.width()) {
        return Err(ExplainError::InvalidArgument(format!(
            "feature `{j}` is out of range ({} columns)",
            data.width()
        )));
    }
    let lengths = [
        ("labels", labels.map(<[f64]>::len)),
        ("granted", granted.map(<[bool]>::len)),
    ];
    for (what, found) in lengths {
        if let Some(found) = found.filter(|&n| n != data.rows) {
            return Err(ExplainError::LengthMismatch {
                what,
                expected: data.rows,
                found,
            });
        }
    }
    Ok(())
}

fn finite_or_nan(v: f64) -> f64 {
    if v.is_finite() { v } else { f64::NAN }
}

/// Median, robust scale and population decile edges of one raw column.
fn describe_column(name: &str, source: usize, raw: &[f64]) -> Column {
    let mut present: Vec<f64> = raw.iter().copied().filter(|v| !v.is_nan()).collect();
    let probs = [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9];
    let Some(q) = quantiles(&mut present, &probs) else {
        return Column {
            name: name.into(),
            source,
            center: 0.0,
            scale: 1.0,
            edges: Vec::new(),
        };
    };
    let iqr = q[8] - q[2];
    let scale = if iqr > 0.0 { iqr } else { std_dev(&present) };
    let mut edges: Vec<f64> = [0, 1, 3, 4, 5, 6, 7, 9, 10].iter().map(|&i| q[i]).collect();
    edges.dedup();
    Column {
        name: name.into(),
        source,
        center: q[5],
        scale: if scale > 0.0 { scale } else { 1.0 },
        edges,
    }
}

fn std_dev(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// Adds the cost of a present query value: squared difference, or the penalty where the
/// reference value is missing.
fn add_present_query(distances: &mut [f32], values: &[f32], query: f32) {
    for (d, &x) in distances.iter_mut().zip(values) {
        let diff = x - query;
        *d += if x.is_nan() {
            MISSING_PENALTY
        } else {
            diff * diff
        };
    }
}

/// Adds the cost of a missing query value: the penalty where the reference value is present.
fn add_missing_query(distances: &mut [f32], values: &[f32]) {
    for (d, &x) in distances.iter_mut().zip(values) {
        *d += if x.is_nan() { 0.0 } else { MISSING_PENALTY };
    }
}

/// A heap entry ordered by distance, then row.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    distance: f32,
    row: usize,
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.row.cmp(&other.row))
    }
}

/// Offers the distances of rows `first..` to a max-heap bounded to `k` entries.
fn keep_smallest(heap: &mut BinaryHeap<Candidate>, distances: &[f32], first: usize, k: usize) {
    for (offset, &distance) in distances.iter().enumerate() {
        let row = first + offset;
        if heap.len() < k {
            heap.push(Candidate { distance, row });
        } else if let Some(mut worst) = heap.peek_mut()
            && distance < worst.distance
        {
            *worst = Candidate { distance, row };
        }
    }
}

/// Default rate among the `members` whose label is known, when at least `min_known` are:
/// a rate resting on a handful of people would reveal their outcomes.
fn label_rate(labels: &[f64], members: &[usize], min_known: usize) -> Option<f64> {
    let known: Vec<f64> = members
        .iter()
        .map(|&i| labels[i])
        .filter(|l| !l.is_nan())
        .collect();
    let defaults = known.iter().filter(|&&l| l > 0.5).count();
    (!known.is_empty() && known.len() >= min_known).then(|| defaults as f64 / known.len() as f64)
}

/// Counts of present `values` in the bins delimited by `edges` (open at both ends).
fn histogram(edges: &[f64], values: &[f64]) -> Vec<HistogramBin> {
    let mut counts = vec![0usize; edges.len() + 1];
    for v in values.iter().filter(|v| !v.is_nan()) {
        counts[edges.partition_point(|e| e <= v)] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(b, count)| HistogramBin {
            lower: b.checked_sub(1).map(|i| edges[i]),
            upper: edges.get(b).copied(),
            count,
        })
        .collect()
}

/// The "cohort" explainer: aggregates of the customers most similar to the subject.
pub struct CohortExplainer {
    ctx: Arc<ExplainContext>,
}

impl CohortExplainer {
    /// Fails when the context has no cohort index.
    pub fn new(ctx: Arc<ExplainContext>) -> Result<Self, ExplainError> {
        match ctx.cohort {
            Some(_) => Ok(Self { ctx }),
            None => Err(ExplainError::Unavailable {
                explainer: "cohort",
                reason: "no cohort index was built for this model".into(),
            }),
        }
    }
}

impl Explainer for CohortExplainer {
    fn name(&self) -> &'static str {
        "cohort"
    }

    fn explain(&self, subject: &Subject<'_>) -> Result<Section, ExplainError> {
        let index = self
            .ctx
            .cohort
            .as_ref()
            .ok_or_else(|| ExplainError::Unavailable {
                explainer: "cohort",
                reason: "no cohort index was built for this model".into(),
            })?;
        let summary = index.query(
            subject.row,
            self.ctx.settings.cohort_size,
            subject.reference_index,
        )?;
        Ok(Section::Cohort(summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic;

    /// 100 customers on a line: x = i, y = i mod 2, defaults for i >= 50, granted for even i.
    fn line() -> (FeatureMatrix, Vec<f64>, Vec<bool>) {
        let values = (0..100)
            .flat_map(|i| [i as f64, (i % 2) as f64, 7.0])
            .collect();
        let data = FeatureMatrix::new(vec!["x".into(), "y".into(), "z".into()], values)
            .expect("whole rows");
        let labels = (0..100).map(|i| f64::from(u8::from(i >= 50))).collect();
        let granted = (0..100).map(|i| i % 2 == 0).collect();
        (data, labels, granted)
    }

    #[test]
    fn cohort_is_the_nearest_customers_and_never_smaller_than_twenty() {
        let (data, labels, granted) = line();
        let index =
            CohortIndex::build(&data, &[0], Some(labels), Some(granted)).expect("valid inputs");
        let summary = index
            .query(&[10.3, 0.0, 0.0], 5, None)
            .expect("enough rows");
        assert_eq!(summary.size, 20);
        // The 20 nearest to x = 10.3 are x in 1..=20: no defaults.
        assert_eq!(summary.default_rate, Some(0.0));
        assert_eq!(summary.overall_default_rate, Some(0.5));
        assert_eq!(summary.granted_rate, Some(0.5));
        let q = summary.features[0].quantiles.expect("values present");
        assert!((q.q50 - 10.5).abs() < 1e-4);

        let far = index
            .query(&[95.0, 0.0, 0.0], 30, None)
            .expect("enough rows");
        assert_eq!(far.size, 30);
        assert_eq!(far.default_rate, Some(1.0));
    }

    #[test]
    fn cohort_values_are_the_same_cohorts_values_of_another_column() {
        let (data, labels, granted) = line();
        let index = CohortIndex::build(&data, &[0], Some(labels), Some(granted)).unwrap();
        let row = data.row(50).to_vec();
        let summary = index.query(&row, 20, Some(50)).unwrap();
        // Another column: ten times the row number, with row 45 missing.
        let values = index
            .cohort_values(&row, 20, Some(50), |i| {
                if i == 45 { f64::NAN } else { 10.0 * i as f64 }
            })
            .unwrap();
        assert_eq!(
            values.len(),
            summary.size - 1,
            "the missing value is left out"
        );
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "sorted");
        assert!(
            !values.contains(&500.0),
            "the customer is not in their own cohort"
        );
        assert!(
            values.iter().all(|v| (350.0..=650.0).contains(v)),
            "{values:?}"
        );
    }

    #[test]
    fn excluded_customer_is_left_out() {
        let (data, labels, _) = line();
        let index = CohortIndex::build(&data, &[0], Some(labels), None).expect("valid inputs");
        let with = index.query(data.row(0), 20, None).expect("enough rows");
        let without = index.query(data.row(0), 20, Some(0)).expect("enough rows");
        let q = |s: &CohortSummary| s.features[0].quantiles.expect("present").q10;
        assert!(q(&without) > q(&with));
        assert_eq!(without.granted_rate, None);
    }

    #[test]
    fn missing_values_cost_a_penalty_unless_both_are_missing() {
        // 30 customers with x missing, 30 with x present and far away in y.
        let mut values = Vec::new();
        for i in 0..60 {
            let x = if i < 30 { f64::NAN } else { 0.0 };
            values.extend([x, if i < 30 { 0.0 } else { 0.1 }]);
        }
        let data = FeatureMatrix::new(vec!["x".into(), "y".into()], values).expect("whole rows");
        let index = CohortIndex::build(&data, &[0, 1], None, None).expect("valid inputs");
        let summary = index
            .query(&[f64::NAN, 0.1], 20, None)
            .expect("enough rows");
        assert_eq!(summary.features[0].missing_share, 1.0);
        assert_eq!(summary.features[0].customer, None);
        assert_eq!(summary.default_rate, None);
    }

    #[test]
    fn histogram_bins_count_every_member_with_population_edges() {
        let (data, _, _) = line();
        let index = CohortIndex::build(&data, &[0, 1, 2], None, None).expect("valid inputs");
        let summary = index
            .query(&[50.0, 1.0, 7.0], 40, None)
            .expect("enough rows");
        for f in &summary.features {
            assert_eq!(
                f.histogram.iter().map(|b| b.count).sum::<usize>(),
                40,
                "{}",
                f.name
            );
            assert_eq!(f.histogram[0].lower, None);
            assert_eq!(f.histogram.last().and_then(|b| b.upper), None);
        }
        assert_eq!(
            summary.features[2].histogram.len(),
            2,
            "a constant column has one edge"
        );
    }

    #[test]
    fn build_and_query_validate_their_inputs() {
        let small = synthetic::matrix(19, 3, 0.0, 1);
        assert!(matches!(
            CohortIndex::build(&small, &[0], None, None),
            Err(ExplainError::NotEnoughRows {
                needed: 20,
                found: 19
            })
        ));
        let data = synthetic::matrix(20, 3, 0.0, 1);
        assert!(CohortIndex::build(&data, &[3], None, None).is_err());
        assert!(CohortIndex::build(&data, &[0], Some(vec![0.0; 3]), None).is_err());
        let index = CohortIndex::build(&data, &[0, 2], None, None).expect("valid inputs");
        assert!(index.query(&[0.0; 2], 20, None).is_err());
        assert!(matches!(
            index.query(data.row(0), 20, Some(0)),
            Err(ExplainError::NotEnoughRows { .. })
        ));
        assert_eq!(index.query(data.row(0), 20, None).map(|s| s.size), Ok(20));
    }

    #[test]
    fn summary_serialises_to_json_without_rows() {
        let (data, labels, _) = line();
        let index = CohortIndex::build(&data, &[0], Some(labels), None).expect("valid inputs");
        let summary = index
            .query(&[10.0, 0.0, 0.0], 20, None)
            .expect("enough rows");
        let json = serde_json::to_string(&summary).expect("plain data serialises");
        let back: CohortSummary = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back.size, summary.size);
        assert_eq!(back.features[0].histogram, summary.features[0].histogram);
        assert!(!json.contains("row"));
    }
}
