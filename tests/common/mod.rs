//! A server state built from generated applicants and a small additive (logistic) model, for
//! the server and browser tests. The model is real: its contributions are exact (each feature's
//! weight times its distance to the mean), so explanations can be checked against the score.

#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use std::collections::HashMap;
use std::sync::Arc;

use pret_a_score::server::audit::AuditLog;
use pret_a_score::server::auth::Keys;
use pret_a_score::server::state::{
    AppState, CalibrationBin, Confusion, Contributions, CurvePoint, Customer, Decision, Engine,
    EngineError, Facets, GlossaryEntry, HeldOutRow, ModelReport, Population, Records, Score,
    ScoredApplication, SourceFile, StateParts,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

pub const RM_TOKEN: &str = "rm-token-used-only-by-tests";
/// The customer whose descriptive data carries markup, to check escaping.
pub const MARKUP_ID: i64 = 100_007;
/// The customer whose explanation fails inside the engine, to check internal errors.
pub const BROKEN_ID: i64 = 100_010;
/// Probability of default above which the engine refuses.
pub const THRESHOLD: f64 = 0.12;

/// (feature, label, source table, weight per unit, mean).
pub const FEATURES: [(&str, &str, &str, f64); 5] = [
    (
        "EXT_SOURCE_2",
        "Score from an external credit agency",
        "application_train",
        -3.0,
    ),
    (
        "AMT_INCOME_TOTAL",
        "Yearly income",
        "application_train",
        -0.000_002,
    ),
    (
        "CREDIT_TO_INCOME",
        "Credit as a multiple of income",
        "application_train",
        0.25,
    ),
    ("AGE_YEARS", "Age in years", "application_train", -0.02),
    (
        "BURO_CREDIT_DAY_OVERDUE_MAX",
        "Most days overdue at other lenders",
        "bureau",
        0.6,
    ),
];

/// The additive logistic model behind the fixture.
pub struct LinearEngine {
    pub intercept: f64,
    pub means: Vec<f64>,
}

impl LinearEngine {
    fn raw(&self, row: &[f64]) -> Contributions {
        let values = FEATURES
            .iter()
            .zip(row)
            .zip(&self.means)
            .map(|(((_, _, _, w), x), m)| if x.is_finite() { w * (x - m) } else { 0.0 })
            .collect();
        Contributions {
            base: self.intercept,
            values,
        }
    }

    pub fn score(&self, row: &[f64]) -> Score {
        let c = self.raw(row);
        let raw = c.base + c.values.iter().sum::<f64>();
        let probability = 1.0 / (1.0 + (-raw).exp());
        Score {
            raw,
            probability,
            points: self.points(probability),
            decision: if probability > THRESHOLD {
                Decision::Refuse
            } else {
                Decision::Grant
            },
        }
    }
}

impl Engine for LinearEngine {
    fn contributions(&self, row: &[f64]) -> Result<Contributions, EngineError> {
        if row[0] == -1.0 {
            return Err(EngineError::Internal("secret internal detail xyzzy".into()));
        }
        Ok(self.raw(row))
    }

    fn cohort_values(&self, population: &Population, index: usize, feature: usize) -> Vec<f64> {
        let me = population.row(index);
        let n = population.rows.len() / FEATURES.len();
        let mut by_distance: Vec<(f64, usize)> = (0..n)
            .filter(|&i| i != index)
            .map(|i| {
                let d = (population.value(i, 0) - me[0]).powi(2)
                    + ((population.value(i, 2) - me[2]) / 3.0).powi(2);
                (d, i)
            })
            .collect();
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut values: Vec<f64> = by_distance
            .into_iter()
            .take(20)
            .map(|(_, i)| population.value(i, feature))
            .filter(|v| v.is_finite())
            .collect();
        values.sort_by(f64::total_cmp);
        values
    }

    fn score_application(
        &self,
        application: &Map<String, Value>,
    ) -> Result<ScoredApplication, EngineError> {
        let app = application
            .get("application")
            .and_then(Value::as_object)
            .ok_or_else(|| EngineError::BadApplication("no application".into()))?;
        let row = FEATURES
            .iter()
            .map(|(name, ..)| match app.get(*name) {
                None | Some(Value::Null) => Ok(f64::NAN),
                Some(Value::Number(n)) => Ok(n.as_f64().unwrap_or(f64::NAN)),
                Some(other) => Err(EngineError::BadApplication(format!(
                    "Column `{name}` must be a number, not {other}."
                ))),
            })
            .collect::<Result<Vec<f64>, _>>()?;
        let c = self.raw(&row);
        Ok(ScoredApplication {
            score: self.score(&row),
            features: row,
            contributions: c.values,
            base: c.base,
        })
    }

    fn threshold(&self) -> f64 {
        THRESHOLD
    }

    fn points(&self, probability: f64) -> f64 {
        let odds = (1.0 - probability) / probability;
        (600.0 + 40.0 / std::f64::consts::LN_2 * (odds / 50.0).ln()).clamp(300.0, 850.0)
    }
}

/// One generated applicant.
pub struct Generated {
    pub id: i64,
    pub row: Vec<f64>,
    pub gender: &'static str,
    pub contract: String,
    pub income: f64,
    pub credit: f64,
    pub age: f64,
    pub has_bureau: bool,
}

/// `n` applicants from a fixed seed.
pub fn applicants(n: usize) -> Vec<Generated> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    (0..n)
        .map(|i| {
            let id = 100_002 + i as i64;
            let income = rng.gen_range(40_000.0..400_000.0_f64).round();
            let credit = (income * rng.gen_range(0.5..8.0)).round();
            let age = rng.gen_range(21.0..69.0_f64).floor();
            let has_bureau = rng.gen_bool(0.7);
            let ext = if rng.gen_bool(0.1) {
                f64::NAN
            } else {
                rng.gen_range(0.0..0.85)
            };
            let ext = if id == BROKEN_ID { -1.0 } else { ext };
            let overdue = if has_bureau {
                f64::from(rng.gen_range(0..4))
            } else {
                f64::NAN
            };
            Generated {
                id,
                row: vec![ext, income, credit / income, age, overdue],
                gender: if rng.gen_bool(0.6) { "F" } else { "M" },
                contract: if id == MARKUP_ID {
                    "<script>alert(1)</script>".to_owned()
                } else if rng.gen_bool(0.9) {
                    "Cash loans".to_owned()
                } else {
                    "Revolving loans".to_owned()
                },
                income,
                credit,
                age,
                has_bureau,
            }
        })
        .collect()
}

