//! Benchmarks: TreeSHAP for one customer (default quadrature evaluation and Algorithm 2's
//! path weights) and for 10,000 customers, `predict_raw` for the same
//! customer (the reference for ratios), and a cohort query among 300,000 customers.
//!
//! Set `PRET_A_SCORE_ENSEMBLE` to an ensemble JSON file (serde of `TreeEnsemble`) to use a
//! trained model; otherwise a seeded synthetic ensemble of 500 depth-6 trees over 300
//! features is used. Customers are seeded synthetic rows either way (TreeSHAP visits every
//! path whatever the values, so its cost barely depends on them).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use explainers::synthetic::{self, SyntheticSpec};
use explainers::treeshap::Algorithm;
use explainers::{CohortIndex, TreeEnsemble, TreeShap};

const COHORT_ROWS: usize = 300_000;
const COHORT_FEATURES: usize = 12;

fn load_ensemble() -> TreeEnsemble {
    if let Ok(path) = std::env::var("PRET_A_SCORE_ENSEMBLE") {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read `{path}`: {e}"));
        let ensemble: TreeEnsemble = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("`{path}` is not an ensemble: {e}"));
        println!(
            "ensemble: {path} ({} trees, {} features)",
            ensemble.trees.len(),
            ensemble.n_features()
        );
        return ensemble;
    }
    let spec = SyntheticSpec {
        trees: 500,
        max_depth: 6,
        features: 300,
        early_leaf: 0.0,
        seed: 2024,
    };
    println!(
        "ensemble: synthetic, 500 depth-6 trees over 300 features (set PRET_A_SCORE_ENSEMBLE to use a trained model)"
    );
    synthetic::ensemble(spec)
}

fn shap_benches(c: &mut Criterion) {
    let ensemble = load_ensemble();
    let explainer = TreeShap::new(&ensemble).expect("the benchmark ensemble is valid");
    let data = synthetic::matrix(10_000, ensemble.n_features(), 0.1, 7);
    let row = data.row(0);

    c.bench_function("predict_raw/one_customer", |b| {
        b.iter(|| ensemble.predict_raw(black_box(row)))
    });

    let mut scratch = explainer.scratch();
    let mut phi = vec![0.0; ensemble.n_features()];
    c.bench_function("treeshap/one_customer", |b| {
        b.iter(|| explainer.shap_values_into(black_box(row), &mut scratch, &mut phi))
    });

    let classic = explainer.clone().with_algorithm(Algorithm::PathWeights);
    c.bench_function("treeshap/one_customer_path_weights", |b| {
        b.iter(|| classic.shap_values_into(black_box(row), &mut scratch, &mut phi))
    });

    let mut group = c.benchmark_group("treeshap_batch");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("10000_customers", |b| {
        b.iter(|| {
            for i in 0..data.rows {
                explainer
                    .shap_values_into(data.row(i), &mut scratch, &mut phi)
                    .expect("rows have the ensemble's width");
            }
            phi[0]
        })
    });
    group.finish();
}

fn cohort_benches(c: &mut Criterion) {
    let data = synthetic::matrix(COHORT_ROWS, COHORT_FEATURES, 0.1, 11);
    let labels: Vec<f64> = (0..COHORT_ROWS)
        .map(|i| f64::from(u8::from(i % 12 == 0)))
        .collect();
    let features: Vec<usize> = (0..COHORT_FEATURES).collect();
    let index =
        CohortIndex::build(&data, &features, Some(labels), None).expect("valid cohort inputs");
    let query = synthetic::matrix(1, COHORT_FEATURES, 0.1, 12);

    c.bench_function("cohort/query_k100_of_300000", |b| {
        b.iter(|| index.query(black_box(query.row(0)), 100, Some(5)))
    });
}

criterion_group! {
    name = benches;
    // No plots: with `--quick` the 10,000-customer run may have a single sample, which the
    // plotting code cannot handle.
    config = Criterion::default().without_plots();
    targets = shap_benches, cohort_benches
}
criterion_main!(benches);