fn record(g: &Generated) -> Vec<(String, Value)> {
    vec![
        ("CODE_GENDER".into(), json!(g.gender)),
        ("DAYS_BIRTH".into(), json!(-(g.age + 0.5) * 365.25)),
        ("AMT_INCOME_TOTAL".into(), json!(g.income)),
        ("NAME_CONTRACT_TYPE".into(), json!(g.contract)),
        ("AMT_CREDIT".into(), json!(g.credit)),
        ("FLAG_OWN_CAR".into(), json!("N")),
    ]
}

/// The engine fitted to the generated applicants (means over them).
pub fn engine(people: &[Generated]) -> LinearEngine {
    let means = (0..FEATURES.len())
        .map(|j| {
            let finite: Vec<f64> = people
                .iter()
                .map(|g| g.row[j])
                .filter(|v| v.is_finite())
                .collect();
            finite.iter().sum::<f64>() / finite.len() as f64
        })
        .collect();
    LinearEngine {
        intercept: -2.4,
        means,
    }
}

/// A complete state over `n` generated applicants.
pub fn state(n: usize) -> AppState {
    state_with_audit(n, None)
}

/// A complete state over `n` generated applicants that records its decisions in `audit`.
pub fn state_with_audit(n: usize, audit: Option<AuditLog>) -> AppState {
    let people = applicants(n);
    let engine = engine(&people);
    let customers = people
        .iter()
        .map(|g| Customer {
            id: g.id,
            dataset: "train".into(),
            target: Some(i32::from(engine.score(&g.row).probability > 0.3)),
            score: engine.score(&g.row),
            facets: Facets {
                gender: Some(g.gender.into()),
                age_years: Some(g.age),
                income: Some(g.income),
                credit: Some(g.credit),
                contract_type: Some(g.contract.clone()),
                history: vec![("bureau".into(), g.has_bureau)],
            },
        })
        .collect();
    let glossary: HashMap<String, GlossaryEntry> = FEATURES
        .iter()
        .map(|(name, label, source, _)| {
            (
                (*name).to_owned(),
                GlossaryEntry {
                    variable: (*name).to_owned(),
                    label: (*label).to_owned(),
                    description: format!("{label}."),
                    source_table: (*source).to_owned(),
                    group_label: "Test".into(),
                },
            )
        })
        .collect();
    AppState::from_parts(StateParts {
        customers,
        population: Population {
            feature_names: FEATURES.iter().map(|f| f.0.to_owned()).collect(),
            rows: people.iter().flat_map(|g| g.row.clone()).collect(),
        },
        glossary,
        model: model_report(),
        engine: Arc::new(engine),
        records: Records::Memory(people.iter().map(|g| (g.id, record(g))).collect()),
        keys: Keys::new(vec![42; 32], Some(RM_TOKEN.to_owned())).expect("valid test keys"),
        top_reasons: 3,
        points_range: (300.0, 850.0),
        audit,
    })
    .expect("the fixture's parts fit together")
}

fn model_report() -> ModelReport {
    ModelReport {
        version: "test-model-1".into(),
        evaluated_on: "generated applicants".into(),
        auc: Some(0.71),
        threshold: THRESHOLD,
        roc: vec![
            CurvePoint { x: 0.0, y: 0.0 },
            CurvePoint { x: 0.3, y: 0.7 },
            CurvePoint { x: 1.0, y: 1.0 },
        ],
        cost: (1..20)
            .map(|i| CurvePoint {
                x: f64::from(i) / 20.0,
                y: (f64::from(i) - 6.0).powi(2) + 50.0,
            })
            .collect(),
        calibration: vec![
            CalibrationBin {
                predicted: 0.05,
                observed: 0.04,
                count: 100,
            },
            CalibrationBin {
                predicted: 0.2,
                observed: 0.22,
                count: 50,
            },
        ],
        confusion: Confusion {
            true_refused: 10,
            false_refused: 30,
            true_granted: 200,
            false_granted: 8,
        },
        importance: FEATURES
            .iter()
            .enumerate()
            .map(|(i, f)| (f.0.to_owned(), 1.0 / (i + 1) as f64))
            .collect(),
        held_out: vec![HeldOutRow {
            kind: "Source".into(),
            label: "Credit bureau".into(),
            auc_drop: 0.0123,
            spread: 0.0045,
            mean_abs_shap: 0.2,
        }],
        provenance: vec![SourceFile {
            file_name: "application_train.csv".into(),
            rows: 300,
            sha256: "ab".repeat(32),
        }],
        notes: vec!["Generated for tests.".into()],
    }
}
